"""verify(): is a hand-written formula, equation or chain of steps right for a model?

    verify("RT/F ln(K_o/K_i)", against="E_K")           # a formula for a quantity
    verify("dV_pump = -I_pump/g_leak")                    # an equation
    verify("I_K + I_Na + I_Cl + I_pump = 0")              # holds at rest only: V = V_ss
    verify(open("steps.txt").read())                      # one step per line
    verify("RT/F ln(K_o/K_i)", against="V_ghk", model="squid", approx="P_Na/P_K -> 0")
    verify("E_K = 61.5 mV log10(4/140)", tolerance="0.5%")  # numbers: within a tolerance

Names are the model's (see setting.py): parameters, V, the named quantities
E_X, I_X, ... and the derived ids with a formula. A named quantity stands for
the model's own expression. An equation "ID = formula" with ID a derived
quantity is the same as verify(formula, against=ID). An equation that is not an
identity but involves V is also tried at the steady state V = V_ss and then
holds "at rest only" (result.holds_only == "rest"). A formula with numbers that
holds at the model's values is tested as an identity too (scope.py): one that is
none holds "at the model's values only" (holds_only == "model_values"), and
result.identity says how it differs. The result is a VerifyResult (see result.py).

Numbers may carry units (61.5 mV, 96485 C/mol); a claim whose unit dimension
is not the quantity's does not hold. A claim written with numbers that is not
exactly right is checked at the model's values within the tolerance
("0.5%" or "0.1 mV"; DEFAULT_TOLERANCE, 1 %, without one): see numeric_claim.py.
"""

from __future__ import annotations

import re
from dataclasses import replace

import sympy as sp

from ..constants import V
from ..model import Model
from .approx import check_approximation, parse_limit
from .check import check_equation, check_expression, of_another_dimension, rest_detail_text, with_notes
from .dimensions import describe
from .equivalence import VerifyError, compare
from .implicit import at_model_values_only
from .parse import ParseError, parse, parse_expression, parse_written
from .problem import Problem
from .result import VerifyResult
from .scope import qualify
from .setting import Setting
from .steps import check_steps, read_steps
from .tolerance import DEFAULT_TOLERANCE, Tolerance, parse_tolerance

__all__ = ["setting", "verify"]

_ID_EQUATION = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*={1,2}(?!=)(.*)$", re.DOTALL)
_ORDER = re.compile(r"^\s*(\d+)\s*(?:in\s+(.+?))?\s*$", re.DOTALL)


def setting(model: Model | str | None = None) -> Setting:
    """The verification setting of a model (a Model, a built-in name or a TOML path)."""
    if isinstance(model, Model):
        return Setting(model)
    from ..builtin import resolve_model

    return Setting(resolve_model(model))


def _limit(approx: str | None, to_order: str | int | None, names):
    """(Limit, order) from --approx 'EXPR -> 0' and --to-order 'N [in SYMBOL]'."""
    order, symbol = 0, None
    if to_order is not None:
        m = _ORDER.match(str(to_order))
        if not m:
            raise ParseError(f"--to-order reads 'N' or 'N in SYMBOL', not {to_order!r}")
        order, symbol = int(m.group(1)), m.group(2)
    if approx is None and symbol is None:
        raise ParseError("--to-order needs 'in SYMBOL' or an --approx limit")
    option = f"--approx {approx!r}" if approx is not None else f"--to-order {to_order!r}"
    try:
        limit = parse_limit(approx if approx is not None else f"{symbol} -> 0", names)
    except ParseError as exc:  # columns count in the option's text, not in the claim's
        raise ParseError(f"{option}: {exc}") from None
    if approx is not None and symbol is not None and parse_expression(symbol, names) != limit.small:
        raise ParseError(f"--to-order names {symbol}, but --approx is about {limit.text}")
    return limit, order


def _steady_state(lhs: sp.Expr, rhs: sp.Expr, s: Setting, problem: Problem, unit: str | None) -> VerifyResult | None:
    """The equation at V = V_ss, when it is not an identity in V."""
    a, c = problem.expand(lhs), problem.expand(rhs)
    if V not in (a - c).free_symbols or problem.rest is None:
        return None
    a, c = problem.at_rest(a), problem.at_rest(c)
    if at_model_values_only(a) or at_model_values_only(c):
        return None
    cmp = compare(a, c, problem.ranges, reference=problem.reference, timeout=problem.timeout)
    if not cmp.holds:
        return None
    if lhs in problem.definitions:  # I_K = ...: the formula is the claim
        claim, correct, labels = rhs, lhs, ("the right side", sp.sstr(lhs))
    else:
        claim, correct, labels = lhs, rhs, ("the left side", "the right side")
    held = VerifyResult(True, "numeric", detail=rest_detail_text(problem))
    return qualify(held, claim, correct, problem, unit=unit, labels=labels)


