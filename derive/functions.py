"""SymPy functions with removable singularities that the physics needs.

The GHK current contains u / (1 - exp(-u)), which is 0/0 at u = 0 (V = 0).
Written with ``exprel`` it reads 1 / exprel(-u), where

    exprel(x) = (exp(x) - 1) / x,   exprel(0) = 1,

the same function as ``scipy.special.exprel`` and Brian2's ``exprel``. Every
printer in codegen knows this function and emits a form that is exact at 0
for its target, so no exported model divides by zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import mpmath
import numpy as np
import sympy as sp

__all__ = [
    "EXPREL_COEFFS", "EXPREL_PRIME_COEFFS", "EXPREL_PRIME_SERIES_BELOW", "EXPREL_SERIES_BELOW", "MPMATH_FUNCTIONS",
    "NUMPY_FUNCTIONS", "exprel", "exprel_guarded", "exprel_numpy", "exprel_prime", "exprel_prime_closed",
    "exprel_prime_guarded", "exprel_prime_numpy", "horner",
]

# Below this |x| the guarded form uses the Taylor series 1 + x/2 + ... + x^4/120
# (truncation error < x^5/720 < 2e-18); above it (exp(x) - 1)/x loses at most
# eps/|x| < 3e-13 relative to cancellation. Both are far inside 1e-12.
EXPREL_SERIES_BELOW = sp.Rational(1, 1000)


def _mp_exprel(x):
    """exprel evaluated by mpmath at the working precision (exact at 0)."""
    x = mpmath.mpmathify(x)
    return mpmath.mpf(1) if x == 0 else mpmath.expm1(x) / x


def _mp_exprel_prime(x):
    """d/dx exprel(x) = (x e^x - e^x + 1) / x^2, limit 1/2 at 0."""
    x = mpmath.mpmathify(x)
    if x == 0:
        return mpmath.mpf(1) / 2
    # Near 0 the closed form cancels; the series converges fast there.
    if abs(x) < mpmath.mpf("1e-3"):
        total, k, term = mpmath.mpf(0), 0, mpmath.mpf(1) / 2
        while abs(term) > mpmath.eps * abs(total) or k == 0:
            total += term
            k += 1
            term = (k + 1) * x**k / mpmath.factorial(k + 2)
        return total
    return (x * mpmath.exp(x) - mpmath.expm1(x)) / x**2


class _RemovableAtZero(sp.Function):
    """Shared machinery: value at 0, numeric evaluation by mpmath."""

    nargs = 1
    _at_zero: sp.Expr
    _mp = staticmethod(_mp_exprel)

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return cls._at_zero
        return None

    def _eval_evalf(self, prec):
        arg = self.args[0].evalf(prec)
        if not arg.is_Number:
            return None
        with mpmath.workprec(prec):
            return sp.Float(self._mp(arg._to_mpmath(prec)), precision=prec)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        # exprel(x) > 0 and exprel'(x) > 0 for every real x.
        if self.args[0].is_real:
            return True
        return None


class exprel(_RemovableAtZero):  # noqa: N801 - named like scipy.special.exprel
    """exprel(x) = (exp(x) - 1)/x with exprel(0) = 1."""

    _at_zero = sp.Integer(1)
    _mp = staticmethod(_mp_exprel)

    def fdiff(self, argindex=1):
        return exprel_prime(self.args[0])

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return sp.Piecewise((sp.Integer(1), sp.Eq(x, 0)), ((sp.exp(x) - 1) / x, True))

    def _eval_as_leading_term(self, x, logx=None, cdir=0):
        return sp.Integer(1)

    def _eval_nseries(self, x, n, logx, cdir=0):
        arg = self.args[0]
        series = sum(arg**k / sp.factorial(k + 1) for k in range(n + 1))
        return (series + sp.Order(arg ** (n + 1), x)).expand()


class exprel_prime(_RemovableAtZero):  # noqa: N801
    """d exprel / dx = (x exp(x) - exp(x) + 1)/x^2 with value 1/2 at 0."""

    _at_zero = sp.Rational(1, 2)
    _mp = staticmethod(_mp_exprel_prime)

    def _latex(self, printer, exp=None) -> str:
        # exprel', not SymPy's default exprel_{prime} (a misleading subscript whose "}_" also opens
        # Markdown emphasis in reports).
        name = r"\operatorname{exprel}'" + ("" if exp is None else f"^{{{exp}}}")
        return rf"{name}{{\left({printer._print(self.args[0])} \right)}}"

    def fdiff(self, argindex=1):
        x = self.args[0]
        # exprel'' = (exp(x) - 2 exprel'(x)) / x; only needed symbolically.
        return (sp.exp(x) - 2 * exprel_prime(x)) / x

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return sp.Piecewise(
            (sp.Rational(1, 2), sp.Eq(x, 0)), ((x * sp.exp(x) - sp.exp(x) + 1) / x**2, True)
        )

    def _eval_nseries(self, x, n, logx, cdir=0):
        arg = self.args[0]
        series = sum((k + 1) * arg**k / sp.factorial(k + 2) for k in range(n + 1))
        return (series + sp.Order(arg ** (n + 1), x)).expand()


def exprel_guarded(x: sp.Expr) -> sp.Piecewise:
    """exprel(x) as a Piecewise of elementary functions, for targets without expm1.

    Exact to about 1e-13 relative for every real x, including x = 0; used by the
    MathML, NMODL and LEMS printers so that each target shares one definition.
    """
    series = sum(x**k / sp.factorial(k + 1) for k in range(5))
    return sp.Piecewise(
        (series, sp.Lt(sp.Abs(x), EXPREL_SERIES_BELOW)),
        ((sp.exp(x) - 1) / x, True),
    )


# exprel(x) = sum x^k/(k+1)!, kept to x^4 below EXPREL_SERIES_BELOW (error < 2e-18).
EXPREL_COEFFS: tuple[sp.Rational, ...] = tuple(sp.Rational(1, sp.factorial(k + 1)) for k in range(5))
# exprel'(x) = sum (k+1) x^k/(k+2)!, kept to x^9 below EXPREL_PRIME_SERIES_BELOW. exprel' cancels
# twice (error about 4 eps/x^2 from exp alone), so its series reaches further out than exprel's:
# at |x| = 0.1 the closed form is good to ~4e-14, and ten terms leave a truncation error < 5e-18.
EXPREL_PRIME_SERIES_BELOW = sp.Rational(1, 10)
EXPREL_PRIME_COEFFS: tuple[sp.Rational, ...] = tuple(sp.Rational(k + 1, sp.factorial(k + 2)) for k in range(10))


def horner(x, coeffs: Sequence):
    """c0 + x*(c1 + x*(c2 + ...)): fewest operations and no powers (SymPy or NumPy values)."""
    result = coeffs[-1]
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


_PRIME_COEFFS_FLOAT = tuple(float(c) for c in EXPREL_PRIME_COEFFS)
_PRIME_SERIES_BELOW_FLOAT = float(EXPREL_PRIME_SERIES_BELOW)


# Above this x, exp(x) overflows a double: exprel is +inf there.
_EXP_OVERFLOWS_ABOVE = math.log(np.finfo(float).max)


def exprel_numpy(x):
    """exprel in double precision for arrays or scalars: expm1(x)/x (within ~2 ulp), 1 at x = 0."""
    if isinstance(x, float):  # lambdified code called on numbers: the same values, without an array's overhead
        if x == 0.0:
            return np.float64(1.0)
        return np.float64(np.inf) if x > _EXP_OVERFLOWS_ABOVE else np.expm1(x) / x
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = np.asarray(np.expm1(x) / x)
    np.copyto(r, 1.0, where=(x == 0.0))
    return r[()]


def exprel_prime_numpy(x):
    """exprel' in double precision: ((x - 1) expm1(x) + x)/x^2, the series for |x| < 0.1."""
    if isinstance(x, float) and abs(x) < 700.0:  # numbers, as in exprel_numpy; (x - 1) expm1(x) overflows beyond
        x = np.float64(x)
        if abs(x) < _PRIME_SERIES_BELOW_FLOAT:
            return horner(x, _PRIME_COEFFS_FLOAT)
        return ((x - 1.0) * np.expm1(x) + x) / x / x
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = np.asarray(((x - 1.0) * np.expm1(x) + x) / x / x)
    small = np.abs(x) < _PRIME_SERIES_BELOW_FLOAT
    r[small] = horner(x[small], _PRIME_COEFFS_FLOAT)
    return r[()]


# For sympy.lambdify(..., modules=[NUMPY_FUNCTIONS, "numpy"]).
NUMPY_FUNCTIONS = {"exprel": exprel_numpy, "exprel_prime": exprel_prime_numpy}

# Each function at mpmath's working precision, for code that evaluates SymPy trees with mpmath numbers.
MPMATH_FUNCTIONS = {exprel: _mp_exprel, exprel_prime: _mp_exprel_prime}
