"""Is the bath electroneutral? A bath with more of one charge than the other lacks ions the file does not list.

vrest counts only the listed ions (and the bath's uncharged impermeant solute) in
the bath's osmolarity and in the Donnan balance, so where those matter (impermeant
anions inside, or a volume that follows water) an unbalanced bath changes the
results: the user hears of it once, with the numbers.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np

from .errors import ModelWarning
from .model import Model, Scenario

__all__ = ["bath_imbalance", "scenario_bath_imbalances", "swept_bath_imbalance", "warn_unbalanced_bath"]

# Charge differences below this share of the bath's charge are rounding (0.1 %).
_RELATIVE = 1e-3


def _side(terms: list[tuple[int, str, float]]) -> str:
    names = " + ".join(f"{abs(z)} {name}" if abs(z) != 1 else name for z, name, _ in terms)
    return f"{names} = {sum(abs(z) * c for z, _, c in terms):.6g} mM"


def _matters(model: Model) -> bool:
    return bool(model.impermeant or model.volume_mode in ("dynamic", "instant"))


def _terms(model: Model, values: Mapping) -> list[tuple[int, str, object]]:
    """(valence, name, bath concentration in mM) of each listed ion; concentrations may be arrays."""
    return [(ion.valence, ion.outside.name, values[ion.outside]) for ion in model.ions if ion.has_concentrations]


def _charges(terms) -> tuple[object, object, object]:
    """(excess charge, total charge, whether the excess is more than rounding) of ``terms``, in mM, elementwise."""
    excess = sum(z * np.asarray(c, dtype=float) for z, _, c in terms)
    total = sum(abs(z) * np.asarray(c, dtype=float) for z, _, c in terms)
    return excess, total, np.abs(excess) > _RELATIVE * total / 2


def bath_imbalance(model: Model, values: Mapping | None = None) -> str | None:
    """A sentence naming the bath's charge imbalance where it matters for the model's results, else None;
    ``values`` (by symbol) replace the file's (a scenario step's)."""
    if not _matters(model):
        return None  # the potentials do not depend on the bath's unlisted ions
    values = {**model.values, **(values or {})}
    terms = [(z, name, float(c)) for z, name, c in _terms(model, values)]  # mol/m^3 = mM
    if not terms:
        return None
    excess, _, unbalanced = _charges(terms)
    if not unbalanced:
        return None
    cations = [t for t in terms if t[0] > 0]
    anions = [t for t in terms if t[0] < 0]
    sign = "positive" if excess > 0 else "negative"
    return (f"the bath is not electroneutral: {_side(cations) if cations else 'no cations'} against "
            f"{_side(anions) if anions else 'no anions'} ({abs(excess):.6g} mM more {sign} charge); the Donnan "
            "and volume results count only the listed ions")


def swept_bath_imbalance(model: Model, varied: Mapping) -> tuple[int, float, str | None]:
    """How many points of a sweep (``varied``: arrays of SI values by symbol) leave the bath unbalanced where the
    file's is balanced; the largest excess there as a share of the bath's charge, and ``bath_imbalance``'s
    sentence at that point."""
    if not _matters(model) or bath_imbalance(model) or not varied:
        return 0, 0.0, None  # the file's own imbalance was said when it was read
    excess, total, unbalanced = _charges(_terms(model, {**model.values, **varied}))
    unbalanced = np.broadcast_to(unbalanced, np.shape(next(iter(varied.values()))))
    if not unbalanced.any():
        return 0, 0.0, None
    share = np.where(unbalanced, np.abs(excess) / total, -1.0)
    worst = int(np.argmax(share))
    return (int(unbalanced.sum()), float(share[worst]),
            bath_imbalance(model, {k: float(v[worst]) for k, v in varied.items()}))


def scenario_bath_imbalances(model: Model, scenario: Scenario) -> list[str]:
    """One sentence for each step of ``scenario`` after which the bath is unbalanced otherwise than the file's."""
    from .steady_state import protocol_values  # here: steady_state needs the whole IR

    given = bath_imbalance(model)
    said = []
    for number, (at, values) in enumerate(protocol_values(model, scenario)[1:], start=1):
        message = bath_imbalance(model, values)
        if message and message != given:
            said.append(f"scenario {scenario.name}, step {number} at {float(at):g} s: {message}")
    return said


def warn_unbalanced_bath(model: Model) -> None:
    """Warn (ModelWarning) when ``bath_imbalance`` has something to say."""
    message = bath_imbalance(model)
    if message:
        warnings.warn(message, ModelWarning, stacklevel=3)
