"""A table of hand derivations, right and wrong, with the expected verdict and slip.

Correct formulas are typed here as SymPy from the textbooks (Hille, Ion
Channels of Excitable Membranes, ch. 14; Keener & Sneyd, Mathematical
Physiology, ch. 2-3; Mullins & Noda 1963, J Gen Physiol 47:117; DOMAIN.md),
never produced by vrest. Claims are the text a student would type, with the
usual slips introduced by hand.
"""

from __future__ import annotations

import pytest
import sympy as sp
from test_verify_symbols import DEFINED, NAMES, PRIMITIVE, RANGES, F, R, S, T, V, ghk_current, nernst

from vrest.derive.functions import exprel
from vrest.derive.verify.check import check_expression
from vrest.derive.verify.diagnose import Context, chord_and_slope
from vrest.derive.verify.parse import parse_expression
from vrest.derive.verify.problem import Problem

K_i, K_o, Na_i, Na_o, Cl_i, Cl_o = (S[n] for n in ("K_i", "K_o", "Na_i", "Na_o", "Cl_i", "Cl_o"))
P_K, P_Na, P_Cl = S["P_K"], S["P_Na"], S["P_Cl"]
g_K, g_Na, g_Cl = S["g_K"], S["g_Na"], S["g_Cl"]
E_K, E_Na, E_Cl = S["E_K"], S["E_Na"], S["E_Cl"]
z_K, z_Ca, z_A, r, A_i = S["z_K"], S["z_Ca"], S["z_A"], S["r"], S["A_i"]
I_pump, g_leak = S["I_pump"], S["g_leak"]

E_K_z = nernst("K", z_K)
E_Cl_z = nernst("Cl", S["z_Cl"])
E_Ca_2 = R * T / (2 * F) * sp.log(S["Ca_o"] / S["Ca_i"])
GHK_V = R * T / F * sp.log((P_K * K_o + P_Na * Na_o + P_Cl * Cl_i) / (P_K * K_i + P_Na * Na_i + P_Cl * Cl_o))
CHORD = (g_K * E_K + g_Na * E_Na + g_Cl * E_Cl - I_pump) / (g_K + g_Na + g_Cl)
CHORD_LEAK = (g_K * E_K + g_Na * E_Na + g_Cl * E_Cl) / (g_K + g_Na + g_Cl)
CHORD_KNA = (g_K * E_K + g_Na * E_Na) / (g_K + g_Na)
MULLINS_NODA = R * T / F * sp.log((r * P_K * K_o + P_Na * Na_o) / (r * P_K * K_i + P_Na * Na_i))
PUMP_SHIFT = -I_pump / g_leak
# Donnan, K+ and Cl- permeant, bath K_o = Cl_o = c: K_i Cl_i = c^2 and
# K_i - Cl_i + z_A A_i = 0 give K_i/K_o = (-z_A A_i + sqrt(z_A^2 A_i^2 + 4 c^2)) / (2 c).
DONNAN_RATIO = (-z_A * A_i + sp.sqrt(z_A**2 * A_i**2 + 4 * K_o**2)) / (2 * K_o)
GHK_I_K = ghk_current("K", 1)
GHK_I_CA = ghk_current("Ca", z_Ca)

Z_CA_2 = Problem(RANGES, context=Context(valences=[2]), result_unit="V")
R_THREE_HALVES = Problem(RANGES, {r: sp.Rational(3, 2)}, result_unit="V")
Z_CL_MINUS_1 = Problem(RANGES, {S["z_Cl"]: sp.Integer(-1)}, result_unit="V")


def _ghk_slope_chord_problem() -> tuple[Problem, sp.Expr]:
    """GHK K and Na leaks; g_leak is the slope conductance, as in docs/model-format.md."""
    ions = {"K": (S["I_K"], GHK_I_K, nernst("K", 1)), "Na": (S["I_Na"], ghk_current("Na", 1), nernst("Na", 1))}
    definitions = {S["I_K"]: GHK_I_K, S["I_Na"]: ghk_current("Na", 1), E_K: nernst("K", 1), E_Na: nernst("Na", 1)}
    chord_sum = slope_sum = sp.Integer(0)
    for _, current, reversal in ions.values():
        chord, slope = chord_and_slope(current, V, reversal)
        chord_sum, slope_sum = chord_sum + chord, slope_sum + slope
    definitions[g_leak] = slope_sum
    context = Context(alternatives={"chord vs slope conductance": -I_pump / chord_sum})
    return Problem(RANGES, definitions, context, result_unit="V"), PUMP_SHIFT


GHK_PROBLEM, GHK_SHIFT = _ghk_slope_chord_problem()

