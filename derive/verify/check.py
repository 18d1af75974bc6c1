"""Check one claim: an expression against the correct one, or an equation.

These glue equivalence (is it right?), diagnose (which slip?), the dimension
check, numeric claims (numbers within a tolerance) and the result object
together; steps.py and approx.py and the public `verify` build on them.

A claim is a SymPy expression, or a Written (parse.py) that also knows the
numbers the user wrote and its dimension. A Written claim with numbers in it
that is not exactly right is then checked at the model's values within the
problem's tolerance (numeric_claim.py).
"""

from __future__ import annotations

import dataclasses

import mpmath
import sympy as sp

from ._numeric import evaluate, free_symbols
from .diagnose import Context, diagnose
from .dimensions import Dim, describe
from .equivalence import RTOL, Comparison, Side, VerifyError, compare, compare_numeric, counterexample, symbolic_zero
from .implicit import ValueOnly
from .numeric_claim import check_numeric
from .parse import Written
from .problem import Problem
from .result import VerifyResult

__all__ = ["check_equation", "check_expression"]

Claim = Side | Written


def _context(problem: Problem, written: sp.Expr | None = None) -> Context:
    """The problem's context with its fixed values, definitions, kinds and the claim's own symbols."""
    return dataclasses.replace(
        problem.context,
        fixed={**problem.fixed, **problem.context.fixed},
        definitions=problem.context.definitions or problem.definitions,
        written=None if written is None else frozenset(problem.expand(written, fix=False).free_symbols),
        kinds=problem.context.kinds if problem.context.kinds is not None else (problem.dimensions or None),
    )


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


def _name(correct: Side | ValueOnly) -> str:
    if isinstance(correct, ValueOnly):
        return correct.quantity_id
    return correct.name if isinstance(correct, sp.Symbol) else "the correct side"


def _wrong_dimension(
    claimed: Written, correct: Side | ValueOnly, expected: Dim, problem: Problem, label: str
) -> VerifyResult:
    """The claim has another unit dimension: say so, and name the slip that explains it if there is one."""
    assert claimed.dim is not None
    sentence = f"{label} is {describe(claimed.dim)}, {_name(correct)} is {describe(expected)}"
    slip = None
    if isinstance(correct, sp.Basic):
        a = problem.expand(claimed.value)
        context = _context(problem, claimed.value)
        if claimed.literals:  # the slip at the model's values, in SI (e.g. a product of two numbers with units)
            slip = check_numeric(claimed, a, problem.expand(correct), problem, unit=None, dim=None,
                                 exact_slip=lambda: None, original=correct, context=context).diagnosis
        else:
            slip = diagnose(a, correct, problem.ranges, context)
        slip = None if slip is not None and slip.startswith(("right only to", "a constant for another")) else slip
    dims = {
        "claimed": {"dimension": describe(claimed.dim, article=False), "unit": problem.unit_of(claimed.dim)},
        "correct": {"dimension": describe(expected, article=False), "unit": problem.unit_of(expected)},
    }
    diagnosis = f"{slip} ({sentence})" if slip else f"wrong dimension: {sentence}"
    return VerifyResult(False, "symbolic", diagnosis, dimensions=dims)


def check_expression(
    claimed: Claim,
    correct: Side | ValueOnly,
    problem: Problem,
    result_unit: str | None = None,
    *,
    expected_dim: Dim | None = None,
    label: str = "the claim",
    numbers: bool = False,
) -> VerifyResult:
    """Does claimed equal correct (both may use defined names, either may be a Target)?

    expected_dim: the correct side's dimension, when known; a Written claim of
    another dimension does not hold. label names the claim in that message.
    numbers: compare within the tolerance even if the claim has no numbers
    (the correct side has: a worked example's previous line).
    """
    written = claimed if isinstance(claimed, Written) else None
    claim = written.value if written is not None else claimed
    if numbers and written is None and isinstance(claim, sp.Basic):
        written = Written(claim, claim)
    dim = expected_dim if expected_dim is not None else (written.dim if written is not None else None)
    unit = result_unit or problem.result_unit or problem.unit_of(dim)
    if written is not None and written.dim is not None and expected_dim is not None and written.dim != expected_dim:
        return _wrong_dimension(written, correct, expected_dim, problem, label)
    numeric = written is not None and (bool(written.literals) or numbers) and isinstance(claim, sp.Basic)
    if isinstance(correct, ValueOnly):
        if numeric:
            return check_numeric(written, problem.expand(claim), correct, problem, unit=unit, dim=dim,  # type: ignore[arg-type]
                                 exact_slip=lambda: None, only_reference=True)
        return _at_model_values(claim, correct, problem, unit)  # type: ignore[arg-type]
    a = problem.expand(claim) if isinstance(claim, sp.Basic) else claim
    c = problem.expand(correct) if isinstance(correct, sp.Basic) else correct
    if numeric:  # sampling refutes a claim with numbers at once; a proof is only worth trying if it holds
        cmp = compare_numeric(a, c, problem.ranges, reference=problem.reference)
        if cmp.holds and isinstance(c, sp.Basic) and symbolic_zero(a - c, problem.ranges, problem.timeout):
            cmp = dataclasses.replace(cmp, method="symbolic")
    else:
        cmp = compare(a, c, problem.ranges, reference=problem.reference, timeout=problem.timeout)
    if cmp.holds:
        return VerifyResult(True, cmp.method)
    symbolic = isinstance(a, sp.Basic) and isinstance(correct, sp.Basic)
    context = _context(problem, claim if isinstance(claim, sp.Basic) else None)

    def slip() -> str | None:
        return diagnose(a, correct, problem.ranges, context) if symbolic else None  # type: ignore[arg-type]

    if numeric:
        return check_numeric(
            written, a, c, problem, unit=unit, dim=dim, exact_slip=slip,  # type: ignore[arg-type]
            original=correct if isinstance(correct, sp.Basic) else None, context=context,
            only_reference=isinstance(c, sp.Basic) and not c.free_symbols,  # a number: the model's values only
        )
    example = counterexample(cmp, problem.units, unit, problem.convert)
    return VerifyResult(False, cmp.method, slip(), example)


def _expr(side: Claim) -> Side:
    return side.value if isinstance(side, Written) else side


def check_equation(lhs: Claim, rhs: Claim, problem: Problem) -> VerifyResult:
    """Does LHS = RHS hold? A defined name (or the side without numbers) is the correct side."""
    left, right = _expr(lhs), _expr(rhs)
    numbers = [isinstance(x, Written) and bool(x.literals) for x in (lhs, rhs)]
    if left in problem.definitions or not (right in problem.definitions):
        flip = right not in problem.definitions and left not in problem.definitions and numbers == [True, False]
    else:
        flip = True
    claim, correct, label = (lhs, rhs, "the left side") if flip else (rhs, lhs, "the right side")
    expected = correct.dim if isinstance(correct, Written) else None
    return check_expression(claim, _expr(correct), problem, expected_dim=expected, label=label)
