"""The sentence that says which concentrations each derived value uses, where a model's concentrations move.

V_ss and the quantities of its steady state are not at the file's concentrations: a table that
shows them next to E_X says so, with the steady state's concentrations (derive.derivations.where).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import sympy as sp

from vrest.derive.derivations.where import steady_concentrations, taken_at
from vrest.derive.model import Model
from vrest.derive.derivation import Derivation, NotApplicable
from vrest.derive.quantities import Derivations
from vrest.derive.units import convert

__all__ = ["state_note"]


def _values(model: Model, pairs: Iterable[tuple[sp.Symbol, float]]) -> str:
    shown = []
    for symbol, value in pairs:
        unit = model.parameter(symbol.name).unit
        shown.append(f"{symbol.name} = {convert(value, unit):.6g} {unit}")
    return ", ".join(shown)


def state_note(model: Model, derived: Mapping[str, Derivation]) -> list[str]:
    """["V_ss, ...: at the steady state of the full model ..., X_i = ...", "E_X, ...: at the file's concentrations
    and volume, X_i = ..."] for the quantities ``derived`` (by id); [] when the concentrations are fixed or no
    steady-state quantity is among them."""
    ids = [qid for qid in derived if taken_at(qid) == "steady"]
    if not model.dynamic_ions or not ids:
        return []
    try:
        steady = derived["V_ss"] if "V_ss" in derived else Derivations(model).get("V_ss")
    except NotApplicable:
        return []
    at = steady_concentrations(model, steady)
    if len(steady.values) > 1:  # several resting states: each quantity has a value at each, at its own
        lines = [(f"{', '.join(ids)}: at each of the {len(steady.values)} steady states of the full model, each at "
                  "its own concentrations and volume (vrest rest MODEL lists them)")]
    else:
        lines = [(f"{', '.join(ids)}: at the steady state of the full model (where every run starts), "
                  f"{_values(model, at)}")]
    others = [qid for qid in derived if taken_at(qid) == "given"]
    if others:
        given = [(symbol, model.values[symbol]) for symbol, _ in at]
        lines.append(f"{', '.join(others)}: at the file's concentrations and volume, {_values(model, given)}")
    return lines
