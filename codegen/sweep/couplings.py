"""Parameters the model-file reader computes from others, recomputed at each point of a sweep.

A sweep point is the model file with some values changed (the keys of derive.protocol.targets);
a value the reader derives from them follows: the impermeant amount N_A = A_i Vol when the file
gives the concentration, A_i = N_A/Vol when it gives the amount. NumPy only: workers apply these.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # workers apply couplings without SymPy
    from vrest.derive.model import Model

__all__ = ["coupling", "apply_coupling"]


def _impermeant_given_as_amount(model: Model) -> bool:
    """Whether the file gave ``impermeant.amount`` (then A_i = N_A/Vol) rather than the concentration
    (then N_A = A_i Vol): the model lists the given one first (derive.modelfile)."""
    names = [p.name for p in model.parameters]
    return names.index("N_A") < names.index("A_i")


def coupling(model: Model, varied: set[str]) -> tuple[str, str, str, str] | None:
    """How a parameter computed from others follows the varied ones, as the model-file reader computes it:
    ("product", "N_A", "A_i", "Vol") for N_A = A_i Vol, ("ratio", "A_i", "N_A", "Vol") for A_i = N_A/Vol;
    None when nothing varied enters such a relation.

    The impermeant amount and concentration are tied by the volume: the one the sweep varies (or else the
    one the file gives) holds, the other follows.
    """
    if not (model.has("N_A") and model.has("A_i") and model.has("Vol")) or not varied & {"N_A", "A_i", "Vol"}:
        return None
    if "N_A" in varied or ("A_i" not in varied and _impermeant_given_as_amount(model)):
        return ("ratio", "A_i", "N_A", "Vol")
    return ("product", "N_A", "A_i", "Vol")


def apply_coupling(rule: tuple[str, str, str, str] | None, values: Mapping[str, object]) -> dict[str, object]:
    """``values`` with the parameter of ``rule`` (see ``coupling``) recomputed; NumPy only."""
    out = dict(values)
    if rule is not None:
        kind, target, a, b = rule
        x, y = np.asarray(out[a], dtype=float), np.asarray(out[b], dtype=float)
        out[target] = x * y if kind == "product" else x / y
    return out
