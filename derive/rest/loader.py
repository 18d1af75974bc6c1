"""How a MODEL argument becomes an OdeSystem: a built-in name, a vrest model file, or another
tool's model file read by the reader registered for its suffix."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from ..builtin import resolve_model
from ..importers import READERS
from ..model import Model
from ..system import OdeSystem, from_model
from .named_roles import check_named_roles

__all__ = ["load_system", "load_model_and_system", "model_rest_report", "SYSTEM_READERS"]

# Suffix (lower case, with the dot) -> reader of that format; vrest's own TOML files and the
# built-in names need none. A reader takes the path and, by keyword, ``voltage`` and ``stimulus``
# (the names of those roles where the file does not say, or None).
SYSTEM_READERS: dict[str, Callable[..., OdeSystem]] = dict(READERS)  # CellML (.cellml), SBML (.xml, .sbml)


def load_system(path_or_name: str | Path, *, voltage: str | None = None, stimulus: str | None = None) -> OdeSystem:
    """The ODE system of a built-in model name, a .toml model file, or a file with a registered reader."""
    return load_model_and_system(path_or_name, voltage=voltage, stimulus=stimulus)[1]


def load_model_and_system(path_or_name: str | Path, *, voltage: str | None = None,
                          stimulus: str | None = None) -> tuple[Model | None, OdeSystem]:
    """(the cell description, when MODEL is a vrest model; its ODE system).

    ``voltage`` and ``stimulus`` reach the reader of another tool's file, which needs them where
    the file does not say which state is the membrane potential (vrest's own models know theirs).
    """
    spec = str(path_or_name)
    reader = SYSTEM_READERS.get(Path(spec).suffix.lower())
    if reader is not None:
        system = reader(Path(spec), voltage=voltage, stimulus=stimulus)
        check_named_roles(system, voltage, stimulus)
        return None, system
    model = resolve_model(spec)
    return model, from_model(model)


@lru_cache(maxsize=32)
def model_rest_report(model: Model):
    """The engine's RestReport of a vrest model over the default range, from its own start: once per model (a
    Model is immutable), for its derivations and its steady state's first guess alike."""
    from .engine import find_resting_states

    return find_resting_states(from_model(model))
