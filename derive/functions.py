"""SymPy functions with removable singularities that the physics needs.

The GHK current contains u / (1 - exp(-u)), which is 0/0 at u = 0 (V = 0).
Written with ``exprel`` it reads 1 / exprel(-u), where

    exprel(x) = (exp(x) - 1) / x,   exprel(0) = 1,

the same function as ``scipy.special.exprel`` and Brian2's ``exprel``. Every
printer in codegen knows this function and emits a form that is exact at 0
for its target, so no exported model divides by zero.
"""

from __future__ import annotations

import mpmath
import sympy as sp

__all__ = ["exprel", "exprel_prime", "exprel_guarded", "EXPREL_SERIES_BELOW"]

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
