"""Derive every quantity of docs/model-format.md that a model has what it needs for."""

from __future__ import annotations

import math

from .derivation import Derivation, NoSteadyState, NotApplicable
from .model import Model
from .registry import DERIVERS, QUANTITY_IDS

__all__ = ["Derivations", "derive_all"]


class Derivations:
    """Derives the quantities of one model lazily, each at most once.

    ``get(id)`` returns a Derivation or raises NotApplicable with the reason;
    derivations that need another quantity (dV_pump needs V_ss) call ``get``.
    """

    def __init__(self, model: Model) -> None:
        self.model = model
        self._done: dict[str, Derivation | NotApplicable] = {}

    def ids(self) -> list[str]:
        """Every quantity id for this model, E_<ion> expanded, in the contract's order."""
        out: list[str] = []
        for quantity_id in QUANTITY_IDS:
            if quantity_id == "E_<ion>":
                out.extend(f"E_{ion.name}" for ion in self.model.ions)
            else:
                out.append(quantity_id)
        return out

    def get(self, quantity_id: str) -> Derivation:
        if quantity_id not in self._done:
            key = "E_<ion>" if quantity_id.startswith("E_") else quantity_id
            deriver = DERIVERS.get(key)
            try:
                if deriver is None:
                    raise NotApplicable("not derived by this version of vrest yet")
                result = deriver(self, quantity_id) if key == "E_<ion>" else deriver(self)
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
