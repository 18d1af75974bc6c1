"""Removable singularities of published rate functions, rewritten with ``exprel``.

Hodgkin-Huxley rates such as alpha_m = 0.1 (V + 40) / (1 - exp(-(V + 40)/10)) and GHK terms
written out by hand are 0/0 at one voltage (V = -40 mV here): evaluated as written they give
NaN there and lose digits near it. Each such quotient is the same function,

    g / (exp(Q) - 1) = (g/Q) / exprel(Q)     when g/Q is free of the variables,

and (exp(Q) - 1) / g = (Q/g) exprel(Q) likewise, where exprel(x) = (exp(x) - 1)/x (exact at 0 in
every printer, and in NumPy through derive.functions.NUMPY_FUNCTIONS). ``with_exprel`` finds these
quotients in an expression tree and rewrites them; everything else is left as it was.
"""

from __future__ import annotations

from collections.abc import Iterable

import sympy as sp

from .functions import exprel

__all__ = ["with_exprel"]


def with_exprel(expr: sp.Expr, variables: Iterable[sp.Symbol]) -> sp.Expr:
    """``expr`` with every quotient g/(exp(Q) - 1) (or its reciprocal) whose numerator g is a constant
    multiple of Q written as exprel(Q): exact where Q = 0. ``variables``: what is not a constant
    (states, time); parameters count as constants."""
    variables = frozenset(variables)
    return _rewrite(sp.sympify(expr), variables, {})


def _rewrite(expr: sp.Expr, variables: frozenset, seen: dict) -> sp.Expr:
    if expr.is_Atom or not (expr.free_symbols & variables):
        return expr
    if expr in seen:
        return seen[expr]
    args = [_rewrite(arg, variables, seen) for arg in expr.args]
    out = expr.func(*args) if any(a is not b for a, b in zip(args, expr.args)) else expr
    if out.is_Mul:
        out = _rewrite_product(out, variables)
    seen[expr] = out
    return out


def _expm1_argument(expr: sp.Expr, variables: frozenset) -> tuple[sp.Expr, sp.Expr] | None:
    """(k, Q) when ``expr`` = k (exp(Q) - 1) with k constant and Q depending on the variables."""
    if not expr.is_Add or len(expr.args) != 2:
        return None
    constant, varying = expr.as_independent(*variables, as_Add=True)
    if constant == 0:
        return None
    k, exponential = varying.as_independent(*variables, as_Add=False)
    if not isinstance(exponential, sp.exp):
        return None
    if sp.expand(k + constant) != 0:  # k exp(Q) + c vanishes at Q = 0 only when c = -k
        return None
    return k, exponential.args[0]


def _constant_ratio(numerator: sp.Expr, denominator: sp.Expr, variables: frozenset) -> sp.Expr | None:
    """numerator/denominator when that is free of the variables (e.g. (V + 40)/(-(V + 40)/10) = -10)."""
    varying = denominator.free_symbols & variables
    if not varying or not varying <= numerator.free_symbols:
        return None
    variable = min(varying, key=str)
    slope = sp.diff(denominator, variable)
    if slope.free_symbols & variables:  # Q not linear in the variable: the general (slower) test
        ratio = sp.cancel(numerator / denominator)
        return None if ratio.free_symbols & variables else ratio
    ratio = sp.diff(numerator, variable) / slope  # both linear: the ratio of their slopes, if it is one
    if ratio.free_symbols & variables or sp.expand(numerator - ratio * denominator) != 0:
        return None
    return ratio


def _rewrite_product(product: sp.Mul, variables: frozenset) -> sp.Expr:
    factors = list(product.args)
    for i, factor in enumerate(factors):
        base, power = factor.as_base_exp()
        if power not in (1, -1):
            continue
        found = _expm1_argument(base, variables)
        if found is None:
            continue
        k, q = found
        for j, other in enumerate(factors):
            if j == i:
                continue
            other_base, other_power = other.as_base_exp()
            if other_power != -power:
                continue
            ratio = _constant_ratio(other_base, q, variables)
            if ratio is None:
                continue
            rest = [f for n, f in enumerate(factors) if n not in (i, j)]
            if power == -1:  # g / (k (exp(Q) - 1)) = (g/Q) / (k exprel(Q))
                replaced = ratio / (k * exprel(q))
            else:  # k (exp(Q) - 1) / g = k exprel(Q) / (g/Q)
                replaced = k * exprel(q) / ratio
            result = sp.Mul(*rest, replaced)
            return _rewrite_product(result, variables) if result.is_Mul else result
    return product
