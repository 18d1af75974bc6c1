"""Hand calculations with numbers and units, right and wrong, as students write them.

Each case is a textbook-style worked example checked against a model: the
built-in neuron (37 C: K 140/4, Na 12/145, Cl 10/110 mM; g_K, g_Na, g_Cl =
0.1, 0.015, 0.035 mS/cm^2; I_pump 0.75 uA/cm^2; C_m 1 uF/cm^2), the built-in
squid axon (20 C: K 400/20, Na 50/440, Cl 52/560 mM; P_K : P_Na : P_Cl =
1 : 0.04 : 0.45) and an RC cell written here (20 C: K 140/5 mM, one K leak of
0.05 mS/cm^2, i.e. R_m = 20 kOhm cm^2). Every expected value is evaluated
below with mpmath from the equations written out here (CODATA 2018 R and F),
never by vrest; the textbooks are cited for the worked example each case
follows ("cf.": the page could not be checked here, the number is derived).
"""

from __future__ import annotations

from typing import NamedTuple

import mpmath
import pytest

from vrest.derive.verify import verify

mpmath.mp.dps = 30
R = mpmath.mpf("8.314462618")  # J/(mol K), CODATA 2018 (exact)
F = mpmath.mpf("96485.33212")  # C/mol, CODATA 2018 (exact)
ZERO_C = mpmath.mpf("273.15")
LN10 = mpmath.log(10)


def rtf(celsius) -> mpmath.mpf:
    """RT/F in mV."""
    return 1000 * R * (ZERO_C + mpmath.mpf(celsius)) / F


def nernst(z, outside, inside, celsius) -> mpmath.mpf:
    """E = RT/(zF) ln(out/in), mV."""
    return rtf(celsius) / z * mpmath.log(mpmath.mpf(outside) / mpmath.mpf(inside))


def celsius_where(decade_mv) -> mpmath.mpf:
    """The temperature (degC) at which RT ln 10 / F equals decade_mv."""
    return mpmath.mpf(decade_mv) / 1000 * F / (R * LN10) - ZERO_C


def log10(x) -> mpmath.mpf:
    return mpmath.log10(mpmath.mpf(x))


def mpf(x: str) -> mpmath.mpf:
    return mpmath.mpf(x)


# The neuron at 37 C.
E_K_37, E_NA_37, E_CL_37 = nernst(1, 4, 140, 37), nernst(1, 145, 12, 37), nernst(-1, 110, 10, 37)
G_K, G_NA, G_CL, I_PUMP = mpf("0.1"), mpf("0.015"), mpf("0.035"), mpf("0.75")  # mS/cm^2, uA/cm^2
G_LEAK = G_K + G_NA + G_CL
V_LEAK = (G_K * E_K_37 + G_NA * E_NA_37 + G_CL * E_CL_37) / G_LEAK  # chord conductance equation, mV
DV_PUMP = -I_PUMP / G_LEAK  # uA/cm^2 / (mS/cm^2) = mV
V_SS = V_LEAK + DV_PUMP
TAU_M = 1 / G_LEAK  # uF/cm^2 / (mS/cm^2) = ms

# The squid axon at 20 C, Hodgkin & Katz's permeability ratios.
E_K_20, E_NA_20, E_CL_20 = nernst(1, 20, 400, 20), nernst(1, 440, 50, 20), nernst(-1, 560, 52, 20)
GHK_SQUID = rtf(20) * mpmath.log((20 + mpf("0.04") * 440 + mpf("0.45") * 52) / (400 + mpf("0.04") * 50 + mpf("0.45") * 560))

# The pump-leak cell at 25 C: Donnan ratio with K, Na, Cl permeant and impermeant anions A_i (z = -1),
# r = (A_i + sqrt(A_i^2 + 4 Cl_o (K_o + Na_o)))/(2 (K_o + Na_o)) (Keener & Sneyd, ch. 2).
_A_I, _CL_O, _CATIONS_O = mpf("146.3"), mpf(145), mpf(3) + mpf(142)
DONNAN_RATIO = (_A_I + mpmath.sqrt(_A_I**2 + 4 * _CL_O * _CATIONS_O)) / (2 * _CATIONS_O)
V_DONNAN = -rtf(25) * mpmath.log(DONNAN_RATIO)
I_K_REST = G_K * (V_SS - E_K_37)  # mS/cm^2 x mV = uA/cm^2

RC_CELL = """\
[model]
name = "rc_cell"
description = "a cell with one K leak: R_m = 1/g = 20 kOhm cm^2"
temperature = "20 degC"

[membrane]
capacitance = "1 uF/cm^2"

[ions.K]
valence = 1
inside = "140 mM"
outside = "5 mM"
conductance = "0.05 mS/cm^2"
"""
TAU_RC = mpf(20000) * mpf("1e-6") * 1000  # R_m C_m = 20 kOhm cm^2 x 1 uF/cm^2, in ms

CA_CELL = """\
[model]
name = "ca_cell"
description = "K and Ca leaks at 37 C: free Ca 100 nM inside, 2 mM outside"
temperature = "37 degC"

[membrane]
capacitance = "1 uF/cm^2"

[ions.K]
valence = 1
inside = "140 mM"
outside = "4 mM"
conductance = "0.1 mS/cm^2"

[ions.Ca]
valence = 2
inside = "0.0001 mM"
outside = "2 mM"
conductance = "0.001 mS/cm^2"
"""
E_CA_37 = nernst(2, 2, mpf("0.0001"), 37)

