"""vrest's own answer for the cross-checks: V_ss and each scenario's time course from the IR.

The time course integrates Model.rhs() (SymPy -> NumPy with the exact exprel of
codegen.printers.numpy) with SciPy's Radau at rtol 1e-11 and an analytic
Jacobian, from the pumped steady state, piece by piece between the scenario's
steps with the parameters in force (derive.steady_state.protocol_values).
Exports are judged against this.
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

__all__ = ["course_times", "scenario_times", "reference_course", "reference_v_ss", "integrate"]

RTOL = 1e-11


def reference_v_ss(model: Model) -> float:
    """V at the pumped steady state (SI, volts): the current balance, or the full model's when it has amounts."""
    return steady_state(model)[V]


def course_times(model: Model) -> np.ndarray:
    """Ten output times (s): over 10 tau_m for a V-only model; log-spaced from tau_m to 3 h with amounts."""
    tau_m = Derivations(model).get("tau_m").value
    if len(model.states) == 1:
        return np.linspace(tau_m, 10 * tau_m, 10)
    return np.geomspace(tau_m, 3 * 3600.0, 10)


def integrate(model: Model, start: Mapping[sp.Symbol, float], values: Mapping[sp.Symbol, sp.Expr],
              t_span: tuple[float, float], times: np.ndarray) -> np.ndarray:
    """States (rows in model.states order, SI) at ``times`` from ``start`` with parameter ``values``."""
    from scipy.integrate import solve_ivp

    states = [s.symbol for s in model.states]
    rhs = [sp.sympify(model.rhs()[s]).xreplace(dict(values)) for s in states]
    namespace = [numpy_namespace(), "numpy"]
    f = sp.lambdify(states, rhs, modules=namespace, printer=VrestNumPyPrinter)
    jac = sp.lambdify(states, sp.Matrix(rhs).jacobian(states), modules=namespace, printer=VrestNumPyPrinter)
    y0 = np.array([start[s] for s in states], dtype=float)
    scale = np.where(y0 == 0.0, 1e-3, np.abs(y0))
    solution = solve_ivp(lambda t, y: np.array(f(*y), dtype=float), t_span, y0, method="Radau",
                         t_eval=times, rtol=RTOL, atol=RTOL * scale,
                         jac=lambda t, y: np.array(jac(*y), dtype=float))
    if not solution.success:
        raise RuntimeError(f"reference integration failed: {solution.message}")
    return solution.y


def scenario_times(model: Model, scenario: Scenario) -> np.ndarray:
    """course_times after t = 0 and after each later step of ``scenario``: each relaxation is sampled."""
    base = course_times(model)
    times = [base] + [float(step.at) + base for step in scenario.steps if step.at > 0]
    return np.unique(np.concatenate(times))


def reference_course(model: Model, scenario: Scenario, times: np.ndarray,
                     start: Mapping[sp.Symbol, float] | None = None) -> np.ndarray:
    """V (SI) at ``times`` under ``scenario``, from ``start`` (default: the pumped steady state)."""
    state = dict(steady_state(model) if start is None else start)
    times = np.asarray(times, dtype=float)
    schedule = protocol_values(model, scenario)
    ends = [float(at) for at, _ in schedule[1:]] + [np.inf]
    v = np.empty(times.size)
    for (at, values), end in zip(schedule, ends):
        t0, t1 = float(at), min(end, float(times[-1]))
        inside = (times >= t0) & (times < end)
        if t1 <= t0:
            v[inside] = state[V]
            continue
        grid = np.unique(np.concatenate([times[inside], [t1]]))
        y = integrate(model, state, values, (t0, t1), grid)
        v[inside] = y[0, np.searchsorted(grid, times[inside])]
        state = {s.symbol: y[i, -1] for i, s in enumerate(model.states)}
    return v
