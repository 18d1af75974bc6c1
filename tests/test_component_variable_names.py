"""A CellML file's names as `component.variable` in `vrest simulate FILE --set` and protocol steps, as `vrest sweep`
takes them: a parameter so named is that parameter, a state or a value the file computes is told so (with what to
do instead), an unknown name gets the nearest name of any kind.

What the names are comes from the file itself (tests/models): in the Hodgkin-Huxley file, g_K is a variable of the
component potassium_channel, n of potassium_channel_n_gate, and E_K = E_R + 12 mV is computed in potassium_channel;
in the ten Tusscher file, Ca_i is a state of calcium_dynamics.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

MODELS = Path(__file__).parent / "models"
HH = str(MODELS / "hodgkin_huxley_squid_axon_model_1952_modified.cellml")
TT = str(MODELS / "ten_tusscher_model_2006_epi.cellml")
RUN = ("--start", "given", "--times", "0 ms,0.5 ms,1 ms", "--json")


def _run(*argv: str) -> dict:
    code, out, err = run_cli("simulate", HH, *argv, *RUN)
    assert code == 0, err
    return json.loads(out)


def test_a_parameter_named_component_variable_is_that_parameter(tmp_path):
    bare = _run("--set", "g_K=20 mS/cm^2")
    assert _run("--set", "potassium_channel.g_K=20 mS/cm^2") == bare
    assert _run()["states"]["V"]["values"] != bare["states"]["V"]["values"]  # the file's g_K is 36 mS/cm^2
    protocols = {}
    for spelling in ("g_K", "potassium_channel.g_K"):
        path = tmp_path / f"{spelling}.toml"
        path.write_text(f'steps = [{{ at = "0.5 ms", set = {{ "{spelling}" = "20 mS/cm^2" }}, '
                        f'scale = {{ "sodium_channel.g_Na" = 0.5 }} }}]\n', encoding="utf-8")
        protocols[spelling] = _run("--protocol", str(path))
        protocols[spelling].pop("protocol")
    assert protocols["g_K"] == protocols["potassium_channel.g_K"]


@pytest.mark.parametrize("name", ["n", "potassium_channel_n_gate.n"])
def test_a_state_named_in_set_is_told_that_its_value_comes_from_start(name):
    state = ("a state of model hodgkin_huxley_squid_axon_model_1952_modified, not a parameter: --set and protocol "
             "steps change parameters; a run takes the state's value from --start: steady, its value at rest, or "
             "given, the file's initial value")
    assert run_cli("simulate", HH, "--set", f"{name}=0.5", *RUN) == (2, "", f"vrest: error: --set {name} = '0.5': "
                                                                            f"{state}\n")


def test_a_state_named_in_a_protocol_step(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('steps = [{ at = "0.5 ms", set = { "potassium_channel_n_gate.n" = 0.5 } }]\n', encoding="utf-8")
    code, out, err = run_cli("simulate", HH, "--protocol", str(path), *RUN)
    assert (code, out) == (2, "")
    assert err.startswith("vrest: error: --protocol p.toml: steps[1].set.potassium_channel_n_gate.n = 0.5: a state of model "
                          "hodgkin_huxley_squid_axon_model_1952_modified, not a parameter: --set and protocol "
                          "steps change parameters; a run takes the state's value from --start")


@pytest.mark.parametrize("name", ["E_K", "potassium_channel.E_K"])
def test_a_computed_value_is_told_so_with_what_it_is_computed_from(name):
    assert run_cli("simulate", HH, "--set", f"{name}=-80 mV", *RUN) == (
        2, "", f"vrest: error: --set {name} = '-80 mV': computed in the file from other values, not a parameter: "
               "set what it is computed from (E_R)\n")
    assert run_cli("sweep", HH, "--vary", f"{name}=-90,-77 mV") == (
        2, "", f"vrest: error: --vary = '{name}': computed in the file from other values, not a parameter: "
               "vary what it is computed from (E_R)\n")


def test_a_near_miss_gets_the_nearest_name_even_of_a_state():
    """The nearest name, and where to see them all: the error listed every parameter with its unit (about 2000
    characters for ten Tusscher's 58)."""
    where = "vrest derive ten_tusscher_model_2006_epi.cellml lists its parameters\n"
    code, out, err = run_cli("simulate", TT, "--set", "Cai=1e-4 mM", *RUN)
    assert (code, out) == (2, "")
    assert err == ("vrest: error: --set Cai = '1e-4 mM': not a parameter of model tentusscher_model_2006_epi; "
                   f"did you mean the state 'Ca_i'? {where}")
    code, out, err = run_cli("sweep", TT, "--vary", "Cai=1..2 mM 2")
    assert err == ("vrest: error: --vary = 'Cai': not a parameter of model tentusscher_model_2006_epi; "
                   f"did you mean the state 'Ca_i'? {where}")
    code, out, err = run_cli("rest", TT, "--set", "gkr=1")  # capitals and underscores aside
    assert code == 2 and "did you mean 'g_Kr'?" in err
    code, out, err = run_cli("rest", TT, "--set", "nonsense_xyz=1")  # nothing near: the first twelve, and a count
    assert code == 2 and len(err) < 400 and "its parameters: R (J/mol/K), T (K), F (C/mmol), Cm (uF)" in err
    assert err.endswith(", and 46 more (vrest derive ten_tusscher_model_2006_epi.cellml lists them all)\n")
