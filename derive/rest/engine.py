"""find_resting_states: every equilibrium of an ODE system in a voltage range, its stability,
slope conductance and currents, the conservation laws fixed from the start, and a verdict.

``solve`` does the numbers on a RestProblem (derive.rest.problem) with any Evaluator;
``find_resting_states`` builds both from an OdeSystem and calls it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ModelError
from ..limits import RANGES
from .bound import Bound, Evaluator
from .conservation import ConservedQuantity, find_laws, path_laws, solving_largest
from .elimination import elimination
from .equilibria import BRANCH_STEP, GRID_STEP, Paths, candidates, distinct, newton, pseudo_transient, resolution
from .follow import REACHED, Fate, follow
from .problem import RestProblem
from .stability import eigenvalues, is_neutral, is_stable, slope_conductance, slowest_tau

if TYPE_CHECKING:
    from ..system import OdeSystem

__all__ = ["RestingState", "RestReport", "find_resting_states", "solve", "verdict", "DEFAULT_RANGE"]

DEFAULT_RANGE = (-0.150, 0.060)  # V
_NEGLIGIBLE = 1e-30  # SI: a start value this small sets no scale
DISTURBANCE = 1e-6  # of each state's size: a start this near an unstable equilibrium is on it, and moved this far


@dataclass(frozen=True)
class RestingState:
    """One equilibrium of the system with the stimulus off (SI throughout)."""

    V: float  # volts
    states: dict[str, float]  # SI, by state name
    stable: bool
    eigenvalues: tuple[complex, ...]  # 1/s, conservation directions removed, largest real part first
    slowest_tau: float  # s: 1 / min |Re lambda|
    slope_conductance: float | None  # roles.capacitance * -d(dV/dt)/dV, gates at x_inf(V), SI
    currents: tuple[tuple[str, float], ...]  # roles.currents at rest (SI), largest |I| first


@dataclass(frozen=True)
class RestReport:
    system: str
    v_range: tuple[float, float]
    resting_states: tuple[RestingState, ...]  # in order of V
    conserved: tuple[ConservedQuantity, ...]
    verdict: str
    problem: RestProblem | None = field(default=None, compare=False, repr=False)  # names and units for reports
    rest_outside_range: float | None = None  # V (SI) of a stable rest the cell reaches from its start, out of range
    from_start: Fate | None = None  # what the model does from its start (derive.rest.follow); None: not followed


Currents = Callable[[np.ndarray, np.ndarray], np.ndarray]


def find_resting_states(system: OdeSystem, *, v_range: tuple[float, float] = DEFAULT_RANGE,
                        start: Mapping[str, float] | None = None, parameters: Mapping[str, float] | None = None,
                        evaluator: Evaluator | None = None,
                        numbers: Callable[[RestProblem], tuple[Evaluator, Currents]] | None = None,
                        from_start: bool = False) -> RestReport:
    """Every resting state of ``system`` with V in ``v_range`` (volts), the stimulus off.

    ``start`` (SI, by state name) overrides the system's initial values: the values of the
    conservation laws are taken there. ``parameters`` (SI, by name) override parameter values.
    ``evaluator`` computes f and J (default: sympy.lambdify of the system); ``numbers(problem)`` gives
    (evaluator, currents function) for the problem, e.g. from compiled code, in place of both. The rate
    factors always come from the system.
    """
    from .evaluator import LambdifyEvaluator, prepare  # SymPy: solve, on a compiled module, runs without it
    from .prepared_problem import currents_function, factors_function, rest_problem

    prepared = prepare(system, parameters)
    problem = rest_problem(prepared, start)
    if numbers is not None:
        evaluator, currents = numbers(problem)
    else:
        evaluator, currents = evaluator or LambdifyEvaluator(prepared), currents_function(prepared)
    return solve(problem, evaluator, currents, v_range, factors_function(prepared, problem.factored), from_start)


def solve(problem: RestProblem, evaluator: Evaluator,
          currents: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
          v_range: tuple[float, float] = DEFAULT_RANGE,
          factors: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
          from_start: bool = False) -> RestReport:
    """The resting states of ``problem`` (numbers only); ``currents(y, p)`` gives problem.currents (SI),
    ``factors(y, p)`` the rate factors of problem.factored (derive.rest.prepared_problem.factors_function);
    ``from_start``: follow the model from its start where that can change the verdict (derive.rest.follow; what
    `vrest rest` does: a run of the model, cheap in compiled code, seconds with sympy.lambdify)."""
    low, high = (float(v) for v in v_range)
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ModelError("range", f"{low} .. {high} V", "needs two finite voltages, the lower one first")
    volts = 1 if problem.units[problem.voltage] else 1000  # a potential the file gives no unit: in millivolts
    low, high = low * volts, high * volts
    # The grids' spacing in the potential's numbers; for one without unit over as many points as the default range
    # holds (FitzHugh-Nagumo over -3..3 of its own numbers), at most the millivolts' (Chay 1997 over -150..60)
    share = 1.0 if volts == 1 else min(1.0, (high - low) / ((DEFAULT_RANGE[1] - DEFAULT_RANGE[0]) * volts))
    grid_step, branch_step = GRID_STEP * volts * share, BRANCH_STEP * volts * share
    if problem.factored and factors is None:  # without them a law through a buffered total goes unseen
        raise ValueError(f"the problem has rapidly buffered states {problem.factored}: pass their rate factors")
    bound = Bound(evaluator, problem.p, factors)
    known = np.array([v is not None for v in problem.start])
    y0 = np.array([0.0 if v is None else v for v in problem.start])
    if not known[problem.voltage]:
        y0[problem.voltage] = (low + high) / 2
    scale = np.where(y0 != 0, np.abs(y0), 1.0)  # typical size of each state; V: the range's; a gate: 1
    scale[problem.voltage] = max(abs(low), abs(high))
    scale[[*problem.gates, *(i for group in problem.groups for i in group)]] = 1.0
    # In the start's sizes (a tiny state's noise stays tiny), V sampled over the default range too: a law holds for
    # every V, and a narrow range's samples let a fast gate's rate pass for one (Livshitz-Rudy's d over -100..-80 mV)
    laws = find_laws(problem, bound, y0, scale, (min(low, DEFAULT_RANGE[0]), max(high, DEFAULT_RANGE[1])))
    # Newton's: a state that starts at a size no physical quantity has (a gate shut to 1e-112) counts as 1 in size.
    scale[np.abs(y0) <= _NEGLIGIBLE] = 1.0
    for law in laws:
        unknown = [problem.states[i] for i in np.flatnonzero(law.c) if not known[i]]
        if unknown:
            raise ModelError(f"start.{unknown[0]}", None, f"needed: {law.quantity.description.split(' =')[0]} is "
                             "conserved, and its value comes from the start state (give it with --start)")
        if law.pivot == problem.voltage:
            raise ModelError("roles.voltage", problem.states[problem.voltage],
                             "its rate is zero for every state (a clamped voltage): no resting state to find")
    elsewhere: list[np.ndarray] = []  # roots found outside the range: the cell may come to rest at a stable one

    def sized(y: np.ndarray) -> np.ndarray:
        """Each state's size for Newton near ``y``: the start's, or its size there if larger (Pandit 2001 started
        at its own rest, where the RyR's P_O2 is 6e-17, has it at 0.99 at -12.53 mV: measured against 6e-17,
        Newton never converged there and the equilibrium went unreported)."""
        return np.maximum(scale, np.abs(y))

    def solved(guesses) -> list[np.ndarray]:
        roots = [root for root in (newton(bound, laws, guess, sized(guess)) for guess in guesses) if root is not None]
        elsewhere.extend(root for root in roots if not low <= root[problem.voltage] <= high)
        return [polished(root) for root in inside(roots)]

    def polished(root: np.ndarray) -> np.ndarray:
        """The root again with each law solving for its largest term there, where that is not the start's: a
        state the law solves for is known only to the rounding of its largest term (Pandit 2001 at -30.02 mV:
        the RyR occupancy law solved for P_C1, 7e-15 there, beside P_O2 at 0.9993, left the rates of P_O1 and
        P_O2 at 1.6e-10 /s)."""
        there = solving_largest(laws, root, problem.voltage)
        if [law.pivot for law in there] == [law.pivot for law in laws]:
            return root
        again = newton(bound, there, root, sized(root))
        return root if again is None else again

    def settled(guesses) -> list[np.ndarray]:  # where Newton found nothing: follow the model towards rest
        roots = (pseudo_transient(bound, laws, guess, scale) for guess in guesses)
        return [root for root in roots if root is not None]

    def one_each(roots) -> list[np.ndarray]:  # roots that agree to the rates' rounding are one equilibrium
        return distinct(roots, scale, lambda y: resolution(bound, laws, y, scale))

    def inside(roots) -> list[np.ndarray]:
        return [root for root in roots if low <= root[problem.voltage] <= high]

    def physical(roots) -> list[np.ndarray]:  # no amount of an ion below 0 (a pump stronger than its leaks)
        return [root for root in roots if not np.any(root[nonnegative] < -1e-9 * y0[nonnegative])]

    def stable_states(roots) -> list[np.ndarray]:
        return [root for root in one_each(physical(roots)) if is_stable(eigenvalues(bound.J(root), laws, scale, root))]

    eliminated = elimination(problem.gates, problem.groups, laws)
    positive = _amounts(problem, laws, y0)
    # and no rapidly buffered concentration (Paci 2013's Ca_SR at -0.3 mM, where its buffer factor is 0 and so
    # its rate, whatever the fluxes: a root of the equations no cell has)
    nonnegative = positive.copy()
    nonnegative[list(problem.factored)] |= y0[list(problem.factored)] > 0
    # the start itself too: a cell started at an equilibrium (one a narrow range leaves out) is at it
    given = [y0] if np.all(known) else []
    roots = one_each(solved(candidates(bound, problem.voltage, y0, eliminated, (low, high), grid_step) + given))
    if len(eliminated.states) < len(problem.states) - 1:  # states not eliminated: follow them at fixed V
        seeds = roots + [y0]  # the start's own path too: a root found may lie on another branch of it
        # Over the default range too, whatever the range asked: the path may be found only outside it, and a
        # range then holds the equilibria the whole range finds inside it.
        span = (min(low, DEFAULT_RANGE[0]), max(high, DEFAULT_RANGE[1]))
        paths = Paths(bound, problem.voltage, path_laws(laws, bound, y0), seeds, span, scale, eliminated, positive,
                      branch_step)
        roots = one_each(roots + solved(paths.through(seeds) + paths.clamped(y0)))
        # A model with several stable states may hold one on a path that neither the start's nor the other states'
        # paths reach, and no voltage left unreached where the start is clamped (Pandit 2001 started at its own
        # -12.53 mV state: -5.84 mV lies on a path the cell clamped at +10 mV comes to from its -81.68 mV state).
        # So each stable state is clamped at every 10 mV, and the paths it settles on followed.
        clamped_from: list[np.ndarray] = []
        while len(stable := stable_states(roots + elsewhere)) >= 2 and len(stable) > len(clamped_from):
            fresh = [root for root in stable if not any(np.abs((root - seen) / scale).max() < 1e-6
                                                        for seen in clamped_from)]
            clamped_from += fresh
            roots = one_each(roots + solved([guess for root in fresh for guess in paths.clamped(root, True)]))
    # where the cell comes to rest from its start, when nothing stable is found, or the range is narrowed (the
    # start may come to a rest outside it: a bistable cell over -10..10 mV, its start at -50 mV, rests at -80 mV)
    reached: list[np.ndarray] = []
    narrowed = low > DEFAULT_RANGE[0] * volts or high < DEFAULT_RANGE[1] * volts
    if not roots:
        reached = settled([y0])
        found = candidates(bound, problem.voltage, y0, eliminated, (low, high), grid_step)
        roots = one_each(inside(reached + settled(found)))
    elif narrowed or not any(is_stable(eigenvalues(bound.J(root), laws, scale, root)) for root in roots):
        reached = settled([y0])
        roots = one_each(roots + inside(reached))
    def described(roots) -> tuple[list[np.ndarray], tuple[RestingState, ...]]:
        roots = sorted(physical(roots), key=lambda y: y[problem.voltage])
        return roots, tuple(_resting_state(problem, bound, laws, eliminated, root, scale, currents) for root in roots)

    def stable_outside(roots) -> list[np.ndarray]:
        return [root for root in roots if not low <= root[problem.voltage] <= high
                and is_stable(eigenvalues(bound.J(root), laws, scale, root))]

    (roots, resting), reached = described(roots), physical(reached)
    # A stable rest the cell reaches outside the range (O'Hara-Rudy with 0.3 mM K+ outside: -156.03 mV) is named,
    # so that the unstable equilibria inside it are not taken for a pacemaker's.
    outside = next(iter(stable_outside(reached)), None)
    beyond = None if outside is None else float(outside[problem.voltage])
    fate, disturbed = None, None
    stable = [root for root, state in zip(roots, resting) if state.stable]
    # A start: the one given, or V given and the gates (and Markov groups) at their steady state for it, as
    # `vrest simulate --start given` starts a vrest model with channels.
    start = y0 if np.all(known) else eliminated.steady_point(bound, y0) \
        if known[problem.voltage] and set(np.flatnonzero(~known)) <= set(eliminated.states) else None
    if from_start and start is not None:
        # Do the equilibria hold the cell's fate? A stable one may sit beside the limit cycle the start lies on
        # (Zhang 2000's sinoatrial cell beats beside one at -31.34 mV), a model with none may drift on a slow
        # manifold (a current whose charge no concentration records), one whose equilibria are all unstable may
        # circle them (a pacemaker) or run off, and the cell may rest outside the range (Pandit 2001 over
        # -20..0 mV: at -81.68 mV, beside two stable states inside).
        targets = stable + stable_outside(one_each(physical(reached + elsewhere)))
        # Each state's size: its start's, or a thousandth of its largest value at the equilibria (where the model's
        # voltage range takes it) if that is more. Against its start alone, CVODE resolved Decker 2009's inactivated
        # Na+ channels, 1e-15 at rest and 0.02 at -12.66 mV, to 1e-25 and took 10 us steps at rest (2e5 steps by
        # t = 20 s), and failed on Livshitz-Rudy 2007's SR release, 1e-20 mM/ms at the start. V's size is that of
        # the default range: the run does not depend on the range.
        sizes = np.maximum(scale, np.max(np.abs([scale, *roots, *elsewhere]), axis=0) / 1000)
        sizes[problem.voltage] = max(abs(v) for v in DEFAULT_RANGE) * volts
        # A start on an unstable equilibrium: a run from there stays (its implicit steps damp a growing mode too
        # small for the tolerances), where any disturbance takes the cell away. It starts DISTURBANCE of each
        # state's size away, along the fastest-growing mode (Noble 1962 started 1e-9 mV from -37.40 mV).
        on = next((root for root in roots + elsewhere if np.max(np.abs(start - root) / sizes) <= DISTURBANCE
                   and not is_stable(eigenvalues(bound.J(root), laws, scale, root))), None)
        if on is not None:
            start, disturbed = _disturbed(bound, on, sizes), float(on[problem.voltage])
        fate = follow(bound, start, targets, sizes, problem.voltage, positive)
        if fate.kind == "drifts":  # still, beside an equilibrium no search found: a rest, if a stable one
            root = newton(bound, laws, fate.end, sized(fate.end))
            if root is not None and np.max(np.abs(fate.end - root) / sizes) <= REACHED \
                    and is_stable(eigenvalues(bound.J(root), laws, scale, root)):
                if low <= root[problem.voltage] <= high and physical([root]):  # one of the range's resting states
                    roots, resting = described(roots + [root])  # (pumpleak with 0.01 mM of impermeant: -51.80 mV,
                    stable = [r for r, state in zip(roots, resting) if state.stable]  # said to lie outside it)
                    fate = Fate("rests", fate.t, next(k for k, r in enumerate(stable) if r is root))
                else:
                    targets.append(root)
                    fate = Fate("rests", fate.t, len(targets) - 1)
        if fate.kind == "rests" and fate.index >= len(stable):
            beyond = float(targets[fate.index][problem.voltage])
        elif fate.kind == "oscillates":  # its cycle passes near equilibria no path at fixed V reached: Newton from it
            more = one_each(roots + solved(list(fate.course.T)))  # (DiFrancesco-Noble 1985's Ca-overloaded one)
            if len(more) > len(roots):
                roots, resting = described(more)
    # a stable state outside the range that the cell, followed from its start, does not come to: in the verdict only
    reaches_beyond = fate is None or fate.kind == "unknown" or fate.kind == "rests" and fate.index >= len(stable)
    return RestReport(problem.name, (low, high), resting, tuple(law.quantity for law in laws),
                      verdict(resting, (low, high), problem, beyond, fate, disturbed), problem,
                      beyond if reaches_beyond else None, fate)


def _amounts(problem: RestProblem, laws, y0: np.ndarray) -> np.ndarray:
    """A mask of the states a conservation law sums (amounts of ions, of calcium in its buffers: positive) with a
    positive start, V and the gates aside."""
    mask = np.zeros(len(y0), dtype=bool)
    for law in laws:
        mask |= law.c != 0
    mask[[problem.voltage, *problem.gates, *(i for group in problem.groups for i in group)]] = False
    return mask & (y0 > 0)


def _resting_state(problem: RestProblem, bound: Bound, laws, eliminated, y: np.ndarray, scale,
                   currents) -> RestingState:
    jacobian = bound.J(y)
    values = eigenvalues(jacobian, laws, scale, y)
    at_rest = [float(i) for i in (currents(y, bound.p) if currents is not None else ())]
    if problem.current_signs:  # + 0.0: an applied current of 0 is 0, not -0
        at_rest = [v * s + 0.0 for v, s in zip(at_rest, problem.current_signs)]
    if problem.unnamed_current:  # at rest the currents sum to 0 (the stimulus off): the unnamed ones are the rest
        at_rest.append(-math.fsum(at_rest))
    return RestingState(
        V=float(y[problem.voltage]),
        states=dict(zip(problem.states, (float(v) for v in y))),
        stable=is_stable(values),
        eigenvalues=tuple(complex(v) for v in values),
        slowest_tau=slowest_tau(values),
        slope_conductance=slope_conductance(jacobian, problem.voltage, eliminated, problem.capacitance),
        currents=tuple(sorted(zip((n for n, _ in problem.shown_currents), at_rest), key=lambda item: -abs(item[1]))),
    )


def _disturbed(bound: Bound, y: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """``y`` moved DISTURBANCE of each state's size along the fastest-growing mode of the Jacobian there (a mode
    of the motion: the conservation laws hold to first order)."""
    values, vectors = np.linalg.eig(bound.J(y) * sizes[None, :] / sizes[:, None])
    mode = vectors[:, np.argmax(values.real)]
    direction = mode.real if np.any(mode.real) else mode.imag
    return y + DISTURBANCE * sizes * direction / np.abs(direction).max()


def _in_volts(problem: RestProblem, v: float) -> str:
    """V (SI) as the verdict prints it, in the file's unit of V, to 2 decimals."""
    return f"{problem.shown(v, problem.voltage_unit):.2f} {problem.voltage_unit}".rstrip()


