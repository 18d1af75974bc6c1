"""Claims written with numbers, checked at the model's values within a tolerance.

"E_K = -95 mV", "E_K = 61.5 mV log10(4/140)", "RT/F = 26.7 mV": a number in a
claim stands for the model's value of something, rounded, so such a claim is a
statement about this model. The rule: both sides are evaluated at the model's
values (every parameter as in the model file; V, and every quantity defined at
the steady state, at the model's resting state) and the claim holds when it is
within the tolerance there. Nothing is varied for the verdict, so the detail
and the verdict always agree. (check.py first tries the claim as a formula: one
that is right for every value of the parameters holds exactly.)

The answer says how far the claim is and, for a claim with a constant that
depends on the temperature (61.5 mV, 26.7 mV, RT/F itself), at which temperature
it would be exact; the steady state is found again at that temperature. When
the claim is wrong it says why, when its structure shows it: the numbers are
read back as symbols (numbers.py) and the formula is diagnosed like a claim
without numbers; a whole factor (-1, 1000, ln 10, a valence) is named; one
number that differs from the model's is named with the value it should have.
A plain value just outside the tolerance gets no invented slip: only how far.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from itertools import combinations
from typing import Any

import mpmath
import sympy as sp

from ..constants import ZERO_CELSIUS, F, R, T, V
from ._numeric import DPS, Point, evaluate
from .diagnose import Context, diagnose
from .dimensions import Dim, of_unit
from .equivalence import Comparison, Side, VerifyError, compare_numeric, counterexample
from .implicit import Implicit, Substituted, ValueOnly, known_state, value_at_state
from .numbers import Known, Reading, known_value, read_numbers, si_scale, to_mpf, unit_scale
from .parse import Literal, Written
from .problem import Problem
from .result import VerifyResult

__all__ = ["check_numeric", "explain_numbers", "is_plain"]

_EXACT_T = (200.0, 400.0)  # kelvin: where "exact at T" is worth reporting
_SLIP_T = (273.15, 323.15)  # kelvin: 0-50 degC, where a constant for another temperature is a likely slip
_NOISE = mpmath.mpf("1e-12")  # a relative difference (or a sum of terms) this small is rounding: 0
_OUT_OF_RANGE = mpmath.mpf("1e300")
_THOUSANDS = {"mV": ("V vs mV", "volts", "mV"), "ms": ("s vs ms", "seconds", "ms")}
_LN10 = "ln 10"


def _value(side: Side, point: Point) -> mpmath.mpf | None:
    return evaluate(side, point) if isinstance(side, sp.Basic) else side(point)


def is_plain(written: Written) -> bool:
    """Is the claim one number (with its unit, maybe negated), such as -95 mV?"""
    t = written.template
    return len(written.literals) == 1 and (t.is_Symbol or (-t).is_Symbol)


def _text(value: mpmath.mpf | float, unit: str | None, problem: Problem) -> str:
    shown = problem.show(float(value), unit)
    return f"{shown.value:.6g}" + ("" if shown.unit in (None, "1") else f" {shown.unit}")


@dataclass
class _Claim:
    """The claim and the correct side at the model's values, and what is needed to say why they differ."""

    written: Written
    claimed: Side  # with V at rest and the targets in place
    correct: Side
    original: sp.Expr | None  # the correct side as the user's names have it (for the slips)
    problem: Problem
    dim: Dim | None
    unit: str | None
    context: Context

    def __post_init__(self) -> None:
        self.at_rest = any(isinstance(x, Substituted) and V in dict(x.targets) for x in (self.claimed, self.correct))
        # A steady state whose concentrations moved (V_ss of pumpleak) is known at its own concentrations.
        reference = {**(self.problem.reference or {}), **known_state(self.claimed), **known_state(self.correct)}
        symbols = set(self.claimed.free_symbols) | set(self.correct.free_symbols) | {T}
        self.point: Point = {s: mpmath.mpf(float(reference[s])) for s in symbols if s in reference}
        given = {s: mpmath.mpf(float(v)) for s, v in (self.problem.reference or {}).items()}
        self.a = value_at_state(self.claimed, self.point, given)
        self.c = value_at_state(self.correct, self.point, given)
        if self.c is None:
            raise VerifyError("the correct value is undefined at the model's values")
        if self.a is not None and abs(self.a) > _OUT_OF_RANGE:
            raise VerifyError(f"the claim's value at the model's values is out of range ({mpmath.nstr(self.a, 3)} in SI units)")
        self.zero = self._is_zero(self.correct, self.c)
        if self.zero:
            self.c = mpmath.mpf(0)
        if self.c == 0 and self.a is not None and self._is_zero(self.claimed, self.a):  # 0 = the currents at rest
            self.a = mpmath.mpf(0)

    def _is_zero(self, side: Side, value: mpmath.mpf) -> bool:
        """Is ``side`` (its ``value`` here) exactly 0: a sum of terms that cancel, such as the currents at rest?"""
        values = dict(self.point)
        if isinstance(side, Substituted):
            for symbol, target in side.targets:
                values[symbol] = _value(target, values)  # type: ignore[arg-type]
            side = side.expr
        if not isinstance(side, sp.Basic) or not side.is_Add or None in values.values():
            return False
        terms = [evaluate(t, values) for t in sp.Add.make_args(side)]
        if None in terms:
            return False
        return abs(value) <= _NOISE * max(abs(t) for t in terms)  # type: ignore[type-var]

    def close(self, claimed: mpmath.mpf | None, correct: mpmath.mpf | None) -> bool:
        if claimed is None or correct is None:
            return False
        return self.problem.tolerance.allows(claimed, correct, self.dim)

    def with_literal(self, lit: Literal, value: mpmath.mpf) -> mpmath.mpf | None:
        """The claim's value with one of its numbers changed."""
        return self.with_literals({lit.symbol: value})

    def with_literals(self, values: dict[sp.Symbol, mpmath.mpf]) -> mpmath.mpf | None:
        """The claim's value with some of its numbers changed."""
        expr = self.problem.expand(self.written.with_numbers({k: sp.Float(v, DPS) for k, v in values.items()}))
        return _value(self.problem.at_rest(expr), self.point)

    @cached_property
    def knowns(self) -> list[Known]:
        return list(self.problem.known()) if self.problem.known is not None else []

    @cached_property
    def prefer(self) -> set[sp.Symbol]:
        """The symbols of the correct side at every level, valences included: what a number is read as first."""
        prefer = set(self.correct.free_symbols)
        if self.original is not None:
            prefer |= set(self.problem.expand(self.original, fix=False).free_symbols) | set(self.original.free_symbols)
        return prefer

    @cached_property
    def reading(self) -> Reading:
        return self.read_without(())

    def read_without(self, knowns) -> Reading:
        """The numbers read back as the model's values, but for ``knowns``."""
        others = [known for known in self.knowns if all(known is not k for k in knowns)]
        return read_numbers(self.written, others, self.prefer, self.original, self.problem.dimensions)

    @cached_property
    def needed(self) -> _Needed | None:
        return _needed(self)

    @cached_property
    def constant_like(self) -> bool:
        """Is the correct side a constant of the temperature only (RT/F)?"""
        if self.original is None:
            return False
        symbols = self.problem.expand(self.original, fix=False).free_symbols
        return symbols <= {R, T, F} and bool(symbols & {R, F})

    @cached_property
    def temperature_explains(self) -> bool:
        """Could the temperature explain the claim: its numbers are the model's, but for constants such as RT/F?"""
        if self.constant_like:
            return True
        if is_plain(self.written):
            return False
        unmatched = [lit for lit in self.reading.unmatched if lit.symbol not in _exponent_literals(self.written)]
        need = self.needed
        if not unmatched:  # every number read: not where one of them is named typed wrong (the neuron's Na_i as 10)
            named = need is not None and need.known is not None and not _depends_on_temperature(need.known)
            return not named and any(_depends_on_temperature(k) for k in self.reading.matched.values())
        return need is not None and need.known is not None and _depends_on_temperature(need.known)

    @cached_property
    def exact_temperature(self) -> mpmath.mpf | None:
        """The temperature at which the correct value equals the claim's, everything else at the model's values."""
        if self.a is None or T not in self.point or T in self.claimed.free_symbols:
            return None
        if T not in self.correct.free_symbols and not _follows_temperature(self.correct):
            return None
        return _solve_temperature(lambda t: _value(self.correct, {**self.point, T: t}), self.a, self.point[T])


