"""Where the cell goes from its start: to one of the stable equilibria found, round a limit cycle, or slowly on.

The equilibria and their eigenvalues say where a cell may rest; they do not say whether the cell started from
the file's state gets there. A sinoatrial model can have a stable equilibrium beside the limit cycle its start
lies on (it beats for ever), and a model whose charge leaks through a current no concentration records has no
equilibrium at all, only a slow drift. So the model is run from its start (in compiled code under CVODE where
the evaluator gives such a run, else SciPy's LSODA; both with the analytic Jacobian, every step watched), in
spans that double, until it comes within REACHED of a stable equilibrium (linear stability does
the rest), or V keeps swinging, up and down by more than SWING, over two spans, or the run ends (LONGEST). A slow
approach to rest that moves V by many millivolts in one direction is no swing.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from .bound import Bound

__all__ = ["REACHED", "Fate", "RunFailed", "follow"]

REACHED = 1e-3  # largest |y - y_eq| / (the state's typical size) that counts as arrived
SWING = 1e-3  # V (volts) turning back by more than 1 mV twice in a span of at least OSCILLATION_SPAN: an oscillation
OSCILLATION_SPAN = 10.0  # s
MANY_TURNS = 40  # turns of V in one span that count as an oscillation whatever the span's length (20 periods)
FIRST_SPAN = 0.1  # s
LONGEST = 1e5  # s of model time (28 h): a cell that has not settled by then drifts
EVALUATIONS = 200_000  # of the rates through SciPy, at most (about a second): then the fate is not known
STEPS = 200_000  # of CVODE's in compiled code, at most (0.2-2 s): then the fate is not known
RTOL, ATOL = 1e-8, 1e-10  # the runs' tolerances: relative, and absolute in each state's size
COURSE_POINTS = 96  # states kept from an oscillation's last span, evenly in time (Newton's guesses for equilibria)


class RunFailed(Exception):
    """The run from the start stopped before it told anything, at model time ``t`` (s); the message says why;
    ``state``: the amount that fell below 0, if that was why."""

    def __init__(self, why: str, t: float, state: int | None = None) -> None:
        super().__init__(why)
        self.t, self.state = t, state


class _OverBudget(Exception):
    """More than EVALUATIONS evaluations of the rates."""


@dataclass(frozen=True)
class Fate:
    """``kind``: "rests" (at ``index``, of the stable equilibria given), "oscillates" (V between ``low`` and ``high``;
    ``course``: COURSE_POINTS states of its last span, as columns), "drifts" (V = ``high`` at ``t``, moving at
    ``rate`` V/s; ``end`` the state there) or "unknown" (the run failed at ``t``, for the reason ``why``; ``state``:
    the amount that fell below 0, if that was why); ``t``: model time (s)."""

    kind: str
    t: float
    index: int | None = None
    low: float = float("nan")
    high: float = float("nan")
    rate: float = float("nan")
    course: np.ndarray | None = field(default=None, compare=False, repr=False)
    why: str = ""
    state: int | None = None
    end: np.ndarray | None = field(default=None, compare=False, repr=False)


def follow(bound: Bound, y0: np.ndarray, stable: list[np.ndarray], scale: np.ndarray, voltage: int,
           positive: np.ndarray | None = None) -> Fate:
    """What the model does from ``y0``, ``stable`` the stable equilibria found; ``scale`` each state's size;
    ``positive`` a mask of amounts: a run in which one falls below 0 (a pump that empties the cell of Na+) is no
    cell's, and its fate "unknown"."""
    def arrived(y: np.ndarray) -> int | None:
        return next((k for k, root in enumerate(stable) if np.max(np.abs(y - root) / scale) <= REACHED), None)

    run_span = _CompiledRuns(bound, scale, voltage, positive) if bound.run is not None else \
        _ScipyRuns(bound, scale, voltage, positive)
    y, t, span, swinging, swing_before = np.asarray(y0, dtype=float), 0.0, FIRST_SPAN, 0, 0.0
    while (index := arrived(y)) is None:
        if t >= LONGEST:
            return Fate("drifts", t, low=float(y[voltage]), high=float(y[voltage]), rate=float(bound.f(y)[voltage]),
                        end=y)
        try:
            v, course, y = run_span(y, t, span)
        except RunFailed as failure:
            return Fate("unknown", failure.t, why=str(failure), state=failure.state)
        turns, swing = _turns(v, SWING), float(v.max() - v.min())
        # a long span, or one of many periods (a 0.1 s spike train spends the budget before the spans are long),
        # whose swing has not died away since the span before
        swinging = swinging + 1 if (span >= OSCILLATION_SPAN or turns >= MANY_TURNS) and turns >= 2 and \
            (swinging == 0 or swing >= swing_before / 2) else 0
        swing_before = swing
        if swinging == 2:  # two long spans, each swinging: not a damped approach
            return Fate("oscillates", t + span, low=float(v.min()), high=float(v.max()), course=course)
        t += span
        span = min(2 * span, LONGEST - t)
    return Fate("rests", t, index)


# A span of the run: (V after each step, COURSE_POINTS states evenly in time as columns, the end state); RunFailed
# where the run fails, leaves the cell's domain or spends the budget.
Span = tuple[np.ndarray, np.ndarray, np.ndarray]
NEGATIVE = "an amount that must stay positive fell below 0 (no cell's state)"