def verify(
    text: str,
    against: str | None = None,
    model: Model | str | None = None,
    *,
    approx: str | None = None,
    to_order: str | int | None = None,
    steps: bool | None = None,
    tolerance: str | Tolerance | None = None,
) -> VerifyResult:
    """Is the formula (against a derived quantity), equation or step chain right?

    tolerance: for claims written with numbers, "0.5%" or "0.1 mV" (default 1 %).
    Raises ParseError (unreadable or unsafe text) or VerifyError (a question
    that cannot be answered, e.g. an id the model lacks); both are ValueErrors.
    """
    tol = parse_tolerance(tolerance) if isinstance(tolerance, str) else (tolerance or DEFAULT_TOLERANCE)
    if steps is None:
        steps = len([line for line in text.splitlines() if line.strip()]) > 1
    # Syntax, safety and size first: refused before a model is even loaded.
    if steps:
        read_steps(text, {}, lenient=True)
    else:
        parse(text, {}, lenient=True)
    s = setting(model)
    result = _verify(text, against, s, approx, to_order, steps, tol)
    return replace(result, tolerance=tol.to_json(lambda v, d: s.problem.show(v, s.problem.unit_of(d)).to_json()))


def _verify(text: str, against: str | None, s: Setting, approx, to_order, steps: bool, tol: Tolerance) -> VerifyResult:
    if steps:
        if against or approx or to_order is not None:
            raise VerifyError("a chain of steps is checked line by line: no --against, --approx or --to-order")
        return check_steps(read_steps(text, s.names, s.dimensions), replace(s.problem, tolerance=tol))
    m = _ID_EQUATION.match(text)
    if against is None and m and m.group(1) in s.derivations.ids():
        against, text = m.group(1), " " * m.start(2) + m.group(2)  # columns stay the user's
        label = "the right side"
    elif against is None and m and m.group(1) == V.name and _without_v(m.group(2), s):
        against, text = s.balance_id, " " * m.start(2) + m.group(2)  # V = ... : the resting potential
        label = "the right side"
    else:
        label = "the claim"
    names = s.names_for(against or (m.group(1) if m else None))  # I_K = ... z ...: z is z_K, as in E_K's
    parsed = parse_written(text, names, dimensions=s.dimensions)
    want_approx = approx is not None or to_order is not None
    if against is not None:
        if isinstance(parsed, tuple):
            raise ParseError("with --against give one expression, not an equation")
        correct = s.correct(against)
        problem = replace(s.problem_for(against), tolerance=tol)
        expected = s.dimensions.get(s.symbol(against))
        _check_tolerance(tol, expected, against)
        if want_approx:
            if at_model_values_only(correct):
                raise VerifyError(f"{against} is known at the model's values only in model {s.model.name!r}: "
                                  "no limit to take")
            limit, order = _limit(approx, to_order, names)
            return (of_another_dimension(parsed, correct, expected, problem, label)
                    or with_notes(check_approximation(parsed.value, correct, limit, problem, order), parsed))
        return check_expression(parsed, correct, problem, expected_dim=expected, label=label)
    if not isinstance(parsed, tuple):
        raise VerifyError("nothing to compare with: give --against ID or write an equation 'LHS = RHS'")
    lhs, rhs = parsed
    problem = replace(s.problem, tolerance=tol)
    if want_approx:
        limit, order = _limit(approx, to_order, names)
        return (of_another_dimension(rhs, lhs.value, lhs.dim, problem, "the right side")
                or with_notes(check_approximation(rhs.value, lhs.value, limit, problem, order), rhs))
    _check_tolerance(tol, lhs.dim if lhs.dim is not None else rhs.dim, "the equation")
    result = check_equation(lhs, rhs, problem)
    if not result.holds and not result.dimensions:
        unit = problem.unit_of(lhs.dim if lhs.dim is not None else rhs.dim)
        return _steady_state(lhs.value, rhs.value, s, problem, unit) or result
    return result


def _without_v(text: str, s: Setting) -> bool:
    """Is the right side of 'V = ...' free of V (then V is the resting potential it claims)?"""
    try:
        side = parse_written(text, s.names, dimensions=s.dimensions)
    except ValueError:
        return False
    return not isinstance(side, tuple) and V not in s.problem.expand(side.value).free_symbols


def _check_tolerance(tol: Tolerance, dim, what: str) -> None:
    """An absolute tolerance must have the dimension of what it is applied to."""
    if not tol.applies_to(dim):
        raise VerifyError(f"--tolerance {tol.text} is {describe(tol.dim)}; {what} is {describe(dim)}")
