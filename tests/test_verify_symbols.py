"""The symbol table the verify tests share, built from plain SymPy symbols.

Names follow docs/model-format.md (K_i, z_K, g_K, P_K, E_K, I_K, V, R, T, F, ...).
Ranges are physiological, in SI-like units (V in volts, concentrations in mM).
Other test_verify_* modules import NAMES, S, RANGES and the problems from here.
"""

from __future__ import annotations

import sympy as sp

from vrest.derive.verify.parse import parse_expression, with_aliases
from vrest.derive.verify.problem import Problem

IONS = ("K", "Na", "Cl", "Ca")

S: dict[str, sp.Symbol] = {}
for _n in ("R", "T", "F", "C_m", "g_leak", "tau_m", "r", "A_i", "Vol"):
    S[_n] = sp.Symbol(_n, positive=True)
for _n in ("V", "I_pump"):
    S[_n] = sp.Symbol(_n, real=True)
S["z_A"] = sp.Symbol("z_A", real=True, nonzero=True)
for _x in IONS:
    for _p in (f"{_x}_i", f"{_x}_o", f"g_{_x}", f"P_{_x}"):
        S[_p] = sp.Symbol(_p, positive=True)
    S[f"z_{_x}"] = sp.Symbol(f"z_{_x}", real=True, nonzero=True)
    S[f"E_{_x}"] = sp.Symbol(f"E_{_x}", real=True)
    S[f"I_{_x}"] = sp.Symbol(f"I_{_x}", real=True)

NAMES = with_aliases(S)

_LOG = True
RANGES = {
    S["R"]: (8.0, 8.6, False),
    S["T"]: (273.0, 320.0, False),
    S["F"]: (9.0e4, 1.0e5, False),
    S["V"]: (-0.12, 0.06, False),
    S["K_i"]: (100.0, 160.0, _LOG),
    S["K_o"]: (2.0, 10.0, _LOG),
    S["Na_i"]: (5.0, 20.0, _LOG),
    S["Na_o"]: (120.0, 160.0, _LOG),
    S["Cl_i"]: (4.0, 30.0, _LOG),
    S["Cl_o"]: (100.0, 130.0, _LOG),
    S["Ca_i"]: (1e-5, 1e-3, _LOG),
    S["Ca_o"]: (1.0, 3.0, _LOG),
    S["z_K"]: (0.5, 3.0, False),
    S["z_Na"]: (0.5, 3.0, False),
    S["z_Ca"]: (0.5, 3.0, False),
    S["z_Cl"]: (-3.0, -0.5, False),
    S["z_A"]: (-3.0, -0.5, False),
    S["E_K"]: (-0.11, -0.07, False),
    S["E_Na"]: (0.04, 0.08, False),
    S["E_Cl"]: (-0.08, -0.05, False),
    S["g_K"]: (0.1, 1.0, _LOG),
    S["g_Na"]: (0.005, 0.1, _LOG),
    S["g_Cl"]: (0.01, 0.3, _LOG),
    S["P_K"]: (1e-7, 1e-5, _LOG),
    S["P_Na"]: (1e-9, 1e-6, _LOG),
    S["P_Cl"]: (1e-8, 1e-6, _LOG),
    S["P_Ca"]: (1e-9, 1e-7, _LOG),
    S["I_pump"]: (1e-3, 0.1, _LOG),
    S["g_leak"]: (0.1, 2.0, _LOG),
    S["C_m"]: (0.005, 0.02, _LOG),
    S["r"]: (1.2, 2.0, False),
    S["A_i"]: (50.0, 150.0, _LOG),
}

R, T, F, V = S["R"], S["T"], S["F"], S["V"]


def nernst(x: str, z: sp.Expr) -> sp.Expr:
    """E_X = RT/(zF) ln([X]_o/[X]_i), typed from the textbook, not from vrest."""
    return R * T / (z * F) * sp.log(S[f"{x}_o"] / S[f"{x}_i"])


def ghk_current(x: str, z: sp.Expr) -> sp.Expr:
    """I_X = P z^2 F^2 V/(RT) ([X]_i - [X]_o e^{-u})/(1 - e^{-u}), u = zFV/(RT)."""
    u = z * F * V / (R * T)
    return S[f"P_{x}"] * z * F * u * (S[f"{x}_i"] - S[f"{x}_o"] * sp.exp(-u)) / (1 - sp.exp(-u))


# Symbols stand for themselves: E_X, I_X are free.
PRIMITIVE = Problem(RANGES, result_unit="V")

# Named quantities stand for their definitions (monovalent K, Na and chloride).
OHMIC_DEFINITIONS = {
    S["E_K"]: nernst("K", 1),
    S["E_Na"]: nernst("Na", 1),
    S["E_Cl"]: nernst("Cl", -1),
    S["I_K"]: S["g_K"] * (V - S["E_K"]),
    S["I_Na"]: S["g_Na"] * (V - S["E_Na"]),
    S["I_Cl"]: S["g_Cl"] * (V - S["E_Cl"]),
    S["g_leak"]: S["g_K"] + S["g_Na"] + S["g_Cl"],
}
DEFINED = Problem(RANGES, OHMIC_DEFINITIONS, result_unit="V")


def test_aliases_resolve_to_the_same_symbol():
    for text in ("K_o", "[K]_o", "[K+]_o", "[K^+]_o", "[K^{+}]_{o}", "K_out", "Ko", "K_{out}"):
        assert parse_expression(text, NAMES) == S["K_o"], text


def test_ambiguous_alias_is_not_added():
    names = with_aliases({"A_i": S["A_i"], "Ai": S["K_i"]})
    assert names["Ai"] == S["K_i"]  # an existing name is never overwritten


def test_hand_typed_ghk_current_has_the_nernst_zero():
    # Independent check of the helper: I_K vanishes at V = E_K (mpmath).
    e_k = nernst("K", 1).subs({R: 8.314, T: 310, F: 96485, S["K_o"]: 4, S["K_i"]: 140})
    current = ghk_current("K", 1).subs({R: 8.314, T: 310, F: 96485, S["K_o"]: 4, S["K_i"]: 140, S["P_K"]: 1})
    assert abs(float(current.subs(V, e_k))) < 1e-9
