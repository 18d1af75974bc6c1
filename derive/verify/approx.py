"""Approximations: is a formula right to order N in a small quantity?

``--approx "P_Na/P_K -> 0"`` names the small quantity eps (a monomial in the
symbols; "x -> oo" means eps = 1/x) and ``--to-order N in x`` the order
(default 0: the limit itself). The claim is right to order N when
claimed - correct = O(eps^(N+1)). That is tested numerically, without series
expansion that could hang: one symbol of eps is eliminated (P_Na = eps P_K),
and at sampled values of the others the difference d(eps) is evaluated with
mpmath at two small eps; the slope of log|d| against log eps is the order of
the leading neglected term. A symbolic series (in a time-limited child)
supplies that term's closed form when it can. The neglected term's size is
reported at the reference point (the model's values).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import mpmath
import sympy as sp

from ..constants import V
from ._budget import run_limited
from ._numeric import evaluate, sample_points
from .diagnose import diagnose
from .dimensions import of_expr
from .equivalence import VerifyError
from .parse import ParseError, parse_expression
from .problem import Problem
from .result import VerifyResult

__all__ = ["Limit", "check_approximation", "parse_limit"]

_EPS = (mpmath.mpf("1e-5"), mpmath.mpf("1e-8"))
_POINTS = 6
_MAX_ORDER = 6
_NOTHING = mpmath.mpf("1e-30")  # a neglected part this small (relative) is the working precision's rounding


@dataclass(frozen=True)
class Limit:
    """eps -> 0, where eps = small (to_zero) or 1/small (small -> oo)."""

    small: sp.Expr
    text: str
    to_zero: bool = True

    @property
    def eps(self) -> sp.Expr:
        return self.small if self.to_zero else 1 / self.small


def parse_limit(text: str, names: Mapping[str, sp.Expr]) -> Limit:
    """Read 'EXPR -> 0' or 'EXPR -> oo' (also '→', 'inf', '\\infty')."""
    arrow = "->" if "->" in text else ("\u2192" if "\u2192" in text else None)
    if arrow is None:
        quote = (" (it ends in '-': unquoted, the shell read '>' of '->' as a redirection and wrote a file; quote the "
                 "whole value)") if text.rstrip().endswith("-") else ""
        raise ParseError(f"an approximation reads 'EXPR -> 0' or 'EXPR -> oo'{quote}")
    left, _, right = text.partition(arrow)
    target = right.strip()
    if target not in ("0", "oo", "inf", "\\infty", "infinity"):
        raise ParseError(f"the limit must be 0 or oo, not {target!r}", len(left) + len(arrow) + 2, target)
    small = parse_expression(left, names)
    return Limit(small, left.strip(), target == "0")


def _eliminate(eps_expr: sp.Expr, eps: sp.Symbol) -> dict[sp.Symbol, sp.Expr]:
    """{s: ...} that makes eps_expr equal eps, for a symbol s of power +-1 in it that its other factors do not hold
    (I_pump = I_pump0 Q_10^((T - T_ref)/dT_10) tends to 0 with I_pump0)."""
    _, factors = eps_expr.as_coeff_mul()
    powers: dict[sp.Symbol, int] = {}
    for f in factors:
        base, exp = f.as_base_exp()
        if base.is_Symbol and exp.is_Integer:
            powers[base] = powers.get(base, 0) + int(exp)
    for s, k in sorted(powers.items(), key=lambda kv: (-kv[1], kv[0].name)):
        rest = eps_expr / s**k
        if k in (1, -1) and s not in rest.free_symbols:
            return {s: (eps / rest) ** k}
    raise ParseError(f"cannot solve {eps_expr} = eps for one of its symbols: the small quantity must be a product "
                     "with a symbol (to the power 1 or -1) that nothing else in it holds")


def _order_at(d, scale, eps: sp.Symbol, point: dict, order: int, unit: mpmath.mpf) -> float | None:
    """Estimated order of d(eps) at point (inf when d vanishes to working precision).

    d and scale are functions of (point, digits). eps is taken at unit * 1e-5 and
    unit * 1e-8, unit being the small quantity's own size at the point, so a
    dimensional one (P_Na) works too.
    """
    dps = 40 + 10 * (order + 2)
    vals = []
    with mpmath.workdps(dps):
        for e in _EPS:
            p = dict(point)
            p[eps] = e * unit
            v, s = d(p, dps), scale(p, dps)
            if v is None or s is None:
                return None
            if abs(v) <= mpmath.mpf(10) ** (-dps + 20) * max(abs(s), 1):
                vals.append(None)
            else:
                vals.append(abs(v))
    if vals[1] is None:
        return float("inf")
    if vals[0] is None:
        return None
    return float(mpmath.log(vals[0] / vals[1]) / mpmath.log(_EPS[0] / _EPS[1]))


def _value(side, point: dict, dps: int = 50) -> mpmath.mpf | None:
    return evaluate(side, point, dps) if isinstance(side, sp.Basic) else side(point)


def _numeric_difference(c_side, a_side, subs: dict):
    """(d, scale) for sides without a series (a numeric root, V at rest): the small symbol set from eps."""
    (symbol, value), = subs.items()

    def at(point: dict, dps: int) -> dict:
        return {**point, symbol: evaluate(value, point, dps)}

    def d(point: dict, dps: int):
        p = at(point, dps)
        c, a = _value(c_side, p, dps), _value(a_side, p, dps)
        return None if c is None or a is None else c - a

    def scale(point: dict, dps: int):
        p = at(point, dps)
        c, a = _value(c_side, p, dps), _value(a_side, p, dps)
        return None if c is None or a is None else abs(c) + abs(a)

    return d, scale


def _leading_term(d: sp.Expr, eps: sp.Symbol, order: int) -> tuple[bool, sp.Expr | None]:
    """(the terms up to eps^order vanish, the eps^(order+1) coefficient or None if it does too), by series."""
    series = sp.series(d, eps, 0, order + 2).removeO()
    lower = all(sp.simplify(series.coeff(eps, k)) == 0 for k in range(order + 1))
    term = sp.simplify(series.coeff(eps, order + 1))
    return lower, None if term == 0 else term


def check_approximation(
    claimed: sp.Expr,
    correct,
    limit: Limit,
    problem: Problem,
    order: int = 0,
    slips: bool = True,
) -> VerifyResult:
    """Is claimed = correct + O(eps^(order+1)) as eps -> 0? slips: look for a sign flipped in the claim's
    correction to the limit (off where that check runs it)."""
    if not 0 <= order <= _MAX_ORDER:
        raise ParseError(f"order must be between 0 and {_MAX_ORDER}")
    eps = sp.Dummy("eps", positive=True)
    a = problem.expand(claimed)
    c = problem.expand(correct) if isinstance(correct, sp.Basic) else correct
    # A series needs closed forms; a numeric root (V_ss with GHK leaks), or V at rest on one side only, is
    # evaluated numerically at each eps instead.
    series_ok = isinstance(c, sp.Basic) and (V in a.free_symbols) == (V in c.free_symbols)
    a_side, c_side = (a, c) if series_ok else (problem.at_rest(a), problem.at_rest(c))
    small = problem.expand(limit.eps)
    if not small.free_symbols:
        fixed = ", ".join(f"{k} = {v}" for k, v in problem.fixed.items() if k in problem.expand(limit.small, fix=False).free_symbols)
        raise ParseError(f"--approx {limit.text!r}: {limit.text} is the fixed number {problem.expand(limit.small)} in this model"
                         + (f" ({fixed})" if fixed else "") + "; nothing in it can tend to 0 or oo")
    subs = _eliminate(small, eps)
    if series_ok:
        d_expr = (c - a).xreplace(subs)
        scale_expr = sp.Abs(c.xreplace(subs)) + sp.Abs(a.xreplace(subs))
        d, scale = (lambda p, dps: evaluate(d_expr, p, dps)), (lambda p, dps: evaluate(scale_expr, p, dps))
    else:
        d, scale = _numeric_difference(c_side, a_side, subs)
    symbols = set(a_side.free_symbols) | set(c_side.free_symbols) | small.free_symbols
    orders = []
    for point in sample_points(symbols, problem.ranges, _POINTS, seed=4):
        unit = evaluate(small, point)
        if unit is None or unit == 0:
            continue
        m = _order_at(d, scale, eps, point, order, abs(unit))
        if m is not None:
            orders.append(m)
    if not orders:
        raise VerifyError("the formulas are undefined near the limit")
    found = min(orders)
    holds = found >= order + 1 - 0.25
    shown_order = None if found == float("inf") else _rounded(found)
    info: dict = {"small": limit.text, "to": "0" if limit.to_zero else "oo", "order": order, "error_order": shown_order}
    series = None
    if holds and series_ok:  # shown with the constants R, F as symbols
        shown = (problem.shown(correct) - problem.shown(claimed)).xreplace(subs)
        series = run_limited(_leading_term, shown, eps, order, timeout=problem.timeout)
    term = series[1] if series is not None else None
    if term is not None:
        leading = term.xreplace({eps: limit.eps}) * limit.eps ** (order + 1)
        info["leading_neglected_term"] = sp.sstr(leading)
        info.update(_leading_at_reference(leading, problem))
    info.update(_neglected_at_reference(a_side, c_side, limit, problem))
    if holds:
        method = "symbolic" if series is not None and series[0] else "numeric"
        detail = _judged(info, problem)
        info.pop("neglected_si", None)
        return VerifyResult(True, method, detail=detail, approximation=info)
    diagnosis = None
    if order == 0 and series_ok:
        c0, a0 = (x.xreplace(subs).xreplace({eps: 0}) for x in (c, a))
        if not (c0.has(sp.nan, sp.zoo) or a0.has(sp.nan, sp.zoo)):
            diagnosis = diagnose(a0, c0, problem.ranges, problem.context)
    info.pop("neglected_si", None)
    k = max(0, round(found))
    if k >= 1 and slips:  # the claim needs a closed form; the correct side may be a root
        diagnosis = _correction_flipped(a, correct, subs, eps, limit, problem, order, k)
    detail = (
        f"the claim is wrong already in the limit {limit.text} -> {'0' if limit.to_zero else 'oo'}"
        if k == 0
        else f"the claim differs from the correct formula at order {_power(limit, k)}"
    )
    return VerifyResult(False, "numeric", diagnosis, detail=detail, approximation=info)


def _correction_flipped(a: sp.Expr, correct, subs: dict, eps: sp.Symbol, limit: Limit, problem: Problem, order: int,
                        k: int) -> str | None:
    """The slip of a claim right in the limit but wrong at order k, where the claim with its correction to the
    limit negated (2 a0 - a, a0 the claim in the limit) holds: V_leak + I_pump/g_leak for V_leak - I_pump/g_leak."""
    a0 = a.xreplace(subs).xreplace({eps: 0})
    if a0.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return None
    if not check_approximation(2 * a0 - a, correct, limit, problem, order, slips=False).holds:
        return None
    return (f"sign flipped in the claim's correction to the limit (its term of order {_power(limit, k)}): "
            f"with that term's sign flipped the claim holds to order {order}")


def _power(limit: Limit, k: int) -> str:
    """The order k of a term in the small quantity: (P_Na/P_K)^1, and (P_K)^-1 where P_K -> oo."""
    return f"({limit.text})^{k if limit.to_zero else -k}"


def _rounded(order: float) -> float | int:
    """An order found numerically: a whole number when it is one to the estimate's precision (1, not 0.9998)."""
    whole = round(order)
    return whole if abs(order - whole) < 0.05 else round(order, 2) + 0.0


