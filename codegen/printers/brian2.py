"""Brian2 equation-syntax printer: Python operators, Brian2's built-in exprel.

Brian2 has exprel (expm1-based) but no exprel' and no conditional expression, so
exprel'(a) is written with int(...) guards, exact at 0 and accurate to ~1e-14:

    g = int(abs(a) < 0.1)                      (1 in the series region, else 0)
    g * series(clip(a, -0.1, 0.1)) + (1 - g) * ((s - 1)*exprel(s) + 1)/s,  s = a + g

s is a where the closed form is used and lies in (0.9, 1.1) elsewhere, and clip keeps
the polynomial finite, so neither term can be inf or nan when multiplied by 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import sympy as sp
from sympy.printing.codeprinter import CodePrinter

from ._common import EXPREL_PRIME_COEFFS, EXPREL_PRIME_SERIES_BELOW, RenamingMixin, float_text

__all__ = ["VrestBrian2Printer"]


def _horner_text(x: str, coeffs: Sequence[sp.Rational]) -> str:
    """c0 + x*(c1 + x*(... )) as text, coefficients as doubles."""
    text = float_text(coeffs[-1])
    for c in reversed(coeffs[:-1]):
        text = f"{float_text(c)} + {x}*({text})"
    return text


class VrestBrian2Printer(RenamingMixin, CodePrinter):
    """Expressions for Brian2 equations (right-hand sides and subexpressions)."""

    printmethod = "_brian2"
    language = "Brian2"
    _default_settings: ClassVar[dict[str, Any]] = {**CodePrinter._default_settings, "symbol_names": {}, "inline": True}
    _operators: ClassVar[dict[str, str]] = {"and": "and", "or": "or", "not": "not "}
    known_functions: ClassVar[dict[str, str]] = {
        f: f for f in ("exp", "log", "log10", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh", "floor", "sign")
    } | {"Abs": "abs", "ceiling": "ceil", "asin": "arcsin", "acos": "arccos", "atan": "arctan"}

    def _print_NumberSymbol(self, expr: sp.Expr) -> str:
        return float_text(expr)

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        # Brian2 equations have no conditional expression: int(c)*a + (1 - int(c))*(rest), the last
        # piece's condition True. Both branches are evaluated, so each must be finite where it is not chosen.
        (value, condition), *rest = expr.args
        if condition == sp.true:
            return f"({self._print(value)})"
        if not rest:
            raise ValueError(f"Brian2: a piecewise definition with no value for every case: {expr}")
        c = f"int({self._print(condition)})"
        return f"({c}*({self._print(value)}) + (1 - {c})*{self._print(sp.Piecewise(*rest))})"

    def _print_Relational(self, expr: sp.core.relational.Relational) -> str:
        op = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}[expr.rel_op]
        return f"({self._print(expr.lhs)}) {op} ({self._print(expr.rhs)})"

    def _print_exprel(self, expr: sp.Function) -> str:
        return f"exprel({self._print(expr.args[0])})"

    def _print_exprel_prime(self, expr: sp.Function) -> str:
        a = self._print(expr.args[0])
        below = float_text(EXPREL_PRIME_SERIES_BELOW)
        g = f"int(abs({a}) < {below})"
        s = f"({a} + {g})"
        series = _horner_text(f"clip({a}, -{below}, {below})", EXPREL_PRIME_COEFFS)
        return f"({g}*({series}) + (1 - {g})*(({s} - 1)*exprel({s}) + 1)/{s})"

    def _get_comment(self, text: str) -> str:
        return f"# {text}"

    def _format_code(self, lines: list[str]) -> list[str]:
        return lines
