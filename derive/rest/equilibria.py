"""Equilibria in a voltage range: bracket, then Newton on the full system.

1. Gates are set to x_inf(V) (derive.rest.elimination); the other states are held at the start.
   The rate of V is then a scalar function r(V); it is evaluated on a fine grid over the range and
   each sign change is narrowed by Brent's method.
2. From each such V (gates at x_inf, other states at the start) damped Newton solves the full
   system, each conservation law replacing the rate of the state it solves for, with the analytic
   Jacobian, in states scaled to order one.
3. Roots that agree are one equilibrium; roots outside the range are dropped.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from .conservation import Law
from .elimination import steady_gates
from .evaluator import Bound

__all__ = ["candidates", "newton", "GRID_STEP", "distinct"]

GRID_STEP = 1e-4  # V: the scan's grid spacing (0.1 mV)
_STEP_TOL = 1e-13  # scaled Newton step at which it has converged
_MAX_STEPS = 100


def _rate_of_v(bound: Bound, voltage: int, base: np.ndarray, gate_indices, v) -> np.ndarray:
    """r(V): rate of V with the gates at x_inf(V), the other states as in ``base``; v scalar or array."""
    v = np.atleast_1d(np.asarray(v, dtype=float))
    y = np.repeat(base[:, None], len(v), axis=1)
    y[voltage] = v
    y = steady_gates(bound, y, gate_indices)
    return bound.f(y)[voltage]


def candidates(bound: Bound, voltage: int, start: np.ndarray, gate_indices,
               v_range: tuple[float, float]) -> list[np.ndarray]:
    """Starting points for Newton: one per sign change of r(V) on the grid over ``v_range``."""
    low, high = v_range
    grid = np.linspace(low, high, max(int(round((high - low) / GRID_STEP)) + 1, 3))
    r = _rate_of_v(bound, voltage, start, gate_indices, grid)
    out = []
    for k in range(len(grid) - 1):
        a, b = r[k], r[k + 1]
        if not (np.isfinite(a) and np.isfinite(b)):
            continue
        if a == 0:
            v = grid[k]
        elif a * b < 0:
            v = brentq(lambda x: float(_rate_of_v(bound, voltage, start, gate_indices, x)[0]),
                       grid[k], grid[k + 1], xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=200)
        else:
            continue
        y = start.copy()
        y[voltage] = v
        out.append(steady_gates(bound, y[:, None], gate_indices)[:, 0])
    if np.isfinite(r[-1]) and r[-1] == 0:
        y = start.copy()
        y[voltage] = grid[-1]
        out.append(steady_gates(bound, y[:, None], gate_indices)[:, 0])
    return out


def _residual(bound: Bound, laws: list[Law], y, scale) -> np.ndarray:
    g = bound.f(y) / scale
    for law in laws:
        g[law.pivot] = (law.c @ y - law.value) / np.abs(law.c * scale).sum()
    return g


def _jacobian(bound: Bound, laws: list[Law], y, scale) -> np.ndarray:
    j = bound.J(y) * scale[None, :] / scale[:, None]
    for law in laws:
        j[law.pivot] = law.c * scale / np.abs(law.c * scale).sum()
    return j


def newton(bound: Bound, laws: list[Law], y0: np.ndarray, scale: np.ndarray) -> np.ndarray | None:
    """An equilibrium of the full system near ``y0`` (the laws held), or None when Newton fails."""
    x = y0 / scale
    y = x * scale
    g = _residual(bound, laws, y, scale)
    if not np.all(np.isfinite(g)):
        return None
    j = _jacobian(bound, laws, y, scale)
    weight = 1.0 / np.maximum(np.abs(j).max(axis=1), 1e-300)  # each row's residual measured as a step in x
    merit = np.linalg.norm(weight * g)
    for _ in range(_MAX_STEPS):
        try:
            step = np.linalg.solve(j, g)
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(step)):
            return None
        damping = 1.0
        while True:
            trial = x - damping * step
            g_trial = _residual(bound, laws, trial * scale, scale)
            trial_merit = np.linalg.norm(weight * g_trial)
            if np.all(np.isfinite(g_trial)) and (trial_merit < merit or damping * np.abs(step).max() < _STEP_TOL):
                break
            damping /= 2
            if damping < 2.0**-30:
                return None
        x, g, merit = trial, g_trial, trial_merit
        if damping * np.abs(step).max() < _STEP_TOL or merit == 0:
            return x * scale
        j = _jacobian(bound, laws, x * scale, scale)
        if not np.all(np.isfinite(j)):
            return None
    return None


def distinct(roots: list[np.ndarray], scale: np.ndarray) -> list[np.ndarray]:
    """One of each group of roots that agree to 1e-8 in every scaled state."""
    out: list[np.ndarray] = []
    for root in roots:
        if all(np.abs((root - kept) / scale).max() > 1e-8 for kept in out):
            out.append(root)
    return out
