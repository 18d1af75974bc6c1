"""Steps in time written into a model's equations: a protocol, not part of the system at rest.

A CellML file has no events, so a protocol (a bath change, a blocker from t = 5 s on) is written
as a piecewise definition: ``K_o = 15 if t >= 0 else K_o_given``. Such a quantity holds, before
its first step, the value of its last branch; that is the model at rest, as an SBML file's events
are left out of it. Only steps that switch on at a time (``t >= a``, ``t > a``, with ``a`` and the
other conditions free of time) are recognised: a pulse train (a stimulus) or anything else that
depends on time stays as it is.
"""

from __future__ import annotations

import sympy as sp

from ..system import TIME, Quantity

__all__ = ["without_time_steps"]


def _switches_on(condition) -> bool:
    """``condition`` is "from time a on" (t >= a, t > a), possibly and-ed with conditions free of time."""
    if isinstance(condition, sp.And):
        timed = [c for c in condition.args if TIME in c.free_symbols]
        return len(timed) == 1 and _switches_on(timed[0])
    if isinstance(condition, (sp.GreaterThan, sp.StrictGreaterThan)):
        difference = condition.lhs - condition.rhs
    elif isinstance(condition, (sp.LessThan, sp.StrictLessThan)):
        difference = condition.rhs - condition.lhs
    else:
        return False
    slope = sp.diff(difference, TIME)
    return slope.is_number and slope.is_positive and TIME not in (difference - slope * TIME).free_symbols


def _before_steps(expr: sp.Expr) -> sp.Expr | None:
    """The value of a piecewise definition (times a unit factor) before its steps, or None when it is not steps."""
    factor, expr = expr.as_coeff_Mul()
    if not isinstance(expr, sp.Piecewise) or TIME in expr.args[-1].expr.free_symbols:
        return None
    *steps, last = expr.args
    if last.cond != sp.true or not steps:
        return None
    for piece in steps:
        if TIME in piece.expr.free_symbols or not _switches_on(piece.cond):
            return None
    return factor * last.expr


def without_time_steps(quantities: tuple[Quantity, ...]) -> tuple[tuple[Quantity, ...], tuple[str, ...]]:
    """(the quantities with every step in time removed; the names of those that had steps)."""
    out, changed = [], []
    for q in quantities:
        before = _before_steps(q.expression)
        if before is None:
            out.append(q)
        else:
            out.append(Quantity(q.symbol, before, q.unit, q.description))
            changed.append(q.name)
    return tuple(out), tuple(changed)
