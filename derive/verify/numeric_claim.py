"""Claims written with numbers, checked at the model's values within a tolerance.

"E_K = -95 mV", "E_K = 61.5 mV log10(K_o/K_i)", "RT/F = 26.7 mV": the numbers
stand for the model's constants at its temperature, so such a claim can only be
right to within a tolerance, and only at the model's values of what its numbers
replaced. The symbols the claim still names vary over their ranges; every other
symbol stays at the model's value (the reference point, tried first).

The answer says how far the claim is, at which temperature a constant that
depends on it would be exact (61.54 mV = RT ln 10/F at 37 C), and, when the
claim is wrong, why: a number that is not the model's (5.4 mM where the model
has 4 mM), a temperature in degC used as kelvin, a bare number that stands for
mV, one of the slips of diagnose.py, or a constant for another temperature.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import sympy as sp

from ..constants import ZERO_CELSIUS, T
from ..units import unit_factor
from ._numeric import DPS, Point, evaluate, sample_points
from .diagnose import Context, candidates
from .dimensions import Dim, of_unit
from .equivalence import Comparison, Side, counterexample
from .parse import Literal, Written
from .problem import Problem
from .result import Value, VerifyResult

__all__ = ["check_numeric"]

_SAMPLES = 8
_EXACT_T = (200.0, 400.0)  # kelvin: where "exact at T" is worth reporting
_SLIP_T = (273.15, 323.15)  # kelvin: 0-50 degC, where a constant for another temperature is a likely slip
_MAX_LITERALS = 12
_NOISE = mpmath.mpf("1e-12")  # a relative difference this small is rounding: shown as 0
_MV = "V vs mV (factor 1000)"


def _value(side: Side, point: Point) -> mpmath.mpf | None:
    return evaluate(side, point) if isinstance(side, sp.Basic) else side(point)


def _points(claimed: sp.Expr, correct: Side, problem: Problem, only_reference: bool) -> list[Point]:
    """The model's values first; then samples of the symbols the claim names, the rest held."""
    reference = problem.reference or {}
    syms = claimed.free_symbols | correct.free_symbols
    held = {s: mpmath.mpf(float(reference[s])) for s in syms if s in reference and s not in claimed.free_symbols}
    varying = sorted(syms - set(held), key=lambda s: s.name)
    first = {**held, **{s: mpmath.mpf(float(reference[s])) for s in varying if s in reference}}
    if not varying:
        return [first]
    samples = [{**held, **p} for p in sample_points(varying, problem.ranges, _SAMPLES, seed=5)]
    first = {**samples[0], **first}
    return [first] if only_reference else [first, *samples]


@dataclass
class _Claim:
    """The claim and the correct side evaluated at the points, and how to compare them."""

    written: Written
    claimed: sp.Expr
    correct: Side
    problem: Problem
    dim: Dim | None
    unit: str | None
    points: list[Point]

    def __post_init__(self) -> None:
        self.a = [evaluate(self.claimed, p) for p in self.points]
        self.c = [_value(self.correct, p) for p in self.points]

    def close(self, claimed: mpmath.mpf | None, correct: mpmath.mpf | None) -> bool:
        """Within the tolerance (a relative one of the correct value, at least of its size at the model's values)."""
        if claimed is None or correct is None:
            return False
        return self.problem.tolerance.allows(claimed, correct, self.dim, self.c[0])

    def matches(self, values: Iterable[mpmath.mpf | None], claimed: Sequence[mpmath.mpf | None] | None = None) -> bool:
        """Do these values agree with the claim's (or with `claimed`) at every point where defined?"""
        return self.distance(values, claimed) is not None

    def distance(
        self, values: Iterable[mpmath.mpf | None], claimed: Sequence[mpmath.mpf | None] | None = None
    ) -> float | None:
        """Largest relative difference where all agree within the tolerance; None if they do not."""
        hits, worst = 0, 0.0
        for a, v in zip(self.a if claimed is None else claimed, values):
            if v is None:
                continue
            if not self.close(a, v):
                return None
            worst = max(worst, float(abs(a - v) / max(abs(v), mpmath.mpf(10) ** -DPS)))  # type: ignore[operator]
            hits += 1
        return worst if hits >= min(2, len(self.points)) else None

    def at_points(self, expr: sp.Expr, override: dict | None = None) -> list[mpmath.mpf | None]:
        return [evaluate(expr, {**p, **(override or {})}) for p in self.points]

    def show(self, value_si: mpmath.mpf | float, unit: str | None) -> Value:
        return self.problem.show(float(value_si), unit)


def _text(v: Value) -> str:
    unit = "" if v.unit in (None, "1") else f" {v.unit}"
    return f"{v.value:.6g}{unit}"


# -- why a claim differs -------------------------------------------------------