def _follows_temperature(side: Side) -> bool:
    if isinstance(side, ValueOnly):
        return side.recompute is not None
    if isinstance(side, Substituted):
        return any(_follows_temperature(t) for _, t in side.targets)  # type: ignore[arg-type]
    return False


def _solve_temperature(correct_at, target: mpmath.mpf, t0: mpmath.mpf) -> mpmath.mpf | None:
    with mpmath.workdps(DPS):
        def f(t: mpmath.mpf) -> mpmath.mpf:
            value = correct_at(t)
            if value is None:
                raise ValueError("undefined")
            return value - target

        try:
            root = mpmath.findroot(f, (t0, t0 * mpmath.mpf("1.01")), solver="secant", tol=mpmath.mpf(10) ** -24,
                                   maxsteps=30)
        except (ValueError, ZeroDivisionError, OverflowError):
            return None
        if not isinstance(root, mpmath.mpf) or not _EXACT_T[0] < root < _EXACT_T[1]:
            return None
        value = correct_at(root)
        if value is None or abs(value - target) > mpmath.mpf(10) ** -9 * max(abs(target), mpmath.mpf(10) ** -12):
            return None
        return root


# -- why a claim differs -------------------------------------------------------


def _celsius(kelvin: mpmath.mpf) -> float:
    return float(kelvin - mpmath.mpf(ZERO_CELSIUS.p) / ZERO_CELSIUS.q)


