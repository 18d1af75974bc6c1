"""The report's ouabain jump is taken where the ouabain run starts (the steady state), and the derive table
says which values are at the steady state and which at the file's concentrations.

Expected values: the GHK voltage equation written out here with mpmath, at the steady state's inside
concentrations read from `vrest simulate --json` (the CVODE run's first output), and the simulated
course itself after 20 tau_m.
"""

from __future__ import annotations

import json
import re

import mpmath
import pytest

from conftest import run_cli

mpmath.mp.dps = 30
R, F = mpmath.mpf("8.314462618"), mpmath.mpf("96485.33212")

# A cell written independently: GHK leaks, trapped anions, a saturating pump with Q10; its file concentrations
# (K_i 140, Na_i 12 mM) are far from its steady state (K_i ~ 102, Na_i ~ 48 mM).
CELL = {
    "model": {"name": "cell", "temperature": "37 degC"},
    "membrane": {"capacitance": "1 uF/cm^2", "area": "1300 um^2", "volume": "4188.8 um^3",
                 "water_permeability": "1e-10 cm/s/Pa"},
    "ions": {
        "K": {"valence": 1, "inside": "140 mM", "outside": "5 mM", "permeability": "5e-6 cm/s"},
        "Na": {"valence": 1, "inside": "12 mM", "outside": "140 mM", "permeability": "5e-8 cm/s"},
        "Cl": {"valence": -1, "inside": "10 mM", "outside": "145 mM", "permeability": "2e-6 cm/s"},
    },
    "impermeant": {"valence": -1, "concentration": "142 mM"},
    "bath": {"impermeant": "10 mM"},
    "pump": {"max_current": "2 uA/cm^2", "K_half_Na": "10 mM", "K_half_K": "1.5 mM", "q10": 3,
             "stoichiometry": {"Na": 3, "K": -2}},
    "scenario": {"ouabain": {"at": "0 s", "set": {"pump": 0}}},
}
# (T in K; P_K, P_Na, P_Cl in any common unit; K_o, Na_o, Cl_o in mM) of each model
PUMPLEAK = (mpmath.mpf("298.15"), "6.6e-6", "2.8e-8", "3.7e-6", 3, 142, 145)
CELL_CONSTANTS = (mpmath.mpf("310.15"), "5e-6", "5e-8", "2e-6", 5, 140, 145)


def _ghk_mV(constants, K_i, Na_i, Cl_i):
    """V_leak: the GHK voltage equation for K, Na, Cl."""
    T, P_K, P_Na, P_Cl, K_o, Na_o, Cl_o = (mpmath.mpf(c) if isinstance(c, str) else c for c in constants)
    top = P_K * K_o + P_Na * Na_o + P_Cl * mpmath.mpf(Cl_i)
    bottom = P_K * mpmath.mpf(K_i) + P_Na * mpmath.mpf(Na_i) + P_Cl * Cl_o
    return R * T / F * mpmath.log(top / bottom) * 1000


def _report_jump(model: str, tmp_path) -> float:
    path = tmp_path / "report.md"
    code, _, err = run_cli("derive", model, "--quantity", "ouabain", "--report", str(path))
    assert code == 0, err
    text = path.read_text(encoding="utf-8")
    section = text.split("### `Delta_V_ouabain`", 1)[1]
    return float(re.search(r"Value: \*\*([-0-9.e]+) mV\*\*", section).group(1))


def _simulated(model: str, times: str) -> dict:
    code, out, err = run_cli("simulate", model, "--scenario", "ouabain", "--times", times, "--json")
    assert code == 0, err
    return json.loads(out)["states"]


@pytest.mark.parametrize("which", ["pumpleak", "cell"])
def test_the_report_jump_is_taken_at_the_steady_state(which, write_model, tmp_path):
    model, constants = ("pumpleak", PUMPLEAK) if which == "pumpleak" else (str(write_model(CELL)), CELL_CONSTANTS)
    states = _simulated(model, "0 s,40 ms")  # 40 ms = 20 tau_m: the jump is over, the amounts have hardly moved
    start = {name: states[name]["values"][0] for name in ("V", "K_i", "Na_i", "Cl_i")}
    expected = _ghk_mV(constants, start["K_i"], start["Na_i"], start["Cl_i"]) - start["V"]
    jump = _report_jump(model, tmp_path)
    assert jump == pytest.approx(float(expected), rel=5e-6)  # the report prints 6 digits
    assert states["V"]["values"][1] - start["V"] == pytest.approx(jump, abs=0.01)
    if which == "cell":  # at the file's concentrations it would be 0.33 mV: far from the 1.28 mV of the run
        given = _ghk_mV(constants, 140, 12, 10)
        assert abs(jump - 1.28) < 0.01 and abs(states["V"]["values"][1] - start["V"] - 1.28) < 0.01
        code, out, _ = run_cli("derive", model, "--json", "--quantity", "dV_pump", "--quantity", "V_balance")
        quantities = json.loads(out)["quantities"]
        assert quantities["V_balance"]["value"] - float(given) == pytest.approx(quantities["dV_pump"]["value"],
                                                                                  abs=1e-9)
        assert abs(quantities["dV_pump"]["value"] + 0.33) < 0.01


def test_the_table_says_which_concentrations_each_value_uses(write_model):
    code, out, err = run_cli("derive", str(write_model(CELL)))
    assert code == 0, err
    note = " ".join(line.strip() for line in out.split("\nV_ss, g_leak, tau_m", 1)[1].split("\n\n", 1)[0].splitlines())
    at_steady, given = note.split(" E_K, E_Na, E_Cl, V_ghk, V_leak, V_balance, dV_pump")
    assert "at the steady state of the full model" in at_steady and "at the file's concentrations" in given
    # tau_fast is the full model's Jacobian at the steady state (test_tau_fast): listed with that state's values
    assert "tau_fast" in at_steady.split(":", 1)[0] and "tau_fast" not in given
    values = {name: float(value) for name, value in re.findall(r"(\w+) = ([-0-9.e]+)", at_steady)}
    file_values = {name: float(value) for name, value in re.findall(r"(\w+) = ([-0-9.e]+)", given)}
    assert file_values == {"K_i": 140, "Na_i": 12, "Cl_i": 10, "Vol": 4188.8}
    v_ss = float(re.search(r"^V_ss +([-0-9.]+) mV", out, re.MULTILINE).group(1))
    # At the steady state Cl (no pump share) is at equilibrium: V_ss = E_Cl at the steady Cl_i.
    e_cl = R * mpmath.mpf("310.15") / F * mpmath.log(mpmath.mpf(values["Cl_i"]) / 145) * 1000
    assert v_ss == pytest.approx(float(e_cl), abs=2e-3)
    # and the inside carries only the capacitor's charge: K_i + Na_i - Cl_i - A_i = C_m A V/(F Vol) (-0.0024 mM),
    # A_i = 142 mM x 4188.8 um^3 / Vol (SI: F/m^2, m^2, V, m^3 give mol/m^3 = mM).
    a_i = 142 * 4188.8 / values["Vol"]
    capacitor = 0.01 * 1300e-12 * v_ss * 1e-3 / (float(F) * values["Vol"] * 1e-18)
    assert values["K_i"] + values["Na_i"] - values["Cl_i"] - a_i == pytest.approx(capacitor, abs=1e-3)


def test_fixed_concentrations_need_no_note():
    code, out, _ = run_cli("derive", "neuron")
    assert code == 0 and "at the steady state of the full model" not in out
