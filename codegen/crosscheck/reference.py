"""vrest's own answer for the cross-checks: V_ss and the scenario time course from the IR.

The time course integrates Model.rhs() (SymPy -> NumPy with the exact exprel of
codegen.printers.numpy) with SciPy's Radau at rtol 1e-11 and an analytic
Jacobian, from the pumped steady state, the pump rate scaled from the
scenario's ``at``. Exports are judged against this.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import sympy as sp

from vrest.derive.constants import V
from vrest.derive.model import Model, Scenario
from vrest.derive.quantities import Derivations  # loads every derivation module before steady_state
from vrest.derive.steady_state import scenario_values, steady_state

from ..printers import VrestNumPyPrinter, numpy_namespace

__all__ = ["course_times", "reference_course", "reference_v_ss", "integrate"]

RTOL = 1e-11
STIFF_COURSE_END = 600.0  # s: 10 min, ~6 rundown time constants of pumpleak; PyLEMS needs ~25 s for it


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


def reference_course(model: Model, scenario: Scenario, times: np.ndarray,
                     start: Mapping[sp.Symbol, float] | None = None) -> np.ndarray:
    """V (SI) at ``times`` under ``scenario``, from ``start`` (default: the pumped steady state)."""
    start = dict(steady_state(model) if start is None else start)
    times = np.asarray(times, dtype=float)
    before = times[times < float(scenario.at)]
    v = []
    if float(scenario.at) > 0:
        segment = integrate(model, start, scenario_values(model), (0.0, float(scenario.at)),
                            np.append(before, float(scenario.at)))
        v.extend(segment[0, :-1])
        start = {s.symbol: segment[i, -1] for i, s in enumerate(model.states)}
    after = times[times >= float(scenario.at)]
    if after.size:
        y = integrate(model, start, scenario_values(model, scenario.pump_scale), (float(scenario.at), after[-1]), after)
        v.extend(y[0])
    return np.array(v)