def _other_root(case: _Claim) -> str | None:
    """A value that is another root of the equation the correct potential solves: an equilibrium of a bistable
    cell other than the one the quantity names (V_ss: the most negative stable one)."""
    target = case.correct
    if not isinstance(target, Implicit) or target.unknown != V or target.plus != 0 or case.a is None:
        return None
    other = replace(target, guess=float(case.a))(case.point)
    if other is None or not case.close(case.a, other) or abs(other - case.c) <= mpmath.mpf("1e-9") * abs(case.c):
        return None
    shown = _fmt(case.problem.show(float(other), case.unit))
    return (f"another root of {target.name}'s equation: the model has an equilibrium at {shown} as well (`vrest "
            f"rest` gives each with its stability); {target.name} is the most negative stable one, "
            f"{_fmt(case.problem.show(float(case.c), case.unit))}")


def _temperature_label(case: _Claim) -> str | None:
    exact = case.exact_temperature
    if exact is None or not case.temperature_explains or not _SLIP_T[0] <= exact <= _SLIP_T[1] or abs(exact - case.point[T]) < 1:
        return None
    return (f"a constant for another temperature: the claim is exact at {_celsius(exact):.1f} degC, "
            f"the model is at {_celsius(case.point[T]):.4g} degC")


def _exactly(lit: Literal | None, known: Known) -> bool:
    """Is the number written (with its unit) exactly what it stands for (the 10 K of a Q10 law), not rounded?"""
    if lit is None or lit.unit is None:
        return False
    value = to_mpf(lit.value)
    return abs(abs(value) - abs(mpmath.mpf(known.value))) <= mpmath.mpf(10) ** -12 * abs(value)


def _structure(case: _Claim) -> str | None:
    """The slip of the formula the numbers stand for (numbers.py), named like one without numbers."""
    if case.original is None or (is_plain(case.written) and not case.reading.matched):
        return None
    formula = case.problem.expand(case.reading.formula)
    correct = case.problem.expand(case.original)
    cmp = compare_numeric(case.problem.at_rest(formula), case.problem.at_rest(correct), case.problem.ranges,
                          reference=case.problem.reference)
    if cmp.holds:
        if is_plain(case.written) or not case.reading.matched:  # a value rounded too much: how far it is says it
            return None
        written = {lit.symbol: lit for lit in case.written.literals}
        rounded = {k.name for s, k in case.reading.matched.items() if not _exactly(written.get(s), k)}
        names = ", ".join(sorted(rounded or {k.name for k in case.reading.matched.values()}))
        return (f"rounding: with the model's exact values for the numbers ({names}) the formula is right; "
                "keep more digits")
    for read in dict.fromkeys((case.reading.formula, case.written.value)):  # 2 P_Ca is twice P_Ca, not Ca_o/mM P_Ca
        context = replace(case.context, written=frozenset(case.problem.expand(read, fix=False).free_symbols),
                          typed=frozenset(read.free_symbols))
        slip = diagnose(case.problem.expand(read), case.original, case.problem.ranges, context)
        if slip is not None and not slip.startswith("right only to"):
            return _thousand_label(case) if slip.startswith("V vs mV") else slip
    return None


