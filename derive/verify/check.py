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
from fractions import Fraction

import mpmath
import sympy as sp

from ..constants import V
from ._numeric import evaluate
from .diagnose import Context, diagnose
from .dimensions import Dim, describe, mul, power
from .equivalence import RTOL, Comparison, Side, VerifyError, compare, compare_numeric, counterexample, symbolic_zero
from .implicit import (
    Implicit,
    Substituted,
    ValueOnly,
    at_model_values_only,
    known_state,
    value_at_state,
    value_only_ids,
)
from .numbers import number_text, read_numbers, si_scale
from .numeric_claim import check_numeric, explain_numbers
from .parse import Written
from .problem import Problem
from .result import Identity, VerifyResult
from .scope import MODEL_VALUES, STEADY_STATE, is_formula, qualify, target_slip

__all__ = ["check_equation", "check_expression", "rest_detail_text"]

Claim = Side | Written
_MODEL_VALUES_DETAIL = "compared at the model's values only"
_DIMENSION_SLIPS = ("a product where a quotient belongs", "a quotient where a product belongs", "the reciprocal")


def _context(problem: Problem, written: sp.Expr | None = None) -> Context:
    """The problem's context with its fixed values, definitions, kinds and the claim's own symbols."""
    return dataclasses.replace(
        problem.context,
        fixed={**problem.fixed, **problem.context.fixed},
        definitions=problem.context.definitions or problem.definitions,
        written=None if written is None else frozenset(problem.expand(written, fix=False).free_symbols),
        typed=None if written is None else frozenset(written.free_symbols),
        kinds=problem.context.kinds if problem.context.kinds is not None else (problem.dimensions or None),
    )


def _sides(a: Side, c: Side, problem: Problem) -> tuple[Side, Side]:
    """Both sides as numeric targets: V at rest unless both are functions of V (then V is free)."""
    both = all(isinstance(x, sp.Basic) and V in x.free_symbols for x in (a, c))
    return problem.at_rest(a, rest=not both), problem.at_rest(c, rest=not both)


def _at_model_values(a: Side, c: Side, problem: Problem, unit: str | None) -> VerifyResult:
    """Compare with a quantity known only at the model's values, at those values."""
    # A steady state whose concentrations moved is known at its own concentrations: the claim's are those too.
    state = {**known_state(a), **known_state(c)}
    reference = {**(problem.reference or {}), **state}
    symbols = set(a.free_symbols) | set(c.free_symbols)
    point = {s: mpmath.mpf(float(reference[s])) for s in symbols if s in reference}
    names = " and ".join(sorted({*value_only_ids(a), *value_only_ids(c)}))
    given = _reference(problem)
    value, target = value_at_state(a, point, given), value_at_state(c, point, given)
    shown = {s: v for s, v in point.items() if s in _plain_symbols(a) and s != V}
    if len(point) < len(symbols) or value is None or target is None:
        raise VerifyError(f"the claim has no value at the model's parameters (it cannot be compared with {names})")
    holds = abs(value - target) <= RTOL * max(abs(value), abs(target))
    verb = "is" if " and " not in names else "are"
    detail = f"{_MODEL_VALUES_DETAIL}: {names} {verb} known there and nowhere else"
    used = {s: v for s, v in state.items() if s in point}
    if used:
        detail += (", with the concentrations of the steady state it is taken at ("
                   + ", ".join(f"{s.name} = {_shown(problem, s, v)}" for s, v in sorted(used.items(), key=str)) + ")")
    if holds:
        return VerifyResult(True, "numeric", detail=detail)
    slip = next((name for name, alt in problem.context.alternatives.items()
                 if _close_at(a, problem.at_rest(problem.expand(alt)), point)), None)
    cmp = Comparison(False, "numeric", shown, value, target)
    return VerifyResult(False, "numeric", slip, counterexample(cmp, problem.units, unit, problem.convert), detail=detail)


def _shown(problem: Problem, symbol: sp.Symbol, value: float) -> str:
    """A value in the model's unit for the symbol, 6 significant digits."""
    unit = problem.units.get(symbol.name, "1")
    return f"{problem.convert(value, unit):.6g} {unit}" if unit != "1" else f"{value:.6g}"