def _leading_at_reference(leading: sp.Expr, problem: Problem) -> dict:
    """The leading neglected term's value at the model's values (it is not the whole neglected part)."""
    if not problem.reference:
        return {}
    point = {s: mpmath.mpf(float(v)) for s, v in problem.reference.items()}
    value = evaluate(problem.expand(leading), point)
    if value is None:
        return {}
    return {"leading_neglected_value": problem.show(float(value), problem.result_unit).to_json()}


def _judged(info: dict, problem: Problem) -> str | None:
    """Is the neglected part small enough at the model's values, by the tolerance? (Said; the verdict is the limit's.)"""
    neglected = info.get("neglected")
    if neglected is None:
        return None
    tolerance = problem.tolerance
    relative = info.get("neglected_relative")
    if tolerance.absolute is not None:
        si = info["neglected_si"]
        within = abs(si) <= tolerance.absolute
    else:
        within = relative is not None and relative <= (tolerance.relative or 0)
    info["within_tolerance"] = within
    size = f"{100 * relative:.3g}% of the correct value" if relative is not None else "its size"
    if within:
        return f"at the model's values the neglected part is {size}, within {tolerance.describe()}"
    right = "as a limit" if not info.get("order") else f"to order {info['order']}"
    return (f"right {right}, but at the model's values the neglected part is {size}, more than "
            f"{tolerance.describe()}: a poor approximation for this model")


def _neglected_at_reference(a, c, limit: Limit, problem: Problem) -> dict:
    """correct - claimed and the small quantity (as written: P_K for P_K -> oo) at the reference (model) values."""
    if not problem.reference:
        return {}
    point = {s: mpmath.mpf(float(v)) for s, v in problem.reference.items()}
    va, vc = _value(a, point), _value(c, point)
    small = evaluate(problem.expand(limit.small), point)
    if va is None or vc is None:
        return {}
    unit = problem.result_unit
    if abs(vc - va) <= _NOTHING * max(abs(vc), abs(va)):  # the 50-digit root's own rounding: exact
        va = vc
    neglected = float(vc - va)
    if problem.convert and unit:
        neglected = problem.convert(neglected, unit)
    out = {"neglected": {"value": neglected, "unit": unit}, "neglected_si": float(vc - va)}
    if vc != 0:
        out["neglected_relative"] = float(abs((vc - va) / vc))
    if small is not None:
        small_unit = problem.unit_of(of_expr(problem.expand(limit.small, fix=False), problem.dimensions))
        shown = problem.show(float(small), small_unit)
        out["small_value"] = shown.value
        out["small_unit"] = shown.unit
    return out
