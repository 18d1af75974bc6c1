"""Derive every quantity of docs/model-format.md that a model has what it needs for."""

from __future__ import annotations

import math

from .derivation import Derivation, NoSteadyState, NotApplicable
from .model import Model
from .registry import DERIVERS, PATTERN_IDS, QUANTITY_IDS

__all__ = ["Derivations", "derive_all"]


class Derivations:
    """Derives the quantities of one model lazily, each at most once.

    ``get(id)`` returns a Derivation or raises NotApplicable with the reason;
    derivations that need another quantity (dV_pump needs V_ss) call ``get``.
    """

    def __init__(self, model: Model) -> None:
        self.model = model
        self._done: dict[str, Derivation | NotApplicable] = {}
        self._shared: dict[str, object] = {}

    def shared(self, key: str, compute):
        """``compute()``, done once per model: results several derivations read (the resting states)."""
        if key not in self._shared:
            self._shared[key] = compute()
        return self._shared[key]

    def ids(self) -> list[str]:
        """Every quantity id for this model, E_<ion> expanded, in the contract's order."""
        out: list[str] = []
        for quantity_id in QUANTITY_IDS:
            out.extend(expand_id(quantity_id, self.model))
        return out

    def get(self, quantity_id: str) -> Derivation:
        if quantity_id not in self._done:
            key = pattern_of(quantity_id, self.model)
            deriver = DERIVERS.get(key)
            try:
                if deriver is None:
                    raise NotApplicable("not derived by this version of vrest yet")
                result = deriver(self, quantity_id) if key != quantity_id else deriver(self)
                if not math.isfinite(result.value):  # never a silent NaN or infinity
                    raise NoSteadyState(f"no finite value at the model's parameters ({result.value})")
                self._done[quantity_id] = result
            except NotApplicable as reason:
                self._done[quantity_id] = reason
        result = self._done[quantity_id]
        if isinstance(result, NotApplicable):
            raise result
        return result

    def all(self) -> tuple[dict[str, Derivation], dict[str, str]]:
        """(derived quantities by id, reasons by id for those not applicable)."""
        derived: dict[str, Derivation] = {}
        reasons: dict[str, str] = {}
        for quantity_id in self.ids():
            try:
                derived[quantity_id] = self.get(quantity_id)
            except NotApplicable as reason:
                reasons[quantity_id] = str(reason)
        return derived, reasons


def expand_id(quantity_id: str, model: Model) -> list[str]:
    """The ids a pattern stands for in ``model``: E_<ion> one per ion, I_window_<channel> one per gated
    channel, r_<gate> and L_<gate> one per gate (named gate_channel, e.g. r_m_Na); any other id itself."""
    gated = [c for c in model.channels if not c.is_leak]
    if quantity_id == "E_<ion>":
        return [f"E_{ion.name}" for ion in model.ions]
    if quantity_id == "I_window_<channel>":
        return [f"I_window_{c.name}" for c in gated]
    if quantity_id in ("r_<gate>", "L_<gate>"):
        return [f"{quantity_id[0]}_{g.name}_{c.name}" for c in gated for g in c.gates]
    return [quantity_id]


def pattern_of(quantity_id: str, model: Model) -> str:
    """The registered id (a pattern such as E_<ion>, or the id itself) that derives ``quantity_id``."""
    for pattern in PATTERN_IDS:
        if quantity_id in expand_id(pattern, model):
            return pattern
    return "E_<ion>" if quantity_id.startswith("E_") else quantity_id


def derive_all(model: Model) -> tuple[dict[str, Derivation], dict[str, str]]:
    return Derivations(model).all()


# The derivation modules register their quantities on import.
from .derivations import potentials as _potentials  # noqa: E402,F401
from .derivations import conductance as _conductance  # noqa: E402,F401
from .derivations import donnan as _donnan  # noqa: E402,F401
from .derivations import pumpleak as _pumpleak  # noqa: E402,F401
from .derivations import pump_range as _pump_range  # noqa: E402,F401
from .derivations import mullins_noda as _mullins_noda  # noqa: E402,F401
from .derivations import time_constants as _time_constants  # noqa: E402,F401
from .derivations import fast_time_constant as _fast_time_constant  # noqa: E402,F401
from .derivations import resting as _resting  # noqa: E402,F401
