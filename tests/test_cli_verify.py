"""``vrest verify`` through main(argv): verdicts, JSON, steps files, exit codes.

Expected numbers are computed here with mpmath from the model's inputs (the
seed's neuron: K 140/4 mM at 37 C; pump shift I_pump/g_leak = 0.75/0.15 mV).
"""

from __future__ import annotations

import json
import time

import mpmath
import pytest
from conftest import run_cli

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
    assert set(example) == {"inputs", "claimed", "correct"}
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
    ("verify", "V_ss = V", "--model", "squid", "--approx", "P_Na/P_K -> 0"),
    ("verify",),
]


@pytest.mark.parametrize("argv", BAD, ids=lambda a: " ".join(x[:25] for x in a[1:]) or "no-args")
def test_bad_input_exits_2_with_one_line(argv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    start = time.perf_counter()
    code, out, err = run_cli(*argv)
    assert time.perf_counter() - start < 2
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
