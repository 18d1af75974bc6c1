"""The laws of the resting potential as small pure functions returning SymPy expressions.

Sign conventions (physiological): V = phi_in - phi_out; a membrane current is
positive outward; fluxes are positive outward. Everything is SI.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import sympy as sp

from .constants import F, R, T, V
from .functions import exprel

__all__ = [
    "nernst", "ohmic_current", "ghk_u", "ghk_current", "ghk_voltage", "all_monovalent",
    "pump_current_saturating", "pump_current_proportional", "pump_charge_per_cycle", "pump_ion_current",
    "membrane_dVdt", "amount_rate", "water_flux", "q10_factor",
]


def nernst(z, outside, inside, temperature=T) -> sp.Expr:
    """E_X = R T / (z F) ln([X]_o / [X]_i)."""
    return R * temperature / (z * F) * sp.log(outside / inside)


def ohmic_current(g, E, potential=V) -> sp.Expr:
    """Chord-conductance leak: I_X = g_X (V - E_X)."""
    return g * (potential - E)


def ghk_u(z, potential=V, temperature=T) -> sp.Expr:
    """The reduced potential u = z F V / (R T)."""
    return z * F * potential / (R * temperature)


def ghk_current(P, z, inside, outside, potential=V, temperature=T) -> sp.Expr:
    """GHK current I = P z F u ([X]_i - [X]_o e^-u) / (1 - e^-u).

    Written as P z F ([X]_i - [X]_o e^-u) / exprel(-u): the same function,
    with the removable singularity at V = 0 handled by ``exprel``.
    """
    u = ghk_u(z, potential, temperature)
    return P * z * F * (inside - outside * sp.exp(-u)) / exprel(-u)


def all_monovalent(valences: Iterable[int]) -> bool:
    return all(abs(z) == 1 for z in valences)


def ghk_voltage(permeant: Iterable[tuple[sp.Expr, int, sp.Expr, sp.Expr]], temperature=T) -> sp.Expr:
    """GHK voltage equation for monovalent ions, given (P, valence, inside, outside) tuples.

    V = (R T / F) ln(sum_cations P X_o + sum_anions P X_i) / (sum_cations P X_i + sum_anions P X_o).
    Anions enter inverted. For a divalent ion there is no log form: solve the
    zero-current condition instead.
    """
    permeant = list(permeant)
    if not all_monovalent(z for _, z, _, _ in permeant):
        raise ValueError("the GHK voltage equation has a log form only for monovalent ions")
    numerator = sum(P * (o if z > 0 else i) for P, z, i, o in permeant)
    denominator = sum(P * (i if z > 0 else o) for P, z, i, o in permeant)
    return R * temperature / F * sp.log(numerator / denominator)


def pump_charge_per_cycle(stoichiometry: Mapping[str, int], valences: Mapping[str, int]) -> int:
    """Net elementary charges moved out per pump cycle: sum of n_X z_X (3 Na out, 2 K in -> 1)."""
    return sum(n * valences[name] for name, n in stoichiometry.items())


def pump_current_saturating(I_max, activations: Iterable[tuple[sp.Expr, sp.Expr, int]]) -> sp.Expr:
    """I_pump = I_max * prod (c / (c + K_half))^n over the (c, K_half, n) activating sites.

    For the Na/K-ATPase: (Na_i / (Na_i + K_Na))^3 (K_o / (K_o + K_K))^2.
    """
    return I_max * sp.Mul(*[(c / (c + K)) ** n for c, K, n in activations])


def pump_current_proportional(rate, sodium_inside, sodium_per_cycle, charge_per_cycle) -> sp.Expr:
    """Na efflux proportional to [Na]_i: J_Na = rate [Na]_i, so the cycle flux is J_Na / n_Na and
    I_pump = q F rate [Na]_i / n_Na (Gabbiani & Cox's pump: 3 Na out, 2 K in, I_pump = F lambda [Na]_i / 3)."""
    return sp.Integer(charge_per_cycle) * F * rate * sodium_inside / sodium_per_cycle


def pump_ion_current(n, z, charge_per_cycle, pump_current) -> sp.Expr:
    """The share of the pump current carried by one ion: n_X z_X I_pump / q."""
    return sp.Integer(n * z) * pump_current / charge_per_cycle


def membrane_dVdt(total_current, capacitance) -> sp.Expr:
    """C_m dV/dt = -(sum of outward currents)."""
    return -total_current / capacitance


def amount_rate(ion_current, z, membrane_area) -> sp.Expr:
    """d(Vol [X]_i)/dt = -(A / (z F)) I_X, with I_X the ion's whole outward current."""
    return -membrane_area * ion_current / (z * F)


def water_flux(hydraulic_permeability, membrane_area, osm_in, osm_out, temperature=T) -> sp.Expr:
    """dVol/dt = L_p A R T (osm_in - osm_out): water follows the osmotic gradient inward."""
    return hydraulic_permeability * membrane_area * R * temperature * (osm_in - osm_out)


def q10_factor(q10, reference, temperature=T, step=10) -> sp.Expr:
    """A rate's temperature factor Q10^((T - T_ref)/(10 K)) (``step`` the 10 K, in kelvin)."""
    return q10 ** ((temperature - reference) / step)
