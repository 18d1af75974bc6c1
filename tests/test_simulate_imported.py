"""``vrest simulate FILE`` on CellML and SBML files: vrest's CVODE on the file's generated module, checked
against SciPy's Radau on the file's equations lambdified here (test_import_rest), with the protocol's
parameter changes and the stimulus written out in the test."""

from __future__ import annotations

import csv
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp

from conftest import run_cli
from test_import_rest import MODELS, _read
from vrest.derive.errors import ModelWarning


HH = "BIOMD0000000020.xml"  # Hodgkin-Huxley 1952 in SBML: V a displacement from rest (0 at the start), in volts


def _simulate(*argv: str) -> dict:
    code, out, err = run_cli("simulate", *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def _reference(name: str, segments, times, start=None, stimulus: bool = False, max_step: float = np.inf,
               stimulus_from: float = 0.0):
    """V (mV) at ``times`` by Radau (rtol 1e-12) on the file's equations, parameters changed in ``segments``:
    [(from time (s), {parameter: SI value})], the stimulus quantity in force when ``stimulus``, in the segments
    from ``stimulus_from`` (s) on."""
    system = _read(MODELS / name)
    t = sp.Symbol("t", real=True)
    names = [p.symbol for p in system.parameters]

    def rates(on: bool):
        """The rates and their Jacobian (SymPy's, of the file's equations written out), as functions."""
        rhs = []
        for state in system.states:
            expr = state.rhs
            for q in reversed(system.quantities):
                value = q.expression if on or q.symbol != system.roles.stimulus else 0
                expr = expr.xreplace({q.symbol: value})
            rhs.append(expr)
        jacobian = sp.Matrix(rhs).jacobian(list(system.state_symbols))
        arguments = [t, list(system.state_symbols), names]  # Python's math on floats: the file's piecewise rates
        return (sp.lambdify(arguments, rhs, modules="math"),  # as if-else, not NumPy's select on arrays
                sp.lambdify(arguments, jacobian, modules=[{"ImmutableDenseMatrix": np.array}, "math"]))

    f_off, f_on = rates(False), rates(stimulus)
    base = {p.name: float(p.value) for p in system.parameters}
    if system.roles.stimulus is not None and system.roles.stimulus.name in base:
        base[system.roles.stimulus.name] = 0.0
    y = np.array([float(s.initial) for s in system.states]) if start is None else np.array(start)
    out, v = [], system.voltage_index
    bounds = [at for at, _ in segments[1:]] + [times[-1]]
    for (at, changes), end in zip(segments, bounds):
        values = [{**base, **changes}[p.name] for p in system.parameters]
        inside = [x for x in times if at <= x < end or (x == end == times[-1])]
        f, jac = f_on if at >= stimulus_from else f_off
        run = solve_ivp(lambda s, x, f=f, p=values: np.array(f(s, x, p), dtype=float), (at, end), y, method="Radau",
                        jac=lambda s, x, jac=jac, p=values: np.array(jac(s, x, p), dtype=float),
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


def test_a_protocol_step_after_the_run_s_end_is_named(tmp_path):
    """A step at 2 s in a 1 s run (a slip for 200 ms) changes nothing in it: said, as for a scenario."""
    protocol = tmp_path / "p10.toml"
    protocol.write_text('at = "2 s"\nset = { g_K = 18 }\n')
    code, _, err = run_cli("simulate", str(MODELS / HH), "--protocol", str(protocol), "--t-end", "1 s")
    assert code == 0, err
    assert err == (f"vrest: warning: protocol {protocol}: step 1 at 2 s is not reached: the run ends at 1 s (give a "
                   "later --t-end or --times to run through it)\n")


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
    (["--reduced"], "--reduced: takes vrest's own models (the time-scale separated model, V slaved to the amounts); a "
                    "CellML or SBML file runs as the file writes it\n"),
    (["--plot", "v.gif"], "--plot = 'v.gif': a .gif file: vrest draws figures as PNG, SVG or PDF"),
    (["--out", "run.txt"], "a .txt file: vrest simulate writes CSV only"),
    (["--set", "I_stim_on=0.5"], "--set I_stim_on"),  # the switch of the stimulus quantity: 0 or 1
    (["--set", "g_K1_max=-1 mS/cm^2"], "g_K1_max is a conductance per area: it must not be negative"),
    (["--set", "V=30 mV"], "--set V = '30 mV': a state of model luo_rudy_1991, not a parameter"),
    (["--set", "T=0 K"], "--set T = '0 K': T is a temperature: it must be positive"),
    (["--set", "Ko=0 mM"], "Ko is a concentration: it must be positive\n"),
    (["--set", "R=-8314 mJ/mol/K"], "--set R = '-8314 mJ/mol/K': R is a gas constant: it must be positive\n"),
    (["--set", "F=0 C/mol"], "--set F = '0 C/mol': F is a Faraday constant: it must be positive\n"),
    (["--set", "stim_period=0 ms"], "--set stim_period = '0 ms': stim_period is the period of the stimulus: it must "
                                    "be positive\n"),
    (["--protocol", "ZERO_PERIOD"], "--protocol zero_period.toml: steps[1].scale.stim_period = 0: the factor makes stim_period 0 ms, "
                                    "stim_period is the period of the stimulus: it "
                                    "must be positive\n"),
    (["--protocol", "SCALED_STATE"], "--protocol scaled_state.toml: steps[1].scale.Cai = 2: a state of model luo_rudy_1991, not a parameter"),
    (["--set", "I_stim_on=1 mV"], "--set I_stim_on = '1 mV': the parameter I_stim_on has no unit in the file"),
    (["--set", "g_K1_max=30 mV"], "--set g_K1_max = '30 mV': unit 'mV' does not convert"),
    (["--protocol", "ZERO_C"], "--protocol zero_c.toml: steps[1].scale.C = 0: the factor makes C 0 uF/cm^2, C is a capacitance per area: it must be positive"),
    (["--protocol", "SCALED"], "steps[1].scale.I_stim_on"),
    (["--protocol", "BIG"], "--protocol big.toml: steps[1].scale.g_Na = 1000000.0: the factor makes g_Na 2.3e+07 "
                              "mS/cm^2, outside the allowed range 1e-12 mS/cm^2 to 1e7 mS/cm^2"),  # not the factor alone
    (["--protocol", "HUGE"], "--protocol huge.toml: steps[1].scale.g_Na = 1e+306: the factor takes g_Na (in SI units) "
                             "beyond the largest number vrest computes with (1.8e308)"),  # 230 S/m^2 x 1e306: a traceback
    (["--set", "g_Na=1e308 mS/cm^2"], "--set g_Na = '1e308 mS/cm^2': is 1.0e+309 in SI units, beyond the largest "
                                      "number vrest computes with (1.8e308)"),  # was "must be a finite number"
    (["--set", "Ko=1e6 mM"], "--set Ko = '1e6 mM': outside the allowed range 1e-15 mM to 1e5 mM: above 1e5 mM (100 M) "
                             "the solution would be denser than any liquid"),
    (["--set", "T=1e10 K"], "--set T = '1e10 K': outside the allowed range 1 K (-272.15 degC) to 647.096 K"),
    (["--set", "g_K1_max=0.3 mS/cm^2", "--set", "g_K1_max=0.6 mS/cm^2"],
     "--set g_K1_max = '0.6 mS/cm^2': g_K1_max is set twice: give each parameter one --set\n"),
])
def test_bad_input_is_one_line_and_exit_2(argv, key, tmp_path, monkeypatch):
    scaled = tmp_path / "scaled.toml"
    scaled.write_text('steps = [{at = "1 s", scale = {I_stim_on = 2}}]\n')
    zero_c = tmp_path / "zero_c.toml"
    zero_c.write_text('steps = [{at = "1 ms", scale = {C = 0}}]\n')
    scaled_state = tmp_path / "scaled_state.toml"
    scaled_state.write_text('steps = [{at = "1 ms", scale = {Cai = 2}}]\n')
    zero_period = tmp_path / "zero_period.toml"
    zero_period.write_text('steps = [{at = "1 ms", scale = {stim_period = 0}}]\n')
    huge = tmp_path / "huge.toml"
    huge.write_text('steps = [{at = "10 ms", scale = {g_Na = 1e306}}]\n')
    big = tmp_path / "big.toml"
    big.write_text('steps = [{at = "10 ms", scale = {g_Na = 1e6}}]\n')
    files = {"SCALED": scaled, "ZERO_C": zero_c, "SCALED_STATE": scaled_state, "ZERO_PERIOD": zero_period, "BIG": big,
             "HUGE": huge}
    argv = [str(files[a]) if a in files else a for a in argv]
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    code, out, err = run_cli("simulate", str(MODELS / "luo_rudy_1991.cellml"), *argv)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and key in err
    assert list(work.iterdir()) == []  # nothing written


