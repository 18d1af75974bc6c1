"""Ion names that would take one of vrest's own symbol names (docs/model-format.md, "Symbol names").

An ion X owns the symbols X_i, X_o, N_X, z_X, g_X, P_X, E_X and I_X. An ion named A would own
A_i, z_A and N_A, the impermeant anions' concentration, valence and amount; one named B would own
B_o, the bath's impermeant solute; one named leak, g_leak and I_leak. Two values would then share
one name and one of them would silently be taken for the other, so such a name is refused, and
so is a pair of ion names whose symbols meet (ions z and i would both own z_i).
"""

from __future__ import annotations

from collections.abc import Iterable

from .errors import ModelError
from .ions import Ion

__all__ = ["SHARED_NAMES", "check_ion_names"]

# Every symbol name vrest gives to something other than one ion, with what it stands for.
SHARED_NAMES: dict[str, str] = {
    "R": "the gas constant", "F": "the Faraday constant", "T": "the temperature", "V": "the membrane potential",
    "t": "the time", "C_m": "the membrane capacitance", "A_m": "the membrane area", "Vol": "the cell volume",
    "L_p": "the water permeability",
    "A_i": "the impermeant anions' concentration inside", "z_A": "the impermeant anions' valence",
    "N_A": "the impermeant anions' amount inside", "B_o": "the bath's impermeant solute",
    "I_pump": "the pump current", "I_pump0": "the pump current before its factors",
    "I_max": "the saturating pump's largest current", "lambda_pump": "the pump rate per Na",
    "K_half_Na": "the pump's half-activation by Na", "K_half_K": "the pump's half-activation by K",
    "Q_10": "the pump's Q10", "T_ref": "the pump's reference temperature", "dT_10": "the 10 K of the Q10",
    "Na_o_LR": "Luo & Rudy's Na scale", "r": "the pump's coupling ratio",
    "I_leak": "the total leak current", "I_total": "the total membrane current",
    "g_leak": "the total leak conductance", "tau_m": "the membrane time constant",
    "V_ghk": "the GHK potential", "V_leak": "the leaks' zero-current potential", "V_ss": "the steady state",
    "V_balance": "the current balance", "dV_pump": "the pump's shift", "V_mullins_noda": "the Mullins-Noda potential",
    "donnan_ratio": "the Donnan ratio", "r_D": "the Donnan ratio", "V_donnan": "the Donnan potential",
    "osmotic_excess": "the osmotic excess", "volume_ss": "the steady volume", "pump_max": "the largest pump rate",
    "tau_slow": "the slowest time constant", "lambda_slow": "the slowest eigenvalue",
    "Delta_V_ouabain": "the ouabain jump", "V_before": "V before a step", "V_jump": "V after a step's jump",
    "dV_jump": "a step's jump", "V_end_ouabain": "the end of the ouabain rundown",
    "tau_fast": "the fastest relaxation of V", "eigenvalues": "the Jacobian's eigenvalues at rest",
    "g_inst": "the instantaneous conductance", "Z_0": "the impedance at f = 0", "f_res": "the resonance frequency",
    "Z_res": "the impedance at resonance",
}


def check_ion_names(names: Iterable[str]) -> None:
    """A ModelError naming ``ions.<name>`` for the first ion whose symbols are vrest's own or another ion's."""
    owners: dict[str, str] = {}
    for name in names:
        symbols = [symbol.name for symbol in Ion(name, 1).symbols]
        shared = [symbol for symbol in symbols if symbol in SHARED_NAMES]
        if shared:
            raise ModelError(f"ions.{name}", None, f"an ion named {name} would own {_and(shared)}, vrest's "
                             f"name{'s' if len(shared) > 1 else ''} for {_and([SHARED_NAMES[s] for s in shared])}; "
                             "give the ion another name")
        other = next((symbol for symbol in symbols if symbol in owners), None)
        if other is not None:
            raise ModelError(f"ions.{name}", None, f"an ion named {name} would own the symbol {other}, which ion "
                             f"{owners[other]} owns too: give one of them another name")
        owners.update(dict.fromkeys(symbols, name))


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