def _tries(lit: Literal, unit: str | None) -> list[tuple[sp.Expr, bool]]:
    """Values a literal may have been meant to give an input: (SI value, read in SI although bare)."""
    out = [(lit.value, lit.unit is None)]
    scale = _scale(unit) if lit.unit is None else None
    if scale is not None and scale != 1:
        out.append((lit.number * scale, False))
    return out + [(-v, si) for v, si in out]


def _scale(unit: str | None) -> sp.Rational | None:
    """SI value of one `unit` (None for pure numbers and units with an offset)."""
    if unit in (None, "", "1"):
        return None
    try:
        factor = unit_factor(unit)  # type: ignore[arg-type]
    except ValueError:
        return None
    return sp.Rational(factor.numerator, factor.denominator)


def _input_differs(case: _Claim) -> tuple[str, list[dict[str, Any]]] | None:
    """A number in the claim that is not the model's value of one input (4 mM vs 5.4 mM)."""
    p = case.problem
    reference = p.reference or {}
    inputs = sorted(
        (s for s in case.correct.free_symbols
         if s not in case.claimed.free_symbols and s in reference and s not in p.fixed),
        key=lambda s: s.name,
    )
    first = case.points[0]
    for lit in case.written.literals[:_MAX_LITERALS]:
        for s in inputs:
            if lit.dim is not None and p.dimensions.get(s) not in (None, lit.dim):
                continue
            unit = p.units.get(s.name)
            model = mpmath.mpf(float(reference[s]))
            for value, bare_si in _tries(lit, unit):
                v = evaluate(value, {})
                if v is None or abs(v - model) <= mpmath.mpf("1e-9") * abs(model):
                    continue
                if not case.close(case.a[0], _value(case.correct, {**first, s: v})):
                    continue  # screened at the model's values first: cheap
                if not case.matches(_value(case.correct, {**q, s: v}) for q in case.points):
                    continue
                claimed, given = case.show(v, unit), case.show(model, unit)
                entry = {"name": s.name, "claimed": claimed.to_json(), "model": given.to_json()}
                return _input_label(s, lit, v, bare_si, model, claimed, given, unit), [entry]
    return None


def _input_label(s: sp.Symbol, lit: Literal, v, bare_si: bool, model, claimed: Value, given: Value, unit: str | None) -> str:
    if s == T and lit.unit is None and abs(v - (model - float(ZERO_CELSIUS))) < mpmath.mpf("0.01"):
        return f"temperature in degC where kelvin belongs: T = {lit.text} in the claim, {_text(given)} in the model"
    scale = _scale(unit)
    if bare_si and scale is not None and abs(lit.number * scale - float(model)) <= 1e-9 * abs(float(model)):
        return f"the bare number {lit.text} is read in SI units: for {s} write {lit.text} {unit}"
    return f"the number for {s} is not the model's: {_text(claimed)} in the claim, {_text(given)} in the model"


def _slip(case: _Claim, correct: sp.Expr | None, context: Context) -> str | None:
    """A slip of diagnose.py that explains the claim within the tolerance."""
    if correct is not None:
        scored = [(case.distance(case.at_points(cand)), name) for name, cand in candidates(correct, context)]
    else:  # a root without closed form: only what can be done to its value
        transforms = (("sign flipped", -1), (_MV, 1000), (_MV, sp.Rational(1, 1000)))
        scored = [(case.distance(None if c is None else c * float(k) for c in case.c), name) for name, k in transforms]
    # The closest explanation wins: within 1 %, a slip can match by accident; the real one matches best.
    found = min(((d, k, name) for k, (d, name) in enumerate(scored) if d is not None), default=(0, 0, None))[2]
    if found is not None and found.startswith(_MV):
        return _thousand_label(case)
    return found


_THOUSANDS = {"mV": ("V vs mV", "volts", "mV"), "ms": ("s vs ms", "seconds", "ms")}


def _thousand_label(case: _Claim) -> str:
    """A factor 1000: V for mV (s for ms); name the bare number that stands for mV, when exactly one does."""
    by_dim = {of_unit(u): names for u, names in _THOUSANDS.items()}
    slip, si, unit = by_dim.get(case.dim, ("a unit prefix", "SI units", None)) if case.dim else _THOUSANDS["mV"]
    name = f"{slip} (factor 1000)"
    factors = _factors(case.written)
    lit = factors[0] if len(factors) == 1 else None
    if lit is not None:
        expr = case.problem.expand(case.written.with_numbers({lit.symbol: lit.value / 1000}))
        lit = lit if case.matches(case.c, case.at_points(expr)) else None
    if lit is None:
        return f"{name}: bare numbers are read in SI units; give them their units"
    suggestion = f"write {lit.text} {unit}" if unit else "give it its unit"
    return f"{name}: the bare number {lit.text} is read in {si}; {suggestion}"


def _factors(written: Written) -> list[Literal]:
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


