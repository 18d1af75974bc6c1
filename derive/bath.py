"""Is the bath electroneutral? A bath with more of one charge than the other lacks ions the file does not list.

vrest counts only the listed ions (and the bath's uncharged impermeant solute) in
the bath's osmolarity and in the Donnan balance, so where those matter (impermeant
anions inside, or a volume that follows water) an unbalanced bath changes the
results: the user hears of it once, with the numbers.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

from .errors import ModelWarning
from .model import Model, Scenario

__all__ = ["bath_imbalance", "scenario_bath_imbalances", "warn_unbalanced_bath"]

# Charge differences below this share of the bath's charge are rounding (0.1 %).
_RELATIVE = 1e-3


def _side(terms: list[tuple[int, str, float]]) -> str:
    names = " + ".join(f"{abs(z)} {name}" if abs(z) != 1 else name for z, name, _ in terms)
    return f"{names} = {sum(abs(z) * c for z, _, c in terms):.6g} mM"


def bath_imbalance(model: Model, values: Mapping | None = None) -> str | None:
    """A sentence naming the bath's charge imbalance where it matters for the model's results, else None;
    ``values`` (by symbol) replace the file's (a scenario step's)."""
    if not (model.impermeant or model.volume_mode in ("dynamic", "instant")):
        return None  # the potentials do not depend on the bath's unlisted ions
    values = {**model.values, **(values or {})}
    terms = [(ion.valence, ion.outside.name, float(values[ion.outside]))  # mol/m^3 = mM
             for ion in model.ions if ion.has_concentrations]
    cations = [t for t in terms if t[0] > 0]
    anions = [t for t in terms if t[0] < 0]
    excess = sum(z * c for z, _, c in terms)
    total = sum(abs(z) * c for z, _, c in terms)
    if not terms or abs(excess) <= _RELATIVE * total / 2:
        return None
    sign = "positive" if excess > 0 else "negative"
    return (f"the bath is not electroneutral: {_side(cations) if cations else 'no cations'} against "
            f"{_side(anions) if anions else 'no anions'} ({abs(excess):.6g} mM more {sign} charge); the Donnan "
            "and volume results count only the listed ions")


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
