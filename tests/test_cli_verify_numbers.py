"""``vrest verify`` with numbers and units: what a new user types, and what a teacher would answer.

The neuron model (37 C; K 140/4, Cl 10/110 mM; C_m 1 uF/cm^2; g_leak 0.15 mS/cm^2).
Expected numbers are evaluated here with mpmath from CODATA 2018 R and F.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout

import mpmath
import pytest
from conftest import run_cli

from vrest.codegen.cli import main

mpmath.mp.dps = 30
R, F = mpmath.mpf("8.314462618"), mpmath.mpf("96485.33212")
RTF_37 = 1000 * R * mpmath.mpf("310.15") / F  # mV
E_K = float(RTF_37 * mpmath.log(mpmath.mpf(4) / 140))
E_CL = float(-RTF_37 * mpmath.log(mpmath.mpf(110) / 10))


# --- the four cases a new user met -------------------------------------------------------


def test_millivolts_in_a_formula_are_read():
    code, out, err = run_cli("verify", "E_K = 61.5 mV * log10(K_o/K_i)")
    assert code == 0 and err == ""
    assert out.startswith("holds (numeric)")
    assert "within 1% (the default)" in out
    # 61.5 mV is RT ln10/F at 36.8 degC: solved here for T.
    celsius = float(mpmath.mpf("0.0615") * F / (R * mpmath.log(10)) - mpmath.mpf("273.15"))
    assert f"exact at T = {celsius:.4g} degC" in out


def test_a_bare_number_that_means_millivolts():
    code, out, _ = run_cli("verify", "E_K = 61.54 log10(K_o/K_i)", "--json")
    doc = json.loads(out)
    assert code == 1 and doc["holds"] is False
    # A bare number is a pure number (a side of numbers only is the exception: an SI value): the right side is
    # no potential. Both dimensions are named, and no value of another dimension is printed in mV.
    assert doc["diagnosis"] == ("wrong dimension: the right side is a pure number, E_K is a potential; "
                                "the bare number 61.54 is a pure number: write 61.54 mV")
    assert doc["dimensions"] == {"claimed": {"dimension": "pure number", "unit": "1"},
                                 "correct": {"dimension": "potential", "unit": "mV"}}
    assert doc["counterexample"] is None and "numeric" not in doc


def test_a_product_where_a_quotient_belongs():
    code, out, _ = run_cli("verify", "tau_m = C_m (g_K + g_Na + g_Cl)", "--json")
    doc = json.loads(out)
    assert code == 1
    assert doc["diagnosis"].startswith("a product where a quotient belongs")
    assert "tau_m is a time" in doc["diagnosis"]
    assert doc["dimensions"]["correct"] == {"dimension": "time", "unit": "ms"}
    assert doc["dimensions"]["claimed"]["dimension"] == "capacitance per area times a conductance per area"
    assert doc["counterexample"] is None  # values of different dimensions are not compared


def test_the_valence_of_chloride_left_out():
    code, out, _ = run_cli("verify", "E_Cl = RT/F ln(Cl_o/Cl_i)")
    assert code == 1
    assert "likely slip: missing valence z: z_Cl = -1 was left out" in out
    assert f"correct {E_CL:.6g} mV" in out


def test_no_tolerance_is_needed_for_an_exact_claim():
    code, out, _ = run_cli("verify", "E_Cl = RT/(zF) ln(Cl_o/Cl_i)")
    assert code == 0 and out.startswith("holds (symbolic)")


# --- a claim that starts with a minus sign ---------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ("-(R*T/F)*log(K_i/K_o)", "--against", "E_K"),
        ("--against", "E_K", "-(R*T/F)*log(K_i/K_o)"),
        ("--against", "E_K", "--", "-(R*T/F)*log(K_i/K_o)"),
        ("-RT/F ln(K_i/K_o)", "--json", "--against", "E_K"),
        ("--json", "-RT/F ln(K_i/K_o)", "--model", "neuron", "--against", "E_K"),
        ("-95 mV", "--against", "E_K"),
    ],
    ids=["first", "last", "after --", "json", "middle", "a value"],
)
def test_a_claim_may_start_with_a_minus_sign(argv):
    code, _, err = run_cli("verify", *argv)
    assert code == 0, err
    assert err == ""


def test_an_unknown_option_is_still_refused():
    code, _, err = run_cli("verify", "RT/F ln(K_o/K_i)", "--against", "E_K", "--tolerence", "1%")
    assert code == 2 and "--tolerence" in err and err.count("\n") == 1


# --- tolerance, JSON ------------------------------------------------------------------------


def test_help_states_the_default_tolerance():
    out = io.StringIO()
    with redirect_stdout(out), pytest.raises(SystemExit) as info:
        main(["verify", "--help"])
    assert info.value.code == 0
    text = " ".join(out.getvalue().split())
    assert "--tolerance TOL" in text and "default 1%" in text and "(default 1% of the correct value)" in text


def test_json_states_the_tolerance_always():
    _, out, _ = run_cli("verify", "RT/F ln(K_o/K_i)", "--against", "E_K", "--json")
    assert json.loads(out)["tolerance"] == {"text": "1%", "default": True, "relative": 0.01}
    _, out, _ = run_cli("verify", "E_K = -95 mV", "--tolerance", "0.05 mV", "--json")
    doc = json.loads(out)
    assert doc["tolerance"] == {"text": "0.05 mV", "default": False, "absolute": {"value": 0.05, "unit": "mV"}}
    assert doc["holds"] is True
    assert doc["numeric"]["difference"] == {"value": pytest.approx(-95 - E_K, rel=1e-6), "unit": "mV"}
    assert doc["numeric"]["relative_difference"] == pytest.approx(abs((-95 - E_K) / E_K), rel=1e-4)


def test_json_names_the_number_that_differs():
    code, out, _ = run_cli("verify", "E_K = 61.5 mV log10(5.4/140)", "--json")
    doc = json.loads(out)
    assert code == 1
    assert doc["numeric"]["inputs_differ"] == [
        {"name": "K_o", "claimed": {"value": 5.4, "unit": "mM"}, "model": {"value": 4.0, "unit": "mM"}}
    ]
    assert doc["diagnosis"] == "the number for K_o is not the model's: 5.4 mM in the claim, 4 mM in the model"


def test_counterexamples_never_change_R_or_F():
    _, out, _ = run_cli("verify", "RT/F ln(K_i/K_o)", "--against", "E_K", "--json")
    inputs = json.loads(out)["counterexample"]["inputs"]
    assert "R" not in inputs and "F" not in inputs
    assert inputs["T"] == {"value": 310.15, "unit": "K"}


# --- steps with numbers --------------------------------------------------------------------

WORKED = """\
# E_K of the neuron at 37 C, by hand
E_K = RT/F ln(K_o/K_i)
    = 26.7 mV ln(4/140)
    = 26.7 mV * (-3.555)
    = -94.9 mV
