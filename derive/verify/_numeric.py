"""High-precision numeric evaluation and reproducible sampling.

Values are drawn with numpy's default_rng (fixed seed) over each symbol's
physiological range, then every expression is evaluated with mpmath at 50
significant digits by walking the SymPy tree, so that cancellation (the GHK
factor near V = 0, differences of nearly equal logs) cannot fake agreement or
disagreement. No code is generated or executed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache, partial

import mpmath
import numpy as np
import sympy as sp

from ..functions import MPMATH_FUNCTIONS

__all__ = ["DPS", "Point", "Range", "Ranges", "close", "default_range", "evaluate", "sample_points"]

DPS = 50
Range = tuple[float, float, bool]  # low, high, log scale
Point = dict[sp.Symbol, mpmath.mpf]
_ATOL = mpmath.mpf("1e-35")


class Ranges(dict):
    """symbol -> Range, and symbols that follow others: dependent[s] is s's value as an expression of them.

    (A bath that the model keeps electroneutral stays so when its ions are sampled:
    Cl_o = K_o + Na_o.) A dependent symbol is computed only when one of its inputs
    is sampled too; alone, it is drawn from its own range like any other.
    """

    def __init__(self, ranges: Mapping[sp.Symbol, Range], dependent: Mapping[sp.Symbol, sp.Expr] | None = None):
        super().__init__(ranges)
        self.dependent = dict(dependent or {})


# Functions with a kink (|x| at x = 0): which side of it a claim is on may never change over the physiological
# ranges (|ln(K_o/K_i)| with K_o < K_i in every sample), so such claims are sampled beyond them too.
KINKS = (sp.Abs, sp.sign, sp.Max, sp.Min, sp.Heaviside, sp.Piecewise)
_WIDER = 30


def wider(ranges: Mapping[sp.Symbol, Range]) -> Ranges:
    """Every range of positive values (sampled in log) 30 times wider each way; the others as they are."""
    wide = {s: (lo / _WIDER, hi * _WIDER, log) if log and lo > 0 else (lo, hi, log)
            for s, (lo, hi, log) in ranges.items()}
    return Ranges(wide, getattr(ranges, "dependent", {}))


def default_range(sym: sp.Symbol) -> Range:
    """Range used for a symbol the caller gave none for: by its sign assumptions."""
    if sym.is_positive:
        return (0.1, 10.0, True)
    if sym.is_negative:
        return (-10.0, -0.1, False)
    return (-2.0, 2.0, False)


def sample_points(
    symbols: Iterable[sp.Symbol],
    ranges: Mapping[sp.Symbol, Range],
    n: int,
    seed: int = 0,
) -> list[Point]:
    """n points, each symbol drawn uniformly (or log-uniformly) in its range (dependent ones computed)."""
    wanted = set(symbols)
    dependent = {s: e for s, e in getattr(ranges, "dependent", {}).items()
                 if s in wanted and e.free_symbols & (wanted - {s})}
    drawn = (wanted | set().union(*(e.free_symbols for e in dependent.values()))) - set(dependent)
    syms = sorted(drawn, key=lambda s: s.name)
    rng = np.random.default_rng(seed)
    points: list[Point] = []
    for _ in range(4 * n if dependent else n):
        if len(points) == n:
            break
        point: Point = {}
        for s, t in zip(syms, rng.random(len(syms))):
            lo, hi, log = ranges.get(s) or default_range(s)
            if log and lo > 0 and hi > 0:
                value = float(np.exp(np.log(lo) + t * (np.log(hi) - np.log(lo))))
            else:
                value = float(lo + t * (hi - lo))
            point[s] = mpmath.mpf(value)
        for s, e in dependent.items():
            value = evaluate(e, point)
            lo = (ranges.get(s) or default_range(s))[0]
            if value is None or (lo > 0 and value <= 0):
                break  # e.g. a negative concentration: draw again
            point[s] = value
        else:
            points.append(point)
    return points


def _real(x: object) -> mpmath.mpf | None:
    if isinstance(x, mpmath.mpc):
        if x.imag != 0 and abs(x.imag) > mpmath.mpf(10) ** (-DPS + 10) * abs(x.real):
            return None
        x = x.real
    if not isinstance(x, mpmath.mpf) or not mpmath.isfinite(x):
        return None
    return x


class _Undefined(Exception):
    """The expression has no real value at this point."""


def _checked(out) -> mpmath.mpf:
    real = _real(out)
    if real is None:
        raise _Undefined
    return real


def _power(base: mpmath.mpf, exponent: mpmath.mpf):
    if base == 0 and exponent < 0:
        raise _Undefined
    return mpmath.power(base, exponent)


def _log(x: mpmath.mpf):
    if x <= 0:
        raise _Undefined
    return mpmath.log(x)


def _undefined(*_):
    raise _Undefined


_OPERATIONS = ((sp.Add, lambda *args: mpmath.fsum(args)), (sp.Mul, lambda *args: mpmath.fprod(args)),
               (sp.Pow, _power), (sp.log, _log), (sp.exp, mpmath.exp), (sp.Abs, abs))


@lru_cache(maxsize=4096)
def _compiled(e: sp.Basic) -> Callable[[Mapping[sp.Symbol, mpmath.mpf]], mpmath.mpf]:
    """``e`` as a function of a point: the tree walked once, not at every point (a check evaluates the same
    expressions at hundreds of points). Numbers are made at the precision in force when it is called."""
    if e.is_Symbol:
        return lambda env: env[e]  # KeyError: no value at this point
    if e.is_Integer:
        n = int(e)
        return lambda env: mpmath.mpf(n)
    if e.is_Rational:
        p, q = e.p, e.q
        return lambda env: mpmath.mpf(p) / q
    if e.is_Float:
        return lambda env: e._to_mpmath(mpmath.mp.prec)
    if e is sp.pi:
        return lambda env: +mpmath.pi
    if e is sp.E:
        return lambda env: +mpmath.e
    args = tuple(_compiled(a) for a in e.args)
    operation = next((op for kind, op in _OPERATIONS if isinstance(e, kind)), MPMATH_FUNCTIONS.get(e.func))
    if operation is None and isinstance(e, sp.Function):
        operation = partial(_by_sympy, e.func)
    operation = operation or _undefined
    return lambda env: _checked(operation(*[a(env) for a in args]))


def _by_sympy(function, *args: mpmath.mpf):
    """A function mpmath is not told of, evaluated by SymPy at the working precision."""
    dps = mpmath.mp.dps
    value = function(*(sp.Float(a, dps) for a in args)).evalf(dps)
    if not value.is_Number:
        raise _Undefined
    return value._to_mpmath(mpmath.mp.prec)


_NO_VALUE = (_Undefined, KeyError, ZeroDivisionError, ValueError, OverflowError)


def evaluate(expr: sp.Expr, point: Mapping[sp.Symbol, mpmath.mpf], dps: int = DPS) -> mpmath.mpf | None:
    """Real value of expr at point (dps digits, 50 by default), or None where undefined; at a removable singularity
    where a variable is 0 (the GHK current's V/(1 - exp(-FV/RT)) at V = 0), its limit."""
    with mpmath.workdps(dps):
        function = _compiled(expr)
        try:
            return function(point)
        except _NO_VALUE:
            return _limit_at_zero(function, point)


def _limit_at_zero(function, point: Mapping[sp.Symbol, mpmath.mpf]) -> mpmath.mpf | None:
    """The limit of ``function`` at ``point``, where the variables that are exactly 0 there make it 0/0: the mean of
    its values with them a hair either side of 0 (10^(-3 dps/5): at 50 digits a GHK factor keeps 20 of them, and
    the two sides differ by about the hair, relative), when the two agree to 10^(-dps/4); else None (a pole, a
    jump, a logarithm of 0)."""
    zeros = [symbol for symbol, value in point.items() if value == 0]
    if not zeros:
        return None
    hair = mpmath.mpf(10) ** (-3 * mpmath.mp.dps // 5)
    try:
        sides = [function({**point, **dict.fromkeys(zeros, sign * hair)}) for sign in (1, -1)]
    except _NO_VALUE:
        return None
    if abs(sides[0] - sides[1]) > mpmath.mpf(10) ** (-mpmath.mp.dps // 4) * max(abs(sides[0]), abs(sides[1])):
        return None
    return (sides[0] + sides[1]) / 2


def close(a: mpmath.mpf, b: mpmath.mpf, rtol: float) -> bool:
    """|a - b| <= rtol * max(|a|, |b|), with a tiny absolute floor for zeros."""
    with mpmath.workdps(DPS):
        return abs(a - b) <= mpmath.mpf(rtol) * max(abs(a), abs(b)) + _ATOL


def rel_diff(a: mpmath.mpf, b: mpmath.mpf) -> float:
    """|a - b| / max(|a|, |b|) as a float (0 when both vanish)."""
    with mpmath.workdps(DPS):
        scale = max(abs(a), abs(b))
        return 0.0 if scale == 0 else float(abs(a - b) / scale)


def free_symbols(*exprs: sp.Expr) -> Sequence[sp.Symbol]:
    """Free symbols of all expressions, sorted by name for reproducibility."""
    out: set[sp.Symbol] = set()
    for e in exprs:
        out |= e.free_symbols
    return sorted(out, key=lambda s: s.name)