def _factors(case: _Claim) -> list[tuple[str, mpmath.mpf]]:
    """Whole factors a value can be off by, each with its slip: -1, 1000, ln 10, a valence."""
    out = [("sign flipped", mpmath.mpf(-1)), ("V vs mV (factor 1000)", mpmath.mpf(1000)),
           ("V vs mV (factor 1000)", mpmath.mpf(1) / 1000)]
    if case.original is not None and case.original.has(sp.log) or case.constant_like:
        out += [(_LN10, mpmath.log(10)), (_LN10, 1 / mpmath.log(10))]
    fixed = case.problem.fixed
    if case.original is not None:
        expanded = case.problem.expand(case.original, fix=False)
        for z in sorted(expanded.free_symbols, key=lambda s: s.name):
            value = fixed.get(z)
            if z.name.startswith("z") and value is not None and abs(value) != 1:
                out += [(f"missing valence z: {z} = {value} was left out", mpmath.mpf(int(value)))]
    return out


def _factor(case: _Claim) -> str | None:
    """A whole factor between the claim and the correct value (within the tolerance)."""
    for slip, k in _factors(case):
        if case.close(case.a, case.c * k):
            if slip.startswith("V vs mV"):
                return _thousand_label(case)
            if slip == _LN10:
                return _ln10_label(case, k, None)
            return slip
        if slip == _LN10 and case.constant_like and case.exact_temperature is None:
            exact = _solve_temperature(lambda t, k=k: (_value(case.correct, {**case.point, T: t}) or 0) * k, case.a,
                                       case.point[T])
            if exact is not None and _SLIP_T[0] <= exact <= _SLIP_T[1]:
                return _ln10_label(case, k, exact)
    return None


def _ln10_label(case: _Claim, k: mpmath.mpf, exact: mpmath.mpf | None) -> str:
    at = f" at {_celsius(exact):.1f} degC" if exact is not None else ""
    if k > 1:
        return (f"a factor ln 10 = 2.303 too many: the claim is 2.303 times the correct value{at}, "
                "the constant of log10 (RT ln 10/F) where the one of ln (RT/F) belongs")
    return f"a factor ln 10 = 2.303 too few: the claim is the correct value over 2.303{at} (log10 where ln belongs)"


@dataclass(frozen=True)
class _Needed:
    """The one number of a claim that matches nothing, and the value that would make the claim exact."""

    literal: Literal
    value: mpmath.mpf  # SI (or a pure number)
    known: Known | None  # what that value is, if the model knows it
    sign: int


