"""Where a claim holds: for every value of its symbols (exit 0), at rest only or at the model's values only (3).

Claims a teacher would mark: a current with an extra term that vanishes at rest, the Ca2+ log form with
"4 P_Ca", the GHK current with and without its z^2, a Nernst constant off by a little. Every expected
number is evaluated here with mpmath from the equations written out below (CODATA 2018 R and F), never
by vrest. Models: the built-in neuron (37 C: K 140/4, Na 12/145, Cl 10/110 mM; g_K, g_Na, g_Cl = 0.1,
0.015, 0.035 mS/cm^2; I_pump 0.75 uA/cm^2 at 37 C), the built-in pump-leak cell, and a cell with GHK
K, Na and Ca2+ leaks written here.
"""

from __future__ import annotations

import json

import mpmath as mp
import pytest
from conftest import run_cli
from vrest.derive.verify import verify

mp.mp.dps = 30
R, F = mp.mpf("8.314462618"), mp.mpf("96485.33212")
ZERO_C = mp.mpf("273.15")


def rtf(t_kelvin):
    return R * t_kelvin / F  # V


# --- the neuron (ohmic leaks): V_ss by the chord conductance equation, in mV and mS/cm^2 ----------
T_NEURON = ZERO_C + 37
E = {ion: 1000 * rtf(T_NEURON) / z * mp.log(mp.mpf(o) / i) for ion, (z, i, o) in
     {"K": (1, 140, 4), "Na": (1, 12, 145), "Cl": (-1, 10, 110)}.items()}
G = {"K": mp.mpf("0.1"), "Na": mp.mpf("0.015"), "Cl": mp.mpf("0.035")}
V_SS = (sum(G[x] * E[x] for x in G) - mp.mpf("0.75")) / sum(G.values())


def i_k(v):
    return G["K"] * (v - E["K"])  # uA/cm^2


def _json(*argv):
    code, out, err = run_cli("verify", *argv, "--json")
    assert code in (0, 1, 3), err
    return code, json.loads(out)


@pytest.mark.parametrize("claim, factor, difference", [
    ("I_K = g_K (V - E_K) + 0.5 g_K (V - V_ss)", mp.mpf("0.5"), "0.5*g_K*(V - V_ss)"),  # a number: checked at rest
    ("I_K = g_K (V - E_K) + g_K (V - V_ss)", mp.mpf(1), "g_K*(V - V_ss)"),  # no number: tried at rest
], ids=["with 0.5", "without numbers"])
def test_an_extra_term_that_vanishes_at_rest_holds_at_rest_only(claim, factor, difference):
    code, doc = _json(claim)
    assert code == 3 and doc["holds"] is True and doc["holds_only"] == "rest"
    identity = doc["identity"]
    assert identity["condition"] == "V = V_ss" and identity["difference"] == difference
    assert identity["difference_of"] == ["the right side", "I_K"]
    example = identity["counterexample"]
    assert example["inputs"] == {"V": {"value": -50.0, "unit": "mV"}}  # every other input at the model's values
    v = mp.mpf(-50)
    assert example["correct"] == {"value": pytest.approx(float(i_k(v)), rel=1e-9), "unit": "uA/cm^2"}
    assert example["claimed"]["value"] == pytest.approx(float(i_k(v) + factor * G["K"] * (v - V_SS)), rel=1e-9)
    code, out, _ = run_cli("verify", claim)
    assert code == 3 and out.startswith("holds at rest only (V = V_ss), not for every V\n")
    assert f"elsewhere the right side - I_K = {difference}, which is 0 only at V = V_ss" in out