def _exact_temperature(case: _Claim) -> mpmath.mpf | None:
    """The temperature at which the correct value equals the claim's, at the model's other values."""
    correct = case.correct
    if not isinstance(correct, sp.Basic) or T not in correct.free_symbols or T in case.claimed.free_symbols:
        return None
    target, point = case.a[0], case.points[0]
    if target is None or T not in point:
        return None
    t0 = point[T]
    with mpmath.workdps(DPS):
        def f(t: mpmath.mpf) -> mpmath.mpf:
            value = evaluate(correct, {**point, T: t})
            if value is None:
                raise ValueError("undefined")
            return value - target

        try:
            root = mpmath.findroot(f, (t0 * mpmath.mpf("0.95"), t0 * mpmath.mpf("1.05")), solver="secant")
        except (ValueError, ZeroDivisionError, OverflowError):
            return None
        if not isinstance(root, mpmath.mpf) or not _EXACT_T[0] < root < _EXACT_T[1]:
            return None
        value = evaluate(correct, {**point, T: root})
        if value is None or abs(value - target) > mpmath.mpf(10) ** -20 * max(abs(target), 1):
            return None
        return root


def _temperature_slip(case: _Claim, exact: mpmath.mpf | None) -> str | None:
    if exact is None or not _SLIP_T[0] <= exact <= _SLIP_T[1]:
        return None
    model = case.points[0][T]
    if abs(exact - model) < 1:
        return None
    return (f"a constant for another temperature: the claim is exact at {float(exact - ZERO_CELSIUS):.1f} degC, "
            f"the model is at {float(model - ZERO_CELSIUS):.4g} degC")


# -- the check -----------------------------------------------------------------


def check_numeric(
    written: Written,
    claimed: sp.Expr,
    correct: Side,
    problem: Problem,
    *,
    unit: str | None,
    dim: Dim | None,
    exact_slip: Callable[[], str | None],
    original: sp.Expr | None = None,
    context: Context | None = None,
    only_reference: bool = False,
) -> VerifyResult:
    """Is the claim within the problem's tolerance of the correct side at the model's values?

    claimed and correct are expanded (fixed values substituted); original is the
    correct side before that, for the slips; exact_slip runs diagnose() as for
    a claim without numbers (its answer is preferred when it names a slip).
    """
    case = _Claim(written, claimed, correct, problem, dim, unit, _points(claimed, correct, problem, only_reference))
    a0, c0 = case.a[0], case.c[0]
    if c0 is None:
        raise ValueError("the correct value is undefined at the model's values")
    tolerance = problem.tolerance
    holds = case.matches(case.c) and case.close(a0, c0)
    exact = _exact_temperature(case)
    info: dict[str, Any] = {
        "tolerance": tolerance.to_json(lambda v, d: problem.show(v, problem.unit_of(d)).to_json()),
        "claimed": None if a0 is None else case.show(a0, unit).to_json(),
        "correct": case.show(c0, unit).to_json(),
    }
    if a0 is not None:
        diff = a0 - c0 if abs(a0 - c0) > _NOISE * max(abs(a0), abs(c0)) else mpmath.mpf(0)
        info["difference"] = case.show(diff, unit).to_json()
        info["relative_difference"] = float(f"{float(abs(diff) / abs(c0)):.6g}") if c0 != 0 else None
    if exact is not None:
        info["exact_at"] = {"name": "T", "value": round(float(exact - ZERO_CELSIUS), 4), "unit": "degC"}
    detail = _detail(holds, info, tolerance.describe())
    if holds:
        return VerifyResult(True, "numeric", detail=detail, numeric=info)
    diagnosis = exact_slip()
    if diagnosis is None or diagnosis.startswith("right only to"):
        found = _slip(case, original, context or Context())
        differs = None if found is not None else _input_differs(case)
        if differs is not None:
            found, info["inputs_differ"] = differs
        diagnosis = found or _temperature_slip(case, exact) or diagnosis
    k = next((i for i, (a, c) in enumerate(zip(case.a, case.c)) if c is not None and not case.close(a, c)), 0)
    shown = {s: v for s, v in case.points[k].items() if s in claimed.free_symbols}
    example = counterexample(Comparison(False, "numeric", shown, case.a[k], case.c[k]), problem.units, unit, problem.convert)
    return VerifyResult(False, "numeric", diagnosis, example, detail=detail, numeric=info)


def _detail(holds: bool, info: dict[str, Any], tolerance: str) -> str:
    verdict = "within" if holds else "not within"
    out = f"{verdict} {tolerance} of the correct value at the model's values"
    if "difference" in info:
        diff = Value(info["difference"]["value"], info["difference"]["unit"])
        rel = info.get("relative_difference")
        out += f": the claim differs by {_text(diff)}" + (f" ({100 * rel:.3g}%)" if rel is not None else "")
    if holds and "exact_at" in info:  # (when it does not hold, the slip says it if the temperature explains it)
        out += f"; exact at T = {info['exact_at']['value']:.4g} degC"
    return out