def _needed(case: _Claim) -> _Needed | None:
    """With every other number at what it stands for, which value must the one unmatched number have?"""
    if is_plain(case.written) or case.a is None:
        return None
    exponents = _exponent_literals(case.written)  # a bare exponent (the 2 of x^2) stands for nothing; 37 K may
    reading = case.reading
    free = [lit for lit in reading.unmatched if lit.symbol not in exponents or lit.unit is not None]
    foreign = [known for known in reading.matched.values() if not known.expr.free_symbols & case.prefer]
    if not free and len(foreign) == 1:  # every number read, one as a value the correct side has not: E_Cl's 50 mM
        typed = [s for s, known in reading.matched.items() if known is foreign[0]]  # is squid's Na_i, Cl_i (52 mM)
        again = case.read_without(foreign)  # typed wrong; that one is the free one, if the others read as before
        for _ in range(3):  # read as another value the correct side has not (the neuron's Na_i typed 10: Cl_i, then
            more = [known for s, known in again.matched.items()  # the Q10's 10 K): not that either
                    if s in typed and not known.expr.free_symbols & case.prefer]
            if not more:
                break
            foreign += more
            again = case.read_without(foreign)
        if [lit.symbol for lit in again.unmatched] == typed and all(again.matched.get(s) is k
                                                                     for s, k in reading.matched.items() if s not in typed):
            reading = again
            free = list(again.unmatched)
    if len(free) != 1:
        return None
    lit = free[0]
    if case.correct.free_symbols:
        others = {x.symbol: x.value for x in reading.unmatched if x is not lit}
        template = case.problem.expand(reading.template.xreplace(others))
    else:  # against a number (a worked example's line before), the other numbers count as written: 26.73 mV, not RT/F
        template = case.written.template.xreplace({x.symbol: x.value for x in case.written.literals if x is not lit})

    def value(x: mpmath.mpf) -> mpmath.mpf:
        v = _value(case.problem.at_rest(template.xreplace({lit.symbol: sp.Float(x, DPS)})), case.point)
        if v is None:
            raise ValueError("undefined")
        return v - case.c

    start = to_mpf(lit.value)
    with mpmath.workdps(DPS):
        needed = _root(value, start, start * mpmath.mpf("1.001") + mpmath.mpf(10) ** -30)
        if needed is None and start > 0:  # a secant step past 0 in a log (20 in log10(20/140)): in ln x instead
            needed = _root(lambda s: value(start * mpmath.exp(s)), mpmath.mpf(0), mpmath.mpf("0.001"))
            needed = None if needed is None else start * mpmath.exp(needed)
        if needed is None or abs(value(needed)) > mpmath.mpf(10) ** -12 * abs(case.c):
            return None
        if abs(needed) <= mpmath.mpf(10) ** -25 * abs(start):  # the root's own rounding: 0 (-2.1e-50 mV)
            needed = mpmath.mpf(0)
    # Not a quantity the claim names: in I_K = 2 I_pump with I_pump = 1 uA/cm^2, "2 would have to be I_K" says nothing.
    named = set(case.written.value.free_symbols) | (case.original.free_symbols if case.original is not None else set())
    unnamed = [k for k in case.knowns if not k.expr.free_symbols & named]
    found = known_value(needed, unnamed, bare=lit.unit is None, dim=lit.dim if lit.unit is not None else None)
    if lit.unit is None and abs(abs(needed) - 1) <= mpmath.mpf(10) ** -9:
        found = None  # a factor that must be 1 is no factor (2 RT/F where RT/F belongs), not C_m = 1 uF/cm^2
    known, sign = found if found is not None else (None, 1)
    return _Needed(lit, needed, known, sign)


def _root(f: Callable[[mpmath.mpf], mpmath.mpf], x0: mpmath.mpf, x1: mpmath.mpf) -> mpmath.mpf | None:
    """A root of f by the secant method from x0 and x1; None where it fails."""
    try:
        root = mpmath.findroot(f, (x0, x1), solver="secant", tol=mpmath.mpf(10) ** -30, maxsteps=50)
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return None
    return root if isinstance(root, mpmath.mpf) else None


def _one_number(case: _Claim) -> tuple[str, list[dict[str, Any]]] | None:
    """The one number that is not what it stands for: name it, and what it should be."""
    need = case.needed
    if need is None:
        return None
    lit, known, sign = need.literal, need.known, need.sign
    number = need.value / unit_scale(lit)  # in the literal's own unit
    if known is None:
        repeated = _repeated_number(case)  # a number written at several places (z where z^2 belongs)
        if repeated is not None:
            return repeated, []
        written = to_mpf(lit.value) / unit_scale(lit)
        if number == 0:
            return f"{_the_number(lit)} would have to be 0: the claim holds without the term it is in", []
        if number * written < 0 and abs(number + written) <= mpmath.mpf("0.05") * abs(written):
            return f"sign flipped: {_the_number(lit)} would have to be {_number(number, lit.unit)}", []
        return f"{_the_number(lit)} would have to be {_number(number, lit.unit)} for the claim to be right", []
    if _celsius_as_kelvin(lit, known, need.value):
        entry = {"name": known.name, "claimed": {"value": float(to_mpf(lit.number)), "unit": "K"},
                 "model": {"value": float(need.value), "unit": "K"}}
        return (f"temperature in degC where kelvin belongs: {known.name} = {lit.text} in the claim, "
                f"{_text(need.value, 'K', case.problem)} in the model"), [entry]
    if _depends_on_temperature(known):
        label = _temperature_label(case)
        if label:
            return label, []
    if known.expr.is_Symbol and known.expr in case.problem.ranges:  # a parameter: the number differs from it
        unit = known.unit
        written = to_mpf(lit.value) if lit.unit is not None else to_mpf(lit.number) * to_mpf(si_scale(unit))
        claimed, model = case.problem.show(float(written * sign), unit), case.problem.show(known.value, unit)
        entry = {"name": known.name, "claimed": claimed.to_json(), "model": model.to_json()}
        return (f"the number for {known.name} is not the model's: {_fmt(claimed)} in the claim, "
                f"{_fmt(model)} in the model"), [entry]
    what = f"{'-' if sign < 0 else ''}{known.name}"
    return f"{_the_number(lit)} would have to be {_number(number, lit.unit)} = {what}", []