def test_a_current_written_at_rest_holds_at_rest_only():
    # g_K (V_ss - E_K) is I_K at rest; I_K itself is a function of V.
    code, doc = _json("I_K = g_K (V_ss - E_K)")
    assert code == 3 and doc["holds_only"] == "rest" and doc["identity"]["difference"] == "-g_K*(V - V_ss)"
    assert doc["identity"]["counterexample"]["claimed"]["value"] == pytest.approx(float(i_k(V_SS)), rel=1e-9)
    # With the number for g_K: the same, read back as g_K.
    code, doc = _json("I_K = 0.1 mS/cm^2 (V_ss - E_K)")
    assert code == 3 and doc["holds_only"] == "rest" and doc["identity"]["difference"] == "-g_K*(V - V_ss)"
    assert doc["numeric"]["correct"]["value"] == pytest.approx(float(i_k(V_SS)), rel=1e-9)


def test_values_and_identities_keep_exit_code_0():
    # A value is a claim about the model's values (V at rest): the current balance, a Nernst potential in numbers.
    assert run_cli("verify", "I_K + I_Na + I_Cl + I_pump = 0")[0] == 0
    assert run_cli("verify", "E_K = 61.5 mV log10(4/140)")[0] == 0
    # A formula whose numbers are the model's values, rounded: 26.7 mV is RT/F at 37 C (26.727 mV).
    assert float(1000 * rtf(T_NEURON)) == pytest.approx(26.727, abs=5e-4)
    code, doc = _json("E_K = 26.7 mV ln(K_o/K_i)")
    assert code == 0 and doc["holds_only"] is None  # present for scripts, null: it holds as a formula
    # An exact formula: the chord conductance equation.
    assert run_cli("verify", "V_ss = (g_K E_K + g_Na E_Na + g_Cl E_Cl - I_pump)/(g_K + g_Na + g_Cl)")[0] == 0


def test_a_constant_off_by_a_little_holds_at_the_models_values_only():
    # 61 mV log10(K_o/K_i): within 1 % of E_K at 37 C, but 61 mV is RT ln 10/F at 34.3 C, not at 37 C.
    code, doc = _json("E_K = 61 mV log10(K_o/K_i)")
    assert code == 3 and doc["holds_only"] == "model_values"
    celsius = mp.mpf("0.061") * F / (R * mp.log(10)) - ZERO_C
    assert f"exact at {float(celsius):.1f} degC" in doc["identity"]["diagnosis"]
    assert doc["numeric"]["claimed"]["value"] == pytest.approx(float(61 * mp.log10(mp.mpf(4) / 140)), rel=1e-9)


def test_a_value_known_at_the_models_values_only_is_not_called_an_identity():
    # The pump-leak cell's steady state needs the steady amounts: tau_m and g_leak are known there only.
    code, doc = _json("tau_m = C_m/g_leak", "--model", "pumpleak")
    assert code == 3 and doc["holds_only"] == "model_values"
    assert doc["identity"]["reason"] == "g_leak and tau_m are known at the model's values only"
    code, out, _ = run_cli("verify", "tau_m = C_m/g_leak", "--model", "pumpleak")
    assert out.startswith("holds at the model's values, not tested elsewhere: g_leak and tau_m are known")


def test_a_steps_file_with_a_line_that_holds_at_rest_only(tmp_path):
    path = tmp_path / "steps.txt"
    path.write_text("I_K = g_K (V - E_K) + 0.5 g_K (V - V_ss)\nE_K = RT/F ln(K_o/K_i)\n", encoding="utf-8")
    code, doc = _json(str(path))
    assert code == 3 and doc["holds_only"] == "rest"
    assert doc["detail"] == "2 steps checked; line 1 holds at rest only (V = V_ss), not for every V"
    path.write_text("I_K = g_K (V - E_K)\nE_K = RT/F ln(K_o/K_i)\n", encoding="utf-8")
    assert run_cli("verify", str(path))[0] == 0
    # A worked example: a formula after a value is compared with that value, at the model's values.
    path.write_text("E_K = -95 mV\n= RT/F ln(K_o/K_i)\n", encoding="utf-8")
    assert run_cli("verify", str(path))[0] == 0


