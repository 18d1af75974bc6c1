"""`vrest rest FILE --set NAME=VALUE`: the resting states of a CellML file with a parameter in place of the file's
value. Luo-Rudy 1991 with its inward rectifier's g_K1_max halved (0.6047 -> 0.3 mS/cm^2): where Myokit's reading
of the file, with that value, comes to rest from the file's start under SciPy's BDF (tests/test_import_rest.py)."""

from __future__ import annotations

import json

import pytest

from conftest import run_cli
from test_import_rest import MODELS, _myokit_long_run

LUO_RUDY = MODELS / "luo_rudy_1991.cellml"


def test_a_parameter_set_rests_where_the_file_with_that_value_does(tmp_path):
    code, out, err = run_cli("rest", str(LUO_RUDY), "--set", "g_K1_max=0.3 mS/cm^2", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["set"] == {"g_K1_max": {"value": 0.3, "unit": "mS/cm^2", "file": 0.6047}}
    (state,) = data["resting_states"]
    reference = _myokit_long_run(LUO_RUDY, tmp_path, values={"time_independent_potassium_current.g_K1_max": 0.3})
    assert state["stable"] and state["V"] == pytest.approx(reference * 1e3, abs=1e-6)  # mV
    assert state["V"] > -84.5  # depolarised from the file's -84.548 mV: less K+ conductance at rest
    code, out, err = run_cli("rest", str(LUO_RUDY), "--set", "time_independent_potassium_current.g_K1_max=0.3 mS/cm^2")
    assert code == 0 and out.splitlines()[1] == "with g_K1_max = 0.3 mS/cm^2 (the file's 0.6047 mS/cm^2)"


def test_the_capacitance_set_changes_no_rest_nor_slope_conductance():
    """C dV/dt = -sum I: C sets how fast V moves, not where it rests, and the slope conductance C d(-dV/dt)/dV is
    the currents' alone; the capacitance reported is the one set."""
    states = []
    for value in ("1 uF/cm^2", "2 uF/cm^2"):
        code, out, err = run_cli("rest", str(LUO_RUDY), "--set", f"C={value}", "--json")
        assert code == 0, err
        data = json.loads(out)
        states.append((data["resting_states"][0], data["capacitance"]["value"]))
    (one, c_one), (two, c_two) = states
    assert (c_one, c_two) == (1.0, 2.0)
    assert two["V"] == pytest.approx(one["V"], abs=1e-9)
    assert two["slope_conductance"]["value"] == pytest.approx(one["slope_conductance"]["value"], rel=1e-9)


@pytest.mark.parametrize("model, setting, said", [
    (str(LUO_RUDY), "V=3 mV", ("--set V = '3 mV': a state of model luo_rudy_1991, not a parameter: --set changes "
                               "parameters; a state's value at the start is --start NAME=VALUE")),
    (str(LUO_RUDY), "g_K1_max=-1 mS/cm^2", ("--set g_K1_max = '-1 mS/cm^2': g_K1_max is a conductance per area: it "
                                            "must not be negative")),
    (str(LUO_RUDY), "I_stim_on=1", "--set I_stim_on: the stimulus' switch: the stimulus is off at rest"),
    ("hh", "g_K=3", "--set = 'g_K=3': applies to a CellML or SBML file"),
])
def test_a_bad_setting_is_one_line(model, setting, said):
    code, out, err = run_cli("rest", model, "--set", setting)
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith(f"vrest: error: {said}")


def test_a_run_from_the_start_that_fails_is_not_taken_for_a_pacemaker(tmp_path):
    """Beeler-Reuter 1977 with its K1 current scaled negative (G_K1 -0.35 uA/cm^2, the file's 0.0035 uA/mm^2 turned
    over): three equilibria, each an equilibrium of Myokit's reading of the file with that value, none stable; the
    run from the start fails (V runs away until the rates overflow), so the verdict says what was found and that
    the run stopped, not "this model oscillates (pacemaker)", which nothing seen supports."""
    from test_import_rest import _in_file_units, _myokit_equations, _read, _root_to_double_precision
    from vrest.derive.rest import find_resting_states

    path = MODELS / "beeler_reuter_model_1977.cellml"
    code, out, err = run_cli("rest", str(path), "--set", "G_K1=-0.35 uA/cm^2")
    assert code == 0, err
    verdict = out.splitlines()[2]
    assert verdict.startswith("no stable resting state between -150.00 mV and 60.00 mV: the unstable equilibria lie "
                              "at -89.55 mV, 3.10 mV, 21.35 mV; the run from its start stopped at t = ")
    assert verdict.endswith("so where the cell goes from there is not known") and "pacemaker" not in verdict
    report = find_resting_states(_read(path), parameters={"G_K1": -0.0035})  # SI: A/m^2
    f, states, second = _myokit_equations(path, tmp_path, {"time_independent_outward_current.G_K1": -0.0035})
    assert [round(s.V * 1e3, 2) for s in report.resting_states] == [-89.55, 3.10, 21.35]
    assert all(not s.stable and _root_to_double_precision(f, _in_file_units(s, states), second)
               for s in report.resting_states)


def test_a_value_that_leaves_the_models_domain_is_refused_naming_what_it_breaks(tmp_path):
    """Luo-Rudy's E_K = RT/F ln((Ko + PR_NaK Nao)/(Ki + PR_NaK Nai)): PR_NaK = -0.5 makes Ko + PR_NaK Nao = 5.4 - 70
    mM negative, so E_K is the logarithm of a negative number at any state. That was "no resting state" with a
    CVODE error code; it is bad input, named, for vrest rest and vrest simulate alike, and nothing is written. A
    second --set that is harmless alone is not the one named."""
    out_file = tmp_path / "run.csv"
    for command in (("rest",), ("simulate", "--t-end", "1 ms", "--out", str(out_file))):
        code, out, err = run_cli(*command[:1], str(LUO_RUDY), "--set", "g_K1_max=0.3 mS/cm^2", "--set", "PR_NaK=-0.5",
                                 *command[1:])
        assert code == 2 and out == "", (out, err)
        assert err.startswith("vrest: error: --set PR_NaK = '-0.5': with this value E_K is not a finite number at the "
                              "file's initial state") and len(err.strip().splitlines()) == 1, err
    assert not out_file.exists()
    code, out, err = run_cli("rest", str(LUO_RUDY), "--set", "PR_NaK=0.5")  # 5.4 + 70 > 0: E_K finite, a rest
    assert code == 0 and "resting state" in out, err
