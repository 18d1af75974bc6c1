"""CVODE past its per-call step limit: a long interval between output times gets the steps it needs.

CVODE stops after cvode.MAX_STEPS steps in one call; the driver calls it again from where it stopped while
model time moves forward, up to max(MAX_STEPS, STEPS_PER_SECOND x the interval's length (s)) steps between
two output times. Here the per-call limit is set small (20 steps), so the textbook pump-leak runs of
tests/test_cvode.py (references: SciPy's Radau at rtol 1e-11 on the right-hand side written out in
tests/test_simulate.py) need many calls in one interval. A run that stops moving forward in time, or uses up
its budget, still fails in one line.
"""

from __future__ import annotations

import ctypes
import re

import numpy as np
import pytest

from tests.conftest import run_cli
from tests.test_cvode import _reference
from vrest.codegen.simulation import cvode
from vrest.codegen.simulation.integrate import simulate
from vrest.derive.builtin import resolve_model
from vrest.derive.errors import ModelError

TIMES = np.array([0.0, 10800.0])  # one interval: 3 h of ouabain rundown


@pytest.fixture
def small_calls(monkeypatch):
    """20 CVODE steps per call: every interval below needs several calls."""
    monkeypatch.setattr(cvode, "MAX_STEPS", 20)
    return monkeypatch


def test_one_long_interval_takes_as_many_calls_as_it_needs(small_calls):
    model = resolve_model("pumpleak")
    small_calls.setattr(cvode, "STEPS_PER_SECOND", 0)  # a budget of one call: the interval needs more
    with pytest.raises(ModelError, match=r"it took more than 0 steps per second of model time \(and at least 20\) "
                                         r"between two output times, .+ \(CV_TOO_MUCH_WORK\)"):
        simulate(model, "ouabain", TIMES, solver="cvode")
    small_calls.undo()
    small_calls.setattr(cvode, "MAX_STEPS", 20)  # the budget: 500000 steps per second of model time
    result = simulate(model, "ouabain", TIMES, solver="cvode")
    np.testing.assert_allclose(result.y, _reference(result.y[:, 0], TIMES), rtol=1e-6, atol=0)


def test_a_batch_continues_block_by_block_and_names_the_set_that_runs_out(small_calls):
    """20 pump rates (two blocks, two threads) relax to their own steady states, each as the textbook; with no
    budget beyond one call, the first set is named."""
    model = resolve_model("pumpleak")
    i_max = float(next(p.value for p in model.parameters if p.name == "I_max"))
    scales = np.linspace(0.5, 1.5, 20)
    times = np.array([0.0, 3600.0])
    batch = simulate(model, None, times, params={"I_max": scales * i_max}, solver="cvode", threads=2)
    for k in (0, 19):
        np.testing.assert_allclose(batch.y[:, k, :], _reference(batch.y[:, 0, 0], times, 1.0, scales[k]),
                                   rtol=1e-6, atol=0)
    small_calls.setattr(cvode, "STEPS_PER_SECOND", 0)
    with pytest.raises(ModelError, match=r"gave up at model time t = \S+ s \(parameter set 0 of 20\): it took more "
                                         r"than 0 steps per second .+ \(CV_TOO_MUCH_WORK\)"):
        simulate(model, None, times, params={"I_max": scales * i_max}, solver="cvode", threads=2)


def test_a_run_out_of_budget_is_one_line_from_the_command_line(small_calls):
    small_calls.setattr(cvode, "STEPS_PER_SECOND", 0)
    code, out, err = run_cli("simulate", "pumpleak", "--scenario", "ouabain", "--times", "0 s,3 h")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    match = re.fullmatch(r"vrest: error: model = 'pumpleak': the solver \(CVODE\) gave up at model time t = "
                         r"(\S+) s: it took more than 0 steps per second of model time \(and at least 20\) between "
                         r"two output times, far more than a firing cell needs \(.+\) \(CV_TOO_MUCH_WORK\); the "
                         r"parameters that differ from the model's: I_max = 0 \(SI\)\n", err)
    assert match, err
    assert 0 < float(match.group(1)) < 10800  # it moved forward, then ran out


@cvode._POINT
def _oscillator(t, y, out, p):  # y'' = -w^2 y, w = p[0] (1/s)
    out[0] = p[0] * y[1]
    out[1] = -p[0] * y[0]


@cvode._POINT
def _oscillator_jacobian(t, y, out, p):
    out[0], out[1], out[2], out[3] = 0.0, p[0], -p[0], 0.0


def test_a_solver_that_no_longer_moves_time_forward_stops(small_calls):
    """An oscillation of 1 ms period from t = 1e20 s: every step CVODE can take (< 1e4 s, the spacing of
    doubles there) leaves t where it is. The run stops after one call of steps instead of spending the
    interval's budget (5e15 steps), and says why."""
    built = cvode.driver()
    with pytest.raises(cvode.CvodeError) as raised:
        cvode._run(built, ctypes.cast(_oscillator, ctypes.c_void_p).value,
                   ctypes.cast(_oscillator_jacobian, ctypes.c_void_p).value, 2, np.array([[[6283.0]]]), np.array([]),
                   np.array([[1.0, 0.0]]), np.array([1e-10, 1e-10]), 1e-8, np.array([1e20, 1e20 + 1e10]), 1)
    error = raised.value
    assert (error.flag, error.parameter_set, error.reached, error.stalled) == ("CV_TOO_MUCH_WORK", 0, 1e20, True)
    assert error.said == ("its last 20 steps did not move model time forward (its step is too small to change t: "
                          "the solution changes faster than it can follow)")
