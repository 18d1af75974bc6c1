"""Rate functions written exactly at their removable singularities.

Hodgkin-Huxley rates such as alpha_m = 0.1 (V + 40)/(1 - exp(-(V + 40)/10)) are 0/0 at V = -40 mV.
Every quotient  N / (c (exp(w) - 1))  whose numerator is w times a factor M regular where w = 0
is the same function as  M / (c exprel(w)),  exprel(w) = (exp(w) - 1)/w, which every printer writes
exactly at w = 0 (derive.functions), as for GHK at V = 0. ``with_exprel`` makes that rewrite, so the
limit (1 /ms for alpha_m at -40 mV) is the value there in every export, not NaN.
"""

from __future__ import annotations

import sympy as sp

from .functions import exprel

__all__ = ["with_exprel"]


def _exp_minus_one(denominator: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    """(c, w) when ``denominator`` is c (exp(w) - 1) with a number c != 0, else None."""
    terms = sp.Add.make_args(denominator)
    if len(terms) != 2:
        return None
    constant = [t for t in terms if t.is_Number]
    if len(constant) != 1:
        return None
    other = terms[1] if terms[0].is_Number else terms[0]
    c, power = other.as_coeff_Mul()
    if not isinstance(power, sp.exp) or c == 0 or constant[0] != -c:
        return None
    return c, power.args[0]


def _rewrite_product(product: sp.Expr, variable: sp.Symbol) -> sp.Expr:
    factors = list(sp.Mul.make_args(product))
    for k, factor in enumerate(factors):
        if not (factor.is_Pow and factor.exp == -1):
            continue
        found = _exp_minus_one(factor.base)
        if found is None:
            continue
        c, w = found
        if variable not in w.free_symbols:
            continue
        numerator = sp.Mul(*(factors[:k] + factors[k + 1:]))
        rest = sp.cancel(numerator / w)
        if variable in sp.denom(rest).free_symbols:
            continue  # the numerator does not vanish with w: a true pole, left for the caller's check
        return _rewrite_product(rest / c, variable) / exprel(w)
    return product


def with_exprel(expr: sp.Expr, variable: sp.Symbol) -> sp.Expr:
    """``expr`` with every w/(exp(w) - 1)-type quotient in ``variable`` written with exprel (module docstring)."""
    if expr.is_Atom:
        return expr
    args = [with_exprel(arg, variable) for arg in expr.args]
    rebuilt = expr.func(*args) if args != list(expr.args) else expr
    if rebuilt.is_Mul:
        return _rewrite_product(rebuilt, variable)
    return rebuilt
