"""``vrest verify`` through main(argv): verdicts, JSON, steps files, exit codes.

Expected numbers are computed here with mpmath from the model's inputs (the
seed's neuron: K 140/4 mM at 37 C; pump shift I_pump/g_leak = 0.75/0.15 mV).
"""

from __future__ import annotations

import json

import io
import math
from contextlib import redirect_stdout

import mpmath
import pytest
from conftest import run_cli

from vrest.codegen.cli import main

E_K_NEURON_MV = float(
    1000 * mpmath.mpf("8.314462618") * mpmath.mpf("310.15") / mpmath.mpf("96485.33212") * mpmath.log(mpmath.mpf(4) / 140)
)


def test_right_formula_exits_0():
    code, out, err = run_cli("verify", "RT/F ln([K]_o/[K]_i)", "--against", "E_K")
    assert code == 0 and err == ""
    assert out.startswith("holds (symbolic)")


def test_wrong_formula_exits_1_with_slip_and_counterexample():
    code, out, err = run_cli("verify", "RT/F ln(K_i/K_o)", "--against", "E_K")
    assert code == 1 and err == ""
    assert "likely slip: ratio inverted" in out
    assert "K_o = 4 mM" in out and "mV" in out


def test_json_matches_the_contract():
    code, out, _ = run_cli("verify", "RT/F ln(K_i/K_o)", "--against", "E_K", "--json")
    assert code == 1
    doc = json.loads(out)
    assert {"holds", "method", "diagnosis", "counterexample"} <= set(doc)
    assert doc["holds"] is False and doc["method"] == "numeric" and doc["diagnosis"] == "ratio inverted"
    example = doc["counterexample"]
    assert set(example) == {"inputs", "claimed", "correct", "rest_potential"}
    assert example["inputs"]["K_i"] == {"value": 140.0, "unit": "mM"}
    assert example["correct"]["unit"] == "mV"
    assert example["correct"]["value"] == pytest.approx(E_K_NEURON_MV, rel=1e-9)
    assert example["claimed"]["value"] == pytest.approx(-E_K_NEURON_MV, rel=1e-9)