def _celsius_as_kelvin(lit: Literal, known: Known, kelvin: mpmath.mpf) -> bool:
    """The number is a temperature of the model written in degC where kelvin belongs (bare, or as 37 K)."""
    if known.unit not in ("K", "degC") or lit.unit not in (None, "K"):
        return False
    return abs(to_mpf(lit.number) - (kelvin - to_mpf(ZERO_CELSIUS))) < 0.01


_MAX_REPEATS = 6  # bare numbers written alike that are tried together (their subsets of up to 3)


def _repeated_number(case: _Claim) -> str | None:
    """Where the one unmatched number needs a value that means nothing, the slip may be elsewhere: a number
    written at several places (a valence z where z^2 belongs, 2 P_Ca for 4 P_Ca) that, changed at some of
    them to its square, double, half or negative, makes the claim exact. Names those places, or None."""
    bare = [lit for lit in case.written.literals
            if lit.unit is None and lit.symbol not in _exponent_literals(case.written) and lit.number != 0]
    by_number: dict[sp.Expr, list[Literal]] = {}
    for lit in bare:
        by_number.setdefault(lit.number, []).append(lit)
    for number, group in by_number.items():
        if len(group) > _MAX_REPEATS:
            continue
        n = to_mpf(number)
        candidates = [n * n, 2 * n, n / 2, -n] + ([mpmath.sqrt(n)] if n > 0 and mpmath.sqrt(n) % 1 == 0 else [])
        for size in range(1, min(len(group), 3) + 1):
            for places in combinations(group, size):
                for m in candidates:
                    if m == n:
                        continue
                    value = case.with_literals({lit.symbol: m for lit in places})
                    if value is not None and abs(value - case.c) <= mpmath.mpf(10) ** -12 * abs(case.c):
                        shown = [_place(case, lit) for lit in places]
                        where = " and in ".join(f"{p} (at {shown.count(p)} places)" if shown.count(p) > 1 else p
                                                for p in dict.fromkeys(shown))
                        return (f"the number {places[0].text} in {where} would have to be {_number(m, None)} for the "
                                "claim to be right")
    return None


def _place(case: _Claim, lit: Literal) -> str:
    """The product the literal is a factor of, as written (its other numbers shown as written): 2*P_Ca*Ca_o."""
    numbers = {other.symbol: sp.Symbol(other.text) for other in case.written.literals}
    for term in sp.preorder_traversal(case.written.template):
        if term.is_Mul and lit.symbol in term.args:
            return str(term.xreplace(numbers))
    return lit.text


def _depends_on_temperature(known: Known) -> bool:
    return known.name.startswith("RT")


def _fmt(v) -> str:
    return f"{v.value:.6g}" + ("" if v.unit in (None, "1") else f" {v.unit}")


def _number(value: mpmath.mpf, unit: str | None) -> str:
    return f"{float(value):.5g}" + (f" {unit}" if unit else "")


def _the_number(lit: Literal) -> str:
    return lit.text if lit.unit is not None else f"the number {lit.text}"


def _exponent_literals(written: Written) -> set[sp.Symbol]:
    out: set[sp.Symbol] = set()
    for p in written.template.atoms(sp.Pow):
        out |= p.exp.free_symbols
    return out


