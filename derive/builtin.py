"""The built-in models shipped with vrest, and how a MODEL argument is resolved."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ModelError

if TYPE_CHECKING:
    from .model import Model

__all__ = ["BUILTIN_MODELS", "DEFAULT_MODEL", "builtin_text", "resolve_model", "is_other_format"]

BUILTIN_MODELS = ("neuron", "squid", "pumpleak", "hh")
DEFAULT_MODEL = "neuron"
_OTHER_FORMATS = {".cellml": "CellML", ".sbml": "SBML", ".xml": "SBML"}  # read by derive.importers


def is_other_format(spec: str) -> bool:
    """MODEL names another tool's file (CellML, SBML), which derive.importers reads."""
    return Path(spec).suffix.lower() in _OTHER_FORMATS


def builtin_text(name: str) -> str:
    """The TOML text of built-in model ``name``."""
    return resources.files("vrest.derive").joinpath("models", f"{name}.toml").read_text(encoding="utf-8")


def resolve_model(spec: str | None = None) -> Model:
    """A built-in name (see BUILTIN_MODELS) or a path to a TOML file; None means the default."""
    from .modelfile import load_model, model_from_text  # SymPy: the command line's parsers need only the names

    if spec is None:
        spec = DEFAULT_MODEL
    if not spec.strip():
        raise ModelError("MODEL", spec, f"empty: give a built-in model ({', '.join(BUILTIN_MODELS)}) or a model file")
    if spec in BUILTIN_MODELS:
        return model_from_text(builtin_text(spec), origin=f"built-in model {spec!r}")
    path = Path(spec)
    try:
        exists = path.exists()
    except OSError as exc:  # a name too long for the file system
        raise ModelError("MODEL", spec, f"not a built-in model nor a readable file: {exc.strerror}") from None
    if path.suffix.lower() in _OTHER_FORMATS:
        raise ModelError("MODEL", spec, f"a {_OTHER_FORMATS[path.suffix.lower()]} file: `vrest rest`, `derive`, "
                         "`simulate`, `sweep`, `sensitivity` and `export` read it; this command needs a built-in "
                         "model or a vrest model file (.toml)")
    if path.suffix.lower() == ".toml" or exists:
        return load_model(path)
    raise ModelError("MODEL", spec, f"not a built-in model ({', '.join(BUILTIN_MODELS)}) nor a model file")
