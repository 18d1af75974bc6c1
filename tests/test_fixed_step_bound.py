"""The error bound the cross-check allows a fixed-step simulator (check.fixed_step_bound).

Reference: the exact solution of a one-step method on a relaxation V(t) = V1 + (V0 - V1) e^(-t/tau),
written out here: after n steps of z = dt/tau forward Euler gives V1 + (V0 - V1) (1 - z)^n, and rk4
V1 + (V0 - V1) R(z)^n with R(z) = 1 - z + z^2/2 - z^3/6 + z^4/24 (its stability polynomial).
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from vrest.codegen.crosscheck.check import Course, Job, fixed_step_bound
from vrest.derive.model import ProtocolStep, Scenario

EULER = (lambda z: z * z / 2, lambda z: 1 - z)
RK4 = (lambda z: z ** 5 / 120, lambda z: 1 - z + z ** 2 / 2 - z ** 3 / 6 + z ** 4 / 24)


def _job(times: np.ndarray, modes: list[tuple[float, float]]) -> Job:
    """A step at t = 0 starts relaxations (amplitude V, tau s) from V0 = 0 towards the sum of the amplitudes."""
    reference = np.array([sum(a * (1 - np.exp(-t / tau)) for a, tau in modes) for t in times])
    course = Course(Scenario("step", (ProtocolStep(sp.Integer(0), ()),)), times, reference,
                    tuple(tau for _, tau in modes))
    return Job((course,), {}, 0.0, 0.0)


def _exact_error_mv(times: np.ndarray, modes: list[tuple[float, float]], step: float, growth) -> float:
    """The method's largest error (mV) at ``times`` (whole steps), from its exact discrete solution."""
    worst = 0.0
    for t in times:
        n = round(t / step)
        error = sum(a * (np.exp(-n * step / tau) - growth(step / tau) ** n) for a, tau in modes)
        worst = max(worst, abs(error))
    return worst * 1e3


@pytest.mark.parametrize(("method", "steps_per_tau"), [(EULER, 4000), (RK4, 20), (RK4, 2)],
                         ids=["euler", "rk4", "rk4-coarse"])
def test_bound_holds_and_is_not_vacuous_for_one_relaxation(method, steps_per_tau):
    """Outputs from tau to 10 tau after the step (the V-only job): the bound is above the error, by < 5x."""
    tau, amplitude = 0.01, 0.03
    step = tau / steps_per_tau
    times = np.arange(1, 11) * tau
    modes = [(amplitude, tau)]
    bound = fixed_step_bound(_job(times, modes), step, method[0])
    error = _exact_error_mv(times, modes, step, method[1])
    assert error <= bound <= 5 * error


def test_long_after_the_step_only_the_slow_relaxation_counts():
    """The stiff job: a 1 ms and a 20 s relaxation, Euler at 0.97 ms, outputs 30 s to 5 min after the step.
    The fast one is gone (its Euler error (1 - z)^n with n ~ 3e4 underflows); the bound is the slow one's."""
    modes, step = [(0.02, 1e-3), (0.015, 20.0)], 0.97e-3
    times = np.arange(1, 11) * 30.0
    bound = fixed_step_bound(_job(times, modes), step, EULER[0])
    error = _exact_error_mv(times, modes, step, EULER[1])
    assert error <= bound <= 10 * error
    assert bound < 1e-3  # while V moves by 35 mV


def test_no_step_no_bound():
    times = np.arange(1, 11) * 1.0
    course = Course(Scenario("none", ()), times, np.zeros(10), (1.0,))
    assert fixed_step_bound(Job((course,), {}, 0.0, 0.0), 0.1, EULER[0]) == 0.0
