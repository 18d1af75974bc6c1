"""Check one claim: an expression against the correct one, or an equation.

These glue equivalence (is it right?), diagnose (which slip?) and the result
object together; steps.py and approx.py and the public `verify` build on them.
"""

from __future__ import annotations

import dataclasses

import mpmath
import sympy as sp

from ._numeric import evaluate, free_symbols
from .diagnose import diagnose
from .equivalence import RTOL, Comparison, Side, VerifyError, compare, counterexample
from .implicit import ValueOnly
from .problem import Problem
from .result import VerifyResult

__all__ = ["check_equation", "check_expression"]


def _at_model_values(claimed: sp.Expr, correct: ValueOnly, problem: Problem, unit: str | None) -> VerifyResult:
    """Compare with a quantity known only at the model's values, at those values."""
    a = problem.expand(claimed)
    reference = problem.reference or {}
    point = {s: mpmath.mpf(float(reference[s])) for s in free_symbols(a) if s in reference}
    value = evaluate(a, point)
    if len(point) < len(a.free_symbols) or value is None:
        raise VerifyError(f"the claim has no value at the model's parameters (it cannot be compared with {correct.quantity_id})")
    target = mpmath.mpf(correct.value)
    holds = abs(value - target) <= RTOL * max(abs(value), abs(target))
    detail = f"compared at the model's values only: {correct.quantity_id} is known there and nowhere else"
    if holds:
        return VerifyResult(True, "numeric", detail=detail)
    cmp = Comparison(False, "numeric", point, value, target)
    return VerifyResult(False, "numeric", None, counterexample(cmp, problem.units, unit, problem.convert), detail=detail)


def check_expression(claimed: Side, correct: Side, problem: Problem, result_unit: str | None = None) -> VerifyResult:
    """Does claimed equal correct (both may use defined names, either may be a Target)?"""
    if isinstance(correct, ValueOnly):
        return _at_model_values(claimed, correct, problem, result_unit or problem.result_unit)
    a = problem.expand(claimed) if isinstance(claimed, sp.Basic) else claimed
    c = problem.expand(correct) if isinstance(correct, sp.Basic) else correct
    cmp = compare(a, c, problem.ranges, reference=problem.reference, timeout=problem.timeout)
    if cmp.holds:
        return VerifyResult(True, cmp.method)
    diagnosis = None
    if isinstance(a, sp.Basic) and isinstance(correct, sp.Basic):
        context = dataclasses.replace(
            problem.context,
            fixed={**problem.fixed, **problem.context.fixed},
            definitions=problem.context.definitions or problem.definitions,
        )
        diagnosis = diagnose(a, correct, problem.ranges, context)
    unit = result_unit or problem.result_unit
    example = counterexample(cmp, problem.units, unit, problem.convert)
    return VerifyResult(False, cmp.method, diagnosis, example)


def check_equation(lhs: sp.Expr, rhs: sp.Expr, problem: Problem) -> VerifyResult:
    """Does LHS = RHS hold identically? A defined name on the left is the correct side."""
    if lhs in problem.definitions or not (rhs in problem.definitions):
        return check_expression(rhs, lhs, problem)
    return check_expression(lhs, rhs, problem)
