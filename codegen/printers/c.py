"""C99 printer: exprel and exprel' become calls to static inline functions in C_PRELUDE.

The prelude uses the guard form (series near 0, closed form with exp elsewhere): one
exp and a branch, cheaper than a scalar expm1 (~11 ns), and within ~1.1e-13 (exprel)
and ~4e-14 (exprel') of the exact value for every real x, exactly 1 and 1/2 at 0.
"""

from __future__ import annotations

from typing import Any, ClassVar

import sympy as sp
from sympy.codegen.cfunctions import expm1
from sympy.printing.c import C99CodePrinter
from sympy.printing.precedence import PRECEDENCE

from ._common import (
    EXPREL_COEFFS,
    EXPREL_PRIME_COEFFS,
    EXPREL_PRIME_SERIES_BELOW,
    EXPREL_SERIES_BELOW,
    RenamingMixin,
    float_text,
    horner,
)

__all__ = ["C_EXPREL", "C_EXPREL_PRIME", "C_PRELUDE", "VrestCPrinter"]

# Integer powers up to this are printed as products (beyond it pow() is as cheap and as exact).
MAX_PRODUCT_POWER = 8
C_EXPREL = "vrest_exprel"
C_EXPREL_PRIME = "vrest_exprel_prime"


class VrestCPrinter(RenamingMixin, C99CodePrinter):
    """C99CodePrinter that knows exprel/exprel'; output needs C_PRELUDE above it."""

    _default_settings: ClassVar[dict[str, Any]] = {**C99CodePrinter._default_settings, "symbol_names": {}}

    def _print_exprel(self, expr: sp.Function) -> str:
        return f"{C_EXPREL}({self._print(expr.args[0])})"

    def _print_exprel_prime(self, expr: sp.Function) -> str:
        return f"{C_EXPREL_PRIME}({self._print(expr.args[0])})"

    def _print_Pow(self, expr: sp.Pow) -> str:
        """Small integer powers as products: (x*x*x), (1.0/(x*x*x)). pow() costs ~20-40 ns a call and
        GCC keeps it for |n| > 2 without -ffast-math; a product is within n ulp."""
        n = expr.exp
        if n.is_Integer and 2 <= abs(int(n)) <= MAX_PRODUCT_POWER:
            base = self.parenthesize(expr.base, PRECEDENCE["Mul"] + 1)  # x*x is Mul: (a + b)*(a + b)
            product = "*".join([base] * abs(int(n)))
            return f"({product})" if n > 0 else f"(1.0/({product}))"  # safe in any context, e.g. a/(x*x)
        return super()._print_Pow(expr)


def _guarded_function(name: str, doc: str, below: sp.Expr, series: sp.Expr, closed: sp.Expr) -> str:
    p = VrestCPrinter()
    return (
        f"/* {doc} */\n"
        f"static inline double {name}(double x)\n{{\n"
        f"    if (fabs(x) < {float_text(below)})\n"
        f"        return {p.doprint(series)};\n"
        f"    return {p.doprint(closed)};\n}}\n"
    )


_x = sp.Symbol("x")
def _math_macros() -> str:
    """#define each M_ constant SymPy's C printers write (log10(x) is log(x)/M_LN10): POSIX, not C99, so
    math.h under -std=c99 leaves them out."""
    from sympy.printing.c import get_math_macros

    values: dict[str, sp.Float] = {}
    for constant, macro in get_math_macros().items():  # some keys twice over, one as sqrt and one as Sqrt
        value = sp.N(constant, 21)
        if value.is_Float:
            values.setdefault(macro, value)
    return "".join(f"#ifndef {macro}\n#define {macro} {values[macro]}\n#endif\n" for macro in sorted(values))


C_PRELUDE = (
    "#include <math.h>\n"
    + _math_macros()
    + "\n"
    + _guarded_function(
        C_EXPREL,
        "exprel(x) = expm1(x)/x, exprel(0) = 1; Taylor series near 0 (vrest)",
        EXPREL_SERIES_BELOW,
        horner(_x, EXPREL_COEFFS),
        expm1(_x) / _x,  # expm1, not exp(x) - 1: no cancellation just outside the series' range
    )
    + "\n"
    + _guarded_function(
        C_EXPREL_PRIME,
        "exprel'(x) = ((x - 1) expm1(x) + x)/x^2, exprel'(0) = 1/2; Taylor series near 0 (vrest)",
        EXPREL_PRIME_SERIES_BELOW,
        horner(_x, EXPREL_PRIME_COEFFS),
        ((_x - 1) * expm1(_x) + _x) / _x**2,
    )
)