NERNST_37 = "cf. Boron & Boulpaep, Medical Physiology, ch. 6: E = 61.5 mV log10(out/in) at 37 C; RT ln10/F = 61.54 mV at 310.15 K"
NERNST_20 = "cf. Kandel et al., Principles of Neural Science, 5th ed., ch. 6, Table 6-1 (squid axon at 20 C: E_K -75, E_Na +55, E_Cl -60 mV with 58 mV per decade)"
PURVES = "cf. Purves et al., Neuroscience, ch. 2: K 140 mM in, 5 mM out, 58 mV per decade: E_K about -84 mV"
GHK = "Hodgkin & Katz (1949) J Physiol 108:37-77: P_K : P_Na : P_Cl = 1 : 0.04 : 0.45; cf. Kandel et al., ch. 6: about -60 mV"
CHORD = "cf. Hille, Ion Channels of Excitable Membranes, 3rd ed., ch. 14 (chord conductance equation); Keener & Sneyd, Mathematical Physiology, ch. 3"
PUMP = "cf. Keener & Sneyd, Mathematical Physiology, ch. 2-3: the pump's direct shift -I_pump/g_leak"
CALCIUM = "cf. Hille, Ion Channels of Excitable Membranes, 3rd ed., ch. 1: E_Ca = (RT/2F) ln(Ca_o/Ca_i), about +130 mV for 100 nM inside"
TAU = "cf. Johnston & Wu, Foundations of Cellular Neurophysiology, ch. 4: tau_m = R_m C_m, 20 kOhm cm^2 x 1 uF/cm^2 = 20 ms"
DONNAN = "cf. Keener & Sneyd, Mathematical Physiology, ch. 2: the Donnan ratio and potential"
REVIEW = "a claim a reviewer typed: with the model's numbers substituted, a plain value, a slip a teacher names"


class Case(NamedTuple):
    id: str
    model: str
    claim: str
    holds: bool
    slip: str | None  # a fragment of the diagnosis, or None: no slip named
    correct: mpmath.mpf | None  # the correct value in the model's unit (mV or ms)
    claimed: mpmath.mpf | None  # the claim's own value, evaluated here
    source: str


