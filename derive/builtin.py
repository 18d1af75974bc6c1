"""The built-in models shipped with vrest, and how a MODEL argument is resolved."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .errors import ModelError
from .model import Model
from .modelfile import load_model, model_from_text

__all__ = ["BUILTIN_MODELS", "DEFAULT_MODEL", "builtin_text", "resolve_model"]

BUILTIN_MODELS = ("neuron", "squid", "pumpleak")
DEFAULT_MODEL = "neuron"


def builtin_text(name: str) -> str:
    """The TOML text of built-in model ``name``."""
    return resources.files("vrest.derive").joinpath("models", f"{name}.toml").read_text(encoding="utf-8")


def resolve_model(spec: str | None = None) -> Model:
    """A built-in name (see BUILTIN_MODELS) or a path to a TOML file; None means the default."""
    spec = spec or DEFAULT_MODEL
    if spec in BUILTIN_MODELS:
        return model_from_text(builtin_text(spec), origin=f"built-in model {spec!r}")
    path = Path(spec)
    if path.suffix.lower() == ".toml" or path.exists():
        return load_model(path)
    raise ModelError("MODEL", spec, f"not a built-in model ({', '.join(BUILTIN_MODELS)}) nor a model file")
