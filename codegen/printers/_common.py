"""Pieces every printer shares: the guarded forms of exprel and exprel', renaming, floats.

exprel(x) = (exp(x) - 1)/x and exprel'(x) = ((x - 1) exp(x) + 1)/x^2 are 0/0 at x = 0.
Targets without expm1 print them as a Taylor series below a threshold and the closed
form above it. exprel' cancels twice (error about 4 eps / x^2 from exp alone), so its
series reaches further out, to |x| < 0.1, where the closed form is good to ~4e-14;
ten Horner terms leave a truncation error below 5e-18 there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sympy as sp

from derive.functions import EXPREL_SERIES_BELOW, exprel_guarded

__all__ = [
    "EXPREL_COEFFS",
    "EXPREL_PRIME_COEFFS",
    "EXPREL_PRIME_SERIES_BELOW",
    "EXPREL_SERIES_BELOW",
    "exprel_guarded",
    "exprel_prime_guarded",
    "horner",
]

# exprel(x) = sum x^k/(k+1)!, kept to x^4 below EXPREL_SERIES_BELOW (error < 2e-18).
EXPREL_COEFFS: tuple[sp.Rational, ...] = tuple(sp.Rational(1, sp.factorial(k + 1)) for k in range(5))
# exprel'(x) = sum (k+1) x^k/(k+2)!, kept to x^9 below EXPREL_PRIME_SERIES_BELOW.
EXPREL_PRIME_SERIES_BELOW = sp.Rational(1, 10)
EXPREL_PRIME_COEFFS: tuple[sp.Rational, ...] = tuple(sp.Rational(k + 1, sp.factorial(k + 2)) for k in range(10))


def horner(x: sp.Expr, coeffs: Sequence[sp.Expr]) -> sp.Expr:
    """c0 + x*(c1 + x*(c2 + ...)): fewest operations and no powers in the output."""
    result: sp.Expr = coeffs[-1]
    for c in reversed(coeffs[:-1]):
        result = c + x * result
    return result


def exprel_prime_closed(x: sp.Expr) -> sp.Expr:
    """exprel'(x) = ((x - 1) exp(x) + 1)/x^2, written so exp overflow gives inf, not nan."""
    return ((x - 1) * sp.exp(x) + 1) / x**2


def exprel_prime_guarded(x: sp.Expr) -> sp.Piecewise:
    """exprel'(x) as a Piecewise of elementary functions, exact at 0, ~4e-14 everywhere."""
    return sp.Piecewise(
        (horner(x, EXPREL_PRIME_COEFFS), sp.Lt(sp.Abs(x), EXPREL_PRIME_SERIES_BELOW)),
        (exprel_prime_closed(x), True),
    )


def float_text(value: Any) -> str:
    """Shortest text that reads back as the same double (repr), e.g. '1e-12', '96485.33212'."""
    return repr(float(value))


class RenamingMixin:
    """Print a Symbol under the name given in the ``symbol_names`` setting, else as-is."""

    _settings: dict[str, Any]

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        names: Mapping[sp.Symbol, str] = self._settings["symbol_names"] or {}
        name = names.get(expr)
        return name if name is not None else super()._print_Symbol(expr)  # type: ignore[misc]

    def _print_Float(self, expr: sp.Float) -> str:
        return float_text(expr)