GHK_V_TEXT = "RT/F ln((P_K K_o + P_Na Na_o + P_Cl Cl_i)/(P_K K_i + P_Na Na_i + P_Cl Cl_o))"
MN_TEXT = "RT/F ln((r P_K K_o + P_Na Na_o)/(r P_K K_i + P_Na Na_i))"

# (id, claim as typed, correct SymPy, problem, holds, diagnosis or None)
CASES = [
    # --- Nernst -------------------------------------------------------------
    ("nernst-plain", "RT/(z_K F) ln(K_o/K_i)", E_K_z, PRIMITIVE, True, None),
    ("nernst-latex", r"\frac{RT}{z_K F}\ln\frac{[K^+]_o}{[K^+]_i}", E_K_z, PRIMITIVE, True, None),
    ("nernst-log-difference", "R*T/(z_K*F)*(ln(K_o) - ln(K_i))", E_K_z, PRIMITIVE, True, None),
    ("nernst-minus-inverted", "-RT/(z_K F) ln(K_i/K_o)", E_K_z, PRIMITIVE, True, None),
    ("nernst-log10-exact", "2.302585092994046 RT/(z_K F) log10(K_o/K_i)", E_K_z, PRIMITIVE, True, None),
    ("nernst-ratio-inverted", "RT/(z_K F) ln(K_i/K_o)", E_K_z, PRIMITIVE, False, "ratio inverted"),
    ("nernst-sign", "-RT/(z_K F) ln(K_o/K_i)", E_K_z, PRIMITIVE, False, "sign flipped"),
    ("nernst-no-z", "RT/F ln(K_o/K_i)", E_K_z, PRIMITIVE, False, "missing valence z"),
    ("nernst-log10", "RT/(z_K F) log10(K_o/K_i)", E_K_z, PRIMITIVE, False, "log10 instead of ln"),
    ("nernst-mV", "1000 RT/(z_K F) ln(K_o/K_i)", E_K_z, PRIMITIVE, False, "V vs mV (factor 1000)"),
    ("nernst-rounded", "2.303 RT/(z_K F) log10(K_o/K_i)", E_K_z, PRIMITIVE, False, "rounded constant"),
    ("nernst-ca-no-z", "RT/F ln([Ca^{2+}]_o/[Ca^{2+}]_i)", E_Ca_2, Z_CA_2, False, "missing valence z"),
    ("nernst-ca", "RT/(2F) ln(Ca_o/Ca_i)", E_Ca_2, Z_CA_2, True, None),
    ("nernst-cl-z-1", "RT/F ln(Cl_i/Cl_o)", E_Cl_z, Z_CL_MINUS_1, True, None),
    ("nernst-cl-two-slips", "RT/F ln(Cl_i/Cl_o)", E_Cl_z, PRIMITIVE, False, "ratio inverted + missing valence z"),
    ("nernst-mV-and-sign", "-1000 RT/(z_K F) ln(K_o/K_i)", E_K_z, PRIMITIVE, False, "sign flipped + V vs mV"),
    # --- GHK voltage equation ----------------------------------------------
    ("ghk-plain", GHK_V_TEXT, GHK_V, PRIMITIVE, True, None),
    (
        "ghk-latex",
        (
            r"\frac{RT}{F}\ln\left(\frac{P_K[K^+]_o + P_{Na}[Na^+]_o + P_{Cl}[Cl^-]_i}"
            r"{P_K[K^+]_i + P_{Na}[Na^+]_i + P_{Cl}[Cl^-]_o}\right)"
        ),
        GHK_V, PRIMITIVE, True, None,
    ),
    (
        "ghk-relative-permeabilities",
        "RT/F ln((K_o + P_Na/P_K Na_o + P_Cl/P_K Cl_i)/(K_i + P_Na/P_K Na_i + P_Cl/P_K Cl_o))",
        GHK_V, PRIMITIVE, True, None,
    ),
    (
        "ghk-chloride-wrong-side",
        "RT/F ln((P_K K_o + P_Na Na_o + P_Cl Cl_o)/(P_K K_i + P_Na Na_i + P_Cl Cl_i))",
        GHK_V, PRIMITIVE, False, "Cl_i and Cl_o swapped",
    ),
    (
        "ghk-ratio-inverted",
        "RT/F ln((P_K K_i + P_Na Na_i + P_Cl Cl_o)/(P_K K_o + P_Na Na_o + P_Cl Cl_i))",
        GHK_V, PRIMITIVE, False, "ratio inverted",
    ),
    ("ghk-log10", GHK_V_TEXT.replace("ln", "log10"), GHK_V, PRIMITIVE, False, "log10 instead of ln"),
    ("ghk-sign", "-" + GHK_V_TEXT, GHK_V, PRIMITIVE, False, "sign flipped"),
    ("ghk-mV", GHK_V_TEXT + " * 1e3", GHK_V, PRIMITIVE, False, "V vs mV (factor 1000)"),
    # --- chord conductance equation ---------------------------------------
    ("chord", "(g_K E_K + g_Na E_Na + g_Cl E_Cl - I_pump)/(g_K + g_Na + g_Cl)", CHORD, PRIMITIVE, True, None),
    (
        "chord-rearranged",
        "E_K + (g_Na (E_Na - E_K) + g_Cl (E_Cl - E_K) - I_pump)/(g_K + g_Na + g_Cl)",
        CHORD, PRIMITIVE, True, None,
    ),
    (
        "chord-pump-sign",
        "(g_K E_K + g_Na E_Na + g_Cl E_Cl + I_pump)/(g_K + g_Na + g_Cl)",
        CHORD, PRIMITIVE, False, "sign of the term I_pump flipped",
    ),
    (
        "chord-pump-missing",
        "(g_K E_K + g_Na E_Na + g_Cl E_Cl)/(g_K + g_Na + g_Cl)",
        CHORD, PRIMITIVE, False, "the term -I_pump/(g_Cl + g_K + g_Na) is missing",
    ),
    ("chord-leak", r"\frac{g_K E_K + g_{Na} E_{Na} + g_{Cl} E_{Cl}}{g_K + g_{Na} + g_{Cl}}", CHORD_LEAK, PRIMITIVE, True, None),
    (
        "chord-weights-swapped",
        "(g_Na E_K + g_K E_Na + g_Cl E_Cl)/(g_K + g_Na + g_Cl)",
        CHORD_LEAK, PRIMITIVE, False, "E_K and E_Na swapped",
    ),
    ("chord-no-gCl-below", "(g_K E_K + g_Na E_Na + g_Cl E_Cl)/(g_K + g_Na)", CHORD_LEAK, PRIMITIVE, False, None),
    ("chord-mV", "1000 (g_K E_K + g_Na E_Na + g_Cl E_Cl)/(g_K + g_Na + g_Cl)", CHORD_LEAK, PRIMITIVE, False, "V vs mV (factor 1000)"),
    (
        "chord-nernst-expanded",
        "(g_K RT/F ln(K_o/K_i) + g_Na RT/F ln(Na_o/Na_i))/(g_K + g_Na)",
        CHORD_KNA, DEFINED, True, None,
    ),
    (
        "chord-nernst-na-inverted",
        "(g_K RT/F ln(K_o/K_i) + g_Na RT/F ln(Na_i/Na_o))/(g_K + g_Na)",
        CHORD_KNA, DEFINED, False, "Na_i and Na_o swapped",
    ),
    # --- leak currents ----------------------------------------------------
    ("ohmic", "g_K*(V-E_K)", g_K * (V - E_K), PRIMITIVE, True, None),
    ("ohmic-sign", "g_K (E_K - V)", g_K * (V - E_K), PRIMITIVE, False, "sign flipped"),
    (
        "ghk-current",
        "P_K F^2 V/(R T) (K_i - K_o e^{-FV/RT})/(1 - e^{-FV/RT})",
        P_K * F * (K_i - K_o * sp.exp(-F * V / (R * T))) / exprel(-F * V / (R * T)),
        PRIMITIVE, True, None,
    ),
    # e^{+u} for e^{-u} is the same as swapping the sides (multiply through by e^{-u})
    (
        "ghk-current-exponent-sign",
        "P_K F^2 V/(R T) (K_i - K_o e^{FV/RT})/(1 - e^{FV/RT})",
        GHK_I_K, PRIMITIVE, False, "K_i and K_o swapped",
    ),
    (
        "ghk-current-one-sign",
        "P_K F^2 V/(R T) (K_i + K_o e^{-FV/RT})/(1 - e^{-FV/RT})",
        GHK_I_K, PRIMITIVE, False, "sign of the term F**2*K_o*P_K*V flipped",
    ),
    (
        "ghk-current-ca-one-z",
        "P_Ca z_Ca F^2 V/(RT) (Ca_i - Ca_o exp(-z_Ca F V/(R T)))/(1 - exp(-z_Ca F V/(R T)))",
        GHK_I_CA, PRIMITIVE, False, "missing valence z",
    ),
    # --- pump shift dV = -I_pump/g_leak -----------------------------------
    ("pump-shift", "-I_pump/g_leak", PUMP_SHIFT, PRIMITIVE, True, None),
    ("pump-shift-sign", "I_pump/g_leak", PUMP_SHIFT, PRIMITIVE, False, "sign flipped"),
    ("pump-shift-product", "-I_pump g_leak", PUMP_SHIFT, PRIMITIVE, False, "a product where a quotient belongs: g_leak"),
    ("pump-shift-mV", "-1000 I_pump/g_leak", PUMP_SHIFT, PRIMITIVE, False, "V vs mV (factor 1000)"),
    ("pump-shift-sum", r"-\frac{I_{pump}}{g_K + g_{Na} + g_{Cl}}", PUMP_SHIFT, DEFINED, True, None),
    ("pump-shift-slope", "-I_pump/g_leak", GHK_SHIFT, GHK_PROBLEM, True, None),
    (
        "pump-shift-chord",
        "-I_pump/(I_K/(V - E_K) + I_Na/(V - E_Na))",
        GHK_SHIFT, GHK_PROBLEM, False, "chord vs slope conductance",
    ),
    # --- Mullins-Noda -----------------------------------------------------
    ("mullins-noda", MN_TEXT, MULLINS_NODA, PRIMITIVE, True, None),
    (
        "mullins-noda-latex",
        r"\frac{RT}{F} \ln \frac{r P_K [K]_o + P_{Na} [Na]_o}{r P_K [K]_i + P_{Na} [Na]_i}",
        MULLINS_NODA, PRIMITIVE, True, None,
    ),
    ("mullins-noda-3/2", MN_TEXT.replace("r P_K", "3/2 P_K"), MULLINS_NODA, R_THREE_HALVES, True, None),
    (
        "mullins-noda-no-r",
        "RT/F ln((P_K K_o + P_Na Na_o)/(P_K K_i + P_Na Na_i))",
        MULLINS_NODA, PRIMITIVE, False, "3:2 ratio dropped (r = 1)",
    ),
    (
        "mullins-noda-r-on-na",
        "RT/F ln((P_K K_o + r P_Na Na_o)/(P_K K_i + r P_Na Na_i))",
        MULLINS_NODA, PRIMITIVE, False, "3:2 ratio inverted (r -> 1/r)",
    ),
    (
        "mullins-noda-inverted",
        "RT/F ln((r P_K K_i + P_Na Na_i)/(r P_K K_o + P_Na Na_o))",
        MULLINS_NODA, PRIMITIVE, False, "ratio inverted",
    ),
    (
        "mullins-noda-na-swapped",
        "RT/F ln((r P_K K_o + P_Na Na_i)/(r P_K K_i + P_Na Na_o))",
        MULLINS_NODA, PRIMITIVE, False, "Na_i and Na_o swapped",
    ),
    # --- Donnan -----------------------------------------------------------
    ("donnan-ratio", "(-z_A A_i + sqrt(z_A^2 A_i^2 + 4 K_o^2))/(2 K_o)", DONNAN_RATIO, PRIMITIVE, True, None),
    ("donnan-ratio-rationalised", "2 K_o/(z_A A_i + sqrt(z_A^2 A_i^2 + 4 K_o^2))", DONNAN_RATIO, PRIMITIVE, True, None),
    (
        "donnan-ratio-sign",
        "(z_A A_i + sqrt(z_A^2 A_i^2 + 4 K_o^2))/(2 K_o)",
        DONNAN_RATIO, PRIMITIVE, False, "sign of the term A_i*z_A flipped",
    ),
    ("donnan-ratio-latex", r"\frac{-z_A A_i + \sqrt{z_A^2 A_i^2 + 4 [K]_o^2}}{2 [K]_o}", DONNAN_RATIO, PRIMITIVE, True, None),
]


def test_the_table_is_big_enough():
    assert len(CASES) >= 40
    assert sum(1 for c in CASES if not c[4]) >= 20


@pytest.mark.parametrize("case_id, text, correct, problem, holds, diagnosis", CASES, ids=[c[0] for c in CASES])
def test_hand_derivation(case_id, text, correct, problem, holds, diagnosis):
    result = check_expression(parse_expression(text, NAMES), correct, problem)
    assert result.holds is holds
    if holds:
        assert result.counterexample is None
        assert result.diagnosis is None
    else:
        assert result.method == "numeric"
        if diagnosis is None:
            assert result.diagnosis is None
        else:
            assert result.diagnosis is not None and diagnosis in result.diagnosis
        example = result.counterexample
        assert example is not None and example.correct is not None
        assert example.correct.unit == "V"
        assert example.claimed is None or abs(example.claimed.value - example.correct.value) > 0
