"""Exports of an ODE system (an imported CellML or SBML model) to the formats vrest writes.

vrest's own models are exported from their cell description (codegen.exporters); a model read
from another tool's file is an OdeSystem only, and is exported from that: each format is one
function ``(system, keep_stimulus) -> {file name: text}`` registered here with
``@system_exporter(name, description)``, built on the shared context of systems.context and
rendered from ``templates/system_*.j2`` with the same printers as vrest's own exports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vrest.derive.errors import ModelError
from vrest.derive.system import OdeSystem

from ...files import write_all_atomic
from .. import load_format_modules, registrar

__all__ = ["SystemExporter", "SYSTEM_EXPORTERS", "system_exporter", "system_format_names", "render_system",
           "export_system"]


@dataclass(frozen=True)
class SystemExporter:
    name: str
    description: str
    function: Callable[[OdeSystem, bool], dict[str, str]]


SYSTEM_EXPORTERS: dict[str, SystemExporter] = {}

# Modules that register exporters, imported on first use.
_MODULES = ("xml", "nmodl", "brian2", "neuroml", "numeric")


# @system_exporter(name, description) registers ``function(system, keep_stimulus) -> {file name: text}``.
system_exporter = registrar(SYSTEM_EXPORTERS, SystemExporter)


def _load_all() -> None:
    load_format_modules(__name__, _MODULES)


def system_format_names() -> list[str]:
    _load_all()
    return sorted(SYSTEM_EXPORTERS)


def render_system(system: OdeSystem, name: str, *, keep_stimulus: bool = False) -> dict[str, str]:
    """{file name: text} of ``system`` in format ``name``; ``all`` gives every format."""
    formats = system_format_names()
    if name != "all" and name not in formats:
        raise ModelError("--to", name, f"not a format for a model read from a file; one of: "
                         f"{', '.join(formats + ['all'])}")
    files: dict[str, str] = {}
    for each in formats if name == "all" else [name]:
        try:
            files.update(SYSTEM_EXPORTERS[each].function(system, keep_stimulus))
        except (ValueError, NotImplementedError) as reason:  # a printer meets what its format cannot say
            text = " ".join(str(reason).split("Set the printer option")[0].split())
            if isinstance(reason, NotImplementedError):  # SymPy's "Unsupported by <printer class>: floor"
                text = f"the format has no {text.rsplit(': ', 1)[-1]} function"
            if keep_stimulus and _writes_without_stimulus(system, each):
                text += ", which the file's stimulus uses (without --keep-stimulus the stimulus is off and it is written)"
            where = " (one of the formats of 'all': nothing is written)" if name == "all" else ""
            raise ModelError("--to", name, f"model {system.name} cannot be written as {each}{where}: {text}") from None
    return files


def _writes_without_stimulus(system: OdeSystem, name: str) -> bool:
    try:
        SYSTEM_EXPORTERS[name].function(system, False)
    except (ValueError, NotImplementedError):
        return False
    return True


def export_system(system: OdeSystem, name: str, out_dir: str | Path, *, keep_stimulus: bool = False,
                  source: str | Path | None = None) -> list[Path]:
    """Write ``system`` in format ``name`` into ``out_dir``, every file or none; never over ``source``
    (the model file it was read from)."""
    files = {Path(out_dir) / file: text for file, text in render_system(system, name,
                                                                       keep_stimulus=keep_stimulus).items()}
    if source is not None:
        for path in files:
            if path.resolve() == Path(source).resolve():
                raise ModelError("-o", str(out_dir), f"the export {path.name} would replace the model file it is "
                                 "read from: choose another folder")
    return write_all_atomic(files, key="-o")