CASES = [
    # --- Nernst at 37 C (neuron) ---------------------------------------------------------
    Case("nernst37-decade", "neuron", "E_K = 61.5 mV log10(K_o/K_i)", True, None, E_K_37, 61.5 * log10(mpf(4) / 140), NERNST_37),
    Case("nernst37-numbers", "neuron", "E_K = 61.5 mV log10(4/140)", True, None, E_K_37, 61.5 * log10(mpf(4) / 140), NERNST_37),
    Case("nernst37-value", "neuron", "E_K = -95 mV", True, None, E_K_37, mpf(-95), NERNST_37),
    Case("nernst37-rt-over-f", "neuron", "E_K = 26.7 mV ln(4/140)", True, None, E_K_37, 26.7 * mpmath.log(mpf(4) / 140), NERNST_37),
    Case("nernst37-si-constants", "neuron", "E_K = 8.314 J/(mol K) * 310.15 K / (96485 C/mol) * ln(4/140)", True, None,
         E_K_37, 1000 * mpf("8.314") * mpf("310.15") / 96485 * mpmath.log(mpf(4) / 140), NERNST_37),
    Case("nernst37-sodium", "neuron", "E_Na = 61.5 mV log10(145/12)", True, None, E_NA_37, 61.5 * log10(mpf(145) / 12), NERNST_37),
    Case("nernst37-sodium-value", "neuron", "E_Na = +67 mV", True, None, E_NA_37, mpf(67), NERNST_37),
    Case("nernst37-chloride", "neuron", "E_Cl = -61.5 mV log10(110/10)", True, None, E_CL_37, -61.5 * log10(11), NERNST_37),
    Case("nernst37-chloride-no-z", "neuron", "E_Cl = 61.5 mV log10(110/10)", False, "missing valence z: z_Cl = -1 was left out",
         E_CL_37, 61.5 * log10(11), NERNST_37),
    # a bare number is a pure number: the right side is no potential, and no value is shown in mV for it
    Case("nernst37-bare-mV", "neuron", "E_K = 61.54 log10(K_o/K_i)", False,
         "the right side is a pure number, E_K is a potential; the bare number 61.54 is a pure number: write 61.54 mV",
         None, None, NERNST_37),
    Case("nernst37-bare-value", "neuron", "E_K = -95", False, "V vs mV (factor 1000)", E_K_37, mpf(-95000), NERNST_37),
    Case("nernst37-log10-no-2.303", "neuron", "E_K = 26.7 mV log10(4/140)", False, "log10 instead of ln (the factor 2.303",
         E_K_37, 26.7 * log10(mpf(4) / 140), NERNST_37),
    Case("nernst37-ln-with-decade", "neuron", "E_K = 61.5 mV ln(4/140)", False, "ln 10 counted twice",
         E_K_37, 61.5 * mpmath.log(mpf(4) / 140), NERNST_37),
    Case("nernst37-room-temperature-constant", "neuron", "E_K = 58 mV log10(4/140)", False,
         "a constant for another temperature: the claim is exact at 19.2 degC, the model is at 37 degC",
         E_K_37, 58 * log10(mpf(4) / 140), NERNST_37),
    # a plain value: how far it is, no slip and no temperature (it holds no constant)
    Case("nernst37-room-temperature-value", "neuron", "E_K = -90 mV", False, None, E_K_37, mpf(-90), NERNST_37),
    Case("nernst37-other-K_o", "neuron", "E_K = 61.5 mV log10(5.4/140)", False,
         "the number for K_o is not the model's: 5.4 mM in the claim, 4 mM in the model",
         E_K_37, 61.5 * log10(mpf("5.4") / 140), NERNST_37),
    Case("nernst37-celsius-as-kelvin", "neuron", "E_K = 8.314*37/96485*ln(4/140)", False,
         "temperature in degC where kelvin belongs: T = 37 in the claim, 310.15 K in the model",
         E_K_37, 1000 * mpf("8.314") * 37 / 96485 * mpmath.log(mpf(4) / 140), NERNST_37),
    Case("nernst37-ratio-inverted", "neuron", "E_K = 61.5 mV log10(140/4)", False, "ratio inverted", E_K_37, 61.5 * log10(35), NERNST_37),
    Case("nernst37-bare-SI", "neuron", "E_K = 8.314*310.15/96485.3*ln(4/140)", True, None,
         E_K_37, 1000 * mpf("8.314") * mpf("310.15") / mpf("96485.3") * mpmath.log(mpf(4) / 140), NERNST_37),
    # --- Nernst at 20 C (squid axon; RC cell) -----------------------------------------------
    Case("nernst20-potassium", "squid", "E_K = 58 mV log10(20/400)", True, None, E_K_20, 58 * log10(mpf(20) / 400), NERNST_20),
    Case("nernst20-potassium-value", "squid", "E_K = -75 mV", True, None, E_K_20, mpf(-75), NERNST_20),
    Case("nernst20-sodium", "squid", "E_Na = 58 mV log10(440/50)", True, None, E_NA_20, 58 * log10(mpf(440) / 50), NERNST_20),
    Case("nernst20-chloride", "squid", "E_Cl = -58 mV log10(560/52)", True, None, E_CL_20, -58 * log10(mpf(560) / 52), NERNST_20),
    Case("nernst20-body-temperature-constant", "squid", "E_K = 61.5 mV log10(20/400)", False,
         "exact at 36.8 degC, the model is at 20 degC", E_K_20, 61.5 * log10(mpf(20) / 400), NERNST_20),
    Case("nernst20-59.8", "squid", "E_K = 59.8 mV log10(20/400)", False, "a constant for another temperature: the claim is exact at 28.2 degC",
         E_K_20, mpf("59.8") * log10(mpf(20) / 400), NERNST_20),
    Case("nernst20-sodium-inverted", "squid", "E_Na = 58 mV log10(50/440)", False, "ratio inverted", E_NA_20, 58 * log10(mpf(50) / 440), NERNST_20),
    Case("nernst37-calcium", "ca_cell", "E_Ca = 30.8 mV log10(2/0.0001)", True, None, E_CA_37, mpf("30.8") * log10(20000), CALCIUM),
    Case("nernst37-calcium-no-z", "ca_cell", "E_Ca = 61.5 mV log10(2/0.0001)", False, "missing valence z: z_Ca = 2 was left out",
         E_CA_37, mpf("61.5") * log10(20000), CALCIUM),
    Case("nernst37-calcium-no-z-symbols", "ca_cell", "E_Ca = RT/F ln(Ca_o/Ca_i)", False, "missing valence z: z_Ca = 2 was left out",
         None, None, CALCIUM),
    Case("nernst20-mammalian", "rc_cell", "E_K = 58 mV log10(5/140)", True, None, nernst(1, 5, 140, 20), 58 * log10(mpf(5) / 140), PURVES),
    # --- GHK with Hodgkin & Katz's ratios (squid) --------------------------------------------
    Case("ghk-numbers", "squid", "V_ghk = 58 mV log10((20 + 0.04*440 + 0.45*52)/(400 + 0.04*50 + 0.45*560))", True, None,
         GHK_SQUID, 58 * log10((20 + mpf("0.04") * 440 + mpf("0.45") * 52) / (400 + mpf("0.04") * 50 + mpf("0.45") * 560)), GHK),
    Case("ghk-value", "squid", "V_ghk = -60 mV", True, None, GHK_SQUID, mpf(-60), GHK),
    Case("ghk-chloride-sides", "squid", "V_ghk = 58 mV log10((20 + 0.04*440 + 0.45*560)/(400 + 0.04*50 + 0.45*52))", False,
         "Cl_i and Cl_o swapped", GHK_SQUID,
         58 * log10((20 + mpf("0.04") * 440 + mpf("0.45") * 560) / (400 + mpf("0.04") * 50 + mpf("0.45") * 52)), GHK),
    Case("ghk-permeabilities-swapped", "squid", "V_ghk = 58 mV log10((0.04*20 + 440 + 0.45*52)/(0.04*400 + 50 + 0.45*560))", False,
         "P_K and P_Na swapped", GHK_SQUID,
         58 * log10((mpf("0.04") * 20 + 440 + mpf("0.45") * 52) / (mpf("0.04") * 400 + 50 + mpf("0.45") * 560)), GHK),
    Case("ghk-symbols-swapped", "squid", "V_ghk = RT/F ln((P_Na K_o + P_K Na_o + P_Cl Cl_i)/(P_Na K_i + P_K Na_i + P_Cl Cl_o))", False,
         "P_K and P_Na swapped", None, None, GHK),
    # --- chord conductance equation (neuron) ----------------------------------------------------
    Case("chord-leak", "neuron",
         "V_leak = (0.1 mS/cm^2 (-95 mV) + 0.015 mS/cm^2 (66.6 mV) + 0.035 mS/cm^2 (-64.1 mV))/(0.15 mS/cm^2)", True, None,
         V_LEAK, (mpf("0.1") * -95 + mpf("0.015") * mpf("66.6") + mpf("0.035") * mpf("-64.1")) / mpf("0.15"), CHORD),
    Case("chord-pump", "neuron",
         "V_ss = (0.1 mS/cm^2 (-95 mV) + 0.015 mS/cm^2 (66.6 mV) + 0.035 mS/cm^2 (-64.1 mV) - 0.75 uA/cm^2)/(0.15 mS/cm^2)",
         True, None, V_SS,
         (mpf("0.1") * -95 + mpf("0.015") * mpf("66.6") + mpf("0.035") * mpf("-64.1") - mpf("0.75")) / mpf("0.15"), CHORD),
    Case("chord-pump-sign", "neuron",
         "V_ss = (0.1 mS/cm^2 (-95 mV) + 0.015 mS/cm^2 (66.6 mV) + 0.035 mS/cm^2 (-64.1 mV) + 0.75 uA/cm^2)/(0.15 mS/cm^2)",
         False, "sign of the term I_pump flipped", V_SS,
         (mpf("0.1") * -95 + mpf("0.015") * mpf("66.6") + mpf("0.035") * mpf("-64.1") + mpf("0.75")) / mpf("0.15"), CHORD),
    Case("chord-bare-numbers", "neuron", "V_ss = (0.1 (-95) + 0.015 (66.6) + 0.035 (-64.1) - 0.75)/0.15", False,
         "V vs mV (factor 1000): bare numbers are read in SI units", V_SS,
         1000 * (mpf("0.1") * -95 + mpf("0.015") * mpf("66.6") + mpf("0.035") * mpf("-64.1") - mpf("0.75")) / mpf("0.15"), CHORD),
    # --- the pump's shift (neuron) -------------------------------------------------------------------
    Case("pump-shift", "neuron", "dV_pump = -0.75 uA/cm^2 / (0.15 mS/cm^2)", True, None, DV_PUMP, -mpf("0.75") / mpf("0.15"), PUMP),
    Case("pump-shift-value", "neuron", "dV_pump = -5 mV", True, None, DV_PUMP, mpf(-5), PUMP),
    Case("pump-shift-sign", "neuron", "dV_pump = 5 mV", False, "sign flipped", DV_PUMP, mpf(5), PUMP),
    Case("pump-shift-bare", "neuron", "dV_pump = -5", False, "the bare number -5 is read in volts; write -5 mV", DV_PUMP, mpf(-5000), PUMP),
    Case("pump-shift-product", "neuron", "dV_pump = -0.75 uA/cm^2 * 0.15 mS/cm^2", False,
         "a product where a quotient belongs", None, None, PUMP),
    # --- tau_m = R_m C_m --------------------------------------------------------------------------
    Case("tau-rm-cm", "neuron", "tau_m = 6667 ohm cm^2 * 1 uF/cm^2", True, None, TAU_M, mpf(6667) * mpf("1e-6") * 1000, TAU),
    Case("tau-cm-over-g", "neuron", "tau_m = 1 uF/cm^2 / (0.15 mS/cm^2)", True, None, TAU_M, 1 / mpf("0.15"), TAU),
    Case("tau-value", "neuron", "tau_m = 6.7 ms", True, None, TAU_M, mpf("6.7"), TAU),
    Case("tau-product", "neuron", "tau_m = 1 uF/cm^2 * 0.15 mS/cm^2", False, "a product where a quotient belongs", None, None, TAU),
    Case("tau-bare-seconds", "neuron", "tau_m = 6.7", False, "s vs ms (factor 1000): the bare number 6.7 is read in seconds; write 6.7 ms",
         TAU_M, mpf(6700), TAU),
    Case("tau-textbook", "rc_cell", "tau_m = 20 kohm cm^2 * 1 uF/cm^2", True, None, TAU_RC, TAU_RC, TAU),
    Case("tau-textbook-value", "rc_cell", "tau_m = 20 ms", True, None, TAU_RC, mpf(20), TAU),
    # --- one of the model's numbers in a formula: a claim about this model, judged at its values ----
    Case("number-in-formula-g-leak", "neuron", "V_leak = (g_K E_K + g_Na E_Na + g_Cl E_Cl)/(0.15 mS/cm^2)", True, None,
         V_LEAK, V_LEAK, REVIEW),
    Case("number-in-formula-T", "neuron", "E_K = RT/F ln(K_o/K_i) * T/(310.15 K)", True, None, E_K_37, E_K_37, REVIEW),
    Case("number-in-formula-K_o", "neuron", "E_K = RT/F ln(K_o/K_i) * K_o/(4 mM)", True, None, E_K_37, E_K_37, REVIEW),
    Case("number-in-formula-Na_i", "neuron", "E_K = RT/F ln(K_o/K_i) + (Na_i - 12 mM)*1 mV/mM", True, None,
         E_K_37, E_K_37, REVIEW),
    Case("number-in-formula-pump", "neuron", "dV_pump = -I_pump/(0.15 mS/cm^2)", True, None, DV_PUMP, DV_PUMP, REVIEW),
    # --- plain values just outside the tolerance: how far, and no invented slip ---------------------
    Case("plain-v-leak", "neuron", "V_leak = -70 mV", False, None, V_LEAK, mpf(-70), REVIEW),
    Case("plain-v-ss", "neuron", "V_ss = -75 mV", False, None, V_SS, mpf(-75), REVIEW),
    Case("plain-e-na", "neuron", "E_Na = 65 mV", False, None, E_NA_37, mpf(65), REVIEW),
    Case("plain-e-cl", "neuron", "E_Cl = -63 mV", False, None, E_CL_37, mpf(-63), REVIEW),
    Case("plain-tiny", "neuron", "E_K = 1e-30 mV", False, None, E_K_37, mpf("1e-30"), REVIEW),
    Case("plain-donnan", "pumpleak", "donnan_ratio = 1.6", False, None, DONNAN_RATIO, mpf("1.6"), DONNAN),
    # --- slips a teacher names from the claim's structure ---------------------------------------------
    Case("one-number-off", "neuron", "E_K = 61.5 mV * (-1.44)", False, "the number 1.44 would have to be 1.5441 = log10(K_i/K_o)",
         E_K_37, mpf("61.5") * mpf("-1.44"), NERNST_37),
    Case("factor-1000-by-hand", "neuron", "E_K = 8.314 J/(mol K) * 310 K / (96485 C/mol) * ln(4 mM/140 mM) * 1000", False,
         "the factor 1000 converts units by hand; drop it", E_K_37,
         1000 * 1000 * mpf("8.314") * 310 / 96485 * mpmath.log(mpf(4) / 140), REVIEW),
    Case("current-sign-of-E_K", "neuron", "I_K = 0.1 mS/cm^2 * (-76.6 mV - 95 mV)", False, "sign of the term E_K*g_K flipped",
         I_K_REST, mpf("0.1") * (mpf("-76.6") - 95), REVIEW),
    Case("donnan-potential-sign", "pumpleak", "V_donnan = 25.7 mV ln(1.6245)", False, "sign flipped",
         V_DONNAN, mpf("25.7") * mpmath.log(mpf("1.6245")), DONNAN),
    Case("v-is-v-leak", "neuron", "V = -71.6 mV", False, "the term -I_pump/g_leak is missing", V_SS, mpf("-71.6"), REVIEW),
    # squid's I_K at rest is 3.8495 uA/cm^2 (the s36 review's own GHK numbers) and I_pump 1 uA/cm^2: the number
    # needed is I_K/I_pump, which is not "= I_K", a quantity the claim names
    Case("coefficient-of-a-named-quantity", "squid", "I_K = 2 I_pump", False,
         "the number 2 would have to be 3.8495 for the claim to be right", None, None, REVIEW),
    # pumpleak's I_K/I_pump at the file's concentrations is 2.0549 (the s36 cold review's numbers; 2 at the steady
    # state): -2 is the flux balance with its sign flipped, said as such (not "2 would have to be -2.0549": the
    # file's rounded start says nothing of the slip)
    Case("coefficient-sign", "pumpleak", "I_K = -2 I_pump", False, "sign flipped", None, None, REVIEW),
    # R_m = 1/g_K = 1/(0.05 mS/cm^2) = 20 kOhm cm^2
    Case("tau-textbook-wrong-rm", "rc_cell", "tau_m = 2 kohm cm^2 * 1 uF/cm^2", False,
         "2 kohm cm^2 would have to be 20 kohm cm^2 = 1/g_leak", TAU_RC, mpf(2), TAU),
]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    (folder / "rc_cell.toml").write_text(RC_CELL, encoding="utf-8")
    (folder / "ca_cell.toml").write_text(CA_CELL, encoding="utf-8")
    return {"neuron": "neuron", "squid": "squid", "pumpleak": "pumpleak", "rc_cell": str(folder / "rc_cell.toml"),
            "ca_cell": str(folder / "ca_cell.toml")}