def _plain_symbols(side: Side) -> set[sp.Symbol]:
    """The parameters a side names itself (not those of the targets inside it)."""
    if isinstance(side, Substituted):
        return side.expr.free_symbols - {s for s, _ in side.targets}
    return set(side.free_symbols)


def _close_at(a: Side, b: Side, point) -> bool:
    x, y = _value(a, point), _value(b, point)
    return x is not None and y is not None and abs(x - y) <= RTOL * max(abs(x), abs(y))


def _value(side: Side, point) -> mpmath.mpf | None:
    return evaluate(side, point) if isinstance(side, sp.Basic) else side(point)


def _name(correct: Side | ValueOnly) -> str:
    if isinstance(correct, ValueOnly):
        return correct.quantity_id
    return correct.name if isinstance(correct, sp.Symbol) else "the correct side"


def _wrong_dimension(
    claimed: Written, correct: Side | ValueOnly, expected: Dim, problem: Problem, label: str
) -> VerifyResult:
    """The claim has another unit dimension: say so, name both, and what explains it if something does."""
    assert claimed.dim is not None
    sentence = f"{label} is {describe(claimed.dim)}, {_name(correct)} is {describe(expected)}"
    hint = _unit_hint(claimed, correct, expected, problem) if claimed.literals else None
    slip = None
    if hint is None and isinstance(correct, sp.Basic):
        formula = claimed.value
        if claimed.literals and problem.known is not None:  # the numbers read back as symbols
            formula = read_numbers(claimed, problem.known(), set(problem.expand(correct, fix=False).free_symbols)).formula
        slip = diagnose(problem.expand(formula), correct, problem.ranges, _context(problem, formula))
        if slip is not None and not slip.startswith(_DIMENSION_SLIPS):  # only these change the dimension
            slip = None
    dims = {
        "claimed": {"dimension": describe(claimed.dim, article=False), "unit": problem.unit_of(claimed.dim)},
        "correct": {"dimension": describe(expected, article=False), "unit": problem.unit_of(expected)},
    }
    if hint:
        diagnosis = f"wrong dimension: {sentence}; {hint}"
    else:
        diagnosis = f"{slip} ({sentence})" if slip else f"wrong dimension: {sentence}"
    return VerifyResult(False, "symbolic", diagnosis, dimensions=dims)


def _unit_hint(claimed: Written, correct: Side, expected: Dim, problem: Problem) -> str | None:
    """A bare number that needs a unit (61.54 log10(...): 61.54 mV), or a unit that belongs to the result."""
    c = _value(problem.at_rest(problem.expand(correct)) if isinstance(correct, sp.Basic) else correct,
               _reference(problem))
    if c is None:
        return None

    def right(values: dict, factor: sp.Expr | int = 1) -> bool:
        expr = problem.at_rest(problem.expand(claimed.with_numbers(values) * factor))
        a = _value(expr, _reference(problem))
        return a is not None and problem.tolerance.allows(a, c, expected)

    missing = power(claimed.dim, Fraction(-1))
    needed = mul(expected, missing)  # the dimension a bare factor lacks
    for lit in claimed.literals:
        if lit.unit is None and needed:
            unit = problem.unit_of(needed)
            scale = _si(unit)
            if scale is not None and right({lit.symbol: lit.value * scale}):
                return f"the bare number {lit.text} is a pure number: write {lit.text} {unit}"
        moved = lit.unit is not None and lit.dim and mul(claimed.dim, power(lit.dim, Fraction(2))) == expected
        if moved and right({lit.symbol: lit.number}, _si(lit.unit) or 1):  # '/0.15 mV': the mV of the result
            return (f"'/{lit.text}' divides by the unit too; for a result in {lit.unit} "
                    f"write '/{number_text(lit)} * 1 {lit.unit}'")
    return None


def _si(unit: str | None) -> sp.Rational | None:
    """The SI value of one unit (None where there is none to read)."""
    if not unit:
        return None
    try:
        return si_scale(unit)
    except ValueError:
        return None


