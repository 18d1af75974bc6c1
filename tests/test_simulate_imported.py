"""``vrest simulate FILE`` on CellML and SBML files: vrest's CVODE on the file's generated module, checked
against SciPy's Radau on the file's equations lambdified here (test_import_rest), with the protocol's
parameter changes and the stimulus written out in the test."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp

from conftest import run_cli
from test_import_rest import MODELS, _read

pytestmark = pytest.mark.usefixtures("module_cache")

HH = "BIOMD0000000020.xml"  # Hodgkin-Huxley 1952 in SBML: V a displacement from rest (0 at the start), in volts


def _simulate(*argv: str) -> dict:
    code, out, err = run_cli("simulate", *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def _reference(name: str, segments, times, start=None, stimulus: bool = False, max_step: float = np.inf):
    """V (mV) at ``times`` by Radau (rtol 1e-12) on the file's equations, parameters changed in ``segments``:
    [(from time (s), {parameter: SI value})], the stimulus quantity in force when ``stimulus``."""
    system = _read(MODELS / name)
    t = sp.Symbol("t", real=True)
    names = [p.symbol for p in system.parameters]
    rhs = []
    for state in system.states:
        expr = state.rhs
        for q in reversed(system.quantities):
            value = q.expression if stimulus or q.symbol != system.roles.stimulus else 0
            expr = expr.xreplace({q.symbol: value})
        rhs.append(expr)
    f = sp.lambdify([t, list(system.state_symbols), names], rhs, modules="numpy")
    base = {p.name: float(p.value) for p in system.parameters}
    if system.roles.stimulus is not None and system.roles.stimulus.name in base:
        base[system.roles.stimulus.name] = 0.0
    y = np.array([float(s.initial) for s in system.states]) if start is None else np.array(start)
    out, v = [], system.voltage_index
    bounds = [at for at, _ in segments[1:]] + [times[-1]]
    for (at, changes), end in zip(segments, bounds):
        values = [{**base, **changes}[p.name] for p in system.parameters]
        inside = [x for x in times if at <= x < end or (x == end == times[-1])]
        run = solve_ivp(lambda s, x: np.array(f(s, x, values), dtype=float), (at, end), y, method="Radau",
                        rtol=1e-12, atol=1e-14, t_eval=sorted(set(inside) | {end}), max_step=max_step)
        assert run.success, run.message
        out += [run.y[v][list(run.t).index(x)] * 1e3 for x in inside]
        y = run.y[:, -1]
    return np.array(out)


def test_a_run_from_the_files_state_follows_the_equations():
    times = [0.0, 0.001, 0.002, 0.005, 0.01, 0.02]
    result = _simulate(str(MODELS / HH), "--start", "given", "--rtol", "1e-10",
                       "--times", ",".join(f"{t} s" for t in times))
    assert result["start"] == "given" and result["stimulus"] == "off"
    assert result["solver"]["method"] == "CVODE BDF" and result["t"]["values"] == times
    assert list(result["states"]) == ["V", "m", "h", "n"] and result["states"]["V"]["unit"] == "mV"
    expected = _reference(HH, [(0.0, {})], times)
    assert np.allclose(result["states"]["V"]["values"], expected, rtol=0, atol=1e-6)


def test_protocol_steps_set_and_scale_the_files_parameters_by_name(tmp_path):
    protocol = tmp_path / "protocol.toml"
    protocol.write_text('description = "a current step, then half the K conductance"\n'
                        'steps = [{at = "2 ms", set = {I = 10}}, {at = "6 ms", scale = {g_K = 0.5}, set = {I = 0}}]\n')
    times = [0.0, 0.001, 0.002, 0.003, 0.005, 0.006, 0.008, 0.012]
    result = _simulate(str(MODELS / HH), "--protocol", str(protocol), "--rtol", "1e-10",
                       "--times", ",".join(f"{t} s" for t in times))
    code, out, err = run_cli("rest", str(MODELS / HH), "--json")
    (rest,) = json.loads(out)["resting_states"]
    start = [rest["states"][name]["value"] * (1e-3 if name == "V" else 1) for name in ("V", "m", "h", "n")]
    expected = _reference(HH, [(0.0, {}), (0.002, {"I": 10.0}), (0.006, {"I": 0.0, "g_K": 18.0})], times, start)
    assert result["start"] == "steady" and abs(result["states"]["V"]["values"][0] - rest["V"]) < 1e-9
    assert np.allclose(result["states"]["V"]["values"], expected, rtol=0, atol=1e-6)
    assert max(result["states"]["V"]["values"]) - rest["V"] > 1  # the current step moved V


def test_set_from_the_start_and_the_stimulus_switched_on(tmp_path):
    name = "luo_rudy_1991.cellml"
    times = [0.0, 0.05, 0.1005, 0.102, 0.11, 0.2]
    result = _simulate(str(MODELS / name), "--start", "given", "--stimulus-on", "--set", "g_K1_max=0.3 mS/cm^2",
                       "--rtol", "1e-10", "--times", ",".join(f"{t} s" for t in times))
    assert result["stimulus"] == "on"
    expected = _reference(name, [(0.0, {"g_K1_max": 3.0})], times, stimulus=True, max_step=2e-4)
    assert np.allclose(result["states"]["V"]["values"], expected, rtol=0, atol=1e-4)
    assert max(result["states"]["V"]["values"]) > 0  # the file's pulse at 100 ms fires an action potential
    quiet = _simulate(str(MODELS / name), "--start", "given", "--set", "g_K1_max=0.3 mS/cm^2", "--times",
                      ",".join(f"{t} s" for t in times))
    assert max(quiet["states"]["V"]["values"]) < -70  # without --stimulus-on, no pulse


def test_the_default_start_is_the_stable_rest_and_stays_there(tmp_path):
    name = "cellml2/beeler_reuter_model_1977.cellml"
    code, out, err = run_cli("rest", str(MODELS / name), "--json")
    (rest,) = json.loads(out)["resting_states"]
    result = _simulate(str(MODELS / name), "--t-end", "10 s")
    v = np.array(result["states"]["V"]["values"])
    assert len(v) == 401 and result["t"]["values"][-1] == 10.0
    assert np.all(np.abs(v - rest["V"]) < 1e-6)
    csv_path = tmp_path / "run.csv"
    code, out, err = run_cli("simulate", str(MODELS / name), "--times", "0 s,1 s", "--out", str(csv_path))
    assert code == 0, err
    rows = list(csv.reader(csv_path.read_text().splitlines()))
    assert rows[0][:2] == ["t [s]", "V [mV]"] and len(rows) == 3 and float(rows[2][1]) == pytest.approx(rest["V"])


@pytest.mark.parametrize(("argv", "key"), [
    (["--set", "g_Kx=1 mS/cm^2"], "--set"),
    (["--set", "g_K1_max=1 mV"], "--set g_K1_max"),
    (["--set", "g_K1_max"], "--set"),
    (["--scenario", "ouabain"], "--scenario"),
    (["--plot", "v.png"], "--out FILE.csv"),
    (["--out", "run.txt"], "a .txt file: vrest simulate writes CSV only"),
])
def test_bad_input_is_one_line_and_exit_2(argv, key, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("simulate", str(MODELS / "luo_rudy_1991.cellml"), *argv)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and key in err
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize(("text", "key"), [
    ('steps = [{at = "1 s", scale = {g_K = -1}}]', "steps[1].scale.g_K"),
    ('steps = [{at = "1 s", set = {nothing = 1}}]', "steps[1].set.nothing"),
    ('steps = [{at = "2 s", set = {I = 1}}, {at = "1 s", set = {I = 0}}]', "steps[2].at"),
    ('steps = [{set = {I = 1}}]', "steps[1].at"),
    ('when = "1 s"', "--protocol when"),
    ("steps = [", "--protocol"),
])
def test_bad_protocols_are_one_line_naming_the_key(text, key, tmp_path):
    protocol = tmp_path / "p.toml"
    protocol.write_text(text + "\n")
    code, out, err = run_cli("simulate", str(MODELS / HH), "--protocol", str(protocol))
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and key in err, err


def test_a_pacemaker_has_no_rest_to_start_from_and_runs_from_its_state():
    name = str(MODELS / "noble_model_1962.cellml")
    code, out, err = run_cli("simulate", name)
    assert code == 2 and "oscillates (pacemaker)" in err and "--start given" in err
    result = _simulate(name, "--start", "given", "--t-end", "2 s")
    assert np.ptp(result["states"]["V"]["values"]) > 100  # it fires: action potentials over 100 mV
    code, out, err = run_cli("simulate", str(MODELS / HH), "--stimulus-on")
    assert code == 2 and "--stimulus-on" in err and "--stimulus NAME" in err
    assert Path(name).exists()


def test_a_pulse_from_rest_is_not_stepped_over():
    """From rest the solver takes long steps; the stimulus's edges are where the run stops and restarts."""
    name = "luo_rudy_1991.cellml"
    code, out, err = run_cli("rest", str(MODELS / name), "--json")
    (rest,) = json.loads(out)["resting_states"]
    system = _read(MODELS / name)
    start = [rest["states"][s.symbol.name]["value"] * (1e-3 if s.symbol.name == "V" else 1) for s in system.states]
    times = [0.0, 0.05, 0.101, 0.102, 0.11, 0.5]
    result = _simulate(str(MODELS / name), "--stimulus-on", "--rtol", "1e-10", "--times",
                       ",".join(f"{t} s" for t in times))
    expected = _reference(name, [(0.0, {})], times, start, stimulus=True, max_step=2e-4)
    assert np.allclose(result["states"]["V"]["values"], expected, rtol=0, atol=1e-4)
    assert result["states"]["V"]["values"][3] > 40  # the upstroke of the action potential
