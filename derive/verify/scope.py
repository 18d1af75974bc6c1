"""Where a claim holds: for every value of its symbols, at rest only, or at the model's values only.

A value (a side of numbers only: -95 mV, 0) is a claim about the model's values, compared with V at
rest. A formula (a claim with symbols of its own) says it holds for every value of them. When it holds at the
model's values (a claim with numbers, within the tolerance) or at the steady state (V = V_ss),
it is tested as an identity as well: its numbers read as what they stand for (numbers.py: 26.7 mV
as RT/F; a number that stands for nothing, such as the 0.5 of 0.5 g_K, stays exactly that), at
fixed-seed random points around the model's values with V free, to 1e-9. If that fails it is
tested at the same points with V at rest: a claim that holds there holds "at rest" (an extra
term g_K (V - V_ss) vanishes at V = V_ss for every value of the parameters); otherwise only "at
the model's values". The answer names the difference: the two sides' difference where it is
short, else the usual slip, else the number that is not what it stands for.

A quantity known only at the model's values (the pump-leak steady state) cannot be tested
elsewhere; then only V is varied, or, without V, the claim holds at the model's values only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import mpmath
import sympy as sp

from ..constants import V
from ._budget import run_limited
from ._numeric import KINKS, Point, close, evaluate, sample_points
from .diagnose import Context, absolute_value, diagnose
from .equivalence import RTOL, Comparison, Side, compare_numeric, counterexample
from .implicit import at_model_values_only, known_state, value_only_ids
from .problem import Problem
from .result import Identity, VerifyResult

__all__ = ["MODEL_VALUES", "REST", "STEADY_STATE", "is_formula", "qualify", "target_slip", "where_text"]

REST = "rest"
MODEL_VALUES = "model_values"
STEADY_STATE = "steady_state"  # the full steady state of a cell whose concentrations move, not the file's start
_MAX_DIFFERENCE_CHARS = 80
_V_SAMPLES = 8
_OFF_REST = (mpmath.mpf("-0.05"), mpmath.mpf(0), mpmath.mpf("-0.1"))  # volts: V away from rest, for an example
_LEVELS = 4  # how many times names are expanded in the correct side to find the shortest difference


def where_text(result: VerifyResult) -> str:
    """Where a claim holds: 'at rest only (V = V_ss), not for every V', 'at the model's values only, ...'."""
    identity = result.identity
    if result.holds_only == STEADY_STATE and identity is not None:
        within = result.detail is not None and result.detail.startswith("within")  # at the file's values
        there = "and within the tolerance at the file's concentrations" if within else \
            "not at the file's concentrations"
        how = "exactly" if identity.exact else "within the tolerance"
        return f"at the steady state only ({identity.condition}), {how}, {there}"
    if result.holds_only == REST and identity is not None and identity.condition:
        return f"at rest only ({identity.condition}), not for every V"
    if identity is not None and identity.counterexample is None and identity.reason:
        return f"at the model's values, not tested elsewhere: {identity.reason}"
    return "at the model's values only, not for every value of its symbols"


def is_formula(claim: Side, problem: Problem) -> bool:
    """Does the claim have symbols of its own (E_K = RT/F ln(4/140): T), not only numbers and constants?"""
    if not isinstance(claim, sp.Basic):
        return False
    return bool(problem.expand(claim, fix=False).free_symbols - set(problem.fixed))


def target_slip(claim: Side, problem: Problem, points: Sequence[Point] | None = None) -> str | None:
    """A named wrong version of a quantity without closed form (the linearised pump shift) that the claim is."""
    for name, alternative in problem.context.alternatives.items():
        alt = problem.at_rest(problem.expand(alternative))
        if points is not None:
            if _agree(claim, alt, points):
                return name
        elif compare_numeric(claim, alt, problem.ranges, reference=problem.reference).holds:
            return name
    return None


