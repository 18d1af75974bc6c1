"""Which state a derived quantity is taken at: the full model's steady state, or the file's concentrations.

Where the concentrations move (a membrane area and a cell volume), V_ss, g_leak, tau_m, volume_ss,
tau_slow and tau_fast belong to the steady state of the full model, where every run starts; E_X, V_ghk, V_leak,
V_balance, dV_pump, V_mullins_noda and the Donnan quantities are worked out at the concentrations the
file gives. Output that shows both says so, with the steady state's concentrations.
"""

from __future__ import annotations

import sympy as sp

from ..constants import Vol
from ..derivation import Derivation
from ..model import Model

__all__ = ["AT_STEADY_STATE", "taken_at", "steady_concentrations"]

AT_STEADY_STATE = ("V_ss", "g_leak", "tau_m", "volume_ss", "tau_slow", "tau_fast")
_OVER_RATES = ("pump_max",)  # steady states over a range of pump rates: neither the one nor the other


def taken_at(quantity_id: str) -> str | None:
    """"steady" (the full model's steady state), "given" (the file's concentrations) or None (neither)."""
    if quantity_id in _OVER_RATES:
        return None
    return "steady" if quantity_id in AT_STEADY_STATE else "given"


def steady_concentrations(model: Model, steady: Derivation) -> tuple[tuple[sp.Symbol, float], ...]:
    """((X_i, SI value), ..., (Vol, SI value)) at the full model's steady state ``steady`` (its V_ss); () when the
    concentrations are fixed (then they are the file's)."""
    if not model.dynamic_ions:
        return ()
    at = dict(steady.at)
    return tuple((symbol, at[symbol]) for symbol in [ion.inside for ion in model.dynamic_ions] + [Vol] if symbol in at)