def _reference(problem: Problem) -> dict:
    return {s: mpmath.mpf(float(v)) for s, v in (problem.reference or {}).items()}


def check_expression(
    claimed: Claim,
    correct: Side | ValueOnly,
    problem: Problem,
    result_unit: str | None = None,
    *,
    expected_dim: Dim | None = None,
    label: str = "the claim",
    numbers: bool = False,
    slips: bool = True,
) -> VerifyResult:
    """Does claimed equal correct (both may use defined names, either may be a Target)?

    expected_dim: the correct side's dimension, when known; a Written claim of
    another dimension does not hold. label names the claim in that message.
    numbers: compare within the tolerance even if the claim has no numbers
    (the correct side has: a worked example's previous line).
    slips: look for another whole number that makes a formula right (off where that check runs it).
    """
    written = claimed if isinstance(claimed, Written) else None
    claim = written.value if written is not None else claimed
    if numbers and written is None and isinstance(claim, sp.Basic):
        written = Written(claim, claim)
    dim = expected_dim if expected_dim is not None else (written.dim if written is not None else None)
    unit = result_unit or problem.result_unit or problem.unit_of(dim)
    wrong = of_another_dimension(written, correct, expected_dim, problem, label) if written is not None else None
    if wrong is not None:
        return wrong
    numeric = written is not None and (bool(written.literals) or numbers) and isinstance(claim, sp.Basic)
    a = problem.expand(claim) if isinstance(claim, sp.Basic) else claim
    c = problem.expand(correct) if isinstance(correct, sp.Basic) else correct
    a_side, c_side = _sides(a, c, problem)
    symbolic = isinstance(a, sp.Basic) and isinstance(correct, sp.Basic)
    context = _context(problem, claim if isinstance(claim, sp.Basic) else None)
    if numeric:
        if not (at_model_values_only(a_side) or at_model_values_only(c_side)):
            cmp = compare_numeric(a_side, c_side, problem.ranges, reference=problem.reference)
            if cmp.holds:  # right for every value of the parameters, not only the model's
                proven = symbolic and a_side is a and c_side is c and symbolic_zero(a - c, problem.ranges, problem.timeout)
                result = VerifyResult(True, "symbolic" if proven else "numeric", detail=_rest_detail(a_side, c_side, problem))
                return with_notes(_where(result, claim, correct, problem, context, unit, label), written)
        original = correct if isinstance(correct, sp.Basic) else None
        result = check_numeric(written, a, c, problem, unit=unit, dim=dim, original=original,  # type: ignore[arg-type]
                               context=context)
        if result.holds and is_formula(claim, problem):  # numbers and symbols: is it right for every value?
            formula = read_numbers(written, problem.known() if problem.known else [], _preferred(c, original, problem),
                                   original, problem.dimensions)
            result = qualify(result, formula.formula, correct, problem, context=context, unit=unit,  # type: ignore[arg-type]
                             labels=_labels(label, correct), literal=claim,
                             explain=lambda: explain_numbers(written, a, c, problem, unit=unit, dim=dim,  # type: ignore[arg-type]
                                                             original=original, context=context))
        value = not is_formula(claim, problem)  # a value (0.9623 uA/cm^2): judged within the tolerance there too
        result = _at_the_steady_state(result, a, c, problem, dim, True, value)
        named = _whole_number_slip(result, written, c, problem)
        if slips and not value and named is result:
            named = _whole_number_in_formula(result, written, correct, problem, result_unit, expected_dim, label)
        result = named
        return with_notes(result, written)
    if at_model_values_only(a_side) or at_model_values_only(c_side):
        result = _at_model_values(a_side, c_side, problem, unit)
        return _where(result, claim, correct, problem, context, unit, label)
    if a_side is a and c_side is c:
        cmp = compare(a, c, problem.ranges, reference=problem.reference, timeout=problem.timeout)
    else:
        cmp = compare_numeric(a_side, c_side, problem.ranges, reference=problem.reference)
    if cmp.holds:
        result = VerifyResult(True, cmp.method, detail=_rest_detail(a_side, c_side, problem))
        return with_notes(_where(result, claim, correct, problem, context, unit, label), written)
    slip = diagnose(a, correct, problem.ranges, context, typed=claim) if symbolic else target_slip(a_side, problem)  # type: ignore[arg-type]
    example = counterexample(cmp, problem.units, unit, problem.convert, _rest_potential(cmp, a_side, c_side))
    result = _at_the_steady_state(VerifyResult(False, cmp.method, slip, example), a, c, problem, dim, False)
    return with_notes(result, written)