# --- a cell with a divalent ion: GHK K, Na and Ca2+ leaks (no pump), 22 C ------------------------
CA_CELL = {
    "model": {"name": "cacell", "temperature": "22 degC"},
    "membrane": {"capacitance": "1 uF/cm^2"},
    "ions": {
        "K": {"valence": 1, "inside": "140 mM", "outside": "5 mM", "permeability": "1e-6 cm/s"},
        "Na": {"valence": 1, "inside": "10 mM", "outside": "145 mM", "permeability": "2e-8 cm/s"},
        "Ca": {"valence": 2, "inside": "100 nM", "outside": "2 mM", "permeability": "1e-9 cm/s"},
    },
}
T_CA = ZERO_C + 22
# SI: mol/m^3 and m/s. (concentration inside, outside, permeability, valence)
CA_IONS = {"K": (140, 5, mp.mpf("1e-8"), 1), "Na": (10, 145, mp.mpf("2e-10"), 1),
           "Ca": (mp.mpf("1e-4"), 2, mp.mpf("1e-11"), 2)}


def ghk_current(p, z, inside, outside, v, t):
    """A/m^2: P z^2 F^2 V/(R T) (X_i - X_o exp(-z F V/(R T)))/(1 - exp(-z F V/(R T)))."""
    u = z * F * v / (R * t)
    return p * z * F * u * (inside - outside * mp.exp(-u)) / (1 - mp.exp(-u))


def ca_rest(ions, t):
    """V_ghk: the root of the total GHK current (V)."""
    return mp.findroot(lambda v: sum(ghk_current(p, z, i, o, v, t) for i, o, p, z in ions.values()), mp.mpf("-0.07"))


def four_pca_log_form(ions, t):
    """The usual wrong log form: RT/F ln((P_K K_o + P_Na Na_o + 4 P_Ca Ca_o)/(P_K K_i + P_Na Na_i + 4 P_Ca Ca_i))."""
    top = sum(z * z * p * o for i, o, p, z in ions.values())
    bottom = sum(z * z * p * i for i, o, p, z in ions.values())
    return rtf(t) * mp.log(top / bottom)


FOUR_PCA = "V_ghk = RT/F ln((P_K K_o + P_Na Na_o + 4 P_Ca Ca_o)/(P_K K_i + P_Na Na_i + 4 P_Ca Ca_i))"


def test_the_4_pca_log_form_holds_at_the_models_values_only(write_model):
    path = str(write_model(CA_CELL))
    code, doc = _json(FOUR_PCA, "--model", path)
    v_root, v_log = ca_rest(CA_IONS, T_CA), four_pca_log_form(CA_IONS, T_CA)
    assert abs(v_log / v_root - 1) < mp.mpf("1e-4")  # within the default 1 %: it holds at the model's values
    assert code == 3 and doc["holds"] is True and doc["holds_only"] == "model_values"
    assert doc["numeric"]["correct"]["value"] == pytest.approx(float(1000 * v_root), rel=1e-9)
    assert doc["numeric"]["claimed"]["value"] == pytest.approx(float(1000 * v_log), rel=1e-9)
    identity = doc["identity"]
    assert identity["diagnosis"].startswith("a divalent ion has no GHK log form, not even with P_Ca weighted by z^2 = 4")
    example = identity["counterexample"]
    si = {"mM": 1, "nM": mp.mpf("1e-6"), "cm/s": mp.mpf("0.01"), "K": 1}
    # One input moved, every other at the model's values.
    x = {"T": T_CA, **{f"{k}{ion}{s}": v for ion, values in CA_IONS.items()
                       for (k, s), v in zip([("", "_i"), ("", "_o"), ("P_", "")], values[:3])}}
    assert len(example["inputs"]) == 1
    x.update({k: mp.mpf(v["value"]) * si[v["unit"]] for k, v in example["inputs"].items()})
    ions = {ion: (x[f"{ion}_i"], x[f"{ion}_o"], x[f"P_{ion}"], z) for ion, (_, _, _, z) in CA_IONS.items()}
    assert example["correct"]["value"] == pytest.approx(float(1000 * ca_rest(ions, x["T"])), rel=1e-9)
    assert example["claimed"]["value"] == pytest.approx(float(1000 * four_pca_log_form(ions, x["T"])), rel=1e-9)
    # Without the 4s it does not hold at all (the monovalent log form is further off than 1e-9).
    code, doc = _json(FOUR_PCA.replace("4 P_Ca", "P_Ca"), "--model", path)
    assert code == 1 and doc["diagnosis"].startswith("a divalent ion has no GHK log form: with Ca (z = 2)")