def test_the_table_is_big_enough():
    assert len(CASES) >= 30
    assert sum(not c.holds for c in CASES) >= 15
    assert all(c.source for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hand_calculation(case: Case, models):
    result = verify(case.claim, model=models[case.model])
    assert result.holds is case.holds, (result.diagnosis, result.detail)
    if case.slip is None:
        assert result.diagnosis is None
    else:
        assert result.diagnosis is not None and case.slip in result.diagnosis
    if case.correct is None:
        return
    numeric = result.numeric
    assert numeric is not None, result
    assert numeric["correct"]["value"] == pytest.approx(float(case.correct), rel=1e-9)
    assert numeric["correct"]["unit"] == numeric["claimed"]["unit"] in ("mV", "ms", "uA/cm^2", "1")
    assert numeric["claimed"]["value"] == pytest.approx(float(case.claimed), rel=1e-9)
    assert numeric["difference"]["value"] == pytest.approx(float(case.claimed - case.correct), rel=1e-6, abs=1e-9)
    assert numeric["tolerance"] == {"text": "1%", "default": True, "relative": 0.01}
    within = abs(case.claimed - case.correct) <= mpf("0.01") * abs(case.correct)
    assert bool(within) is case.holds  # the verdict is the 1 % tolerance at the model's values


# The temperature at which a claim's constant is exact, from E = (RT/F) ln(out/in) solved for T.
EXACT_AT = [
    ("E_K = 61.5 mV log10(4/140)", "neuron", celsius_where(61.5)),
    ("E_K = 58 mV log10(4/140)", "neuron", celsius_where(58)),
    ("RT/F = 26.7 mV", "neuron", mpf("0.0267") * F / R - ZERO_C),
    ("E_K = 59.8 mV log10(20/400)", "squid", celsius_where(mpf("59.8"))),
]


@pytest.mark.parametrize("claim, model, celsius", EXACT_AT, ids=[c[0] for c in EXACT_AT])
def test_temperature_at_which_the_constant_is_exact(claim, model, celsius):
    exact = verify(claim, model=model).numeric["exact_at"]
    assert exact["name"] == "T" and exact["unit"] == "degC"
    assert exact["value"] == pytest.approx(float(celsius), abs=1e-4)


def test_a_tolerance_can_be_given():
    claim = "E_K = 61.5 mV log10(4/140)"  # 0.0624 mV (0.066 %) from E_K at 37 C
    assert abs(61.5 * log10(mpf(4) / 140) - E_K_37) == pytest.approx(0.0624, abs=1e-4)
    assert verify(claim, tolerance="0.1%").holds
    assert not verify(claim, tolerance="0.05%").holds
    assert verify(claim, tolerance="0.1 mV").holds
    tight = verify(claim, tolerance="0.05 mV")
    assert not tight.holds and tight.numeric["tolerance"] == {"text": "0.05 mV", "default": False,
                                                              "absolute": {"value": 0.05, "unit": "mV"}}


def test_a_worked_example_line_by_line():
    text = """\
    RT/F = 8.314 J/(mol K) * 310.15 K / (96485 C/mol)
         = 26.7 mV
    E_K = RT/F ln(K_o/K_i)
        = 26.7 mV ln(4/140)
        = -94.9 mV
    """
    assert verify(text).holds
    wrong = verify(text.replace("= 26.7 mV\n", "= 25.3 mV\n"))  # RT/F at 20 C in a 37 C calculation
    assert not wrong.holds and wrong.line == 2
    assert wrong.diagnosis.startswith("a constant for another temperature: the claim is exact at 20.4 degC")
    assert wrong.counterexample.claimed.value == pytest.approx(25.3) and wrong.counterexample.claimed.unit == "mV"
    # the line before: 8.314 x 310.15 / 96485 V, in mV
    assert wrong.counterexample.correct.value == pytest.approx(float(1000 * mpf("8.314") * mpf("310.15") / 96485))


def test_a_symbolic_line_after_a_numeric_one_is_compared_at_the_models_values():
    assert verify("E_K = 26.7 mV ln(4/140)\n = RT/F ln(K_o/K_i)\n = -95 mV\n").holds


# A claim of another dimension never holds; both dimensions are named, and no value of the claim is shown in the
# quantity's unit. (id, model, claim, the claim's dimension, the quantity's, a fragment of the hint or slip)
WRONG_DIMENSION = [
    ("inverse-mV", "neuron", "E_K = -1/(10523.8 mV)", "inverse potential", "potential", None),
    ("inverse-volt", "neuron", "E_K = 1/(-10.5238 volt)", "inverse potential", "potential",
     "'/10.5238 volt' divides by the unit too"),
    ("inverse-95", "neuron", "E_K = 1/(95 mV)", "inverse potential", "potential", None),
    ("bare-over-mV", "neuron", "E_K = -9.025/(95 mV)", "inverse potential", "potential", None),
    ("unit-of-the-result", "neuron", "V_leak = (0.1*(-95) + 0.015*66.6 + 0.035*(-64.1))/0.15 mV", "inverse potential",
     "potential", "for a result in mV write '/0.15 * 1 mV'"),
    ("potential-squared", "neuron", "E_K = (95 mV)*(2 mV)", "potential times a potential", "potential", None),
    ("per-concentration", "neuron", "E_K = (95 mV)/(1 mM)", "potential per concentration", "potential", None),
    ("conductance-not-per-area", "neuron", "g_leak = 0.15 mS", "conductance", "conductance per area", None),
    ("bare-number-needs-mV", "neuron", "E_K = 61.54 log10(K_o/K_i)", "pure number", "potential",
     "the bare number 61.54 is a pure number: write 61.54 mV"),
    ("upside-down", "neuron", "tau_m = g_leak/C_m", "rate", "time", "the reciprocal: the claim is upside down"),
    ("space-ends-the-fraction", "ca_cell", "E_Ca = RT/2 F ln(Ca_o/Ca_i)", "charge per amount times an energy per amount",
     "potential", "a product where a quotient belongs: F multiplies, it should divide"),
]


@pytest.mark.parametrize("case_id, model, claim, claimed, correct, fragment", WRONG_DIMENSION,
                         ids=[c[0] for c in WRONG_DIMENSION])
def test_a_claim_of_another_dimension_never_holds(case_id, model, claim, claimed, correct, fragment, models):
    result = verify(claim, model=models[model])
    assert not result.holds
    assert result.dimensions["claimed"]["dimension"] == claimed
    assert result.dimensions["correct"]["dimension"] == correct
    assert result.numeric is None and result.counterexample is None  # no value in the quantity's unit
    assert f"is {'an' if claimed[0] in 'aeiou' else 'a'} {claimed}," in result.diagnosis
    if fragment is None:
        assert result.diagnosis.startswith("wrong dimension: ") and ";" not in result.diagnosis
    else:
        assert fragment in result.diagnosis


def test_the_rewrite_a_unit_hint_suggests_holds():
    # (0.1 (-95) + 0.015 66.6 + 0.035 (-64.1))/0.15 mV, the chord conductance equation at 37 C
    value = (mpf("0.1") * -95 + mpf("0.015") * mpf("66.6") + mpf("0.035") * mpf("-64.1")) / mpf("0.15")
    result = verify("V_leak = (0.1*(-95) + 0.015*66.6 + 0.035*(-64.1))/0.15 * 1 mV")
    assert result.holds and result.numeric["claimed"]["value"] == pytest.approx(float(value), rel=1e-12)
    assert verify("E_K = 1/(-10.5238) * 1 volt").holds


def test_v_after_a_number_is_the_membrane_potential():
    result = verify("E_K = -0.095 V")
    assert not result.holds and result.diagnosis is None
    note = "V after 0.095 is the membrane potential here, not a unit (names win over units); for the unit write volt"
    assert result.notes == (note,)
    # -0.095 V_ss, V at rest (the chord conductance equation with the pump)
    assert result.numeric["claimed"]["value"] == pytest.approx(float(-mpf("0.095") * V_SS), rel=1e-9)
    assert verify("E_K = -0.095 volt").holds
    assert verify("E_K = -0.095").holds  # a side of numbers only: SI, volts


def test_log_is_the_natural_logarithm():
    result = verify("E_K = 61.5 mV log(4/140)")
    assert not result.holds and "ln 10" in result.diagnosis
    assert "log is the natural logarithm here, as ln; for the base-10 logarithm write log10" in result.notes


def test_a_constant_of_log10_for_one_of_ln():
    # 58 mV is RT ln 10/F at T = 0.058 F/(R ln 10) (19.2 degC), not RT/F (26.7 mV at 37 C)
    celsius = celsius_where(58)
    result = verify("RT/F = 58 mV")
    assert not result.holds
    assert f"at {float(celsius):.1f} degC" in result.diagnosis and "RT ln 10/F" in result.diagnosis


def test_the_temperature_hint_does_not_depend_on_the_tolerance():
    for tolerance in ("0.01%", "5 mV", None):
        result = verify("E_K = 61.5 mV log10(4/140)", tolerance=tolerance)
        assert f"exact at T = {float(celsius_where(61.5)):.4g} degC" in result.detail
    # a plain value holds no constant: no temperature in the detail (--json has it)
    result = verify("E_K = -90 mV")
    assert "exact at" not in result.detail
    assert result.numeric["exact_at"]["value"] == pytest.approx(float((ZERO_C + 37) * -90 / E_K_37 - ZERO_C), abs=1e-4)


def test_a_difference_just_above_the_tolerance_shows_enough_digits():
    claim = E_K_37 * mpf("1.0100001")  # 1.00001 % off
    result = verify(f"E_K = {mpmath.nstr(claim, 12)} mV")
    assert not result.holds
    percent = float(result.detail.split("(")[-1].split("%")[0])
    assert percent > 1


@pytest.mark.parametrize("tolerance", [None, "0.01 uA/cm^2"])
def test_a_balance_without_the_pump_names_the_term_left_out(tolerance):
    """The squid's leaks carry -1 uA/cm^2 at rest, where the constant pump's 1 uA/cm^2 balances them: a sum of the
    leaks claimed 0 leaves I_pump out. With an absolute tolerance a claimed 0 was read as a factor 1000 off."""
    result = verify("I_K + I_Na + I_Cl = 0", model="squid", **({"tolerance": tolerance} if tolerance else {}))
    assert not result.holds
    assert result.counterexample.correct.value == pytest.approx(-1, rel=1e-12)  # -I_pump: the leaks balance it
    assert result.diagnosis == ("a term left out: the correct side is -I_pump at the model's values, not 0 "
                                "(adding I_pump to it makes 0)")


def test_a_whole_number_in_a_log_beside_a_concentration_is_a_concentration():
    """61.54 mV is the 37 C constant and 140 K_i; the 5 was read as the pump's shift dV_pump (5.04 mV, a potential
    inside a log beside a concentration), so the slip named was "a constant for another temperature: exact at
    17.5 degC". A number in a log of a ratio with a concentration is a concentration: K_o's, off by 1 mM."""
    result = verify("E_K = 61.54 mV log10(5/140)")
    assert not result.holds
    assert result.diagnosis == "the number for K_o is not the model's: 5 mM in the claim, 4 mM in the model"
    assert result.counterexample.claimed.value == pytest.approx(float(mpf("61.54") * log10(mpf(5) / 140)), abs=1e-9)
    assert result.counterexample.correct.value == pytest.approx(float(nernst(1, 4, 140, 37)), abs=1e-9)


@pytest.mark.parametrize(("claim", "claimed_ms", "slip"), [
    ("tau_m = 1 uF/cm^2 * 6.67 ohm cm^2", mpf("6.67e-3"), "6.67 ohm cm^2 is 1000 times too small"),
    ("tau_m = 6.67 Mohm cm^2 * 1 uF/cm^2", mpf("6670"), "6.67 Mohm cm^2 is 1000 times too large"),
    ("tau_m = 1 uF/cm^2 / (0.15 S/cm^2)", 1 / mpf("0.15") / 1000, "0.15 S/cm^2 is 1000 times too large"),
])
def test_a_resistance_or_conductance_with_its_prefix_1000_off_is_named(claim, claimed_ms, slip):
    """The neuron's tau_m is C_m/g_leak = 1 uF/cm^2 / 0.15 mS/cm^2 = 6.667 ms. A prefix 1000 off on R_m or g_leak was
    "s vs ms (factor 1000) ... (a unit prefix: ms meant?)", though no time was typed: the number is named."""
    result = verify(claim, model="neuron")
    assert not result.holds
    assert result.diagnosis == f"a unit prefix (factor 1000): {slip} for the claim to be right (its unit's prefix 1000 off?)"
    assert result.counterexample.claimed.value == pytest.approx(float(claimed_ms), rel=1e-9)
    assert result.counterexample.correct.value == pytest.approx(float(1 / mpf("0.15")), rel=1e-9)


@pytest.mark.parametrize(("claim", "model", "slip", "claimed", "correct"), [
    ("E_Cl = -58 mV log10(560/50)", "squid", "the number for Cl_i is not the model's: 50 mM in the claim, 52 mM in the model",
     -58 * log10(mpf(560) / 50), nernst(-1, 560, 52, 20)),
    ("E_K = 61.54 mV log10(10/140)", "neuron", "the number for K_o is not the model's: 10 mM in the claim, 4 mM in the model",
     mpf("61.54") * log10(mpf(10) / 140), nernst(1, 4, 140, 37)),
    ("E_Na = 61.54 mV log10(145/10)", "neuron",
     ("the number for Na_i is not the model's: 10 mM in the claim, 12 mM in the model"),
     mpf("61.54") * log10(mpf(145) / 10), nernst(1, 145, 12, 37)),
])
def test_a_number_that_is_another_ions_value_is_named_as_the_one_typed_wrong(claim, model, slip, claimed, correct):
    """Squid's Na_i is 50 mM and the neuron's Cl_i 10 mM: a student's 50 for Cl_i (52 mM) or 10 for K_o was read as
    that other ion's concentration, and the slip was blamed on the temperature ("exact at 24.0 degC"). A number read
    as a value the correct side does not have is the one typed wrong; 10 for the neuron's Na_i (12 mM), read without
    Cl_i, was the Q10's 10 K: nothing was named, and the answer said "exact at T = 59.69 degC"."""
    result = verify(claim, model=model)
    assert not result.holds and result.diagnosis == slip
    assert "exact at" not in result.detail
    assert result.counterexample.claimed.value == pytest.approx(float(claimed), abs=1e-9)
    assert result.counterexample.correct.value == pytest.approx(float(correct), abs=1e-9)


def test_bare_numbers_of_a_current_a_factor_1000_off_are_said_once_to_be_si():
    result = verify("I_pump = 5*2", model="squid")  # 10 A/m^2 = 1000 uA/cm^2, the pump's 1 uA/cm^2 times 1000
    assert result.diagnosis == ("a unit prefix (factor 1000): bare numbers are read in SI units; give them their "
                                "units")


def test_a_sum_that_cancels_to_rounding_is_0_on_either_side():
    """The squid's leaks and pump at rest sum to 0; with T/(293.15 K) on the pump the claim's sum at the model's
    values is 0 but for rounding (-7.8e-17 uA/cm^2): written as 0 = sum it was "does not hold", with a slip
    naming 293.15 K against 293.15 K."""
    for claim in ("I_K + I_Na + I_Cl + I_pump*T/(293.15 K) = 0", "0 = I_K + I_Na + I_Cl + I_pump*T/(293.15 K)"):
        result = verify(claim, model="squid")
        assert result.holds and result.diagnosis is None, claim


@pytest.mark.parametrize("claim, typed", [("E_K = 61.54 mV log10(20/140)", 20), ("E_K = 26.7 mV ln(40/140)", 40)])
def test_a_concentration_typed_far_off_is_named(claim, typed):
    """The number that would make the claim right was searched from the typed 20 by secant steps, which stepped
    past 0 inside the log: nothing was named. K_o is 4 mM (Nernst at 37 C: mpmath's E_K)."""
    result = verify(claim, model="neuron")
    assert not result.holds
    assert result.diagnosis == f"the number for K_o is not the model's: {typed} mM in the claim, 4 mM in the model"
    assert result.counterexample.correct.value == pytest.approx(float(nernst(1, 4, 140, 37)), abs=1e-9)