def verdict(resting: tuple[RestingState, ...], v_range: tuple[float, float], problem: RestProblem,
            beyond: float | None = None, fate: Fate | None = None, disturbed: float | None = None) -> str:
    """The answer in words: how many stable resting states, or why there is none; ``beyond``: the V of a stable
    rest outside the range that the cell reaches from its start; ``fate``: what the model does from its start;
    ``disturbed``: the V of the unstable equilibrium the start lay on (the cell followed from near it)."""
    text = _with_fate(resting, v_range, problem, beyond, fate)
    if disturbed is None:
        return text
    v = _in_volts(problem, disturbed)
    return (f"{text} (its start is the unstable equilibrium at {v}: the cell is followed from a millionth of each "
            "state's size away, along its fastest-growing mode)")


def _with_fate(resting: tuple[RestingState, ...], v_range: tuple[float, float], problem: RestProblem,
               beyond: float | None, fate: Fate | None) -> str:
    """The verdict on the equilibria, and what the model does from its start."""
    reaches = fate is None or fate.kind == "rests"  # a rest outside the range the cell reaches from its start
    stable = [s for s in resting if s.stable]
    swing = (fate.low, fate.high) if fate is not None and fate.kind == "oscillates" and not stable else None
    stopped = fate is not None and fate.kind == "unknown"  # the run failed: what it would show is not known
    text, told = _verdict(resting, v_range, problem, beyond, reaches, swing, guess=not stopped)
    unit = problem.voltage_unit

    def mv(v: float) -> str:
        return _in_volts(problem, v)

    if stable and fate is not None and fate.kind == "rests" and fate.index >= len(stable):
        return f"{text}; from its start the cell comes to rest at {mv(beyond)}, outside the range"
    if fate is not None and fate.kind == "unknown" and fate.state is not None:  # a pump that empties the cell
        return (f"{text}; from its start {problem.states[fate.state]} falls to 0 at t = {fate.t:.3g} s of model "
                "time (no cell's state after it)")
    if fate is not None and fate.kind == "unknown":  # a start far out (V = -2 V): LR91's rates overflow
        return (f"{text}; the run from its start stopped at t = {fate.t:.3g} s of model time ({fate.why}), so where "
                "the cell goes from there is not known")
    if fate is None or (fate.kind == "rests" and (len(stable) == 1 or beyond is not None)) or told:
        return text
    if fate.kind == "rests":
        return f"{text}; from its start the cell comes to rest at {mv(stable[fate.index].V)}"
    if fate.kind == "oscillates":
        beside = (" (a limit cycle beside the stable state" + ("s" if len(stable) > 1 else "") + ")") if stable else ""
        return (f"{text}; {'but ' if stable else ''}from its start the cell does not come to rest: it oscillates, "
                f"V between {mv(fate.low)} and {mv(fate.high)}{beside}")
    hours = fate.t / 3600
    drift = f"{problem.shown(fate.rate, unit) * 3600 - problem.shown(0, unit) * 3600:.3g} {unit}/h".rstrip()
    if stable:  # "it": the one state, or the one nearest where the run ended
        nearest = min(stable, key=lambda s: abs(s.V - fate.high))
        which = "it" if len(stable) == 1 else f"any (the nearest: {mv(nearest.V)})"
        return (f"{text}; from its start the cell has not reached {which} after {hours:.3g} h of model time: V = "
                f"{mv(fate.high)}, moving by {drift}")
    limits = RANGES["voltage"]  # in mV, as docs/limits.md gives them
    end = problem.shown(fate.high, unit) if unit == "mV" else 0.0
    if not float(limits.low) <= end <= float(limits.high):  # no drift: V runs away beyond what a membrane withstands
        reason = limits.too_low if end < float(limits.low) else limits.too_high
        return (f"{text}; from its start V runs away, near no equilibrium vrest found: V = {mv(fate.high)} after "
                f"{hours:.3g} h of model time, changing by {drift}, outside the physical range {limits.allowed} "
                f"({reason})")
    return (f"{text}; from its start the cell is still moving after {hours:.3g} h of model time: V = "
            f"{mv(fate.high)}, changing by {drift} (a slow drift, near no equilibrium vrest found)")