def _rest_potential(cmp: Comparison, a: Side, c: Side) -> mpmath.mpf | None:
    """V at the differing point, where a side is a function of V taken at the inputs' resting state (squid's I_K at
    V_ss: the counterexample said neither V nor that it was V_ss); None where no side is, or where one side is V
    itself (V_ss = ...: its value is the correct one)."""
    if cmp.point is None or any(isinstance(side, Implicit) and side.unknown == V for side in (a, c)):
        return None
    sides = [side for side in (a, c) if isinstance(side, Substituted) and V in dict(side.targets)]
    for side in sides:
        if V in side.expr.free_symbols:
            values = side.solved(cmp.point)
            return None if values is None else values[V]
    return None


def _at_the_steady_state(result: VerifyResult, a: Side, c: Side, problem: Problem, dim: Dim | None,
                         numbers: bool, value: bool = False) -> VerifyResult:
    """A claim on currents that fails at the file's concentrations (V = V_balance) but holds at the full steady
    state of a cell whose concentrations move: there each ion's leak balances its pump share (the pump-leak cell's
    I_K = 2 I_pump), which the file's rounded start only nears. It holds there only, said with that state; no slip
    is looked for. A formula must be exact there (to RTOL of its size at the file's values), numbers as written; a
    ``value`` (I_K = 0.9623 uA/cm^2, rounded) within the tolerance."""
    steady = problem.steady
    if result.holds and result.holds_only != MODEL_VALUES or not steady:
        return result
    if not all(isinstance(x, sp.Basic) for x in (a, c)):
        return result
    if V not in a.free_symbols | c.free_symbols:  # a claim that does not depend on the state
        return result
    point = _steady_point(problem)
    x, y = evaluate(a, point), evaluate(c, point)
    here = evaluate(c, _reference(problem))  # its size at the file's values: I_Cl = 0 is judged on it
    if x is None or y is None or here is None:
        return result
    if value and result.holds:  # a value that holds at the file's values holds: nothing to add
        return result
    exact = abs(x - y) <= RTOL * max(abs(x), abs(y), abs(here))  # as a flux balance is
    if not (exact or value and problem.tolerance.allows(x, y, dim, scale=here)):
        return result
    state = ", ".join(f"{s.name} = {_shown(problem, s, v)}" for s, v in steady.items() if s != V)
    condition = f"V = V_ss = {problem.convert(steady[V], 'mV'):.6g} mV, with the concentrations there: {state}"
    detail, example = result.detail, result.counterexample
    if not numbers and example is not None:  # what it is at the file's values, as a claim with numbers says it
        detail = (f"at the model's values (V = {problem.rest_name}) the claim is {_text(example.claimed)}, the correct "
                  f"value {_text(example.correct)}")
    return dataclasses.replace(result, holds=True, diagnosis=None, counterexample=None, holds_only=STEADY_STATE,
                               detail=detail, identity=Identity(False, condition=condition, exact=exact))


def _steady_point(problem: Problem) -> dict:
    """The model's values with V and the concentrations at the full steady state (problem.steady)."""
    return {**_reference(problem), **{s: mpmath.mpf(v) for s, v in problem.steady.items()}}


_WHOLE = (1, 2, 3, 4, 5)  # whole numbers a slip may have swapped (a pump's 3 Na+ and 2 K+ per cycle)


def _the_whole_number(written: Written):
    """The claim's one bare whole number of _WHOLE (its Literal), or None where it has none or several."""
    whole = [lit for lit in written.literals if lit.unit is None and lit.number.is_Integer and abs(lit.number) in _WHOLE]
    return whole[0] if len(whole) == 1 else None


