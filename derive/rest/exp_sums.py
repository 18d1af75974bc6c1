"""Derivatives that stay finite where a sum of exponentials in a denominator overflows.

Published time constants are often tau = c + k/(A exp(a(V)) + B exp(b(V))) with steep exponents
(O'Hara-Rudy 2011: a = 56.8 - 4642 V/volt). Their value is fine when exp(a) overflows (k/inf = 0), but
the derivative SymPy writes, -k (A a' exp(a) + B b' exp(b))/(A exp(a) + B exp(b))**2, is inf/inf, NaN:
for O'Hara-Rudy at V below -140.7 mV the whole Jacobian (and so Newton, CVODE and the eigenvalues) is
lost. Here the derivative of u = D**n, D = sum_i c_i exp(a_i), is written n u (D'/D) with

    D'/D = sum_i c_i a_i' exp(a_i - m) / sum_i c_i exp(a_i - m),   m = max_i a_i,

a weighted mean of the a_i' that never overflows; u itself, as the model writes it, goes to 0 or inf.
The value is the same (SymPy's form and this one agree to rounding wherever both are finite).
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

__all__ = ["derivative"]


def _exp_terms(base: sp.Expr, symbol: sp.Symbol) -> list[tuple[sp.Expr, sp.Expr]] | None:
    """[(c_i, a_i)] when ``base`` is a sum of terms c_i exp(a_i) (c_i free of ``symbol``; a constant term has
    a_i = 0) with at least two terms and an exponent that depends on ``symbol``; else None."""
    if not isinstance(base, sp.Add):
        return None
    terms = []
    for term in base.args:
        coefficient, rest = term.as_independent(symbol, as_Add=False)
        if rest == 1:
            terms.append((coefficient, sp.Integer(0)))
        elif isinstance(rest, sp.exp):
            terms.append((coefficient, rest.args[0]))
        else:
            return None
    return terms if any(a.has(symbol) for _, a in terms) else None


def _log_derivative(terms: list[tuple[sp.Expr, sp.Expr]], symbol: sp.Symbol) -> sp.Expr:
    """D'/D of D = sum c_i exp(a_i), each exponential scaled by exp(-max a_i)."""
    # unevaluated: SymPy's Max would compare the exponents symbolically, which only costs time here
    top = sp.Max(*[a for _, a in terms], evaluate=False)
    weights = [c * sp.exp(a - top) for c, a in terms]
    return sp.Add(*[w * sp.diff(a, symbol) for w, (_, a) in zip(weights, terms)]) / sp.Add(*weights)


def derivative(expr: sp.Expr, symbol: sp.Symbol) -> sp.Expr:
    """d expr / d symbol, with each power of a sum of exponentials differentiated as above."""
    return _derivative(sp.sympify(expr), symbol)


@lru_cache(maxsize=16384)  # a file is prepared twice (at rest and as it runs), with the same definitions
def _derivative(expr: sp.Expr, symbol: sp.Symbol) -> sp.Expr:
    if not expr.has(sp.exp):  # most definitions: nothing to rewrite (the checks below cost more than diff)
        return sp.diff(expr, symbol)
    powers = [p for p in expr.atoms(sp.Pow)
              if isinstance(p.exp, sp.Number) and p.exp < 0 and p.base.has(sp.exp)
              and _exp_terms(p.base, symbol) is not None]
    powers = [p for p in powers if not any(q != p and q.has(p) for q in powers)]  # the outermost ones
    if not powers:
        return sp.diff(expr, symbol)
    held = {p: sp.Dummy(f"u{k}") for k, p in enumerate(sorted(powers, key=sp.default_sort_key))}
    inner = expr.xreplace(held)
    out = sp.diff(inner, symbol)
    for power, u in held.items():
        log_derivative = _log_derivative(_exp_terms(power.base, symbol), symbol)
        out += sp.diff(inner, u) * power.exp * u * log_derivative
    return out.xreplace({u: power for power, u in held.items()})
