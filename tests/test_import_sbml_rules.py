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


def test_the_bursting_cell_is_said_to_oscillate_between_libroadrunners_bounds():
    runner = roadrunner.RoadRunner(str(FILE))
    runner.integrator.relative_tolerance, runner.integrator.absolute_tolerance = 1e-10, 1e-12
    v = runner.simulate(0, 100, 20001, ["V_membrane"])[10000:, 0]  # the last 50 s: bursts, never at rest
    code, out, err = run_cli("rest", str(FILE), "--voltage", "V_membrane_amount", "--json")
    assert code == 0, err
    fate = json.loads(out)["from_start"]
    assert fate["kind"] == "oscillates"
    assert fate["V_low"] == pytest.approx(v.min(), abs=0.2) and fate["V_high"] == pytest.approx(v.max(), abs=0.2)
