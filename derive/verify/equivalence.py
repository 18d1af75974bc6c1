"""Is a claimed expression the same function as the correct one?

Symbolic first: the difference is canonicalised under the sign assumptions
that the sampling ranges imply (a symbol with a positive range is positive),
by a sequence of cheap steps (expand_log, powsimp, together/cancel) and then
simplify, in a child process with a time limit so that nothing hangs. If that
does not prove the difference zero, numeric sampling decides: a fixed-seed set
of points over the physiological ranges (plus the caller's reference point,
e.g. the model's parameter values), each evaluated with mpmath at 50 digits.
A point where the values differ is a counterexample; agreement at every point
is reported as method "numeric". A side with a kink (|x|, max, a piecewise
definition) is sampled over ranges 30 times wider too: -|RT/F ln(K_o/K_i)| is
E_K wherever K_o < K_i, which every physiological sample is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import mpmath
import sympy as sp

from ._budget import run_limited
from ._numeric import (
    KINKS,
    Point,
    Range,
    close,
    default_range,
    evaluate,
    rel_diff,
    sample_points,
    wider,
)
from .result import Counterexample, Value

__all__ = [
    "Comparison",
    "Side",
    "Target",
    "VerifyError",
    "compare",
    "compare_numeric",
    "counterexample",
    "symbolic_zero",
]

Ranges = Mapping[sp.Symbol, Range]
SAMPLES = 24
RTOL = 1e-9
MIN_VALID = 3


class Target(Protocol):
    """A quantity without closed form: its value at a point (None where undefined)."""

    @property
    def free_symbols(self) -> set[sp.Symbol]: ...

    def __call__(self, point: Point) -> mpmath.mpf | None: ...


Side = sp.Expr | Target


def _value(side: Side, point: Point) -> mpmath.mpf | None:
    return evaluate(side, point) if isinstance(side, sp.Basic) else side(point)


class VerifyError(ValueError):
    """The question cannot be answered (e.g. the correct expression is nowhere defined)."""


@dataclass(frozen=True)
class Comparison:
    """Outcome of compare(): verdict, how it was reached, the first differing point."""

    holds: bool
    method: str  # "symbolic" | "numeric"
    point: Point | None = None
    claimed: mpmath.mpf | None = None
    correct: mpmath.mpf | None = None
    worst_rel: float = 0.0  # largest relative difference over the points


def _with_assumptions(expr: sp.Expr, ranges: Ranges) -> tuple[sp.Expr, bool]:
    """Replace symbols by dummies whose sign follows their range; all positive?"""
    repl = {}
    for s in expr.free_symbols:
        lo, hi, _ = ranges.get(s) or default_range(s)
        if lo > 0:
            repl[s] = sp.Dummy(s.name, positive=True)
        elif lo >= 0:
            repl[s] = sp.Dummy(s.name, nonnegative=True)
        elif hi < 0:
            repl[s] = sp.Dummy(s.name, negative=True)
        else:
            repl[s] = sp.Dummy(s.name, real=True)
    return expr.xreplace(repl), all(d.is_positive for d in repl.values())


def _zero_in_child(diff: sp.Expr, all_positive: bool) -> bool:
    """Cheap canonicalisations first, simplify last; True as soon as one gives 0."""
    steps = (
        lambda e: sp.expand_log(e, deep=True, force=all_positive),
        lambda e: sp.powsimp(sp.expand(e), force=all_positive),
        lambda e: sp.cancel(sp.together(e)),
        sp.simplify,
    )
    e = diff
    for step in steps:
        e = step(e)
        if e == 0 or e.is_zero is True:
            return True
    return False


def symbolic_zero(expr: sp.Expr, ranges: Ranges, timeout: float = 2.0) -> bool:
    """True when expr is proven identically 0 within timeout seconds; else False."""
    if expr == 0:
        return True
    assumed, all_positive = _with_assumptions(expr, ranges)
    return run_limited(_zero_in_child, assumed, all_positive, timeout=timeout) is True


def _points(
    exprs: tuple[Side, ...],
    ranges: Ranges,
    samples: int,
    seed: int,
    reference: Mapping[sp.Symbol, float] | None,
) -> list[Point]:
    syms = sorted(set().union(*(e.free_symbols for e in exprs)), key=lambda s: s.name)
    points = sample_points(syms, ranges, samples, seed)
    if any(isinstance(e, sp.Basic) and e.has(*KINKS) for e in exprs):
        points += sample_points(syms, wider(ranges), samples, seed + 1)
    if reference and points:  # every value the model has, also of a symbol a sample holds only to keep it
        ref = dict(points[0])  # electroneutral (pumpleak's Na_i and Cl_i beside A_i): the model's values, not a sample's
        ref.update({s: mpmath.mpf(float(reference[s])) for s in {*syms, *ref} if s in reference})
        points.insert(0, ref)
    return points or [{}]


def compare_numeric(
    claimed: Side,
    correct: Side,
    ranges: Ranges,
    *,
    samples: int = SAMPLES,
    rtol: float = RTOL,
    seed: int = 0,
    reference: Mapping[sp.Symbol, float] | None = None,
) -> Comparison:
    """Numeric verdict over fixed-seed samples (and the reference point first)."""
    first: tuple[Point, mpmath.mpf | None, mpmath.mpf] | None = None
    worst, valid = 0.0, 0
    for point in _points((claimed, correct), ranges, samples, seed, reference):
        c = _value(correct, point)
        if c is None:
            continue  # outside the correct formula's domain
        valid += 1
        a = _value(claimed, point)
        if a is None:
            first = first or (point, None, c)
            worst = float("inf")
            continue
        worst = max(worst, rel_diff(a, c))
        if not close(a, c, rtol) and first is None:
            first = (point, a, c)
    if valid < min(MIN_VALID, samples):
        raise VerifyError("the correct expression is undefined at almost every sampled point")
    if first is None:
        return Comparison(True, "numeric", worst_rel=worst)
    return Comparison(False, "numeric", first[0], first[1], first[2], worst)


def compare(
    claimed: Side,
    correct: Side,
    ranges: Ranges,
    *,
    samples: int = SAMPLES,
    rtol: float = RTOL,
    seed: int = 0,
    reference: Mapping[sp.Symbol, float] | None = None,
    timeout: float = 2.0,
) -> Comparison:
    """Symbolic proof if one is found in time, else the numeric verdict.

    Either side may be a Target (a quantity known only numerically, such as a
    steady state without closed form): then only the numeric check runs.
    """
    symbolic = isinstance(claimed, sp.Basic) and isinstance(correct, sp.Basic)
    if symbolic and symbolic_zero(claimed - correct, ranges, timeout):
        return Comparison(True, "symbolic")
    return compare_numeric(
        claimed, correct, ranges, samples=samples, rtol=rtol, seed=seed, reference=reference
    )


def counterexample(
    comparison: Comparison,
    units: Mapping[str, str] | None = None,
    result_unit: str | None = None,
    convert: Callable[[float, str], float] | None = None,
    rest_potential: mpmath.mpf | None = None,
) -> Counterexample | None:
    """The differing point as a result object, in the caller's units.

    convert(value, unit) turns a computed value into one in that unit (e.g.
    SI volts into mV); without it values are shown as computed. rest_potential: V at the point, where a side
    takes V at the inputs' resting state.
    """
    if comparison.holds or comparison.point is None:
        return None
    units = units or {}

    def show(x: mpmath.mpf, unit: str | None) -> Value:
        value = float(x)
        value = convert(value, unit) if convert and unit else value
        return Value(float(f"{value:.12g}"), unit)  # 0.035, not 0.034999999999999996

    from ..channelfile import is_unit_parameter  # here: channelfile reads expressions with verify's parser

    inputs = {
        s.name: show(v, units.get(s.name))
        for s, v in sorted(comparison.point.items(), key=lambda kv: kv[0].name)
        if not is_unit_parameter(s.name)  # V_unit_K = 1 mV: the channel file's unit, not an input
    }

    def val(x: mpmath.mpf | None) -> Value | None:
        return None if x is None else show(x, result_unit)

    potential = None if rest_potential is None else show(rest_potential, units.get("V"))
    return Counterexample(inputs, val(comparison.claimed), val(comparison.correct), potential)
