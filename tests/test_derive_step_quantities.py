"""`vrest derive --scenario NAME --quantity ID` keeps only those quantities, in the scenario's steps too.

Model: the built-in neuron (37 C, ohmic K, Na, Cl leaks of 0.1, 0.015, 0.035 mS/cm^2, a constant pump
current of 0.75 uA/cm^2; concentrations fixed) and its high_K scenario (bath K 4 -> 20 mM, Na 145 -> 129 mM
at 0 s; back at 100 ms). With fixed concentrations V jumps to the chord conductance equation's value at the
new bath, V = (sum g E - I_pump)/sum g, evaluated here with mpmath (CODATA 2018 R and F).
"""

from __future__ import annotations

import json

import mpmath as mp
import pytest
from conftest import run_cli

mp.mp.dps = 30
RTF = 1000 * mp.mpf("8.314462618") * (mp.mpf("273.15") + 37) / mp.mpf("96485.33212")  # mV
G = {"K": mp.mpf("0.1"), "Na": mp.mpf("0.015"), "Cl": mp.mpf("0.035")}


def chord(k_o, na_o):
    e = {"K": RTF * mp.log(k_o / mp.mpf(140)), "Na": RTF * mp.log(na_o / mp.mpf(12)), "Cl": -RTF * mp.log(mp.mpf(110) / 10)}
    return (sum(G[x] * e[x] for x in G) - mp.mpf("0.75")) / sum(G.values())


def test_step_quantities_are_filtered_too():
    code, out, _ = run_cli("derive", "neuron", "--scenario", "high_K", "--quantity", "V_ss", "--quantity", "V_jump",
                           "--json")
    assert code == 0
    doc = json.loads(out)
    assert list(doc["quantities"]) == ["V_ss"]
    assert doc["quantities"]["V_ss"]["value"] == pytest.approx(float(chord(4, 145)), rel=1e-9)
    steps = doc["scenario"]["steps"]
    assert [list(step["quantities"]) for step in steps] == [["V_jump", "V_ss"], ["V_jump", "V_ss"]]
    assert steps[0]["quantities"]["V_jump"]["value"] == pytest.approx(float(chord(20, 129)), rel=1e-9)
    assert steps[1]["quantities"]["V_jump"]["value"] == pytest.approx(float(chord(4, 145)), rel=1e-9)
    assert all(not step["not_applicable"] for step in steps)  # volume_ss is not asked for


def test_a_step_id_alone_leaves_the_models_table_empty():
    code, out, _ = run_cli("derive", "neuron", "--scenario", "high_K", "--quantity", "dV_jump")
    assert code == 0
    rows = [line.split() for line in out.splitlines() if line.strip().startswith(("dV_jump", "V_", "E_", "tau_"))]
    assert [row[0] for row in rows] == ["dV_jump", "dV_jump"]
    jump = chord(20, 129) - chord(4, 145)  # from rest into high K, then back: the same size, the other sign
    assert float(rows[0][1]) == pytest.approx(float(jump), rel=1e-5)
    assert float(rows[1][1]) == pytest.approx(float(-jump), rel=1e-5)
    code, out, _ = run_cli("derive", "neuron", "--scenario", "high_K", "--quantity", "V_jump", "--latex")
    assert code == 0 and out.count("V_{jump} = ") == 2 and "E_{K} = " not in out  # no row of the model's table


def test_a_step_id_without_a_scenario_is_refused_in_one_line():
    code, _, err = run_cli("derive", "neuron", "--quantity", "V_jump")
    assert code == 2 and err.count("\n") == 1
    assert err == ("vrest: error: --quantity = 'V_jump': a quantity of a scenario's steps: give --scenario NAME "
                   "(ouabain, high_K, cooling) or --protocol FILE.toml\n")


def test_the_report_filters_steps_and_has_no_empty_heading(tmp_path):
    out = tmp_path / "r.md"
    code, _, _ = run_cli("derive", "neuron", "--scenario", "high_K", "--quantity", "V_jump", "--report", str(out))
    assert code == 0
    text = out.read_text(encoding="utf-8")
    assert "## Derived quantities" not in text and text.count("#### `V_jump`") == 2 and "`V_before`" not in text
    code, _, _ = run_cli("derive", "neuron", "--quantity", "time_constants", "--report", str(out))
    text = out.read_text(encoding="utf-8")
    assert code == 0 and "## Derived quantities" not in text and "## Time constants of the full model" in text