def test_json_when_it_holds():
    code, out, _ = run_cli("verify", r"\frac{RT}{zF}\ln\frac{[K^+]_o}{[K^+]_i}", "--against", "E_K", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["holds"] is True and doc["diagnosis"] is None and doc["counterexample"] is None


def test_equation_pump_shift():
    assert run_cli("verify", "dV_pump = -I_pump/g_leak")[0] == 0
    code, out, _ = run_cli("verify", "dV_pump = I_pump/g_leak", "--json")
    doc = json.loads(out)
    assert code == 1 and doc["diagnosis"] == "sign flipped"
    assert doc["counterexample"]["correct"]["value"] == pytest.approx(-0.75 / 0.15)  # -5 mV, DOMAIN.md


def test_current_balance_holds_at_the_steady_state():
    code, out, _ = run_cli("verify", "I_K + I_Na + I_Cl + I_pump = 0")
    assert code == 0 and "steady state" in out


def test_chord_conductance_against_v_ss():
    good = "(g_K E_K + g_Na E_Na + g_Cl E_Cl - I_pump)/(g_K + g_Na + g_Cl)"
    assert run_cli("verify", good, "--against", "V_ss")[0] == 0
    code, out, _ = run_cli("verify", good.replace("- I_pump", "+ I_pump"), "--against", "V_ss")
    assert code == 1 and "sign of the term I_pump flipped" in out


def test_model_file(write_model, seed_pump_model):
    path = write_model(seed_pump_model)
    code, out, _ = run_cli("verify", "-I_pump/(g_K + g_Na)", "--against", "dV_pump", "--model", str(path), "--json")
    assert code == 0, out
    code, out, _ = run_cli("verify", "-1000 I_pump/(g_K + g_Na)", "--against", "dV_pump", "--model", str(path), "--json")
    doc = json.loads(out)
    assert code == 1 and doc["diagnosis"].startswith("V vs mV (factor 1000): the factor 1000 converts units by hand")
    assert doc["counterexample"]["correct"]["value"] == pytest.approx(-0.75 / 0.15)


STEPS = """\
# chord conductance, line by line
I_K + I_Na + I_Cl + I_pump = 0
g_K (V - E_K) + g_Na (V - E_Na) + g_Cl (V - E_Cl) + I_pump = 0
V = (g_K E_K + g_Na E_Na + g_Cl E_Cl - I_pump)/(g_K + g_Na + g_Cl)
V_ss = (g_K E_K + g_Na E_Na + g_Cl E_Cl - I_pump)/(g_K + g_Na + g_Cl)
"""


def test_steps_file(tmp_path):
    path = tmp_path / "steps.txt"
    path.write_text(STEPS, encoding="utf-8")
    code, out, _ = run_cli("verify", str(path))
    assert code == 0 and "4 steps checked" in out
    path.write_text(STEPS.replace("- I_pump)/(g_K + g_Na + g_Cl)\nV_ss", "+ I_pump)/(g_K + g_Na + g_Cl)\nV_ss"), encoding="utf-8")
    code, out, _ = run_cli("verify", str(path), "--json")
    doc = json.loads(out)
    assert code == 1 and doc["line"] == 4
    assert doc["diagnosis"] == "sign of the term I_pump flipped"


def test_a_worked_example_with_an_arithmetic_slip_names_the_two_lines_it_compares(tmp_path):
    """Line 5 is compared with line 4's value, 26.73 mV x (-3.555) = -95.02515 mV, not with the model's E_K
    (-95.0226 mV): the answer said "correct" and "of the correct value" for it."""
    path = tmp_path / "worked.txt"
    path.write_text("E_K = RT/F ln(K_o/K_i)\n= 26.73 mV * ln(4/140)\n= 26.73 mV * (-3.555)\n= -85.0 mV\n",
                    encoding="utf-8")
    code, out, _ = run_cli("verify", str(path))
    assert code == 1
    assert out.splitlines() == [
        "does not hold (line 4)",
        "  line 4 is not equal to line 3 (not within 1% (the default) of line 3's value at the model's values: line "
        "4 differs by 10.0252 mV (10.5%))",
        "  counterexample at the model's values:",
        "    line 4 gives -85 mV, line 3 gives -95.0251 mV"]  # -95.02515 as a double: -95.025149999...


def test_approximation_in_the_squid_model():
    claim = "RT/F ln((P_K K_o + P_Cl Cl_i)/(P_K K_i + P_Cl Cl_o))"
    code, out, _ = run_cli("verify", claim, "--against", "V_ghk", "--model", "squid", "--approx", "P_Na/P_K -> 0", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["approximation"]["order"] == 0
    # Independent size of what was neglected at the squid's values (mpmath).
    with mpmath.workdps(30):
        rtf = 1000 * mpmath.mpf("8.314462618") * mpmath.mpf("293.15") / mpmath.mpf("96485.33212")
        pk, pna, pcl = mpmath.mpf("1e-6"), mpmath.mpf("4e-8"), mpmath.mpf("4.5e-7")
        full = rtf * mpmath.log((pk * 20 + pna * 440 + pcl * 52) / (pk * 400 + pna * 50 + pcl * 560))
        approx = rtf * mpmath.log((pk * 20 + pcl * 52) / (pk * 400 + pcl * 560))
    assert doc["approximation"]["neglected"]["value"] == pytest.approx(float(full - approx), rel=1e-6)
    assert doc["approximation"]["neglected"]["unit"] == "mV"


def test_to_order():
    first = (
        "RT/F (ln(A_K/B_K) + P_Na (Na_o/A_K - Na_i/B_K))"
        .replace("A_K", "(P_K K_o + P_Cl Cl_i)").replace("B_K", "(P_K K_i + P_Cl Cl_o)")
    )
    args = ("verify", first, "--against", "V_ghk", "--model", "squid")
    assert run_cli(*args, "--to-order", "1 in P_Na")[0] == 0
    code, out, _ = run_cli(*args, "--to-order", "2 in P_Na")
    assert code == 1 and "order" in out


BAD = [
    ("verify", "__import__('os').system('touch x')", "--against", "E_K"),
    ("verify", "K_o.__class__", "--against", "E_K"),
    ("verify", "lambda: 0", "--against", "E_K"),
    ("verify", "[c for c in K_o]", "--against", "E_K"),
    ("verify", "f'{K_o}'", "--against", "E_K"),
    ("verify", "9^9^9^9", "--against", "E_K"),
    ("verify", "V" * 1_000_000, "--against", "E_K"),
    ("verify", "RT/F ln(K_o/Kx)", "--against", "E_K"),
    ("verify", "RT/F ln(K_o/K_i)", "--against", "E_X"),
    ("verify", "RT/F ln(K_o/K_i)", "--against", "V_ghk"),
    ("verify", "RT/F ln(K_o/K_i)"),
    ("verify", "RT/F ln(K_o/K_i)", "--against", "E_K", "--model", "no_such_model"),
    ("verify", "RT/F ln(K_o/K_i)", "--against", "E_K", "--to-order", "x"),
    ("verify", "RT/F ln(K_o/K_i)", "--against", "E_K", "--approx", "K_o + K_i -> 0"),
    ("verify", "RT/F ln(K_o/K_i)", "--against", "E_K", "--to-order", "1"),
    ("verify", ""),
    ("verify", "V = = V"),
    ("verify", "P_K", "--against", "E_K"),
    ("verify", "V_ss = V_balance", "--model", "pumpleak", "--approx", "P_Na/P_K -> 0"),
    ("verify",),
]


@pytest.mark.parametrize("argv", BAD, ids=lambda a: " ".join(x[:25] for x in a[1:]) or "no-args")
def test_bad_input_exits_2_with_one_line(argv, tmp_path, monkeypatch):
    # (how fast: benchmarks/verify_refusals.py)
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(*argv)
    assert code == 2, (out, err)
    assert err.count("\n") == 1 and err.startswith("vrest: error: ")
    assert "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_bad_steps_file_names_the_line(tmp_path):
    path = tmp_path / "steps.txt"
    path.write_text("V = E_K\n\nV = E_K + __class__\n", encoding="utf-8")
    code, _, err = run_cli("verify", str(path))
    assert code == 2 and "line 3" in err and err.count("\n") == 1


def test_binary_file_is_bad_input(tmp_path):
    path = tmp_path / "steps.bin"
    path.write_bytes(b"\xff\xfe\x00V = E_K")
    code, _, err = run_cli("verify", str(path))
    assert code == 2 and err.count("\n") == 1


# --- refusals a user meets: one line, exit 2, naming the argument, with a way on -----------------

REFUSALS = [
    # (argv, a fragment of the one line)
    (("verify", "nothere.txt"), "FILE = 'nothere.txt': cannot be read: No such file or directory"),
    (("verify", "./nothere.txt"), "FILE = './nothere.txt': cannot be read: No such file or directory"),
    (("verify", "E_K = exp(1000)*1 mV"), "the claim's value at the model's values is out of range"),
    (("verify", "E_K = 61.5 mV log10(-4/140)"), "no real value (the logarithm or square root of a negative number)"),
    (("verify", "E_K = 61.5 mV log10(0)"), "undefined (division by zero or log(0))"),
    (("verify", "RT/F ln(K_o/K_i)", "--against", "V_mullins_noda", "--model", "squid", "--approx", "r - 1 -> 0"),
     "r - 1 is the fixed number 1/2 in this model (r = 3/2)"),
    (("verify", "RT/F ln(K_o/K_i)", "--against", "E_K", "--approx", "foo -> 0"),
     "--approx 'foo -> 0': column 1: unknown name 'foo'"),
    (("verify", "E_K = -95 mV", "--tolerance", "-1%"), "--tolerance '-1%': a percentage must be above 0"),
    (("verify", "E_K = -95 mV", "--tolerance", "0.01"), "--tolerance 0.01 is a pure number; E_K is a potential"),
    (("verify", "E_K = RT/F ln(K_o)"), "ln(K_o) is the logarithm of a concentration"),
    (("verify", "E_K = RT/F ln K_o/K_i"), "ln K_o/K_i is read as (ln K_o)/K_i; write ln(K_o/K_i)"),
    (("verify", "E_k = RT/F ln(K_o/K_i)"), "unknown name 'E_k'; did you mean E_K? (vrest verify --names --model neuron"),
    (("verify", "V_rest = -70 mV"), "did you mean V_ss (the resting potential)?"),
    (("verify", "E_K = RT/F ln(K_o/K_j)"), "unknown name 'K_j'; did you mean K_i or K_o?"),  # one letter off
    (("verify", ""), "EXPR|EQUATION|FILE = '': is empty: give a formula, an equation"),  # not "a directory"
    (("verify", "E_K = RT/F lm(K_o/K_i)"), "unknown name 'lm'; did you mean ln?"),  # the key beside n
    (("verify", "E_K = 61.5 mV * exq(1)"), "unknown name 'exq'; did you mean exp?"),  # one letter off, a short word
    (("verify", "RT/F ln(K_o/K_i)", "--against", "E_k"), "unknown quantity id 'E_k' (did you mean E_K?); one of: "),
    (("verify", "V_m = -70 mV"), "did you mean V (the membrane potential) or V_ss (the resting potential)?"),
    (("verify", "R_m = 6.67 kohm cm^2"), "did you mean 1/g_leak (the specific membrane resistance)?"),
    (("verify", "E_K = -95 mv"), "unknown unit or name 'mv'; did you mean the unit mV?"),
    (("verify", "tau_m = 6.67 kOhm cm^2 * 1 uF/cm^2"), "did you mean the unit kohm?"),
    (("verify", "E_K = 61.5 mV lg(4/140)"), "did you mean log10"),
    (("verify",), "EXPR|EQUATION|FILE: missing: give a claim, or --names"),
    (("verify", "E_K = -95 mV", "--bogus"), "unrecognized arguments: --bogus"),
]


@pytest.mark.parametrize("argv, fragment", REFUSALS, ids=lambda a: " ".join(a[1:])[:40] if isinstance(a, tuple) else "")
def test_a_refusal_names_the_argument_and_the_way_on(argv, fragment, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(*argv)
    assert code == 2 and out == "", (out, err)
    assert err.count("\n") == 1 and err.startswith("vrest: error: ") and fragment in err
    assert "vrest: error: vrest" not in err  # the prefix once


def test_a_directory_is_no_file_of_steps(tmp_path):
    code, _, err = run_cli("verify", str(tmp_path))
    assert code == 2 and "is a directory, not a file of steps" in err


def test_json_errors_are_json_too():
    code, out, err = run_cli("verify", "E_K = 1 mV mV", "--json")
    assert code == 2 and err.count("\n") == 1
    doc = json.loads(out)
    assert doc["holds"] is None and doc["model"] == "neuron" and "unit 'mV' is written twice" in doc["error"]


def test_json_names_the_model_and_its_file(write_model, seed_pump_model):
    path = write_model(seed_pump_model)
    doc = json.loads(run_cli("verify", "E_K = -95 mV", "--model", str(path), "--json")[1])
    assert doc["model"] == seed_pump_model["model"]["name"] and doc["model_file"] == str(path)
    doc = json.loads(run_cli("verify", "E_K = -95 mV", "--json")[1])
    assert doc["model"] == "neuron" and "model_file" not in doc


def test_names_are_listed():
    code, out, err = run_cli("verify", "--names", "--model", "squid")
    assert code == 0 and err == ""
    for line in ("  P_Na           Na permeability = 4e-08 cm/s", "  V              membrane potential",
                 "  E_Cl           R*T*log(Cl_o/Cl_i)/(F*z_Cl)", "  V_ss ", "log and ln are natural logarithms"):
        assert line in out
    assert "V_ghk" in out and "(does not apply" in run_cli("verify", "--names")[1]


def test_help_says_how_claims_are_read():
    out = io.StringIO()
    with redirect_stdout(out), pytest.raises(SystemExit):
        main(["verify", "--help"])
    text = " ".join(out.getvalue().split())
    for fragment in ("V is the membrane potential, not the unit volt", "log and ln are the natural logarithm",
                     "LaTeX", "'#' starts a comment", "a line that starts with '=' continues the one before",
                     "'-> oo'", "--names", "A number without a unit is a pure number",
                     "a side written in numbers only (E_K = -0.095) is a value in SI units",
                     "at the model's values, with V and every steady-state quantity at the model's resting state"):
        assert fragment in text, fragment


def test_a_worked_examples_mistyped_factor_is_corrected_with_the_lines_own_numbers(tmp_path):
    """Line 3 is compared with line 2's 26.73 mV x ln(4/140): its factor must be ln(140/4) = 3.555348 for the
    26.73 mV it keeps. The answer said 3.5558, the factor for the exact RT/F (26.7267 mV), with which line 3 still
    differs from line 2."""
    path = tmp_path / "worked.txt"
    path.write_text("E_K = RT/F ln(K_o/K_i)\n= 26.73 mV ln(4/140)\n= 26.73 mV * (-3.855)\n= -103.04 mV\n",
                    encoding="utf-8")
    code, out, _ = run_cli("verify", str(path), "--json")
    document = json.loads(out)
    assert code == 1 and document["line"] == 3
    assert f"would have to be {math.log(140 / 4):.5g} = ln(K_i/K_o)" in document["diagnosis"]


def test_an_unquoted_to_order_is_told_to_quote_it():
    """The shell splits --to-order 1 in I_pump into three words; argparse said only "unrecognized arguments"."""
    code, _, err = run_cli("verify", "V_ss = V_leak + I_pump/g_leak", "--to-order", "1", "in", "I_pump")
    assert code == 2
    assert err.strip().endswith('quote it whole, --to-order "N in I_pump"')


def test_an_unquoted_approx_is_told_to_quote_it():
    """--approx P_Na/P_K -> 0 unquoted: the shell passes '-' and writes the output to a file named 0."""
    code, _, err = run_cli("verify", "V_ghk = RT/F ln(K_o/K_i)", "--model", "squid", "--approx", "P_Na/P_K", "-")
    assert code == 2
    assert err.strip().endswith('quote it whole, --approx "P_Na/P_K -> 0"')


def test_an_unquoted_approx_without_spaces_is_told_to_quote_it():
    """--approx P_Na/P_K->0 unquoted: the shell passes P_Na/P_K- and writes the output to a file named 0."""
    code, _, err = run_cli("verify", "V_ghk = RT/F ln(K_o/K_i)", "--model", "squid", "--approx", "P_Na/P_K-")
    assert code == 2
    assert err.strip().endswith("an approximation reads 'EXPR -> 0' or 'EXPR -> oo' (it ends in '-': unquoted, the "
                                "shell read '>' of '->' as a redirection and wrote a file; quote the whole value)")
