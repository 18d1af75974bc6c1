"""Which state a derived quantity is taken at: the full model's steady state, or the file's concentrations.

Where the concentrations move (a membrane area and a cell volume), V_ss, g_leak, tau_m, volume_ss,
tau_slow, tau_fast and a gated model's quantities of its resting states (eigenvalues, window currents, the
quasi-active membrane) belong to the steady state of the full model, where every run starts; E_X, V_ghk, V_leak,
V_balance, dV_pump, V_mullins_noda and the Donnan quantities are worked out at the concentrations the
file gives. Output that shows both says so, with the steady state's concentrations.
"""

from __future__ import annotations

import sympy as sp

from ..constants import Vol
from ..derivation import Derivation
from ..model import Model

__all__ = ["AT_STEADY_STATE", "taken_at", "steady_concentrations"]

AT_STEADY_STATE = ("V_ss", "g_leak", "tau_m", "volume_ss", "tau_slow", "tau_fast",
                   "eigenvalues", "g_inst", "Z_0", "f_res", "Z_res")  # the last: gated models' resting states
_AT_REST_PREFIXES = ("I_window_", "r_", "L_")  # I_window_<channel>, r_<gate>, L_<gate>: at the resting states too
_OVER_RATES = ("pump_max",)  # steady states over a range of pump rates: neither the one nor the other


def taken_at(quantity_id: str) -> str | None:
    """"steady" (the full model's steady state), "given" (the file's concentrations) or None (neither)."""
    if quantity_id in _OVER_RATES:
        return None
    steady = quantity_id in AT_STEADY_STATE or quantity_id.startswith(_AT_REST_PREFIXES)
    return "steady" if steady else "given"


def steady_concentrations(model: Model, steady: Derivation) -> tuple[tuple[sp.Symbol, float], ...]:
    """((X_i, SI value), ..., (Vol, SI value)) at the full model's steady state ``steady`` (its V_ss); () when the
    concentrations are fixed (then they are the file's)."""
    if not model.dynamic_ions:
        return ()
    at = dict(steady.at)
    return tuple((symbol, at[symbol]) for symbol in [ion.inside for ion in model.dynamic_ions] + [Vol] if symbol in at)
