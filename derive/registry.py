"""The table of derivable quantities: id -> function(Derivations) -> Derivation.

Derivation modules register themselves with ``@quantity(id)``; the driver in
``quantities.py`` walks the ids in the order of docs/model-format.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .derivation import Derivation
    from .quantities import Derivations

__all__ = ["QUANTITY_IDS", "PATTERN_IDS", "UNITS", "DERIVERS", "quantity"]

# Ids in the order of docs/model-format.md ("E_<ion>" stands for one id per ion, "I_window_<channel>"
# for one per gated channel, "r_<gate>" and "L_<gate>" for one per gate).
QUANTITY_IDS = (
    "E_<ion>", "V_ghk", "V_leak", "V_ss", "V_balance", "dV_pump", "V_mullins_noda", "g_leak", "tau_m",
    "donnan_ratio", "V_donnan", "osmotic_excess", "volume_ss", "pump_max", "tau_slow", "tau_fast",
    "eigenvalues", "I_window_<channel>", "g_inst", "r_<gate>", "L_<gate>", "Z_0", "f_res", "Z_res",
)
PATTERN_IDS = ("E_<ion>", "I_window_<channel>", "r_<gate>", "L_<gate>")
UNITS = {
    "E_<ion>": "mV", "V_ghk": "mV", "V_leak": "mV", "V_ss": "mV", "V_balance": "mV", "dV_pump": "mV", "V_mullins_noda": "mV",
    "g_leak": "mS/cm^2", "tau_m": "ms", "donnan_ratio": "1", "V_donnan": "mV", "osmotic_excess": "mM",
    "volume_ss": "um^3", "pump_max": "uA/cm^2", "tau_slow": "s", "tau_fast": "ms",
    "eigenvalues": "1/s", "I_window_<channel>": "uA/cm^2", "g_inst": "mS/cm^2", "r_<gate>": "kohm*cm^2",
    "L_<gate>": "H*cm^2", "Z_0": "kohm*cm^2", "f_res": "Hz", "Z_res": "kohm*cm^2",
}

DERIVERS: dict[str, Callable[["Derivations"], "Derivation"]] = {}


def quantity(quantity_id: str):
    """Register the function that derives ``quantity_id``."""

    def register(function):
        DERIVERS[quantity_id] = function
        return function

    return register
