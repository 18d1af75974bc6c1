"""The steady state of the full dynamic model (V, ion amounts, volume) by damped Newton.

Charge is conserved: C_m A dV/dt = F sum z_X dN_X/dt, so the V equation is a
combination of the amount equations and the Jacobian is singular. The steady
state is fixed by the charge the cell starts with; we replace the V equation by
that conservation law, Q = C_m A V - F (sum z_X N_X + z_A N_A) = Q(start).
Arithmetic is mpmath at WORKING_DIGITS, variables and equations scaled by the
starting magnitudes, so the answer is exact to double precision.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import mpmath
import sympy as sp

from .constants import C_m, F, I_pump, V, area, z_A
from .derivation import WORKING_DIGITS, NoSteadyState, _MPMATH_FUNCTIONS
from .model import N_A, Model

__all__ = ["steady_state", "initial_state", "scenario_values", "charge", "damped_newton"]


def scenario_values(model: Model, pump_scale: sp.Expr = 1) -> dict[sp.Symbol, sp.Expr]:
    """The dynamic model's parameter values with the pump rate multiplied by ``pump_scale``."""
    values = dict(model.dynamic_values)
    for name in ("I_pump", "I_max"):
        if model.has(name):
            symbol = model.parameter(name).symbol
            values[symbol] = values[symbol] * sp.nsimplify(pump_scale)
    return values


def charge(model: Model) -> sp.Expr:
    """Net charge of the cell (C): capacitor charge minus the bulk charge of the amounts."""
    bulk = sp.Add(*[ion.valence * ion.amount for ion in model.dynamic_ions])
    if model.impermeant:
        bulk += z_A * N_A
    return C_m * area * V - F * bulk


def steady_state(model: Model, pump_scale: sp.Expr = 1, start: Mapping[sp.Symbol, float] | None = None,
                 ) -> dict[sp.Symbol, float]:
    """{state symbol: SI value} at the steady state with the pump rate scaled by ``pump_scale``.

    Starts from ``start`` (default: the given concentrations and volume with V at V_balance).
    Raises NoSteadyState when Newton finds no physical (positive) steady state.
    """
    values = scenario_values(model, pump_scale)
    states = [s.symbol for s in model.states]
    if start is None:
        start = initial_state(model)
    if states == [V]:
        return {V: _voltage_only(model, values)}
    rhs = model.rhs()
    with mpmath.workdps(WORKING_DIGITS):
        scale = {s: abs(mpmath.mpf(start[s])) or mpmath.mpf(1) for s in states}
        scaled = {s: sp.Symbol(f"x_{s.name}") for s in states}
        to_scaled = {s: scaled[s] * sp.Float(str(scale[s]), WORKING_DIGITS) for s in states}
        q0 = _evaluate_at(charge(model), values, start)
        equations = [(rhs[s] / sp.Float(str(scale[s]), WORKING_DIGITS)) for s in states if s != V]
        equations.append((charge(model) - sp.Float(str(q0), WORKING_DIGITS)) / _charge_scale(model, values, start))
        equations = [sp.sympify(e).xreplace(values).xreplace(to_scaled) for e in equations]
        unknowns = [scaled[s] for s in states]
        jacobian = sp.Matrix(equations).jacobian(unknowns)
        f = sp.lambdify(unknowns, equations, modules=[_MPMATH_FUNCTIONS, "mpmath"])
        jac = sp.lambdify(unknowns, jacobian, modules=[_MPMATH_FUNCTIONS, "mpmath"])
        try:
            x = damped_newton(f, jac, [mpmath.mpf(start[s]) / scale[s] for s in states],
                        positive=[s != V for s in states])
        except NoSteadyState as reason:
            raise NoSteadyState(_explain(model, pump_scale, reason)) from None
        state = {s: float(x[i] * scale[s]) for i, s in enumerate(states)}
        if not all(math.isfinite(v) for v in state.values()):  # beyond double range: no answer to print
            shown = ", ".join(f"{symbol.name} = {value:g}" for symbol, value in state.items())
            raise NoSteadyState(f"the steady state is beyond double precision ({shown})")
        return state


def _explain(model: Model, pump_scale, reason: NoSteadyState) -> str:
    if model.volume_mode in ("dynamic", "instant") and model.impermeant and model.pump is not None:
        from .derivations.pump_range import pump_rate_verdict  # here: pump_range imports this module

        verdict = pump_rate_verdict(model, pump_scale)
        if verdict:
            return f"no steady state with the pump rate scaled by {pump_scale}: {verdict} ({reason})"
    return str(reason)


def initial_state(model: Model) -> dict[sp.Symbol, float]:
    """The model's given state: amounts and volume from the file, V at their current balance with the pump."""
    from .quantities import Derivations  # here, not at the top: quantities imports modules that import us

    start = {s.symbol: float(s.initial) for s in model.states if s.initial is not None}
    start[V] = Derivations(model).get("V_balance" if model.dynamic_ions else "V_ss").value
    return start


def _voltage_only(model: Model, values: Mapping[sp.Symbol, sp.Expr]) -> float:
    from .derivation import CURRENT_BALANCE, monotone_root, mp_function

    balance = model.expand(sp.Symbol("I_total", real=True)).xreplace({I_pump: values.get(I_pump, I_pump)})
    return float(monotone_root(mp_function(balance, V, values), what=CURRENT_BALANCE, unit=" V"))


def _evaluate_at(expr: sp.Expr, values, state) -> mpmath.mpf:
    point = {**values, **{k: sp.Float(repr(v), WORKING_DIGITS) for k, v in state.items()}}
    return sp.sympify(expr).xreplace(point).evalf(WORKING_DIGITS)._to_mpmath(mpmath.mp.prec)


def _charge_scale(model: Model, values, state) -> sp.Float:
    """Size of the bulk charge of one ion species: makes the charge equation O(1)."""
    bulk = max(abs(float(state[ion.amount])) for ion in model.dynamic_ions)
    return sp.Float(float(values[F]) * bulk, WORKING_DIGITS)


def damped_newton(f, jac, x, positive, max_steps: int = 200) -> list:
    """Damped Newton: halve the step until the residual falls and every positive unknown stays positive."""
    x = mpmath.matrix(x)
    residual = mpmath.norm(mpmath.matrix(f(*x)))
    for _ in range(max_steps):
        try:
            step = mpmath.lu_solve(mpmath.matrix(jac(*x)), mpmath.matrix(f(*x)))
        except ZeroDivisionError:
            raise NoSteadyState("the linearised model is singular: no isolated steady state") from None
        if not all(mpmath.isfinite(v) for v in step):
            raise NoSteadyState("the linearised model has no finite Newton step: no isolated steady state")
        damping = mpmath.mpf(1)
        while True:
            trial = x - damping * step
            ok = all(trial[i] > 0 for i, p in enumerate(positive) if p)
            if ok:
                trial_residual = mpmath.norm(mpmath.matrix(f(*trial)))
                if trial_residual < residual or damping < mpmath.mpf(2) ** -30:
                    break
            damping /= 2
            if damping < mpmath.mpf(2) ** -40:
                raise NoSteadyState("no physical steady state: Newton cannot reduce the residual "
                                    "while keeping amounts and volume positive")
        x, residual = trial, trial_residual
        if mpmath.norm(damping * step) < mpmath.mpf(10) ** (-WORKING_DIGITS + 8):
            return list(x)
    raise NoSteadyState(f"no steady state found: Newton did not converge in {max_steps} steps "
                        "(the volume or an amount may grow without bound)")