def _thousand_label(case: _Claim) -> str:
    """A factor 1000: V for mV (s for ms); name the bare number that stands for mV, or the 1000 to drop."""
    by_dim = {of_unit(u): names for u, names in _THOUSANDS.items()}
    slip, si, unit = by_dim.get(case.dim, ("a unit prefix", "SI units", None)) if case.dim else _THOUSANDS["mV"]
    name = f"{slip} (factor 1000)"
    bare = [lit for lit in case.written.literals if lit.unit is None]
    thousand = [lit for lit in bare if to_mpf(lit.number) in (1000, mpmath.mpf(1) / 1000)]
    if thousand and case.written.dim is not None:  # a factor in a formula with units or names
        return (f"{name}: the factor {thousand[0].text} converts units by hand; drop it: vrest keeps the units "
                f"(the result is shown in {case.unit or 'its unit'})")
    outside = _outside(case.written)
    lit = outside[0] if len(outside) == 1 else None
    if lit is not None and not case.close(case.with_literal(lit, to_mpf(lit.value) / 1000), case.c):
        lit = None
    if lit is None and not any(x.unit is not None for x in case.written.literals) and case.written.dim is None:
        read_in = si if si == "SI units" else f"SI units ({si})"
        return f"{name}: bare numbers are read in {read_in}; give them their units"
    if lit is None:
        prefixed = _prefix_off(case)
        if prefixed is not None:  # "s vs ms" only where a time was typed: 6.67 ohm cm^2 is a resistance's prefix
            lit, size = prefixed
            heading = name if of_unit(lit.unit) == case.dim else "a unit prefix (factor 1000)"
            return (f"{heading}: {lit.text} is 1000 times too {size} for the claim to be right (its unit's prefix "
                    "1000 off?)")
        return f"{name}: the claim is a factor 1000 off (a unit prefix: {unit or 'the model unit'} meant?)"
    sign = "-" if (-case.written.template) == lit.symbol else ""  # E_K = -95: write -95 mV, not 95 mV
    suggestion = f"write {sign}{lit.text} {unit}" if unit else "give it its unit"
    return f"{name}: the bare number {sign}{lit.text} is read in {si}; {suggestion}"


def _prefix_off(case: _Claim) -> tuple[Literal, str] | None:
    """(the number written with a unit whose prefix is 1000 off, "small" or "large"): 6.67 ohm cm^2 for R_m = 6.67
    kohm cm^2, with which 1000 times larger (or smaller) the claim holds, where it is the one such number that is not
    the model's value."""
    written = {lit.symbol: lit for lit in case.written.literals}
    exact = {s for s, known in case.reading.matched.items() if _exactly(written.get(s), known)}
    found = [(lit, size) for lit in case.written.literals if lit.unit is not None and lit.symbol not in exact
             for k, size in ((1000, "small"), (mpmath.mpf(1) / 1000, "large"))
             if case.close(case.with_literal(lit, to_mpf(lit.value) * k), case.c)]
    return found[0] if len(found) == 1 else None


def _outside(written: Written) -> list[Literal]:
    """The bare numbers of a claim outside function arguments and exponents (61.54 in 61.54 log10(4/140))."""
    outside: set[sp.Symbol] = set()

    def walk(e: sp.Expr) -> None:
        if e.is_Symbol:
            outside.add(e)
        elif e.is_Pow:
            walk(e.base)
        elif not isinstance(e, sp.Function):
            for arg in e.args:
                walk(arg)

    walk(written.template)
    return [lit for lit in written.literals if lit.unit is None and lit.symbol in outside]


def _why(case: _Claim, info: dict[str, Any]) -> str | None:
    if case.a is None or case.zero:
        return None
    if case.a == 0:  # no factor makes 0 of a value: a term left out that would make the correct side 0?
        found = known_value(-case.c, case.knowns, dim=case.dim)
        if found is None or found[1] < 0:
            return None
        return (f"a term left out: the correct side is -{found[0].name} at the model's values, not 0 "
                f"(adding {found[0].name} to it makes 0)")
    found = _other_root(case) or _structure(case) or _factor(case)
    if found is None:
        one = _one_number(case)
        if one is not None:
            found, differ = one
            if differ:
                info["inputs_differ"] = differ
    return found or _temperature_label(case)


# -- the check -----------------------------------------------------------------


