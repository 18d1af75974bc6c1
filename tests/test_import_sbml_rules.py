"""SBML Level 2 files as BioModels holds them: species set by rate rules and in no reaction (Chay 1997's
pancreatic beta cell, BIOMD0000000378, holds V and Ca2+ as such species, and no unit of time: Level 2's default
is the second). Myokit's parser refuses a ruled species that is not a boundary species; vrest marks it as one,
which changes no equation (boundaryCondition concerns reactions only). The run is checked against
libRoadRunner's own reading of the unchanged file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import roadrunner

from conftest import run_cli

FILE = Path(__file__).parent / "models" / "BIOMD0000000378.xml"


def test_species_set_by_rules_read_and_run_as_libroadrunner_runs_them():
    runner = roadrunner.RoadRunner(str(FILE))
    runner.integrator.relative_tolerance, runner.integrator.absolute_tolerance = 1e-11, 1e-13
    reference = runner.simulate(0, 2, 5, ["time", "V_membrane", "Ca_i_cytosolic_calcium"])
    code, out, err = run_cli("simulate", str(FILE), "--voltage", "V_membrane_amount", "--start", "given", "--times",
                             "0 s,0.5 s,1 s,1.5 s,2 s", "--rtol", "1e-10", "--json")
    assert code == 0, err
    states = json.loads(out)["states"]
    assert np.allclose(states["V_membrane_amount"]["values"], reference[:, 1], rtol=1e-7, atol=0)
    assert np.allclose(states["Ca_i_cytosolic_calcium_amount"]["values"], reference[:, 2], rtol=1e-7, atol=0)


def test_a_potential_without_a_unit_is_searched_in_its_own_numbers_as_millivolts():
    """Chay's V has no unit, and its numbers are millivolts: the range -150..60 mV is searched as -150..60 of them
    (it once became -0.15..0.06 and missed the model's one equilibrium). libRoadRunner's rates vanish at the
    equilibrium vrest finds, and the cell bursts round it: the pacemaker's verdict, with the swing of V that
    libRoadRunner's run of the file shows."""
    code, out, err = run_cli("rest", str(FILE), "--voltage", "V_membrane_amount", "--json")
    assert code == 0, err
    document = json.loads(out)
    assert document["range"]["values"] == [-150, 60]
    (state,) = document["resting_states"]
    fate = document["from_start"]
    assert not state["stable"] and fate["kind"] == "oscillates"
    assert document["verdict"] == (f"no stable resting state: this model oscillates (pacemaker), V between "
                                   f"{fate['V_low']:.2f} and {fate['V_high']:.2f} from its start; the unstable "
                                   f"equilibrium lies at -38.23")
    bursting = roadrunner.RoadRunner(str(FILE))  # the swing: libRoadRunner's run from the file's start, 100-200 s
    bursting.integrator.relative_tolerance, bursting.integrator.absolute_tolerance = 1e-9, 1e-12
    course = bursting.simulate(0, 200, 400001)  # every 0.5 ms
    v = course["[V_membrane]"][course["time"] >= 100]
    assert fate["V_low"] == pytest.approx(v.min(), abs=1e-3) and fate["V_high"] == pytest.approx(v.max(), abs=1e-3)
    runner = roadrunner.RoadRunner(str(FILE))
    for name, entry in state["states"].items():
        runner[name.removesuffix("_amount")] = entry["value"]
    rates = np.array(runner.getRatesOfChange())
    sizes = np.array([abs(entry["value"]) for entry in state["states"].values()])
    assert np.max(np.abs(rates) / sizes) < 1e-9  # per second


def test_vrest_derive_gives_the_potential_in_the_file_s_own_numbers():
    """The solution of the current balance is the equilibrium above (its V_membrane_amount, where libRoadRunner's
    rates vanish: -38.2308...), not 1000 times it labelled mV (derive scaled it as if it were volts)."""
    code, out, err = run_cli("rest", str(FILE), "--voltage", "V_membrane_amount", "--json")
    assert code == 0, err
    (state,) = json.loads(out)["resting_states"]
    v = state["states"]["V_membrane_amount"]["value"]
    assert -38.24 < v < -38.22
    code, out, err = run_cli("derive", str(FILE), "--voltage", "V_membrane_amount", "--json")
    assert code == 0, err
    document = json.loads(out)
    assert document["resting_states"][0]["V"] == pytest.approx(v, rel=1e-12)
    # h, d and n are gates (rates linear in themselves, V-only coefficients) though the file writes them through
    # species concentrations (h_amount/size): at x_inf(V), not held
    assert sorted(document["gates"]) == ["d_amount", "h_amount", "n_amount"]
    assert document["held"] == ["Ca_i_cytosolic_calcium_amount", "Ca_lum_amount"]
    code, out, err = run_cli("derive", str(FILE), "--voltage", "V_membrane_amount")
    assert code == 0, err
    assert f"  V = {v:.6f} (unstable); Ca_i_cytosolic_calcium_amount = " in out
    assert "V as the file gives it, without a unit" in out


def test_the_species_id_as_voltage_points_to_its_amount():
    """`--voltage V_membrane` (the species' id in the file) named no variable vrest reads; it says which."""
    code, out, err = run_cli("rest", str(FILE), "--voltage", "V_membrane")
    assert code == 2 and out == ""
    assert err == ("vrest: error: --voltage = 'V_membrane': no such variable in BIOMD0000000378.xml; did you mean "
                   "'V_membrane_amount'?\n")


def test_the_table_of_a_potential_without_a_unit_shows_no_unit_and_no_stray_space():
    code, out, err = run_cli("rest", str(FILE), "--voltage", "V_membrane_amount")
    assert code == 0, err
    assert "resting state 1: V = -38.2308113, unstable" in out.splitlines()  # it read "-38.2308113 , unstable"


def test_the_run_table_of_a_potential_without_a_unit():
    """The default table's closing line gave V's unit from its column heading, which has none here: a traceback."""
    code, out, err = run_cli("simulate", str(FILE), "--voltage", "V_membrane_amount", "--start", "given", "--t-end",
                             "1 s")
    assert code == 0, err
    import re  # V's numbers are checked against libRoadRunner above: here, that they have no unit after them

    assert re.match(r"\(\d+ of the run's 401 times shown, V's smallest and largest of all 401 among them: "
                    r"-?[\d.]+ at t = [\d.]+ ms, -?[\d.]+ at t = [\d.]+ ms;", out.splitlines()[-1])
