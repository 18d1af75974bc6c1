"""A reference run of a file whose rates switch with its state (a piecewise rate whose condition holds a state or
time): SciPy's Radau with every such condition held fixed between switches, each switch located by SciPy's event
search and the run restarted there with the condition flipped, as CVODE's user guide advises for discontinuities.
Independent of vrest's solver, which runs through the switches; the file's equations as vrest read them."""

from __future__ import annotations

import math

import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp
from vrest.derive.system import TIME, OdeSystem

_UPWARD = (sp.StrictGreaterThan, sp.GreaterThan)
_ORDERINGS = (*_UPWARD, sp.StrictLessThan, sp.LessThan)


def _written_out(system: OdeSystem) -> list[sp.Expr]:
    """Each state's rate with every quantity written out (the stimulus as the file gives it: on)."""
    rates = []
    for state in system.states:
        expr = state.rhs
        for q in reversed(system.quantities):
            expr = expr.xreplace({q.symbol: q.expression})
        rates.append(expr)
    return rates


def held_branch_runner(system: OdeSystem, rtol: float = 1e-10, atol: float = 1e-12):
    """run(times, start) -> (V of the file's unit x 1e3 at ``times``, i.e. mV for a file in volts; the number of
    switches), from ``start`` (SI) at times[0]. A condition is held through its gap (lhs - rhs): its sign is fixed
    between switches, and a gap that two conditions share (APtrack < 0.2 and APtrack > 0.2) switches both at once."""
    states = list(system.state_symbols)
    rates = _written_out(system)
    conditions = sorted({r for e in rates for pw in e.atoms(sp.Piecewise) for _, c in pw.args
                         if c not in (sp.true, sp.false) for r in c.atoms(sp.Rel)
                         if isinstance(r, _ORDERINGS) and r.free_symbols & ({*states, TIME})}, key=str)
    gaps: list[sp.Expr] = []
    signs: list[sp.Symbol] = []
    held = {}
    for condition in conditions:
        gap, flipped = condition.lhs - condition.rhs, False
        if -gap in gaps:
            gap, flipped = -gap, True
        if gap not in gaps:
            gaps.append(gap)
            signs.append(sp.Symbol(f"gap_sign_{len(gaps)}"))
        true_when_positive = isinstance(condition, _UPWARD) != flipped
        held[condition] = sp.Eq(signs[gaps.index(gap)], 1 if true_when_positive else -1)
    rates = [e.xreplace(held) for e in rates]
    arguments = [TIME, states, [p.symbol for p in system.parameters], signs]
    rate_fn = sp.lambdify(arguments, rates, modules="math")
    jacobian_fn = sp.lambdify(arguments, sp.Matrix(rates).jacobian(states),
                              modules=[{"ImmutableDenseMatrix": np.array}, "math"])
    gap_fns = [sp.lambdify(arguments, gap, modules="math") for gap in gaps]
    p = [float(q.value) for q in system.parameters]
    v = system.voltage_index

    def at(fn, t, y, sign):
        """fn at a point; at a removable 0/0 of the written-out currents (GHK at V = 0), a picovolt beside it."""
        y = [float(x) for x in y]
        try:
            return fn(t, y, p, sign)
        except ZeroDivisionError:
            y[v] += 1e-12
            return fn(t, y, p, sign)

    def rate(t, y, sign):
        try:
            return at(rate_fn, t, y, sign)
        except (ValueError, OverflowError):  # a trial point outside the held branch's domain: Radau shortens its step
            return [math.nan] * len(y)

    def run(times: list[float], start: list[float]) -> tuple[np.ndarray, int]:
        y, now = np.array(start, dtype=float), times[0]
        sign = [1.0 if at(g, now, y, [0] * len(signs)) > 0 else -1.0 for g in gap_fns]
        out: list[float] = []
        switches = 0
        while len(out) < len(times):
            events = []
            for k, g in enumerate(gap_fns):
                event = (lambda t, x, g=g, s=tuple(sign): at(g, t, x, s))
                event.terminal, event.direction = True, -sign[k]  # towards the other side
                events.append(event)
            segment = solve_ivp(lambda t, x, s=tuple(sign): rate(t, x, s), (now, times[-1]), y, method="Radau",
                                jac=lambda t, x, s=tuple(sign): at(jacobian_fn, t, x, s), rtol=rtol, atol=atol,
                                t_eval=[t for t in times[len(out):] if t >= now], events=events)
            assert segment.success, segment.message
            out += [float(x) * 1e3 for x in np.asarray(segment.y).reshape(len(y), -1)[v]]
            if segment.status != 1:
                break
            k = next(k for k, found in enumerate(segment.t_events) if len(found))
            now, y = float(segment.t_events[k][0]), segment.y_events[k][0]
            for j, g in enumerate(gap_fns):  # a gap that jumped across 0 with it (a pulse's edge written with floor)
                value = at(g, now, y, sign)
                if j != k and value != 0:
                    sign[j] = 1.0 if value > 0 else -1.0
            sign[k] = -sign[k]
            switches += 1
        return np.array(out), switches

    return run