def qualify(
    result: VerifyResult,
    claim: sp.Expr,
    correct: Side,
    problem: Problem,
    *,
    context: Context | None = None,
    unit: str | None = None,
    explain=None,
    labels: tuple[str, str] = ("the claim", "the correct side"),
    literal: sp.Expr | None = None,
) -> VerifyResult:
    """result (the claim holds at the model's values, or at rest) as it stands, or marked where it holds only.

    claim: the claim as a formula in the user's names (numbers read back; the others exact);
    correct: the correct side in the user's names, or a numeric target. explain(): a sentence on the
    claim's numbers (numeric_claim.py) when nothing else names the difference. labels: what the
    claim and the correct side are called (the right side, I_K). literal: the claim with every number
    as written, the other reading (the 4 of 4 P_Ca is four, not K_o in mM).
    """
    if not result.holds or not is_formula(claim, problem):  # a value (-95 mV, 0) is compared at the model's values
        return result
    if isinstance(correct, sp.Basic) and not is_formula(correct, problem):  # the line before was a value: = -95 mV
        return result
    a = problem.expand(claim)
    c = problem.expand(correct) if isinstance(correct, sp.Basic) else correct
    with_v = V in a.free_symbols or (isinstance(c, sp.Basic) and V in c.free_symbols)
    a_free, c_free = problem.at_rest(a, rest=False), problem.at_rest(c, rest=False)
    if isinstance(correct, sp.Basic) and correct in problem.resting and V not in a.free_symbols:
        c_free = problem.at_rest(c)  # g_leak with GHK leaks: its V is the resting potential, by definition
    if at_model_values_only(a_free) or at_model_values_only(c_free):
        return _known_here_only(result, a_free, c_free, with_v, problem, unit)
    cmp = compare_numeric(a_free, c_free, problem.ranges, reference=problem.reference)
    if cmp.holds:
        return result
    readings = [a]
    if literal is not None and literal != claim:
        b = problem.expand(literal)
        if compare_numeric(problem.at_rest(b, rest=False), c_free, problem.ranges, reference=problem.reference).holds:
            return result
        readings.append(b)
    where = MODEL_VALUES
    if with_v and problem.rest is not None:
        rest = compare_numeric(problem.at_rest(a), problem.at_rest(c), problem.ranges, reference=problem.reference)
        where = REST if rest.holds else MODEL_VALUES
    kinked = any(isinstance(x, sp.Basic) and x.has(*KINKS) for x in (a, c))  # the difference is 0 on a half-line too
    difference = _difference(claim, correct, problem, context) \
        if where == REST and isinstance(correct, sp.Basic) and not kinked else None
    slip = absolute_value(a, c, problem.ranges, context or problem.context, typed=claim) \
        if kinked and isinstance(c, sp.Basic) else None
    if difference is None and slip is None:
        slip = next((found for x in readings if (found := _slip(x, problem.at_rest(x, rest=False), correct, problem,
                                                                 context)) is not None), None)
        if slip is None and explain is not None:
            slip = explain()
    if where == REST:
        cmp = _off_rest(a_free, c_free, problem) or cmp
    elif with_v and problem.rest is not None:
        # compared at the rest (V = V_ss; g_leak, tau_m are defined there): at the changed inputs V is the rest
        # there, not the model's V_ss
        cmp = _one_change(problem.at_rest(a), problem.at_rest(c), problem) or cmp
    else:  # not at the model's values, where the claim was just found to hold within the tolerance
        cmp = _one_change(a_free, c_free, problem) or cmp
    example = counterexample(cmp, problem.units, unit or problem.result_unit, problem.convert)
    condition = f"V = {problem.rest_name}" if where == REST else None
    identity = Identity(False, difference, slip, example, condition=condition,
                        difference_of=labels if difference is not None else None)
    detail = result.detail
    if where == REST and detail is not None and detail.startswith("holds at the steady state"):
        detail = None  # the verdict says it
    return dataclasses.replace(result, holds_only=where, identity=identity, detail=detail)


def _off_rest(a: Side, c: Side, problem: Problem) -> Comparison | None:
    """The claim away from rest, everything else at the model's values: V = -50 mV (or 0, or -100 mV)."""
    point = _reference(problem)
    for volts in _OFF_REST:
        p = {**point, V: volts}
        x, y = _value(a, p), _value(c, p)
        if y is not None and (x is None or not close(x, y, RTOL)):
            return Comparison(False, "numeric", {V: volts}, x, y)
    return None


def _one_change(a: Side, c: Side, problem: Problem) -> Comparison | None:
    """The claim with one input at an end of its sampled range, every other at the model's values (a side of
    the bath kept electroneutral follows): of those points where it fails, the one where it fails most while
    the correct value stays within a factor 2 of the model's (not a far extrapolation, such as a Q10's)."""
    point = _reference(problem)
    dependent = getattr(problem.ranges, "dependent", {})
    inputs = (a.free_symbols | c.free_symbols) - {V} - set(problem.fixed) - set(dependent)
    worst: tuple[mpmath.mpf, Comparison] | None = None
    here = _value(c, point)
    if here is None:
        return None
    for symbol in sorted(inputs, key=lambda s: s.name):
        if symbol not in problem.ranges or symbol not in point:
            continue
        low, high, _ = problem.ranges[symbol]
        for end in (high, low):
            p = {**point, symbol: mpmath.mpf(end)}
            changed = {symbol: p[symbol]}
            for follower, expr in dependent.items():
                if symbol in expr.free_symbols and follower in p:
                    p[follower] = changed[follower] = evaluate(expr, p)
            x, y = _value(a, p), _value(c, p)
            if y is not None and (x is None or not close(x, y, RTOL)) and abs(y - here) <= abs(here):
                miss = mpmath.inf if x is None else abs(x - y) / max(abs(y), mpmath.mpf(10) ** -30)
                if worst is None or miss > worst[0]:
                    worst = (miss, Comparison(False, "numeric", changed, x, y))
    return None if worst is None else worst[1]