def test_the_weights_the_diagnosis_names_make_the_log_form_exact():
    # The diagnosis says: 4 P_Ca/(1 + exp(F V/(R T))) with Ca_o, 4 P_Ca/(1 + exp(-F V/(R T))) with Ca_i.
    # At the root of the GHK current, that log form gives V back (Ca outweighted here to make it count).
    ions = {**CA_IONS, "Ca": (mp.mpf("1e-4"), 2, mp.mpf("1e-7"), 2)}
    v = ca_rest(ions, T_CA)
    u = F * v / (R * T_CA)
    top = sum(p * o for i, o, p, z in ions.values() if z == 1) + 4 * ions["Ca"][2] * ions["Ca"][1] / (1 + mp.exp(u))
    bottom = sum(p * i for i, o, p, z in ions.values() if z == 1) + 4 * ions["Ca"][2] * ions["Ca"][0] / (1 + mp.exp(-u))
    assert rtf(T_CA) * mp.log(top / bottom) == pytest.approx(v, rel=1e-20)
    assert abs(four_pca_log_form(ions, T_CA) - v) > mp.mpf("1e-3")  # the constant weights are far off here


GHK_CA = "I_Ca = {pre} P_Ca F^2 V/(R T) (Ca_i - Ca_o exp(-2 F V/(R T)))/(1 - exp(-2 F V/(R T)))"


@pytest.mark.parametrize("pre, code, slip", [
    ("4", 0, None),  # z^2 = 4 written out: the GHK current, for every V
    ("z_Ca^2", 0, None),
    ("2", 1, "missing valence z"),
    ("1", 1, "missing valence z^2: the factor z_Ca^2 = 4 was left out"),
], ids=["4", "z^2", "2 (z once)", "no z^2"])
def test_the_ghk_current_of_a_divalent_ion(write_model, pre, code, slip):
    path = str(write_model(CA_CELL))
    got, doc = _json(GHK_CA.format(pre=pre), "--model", path)
    assert got == code and doc["diagnosis"] == slip
    assert "notes" not in doc  # the 2 of F^2 carries no unit: no note that V is the potential
    if code == 1:  # compared at the model's values, V at rest (V_ghk: no pump)
        v = ca_rest(CA_IONS, T_CA)
        correct = ghk_current(CA_IONS["Ca"][2], 2, CA_IONS["Ca"][0], CA_IONS["Ca"][1], v, T_CA) * 100  # uA/cm^2
        assert doc["numeric"]["correct"]["value"] == pytest.approx(float(correct), rel=1e-9)
        assert doc["numeric"]["claimed"]["value"] == pytest.approx(float(correct / (2 if pre == "2" else 4)), rel=1e-9)


def test_verify_api_reports_where():
    result = verify("I_K = g_K (V - E_K) + 0.5 g_K (V - V_ss)")
    assert result.holds and result.conditional and result.holds_only == "rest"
    assert result.identity.difference == "0.5*g_K*(V - V_ss)"
    assert not verify("I_K = g_K (V - E_K)").conditional


def test_the_readme_shows_what_vrest_prints():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    claim = "I_K = g_K (V - E_K) + 0.5 g_K (V - V_ss)"
    code, out, _ = run_cli("verify", claim)
    assert code == 3 and f'$ vrest verify "{claim}"\n{out}' in readme
