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

import math
from collections.abc import Callable

import numpy as np
from scipy.linalg.lapack import dgetrf as _getrf, dgetrs as _getrs
from scipy.optimize import brentq

from .conservation import Law, solving_largest
from .elimination import Elimination
from .bound import Bound

__all__ = ["candidates", "Paths", "newton", "pseudo_transient", "GRID_STEP", "BRANCH_STEP",
           "distinct", "resolution"]

GRID_STEP = 1e-4  # V: the scan's grid spacing (0.1 mV)
BRANCH_STEP = 2e-3  # V: the spacing at which the steady state at fixed V is followed (2 mV)
_BRANCH_GAP = 10  # consecutive voltages without a steady state at fixed V that end a branch (20 mV)
_ROUNDING_STEP = 1e-8  # a step this small that no longer lowers the residual: converged to rounding
_ARC_FIRST, _ARC_LONGEST, _ARC_SHORTEST = 1e-2, 0.2, 1e-6  # arclength steps past a fold (scaled states, logs)
_ARC_STEPS, _ARC_CORRECTIONS = 1000, 8
_NO_AMOUNT = 1e-30  # SI: an amount this small has left the cell's states (a path at fixed V that empties it)
_SETTLED_TRIES = 2  # grid voltages each side of a seed's where a first point is sought by pseudo-transient steps
_SETTLED_STRIDE, _SETTLED_MOST = 5, 40  # beyond them, every fifth grid voltage (10 mV), then those between; 40 at most
_CROSSING_STEPS, _CROSSING_WIDTH = 12, 1e-5  # regula falsi on a path for a guess: at most 12 points, to 0.01 mV
_SAME_PATH = 1e-4  # scaled: a steady state at fixed V this near a point of a path followed lies on that path
_GAP_SETTLE_STEPS = 100  # pseudo-transient steps at a voltage no path reached (where nothing settles, all are spent)
_TENFOLD = math.log(10.0)  # the longest step of an amount's logarithm
_STALLED = 8  # Newton steps in which the residual must at least halve, or the run has stalled (no root near)
_NOISE_STEPS = 16  # a step no longer than this many of the steps the residual's rounding alone asks: converged
_NUDGES = (np.array([3.0, -2.0]), np.array([-1.0, 4.0, 2.0]))  # ulps by which states are moved to sample rounding
_ROUNDING_GATE = 1e-6  # a Newton step (scaled) at least this long is no rounding; shorter, its trials sample it
_SHORT_TRIAL = 1.0 / 8  # those trials: at most this share of the step (no curvature in them)


def _rate_of_v(bound: Bound, voltage: int, base: np.ndarray, eliminated: Elimination, v) -> np.ndarray:
    """r(V): rate of V with the gates at x_inf(V), the other states as in ``base``; v scalar or array."""
    v = np.atleast_1d(np.asarray(v, dtype=float))
    y = np.repeat(base[:, None], len(v), axis=1)
    y[voltage] = v
    return bound.f(eliminated.steady(bound, y))[voltage]


def candidates(bound: Bound, voltage: int, start: np.ndarray, eliminated: Elimination,
               v_range: tuple[float, float], step: float = GRID_STEP) -> list[np.ndarray]:
    """Starting points for Newton: one per sign change of r(V) on the grid over ``v_range``, ``step`` apart."""
    low, high = v_range
    grid = np.linspace(low, high, max(int(round((high - low) / step)) + 1, 3))
    r = _rate_of_v(bound, voltage, start, eliminated, grid)
    a, b = r[:-1], r[1:]
    with np.errstate(invalid="ignore"):  # NaN where the rate is not finite: never a sign change
        zero = np.isfinite(a) & np.isfinite(b) & ((a == 0) | (a * b < 0))
    out = []
    for k in np.flatnonzero(zero):  # each grid point where r is 0, each interval where r changes sign
        if a[k] == 0:
            v = grid[k]
        else:
            v = brentq(lambda x: float(_rate_of_v(bound, voltage, start, eliminated, x)[0]),
                       grid[k], grid[k + 1], xtol=1e-9, maxiter=200)  # a start for Newton: to 1e-6 mV
        y = start.copy()
        y[voltage] = v
        out.append(eliminated.steady_point(bound, y))
    if np.isfinite(r[-1]) and r[-1] == 0:
        y = start.copy()
        y[voltage] = grid[-1]
        out.append(eliminated.steady_point(bound, y))
    return out