class _CompiledRuns:
    """Spans run in compiled code (the evaluator's runner: CVODE, no Python between steps), STEPS steps at most in
    all."""

    def __init__(self, bound: Bound, scale: np.ndarray, voltage: int, positive: np.ndarray | None) -> None:
        self.run, self.atol, self.voltage, self.positive = bound.run, ATOL * scale, voltage, positive
        self.bound, self.left = bound, STEPS

    def __call__(self, y: np.ndarray, t: float, span: float) -> Span:
        course = np.linspace(t, t + span, COURSE_POINTS)
        run = self.run(y, (t, t + span), self.atol, RTOL, self.voltage, self.left, course, self.positive)
        if run.negative:  # seen at the end of a step; where within it, from the span's start
            at, state = _lsoda(self.bound, y, (t, float(run.t[-1])), self.atol, self.positive)[1:]
            raise RunFailed(NEGATIVE, float(run.t[-1]) if at is None else at,
                            _below_zero(run.end, self.positive) if state is None else state)
        if not np.isfinite(run.at).all() or not np.isfinite(run.end).all():
            raise RunFailed("the state left the finite numbers", t)
        self.left -= len(run.t)
        return run.v, run.at.T, run.end


class _ScipyRuns:
    """Spans run by SciPy's LSODA (the rates through Python at every step), EVALUATIONS evaluations in all."""

    def __init__(self, bound: Bound, scale: np.ndarray, voltage: int, positive: np.ndarray | None) -> None:
        self.bound, self.atol, self.voltage, self.positive = bound, ATOL * scale, voltage, positive
        self.calls = 0

    def rates(self, _, x: np.ndarray) -> np.ndarray:
        self.calls += 1
        if self.calls > EVALUATIONS:
            raise _OverBudget
        return self.bound.f(x)

    def __call__(self, y: np.ndarray, t: float, span: float) -> Span:
        try:
            run, at, state = _lsoda(self.bound, y, (t, t + span), self.atol, self.positive, self.rates)
        except _OverBudget:
            raise RunFailed(f"its {EVALUATIONS:,} evaluations of the rates were spent", t) from None
        if at is not None:
            raise RunFailed(NEGATIVE, at, state)
        finite = np.isfinite(run.y).all(axis=0)
        if not finite.all():  # the rates overflowed (a start far out): "success" to LSODA
            raise RunFailed("the state left the finite numbers", float(run.t[np.argmin(finite)]))
        if not run.success:
            raise RunFailed(f"SciPy's LSODA failed: {run.why}", float(run.t[-1]))
        kept = np.searchsorted(run.t, np.linspace(t, t + span, COURSE_POINTS), side="right") - 1
        return run.y[self.voltage], run.y[:, kept], run.y[:, -1]


def _lsoda(bound: Bound, y: np.ndarray, span: tuple[float, float], atol: np.ndarray, positive: np.ndarray | None,
           rates=None):
    """(SciPy's LSODA run from ``y`` over ``span``, the time the first of the ``positive`` amounts reaches 0, which
    one; None, None if none does): every step of the solver's kept (a spike's peak among them), the run stopped
    where an amount reaches 0 (an event: the crossing itself, not the step that passed it). ``run.why``: what
    LSODA said of a failure."""
    from scipy.integrate import solve_ivp  # here: the engine's other paths run without SciPy

    index = np.flatnonzero(positive) if positive is not None else np.zeros(0, dtype=int)
    events = []
    for i in index:
        def emptied(_, x, i=i):
            return x[i]
        emptied.terminal, emptied.direction = True, -1
        events.append(emptied)
    # trial steps may leave the model's domain (LSODA retries); its complaints go into the reason
    with np.errstate(all="ignore"), warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        run = solve_ivp(rates or (lambda _, x: bound.f(x)), span, y, method="LSODA", jac=lambda _, x: bound.J(x),
                        rtol=RTOL, atol=atol, events=events or None)
    run.why = (str(said[-1].message) if said else run.message).strip().rstrip(".")
    hits = [(float(times[0]), int(i)) for times, i in zip(run.t_events or [], index) if len(times)]
    return (run, *min(hits)) if hits else (run, None, None)


def _below_zero(y: np.ndarray, positive: np.ndarray) -> int:
    """The first of the ``positive`` amounts below 0 in ``y``."""
    return int(np.flatnonzero(positive & (y < 0))[0])


def _turns(v: np.ndarray, swing: float) -> int:
    """How often ``v`` turns back by more than ``swing``: none on a slow approach to rest that moves V by many
    millivolts in one direction, one for a single overshoot, two or more in every period of an oscillation."""
    turns, direction, low, high = 0, 0, v[0], v[0]
    for x in v:
        if direction >= 0 and x > high or direction <= 0 and x < low:  # the run goes on
            low, high = min(low, x), max(high, x)
        elif direction >= 0 and high - x > swing:  # turned down
            turns, direction, low = turns + (direction > 0), -1, x
        elif direction <= 0 and x - low > swing:  # turned up
            turns, direction, high = turns + (direction < 0), 1, x
    return turns