"""


def test_a_worked_example_with_numbers(tmp_path):
    path = tmp_path / "worked.txt"
    path.write_text(WORKED, encoding="utf-8")
    code, out, _ = run_cli("verify", str(path))
    assert code == 0 and "4 steps checked" in out
    path.write_text(WORKED.replace("= -94.9 mV", "= -9.49 mV"), encoding="utf-8")
    code, out, _ = run_cli("verify", str(path), "--json")
    doc = json.loads(out)
    assert code == 1 and doc["line"] == 5
    assert doc["counterexample"]["claimed"] == {"value": -9.49, "unit": "mV"}
    assert doc["counterexample"]["correct"] == {"value": pytest.approx(26.7 * -3.555), "unit": "mV"}


def test_steps_print_values_in_the_models_units(tmp_path):
    path = tmp_path / "chord.txt"
    path.write_text(
        "I_K + I_Na + I_Cl + I_pump = 0\n"
        "V = (g_K E_K + g_Na E_Na + g_Cl E_Cl - I_pump)/(g_K + g_Na + g_Cl)\n"
        "V_ss = (g_K E_K + g_Na E_Na + g_Cl E_Cl + I_pump)/(g_K + g_Na + g_Cl)\n",
        encoding="utf-8",
    )
    code, out, _ = run_cli("verify", str(path))
    assert code == 1 and "line 3" in out
    # the chord conductance equation with the pump's sign flipped: V_leak + 5 mV against V_leak - 5 mV
    e_na = RTF_37 * mpmath.log(mpmath.mpf(145) / 12)
    v_leak = (mpmath.mpf("0.1") * E_K + mpmath.mpf("0.015") * e_na + mpmath.mpf("0.035") * E_CL) / mpmath.mpf("0.15")
    assert f"claimed {float(v_leak + 5):.6g} mV, correct {float(v_leak - 5):.6g} mV" in out


def test_approximation_shows_the_small_quantity_in_the_files_unit():
    claim = "RT/F ln((P_K K_o + P_Na Na_o)/(P_K K_i + P_Na Na_i))"
    code, out, _ = run_cli("verify", claim, "--against", "V_ghk", "--model", "squid", "--approx", "P_Cl -> 0", "--json")
    doc = json.loads(out)
    assert code == 0
    assert doc["approximation"]["small_value"] == pytest.approx(4.5e-7) and doc["approximation"]["small_unit"] == "cm/s"
    assert "R*T" in doc["approximation"]["leading_neglected_term"]  # R and F stay symbols


# --- bad input: one line, exit 2, fast -------------------------------------------------------

BAD = [
    ("verify", "E_K = 61.5 mV mV"),
    ("verify", "E_K = mV mV"),
    ("verify", "E_K = 61.5 mVolts log10(K_o/K_i)"),
    ("verify", "E_K = 61.5 mV exp(2 mV)"),
    ("verify", "E_K = 2^(3 mV)"),
    ("verify", "E_K = e^{-5 mV}"),
    ("verify", "E_K = 1e400 mV"),
    ("verify", "E_K = 5 cm^x"),
    ("verify", "E_K = 37 degC K"),
    ("verify", "E_K = RT/F ln(K_o/K_i) + K_o"),
    ("verify", "E_K = -95 mV", "--tolerance", "0.1"),
    ("verify", "E_K = -95 mV", "--tolerance", "-1%"),
    ("verify", "E_K = -95 mV", "--tolerance", "0.1 mM"),
    ("verify", "E_K = -95 mV", "--tolerance", "0.1 mV mV"),
]


@pytest.mark.parametrize("argv", BAD, ids=lambda a: " ".join(a[1:]))
def test_bad_input_exits_2_with_one_line(argv):
    # (how fast: benchmarks/verify_refusals.py)
    code, out, err = run_cli(*argv)
    assert code == 2, (out, err)
    assert err.count("\n") == 1 and err.startswith("vrest: error: ")
    assert "Traceback" not in err


# --- the current balance: its correct value is exactly 0 -----------------------------------------


def test_a_claim_about_a_zero_needs_an_absolute_tolerance():
    code, out, _ = run_cli("verify", "I_K + I_Na + I_Cl + I_pump = 0.001 uA/cm^2", "--json")
    doc = json.loads(out)
    assert code == 1 and doc["numeric"]["correct"] == {"value": 0.0, "unit": "uA/cm^2"}
    assert doc["numeric"]["relative_difference"] is None
    assert "the correct value is 0 at the model's values" in doc["detail"]
    assert "--tolerance '0.01 uA/cm^2'" in doc["detail"]
    assert run_cli("verify", "I_K + I_Na + I_Cl + I_pump = 0.001 uA/cm^2", "--tolerance", "0.01 uA/cm^2")[0] == 0
    assert run_cli("verify", "I_K + I_Na + I_Cl + I_pump = 0")[0] == 0


# --- approximations: the limit as written, and the neglected part judged --------------------------
SQUID_RTF = R * mpmath.mpf("293.15") / F


def _squid_ghk(p_k, p_na, p_cl):
    return SQUID_RTF * mpmath.log((p_k * 20 + p_na * 440 + p_cl * 52) / (p_k * 400 + p_na * 50 + p_cl * 560))


def test_a_limit_to_infinity_is_shown_as_written():
    claim = "RT/F ln(K_o/K_i)"
    code, out, _ = run_cli("verify", claim, "--against", "V_ghk", "--model", "squid", "--approx", "P_K -> oo", "--json")
    info = json.loads(out)["approximation"]
    assert code == 0
    assert info["small"] == "P_K" and info["to"] == "oo"
    assert info["small_value"] == pytest.approx(1e-6) and info["small_unit"] == "cm/s"  # P_K itself, not 1/P_K
    assert info["order"] == 0 and info["error_order"] == 1 and isinstance(info["error_order"], int)
    neglected = _squid_ghk(1, mpmath.mpf("0.04"), mpmath.mpf("0.45")) - SQUID_RTF * mpmath.log(mpmath.mpf(20) / 400)
    assert info["neglected"]["value"] == pytest.approx(float(1000 * neglected), rel=1e-9)
    _, out, _ = run_cli("verify", claim, "--against", "V_ghk", "--model", "squid", "--approx", "P_K -> oo")
    assert "approximation: P_K -> oo" in out and "(with P_K = 1e-06 cm/s)" in out


def test_the_neglected_part_is_judged_against_the_tolerance(tmp_path):
    # GHK K and Na at 37 C (P_Na/P_K = 0.04): Nernst for K is the limit, but 34 % off at the model's values.
    path = tmp_path / "my_cell.toml"
    path.write_text(MY_CELL, encoding="utf-8")
    rtf = RTF_37 / 1000
    exact = rtf * mpmath.log((4 + mpmath.mpf("0.04") * 145) / (140 + mpmath.mpf("0.04") * 12))
    nernst = rtf * mpmath.log(mpmath.mpf(4) / 140)
    leading = rtf * mpmath.mpf("0.04") * (140 * 145 - 4 * 12) / (140 * 4)  # P_Na RT (K_i Na_o - K_o Na_i)/(F K_i K_o P_K)
    code, out, _ = run_cli("verify", "RT/F ln(K_o/K_i)", "--against", "V_ghk", "--model", str(path),
                           "--approx", "P_Na/P_K -> 0", "--json")
    doc = json.loads(out)
    info = doc["approximation"]
    assert code == 0 and doc["method"] == "symbolic"  # the limit holds, proven by the series
    assert info["neglected"]["value"] == pytest.approx(float(1000 * (exact - nernst)), rel=1e-9)
    assert info["neglected_relative"] == pytest.approx(float(abs((exact - nernst) / exact)), rel=1e-9)
    assert info["leading_neglected_value"]["value"] == pytest.approx(float(1000 * leading), rel=1e-9)
    assert info["within_tolerance"] is False
    assert "a poor approximation for this model" in doc["detail"]
    _, out, _ = run_cli("verify", "RT/F ln(K_o/K_i)", "--against", "V_ghk", "--model", str(path),
                        "--approx", "P_Na/P_K -> 0")
    assert f"(= {float(1000 * leading):.6g} mV at the model's values)" in out
    assert f"neglected in all at the model's values: {float(1000 * (exact - nernst)):.6g} mV" in out



def test_a_wrong_approximations_error_is_claimed_minus_correct_not_a_neglected_part():
    """neuron's leaks are ohmic (g_leak = 0.1 + 0.015 + 0.035 mS/cm^2), so V_ss = V_leak - I_pump/g_leak exactly,
    with I_pump/g_leak = 0.75 uA/cm^2 / 0.15 mS/cm^2 = 5 mV (the model file's numbers): + I_pump/g_leak is 10 mV
    too high, - 2 I_pump/g_leak 5 mV too low. That is the claim's error, not something it neglects."""
    for claim, error in (("V_ss = V_leak + I_pump/g_leak", "10 mV"), ("V_ss = V_leak - 2*I_pump/g_leak", "-5 mV")):
        code, out, _ = run_cli("verify", claim, "--to-order", "1 in I_pump")
        assert code == 1 and "neglected" not in out, out
        assert "checked to order 1 in it; the claim's error is of order 1" in out
        assert f"the claim's error (claimed - correct) at the model's values: {error}, " in out


MY_CELL = """\
[model]
name = "my_cell"
temperature = "37 degC"

[membrane]
capacitance = "1 uF/cm^2"

[ions.K]
valence = 1
inside = "140 mM"
outside = "4 mM"
permeability = "1e-6 cm/s"

[ions.Na]
valence = 1
inside = "12 mM"
outside = "145 mM"
permeability = "4e-8 cm/s"

[pump]
current = "1 uA/cm^2"
stoichiometry = { Na = 3, K = -2 }
"""

GHK_CA = MY_CELL.replace('name = "my_cell"', 'name = "ghk_ca"').replace("[pump]", """[ions.Ca]
valence = 2
inside = "100 nM"
outside = "2 mM"
permeability = "1e-8 cm/s"

[pump]""")


def test_a_divalent_ion_has_no_log_form(tmp_path):
    path = tmp_path / "ghk_ca.toml"
    path.write_text(GHK_CA, encoding="utf-8")
    claim = "V_ghk = RT/F ln((P_K K_o + P_Na Na_o + P_Ca Ca_o)/(P_K K_i + P_Na Na_i + P_Ca Ca_i))"
    code, out, _ = run_cli("verify", claim, "--model", str(path), "--json")
    doc = json.loads(out)
    assert code == 1 and doc["diagnosis"].startswith("a divalent ion has no GHK log form: with Ca (z = 2)")
    # the correct value: the root of the GHK currents of K, Na and Ca (z = 2) at the counterexample's inputs
    inputs = {k: mpmath.mpf(v["value"]) for k, v in doc["counterexample"]["inputs"].items()}
    t = inputs["T"]

    def ghk(p, z, inside, outside, v):
        u = z * F * v / (R * t)
        return p * z * F * u * (inside - outside * mpmath.exp(-u)) / (1 - mpmath.exp(-u))

    def total(v):
        return (ghk(inputs["P_K"], 1, inputs["K_i"], inputs["K_o"], v) + ghk(inputs["P_Na"], 1, inputs["Na_i"],
                inputs["Na_o"], v) + ghk(inputs["P_Ca"], 2, inputs["Ca_i"] / 1e6, inputs["Ca_o"], v))

    root = mpmath.findroot(total, mpmath.mpf("-0.07"))
    assert doc["counterexample"]["correct"]["value"] == pytest.approx(float(1000 * root), rel=1e-9)