class _Equations:
    """The residual and Jacobian Newton solves, in scaled states: each rate over its state's scale, each law's
    row (amount - value) over the sum of its scaled coefficients (a step in the scaled states). The laws'
    rows and scales are worked out once: Newton evaluates these many times."""

    def __init__(self, bound: Bound, laws: list[Law], scale: np.ndarray, fixed=None, positive=None) -> None:
        self.bound, self.laws, self.scale = bound, laws, scale
        self.sizes = [np.abs(law.c * scale).sum() for law in laws]
        self.fixed = fixed  # (states, their values): each row y_i - value (V at a point of the branch)
        if fixed is not None:
            self.fixed_scale = scale[fixed[0]]
        # Amounts (concentrations) solved for as their logarithms: a step cannot make one negative, and a
        # tenfold change (the Na+ a cell loads) is a step of order one.
        self.positive = np.flatnonzero(positive) if positive is not None else np.zeros(0, dtype=int)

    def x_of(self, y: np.ndarray) -> np.ndarray:
        x = y / self.scale
        amounts = y[self.positive]  # a guess extrapolated below zero: a millionth of its typical size instead
        x[self.positive] = np.log(np.maximum(amounts, 1e-6 * self.scale[self.positive]))
        return x

    def y_of(self, x: np.ndarray) -> np.ndarray:
        y = x * self.scale
        with np.errstate(over="ignore"):  # a wild trial step: an infinite residual, refused
            y[self.positive] = np.exp(x[self.positive])
        return y

    def dy_dx(self, x: np.ndarray) -> np.ndarray:
        d = self.scale.copy()
        with np.errstate(over="ignore"):
            d[self.positive] = np.exp(x[self.positive])
        return d

    def longest(self, step: np.ndarray) -> float:
        """The share of ``step`` that changes no amount more than tenfold (1: all of it): a longer step in a
        logarithm leaves the region where the linearisation says anything (an amount to 0 or past exp's range)."""
        if not len(self.positive):
            return 1.0
        largest = np.abs(step[self.positive]).max()
        return 1.0 if not largest > _TENFOLD else _TENFOLD / largest

    def residual(self, x: np.ndarray) -> np.ndarray:
        y = self.y_of(x)
        if len(self.positive) and not np.isfinite(y[self.positive]).all():  # an amount's step past exp's range
            return np.full(len(y), np.nan)
        g = self.bound.f(y) / self.scale
        for law, size in zip(self.laws, self.sizes):
            g[law.pivot] = (law.amount(y) - law.value) / size
        if self.fixed is not None:
            index, values = self.fixed
            g[index] = (y[index] - values) / self.fixed_scale
        return g

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        y, d = self.y_of(x), self.dy_dx(x)
        if not np.isfinite(d).all():  # an amount's step past exp's range, refused as by residual
            return np.full((len(y), len(y)), np.nan)
        j = self.bound.J(y) * d[None, :] / self.scale[:, None]
        for law, size in zip(self.laws, self.sizes):
            j[law.pivot] = law.gradient(y) * d / size
        if self.fixed is not None:
            index = self.fixed[0]
            j[index] = 0.0
            j[index, index] = 1.0
        return j


class _Factored:
    """A matrix's LU factors (LAPACK getrf, as numpy.linalg.solve uses), kept while the matrix is: a Newton step
    with an old Jacobian solves without factoring again."""

    def __init__(self, matrix: np.ndarray) -> None:
        self.matrix = matrix
        self.lu, self.pivots, info = _getrf(matrix)
        self.singular = info != 0

    def solve(self, g: np.ndarray) -> np.ndarray:
        return _getrs(self.lu, self.pivots, g)[0]


def _within_rounding(step: np.ndarray, x: np.ndarray, positive: np.ndarray, resolved: np.ndarray) -> bool:
    """Whether Newton has converged to rounding: the step short (below _ROUNDING_GATE of each state's scale or
    its size there, if larger) and no longer than the rounding of the residual alone asks for (``resolved``: the
    resolution of each scaled state, _resolved). A state with a tiny start value, so a tiny scale, whose rate is a
    difference of larger terms is resolved only to that (Livshitz-Rudy 2007's SR release, scaled by its start's
    1e-20, 1e-28 at rest and 0.026 mM/ms at an unstable equilibrium): a fixed step bound would call such a root
    a failure."""
    size = np.maximum(np.abs(x), 1.0)
    size[positive] = 1.0  # an amount's logarithm: a step in it is a relative step
    return bool(np.all(np.abs(step) < _ROUNDING_GATE * size)
                and np.all(np.abs(step) <= _NOISE_STEPS * resolved + _ROUNDING_STEP * size))


