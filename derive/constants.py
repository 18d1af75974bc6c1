"""Physical constants and the symbols shared by every model.

R and F carry CODATA 2018's values to ten digits, 8.314462618 J/(mol K) and 96485.33212 C/mol (since the
2019 SI redefinition both are exact, N_A k = 8.31446261815324 and N_A e = 96485.3321233100184: RT/F here is
1.6e-11 relative above the exact one). All values are SI.
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "R", "F", "T", "V", "C_m", "I_pump", "g_leak", "tau_m", "r", "A_i", "z_A", "Vol", "L_p", "area",
    "CODATA_2018", "ZERO_CELSIUS", "I_stim",
]

R = sp.Symbol("R", positive=True)  # molar gas constant, J/(mol K)
F = sp.Symbol("F", positive=True)  # Faraday constant, C/mol
T = sp.Symbol("T", positive=True)  # absolute temperature, K

V = sp.Symbol("V", real=True)  # membrane potential phi_in - phi_out
C_m = sp.Symbol("C_m", positive=True)  # specific membrane capacitance
I_pump = sp.Symbol("I_pump", real=True)  # pump current density, outward positive
I_stim = sp.Symbol("I_stim", real=True)  # injected (stimulus) current density: positive depolarises
g_leak = sp.Symbol("g_leak", positive=True)
tau_m = sp.Symbol("tau_m", positive=True)
r = sp.Symbol("r", positive=True)  # pump coupling ratio: Na out per K in
A_i = sp.Symbol("A_i", positive=True)  # impermeant concentration inside
z_A = sp.Symbol("z_A", real=True, nonzero=True)  # impermeant valence: a mean charge, need not be an integer
Vol = sp.Symbol("Vol", positive=True)  # cell volume
L_p = sp.Symbol("L_p", positive=True)  # hydraulic water permeability
area = sp.Symbol("A_m", positive=True)  # membrane area

CODATA_2018 = {
    R: sp.Rational("8.314462618"),
    F: sp.Rational("96485.33212"),
}
ZERO_CELSIUS = sp.Rational("273.15")
