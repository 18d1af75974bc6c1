"""`vrest derive --scenario` with a step that injects a current: the jump's balance holds it.

A cell of ohmic leaks with fixed reversal potentials (K, Cl) and fixed concentrations (Na): V after a step is the
closed form V = (sum g_X E_X - I_pump + I_stim) / sum g_X, written out here (the Nernst potential of Na with
CODATA's R and F); a run of V's one linear equation between the steps, C dV/dt = -(sum g_X (V - E_X) + I_pump)
+ I_stim, gives V just before each step as an exponential."""

from __future__ import annotations

import json
import math

import pytest

from conftest import run_cli

R, F, T = 8.314462618, 96485.33212, 310.15
G = {"K": 0.2, "Na": 0.02, "Cl": 0.1}  # mS/cm^2
E_NA = R * T / F * math.log(145 / 12) * 1000  # mV
C_M, PUMP = 2.0, 0.5  # uF/cm^2, uA/cm^2

MODEL = """
[model]
name = "rev"
temperature = "37 degC"

[membrane]
capacitance = "2 uF/cm^2"

[ions.K]
valence = 1
reversal = "-90 mV"
conductance = "0.2 mS/cm^2"

[ions.Na]
valence = 1
inside = "12 mM"
outside = "145 mM"
conductance = "0.02 mS/cm^2"

[ions.Cl]
valence = -1
reversal = "-70 mV"
conductance = "0.1 mS/cm^2"

[pump]
current = "0.5 uA/cm^2"

[scenario.s]
steps = [
  { at = "0 ms", set = { "ions.K.reversal" = "-60 mV" } },
  { at = "10 ms", set = { "stimulus.current" = "2 uA/cm^2" }, scale = { "ions.Na.conductance" = 3 } },
  { at = "20 ms", set = { "stimulus.current" = "0 uA/cm^2", "ions.K.reversal" = "-90 mV" } },
]
"""


def _balance(e_k: float, g_na: float, stimulus: float) -> tuple[float, float]:
    """(V where the currents balance, tau_m) in mV and ms."""
    g = G["K"] + g_na + G["Cl"]
    return (G["K"] * e_k + g_na * E_NA + G["Cl"] * -70 - PUMP + stimulus) / g, C_M / g


def test_a_step_that_injects_a_current_moves_the_jump_by_it(tmp_path):
    path = tmp_path / "rev.toml"
    path.write_text(MODEL, encoding="utf-8")
    code, out, err = run_cli("derive", str(path), "--scenario", "s", "--json")
    assert code == 0, err
    steps = json.loads(out)["scenario"]["steps"]
    first, tau1 = _balance(-60, G["Na"], 0)
    second, tau2 = _balance(-60, 3 * G["Na"], 2)  # -37.5114 mV: the 2 uA/cm^2 depolarise by 2/0.36 mV more
    third, _ = _balance(-90, 3 * G["Na"], 0)
    assert [s["quantities"]["V_jump"]["value"] for s in steps] == pytest.approx([first, second, third], abs=1e-9)
    assert [s["quantities"]["V_ss"]["value"] for s in steps] == pytest.approx([first, second, third], abs=1e-9)
    # V just before step 2 and 3: 10 ms of exponential approach from the step before.
    before2 = first + (steps[0]["quantities"]["V_before"]["value"] - first) * math.exp(-10 / tau1)
    before3 = second + (before2 - second) * math.exp(-10 / tau2)
    assert steps[1]["quantities"]["V_before"]["value"] == pytest.approx(before2, abs=1e-6)
    assert steps[2]["quantities"]["V_before"]["value"] == pytest.approx(before3, abs=1e-6)


def test_a_cell_with_moving_concentrations_has_no_steady_state_while_a_current_flows(tmp_path):
    """pumpleak with -1 uA/cm^2 injected: V jumps below V_before (the current is outward-going charge taken out), and
    no steady state exists while it flows (the injected charge is never balanced)."""
    from vrest.derive.builtin import builtin_text

    path = tmp_path / "inject.toml"
    path.write_text(builtin_text("pumpleak") + '\n[scenario.inject]\nat = "0 s"\nset = { "stimulus.current" = '
                    '"-1 uA/cm^2" }\n', encoding="utf-8")
    code, out, err = run_cli("derive", str(path), "--scenario", "inject", "--json")
    assert code == 0, err
    (step,) = json.loads(out)["scenario"]["steps"]
    quantities = step["quantities"]
    # The leaks' slope at the jump is 1/tau_m (C_m = 1 uF/cm^2): 1 uA/cm^2 moves V by about tau_m/1 ms per uA/cm^2.
    assert quantities["dV_jump"]["value"] == pytest.approx(-quantities["tau_m"]["value"], rel=0.02)
    assert step["not_applicable"]["V_ss"] == step["not_applicable"]["volume_ss"] == (
        "the injected current I_stim = -1 uA/cm^2 takes charge from the cell for as long as it flows: no steady "
        "state then")  # it said "adds" of a negative current