def _verdict(resting: tuple[RestingState, ...], v_range: tuple[float, float], problem: RestProblem,
             beyond: float | None, reaches: bool = True,
             swing: tuple[float, float] | None = None, guess: bool = True) -> tuple[str, bool]:
    """(the verdict on the equilibria, whether it says the model's swing from its start); ``swing``: V's lowest
    and highest as the model, nothing stable found, oscillates from its start; ``guess``: whether to say what the
    unstable equilibria imply the model does (not where a run from the start failed: Beeler-Reuter with a negative
    K1 conductance, whose V runs away until its rates overflow, is no pacemaker)."""
    unit = problem.voltage_unit

    def shown(v: float) -> str:
        value = problem.shown(v, unit)
        text = f"{value:.2f}"
        if value != 0 and float(text) == 0:  # a rest within 5 uV of 0 (a model whose V is the displacement from rest)
            text = f"{value:.2g}"
        return f"{text} {unit}".rstrip()

    stable = [s for s in resting if s.stable]
    unstable = [s for s in resting if not s.stable]
    def bound(v: float) -> str:  # a range's end as given (-31.3373 mV, not -31.34 beside a state at -31.337)
        value = problem.shown(v, unit)
        text = next((t for t in (f"{value:.{d}f}" for d in range(2, 7)) if abs(float(t) - value) < 1e-9), f"{value:g}")
        return f"{text} {unit}".rstrip()

    where = f"between {bound(v_range[0])} and {bound(v_range[1])}"
    whole = v_range[0] <= DEFAULT_RANGE[0] and v_range[1] >= DEFAULT_RANGE[1]  # else more may lie outside
    others = ("; unstable equilibri" + ("um" if len(unstable) == 1 else "a") + " at "
              + ", ".join(shown(s.V) for s in unstable)) if unstable else ""
    if len(stable) == 1:  # over a narrowed range, others may lie outside it (Pandit 2001 over -100..-50 mV)
        return f"one stable resting state{'' if whole else ' ' + where}, at {shown(stable[0].V)}{others}", False
    if stable:
        kind = f"(the model is {'bistable' if len(stable) == 2 else 'multistable'})" if whole else where
        where_stable = ", ".join(shown(s.V) for s in stable)
        return f"{len(stable)} stable resting states {kind}: at {where_stable}{others}", False
    given = all(v is not None for v in problem.start)  # else the start was made up: V mid-range, gates at 0
    outside_rest = ("" if beyond is None else
                    f"from its start the cell comes to rest at {shown(beyond)}, outside the range" if given and reaches
                    else
                    f"a stable resting state lies outside the range, at {shown(beyond)}")
    if not unstable:
        return f"no resting state {where}" + (f"; {outside_rest}" if outside_rest else ""), False
    lies = (f"the unstable equilibrium lies at {shown(unstable[0].V)}" if len(unstable) == 1
            else f"the unstable equilibria lie at {', '.join(shown(s.V) for s in unstable)}")
    if outside_rest:
        return f"no stable resting state {where}: {lies}; {outside_rest}", False
    if any(is_neutral(np.array(s.eigenvalues)) for s in unstable):
        return (f"no stable resting state found {where}: {lies}, with a zero eigenvalue (a conserved quantity "
                "vrest could not write down: the equilibria form a family, and which member the cell reaches "
                "depends on where it starts)"), False
    # One unstable equilibrium and nothing stable: trajectories circle it (a limit cycle); likewise around an
    # equilibrium that is unstable through a pair of complex eigenvalues.
    spirals = any(np.any((np.array(s.eigenvalues).real > 0) & (np.array(s.eigenvalues).imag != 0)) for s in unstable)
    if swing is not None and whole:  # seen oscillating (Paci 2013: two unstable equilibria, no complex pair)
        return (f"no stable resting state: this model oscillates (pacemaker), V between {shown(swing[0])} and "
                f"{shown(swing[1])} from its start; {lies}"), True
    if len(unstable[0].eigenvalues) == 1:  # one state cannot oscillate: V runs away (a conductance below 0)
        return f"no stable resting state {where}: {lies}, and V runs away from it on either side", False
    if not guess:
        return f"no stable resting state {where}: {lies}", False
    if (spirals or len(unstable) == 1) and whole:
        return f"no stable resting state: this model oscillates (pacemaker); {lies}", False
    if spirals or len(unstable) == 1:
        return (f"no stable resting state {where}: {lies}; a stable one may lie outside the range (the model "
                "oscillates if there is none)"), False
    outside = "" if whole else "; a stable one may lie outside the range"
    return f"no stable resting state {where}: {lies}, and the model moves away from them{outside}", False
