"""The run scripts of a built-in model's NEURON and Brian2 exports take the commands the README and `vrest export
--help` give (`--help`, `run`, `course`, `--scenario`), as a CellML or SBML file's scripts do; a wrong REQUEST key,
state or scenario is one line and exit code 2 (it was a traceback, or a misspelt start silently ignored).

The numbers: squid's rest and its high_K steady state (K_o 100 mM, Na_o 360 mM), roots of the current balance found
with mpmath at 30 digits from the parameters in the exported script: -61.58683340026 and -40.30775800 mV."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from vrest.codegen.exporters import export
from vrest.derive.builtin import resolve_model

REST_MV = -61.58683340026
HIGH_K_MV = -40.30775800


@pytest.fixture(scope="module")
def scripts(tmp_path_factory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("squid_scripts")
    model = resolve_model("squid")
    export(model, "nmodl", directory)
    export(model, "brian2", directory)
    done = subprocess.run([str(Path(sys.executable).parent / "nrnivmodl")], cwd=directory, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return {"neuron": directory / "squid_neuron.py", "brian2": directory / "squid_brian2.py"}


def _run(script: Path, *args: str) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, script.name, *args], cwd=script.parent, capture_output=True, text=True,
                          check=False, env={"PYTHONWARNINGS": "ignore", "PATH": str(Path(sys.executable).parent)})
    errors = [line for line in done.stderr.splitlines() if "DISPLAY" not in line and "No graphics" not in line]
    return done.returncode, done.stdout, "\n".join(errors)


@pytest.mark.parametrize("simulator", ["neuron", "brian2"])
def test_course_and_run_give_v_in_volts_at_rest_and_in_a_scenario(scripts, simulator):
    code, out, err = _run(scripts[simulator], "course", "0.05", "3", "--scenario", "high_K")
    assert code == 0, err
    answer = json.loads(out)
    assert answer["t"] == [0.0, 0.025, 0.05]
    assert answer["V"][0] * 1e3 == pytest.approx(REST_MV, abs=1e-8)
    assert [v * 1e3 for v in answer["V"][1:]] == pytest.approx([HIGH_K_MV] * 2, abs=1e-7)
    code, out, err = _run(scripts[simulator], "0.05")  # SECONDS alone: a run, at rest
    assert code == 0, err
    assert json.loads(out)["V"] * 1e3 == pytest.approx(REST_MV, abs=1e-8)


def test_help_lists_the_commands(scripts):
    code, out, _ = _run(scripts["neuron"], "--help")
    assert code == 0 and "{run,course}" in out and "REQUEST.json" in out
    code, out, _ = _run(scripts["neuron"], "course", "--help")
    assert code == 0 and "--scenario NAME" in out and "one of ouabain, high_K" in out


@pytest.mark.parametrize("simulator", ["neuron", "brian2"])
@pytest.mark.parametrize(("request_", "said"), [
    ({"times": [0, 0.05], "scenario": None, "start": {"Vx": 0}}, ("r.json: start.Vx: not a state of the model; its "
                                                                 "states: V")),
    ({"times": [0, 0.05], "scenario": "nosuch"}, "r.json: scenario = 'nosuch': one of ouabain, high_K"),
    ({"times": [0, 0.05], "scenaro": "high_K"}, "r.json: unknown key 'scenaro'; the keys: times, scenario, start"),
    ({"times": [0.05, 0]}, "r.json: times = [0.05, 0]: a list of times (s) from 0 on, in order"),
    ({"times": [0, 0.05], "start": {"V": "0"}}, "r.json: start.V = '0': not a finite number"),
])
def test_a_wrong_request_is_one_line_and_exit_2(scripts, simulator, request_, said):
    script = scripts[simulator]
    (script.parent / "r.json").write_text(json.dumps(request_), encoding="utf-8")
    code, out, err = _run(script, "r.json")
    assert (code, out, err) == (2, "", f"{script.name}: error: {said}")


@pytest.mark.parametrize(("args", "said"), [
    (["run", "0.1", "--scenario", "nosuch"], ("squid_neuron.py run: error: argument --scenario: invalid choice: "
                                             "'nosuch' (choose from 'ouabain', 'high_K')")),
    (["course", "0.5", "1"], ("squid_neuron.py course: error: argument POINTS: POINTS must be from 2 (the start and "
                             "the end) to 100000, not 1")),
    (["nosuch.json"], "squid_neuron.py: error: cannot read nosuch.json: No such file or directory"),
])
def test_a_wrong_command_is_one_line_and_exit_2(scripts, args, said):
    assert _run(scripts["neuron"], *args) == (2, "", said)


def test_a_request_still_answers_in_millivolts_from_its_start(scripts):
    """vrest crosscheck's own way in: V (mV) at the times, from V = 0 here."""
    (scripts["neuron"].parent / "start.json").write_text(json.dumps({"times": [0, 0.05], "start": {"V": 0}}),
                                                         encoding="utf-8")
    code, out, err = _run(scripts["neuron"], "start.json")
    assert code == 0, err
    v = json.loads(out)["V"]
    assert v[0] == 0.0 and v[1] == pytest.approx(REST_MV, abs=1e-7)