def _other_whole_numbers(*written: int) -> list[int]:
    """+-1 .. +-5 but ``written``, smallest first (a positive before its negative)."""
    return sorted({k * sign for k in _WHOLE for sign in (1, -1)} - set(written), key=lambda k: (abs(k), -k))


def _whole_number_slip(result: VerifyResult, written: Written, c: Side, problem: Problem) -> VerifyResult:
    """``result`` of a claim that fails, with its slip named where another whole number in place of the one it
    writes makes it exact at the full steady state (I_Na = -2 I_pump on a cell whose pump moves 3 Na+ per cycle:
    at the file's rounded start the number that fits is 2.995, which says nothing of the 3)."""
    steady = problem.steady
    if result.holds or not steady or not isinstance(c, sp.Basic):
        return result
    lit = _the_whole_number(written)
    if lit is None:
        return result
    point, reference = _steady_point(problem), _reference(problem)
    y = evaluate(c, point)
    if y is None or y == 0:
        return result
    here = evaluate(c, reference)
    negated = problem.expand(written.with_numbers({lit.symbol: -lit.number}))
    x = evaluate(negated, point)
    if x is not None and abs(x - y) <= RTOL * abs(y):  # a sign flipped, said as such (not "2 would have to be
        return dataclasses.replace(result, diagnosis="sign flipped")  # -2.0549", the file's rounded start)
    # only where the file's values do not fit it already
    for n in _other_whole_numbers(int(lit.number), -int(lit.number)):
        changed = problem.expand(written.with_numbers({lit.symbol: sp.Integer(n)}))
        x, x_here = evaluate(changed, point), evaluate(changed, reference)
        if here is not None and x_here is not None and abs(x_here - here) <= RTOL * abs(here):
            return result
        if x is not None and abs(x - y) <= RTOL * abs(y):
            pump = "I_pump" in {s.name for s in written.value.free_symbols}
            share = ", where each ion's leak carries its share of the pump's cycle (its stoichiometry)" if pump else ""
            slip = f"the number {lit.text} would have to be {n}: with {n} the claim is exact at the steady state{share}"
            return dataclasses.replace(result, diagnosis=slip)
    return result


def _whole_number_in_formula(result: VerifyResult, written: Written, correct: Side | ValueOnly, problem: Problem,
                             unit: str | None, dim: Dim | None, label: str) -> VerifyResult:
    """``result`` of a formula that fails, with its slip named where another small whole number in place of the
    one it writes makes it hold for every value: E_K = RT/(2F) ln(K_o/K_i) has K+'s valence 2 (z_K = 1)."""
    if result.holds or not (result.diagnosis is None or result.diagnosis.startswith("the number ")):
        return result
    lit, reference = _the_whole_number(written), _reference(problem)
    if lit is None:
        return result
    y = _value(problem.at_rest(problem.expand(correct) if isinstance(correct, sp.Basic) else correct), reference)
    if y is None or y == 0:
        return result
    for n in _other_whole_numbers(int(lit.number)):
        value = written.with_numbers({lit.symbol: sp.Integer(n)})
        x = _value(problem.at_rest(problem.expand(value)), reference)
        if x is None or not problem.tolerance.allows(x, y, dim):  # a cheap look at the model's values first
            continue
        changed = dataclasses.replace(written, value=value, template=written.template.xreplace({lit.symbol: value}),
                                      literals=tuple(other for other in written.literals if other is not lit))
        again = check_expression(changed, correct, problem, unit, expected_dim=dim, label=label, slips=False)
        if again.holds and again.holds_only is None:
            valence = _valence_of(n, lit, written, correct, problem)
            return dataclasses.replace(result, diagnosis=f"the number {lit.text} would have to be {n}{valence}: "
                                                         f"with {n} the claim holds")
    return result


