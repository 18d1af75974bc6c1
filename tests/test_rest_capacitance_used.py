"""`vrest rest FILE` names the capacitance its slope conductance and input resistance are computed with, as the
file gives it, and notes one that cannot be a single cell's; a file whose currents have no units gets a reason
for its missing slope conductance.

ten Tusscher 2006 (CellML) declares Cm = 0.185 microF (a myocyte has ~185 pF) next to a cytoplasm volume
V_c = 0.016404 um^3 (~16404 um^3 in a myocyte): vrest follows the file (41032 nS) and says which C it used.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import run_cli
from vrest.derive.rest.capacitance import capacitance_used

MODELS = Path(__file__).parent / "models"
TEN_TUSSCHER = MODELS / "ten_tusscher_model_2006_epi.cellml"


def _file_variable(path: Path, name: str) -> tuple[float, str]:
    """(initial value, units) of the variable ``name`` as the CellML file declares it (read here, not by vrest)."""
    for element in ET.parse(path).iter():
        if element.tag.endswith("variable") and element.get("name") == name and element.get("initial_value"):
            return float(element.get("initial_value")), element.get("units")
    raise AssertionError(name)


def test_ten_tusscher_names_the_files_capacitance_and_notes_it():
    value, units = _file_variable(TEN_TUSSCHER, "Cm")
    assert (value, units) == (0.185, "microF")
    volume, volume_units = _file_variable(TEN_TUSSCHER, "V_c")
    assert volume_units == "micrometre3"
    code, out, err = run_cli("rest", str(TEN_TUSSCHER), "--json")
    assert code == 0, err
    document = json.loads(out)
    capacitance = document["capacitance"]
    assert (capacitance["name"], capacitance["value"], capacitance["unit"]) == ("Cm", pytest.approx(value), "uF")
    assert "cannot be one cell's" in capacitance["note"] and f"V_c = {volume:g} um^3" in capacitance["note"]
    (state,) = document["resting_states"]
    # the slope conductance is C times the slope of -dV/dt: with C in F, g in S
    assert state["slope_conductance"]["unit"] == "nS" and state["slope_conductance"]["value"] > 1e4
    code, out, err = run_cli("rest", str(TEN_TUSSCHER))
    assert code == 0, err
    assert "(with the file's capacitance Cm = 0.185 uF)" in out
    assert out.count("  note: the capacitance Cm = 0.185 uF") == 1


def test_a_plausible_whole_cell_capacitance_is_named_without_a_note():
    code, out, err = run_cli("rest", str(MODELS / "courtemanche_ramirez_nattel_1998.cellml"), "--json")
    assert code == 0, err
    assert json.loads(out)["capacitance"] == {"name": "Cm", "value": pytest.approx(100), "unit": "pF", "note": None}


def test_capacitance_plausibility_bounds():
    # a Xenopus oocyte (~200 nF) and a ventricular myocyte (185 pF around ~16404 um^3 of cytoplasm) pass
    assert capacitance_used("C", 200e-9, "nF", True, []).note == ""
    assert capacitance_used("Cm", 185e-12, "pF", True, [("V_c", 16404e-18, "um^3")]).note == ""
    assert "outside 1 pF to 1 uF" in capacitance_used("C", 2e-6, "uF", True, []).note
    assert "outside 1 pF to 1 uF" in capacitance_used("C", 0.5e-12, "pF", True, []).note
    # 100 pF around a 1 nL (1e6 um^3) volume: volume/area 100 um, a plausible shape; around 1 uL: 1e5 um, none
    assert capacitance_used("C", 100e-12, "pF", True, [("vol", 1e-12, "nL")]).note == ""
    assert "cannot be one cell's" in capacitance_used("C", 100e-12, "pF", True, [("vol", 1e-9, "uL")]).note
    assert capacitance_used("C", 1e-2, "uF/cm^2", True, []).note == ""  # per area: not a cell's size


@pytest.mark.parametrize("name", ["BIOMD0000000020.xml", "BIOMD0000000020_l3v2.xml"])
def test_a_file_with_unitless_currents_says_why_there_is_no_slope_conductance(name):
    code, out, err = run_cli("rest", str(MODELS / name))
    assert code == 0, err
    assert "(SI)" not in out
    assert "one stable resting state, at -0.0036 mV\n" in out  # not "-0.00 mV": V is the displacement from rest
    assert ("note: no slope conductance: the file gives its currents without units (and no capacitance with a unit "
            "of capacitance), so the slope of dV/dt cannot be turned into a conductance") in out
    code, out, err = run_cli("rest", str(MODELS / name), "--json")
    capacitance = json.loads(out)["capacitance"]
    assert capacitance["name"] is None and "currents without units" in capacitance["note"]


def test_the_note_is_said_in_full_once_where_several_states_rest():
    """DiFrancesco-Noble 1985 has two equilibria: the note on its capacitance (0.075 uF round Ve = 0.00157 um^3)
    was printed under each, word for word."""
    code, out, err = run_cli("rest", str(Path(__file__).parent / "models" / "difrancesco_noble_model_1985.cellml"))
    assert code == 0, err
    notes = [line for line in out.splitlines() if line.startswith("  note: ")]
    assert len(notes) == 2 and "cannot be one cell's" in notes[0]
    assert notes[1] == "  note: on the file's capacitance, as for resting state 1"
