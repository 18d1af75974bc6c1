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

import numpy as np
import pytest
from vrest.codegen.exporters import export
from vrest.derive.builtin import resolve_model

REST_MV = -61.58683340026
HIGH_K_MV = -40.30775800


def _exported(directory: Path, name: str) -> Path:
    """The model's NEURON and Brian2 exports in ``directory``, NEURON's mechanism compiled."""
    model = resolve_model(name)
    export(model, "nmodl", directory)
    export(model, "brian2", directory)
    done = subprocess.run([str(Path(sys.executable).parent / "nrnivmodl")], cwd=directory, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return directory


@pytest.fixture(scope="module")
def scripts(tmp_path_factory) -> dict[str, Path]:
    directory = _exported(tmp_path_factory.mktemp("squid_scripts"), "squid")
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
    ({"times": [0, 0.05], "scenario": "nosuch"}, 'r.json: scenario = "nosuch": one of ouabain, high_K'),
    ({"times": [0, 0.05], "scenaro": "high_K"}, 'r.json: unknown key "scenaro"; the keys: times, scenario, start'),
    ({"times": [0.05, 0]}, "r.json: times = [0.05, 0]: a list of times (s) from 0 on, in order"),
    ({"times": [0, 0.05], "start": {"V": "0"}}, 'r.json: start.V = "0": not a finite number'),
    ({"times": [0, 0.05], "start": {"V": True}}, "r.json: start.V = true: not a finite number"),
    # a time past the longest run (Brian2 ran for minutes), V in volts, a key twice: one line each
    ({"times": [0, 2e6]}, "r.json: times: 2000000.0 s is past the longest run, 1e+06 s"),
    ({"times": [0, 0.05], "start": {"V": -7000}}, ("r.json: start.V = -7000: not a membrane potential in mV (-70 mV "
                                                   "is -70, not -0.07)")),
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


def _hodgkin_huxley(times_ms: np.ndarray) -> np.ndarray:
    """hh's stimulus scenario (10 uA/cm^2 from 1 to 2 ms) from rest, the equations written out (mV, ms), Radau at
    rtol 1e-12, piece by piece between the pulse's edges."""
    from scipy.integrate import solve_ivp

    def lin(x):
        return 1.0 if x == 0 else x / -np.expm1(-x)

    def rates(v):
        return ((lin((v + 40) / 10), 4 * np.exp(-(v + 65) / 18)),
                (0.07 * np.exp(-(v + 65) / 20), 1 / (1 + np.exp(-(v + 35) / 10))),
                (0.1 * lin((v + 55) / 10), 0.125 * np.exp(-(v + 65) / 80)))

    def hh(t, y, stimulus):
        v, m, h, n = y
        (am, bm), (ah, bh), (an, bn) = rates(v)
        current = 120 * m**3 * h * (v - 50) + 36 * n**4 * (v + 77) + 0.3 * (v + 54.387)
        return [stimulus - current, am * (1 - m) - bm * m, ah * (1 - h) - bh * h, an * (1 - n) - bn * n]

    v_rest = -64.99637933119205  # the root of hh's current balance (mpmath)
    y = [v_rest] + [a / (a + b) for a, b in rates(v_rest)]
    out = np.empty_like(times_ms)
    for start, end, stimulus in ((0.0, 1.0, 0.0), (1.0, 2.0, 10.0), (2.0, float(times_ms[-1]), 0.0)):
        inside = (times_ms >= start) & (times_ms <= end)
        run = solve_ivp(hh, (start, end), y, args=(stimulus,), method="Radau", rtol=1e-12, atol=1e-13,
                        t_eval=times_ms[inside])
        out[inside], y = run.y[0], run.y[:, -1]
    return out


def test_brian2_follows_an_action_potential_at_its_own_step(tmp_path):
    """The script's rk4 step of a gated model: at tau_m/20 (43 us for hh) it missed the spike by up to 0.046 mV,
    unseen by vrest crosscheck, whose dense outputs near the peak shortened the steps; at tau_m/200 the course every
    0.1 ms agrees with the written-out equations to 1e-5 mV."""
    export(resolve_model("hh"), "brian2", tmp_path)
    code, out, err = _run(tmp_path / "hh_brian2.py", "course", "0.006", "61", "--scenario", "stimulus")
    assert code == 0, err
    answer = json.loads(out)
    times_ms = np.array(answer["t"]) * 1e3
    deviation = np.abs(np.array(answer["V"]) * 1e3 - _hodgkin_huxley(times_ms))
    assert np.max(np.array(answer["V"])) * 1e3 > 35  # the spike
    assert np.max(deviation) < 1e-5


@pytest.fixture(scope="module")
def pumpleak(tmp_path_factory) -> Path:
    """pumpleak's NEURON and Brian2 scripts, NEURON's mechanism compiled."""
    return _exported(tmp_path_factory.mktemp("pumpleak_scripts"), "pumpleak")


@pytest.mark.parametrize("script", ["pumpleak_neuron.py", "pumpleak_brian2.py"])
@pytest.mark.parametrize(("start", "said"), [
    ({"Vol": -5}, "start.Vol = -5: must be positive (um3)"),
    ({"N_K": 0}, "start.N_K = 0: must be positive (amol)"),
])
def test_a_start_no_cell_has_is_one_line_and_exit_2(pumpleak, script, start, said):
    """A negative volume ran into pages of CVODE warnings and a traceback (NEURON), a FloatingPointError (Brian2)."""
    (pumpleak / "s.json").write_text(json.dumps({"times": [0, 1], "start": start}), encoding="utf-8")
    code, out, err = _run(pumpleak / script, "s.json")
    assert (code, out, err) == (2, "", f"{script}: error: s.json: {said}")


def test_a_gate_starts_between_0_and_1(scripts):
    """hh's n_K = 1.5 ran, silently."""
    export(resolve_model("hh"), "nmodl", scripts["neuron"].parent / "hh")
    script = scripts["neuron"].parent / "hh" / "hh_neuron.py"
    (script.parent / "g.json").write_text(json.dumps({"times": [0, 0.01], "start": {"n_K": 1.5}}), encoding="utf-8")
    code, out, err = _run(script, "g.json")
    assert (code, out, err) == (2, "", ("hh_neuron.py: error: g.json: start.n_K = 1.5: a gate's fraction open, from 0 "
                                       "to 1"))


def test_a_mechanism_not_compiled_or_older_than_its_mod_file_is_refused(pumpleak, tmp_path):
    """Exported again over a compiled folder, the script ran the old mechanism: -32.7132 mV where the model now
    gives -32.2483 mV, without a word."""
    import os

    export(resolve_model("squid"), "nmodl", tmp_path)
    code, out, err = _run(tmp_path / "squid_neuron.py", "run", "0.01")
    assert (code, out, err) == (2, "", ("squid_neuron.py: error: vrest_squid is not compiled here: run nrnivmodl in "
                                       "this folder first"))
    mod = pumpleak / "vrest_pumpleak.mod"
    later = max(p.stat().st_mtime for p in pumpleak.glob("*/libnrnmech.*")) + 10
    os.utime(mod, (later, later))
    try:
        code, out, err = _run(pumpleak / "pumpleak_neuron.py", "run", "1")
        assert (code, out, err) == (2, "", ("pumpleak_neuron.py: error: vrest_pumpleak.mod is newer than the mechanism "
                                           "compiled from it: run nrnivmodl again in this folder"))
    finally:
        os.utime(mod, (later - 20, later - 20))


def test_a_run_past_what_a_script_takes_is_one_line(pumpleak):
    """run 1e12 ran for minutes without an end (NEURON: 8 s for 1e6 s of pumpleak)."""
    code, out, err = _run(pumpleak / "pumpleak_neuron.py", "run", "1e12")
    assert (code, out, err) == (2, "", ("pumpleak_neuron.py run: error: argument SECONDS: SECONDS must be at most "
                                       "1e+06 s, not 1e12"))


def test_a_cellml_files_neuron_script_refuses_a_mechanism_not_compiled(tmp_path):
    """The same check in the run script of a CellML file's export (its own command line)."""
    from conftest import run_cli

    cellml = Path(__file__).parent / "models" / "luo_rudy_1991.cellml"
    code, _, err = run_cli("export", str(cellml), "--to", "nmodl", "-o", str(tmp_path))
    assert code == 0, err
    assert _run(tmp_path / "luo_rudy_1991_neuron.py", "run", "0.001") == (
        2, "", ("luo_rudy_1991_neuron.py: error: vrest_luo_rudy_1991 is not compiled here: run nrnivmodl in this "
               "folder first"))


def test_a_key_given_twice_in_a_request_is_one_line(scripts):
    """The last value of {"V": -90, "V": -50} won, silently."""
    (scripts["neuron"].parent / "twice.json").write_text('{"times": [0, 0.01], "start": {"V": -90, "V": -50}}',
                                                         encoding="utf-8")
    said = 'squid_neuron.py: error: twice.json: the key "V" is given twice'
    assert _run(scripts["neuron"], "twice.json") == (2, "", said)


def test_a_folder_where_only_another_models_mechanism_is_compiled_is_not_compiled_for_this_one(scripts):
    """pumpleak exported where squid was compiled was "newer than the mechanism compiled from it"."""
    folder = scripts["neuron"].parent
    export(resolve_model("neuron"), "nmodl", folder)
    code, out, err = _run(folder / "neuron_neuron.py", "run", "0.01")
    assert (code, out, err) == (2, "", ("neuron_neuron.py: error: vrest_neuron is not compiled here: run nrnivmodl "
                                        "in this folder first"))