def _slip(a: sp.Expr, a_free: Side, correct: Side, problem: Problem, context: Context | None) -> str | None:
    """The usual slip that makes the claim differ from the correct side as functions of the parameters."""
    if problem.context.alternatives:
        found = target_slip(a_free, problem)
        if found is not None:
            return found
    if not isinstance(correct, sp.Basic):
        return None
    slip = diagnose(a, correct, problem.ranges, context or problem.context)
    if slip is not None and slip.startswith("right only to"):  # close, not a slip: the difference says more
        return None
    return slip


def _known_here_only(result: VerifyResult, a: Side, c: Side, with_v: bool, problem: Problem,
                     unit: str | None) -> VerifyResult:
    """A side known at the model's values only: vary V alone, if the claim has it; else say so."""
    if with_v:
        point = {**_reference(problem), **{s: mpmath.mpf(v) for s, v in {**known_state(a), **known_state(c)}.items()}}
        points = [{**point, V: p[V]} for p in sample_points([V], problem.ranges, _V_SAMPLES, seed=4)]
        here = _value(c, point)  # the correct value there: a counterexample stays within a factor 2 of it
        for p in points:
            x, y = _value(a, p), _value(c, p)
            if y is not None and (x is None or not close(x, y, RTOL)) and (here is None or abs(y - here) <= abs(here)):
                example = counterexample(Comparison(False, "numeric", {V: p[V]}, x, y), problem.units,
                                         unit or problem.result_unit, problem.convert)
                identity = Identity(False, None, None, example, reason=_known_only(a, c),
                                    condition=f"V = {problem.rest_name}")
                return dataclasses.replace(result, holds_only=REST, identity=identity)
    identity = Identity(False, reason=_known_only(a, c))
    detail = result.detail
    if detail is not None and detail.startswith("compared at the model's values only"):
        detail = None  # the verdict says it
    return dataclasses.replace(result, holds_only=MODEL_VALUES, identity=identity, detail=detail)


def _known_only(a: Side, c: Side) -> str:
    names = sorted({*value_only_ids(a), *value_only_ids(c)})
    verb = "is" if len(names) == 1 else "are"
    text = f"{' and '.join(names)} {verb} known at the model's values only"
    used = set(known_state(a)) | set(known_state(c))
    named = set().union(*(x.free_symbols for x in (a, c) if isinstance(x, sp.Basic)))
    if used & named:
        text += ", with the concentrations of the steady state it is taken at"
    return text


def _reference(problem: Problem) -> Point:
    return {s: mpmath.mpf(float(v)) for s, v in (problem.reference or {}).items()}


def _value(side: Side, point: Point) -> mpmath.mpf | None:
    return evaluate(side, point) if isinstance(side, sp.Basic) else side(point)


def _agree(a: Side, b: Side, points: Sequence[Point]) -> bool:
    seen = 0
    for p in points:
        x, y = _value(a, p), _value(b, p)
        if y is None:
            continue
        if x is None or not close(x, y, RTOL):
            return False
        seen += 1
    return seen > 0


# -- the difference, in the user's names -----------------------------------------------------


def _difference(claim: sp.Expr, correct: sp.Expr, problem: Problem, context: Context | None) -> str | None:
    """claim - correct, shortest over the levels of the correct side's names (I_K -> g_K (V - E_K)), if short."""
    definitions = (context.definitions if context is not None and context.definitions else None) or problem.definitions
    levels = [correct]
    for _ in range(_LEVELS - 1):
        try:
            nxt = _substitute(levels[-1], definitions)
        except ValueError:  # a name without a formula here
            break
        if nxt == levels[-1]:
            break
        levels.append(nxt)
    shortest = run_limited(_shortest, claim, levels, timeout=problem.timeout)
    if shortest is None or shortest == 0:
        return None
    text = sp.sstr(_decimal(shortest), full_prec=False)
    return text if len(text) <= _MAX_DIFFERENCE_CHARS else None


def _substitute(e: sp.Expr, definitions) -> sp.Expr:
    from ._definitions import substitute

    return substitute(e, definitions)


def _shortest(claim: sp.Expr, levels: list[sp.Expr]) -> sp.Expr | None:
    best = None
    for level in levels:
        d = sp.factor(sp.expand(claim - level))
        if best is None or sp.count_ops(d) < sp.count_ops(best):
            best = d
    return best


def _decimal(e: sp.Expr) -> sp.Expr:
    """Non-integer rationals as decimals (0.5*g_K, not g_K/2), as the user wrote them."""
    return e.xreplace({r: sp.Float(r, 15) for r in e.atoms(sp.Rational) if not r.is_Integer})
