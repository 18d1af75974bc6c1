"""Brian2 exports of imported public models, run by Brian2: the rates Brian2 evaluates from the
script's equations at the file's initial state agree with the imported system's (30-digit reference,
tests/imported_reference.py) within 1e-9 relative, and a 0.5 ms rk4 run (steps of 1 us given on the command
line; the script's default is 0.1 us) agrees with SciPy's Radau (rtol 1e-12) on the same system, stimulus off, to
1e-8 of each state's size. (Each run costs Brian2 seconds of code generation before its first step, and then
about a millisecond per step on its NumPy target: 500 steps, not 5000.)"""

from __future__ import annotations

import functools
import json
import subprocess
import sys

import pytest

from imported_reference import PUBLIC, assert_rates_agree, load, radau_states, reference_rates
from vrest.codegen.exporters.systems import export_system


@pytest.fixture(scope="module", params=sorted(PUBLIC))
def exported(request, tmp_path_factory):
    system = load(request.param)
    directory = tmp_path_factory.mktemp(f"brian2_{request.param}")
    (script,) = export_system(system, "brian2", directory)
    return system, script


@functools.cache  # one run of each script and arguments (two tests compare with the 0.5 ms run)
def _brian2(script, *args: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, script.name, *args], cwd=script.parent, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_brian2_rates_at_the_initial_state(exported):
    system, script = exported
    assert_rates_agree(_brian2(script, "rates"), reference_rates(system))


def test_brian2_run_agrees_with_radau(exported):
    system, script = exported
    seconds = 5e-4
    got = _brian2(script, "5e-4", "1e-6")
    y0, end = radau_states(system, seconds)
    for k, state in enumerate(system.states):
        want = end[k]
        assert abs(got[state.symbol.name] - want) <= 1e-8 * max(abs(want), abs(y0[k])), (state.symbol.name, got, want)


@pytest.mark.parametrize("exported", ["hh_1952"], indirect=True)  # the option is the same lines in every script
def test_brian2_run_takes_the_step_given(exported):
    """DT on the command line: 1e-5 s, 50 steps instead of 500, still rk4-close to Radau (its error grows as
    DT^4), and not the finer run's numbers. (One script: each run is a Brian2 process of 2 to 11 s.)"""
    system, script = exported
    fine, coarse = _brian2(script, "5e-4", "1e-6"), _brian2(script, "5e-4", "1e-5")
    y0, end = radau_states(system, 5e-4)
    for k, state in enumerate(system.states):
        assert abs(coarse[state.symbol.name] - end[k]) <= 1e-5 * max(abs(end[k]), abs(y0[k])), state.symbol.name
    assert coarse != fine


def test_a_kept_pulse_is_run_to_its_edges(tmp_path):
    """Hodgkin-Huxley's pulse (10 to 10.5 ms): the rk4 step that started on its end saw the pulse there (the file's
    condition holds at the end too), 0.44 mV off at 11.8 ms on the upstroke with steps of 2 us. The script now stops
    at each edge and takes the pulse at the middle of each interval: its time course (`course 0.0118 5 2e-6`) within
    1e-5 mV of Radau on the file's equations with the stimulus (tests/test_simulate_imported.py)."""
    from test_simulate_imported import _reference

    system = load("hh_1952")
    (script,) = export_system(system, "brian2", tmp_path, keep_stimulus=True)
    times = [0.00295 * k for k in range(5)]
    want = _reference(PUBLIC["hh_1952"], [(0.0, {})], times, stimulus=True, max_step=1e-5)  # mV
    got = _brian2(script, "course", "0.0118", "5", "2e-6")
    assert got["t"] == pytest.approx(times, rel=1e-15)
    assert -20 < want[-1] < 20  # on the upstroke of the action potential the pulse fires
    assert max(abs(v * 1e3 - w) for v, w in zip(got["V"], want)) < 1e-5, (got["V"], want)
    # a step of 0 (it divided by zero) or a negative time (it ran forward, its times negated): one line, exit 2
    done = subprocess.run([sys.executable, script.name, "course", "0.0118", "5", "0"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (2, "") and "Traceback" not in done.stderr
    assert done.stderr.strip().endswith("DT must be a finite time above 0 (s), not 0"), done.stderr