def _valence_of(n: int, lit, written: Written, correct: Side | ValueOnly, problem: Problem) -> str:
    """", the valence of K (z_K = 1)" where the number divides, as a valence does in RT/(zF), and the correct side
    has a valence of that size; else ""."""
    divides = any(p.base == lit.symbol and p.exp.is_negative for p in written.template.atoms(sp.Pow))
    if not divides or not isinstance(correct, sp.Basic):
        return ""
    for s in sorted(problem.expand(correct, fix=False).free_symbols, key=lambda s: s.name):
        value = problem.fixed.get(s)
        if s.name.startswith("z_") and value is not None and abs(value) == abs(n):
            ion = s.name[2:]
            what = f"the valence of {ion}" if value == n else f"the size of {ion}'s valence"
            return f", {what} ({s.name} = {value})"
    return ""


def _text(value) -> str:
    """A Value as a line shows it: 6 significant digits and its unit."""
    if value is None:
        return "undefined"
    return f"{value.value:.6g}" + ("" if value.unit in (None, "1") else f" {value.unit}")


def _preferred(correct: Side, original: sp.Expr | None, problem: Problem) -> set[sp.Symbol]:
    """The symbols a claim's numbers are read as first: those of the correct side, at every level."""
    prefer = set(correct.free_symbols)
    if original is not None:
        prefer |= set(problem.expand(original, fix=False).free_symbols) | set(original.free_symbols)
    return prefer


def _labels(label: str, correct: Side | ValueOnly) -> tuple[str, str]:
    """What the claim and the correct side are called: (the right side, I_K), (the left side, the right side)."""
    if isinstance(correct, sp.Symbol):
        return label, correct.name
    other = {"the right side": "the left side", "the left side": "the right side"}.get(label, "the correct side")
    return label, other


def _where(result: VerifyResult, claim: Side, correct: Side | ValueOnly, problem: Problem, context: Context,
           unit: str | None, label: str) -> VerifyResult:
    """A claim that holds with V at rest, or at the model's values only: does it hold for every value too?"""
    at_rest = result.detail is not None and result.detail == rest_detail_text(problem)
    model_only = result.detail is not None and result.detail.startswith(_MODEL_VALUES_DETAIL)
    if not result.holds or not (at_rest or model_only) or not is_formula(claim, problem):
        return result  # a value (0 for the current balance) is compared at rest, as the detail says
    qualified = qualify(result, claim, correct, problem, context=context, unit=unit,  # type: ignore[arg-type]
                        labels=_labels(label, correct))
    if qualified.holds_only is None and at_rest:  # a quantity meant at rest (g_leak): V at rest is its definition
        return dataclasses.replace(qualified, detail=None)
    return qualified


def _rest_detail(a: Side, c: Side, problem: Problem) -> str | None:
    """Where V was put at rest: the claim holds at the steady state, not for every V."""
    if any(isinstance(x, Substituted) and V in dict(x.targets) for x in (a, c)):
        return rest_detail_text(problem)
    return None


def rest_detail_text(problem: Problem) -> str:
    if problem.rest_name == "V_balance":  # concentrations that move: the balance at the file's, not the steady state
        return "holds at the current balance V = V_balance (the file's concentrations), not for every V"
    return f"holds at the steady state V = {problem.rest_name}, not for every V"


def with_notes(result: VerifyResult, written: Written | None) -> VerifyResult:
    """Add how the claim was read where a user may not expect it; such a reading is the slip, if any."""
    if written is None:
        return result
    notes = list(written.notes)
    if "log" in written.functions and "ln 10" in (result.diagnosis or ""):
        notes.append("log is the natural logarithm here, as ln; for the base-10 logarithm write log10")
    if not notes and not written.readings:
        return result
    diagnosis = None if written.notes and not result.holds else result.diagnosis
    said = (*result.notes, *notes, *written.readings)
    return dataclasses.replace(result, diagnosis=diagnosis, notes=tuple(dict.fromkeys(said)))


def of_another_dimension(claim: Claim, correct: Side, expected: Dim | None, problem: Problem,
                         label: str = "the claim") -> VerifyResult | None:
    """The answer for a written claim whose unit dimension is not the correct side's, or None (the same or unknown)."""
    if not isinstance(claim, Written) or claim.dim is None or expected is None or claim.dim == expected:
        return None
    return with_notes(_wrong_dimension(claim, correct, expected, problem, label), claim)


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
