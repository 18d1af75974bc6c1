"""The note vrest rest gives on an imported file's capacitance (ten Tusscher 2006: a whole-cell Cm of 0.185 uF
around a cytoplasm of 0.016404 um^3, which no cell has) comes with the slope conductance and the input
resistance of a sweep and a sensitivity analysis of that file: a stderr line, and in the JSON and the files
beside the quantity's unit. A file without such a note (Hodgkin-Huxley, 1 uF/cm^2) gets none."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from conftest import run_cli

from vrest.codegen.sweep.writers import Layout, open_writer

MODELS = Path(__file__).parent / "models"
TT = str(MODELS / "ten_tusscher_model_2006_epi.cellml")
HH = str(MODELS / "hodgkin_huxley_squid_axon_model_1952_modified.cellml")


def _rest_note(path: str) -> str | None:
    code, out, err = run_cli("rest", path, "--json")
    assert code == 0, err
    return json.loads(out)["capacitance"]["note"]


def _notes(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("vrest: note:")]


def test_the_sweep_of_a_file_carries_the_note_vrest_rest_gives():
    note = _rest_note(TT)
    assert note and "Cm" in note and "V_c" in note
    vary = ("--vary", "g_K1=5.405 nS/pF", "--quantity", "V_rest,slope_conductance,input_resistance")
    code, out, err = run_cli("sweep", TT, *vary, "--json")
    assert code == 0, err
    quantities = json.loads(out)["quantities"]
    assert quantities["slope_conductance"]["note"] == note and quantities["input_resistance"]["note"] == note
    assert "note" not in quantities["V_rest"]  # the resting potential does not depend on the capacitance
    assert _notes(err) == [f"vrest: note: slope_conductance, input_resistance: {note}"]
    code, out, err = run_cli("sweep", TT, *vary)  # the table: the same line on stderr
    assert code == 0 and "slope_conductance [nS]" in out and _notes(err) == [
        f"vrest: note: slope_conductance, input_resistance: {note}"]
    code, out, err = run_cli("sweep", TT, "--vary", "g_K1=5.405 nS/pF", "--quantity", "V_rest", "--json")
    assert code == 0 and _notes(err) == [] and "note" not in json.loads(out)["quantities"]["V_rest"]


def test_a_sensitivity_analysis_of_the_file_carries_it_too():
    note = _rest_note(TT)
    code, out, err = run_cli("sensitivity", TT, "--vary", "g_K1=5..6 nS/pF", "--vary", "g_Kr=0.1..0.2 nS/pF",
                             "--quantity", "input_resistance", "--method", "morris", "--samples", "2", "--json")
    assert code == 0, err
    assert json.loads(out)["quantity"] == {"id": "input_resistance", "unit": "Mohm", "note": note}
    assert _notes(err) == [f"vrest: note: input_resistance: {note}"]


def test_a_file_without_a_note_gets_none():
    assert _rest_note(HH) is None
    code, out, err = run_cli("sweep", HH, "--vary", "g_K=36 mS/cm^2", "--quantity", "slope_conductance", "--json")
    assert code == 0 and _notes(err) == [] and "note" not in json.loads(out)["quantities"]["slope_conductance"]


def test_parquet_and_netcdf_hold_the_note_beside_the_unit(tmp_path):
    import pyarrow.parquet as pq
    import xarray as xr

    layout = Layout("m", (("g", "nS/pF"),), ((1.0, 2.0),), 2, (("V_rest", "mV"), ("slope_conductance", "nS")),
                    notes=(("slope_conductance", "a note"),))
    for name in ("s.parquet", "s.nc"):
        writer = open_writer(tmp_path / name, layout)
        writer.write(0, np.array([[1.0], [2.0]]), {"V_rest": np.array([-80.0, -81.0]),
                                                    "slope_conductance": np.array([3.0, 4.0])})
        writer.close()
    schema = pq.read_table(tmp_path / "s.parquet").schema
    assert schema.field("slope_conductance").metadata == {b"unit": b"nS", b"note": b"a note"}
    assert schema.field("V_rest").metadata == {b"unit": b"mV"}
    variables = json.loads(schema.metadata[b"vrest"])["variables"]
    assert variables == [{"name": "V_rest", "unit": "mV"}, {"name": "slope_conductance", "unit": "nS",
                                                           "note": "a note"}]
    with xr.open_dataset(tmp_path / "s.nc") as data:
        assert data["slope_conductance"].attrs == {"units": "nS", "note": "a note"}
        assert data["V_rest"].attrs == {"units": "mV"}