def _resolved(equations: _Equations, factored: _Factored, x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """How far each scaled state is resolved at x: the step the residual's rounding alone asks for. The residual
    is evaluated again with the states moved in their last bits (two fixed patterns, so the answer is the same
    every run); what changes beyond the Jacobian's share is rounding. Infinite where it is not finite."""
    y = equations.y_of(x)
    resolved = np.zeros(len(x))
    for pattern in _NUDGES:
        ulps = np.resize(pattern, len(y))
        moved = equations.x_of(y * (1.0 + ulps * np.finfo(float).eps))
        rounding = equations.residual(moved) - g - factored.matrix @ (moved - x)
        if not np.isfinite(rounding).all():
            return np.full(len(x), np.inf)
        resolved = np.maximum(resolved, np.abs(factored.solve(rounding)))
    return resolved


def resolution(bound: Bound, laws: list[Law], y: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """How far each state of an equilibrium ``y`` is resolved by the rates' rounding (in the states' units):
    two roots that differ by no more than this (times _NOISE_STEPS) are one equilibrium."""
    equations = _Equations(bound, laws, scale)
    x = equations.x_of(y)
    factored = _Factored(equations.jacobian(x))
    if factored.singular or not np.isfinite(factored.matrix).all():
        return np.zeros(len(y))
    return _resolved(equations, factored, x, equations.residual(x)) * scale


def _row_weights(matrix: np.ndarray) -> np.ndarray:
    """1 / each row's largest entry, the residual's weights; 1 for a row of zeros (a rate no state changes, such
    as a constant ramp of V), which 1/1e-300 made overflow the merit's norm."""
    largest = np.abs(matrix).max(axis=1)
    return np.where(largest == 0, 1.0, 1.0 / np.maximum(largest, 1e-300))  # NaN stays NaN: a merit refused


def _norm(v: np.ndarray) -> float:
    """The 2-norm, as numpy.linalg.norm computes it for a vector, without its checks (Newton's inner loop)."""
    return math.sqrt(v.dot(v))


def newton(bound: Bound, laws: list[Law], y0: np.ndarray, scale: np.ndarray, max_steps: int = 100,
           min_damping: float = 2.0**-30, tolerance: float = 1e-12, reuse: dict | None = None,
           fixed: tuple[np.ndarray, np.ndarray] | None = None, positive: np.ndarray | None = None) -> np.ndarray | None:
    """An equilibrium of the full system near ``y0`` (the laws held), or None when Newton fails.

    Damped: a step is halved until the residual (each row measured as a step in the scaled states)
    falls and stays finite. Converged when the Newton step is below ``tolerance`` of the states' sizes,
    or below 1e-8 and the step no longer lowers the residual (rounding, in a stiff system).
    ``reuse``: a dict that carries the Jacobian from one call to the next (a continuation): it is kept
    while full steps halve the residual, and evaluated afresh when one does not.
    ``fixed``: (states, values) held at those values (in place of their rates).
    ``positive``: a mask of states (amounts) solved for as their logarithms.
    """
    equations = _Equations(bound, laws, scale, fixed, positive)
    x = equations.x_of(y0)
    g = equations.residual(x)
    if not np.isfinite(g).all():
        return None
    factored = None if reuse is None else reuse.get("j")
    fresh = factored is None
    if fresh:
        factored = _Factored(equations.jacobian(x))
    weight = _row_weights(factored.matrix)
    merit = _norm(weight * g)
    size = np.inf
    merits = [merit]  # after each accepted step
    known = {}

    def rounded(tried: list) -> bool:
        """The current step within what the residual's rounding asks for: sampled by nudging the states (once a
        step) and by the line search's own short trials, whose residuals the linear model predicts but for
        rounding (the nudges alone can miss it by 40 times: Livshitz-Rudy's buffered Ca_T)."""
        if size < _ROUNDING_STEP:
            return True
        if not np.all(np.abs(step) < _ROUNDING_GATE * np.maximum(np.abs(x), 1.0)):
            return False
        if known.get("step") is not step:
            known["step"], known["resolved"], known["used"] = step, _resolved(equations, factored, x, g), 0
        for damping, g_trial in tried[known["used"]:]:
            if damping <= _SHORT_TRIAL and np.isfinite(g_trial).all():
                sample = np.abs(factored.solve(g_trial - (1.0 - damping) * g))
                known["resolved"] = np.maximum(known["resolved"], sample)
        known["used"] = len(tried)
        return _within_rounding(step, x, equations.positive, known["resolved"])

    with np.errstate(over="ignore"):  # a wild trial step: an infinite merit, refused below
        for _ in range(max_steps):
            if not np.isfinite(factored.matrix).all() or factored.singular:
                return None
            step = factored.solve(g)
            size = np.abs(step).max()
            if not np.isfinite(size):
                return None
            if size < tolerance:
                break
            if len(merits) > _STALLED and not merits[-1] < merits[-1 - _STALLED] / 2:
                return _kept(reuse, factored, equations.y_of(x)) if rounded([]) else None
            damping = equations.longest(step)
            tried = []
            while True:
                trial = x - damping * step
                g_trial = equations.residual(trial)
                trial_merit = _norm(weight * g_trial)  # NaN or inf where the residual is not finite: refused
                if not fresh and not trial_merit < merit / 2:
                    break  # an old Jacobian that no longer does: evaluate it here and step again
                if trial_merit < merit:
                    break
                tried.append((damping, g_trial))
                if rounded(tried):
                    return _kept(reuse, factored, equations.y_of(x))
                damping /= 2
                if damping < min_damping:
                    return None
            if not fresh and not trial_merit < merit / 2:
                factored, fresh = _Factored(equations.jacobian(x)), True
                continue
            x, g, merit = trial, g_trial, trial_merit
            merits.append(merit)
            if reuse is None:
                factored = _Factored(equations.jacobian(x))
            else:
                fresh = False
        else:
            return _kept(reuse, factored, equations.y_of(x)) if size < _ROUNDING_STEP else None
    return _kept(reuse, factored, equations.y_of(x - step))


def pseudo_transient(bound: Bound, laws: list[Law], y0: np.ndarray, scale: np.ndarray,
                     max_steps: int = 400, fixed: tuple[np.ndarray, np.ndarray] | None = None,
                     tolerance: float = 1e-12, positive: np.ndarray | None = None) -> np.ndarray | None:
    """A stable equilibrium reached from ``y0`` by implicit Euler steps whose length grows as the rates fall
    (pseudo-transient continuation, Kelley & Keyes 1998), then Newton; None if it does not settle.

    Where Newton alone overshoots (a nearly singular Jacobian: a nearly conserved quantity, a stiff
    system far from rest), the steps follow the model's own motion towards rest, and become Newton
    steps once the rates are small. The laws are held exactly at each step; ``fixed`` as for newton
    (at a fixed V: the model's own motion under a voltage clamp).
    """
    rows = np.ones(len(y0))
    rows[[law.pivot for law in laws]] = 0.0  # algebraic rows: the laws
    if fixed is not None:
        rows[fixed[0]] = 0.0
    equations = _Equations(bound, laws, scale, fixed, positive)
    x = equations.x_of(y0)
    g = equations.residual(x)
    if not np.all(np.isfinite(g)):
        return None
    j = equations.jacobian(x)
    weight = _row_weights(j)
    merit = np.linalg.norm(weight * g)
    dt = 1.0 / max(np.abs(np.diag(j)).max(), 1e-300)
    for _ in range(max_steps):
        with np.errstate(over="ignore", invalid="ignore"):  # a wild step from a start far out: refused below
            try:
                step = np.linalg.solve(np.diag(rows * equations.dy_dx(x) / scale / dt) - j, -g)
            except np.linalg.LinAlgError:  # singular at this step length: a shorter one weighs the motion more
                step = np.full(len(x), np.nan)
            trial = x - step
        g_trial = equations.residual(trial)
        if not np.all(np.isfinite(g_trial)) or not np.isfinite(step).all() or equations.longest(step) < 1:
            dt /= 4
            if dt < 1e-300:
                return None
            continue
        with np.errstate(over="ignore"):  # a wild trial step: an infinite merit, refused below
            trial_merit = np.linalg.norm(weight * g_trial)
        if trial_merit > 4 * merit:  # too long a step for the model's motion: shorter
            dt /= 4
            continue
        dt *= max(2.0, min(merit / max(trial_merit, 1e-300), 10.0))  # implicit Euler is stable: longer and longer
        x, g, merit = trial, g_trial, trial_merit
        j = equations.jacobian(x)
        if np.abs(step).max() < _ROUNDING_STEP and dt * np.abs(np.diag(j)).min() > 1e6:
            return newton(bound, laws, equations.y_of(x), scale, fixed=fixed, tolerance=tolerance, positive=positive)
    return None


def _kept(reuse: dict | None, factored: _Factored, y: np.ndarray) -> np.ndarray:
    if reuse is not None:
        reuse["j"] = factored
    return y


class Paths:
    """The paths of steady states at fixed V (every rate but V's zero, the laws held) over a grid of voltages, and
    the guesses for Newton along them.

    From a seed, a first point of the path is found near the seed's V (_first_point); from there V steps
    along a grid over the range (extended to the seeds' V where they lie outside it), both ways; at
    each V Newton solves every rate but that of V (the laws held), starting from the previous point's state
    extrapolated; where that fails, it goes from the last point found in shorter steps of V (_clamped_path),
    and where that fails too, round a fold by arclength (_past_fold). Where the rate of V changes sign
    between two points found (also across voltages where none was found), the path's point where it vanishes
    is a guess (_crossing). A path
    ends at the grid's ends, after 20 mV without a steady state, or where it meets a point already followed.

    A model's steady states at fixed V may lie on several paths that do not meet (Pandit 2001: the path from its
    start ends near -30 mV, and the stable states at -12.53 and -5.84 mV lie on others). So a state is also
    clamped at voltages 10 mV apart (Newton, then the model's own motion under the clamp), and the path through
    the steady state found there followed too (``clamped``).
    """

    def __init__(self, bound: Bound, voltage: int, laws: list[Law], seeds: list[np.ndarray],
                 v_range: tuple[float, float], scale: np.ndarray, eliminated: Elimination,
                 positive: np.ndarray | None = None, step: float = BRANCH_STEP) -> None:
        self.bound, self.voltage, self.laws, self.scale = bound, voltage, laws, scale
        self.eliminated, self.positive = eliminated, positive
        self.grid, self.step = _branch_grid(v_range, [seed[voltage] for seed in seeds], step), step
        self.followed: dict[int, list[np.ndarray]] = {}  # the points found, by grid index

    def through(self, seeds: list[np.ndarray]) -> list[np.ndarray]:
        """The guesses on the paths through ``seeds``."""
        out: list[np.ndarray] = []
        for seed in seeds:
            found = _first_point(self.bound, self.laws, self.scale, self.eliminated, self.voltage, seed, self.grid,
                                 self.positive)
            if found is not None:
                out += self._follow(*found)
        return out

    def clamped(self, state: np.ndarray, everywhere: bool = False) -> list[np.ndarray]:
        """The guesses on the paths through the steady states ``state`` comes to clamped at the voltages 10 mV
        apart that no path reached (by Newton, else by its motion); ``everywhere``: at all of them, by its motion
        alone (the clamped cell settles on the path it is drawn to, which need not be the one followed there)."""
        # each law solving for its largest term there: the start's may be tiny in this state (Pandit 2001's
        # -12.53 mV state solves for P_O2 and Na_i, 6e-17 and 5 mM in its -81.68 mV state)
        laws = solving_largest(self.laws, state, self.voltage)
        out: list[np.ndarray] = []
        for k in range(0, len(self.grid), _SETTLED_STRIDE):
            if k in self.followed and not everywhere:
                continue
            for settle in (True,) if everywhere else (False, True):
                point = _clamped_steady(self.bound, laws, self.scale, self.eliminated, self.voltage, state,
                                        self.grid[k], settle, self.positive, _GAP_SETTLE_STEPS)
                if point is not None:
                    if not self._known(k, point):
                        out += self._follow(k, point, laws)
                    break
        return out

    def _known(self, k: int, point: np.ndarray) -> bool:
        """Whether ``point`` lies on a path followed through grid[k] (to far less than separates two paths there,
        more than the 1e-6 of the states' sizes that Newton at fixed V leaves between two of its solutions)."""
        return any(np.abs((point - known) / self.scale).max() < _SAME_PATH for known in self.followed.get(k, []))

    def _follow(self, origin: int, start: np.ndarray, laws: list[Law] | None = None) -> list[np.ndarray]:
        return _follow(self.bound, laws or self.laws, self.scale, self.eliminated, self.voltage, self.grid, origin,
                       start, self.followed, self.positive, self.step / 8)


def _follow(bound: Bound, laws: list[Law], scale: np.ndarray, eliminated: Elimination, voltage: int,
            grid: np.ndarray, origin: int, start: np.ndarray, followed: dict[int, list[np.ndarray]],
            positive: np.ndarray | None, shortest: float) -> list[np.ndarray]:
    """The guesses of the path through ``start`` (its steady state at grid[origin]) both ways (Paths), in steps
    of V no shorter than ``shortest`` between two grid points; ``followed`` (points by grid index) gains its
    points."""
    if any(np.abs((start - known) / scale).max() < 1e-6 for known in followed.get(origin, [])):
        return []  # this path was followed already
    followed.setdefault(origin, []).append(start)
    out = []
    rate_at_start = bound.f(start)[voltage]
    given = laws
    for direction in (1, -1):
        reuse: dict = {}
        k, failures, previous, before, rate_before = origin + direction, 0, start, None, rate_at_start
        laws = given
        while 0 <= k < len(grid) and failures < _BRANCH_GAP:
            guess = (previous if before is None else 2 * previous - before).copy()
            guess[voltage] = grid[k]
            point = _steady_at(bound, laws, guess, scale, voltage, grid[k], positive, reuse)
            if point is None and failures == 0:
                # Each law solving for its largest term at the last point: the path moves charge between ions, and
                # a law solving for K+, the largest at a bistable cell's start, stalled Newton where the path loads
                # the cell with Na+ (22 mV short of the unstable equilibrium between its two rests). Kept only where
                # it finds the next point: the laws as they were lead round folds to other states (Pandit 2001's).
                there = solving_largest(laws, previous, voltage)
                if [law.pivot for law in there] != [law.pivot for law in laws]:
                    reuse.clear()
                    point = _steady_at(bound, there, guess, scale, voltage, grid[k], positive, reuse)
                    if point is None:
                        point = _clamped_path(bound, there, scale, eliminated, voltage, previous, grid[k], positive,
                                              shortest)
                        reuse.clear()
                    laws = laws if point is None else there
            if point is None and failures == 0:  # from the last point in shorter steps
                point = _clamped_path(bound, laws, scale, eliminated, voltage, previous, grid[k], positive,
                                      shortest)
                reuse.clear()
                if point is None:  # a fold, maybe: the path turns back in V; followed round it by arclength
                    out += _past_fold(bound, laws, scale, voltage, previous, direction, (grid[0], grid[-1]),
                                      positive, lambda a, b, held=laws: _record_between(bound, held, scale, voltage,
                                                                                         grid, a, b, followed, positive))
            elif point is None:  # past a gap: from the last point, the gates at x_inf(V)
                guess = eliminated.steady_point(bound, guess)
                point = _steady_at(bound, laws, guess, scale, voltage, grid[k], positive)
                reuse.clear()
            if point is None:  # none here: on to the next voltage from the last point found
                failures, k, before = failures + 1, k + direction, None
                continue
            if any(np.abs((point - known) / scale).max() < 1e-6 for known in followed.get(k, [])):
                break  # this branch was followed from here on already
            followed.setdefault(k, []).append(point)
            rate = bound.f(point)[voltage]
            if np.isfinite(rate_before) and np.isfinite(rate) and rate_before * rate <= 0:
                out.append(_crossing(bound, laws, scale, voltage, previous, point, positive))
            failures, before, previous, rate_before, k = 0, previous, point, rate, k + direction
    return out


def _first_point(bound: Bound, laws: list[Law], scale: np.ndarray, eliminated: Elimination, voltage: int,
                 seed: np.ndarray, grid: np.ndarray, positive: np.ndarray | None) -> tuple[int, np.ndarray] | None:
    """(grid index, point): a steady state at fixed V as near the seed's V as one is found: by Newton from the
    seed at the grid voltages outwards (up to 20 mV each way), then by the model's own motion with V clamped
    (pseudo-transient continuation, the gates at x_inf(V)) at the nearest five, then every 10 mV across the
    grid and then between, nearest first, 40 voltages at most (a start far from rest, ten Tusscher with
    120 mM Na+, settles with V clamped at -110 mV and below, at -30 mV, and at -10 mV and above, nowhere
    else); None if none is found."""
    nearest = int(np.clip(np.searchsorted(grid, seed[voltage]), 0, len(grid) - 1))
    tries = []
    for distance in range(_BRANCH_GAP + 1):
        for k in dict.fromkeys((nearest - distance, nearest + distance)):
            if 0 <= k < len(grid):
                tries += [(k, False), (k, True)] if distance <= _SETTLED_TRIES else [(k, False)]
    farther = sorted(range(len(grid)), key=lambda k: ((k - nearest) % _SETTLED_STRIDE != 0, abs(k - nearest)))
    tries += [(k, True) for k in farther if abs(k - nearest) > _SETTLED_TRIES][:_SETTLED_MOST]
    for k, settle in tries:
        point = _clamped_steady(bound, laws, scale, eliminated, voltage, seed, grid[k], settle, positive)
        if point is not None:
            return k, point
    return None


def _steady_at(bound: Bound, laws: list[Law], guess: np.ndarray, scale: np.ndarray, voltage: int, v: float,
               positive: np.ndarray | None, reuse: dict | None = None) -> np.ndarray | None:
    """The steady state at fixed V = ``v`` near ``guess`` (Newton on every rate but V's, the laws held), to 1e-6 of
    the states' sizes: a point of a path, and a guess for Newton on the whole system; None if Newton fails."""
    return newton(bound, laws, guess, scale, max_steps=20, min_damping=2.0**-10, tolerance=1e-6, reuse=reuse,
                  fixed=(np.array([voltage]), np.array([v])), positive=positive)


def _clamped_steady(bound: Bound, laws: list[Law], scale: np.ndarray, eliminated: Elimination, voltage: int,
                    seed: np.ndarray, v: float, settle: bool, positive: np.ndarray | None,
                    max_steps: int = 400) -> np.ndarray | None:
    """The steady state with V clamped at ``v`` from ``seed``: by Newton, or (``settle``) by the model's own motion
    (pseudo-transient continuation, the gates at x_inf(V), at most ``max_steps`` steps); None if none is found."""
    fixed = (np.array([voltage]), np.array([v]))
    guess = seed.copy()
    guess[voltage] = v
    if not settle:
        return _steady_at(bound, laws, guess, scale, voltage, v, positive)
    return pseudo_transient(bound, laws, eliminated.steady_point(bound, guess), scale, fixed=fixed, tolerance=1e-6,
                            positive=positive, max_steps=max_steps)


def _crossing(bound: Bound, laws: list[Law], scale: np.ndarray, voltage: int, a: np.ndarray, b: np.ndarray,
              positive: np.ndarray | None) -> np.ndarray:
    """A guess for Newton where the rate of V changes sign between the path's points ``a`` and ``b`` (a grid step
    apart): the path's point where that rate vanishes, by regula falsi in V (Illinois), each point by Newton at
    its fixed V, to _CROSSING_WIDTH; the mean of a and b where Newton fails at once. The mean of two points 2 mV
    apart on a curved path can lie too far from it for Newton (Pandit 2001 near -5.84 mV)."""
    ra, rb = bound.f(a)[voltage], bound.f(b)[voltage]
    best, side = (a + b) / 2, 0
    for _ in range(_CROSSING_STEPS):
        if ra == rb or abs(b[voltage] - a[voltage]) <= _CROSSING_WIDTH:
            break
        guess = a + ra / (ra - rb) * (b - a)
        point = _steady_at(bound, laws, guess, scale, voltage, guess[voltage], positive)
        rate = np.nan if point is None else bound.f(point)[voltage]
        if not np.isfinite(rate):
            break
        best = point
        if rate * ra > 0:  # the root lies between point and b; a side kept twice has its rate halved (Illinois)
            a, ra, rb, side = point, rate, rb / 2 if side == 1 else rb, 1
        else:
            b, rb, ra, side = point, rate, ra / 2 if side == -1 else ra, -1
    return best


def _record_between(bound: Bound, laws: list[Law], scale: np.ndarray, voltage: int, grid: np.ndarray, a: np.ndarray,
                    b: np.ndarray, followed: dict[int, list[np.ndarray]], positive: np.ndarray | None) -> None:
    """The path's points at the grid voltages between the points ``a`` and ``b`` of it (Newton at fixed V from the
    state between them), into ``followed``: a path passed by arclength is known at the grid as one stepped in V."""
    low, high = sorted((a[voltage], b[voltage]))
    for k in np.flatnonzero((grid > low) & (grid <= high)):
        share = (grid[k] - a[voltage]) / (b[voltage] - a[voltage])
        guess = a + share * (b - a)
        point = _steady_at(bound, laws, guess, scale, voltage, grid[k], positive)
        if point is not None:
            followed.setdefault(int(k), []).append(point)


def _past_fold(bound: Bound, laws: list[Law], scale: np.ndarray, voltage: int, start: np.ndarray, direction: int,
               v_limits: tuple[float, float], positive: np.ndarray | None,
               passed: Callable[[np.ndarray, np.ndarray], None] | None = None) -> list[np.ndarray]:
    """Guesses for Newton on the path of steady states at fixed V followed from ``start`` (one of its points),
    V first moving in ``direction``, by arclength (_arclength), so the path is followed where V turns back (a
    fold), which stepping in V cannot pass. Where the rate of V changes sign between two points, their mean is
    a guess. Ends where V leaves ``v_limits``, where an amount falls to _NO_AMOUNT, or where _arclength ends.
    ``passed(a, b)`` is told each step, from point a to point b."""
    equations = _Equations(bound, laws, scale, None, positive)
    rows = np.arange(len(start)) != voltage  # every rate but that of V (the laws in place of their states')
    x = equations.x_of(start)
    along = np.zeros(len(start))
    along[voltage] = 1.0
    tangent = _tangent(equations.jacobian(x)[rows], along)
    tangent *= direction * np.sign(tangent[voltage]) or 1.0
    point, rate, out = start, bound.f(start)[voltage], []
    for z in _arclength(lambda z: equations.residual(z)[rows], lambda z: equations.jacobian(z)[rows], x, tangent):
        found = equations.y_of(z)
        if passed is not None:
            passed(point, found)
        rate_here = bound.f(found)[voltage]
        if np.isfinite(rate) and np.isfinite(rate_here) and rate * rate_here <= 0:
            out.append((point + found) / 2)
        point, rate = found, rate_here
        emptied = positive is not None and not (point[positive] > _NO_AMOUNT).all()
        if emptied or not v_limits[0] <= point[voltage] <= v_limits[1]:
            break
    return out


def _arclength(residual, jacobian, z: np.ndarray, tangent: np.ndarray):
    """The points of the curve residual(z) = 0 (m equations in m + 1 unknowns) from ``z`` on, in the direction
    of ``tangent``, by pseudo-arclength continuation (Keller 1977): each step predicts along the tangent and
    corrects at right angles to it, so the curve is followed where any one unknown turns back. Steps halve
    where the corrector fails and double where it converges fast; ends after _ARC_STEPS steps or where the
    steps would be shorter than _ARC_SHORTEST."""
    h = _ARC_FIRST
    for _ in range(_ARC_STEPS):
        predicted = z + h * tangent
        w, converged = predicted, False
        for iteration in range(_ARC_CORRECTIONS):
            try:
                correction = np.linalg.solve(np.vstack([jacobian(w), tangent]),
                                             np.append(residual(w), tangent @ (w - predicted)))
            except np.linalg.LinAlgError:
                break
            w = w - correction
            if not np.isfinite(correction).all():
                break
            if np.abs(correction).max() < 1e-9:
                converged = True
                break
        if not converged:
            h /= 2
            if h < _ARC_SHORTEST:
                return
            continue
        tangent = _tangent(jacobian(w), tangent)
        z = w
        yield z
        if iteration <= 2:
            h = min(2 * h, _ARC_LONGEST)


def _tangent(jacobian: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """The unit tangent of the path where its n-1 equations have this Jacobian, on the side of ``previous``."""
    n = jacobian.shape[1]
    try:
        t = np.linalg.solve(np.vstack([jacobian, previous]), np.eye(n)[-1])
    except np.linalg.LinAlgError:
        return previous
    return t / _norm(t) if np.isfinite(t).all() and _norm(t) > 0 else previous


def _clamped_path(bound: Bound, laws: list[Law], scale: np.ndarray, eliminated: Elimination, voltage: int,
                  start: np.ndarray, v: float, positive: np.ndarray | None = None,
                  shortest: float = BRANCH_STEP / 8) -> np.ndarray | None:
    """The steady state at fixed V = ``v``, reached from ``start`` (one at another V) in steps of V that halve
    where Newton fails (down to ``shortest``) and grow again where it succeeds; each from the last point
    with the gates at x_inf of the new V. None if the steps would be shorter."""
    point, step = start, v - start[voltage]
    while point[voltage] != v:
        target = v if abs(step) >= abs(v - point[voltage]) else point[voltage] + step
        guess = point.copy()
        guess[voltage] = target
        guess = eliminated.steady_point(bound, guess)
        found = _steady_at(bound, laws, guess, scale, voltage, target, positive)
        if found is None:
            step /= 2
            if abs(step) < shortest:
                return None
        else:
            point, step = found, 2 * step
            point[voltage] = target  # held there; exactly, so that the last step ends the walk
    return point


def _branch_grid(v_range: tuple[float, float], seed_voltages: list[float], step: float) -> np.ndarray:
    """The voltages at which the branches are followed: ``step`` apart over the range, and on at that step
    beyond it as far as the farthest seed (a start outside the range is followed into it)."""
    low, high = v_range
    grid = np.linspace(low, high, max(int(round((high - low) / step)) + 1, 3))
    below = math.ceil(max(0.0, (low - min(seed_voltages, default=low)) / step) - 1e-9)
    above = math.ceil(max(0.0, (max(seed_voltages, default=high) - high) / step) - 1e-9)
    beyond = step * np.arange(1, max(below, above) + 1)
    return np.concatenate([low - beyond[:below][::-1], grid, high + beyond[:above]])


def distinct(roots: list[np.ndarray], scale: np.ndarray,
             resolved: Callable[[np.ndarray], np.ndarray] | None = None) -> list[np.ndarray]:
    """One of each group of roots that agree to 1e-8 in every state, relative to its scale or its largest size
    among the roots if larger (a state with a tiny start, so a tiny scale: Livshitz-Rudy's SR release, 1e-20 at
    the start, 1e-28 at rest and 0.026 mM/ms at an unstable equilibrium), or (``resolved``: the rounding
    resolution of a root's states, see resolution) within what the rates' rounding resolves."""
    out: list[np.ndarray] = []
    size = np.maximum(scale, np.max(np.abs(np.array(roots)), axis=0)) if roots else scale
    for root in roots:
        if all(not _same(root, kept, size, resolved) for kept in out):
            out.append(root)
    return out


def _same(root: np.ndarray, kept: np.ndarray, size: np.ndarray, resolved) -> bool:
    apart = np.abs(root - kept) / size
    if apart.max() <= 1e-8:
        return True
    if resolved is None or apart.max() > 1e-3:  # far apart: no rounding makes them one
        return False
    # Newton stops within _NOISE_STEPS of the resolution of each root; two roots, and an estimate of the rounding
    # from two samples that may be low by half: four times that apart
    return bool(np.all(np.abs(root - kept) <= np.maximum(1e-8 * size, 4 * _NOISE_STEPS * resolved(kept))))
