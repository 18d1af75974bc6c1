"""Check a chain of hand-derivation steps, one equation or expression per line.

Input: one step per line; '#' starts a comment; blank lines, \\begin{...} and
\\end{...} lines are ignored; LaTeX '&' and a trailing '\\\\' are allowed. A line
that starts with '=' continues the previous line ("= RT/F ln(K_o/K_i)").

What "follows from" means, per kind of line:

- an expression (or a '= ...' line) must equal the previous value (the
  previous expression, or the right side of the previous equation);
- an equation whose left side is a defined name (E_K, V_ss, ... in a model)
  is a claim about that quantity: its right side must equal the definition;
- an identity (true for all values once names are expanded) is always fine;
- any other equation is a condition on the unknowns (V, ...). It must have the
  same solution set as the previous condition: their residuals L - R must
  differ by a factor that is finite, nonzero and of one sign over the sampled
  range (so rearranging, multiplying by g_K + g_Na, taking exp of both sides
  and solving for a variable are all legal), and when either is solved for a
  symbol (x = ...) that value must satisfy the other. The first condition in
  a chain is a premise and is not checked.

Lines may hold numbers with units (a worked example: "= 26.7 mV ln(4/140)",
"= -95 mV"): a line with numbers is compared with the line before at the
model's values, within the tolerance (numeric_claim.py); an equation with
numbers and no unknown (RT/F = 26.7 mV) is such a claim too. Values are shown
in the units of the model file.

The first line that does not follow is reported with its line number. A line that holds
only at rest or only at the model's values (scope.py) does not stop the chain; the first
such line is named and the chain holds only there too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import mpmath
import sympy as sp

from ..constants import V
from ._budget import run_limited
from ._numeric import evaluate, free_symbols, sample_points
from .check import check_equation, check_expression
from .dimensions import Dim
from .equivalence import symbolic_zero
from .parse import ParseError, Written, parse_written
from .problem import Problem, substitute
from .result import VerifyResult
from .scope import where_text

__all__ = ["Step", "check_steps", "read_steps"]

_SAMPLES = 16
_RTOL = 1e-9


@dataclass(frozen=True)
class Step:
    """One line: lhs None for an expression, continued True for a '= ...' line.

    lhs_written, rhs_written: the sides as written (numbers, dimension).
    """

    line: int
    text: str
    lhs: sp.Expr | None
    rhs: sp.Expr
    continued: bool = False
    lhs_written: Written | None = None
    rhs_written: Written | None = None

    @property
    def has_numbers(self) -> bool:
        return any(w is not None and w.literals for w in (self.lhs_written, self.rhs_written))


def _strip(raw: str) -> str:
    text = raw.split("#", 1)[0].rstrip()
    text = text.removesuffix("\\\\")
    return text


def read_steps(
    text: str,
    names: Mapping[str, sp.Expr],
    dimensions: Mapping[sp.Symbol, Dim | None] | None = None,
    *,
    lenient: bool = False,
) -> list[Step]:
    """Parse every step; a ParseError names the line and the column (lenient, dimensions: see parse)."""
    steps: list[Step] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        body = _strip(raw)
        stripped = body.strip()
        if not stripped or stripped.startswith(("\\begin", "\\end")):
            continue
        lead = body.lstrip(" \t&")
        continued = lead.startswith("=")
        if continued and not steps:
            raise ParseError("the first step starts with '=': it continues no line before it", line=number)
        if continued:  # keep columns: blank the leading '='
            at = len(body) - len(lead)
            body = body[:at] + " " + body[at + 1 :]
        try:
            parsed = parse_written(body, names, lenient=lenient, dimensions=dimensions)
        except ParseError as exc:
            raise ParseError(exc.message, exc.column, exc.token, line=number) from None
        if isinstance(parsed, tuple):
            if continued:
                raise ParseError("a line starting with '=' holds one expression", line=number)
            lhs, rhs = parsed
            steps.append(Step(number, stripped, lhs.value, rhs.value, lhs_written=lhs, rhs_written=rhs))
        else:
            steps.append(Step(number, stripped, None, parsed.value, continued, rhs_written=parsed))
    if not steps:
        raise ParseError("no steps found")
    return steps


def _solved_for(step: Step, problem: Problem) -> sp.Symbol | None:
    """x when the step reads 'x = ...' with x a free (undefined) symbol."""
    lhs = step.lhs
    if isinstance(lhs, sp.Symbol) and lhs not in problem.definitions and lhs not in step.rhs.free_symbols:
        return lhs
    return None


def _residual_vanishes(residual: sp.Expr, x: sp.Symbol, value: sp.Expr, problem: Problem) -> bool:
    """Does residual(x = value) vanish at sample points (relative to its terms)?"""
    at = residual.xreplace({x: value})
    terms = sp.Add.make_args(at)
    for point in sample_points(free_symbols(at), problem.ranges, _SAMPLES, seed=2):
        total = evaluate(at, point)
        if total is None:
            continue
        scale = mpmath.fsum(abs(t) for t in (evaluate(term, point) for term in terms) if t is not None)
        if abs(total) > _RTOL * scale + mpmath.mpf("1e-35"):
            return False
    return True


def _same_solutions(prev: sp.Expr, new: sp.Expr, problem: Problem) -> bool:
    """Residuals related by a finite, nonzero factor of constant sign, with the same root in V where they hold V:
    the sign alone misses a small term's sign flipped (the pump's 0.75 uA/cm^2 beside V times 0.15 mS/cm^2)."""
    return _same_sign(prev, new, problem) and (V not in prev.free_symbols | new.free_symbols
                                               or _same_roots_in_v(prev, new, problem))


def _same_roots_in_v(prev: sp.Expr, new: sp.Expr, problem: Problem) -> bool:
    """Where prev = 0 has a root in V (in V's range) at a sample of the other symbols, new vanishes there too."""
    low, high = (mpmath.mpf(x) for x in problem.ranges[V][:2])
    for point in sample_points([s for s in free_symbols(prev, new) if s != V], problem.ranges, _SAMPLES, seed=5):
        at = _in_v(prev, point)
        try:
            if (at(low) > 0) == (at(high) > 0):
                continue
            root = mpmath.findroot(at, (low, high), solver="illinois")
        except (ValueError, ZeroDivisionError, TypeError):
            continue
        here = evaluate(new, {**point, V: root})
        terms = [evaluate(t, {**point, V: root}) for t in sp.Add.make_args(sp.expand(new))]
        scale = mpmath.fsum(abs(t) for t in terms if t is not None)
        if here is None or abs(here) > mpmath.mpf("1e-6") * scale + mpmath.mpf("1e-35"):
            return False
    return True


def _in_v(residual: sp.Expr, point: dict):
    """v -> the residual at ``point`` with V = v (ValueError where it is undefined)."""
    def at(v: mpmath.mpf) -> mpmath.mpf:
        value = evaluate(residual, {**point, V: v})
        if value is None:
            raise ValueError("undefined")
        return value
    return at


def _same_sign(prev: sp.Expr, new: sp.Expr, problem: Problem) -> bool:
    """Residuals related by a finite, nonzero factor of constant sign."""
    sign = 0
    seen = 0
    for point in sample_points(free_symbols(prev, new), problem.ranges, _SAMPLES, seed=3):
        a, b = evaluate(prev, point), evaluate(new, point)
        if a is None or b is None:
            continue
        if a == 0 or b == 0:
            return False
        s = 1 if (a > 0) == (b > 0) else -1
        if sign and s != sign:
            return False
        sign, seen = s, seen + 1
    return seen >= 3


def _solve_one(residual: sp.Expr, x: sp.Symbol) -> sp.Expr | None:
    solutions = sp.solve(residual, x, dict=False)
    # solve writes log(a**b); b*log(a) reads like a hand derivation again
    return sp.expand_log(solutions[0]) if len(solutions) == 1 else None


class _Chain:
    """Walks the steps, remembering the last value and the last condition."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.value: tuple[Step, sp.Expr, Written | None] | None = None
        self.condition: tuple[Step, sp.Expr] | None = None
        self.method = "symbolic"
        self.conditional: tuple[Step, VerifyResult] | None = None

    def fail(self, step: Step, why: str, result: VerifyResult | None = None) -> VerifyResult:
        r = result or VerifyResult(False, "numeric")
        return dataclasses.replace(r, holds=False, line=step.line, detail=why + (f" ({r.detail})" if r.detail else ""))

    def expression(self, step: Step) -> VerifyResult | None:
        if self.value is not None:
            prev, value, written = self.value
            numbers = step.has_numbers or (written is not None and bool(written.literals))
            r = check_expression(
                step.rhs_written or step.rhs, value, self.problem,
                expected_dim=written.dim if written is not None else None,
                label=f"line {step.line}", numbers=numbers,
            )
            if not r.holds:
                if r.diagnosis is None and numbers:
                    r = self._diagnose_against_the_left_side(step, prev, r)
                # its "correct value" is the line before's: said so (-95.0251 mV was read as the model's E_K)
                detail = None if r.detail is None else r.detail.replace("the correct value", f"line {prev.line}'s value") \
                    .replace("the claim differs", f"line {step.line} differs")
                r = dataclasses.replace(r, compared=(f"line {step.line}", f"line {prev.line}"), detail=detail)
                return self.fail(step, f"line {step.line} is not equal to line {prev.line}", r)
            self._note(r.method, r, step)
        self.value = (step, step.rhs, step.rhs_written)
        return None

    def _diagnose_against_the_left_side(self, step: Step, prev: Step, r: VerifyResult) -> VerifyResult:
        """After 'RT/F = <numbers>', a wrong '= 25.3 mV' is diagnosed against RT/F itself."""
        lhs = prev.lhs_written
        if lhs is None or lhs.literals:
            return r
        again = check_expression(step.rhs_written or step.rhs, lhs.value, self.problem, expected_dim=lhs.dim, numbers=True)
        return dataclasses.replace(r, diagnosis=again.diagnosis) if not again.holds else r

    def equation(self, step: Step) -> VerifyResult | None:
        p = self.problem
        assert step.lhs is not None
        self.value = (step, step.rhs, step.rhs_written)
        if step.lhs in p.definitions:
            r = check_expression(
                step.rhs_written or step.rhs, step.lhs, p,
                expected_dim=step.lhs_written.dim if step.lhs_written is not None else None,
                label="the right side",
            )
            if not r.holds:
                return self.fail(step, f"line {step.line}: the right side is not {step.lhs}", r)
            self._note(r.method, r, step)
            return None
        residual = p.expand(step.lhs - step.rhs)
        if step.has_numbers and V not in residual.free_symbols:
            return self._numeric_equation(step)
        if symbolic_zero(residual, p.ranges, p.timeout):
            return None  # an identity
        if self.condition is None:
            self.condition = (step, residual)
            return None
        prev_step, prev = self.condition
        self.condition = (step, residual)
        self._note("numeric")
        if self._follows(prev_step, prev, step, residual):
            return None
        return self._explain(prev_step, step)

    def _numeric_equation(self, step: Step) -> VerifyResult | None:
        """RT/F = 26.7 mV: a claim with numbers, at the model's values."""
        assert step.lhs_written is not None and step.rhs_written is not None
        r = check_equation(step.lhs_written, step.rhs_written, self.problem)
        if not r.holds:
            return self.fail(step, f"line {step.line}: the two sides differ", r)
        self._note(r.method, r, step)
        return None

    def _follows(self, prev_step: Step, prev: sp.Expr, step: Step, new: sp.Expr) -> bool:
        p = self.problem
        if not _same_solutions(prev, new, p):
            return False
        for solved, other in ((step, prev), (prev_step, new)):
            x = _solved_for(solved, p)
            if x is not None and not _residual_vanishes(other, x, p.expand(solved.rhs), p):
                return False
        return True

    def _explain(self, prev_step: Step, step: Step) -> VerifyResult:
        why = f"line {step.line} does not follow from line {prev_step.line}"
        x = _solved_for(step, self.problem)
        if x is not None:
            # Solve the previous line with as few names expanded as possible, so
            # that the slip is named in the user's terms (the term I_pump).
            prev = self._least_expanded(prev_step.lhs - prev_step.rhs, x)
            solution = run_limited(_solve_one, prev, x, timeout=self.problem.timeout)
            if solution is not None:
                r = check_expression(step.rhs_written or step.rhs, solution, self.problem)
                if not r.holds:
                    return self.fail(step, f"{why}: {x} = {solution} there", r)
        elif V in (prev_step.lhs - prev_step.rhs).free_symbols | (step.lhs - step.rhs).free_symbols:
            # Neither solved: solve both for V and compare, so that the slip is named (a sign of I_pump).
            solutions = [run_limited(_solve_one, self._least_expanded(s.lhs - s.rhs, V), V,
                                     timeout=self.problem.timeout) for s in (step, prev_step)]
            if None not in solutions:
                r = check_expression(solutions[0], solutions[1], dataclasses.replace(self.problem, result_unit="mV"))
                if not r.holds:
                    return self.fail(step, f"{why}: solved for V, line {step.line} gives V = {solutions[0]}, "
                                           f"line {prev_step.line} V = {solutions[1]}", r)
        return self.fail(step, why)

    def _least_expanded(self, e: sp.Expr, x: sp.Symbol) -> sp.Expr:
        for _ in range(20):
            if x in e.free_symbols:
                return e
            new = substitute(e, self.problem.definitions)
            if new == e:
                break
            e = new
        return self.problem.shown(e)  # R and F stay symbols in the solution shown

    def _note(self, method: str, result: VerifyResult | None = None, step: Step | None = None) -> None:
        if method == "numeric":
            self.method = "numeric"
        if result is not None and step is not None and result.conditional and self.conditional is None:
            self.conditional = (step, result)  # the first line that holds at rest or at the model's values only


def check_steps(steps: list[Step], problem: Problem) -> VerifyResult:
    """The first step that does not follow from the one before, or holds=True."""
    chain = _Chain(problem)
    for step in steps:
        if step.lhs is None:
            failure = chain.expression(step)
        else:
            failure = chain.equation(step)
        if failure is not None:
            return failure
    n = len(steps)
    detail = f"{n} step{'s' * (n != 1)} checked"
    if chain.conditional is None:
        return VerifyResult(True, chain.method, detail=detail)
    step, r = chain.conditional
    return VerifyResult(True, chain.method, detail=f"{detail}; line {step.line} holds {where_text(r)}",
                        holds_only=r.holds_only, identity=r.identity)
