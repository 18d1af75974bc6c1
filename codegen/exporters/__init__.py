"""Exporters: one small module per output format, found through one registry.

An exporter is a function ``(model) -> {file name: text}``; it builds a template
context from the IR and renders ``templates/<format>...j2``. Registering it with
``@exporter("name", ...)`` makes it available to ``vrest export`` and
``vrest generate`` (and so to ``generated/``) at once.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vrest.derive.derivation import NotApplicable
from vrest.derive.errors import ModelError
from vrest.derive.model import Model

from ..files import write_all_atomic

__all__ = ["Exporter", "EXPORTERS", "exporter", "export", "format_names", "registrar", "load_format_modules"]


@dataclass(frozen=True)
class Exporter:
    name: str
    description: str
    function: Callable[[Model], dict[str, str]]


EXPORTERS: dict[str, Exporter] = {}

# Modules that register exporters, imported on first use (some targets import heavy libraries).
_MODULES = ("sbml", "cellml", "neuroml", "nmodl", "brian2", "numpy_module", "c_module")


def registrar(table: dict, kind: Callable) -> Callable:
    """A decorator factory ``(name, description)`` that registers a function in ``table`` as ``kind(name,
    description, function)``."""

    def register_as(name: str, description: str):
        def register(function):
            table[name] = kind(name, description, function)
            return function

        return register

    return register_as


# @exporter(name, description) registers ``function(model) -> {file name: text}`` as the format ``name``.
exporter = registrar(EXPORTERS, Exporter)


def load_format_modules(package: str, modules: tuple[str, ...]) -> None:
    """Import ``package``'s format modules (each registers itself); one not written yet is skipped."""
    for module in modules:
        try:
            importlib.import_module(f"{package}.{module}")
        except ModuleNotFoundError as error:
            if error.name != f"{package}.{module}":  # a real missing dependency, not a format not yet written
                raise


def _load_all() -> None:
    load_format_modules(__name__, _MODULES)


def format_names() -> list[str]:
    _load_all()
    return sorted(EXPORTERS)


def render_files(model: Model, name: str) -> dict[str, str]:
    """{file name: text} of ``model`` in format ``name``; ``all`` gives every format."""
    _load_all()
    names = sorted(EXPORTERS) if name == "all" else [name]
    files: dict[str, str] = {}
    for each in names:
        try:
            files.update(EXPORTERS[each].function(model))
        except NotApplicable as reason:  # no state to start from: derive.steady_state says why
            raise ModelError("--to", each, f"cannot export model {model.name}: it has no state to start from "
                             f"({reason})") from None
    return files


def export(model: Model, name: str, out_dir: str | Path) -> list[Path]:
    """Write ``model`` in format ``name`` into ``out_dir``, every file or none; return the paths written."""
    return write_all_atomic({Path(out_dir) / file: text for file, text in render_files(model, name).items()}, key="-o")