@pytest.mark.parametrize(("text", "key"), [
    ('steps = [{at = "1 s", scale = {g_K = -1}}]', "steps[1].scale.g_K"),
    ('steps = [{at = "1 s", set = {nothing = 1}}]', "steps[1].set.nothing"),
    ('steps = [{at = "2 s", set = {I = 1}}, {at = "1 s", set = {I = 0}}]', "steps[2].at"),
    ('steps = [{set = {I = 1}}]', "steps[1].at"),
    ('when = "1 s"', "--protocol p.toml: when = '1 s': unknown key"),
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


def test_an_output_time_an_ulp_after_a_pulse_edge_is_that_moment(tmp_path):
    """The pulse from 100 ms ends at 0.1 + 0.002 = 0.10200000000000001 s; a figure's grid of 3 s has 0.102 s, an ulp
    before. CVODE, restarted at one, was asked to step to the other and refused (CV_TOO_CLOSE): the paced run's
    figure failed. Times within rounding are one moment. Reference: Radau on the file's equations (_reference)."""
    name = "luo_rudy_1991.cellml"
    figure = tmp_path / "paced.png"
    code, _, err = run_cli("simulate", str(MODELS / name), "--stimulus-on", "--t-end", "3 s", "--plot", str(figure))
    assert code == 0, err
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    times = [0.0, 0.1, 0.102, 0.1 + 0.002, 0.2]
    assert times[2] < times[3]
    result = _simulate(str(MODELS / name), "--stimulus-on", "--rtol", "1e-10", "--times",
                       ",".join(f"{t!r} s" for t in times))
    expected = _reference(name, [(0.0, {})], [0.0, 0.1, 0.102, 0.2], _rest_start(name), stimulus=True, max_step=2e-4)
    assert np.allclose(np.delete(result["states"]["V"]["values"], 3), expected, rtol=0, atol=1e-4)
    assert result["states"]["V"]["values"][3] == pytest.approx(expected[2], abs=1e-4)


def _rest_start(name: str) -> list[float]:
    code, out, err = run_cli("rest", str(MODELS / name), "--json")
    (rest,) = json.loads(out)["resting_states"]
    return [rest["states"][s.symbol.name]["value"] * (1e-3 if s.symbol.name == "V" else 1)
            for s in _read(MODELS / name).states]


def test_the_documented_protocol_switches_the_stimulus_on(tmp_path):
    """docs/model-format.md's protocol: K1 halved at 100 ms, restored at 600 ms with set I_stim_on = 1. The file's
    pulse train (from stim_start, every stim_period) fires from the first pulse after 600 ms on, not before."""
    doc = (Path(__file__).resolve().parents[1] / "docs" / "model-format.md").read_text(encoding="utf-8")
    block = next(b for b in (part.split("```")[0] for part in doc.split("```toml")[1:]) if "I_stim_on" in b)
    protocol = tmp_path / "doc.toml"
    protocol.write_text(block)
    name = "luo_rudy_1991.cellml"
    parameters = {p.name: float(p.value) for p in _read(MODELS / name).parameters}
    start, period = parameters["stim_start"], parameters["stim_period"]  # s: 0.1 and 1
    first = start + period * float(np.ceil((0.6 - start) / period))  # the first pulse with the switch on: 1.1 s
    times = [0.0, start + 0.0005, start + 0.002, start + 0.01, 0.5, 0.6, first - 0.05, first + 0.0005, first + 0.002,
             first + 0.01, first + 0.2]
    result = _simulate(str(MODELS / name), "--protocol", str(protocol), "--rtol", "1e-10", "--times",
                       ",".join(f"{t!r} s" for t in times))
    g = parameters["g_K1_max"]
    expected = _reference(name, [(0.0, {}), (0.1, {"g_K1_max": 0.5 * g}), (0.6, {"g_K1_max": g, "I_stim_on": 1})],
                          times, _rest_start(name), stimulus=True, max_step=2e-4, stimulus_from=0.6)
    v = np.array(result["states"]["V"]["values"])
    assert np.allclose(v, expected, rtol=0, atol=1e-4), (v, expected)
    before = [k for k, t in enumerate(times) if t < 0.6]
    assert max(v[before]) < -70 and v[times.index(first + 0.002)] > 0  # an action potential after the switch only


def test_the_stimulus_switched_on_by_a_step_at_0_s_is_on_at_the_start_and_said_twice_is_refused(tmp_path):
    """--json's "stimulus" is the switch at the start: a protocol step at 0 s that sets I_stim_on = 1 has it "on"
    (it said "off"); --stimulus-on beside --set I_stim_on=0 (one says on, the other off) was taken as off."""
    name = str(MODELS / "luo_rudy_1991.cellml")
    protocol = tmp_path / "on.toml"
    protocol.write_text('steps = [{at = "0 s", set = {I_stim_on = 1}}]\n')
    times = ",".join(f"{t} s" for t in (0.0, 0.05, 0.102))
    by_step = _simulate(name, "--protocol", str(protocol), "--times", times)
    assert by_step["stimulus"] == "on" and by_step["states"] == _simulate(name, "--stimulus-on", "--times",
                                                                           times)["states"]
    code, out, err = run_cli("simulate", name, "--stimulus-on", "--set", "I_stim_on=0")
    assert (code, out) == (2, "") and err == ("vrest: error: --set I_stim_on = 0.0: not with --stimulus-on, which sets "
                                              "I_stim_on = 1: give one of them\n")
    off = tmp_path / "off.toml"  # the same said by a step at the start; a later step may stop the pacing
    off.write_text('steps = [{at = "0 s", set = {I_stim_on = 0}}]\n')
    code, out, err = run_cli("simulate", name, "--stimulus-on", "--protocol", str(off))
    assert (code, out) == (2, "") and err == (f"vrest: error: --protocol = '{off}': its step at the start sets "
                                              "I_stim_on, where --stimulus-on sets it to 1: give one of them\n")


def test_another_files_stimulus_switch_is_named_with_this_files(tmp_path):
    """The docs' I_stim_on (Luo-Rudy's switch) in ten Tusscher's protocol: "did you mean 'stim_duration'?" and a
    list without the switch; the switch vrest adds to this file is i_Stim_on (from its stimulus i_Stim)."""
    protocol = tmp_path / "p.toml"
    protocol.write_text('steps = [{ at = "1 s", set = { I_stim_on = 1 } }]\n')
    code, out, err = run_cli("simulate", str(MODELS / "ten_tusscher_model_2006_epi.cellml"), "--protocol",
                             str(protocol))
    assert (code, out) == (2, "") and err == (
        f"vrest: error: --protocol {protocol.name}: steps[1].set.I_stim_on = 1: not a parameter of "
        "ten_tusscher_model_2006_epi.cellml: its stimulus' switch is i_Stim_on (vrest adds it: 0 off, 1 on; "
        "--stimulus-on sets it to 1)\n"), err


def test_the_coarse_output_warning_names_the_first_narrowest_gap_and_not_an_equal_one():
    """O'Hara-Rudy's pulses from 10 ms: its warning named the edges "at 2010 ms and 2010.5 ms", the gap there
    smaller by rounding (as 1.0105 - 1.01 < 0.0105 - 0.01); outputs 5 ms apart beside 5 ms pulses were "more"."""
    from types import SimpleNamespace

    from vrest.codegen.cli.simulate_cmd import warn_coarse

    steps = [SimpleNamespace(at=t) for t in (0.01, 0.0105, 1.01, 1.0105, 2.01, 2.0105)]
    assert 1.0105 - 1.01 < 0.0105 - 0.01
    with pytest.warns(ModelWarning) as caught:
        warn_coarse(steps, np.linspace(0.0, 3.0, 401), "the stimulus' pulse edges")
    assert [str(w.message) for w in caught] == [(
        "the output times are 7.5 ms apart, more than the 0.5 ms between the stimulus' pulse edges at 10 ms and 10.5 "
        "ms: what V does then can fall between two outputs, the largest V too (give --times, or a shorter --t-end)")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_coarse([SimpleNamespace(at=t) for t in (1.0, 1.005, 2.0, 2.005)], np.linspace(0.0, 2.0, 401))


def test_a_refused_start_is_the_only_line(tmp_path):
    """A pacemaker paced from its (missing) stable rest: the coarse-output warning came before the refusal."""
    out = tmp_path / "pm.csv"
    code, stdout, err = run_cli("simulate", str(MODELS / "difrancesco_noble_model_1985.cellml"), "--stimulus-on",
                                "--t-end", "3 s", "--out", str(out))
    assert (code, stdout) == (2, "") and not out.exists()
    assert len(err.splitlines()) == 1 and err.startswith("vrest: error: --start = 'steady'"), err


def test_a_paced_run_too_long_to_find_each_pulse_is_refused(tmp_path):
    """Luo-Rudy 1991 paced for 1e9 s: its 1e9 pulses cannot each be found on the 1e8 points vrest looks at, none
    was, and the run gave the cell's rest at 1e9 s + 150 ms (mid-plateau by its pacing), exit 0 under a warning that
    some pulses "may be missed". A paced run holds at most 5e4 periods of the train (2000 points in each)."""
    out = tmp_path / "long.csv"
    name = str(MODELS / "luo_rudy_1991.cellml")
    code, stdout, err = run_cli("simulate", name, "--stimulus-on", "--times", "0 s,999999999.9 s,1000000000.15 s",
                                "--out", str(out))
    assert (code, stdout) == (2, "") and not out.exists()
    assert err == ("vrest: error: --times = '1000000000.15 s': the run holds 1e+09 periods of the stimulus' pulse "
                   "train (one every 1 s), too many to find each pulse (at most 50000): run at most 5e+04 s, or "
                   "without the stimulus\n")
    code, _, err = run_cli("simulate", name, "--stimulus-on", "--t-end", "1e5 s")
    assert code == 2 and err.startswith("vrest: error: --t-end = '1e5 s': the run holds 100000 periods"), err


def test_set_switch_is_the_stimulus_on():
    """--set I_stim_on=1 is --stimulus-on: the same run, an action potential at the file's first pulse."""
    name = str(MODELS / "luo_rudy_1991.cellml")
    times = ",".join(f"{t} s" for t in (0.0, 0.05, 0.102, 0.11))
    by_set = _simulate(name, "--set", "I_stim_on=1", "--times", times)
    by_option = _simulate(name, "--stimulus-on", "--times", times)
    assert by_set["stimulus"] == "on" and by_set["states"] == by_option["states"]
    assert by_set["states"]["V"]["values"][1] < -80 and by_set["states"]["V"]["values"][2] > 0


def test_a_run_that_breaks_down_is_one_line_with_the_time_reached_and_the_parameters_changed(tmp_path):
    """g_K = -1e12 (a potassium conductance 3e10 times the file's, of the wrong sign): the solver cannot follow."""
    import re

    out_csv = tmp_path / "run.csv"
    code, out, err = run_cli("simulate", str(MODELS / HH), "--start", "given", "--set", "g_K=-1e12",
                             "--out", str(out_csv))
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and not out_csv.exists()
    match = re.fullmatch(r"vrest: error: model = 'hodgkin_huxley_squid_axon_1952': the solver \(CVODE\) gave "
                         r"up at model time t = (\S+) s: the rates were no finite numbers again and again, however "
                         r"short the step \(CV_REPTD_RHSFUNC_ERR\); the parameters that differ from the model's: "
                         r"g_K = -1e\+12\n", err)
    assert match, err
    assert 0 <= float(match.group(1)) < 1.0  # before the end of the run (1 s)


def test_a_changed_parameter_is_named_in_its_unit_and_cvodes_own_warning_is_not_printed(capfd):
    """ten Tusscher with R < 0 (no longer reachable from the command line, which refuses it): CVODE would print
    its own '[WARNING] ... t + h = t' line from C on stdout; the failure is vrest's one line alone."""
    from vrest.codegen.cli.simulate_imported import start_state
    from vrest.codegen.simulation.imported import imported_plan
    from vrest.codegen.simulation.integrate import simulate_module
    from vrest.derive.errors import ModelError

    plan = imported_plan(MODELS / "ten_tusscher_model_2006_epi.cellml")
    module = plan.module()
    start = start_state(plan, module, "steady")
    capfd.readouterr()
    g_k1 = float(module.PARAMETER_VALUES[module.PARAMETER_NAMES.index("g_K1")])  # 5.405 nS/pF = 5405 /s
    with pytest.raises(ModelError) as raised:
        simulate_module(module, module.MODEL, [], start, None, np.linspace(0.0, 0.01, 11),
                        {"R": -8.314, "g_K1": 0.5 * g_k1}, parameter_units=plan.parameter_units)
    said = str(raised.value)
    assert "the solver (CVODE) gave up at model time t = " in said
    assert said.endswith("the parameters that differ from the model's: R = -8.314 J/mol/K, g_K1 = 2.7025 mS/uF")
    captured = capfd.readouterr()
    assert "WARNING" not in captured.out and "WARNING" not in captured.err


def test_a_run_below_minus_140_mv_where_time_constants_overflow(tmp_path):
    """O'Hara-Rudy with 0.7 mM K+ outside falls to about -142 mV in its first second. There exp() in its time
    constants 1/(exp(a) + exp(b)) overflows, and CVODE's Newton failed on a Jacobian of NaN (CV_CONV_FAILURE
    at 27 ms). Reference: Myokit's equations, run by SciPy's BDF."""
    from test_import_rest import _myokit_equations

    name = "ohara_rudy_2011_endo.cellml"
    out = _simulate(str(MODELS / name), "--set", "ko=0.7 mM", "--start", "given", "--times", "0 s,1 s,10 s",
                    "--rtol", "1e-10")
    f, states, second = _myokit_equations(MODELS / name, tmp_path, {"extracellular.ko": 0.7})
    y0 = np.array([s.initial_value(as_float=True) for s in states])
    run = solve_ivp(f, (0.0, 10.0 / second), y0, method="BDF", rtol=1e-11,
                    atol=1e-12 * np.maximum(np.abs(y0), 1e-8), t_eval=[1.0 / second, 10.0 / second])
    assert run.success, run.message
    v = out["states"]["v"]["values"]  # mV, as the file's first state (mV)
    assert v[1] < -140 and v[1:] == pytest.approx(list(run.y[0]), abs=1e-4)


@pytest.mark.parametrize(("value", "message"), [
    ("g_K1=-5.4 nS/pF", "--set g_K1 = '-5.4 nS/pF': g_K1 is a conductance per capacitance (nS/pF) or a rate: it must "
                        "not be negative (0 blocks it)\n"),
    ("k3=-0.06 1/ms", "k3 is a conductance per capacitance (nS/pF) or a rate: it must not be negative"),
    ("g_CaL=-4e-5 L/F/s", "g_CaL is a permeability per capacitance: it must not be negative (0 blocks it)\n"),
    ("k1_prime=-0.15 1/mM^2/ms", "k1_prime is a rate constant: it must not be negative (0 blocks it)\n"),
])
def test_a_whole_cell_models_conductance_per_capacitance_is_not_negative(value, message):
    """ten Tusscher (2006) gives its conductances in nS/pF (a rate's unit), its L-type permeability in L/F/s."""
    code, out, err = run_cli("simulate", str(MODELS / "ten_tusscher_model_2006_epi.cellml"), "--set", value)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and message in err, err


def test_a_value_unusual_for_a_cell_is_used_with_a_warning():
    """The table of ranges vrest's own model files are checked against: 400 K lies above the 122 degC at which any
    cell lives, 20 M of K+ above saturated NaCl; each is said once and used."""
    code, out, err = run_cli("simulate", str(MODELS / "luo_rudy_1991.cellml"), "--set", "T=400 K", "--set",
                             "Ko=20000 mM", "--times", "0 s,1 ms")
    assert code == 0 and out
    assert "vrest: warning: --set T = '400 K' is above 395.15 K (122 degC), unusual for a living cell" in err
    assert "vrest: warning: --set Ko = '20000 mM' is above 6000 mM, unusual for a living cell" in err


def test_a_solver_failure_names_the_stimulus_and_a_tolerance_near_double_precision():
    """The message of a run CVODE gave up on, as `vrest simulate FILE --stimulus-on --rtol 1e-15` gives it: the
    switch of the stimulus is "the stimulus on", not a parameter the file does not have, and the tolerance comes
    first."""
    from types import SimpleNamespace

    from vrest.codegen.simulation.cvode import CvodeError
    from vrest.codegen.simulation.integrate import failure_message

    module = SimpleNamespace(PARAMETER_NAMES=("g_K1", "i_Stim_on"), PARAMETER_VALUES=(5.405, 0.0),
                             STIMULUS=("i_Stim_on", 1.0))
    error = CvodeError("", "CV_TOO_MUCH_WORK", 0, 1.1)
    rows = [np.array([5.405]), np.array([1.0])]
    message = failure_message(module, [(0.0, rows)], error, 1, {"g_K1": "mS/uF", "i_Stim_on": ""}, 1e-15)
    assert message.startswith("the solver (CVODE) gave up at model time t = 1.1 s: --rtol 1e-15 asks for almost "
                              "every digit a double holds (2.2e-16), which the solver may not reach: try 1e-10; ")
    assert message.endswith("(CV_TOO_MUCH_WORK); the parameters that differ from the model's: the stimulus on")
    assert "try 1e-10" not in failure_message(module, [(0.0, rows)], error, 1, None, 1e-8)
    # The file's own values (the stimulus aside): not "check your parameters", but what in a file can cause it
    own = failure_message(module, [(0.0, rows)], error, 1, None, 1e-8)
    assert "parameters far from the model's own" not in own
    assert "with the model's own values, a rate of the file that jumps where a state crosses a threshold" in own
    assert own.endswith("a looser tolerance (--rtol, or --atol alone) takes fewer steps) (CV_TOO_MUCH_WORK); the "
                        "parameters that differ from the model's: the stimulus on")
    changed = failure_message(module, [(0.0, [np.array([50.0]), np.array([1.0])])], error, 1, None, 1e-8)
    assert "e.g. with parameters far from the model's own: check them" in changed and "g_K1 = 50" in changed


def test_every_pulse_of_a_long_paced_run_is_found():
    """ten Tusscher's file paces at 1 Hz with 1 ms pulses from 100 ms on: 3000 s hold 3000 pulses, 6000 edges
    (on 10^6 points only, 1900 of them were found: the points lay 3 ms apart)."""
    from vrest.codegen.cli.simulate_imported import stimulus_edges
    from vrest.codegen.simulation.imported import imported_plan

    plan = imported_plan(MODELS / "ten_tusscher_model_2006_epi.cellml")
    edges = stimulus_edges(plan, plan.module(), {plan.stimulus[0]: plan.stimulus[1]}, 3000.0)
    expected = sorted([0.1 + k for k in range(3000)] + [0.101 + k for k in range(3000)])
    assert np.allclose(edges, expected, rtol=0, atol=1e-12)


def test_pulses_narrower_than_the_first_search_are_found():
    """Luo-Rudy's train with 0.2 ms pulses for 300 s: the first search's 10^6 points lie 0.3 ms apart, and about a
    third of the pulses fell between two (the run skipped the beats at 0.1, 1.1, 300.1 s, ...). The pulses
    found are narrower than 4 of those intervals: the search again on intervals a quarter of a pulse finds all."""
    from vrest.codegen.cli.simulate_imported import stimulus_edges
    from vrest.codegen.simulation.imported import imported_plan

    plan = imported_plan(MODELS / "luo_rudy_1991.cellml")
    edges = stimulus_edges(plan, plan.module(), {plan.stimulus[0]: plan.stimulus[1], "stim_duration": 2e-4}, 300.0)
    expected = sorted([0.1 + k for k in range(300)] + [0.1002 + k for k in range(300)])
    assert np.allclose(edges, expected, rtol=0, atol=1e-12)


def test_a_protocol_step_that_moves_the_pulse_train_moves_its_edges(tmp_path):
    """A step at 50 ms sets stim_start to 5.5 s: the file's 2 ms pulses from 5.5 s on. The edges were sought with
    the values at the start of the run only, so the solver, at rest with long steps, stepped over every pulse.
    Reference: LSODA of Myokit's equations of the file from its rest, pulses integrated with 5 us steps:
    V = -42.23369 mV 1.5 ms into the pulse at 5.5 s and -41.96474 mV into the one at 6.5 s (the --set run agrees)."""
    protocol = tmp_path / "late.toml"
    protocol.write_text('steps = [{at = "50 ms", set = {stim_start = "5500 ms"}}]\n')
    result = _simulate(str(MODELS / "luo_rudy_1991.cellml"), "--stimulus-on", "--protocol", str(protocol),
                       "--times", "0 s,5.5015 s,6.5015 s")
    assert result["states"]["V"]["values"][1:] == pytest.approx([-42.23369, -41.96474], abs=1e-4)


def test_a_pulse_that_starts_on_an_output_time_is_no_span_of_an_ulp():
    """Pulses every 300 ms from 100 ms: the one at 1 s starts at 0.1 + 3 x 0.3 = 0.9999999999999999 s, and CVODE was
    asked to stop there and then at 1 s (CV_TOO_CLOSE: the run refused). An edge within rounding of an
    output time is that time. Reference: the file's equations generated by libcellml, SciPy's BDF with the
    run split at each edge, and NEURON on vrest's export: V = -41.47169 mV at 1 s from the file's state."""
    result = _simulate(str(MODELS / "luo_rudy_1991.cellml"), "--start", "given", "--stimulus-on",
                       "--set", "stim_period=300 ms", "--set", "stim_duration=0.2 ms",
                       "--set", "stim_amplitude=-200 uA/cm^2", "--times", "0 s,1 s,3.7 s,7 s")
    assert result["states"]["V"]["values"][1] == pytest.approx(-41.47169, abs=1e-4)


def test_a_state_without_unit_that_starts_tiny_does_not_make_the_run_crawl():
    """Decker et al. (2009) from its initial state: its inactivated Na+ channel occupancies start at 1e-15 (OI) to
    1e-9, and each state's absolute tolerance was a fraction of its start size, so CVODE resolved them to 1e-25 and
    took 10 us steps at rest (2e5 steps by t = 20 s). A state without a unit counts as a fraction of 1, at least
    1e-3 in size: the run to 3e4 s takes a few hundred steps and ends where runs of Myokit's equations do
    (tests/test_import_rest.py, DECKER_REST: CVODES, BDF and Radau within 1e-11 mV of each other)."""
    from test_import_rest import DECKER_REST

    result = _simulate(str(MODELS / "decker_2009.cellml"), "--start", "given", "--times", "0 s,30000 s")
    assert result["states"]["Vm"]["values"][-1] == pytest.approx(DECKER_REST, abs=1e-6)


def test_a_paced_beat_crosses_rates_that_switch_with_the_state():
    """Faber-Rudy 2000 switches rates where dV/dt passes 150 mV/ms and where APtrack passes 0.2; Cainfluxtrack's rate
    jumps there, and the file starts it at 2.7e-196 mM. Its absolute tolerance, a fraction of that, let CVODE cross
    no switch: the paced run gave up in the first upstroke (CV_TOO_MUCH_WORK at 0.10164 s; from the rest, where it
    is 0, too). A state is now at least 1e-3 of its unit's median in size. Reference: Radau on the file's equations
    with each switch located and the run restarted there (held_branches), from the start vrest's run reports."""
    from held_branches import held_branch_runner

    name = "faber_rudy_2000.cellml"
    system = _read(MODELS / name)
    reference = held_branch_runner(system)
    times = [0.0, 0.1, 0.101, 0.1015, 0.102, 0.105, 0.12, 0.2, 0.3, 0.4]
    for start in ("steady", "given"):
        result = _simulate(str(MODELS / name), "--start", start, "--stimulus-on", "--rtol", "1e-10",
                           "--times", ",".join(f"{t} s" for t in times))
        got = result["states"]
        assert {got[s.symbol.name]["unit"] for s in system.states} == {"mV", "mM", ""}  # SI but for V
        first = [got[s.symbol.name]["values"][0] * (1e-3 if s is system.states[system.voltage_index] else 1)
                 for s in system.states]
        expected, switches = reference(times, first)
        assert switches >= 3  # the upstroke's (dV/dt up past 150 mV/ms, APtrack past 0.18 and 0.2)
        assert np.allclose(got["V"]["values"], expected, rtol=0, atol=1e-4), (start, got["V"]["values"], expected)
        assert max(got["V"]["values"]) > 30  # the upstroke
        # At the pulse's start, 100 ms: the step that ends there took the pulse into it, 1.6e-7 mV from the file's
        # state (the model was shown the switch time itself, where the pulse is on); now the time before it
        assert abs(got["V"]["values"][1] - expected[1]) < 1e-8, (start, got["V"]["values"][1], expected[1])


def test_priebe_beuckelmann_s_paced_beat_is_run_through():
    """Priebe-Beuckelmann 1998 has Faber-Rudy's switches (above) and starts Cainfluxtrack at 7.7e-138 mM: its paced
    run gave up at 0.102878 s. Reference: held_branches' run (above) at rtol 1e-10 from the same rest, computed once
    (16 s): V = 40.025435 mV at 105 ms, -44.368359 mV at 600 ms and -91.091411 mV at 1 s."""
    result = _simulate(str(MODELS / "priebe_beuckelmann_1998.cellml"), "--stimulus-on", "--times",
                       "0 s,0.105 s,0.6 s,1 s")
    assert result["states"]["V"]["values"][1:] == pytest.approx([40.025435, -44.368359, -91.091411], abs=1e-3)


def test_a_state_without_a_unit_is_headed_by_its_name_alone(tmp_path):
    """Luo-Rudy 1991's gates are dimensionless in the file: `m`, not `m []`, in the CSV and the table."""
    path = tmp_path / "lr.csv"
    code, out, err = run_cli("simulate", str(MODELS / "luo_rudy_1991.cellml"), "--times", "0 ms,5 ms", "--out",
                             str(path))
    assert code == 0, err
    with path.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header == ["t [s]", "V [mV]", "m", "h", "j", "d", "f", "X", "Cai [mM]"]
    code, out, err = run_cli("simulate", str(MODELS / "luo_rudy_1991.cellml"), "--times", "0 ms,5 ms")
    assert code == 0, err
    assert out.split("\n")[0].split() == ["t", "[ms]", "V", "[mV]", "m", "h", "j", "d", "f", "X", "Cai", "[mM]"]


def test_a_protocols_warnings_name_its_file_and_the_value_a_factor_makes(tmp_path):
    """Morris-Lecar's gK is 8 mS/cm^2 (BIOMD0000000324): a factor of 1e6 makes it 8e6 mS/cm^2, unusual but
    physical. The warning gave the factor as the value ("gK = 1000000.0 is above 1000 mS/cm^2") and no file."""
    path = tmp_path / "s1.toml"
    path.write_text('steps = [{at = "10 ms", scale = {gK = 1e6}}]\n')
    code, _, err = run_cli("simulate", str(MODELS / "BIOMD0000000324.xml"), "--protocol", str(path), "--t-end",
                             "20 ms", "--json")
    assert code == 0, err
    assert ("vrest: warning: --protocol s1.toml: steps[1].scale.gK = 1000000.0: the factor makes gK 8e+06 mS/cm^2, "
            "above 1000 mS/cm^2, unusual for a living cell") in err
    path.write_text('steps = [{at = "10 ms", scale = {"ions.K.permeability" = 5000}}]\n')  # a vrest model's file
    code, _, err = run_cli("simulate", "squid", "--protocol", str(path), "--t-end", "20 ms", "--json")
    assert code == 0, err
    assert "vrest: warning: --protocol s1.toml: steps[1].scale.ions.K.permeability = 5000 is above 100" in err


def test_a_run_of_a_file_is_plotted_its_potential_above_its_concentrations(tmp_path, monkeypatch):
    """`--plot` for a CellML file (it was refused: "write the run with --out FILE.csv and plot that"): Luo-Rudy 1991
    paced (titled "stimulus on"), V in mV above its one concentration, Cai in mM (0.0002 to 0.0065 mM: a linear
    axis; a log one past a hundredfold), each line the run's own numbers as --json gives them at its times, and the
    stimulus' pulse edges dotted."""
    from vrest.codegen import plotting

    drawn, titles, save = [], [], plotting.save_figure

    def keep(fig, path, key="--plot", dpi=110):
        titles.append(fig.axes[0].get_title())
        drawn.append([(ax.get_ylabel(), ax.get_yscale(), [(line.get_label(), line.get_xdata(), line.get_ydata())
                                                          for line in ax.get_lines()]) for ax in fig.axes])
        return save(fig, path, key, dpi)

    monkeypatch.setattr(plotting, "save_figure", keep)
    lr = (str(MODELS / "luo_rudy_1991.cellml"), "--start", "given", "--t-end", "2 s", "--stimulus-on")
    figure = tmp_path / "lr.png"
    code, out, err = run_cli("simulate", *lr, "--plot", str(figure), "--json")
    assert code == 0, err
    assert err.splitlines()[-1] == str(figure) and figure.read_bytes().startswith(b"\x89PNG")
    # without a figure: the pulses' edges among the steps the output times are too coarse for
    assert ("the output times are 5 ms apart, more than the 2 ms between the stimulus' pulse edges at 100 ms and "
            "102 ms") in err
    run = json.loads(out)
    (v_label, v_scale, v_lines), (c_label, c_scale, c_lines) = drawn[0]
    assert titles == ["luo_rudy_1991.cellml, stimulus on"]  # no protocol was given: none is named
    assert (v_label, v_scale, c_label, c_scale) == ("V (mV)", "linear", "concentration (mM)", "linear")
    (name, t, v), *v_marks = v_lines
    assert name == "V" and list(v) == pytest.approx(run["states"]["V"]["values"], rel=1e-12)
    assert list(t) == pytest.approx(run["t"]["values"], rel=1e-12)  # in s: the run lasts 2 s
    (name, _, cai), *c_marks = c_lines
    assert name == "Cai" and list(cai) == pytest.approx(run["states"]["Cai"]["values"], rel=1e-12)
    edges = sorted({float(line[1][0]) for line in v_marks})
    assert edges[:1] == pytest.approx([0.1]) and len(v_marks) == len(c_marks) >= 2  # the pulses at 0.1 s and 1.1 s
    # The figure alone: its run has 10001 outputs and four in the shortest span between steps (the 2 ms pulse), so
    # the upstroke's peak is drawn. The 401 default times, 5 ms apart, showed 31.3 mV for it; an independent Radau
    # run of the file's equations (rtol 1e-12, restarted at each pulse edge) has 47.0450445 mV at 102 ms.
    code, out, err = run_cli("simulate", *lr, "--plot", str(figure))
    assert code == 0 and out == f"{figure}\n" and "output times" not in err, err
    (_, _, ((_, t, v), *_)), _ = drawn[1]
    assert len(t) == 10001 and max(v) == pytest.approx(47.0450445, abs=1e-4)


@pytest.mark.parametrize("setting, times", [("stim_duration=-0.5 ms", "0..2 s 21"), ("stim_start=5 s", "0..2 s 21"),
                                            (None, "0 s,50 ms")])
def test_a_stimulus_on_whose_train_never_pulses_in_the_run_is_said(setting, times):
    """Luo-Rudy 1991 pulses where stim_start <= t mod stim_period <= stim_start + stim_duration (the file's I_stim;
    its first pulse at 100 ms): with a negative duration, a first pulse after the run or a run that ends before it,
    --stimulus-on paces nothing. The run is right (the cell stays at its rest, -84.547761 mV by the rest engine and
    Myokit's reading of the file: tests/test_import_rest.py); a warning says why nothing happens."""
    code, out, err = run_cli("simulate", str(MODELS / "luo_rudy_1991.cellml"), "--stimulus-on", "--times", times,
                             *(["--set", setting] if setting else []), "--json")
    assert code == 0, err
    end = "2 s" if times.startswith("0..2 s") else "50 ms"  # in the table's unit
    assert f"the stimulus I_stim is on, but 0 from t = 0 to {end}: no pulse" in err
    assert json.loads(out)["states"]["V"]["values"] == pytest.approx([-84.547761] * len(json.loads(out)["t"]["values"]),
                                                                      abs=1e-5)
    code, out, err = run_cli("simulate", str(MODELS / "luo_rudy_1991.cellml"), "--stimulus-on", "--times",
                             "0..200 ms 201", "--json")
    assert code == 0 and "is on, but 0" not in err and max(json.loads(out)["states"]["V"]["values"]) > 0