def check_numeric(
    written: Written,
    claimed: sp.Expr,
    correct: Side,
    problem: Problem,
    *,
    unit: str | None,
    dim: Dim | None,
    original: sp.Expr | None = None,
    context: Context | None = None,
) -> VerifyResult:
    """Is the claim within the problem's tolerance of the correct side at the model's values?

    claimed and correct are expanded (fixed values substituted); original is the
    correct side before that, in the user's names, for the slips.
    """
    case = _Claim(written, problem.at_rest(claimed), problem.at_rest(correct), original, problem, dim, unit,
                  context or Context())
    tolerance = problem.tolerance
    if case.zero and tolerance.absolute is None:  # a relative tolerance of 0 is 0
        holds = case.a is not None and case.a == 0
    else:
        holds = case.close(case.a, case.c)
    info: dict[str, Any] = {
        "tolerance": tolerance.to_json(lambda v, d: problem.show(v, problem.unit_of(d)).to_json()),
        "claimed": None if case.a is None else problem.show(float(case.a), unit).to_json(),
        "correct": problem.show(float(case.c), unit).to_json(),
    }
    if case.a is not None:
        diff = case.a - case.c
        if case.c != 0 and abs(diff) <= _NOISE * max(abs(case.a), abs(case.c)):
            diff = mpmath.mpf(0)
        info["difference"] = problem.show(float(diff), unit).to_json()
        info["relative_difference"] = float(f"{float(abs(diff) / abs(case.c)):.6g}") if case.c != 0 else None
    exact = case.exact_temperature
    if exact is not None:
        info["exact_at"] = {"name": "T", "value": round(_celsius(exact), 4), "unit": "degC"}
    detail = _detail(holds, info, tolerance, case)
    if holds:
        return VerifyResult(True, "numeric", detail=detail, numeric=info)
    diagnosis = _why(case, info)
    example = counterexample(Comparison(False, "numeric", {}, case.a, case.c), problem.units, unit, problem.convert)
    return VerifyResult(False, "numeric", diagnosis, example, detail=detail, numeric=info)


def explain_numbers(
    written: Written,
    claimed: sp.Expr,
    correct: Side,
    problem: Problem,
    *,
    unit: str | None,
    dim: Dim | None,
    original: sp.Expr | None = None,
    context: Context | None = None,
) -> str | None:
    """For a claim within the tolerance but not exact: the one number that is not what it stands for."""
    case = _Claim(written, problem.at_rest(claimed), problem.at_rest(correct), original, problem, dim, unit,
                  context or Context())
    need = case.needed
    if need is None or abs(need.value - to_mpf(need.literal.value)) <= mpmath.mpf(10) ** -9 * abs(need.value):
        return None  # no number to name, or one whose value does not matter at the model's values
    one = _one_number(case)
    return one[0] if one is not None else None


def _percent(relative: float, tolerance_percent: float | None, holds: bool) -> str:
    """The relative difference in %, with the digits it takes not to look like the other side of the tolerance."""
    for digits in range(3, 16):
        text = f"{100 * relative:.{digits}g}"
        if tolerance_percent is None or (float(text) <= tolerance_percent) == holds:
            return text
    return f"{100 * relative:.15g}"


def _detail(holds: bool, info: dict[str, Any], tolerance, case: _Claim) -> str:
    if case.a is None:
        return "the claim is undefined at the model's values"
    verdict = "within" if holds else "not within"
    if case.zero and tolerance.absolute is None:
        unit = case.unit or ""
        return (f"{verdict} {tolerance.describe()}: the correct value is 0 at the model's values, and a relative "
                f"tolerance of 0 allows only 0; give an absolute one, such as --tolerance '0.01 {unit}'").replace(" '0.01 '", " '0.01'")
    out = f"{verdict} {tolerance.describe()} of the correct value at the model's values"
    if case.at_rest:
        out += f" (V = {case.problem.rest_name})"
    diff = info.get("difference")
    if diff is not None:
        rel = info.get("relative_difference")
        limit = 100 * tolerance.relative if tolerance.absolute is None and tolerance.relative is not None else None
        shown = f"{diff['value']:.6g}" + ("" if diff["unit"] in (None, "1") else f" {diff['unit']}")
        out += f": the claim differs by {shown}"
        if rel is not None:
            exact = abs(float(case.a - case.c) / float(case.c)) if diff["value"] != 0 else 0.0
            out += f" ({_percent(exact, limit, holds)}%)"
    if "exact_at" in info and case.temperature_explains:  # a constant that depends on T: at which T it is exact
        out += f"; exact at T = {info['exact_at']['value']:.4g} degC"
    return out
