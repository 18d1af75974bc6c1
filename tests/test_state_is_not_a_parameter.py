"""A state of a CellML file given where a parameter is wanted (vrest sweep --vary, vrest sensitivity --vary,
vrest simulate --set, a protocol step) is refused in one line of the usual shape, exit code 2: the field and
the value, that it is a state of the model and not a parameter, and what to do instead."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

LR = str(Path(__file__).parent / "models" / "luo_rudy_1991.cellml")  # states V, m, h, j, d, f, X, Cai
VARY = ("a state of model luo_rudy_1991, not a parameter: vrest finds its value at rest; vary a parameter, or start "
        "vrest rest from another value with --start 'Cai=...'")
RUN = ("a state of model luo_rudy_1991, not a parameter: --set and protocol steps change parameters; a run takes the "
       "state's value from --start: steady, its value at rest, or given, the file's initial value")


@pytest.mark.parametrize(("argv", "line"), [
    (("sweep", LR, "--vary", "Cai=0.0001, 0.0002 mM"), f"--vary = 'Cai': {VARY}"),
    (("sweep", LR, "--vary", "intracellular_calcium_concentration.Cai=0.0001, 0.0002 mM"),  # component.variable
     f"--vary = 'intracellular_calcium_concentration.Cai': {VARY}"),
    (("sensitivity", LR, "--vary", "Cai=0.0001..0.0002 mM", "--vary", "g_K1_max=0.5..0.7 mS/cm^2", "--quantity",
      "V_rest"), f"--vary = 'Cai': {VARY}"),
    (("simulate", LR, "--set", "Cai=0.0002 mM", "--t-end", "1 ms"), f"--set Cai = '0.0002 mM': {RUN}"),
    (("simulate", LR, "--protocol", "SET_STATE", "--t-end", "1 ms"), f"--protocol set_state.toml: steps[1].set.Cai = '0.0002 mM': {RUN}"),
], ids=["sweep", "sweep-component.variable", "sensitivity", "simulate-set", "protocol-step"])
def test_a_state_where_a_parameter_is_wanted_is_one_line_of_the_usual_shape(argv, line, tmp_path):
    protocol = tmp_path / "set_state.toml"
    protocol.write_text('steps = [{at = "0 s", set = {Cai = "0.0002 mM"}}]\n')
    argv = [str(protocol) if a == "SET_STATE" else a for a in argv]
    assert run_cli(*argv) == (2, "", f"vrest: error: {line}\n")


def test_an_unknown_name_has_the_same_shape():
    code, out, err = run_cli("sweep", LR, "--vary", "Caix=0.0001, 0.0002 mM")
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert err.startswith("vrest: error: --vary = 'Caix': not a parameter of model luo_rudy_1991; ")
