"""vrest's own answer for the cross-checks: V_ss and each scenario's time course from the IR.

The time courses integrate Model.rhs() (SymPy -> NumPy with the exact exprel of
codegen.printers.numpy) with SciPy's Radau at rtol 1e-11 and an analytic
Jacobian, from the pumped steady state, piece by piece between the scenario's
steps with the parameters in force (derive.steady_state.protocol_values).
Exports are judged against this. Along the way it notes the time constants of
the linearised model (the Jacobian's eigenvalues): just after each step, those of
the relaxations the step starts (the error bounds of fixed-step simulators are made
of them), and the shortest met anywhere (their stability).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import sympy as sp

from vrest.derive.constants import V
from vrest.derive.model import Model, Scenario
from vrest.derive.quantities import Derivations  # loads every derivation module before steady_state
from vrest.derive.steady_state import protocol_values, steady_state

from ..printers import VrestNumPyPrinter, numpy_namespace

__all__ = ["course_times", "scenario_times", "reference_course", "reference_run", "reference_v_ss", "integrate"]

RTOL = 1e-11
STIFF_COURSE_END = 300.0  # s: 5 min after each step (pumpleak's ouabain rundown moves V by 21 mV); PyLEMS ~12 s each


def reference_v_ss(model: Model) -> float:
    """V at the pumped steady state (SI, volts): the current balance, or the full model's when it has amounts."""
    return steady_state(model)[V]


def course_times(model: Model, linear: bool = False) -> np.ndarray:
    """Ten output times (s) of the scenario's course.

    A V-only model: over 10 tau_m. With amounts: log-spaced from tau_m to 3 h, or with ``linear``
    spread evenly over STIFF_COURSE_END (a span fixed-step simulators cover at their stable step).
    """
    tau_m = Derivations(model).get("tau_m").value
    if len(model.states) == 1:
        return np.linspace(tau_m, 10 * tau_m, 10)
    if linear:
        return np.linspace(STIFF_COURSE_END / 10, STIFF_COURSE_END, 10)
    return np.geomspace(tau_m, 3 * 3600.0, 10)


def _system(model: Model, values: Mapping[sp.Symbol, sp.Expr]):
    """(rhs, Jacobian) of the model at parameter ``values``, as NumPy functions of the states."""
    states = [s.symbol for s in model.states]
    rhs = [sp.sympify(model.rhs()[s]).xreplace(dict(values)) for s in states]
    namespace = [numpy_namespace(), "numpy"]
    f = sp.lambdify(states, rhs, modules=namespace, printer=VrestNumPyPrinter)
    jac = sp.lambdify(states, sp.Matrix(rhs).jacobian(states), modules=namespace, printer=VrestNumPyPrinter)
    return f, jac


def integrate(model: Model, start: Mapping[sp.Symbol, float], values: Mapping[sp.Symbol, sp.Expr],
              t_span: tuple[float, float], times: np.ndarray, system=None) -> np.ndarray:
    """States (rows in model.states order, SI) at ``times`` from ``start`` with parameter ``values``."""
    from scipy.integrate import solve_ivp

    states = [s.symbol for s in model.states]
    f, jac = _system(model, values) if system is None else system
    y0 = np.array([start[s] for s in states], dtype=float)
    scale = np.where(y0 == 0.0, 1e-3, np.abs(y0))
    solution = solve_ivp(lambda t, y: np.array(f(*y), dtype=float), t_span, y0, method="Radau",
                         t_eval=times, rtol=RTOL, atol=RTOL * scale,
                         jac=lambda t, y: np.array(jac(*y), dtype=float))
    if not solution.success:
        raise RuntimeError(f"reference integration failed: {solution.message}")
    return solution.y


def scenario_times(model: Model, scenario: Scenario, linear: bool = False) -> np.ndarray:
    """course_times (``linear`` as there) after t = 0 and after each later step of ``scenario``: each
    relaxation is sampled. A time on a step's time is left out: fixed-step simulators take a step at a grid
    point up to half a step away, and V moves fastest just then."""
    base = course_times(model, linear)
    starts = [float(step.at) for step in scenario.steps if step.at > 0]
    times = np.unique(np.concatenate([base] + [at + base for at in starts]))
    return times[~np.isin(times, starts)]


def reference_course(model: Model, scenario: Scenario, times: np.ndarray,
                     start: Mapping[sp.Symbol, float] | None = None) -> np.ndarray:
    """V (SI) at ``times`` under ``scenario``, from ``start`` (default: the pumped steady state)."""
    return reference_run(model, scenario, times, start)[0][0]


def reference_run(model: Model, scenario: Scenario, times: np.ndarray,
                  start: Mapping[sp.Symbol, float] | None = None) -> tuple[np.ndarray, tuple[float, ...], float]:
    """(states (rows in model.states order, SI) at ``times`` under ``scenario`` from ``start`` (default: the
    pumped steady state), the time constants (s) of the relaxations each step starts, the shortest time
    constant (s) met anywhere on the way).

    Time constants are -1/Re(lambda) for the Jacobian's eigenvalues, the conserved charge's zero left out:
    those a step starts at the state the step finds, with the new parameters; the shortest over those and
    every output time too.
    """
    state = dict(steady_state(model) if start is None else start)
    times = np.asarray(times, dtype=float)
    schedule = protocol_values(model, scenario)
    ends = [float(at) for at, _ in schedule[1:]] + [np.inf]
    y = np.empty((len(model.states), times.size))
    started: set[float] = set()
    fastest = np.inf
    for (at, values), end in zip(schedule, ends):
        t0, t1 = float(at), min(end, float(times[-1]))
        inside = (times >= t0) & (times < end)
        if t1 <= t0:
            y[:, inside] = np.array([state[s.symbol] for s in model.states])[:, None]
            continue
        system = _system(model, values)
        grid = np.unique(np.concatenate([[t0], times[inside], [t1]]))
        piece = integrate(model, state, values, (t0, t1), grid, system)
        y[:, inside] = piece[:, np.searchsorted(grid, times[inside])]
        started.update(_time_constants(system[1], piece[:, :1]))
        fastest = min([fastest, *_time_constants(system[1], piece)])
        state = {s.symbol: piece[i, -1] for i, s in enumerate(model.states)}
    return y, tuple(sorted(started)), float(fastest)


def _time_constants(jacobian, states: np.ndarray) -> set[float]:
    """-1/Re(lambda) (s) of the decaying eigenvalues of ``jacobian`` at each column of ``states``; an eigenvalue
    within 1e-9 of the largest |lambda| of zero (the conserved charge's) is no time constant."""
    taus = set()
    for column in states.T:
        eigenvalues = np.linalg.eigvals(np.array(jacobian(*column), dtype=float))
        scale = float(np.max(np.abs(eigenvalues)))
        taus.update(-1.0 / float(lam.real) for lam in eigenvalues if lam.real < -1e-9 * scale)
    return taus
