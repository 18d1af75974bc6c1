"""NEURON NMODL expression printer: ^ for powers, fabs, and FUNCTION calls for exprel.

NMODL has no conditional expressions, so exprel(x) prints as a call of the FUNCTION
``exprel`` (and ``exprel_prime``) whose text NMODL_FUNCTIONS holds; the mod-file
template pastes it once per file. Both use the guard form (series near 0).
"""

from __future__ import annotations

from typing import Any, ClassVar

import sympy as sp
from sympy.printing.codeprinter import CodePrinter
from sympy.printing.precedence import PRECEDENCE

from ._common import (
    EXPREL_COEFFS,
    EXPREL_PRIME_COEFFS,
    EXPREL_PRIME_SERIES_BELOW,
    EXPREL_SERIES_BELOW,
    RenamingMixin,
    exprel_prime_closed,
    float_text,
    horner,
)

__all__ = ["NMODL_EXPREL", "NMODL_EXPREL_PRIME", "NMODL_FUNCTIONS", "VrestNmodlPrinter"]

NMODL_EXPREL = "exprel"
NMODL_EXPREL_PRIME = "exprel_prime"


class VrestNmodlPrinter(RenamingMixin, CodePrinter):
    """Expressions in NMODL syntax; exprel/exprel' need NMODL_FUNCTIONS in the mod file."""

    printmethod = "_nmodl"
    language = "NMODL"
    _default_settings: ClassVar[dict[str, Any]] = {**CodePrinter._default_settings, "symbol_names": {}, "inline": True}
    _operators: ClassVar[dict[str, str]] = {"and": "&&", "or": "||", "not": "!"}
    known_functions: ClassVar[dict[str, str]] = {
        f: f for f in ("exp", "log", "log10", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh", "floor")
    } | {"Abs": "fabs", "ceiling": "ceil", "asin": "asin", "acos": "acos", "atan": "atan"}
    reserved_words: ClassVar[set[str]] = {
        "if",
        "else",
        "while",
        "FUNCTION",
        "PROCEDURE",
        "LOCAL",
        "TABLE",
        "v",
        "t",
        "dt",
    }

    def _print_Rational(self, expr: sp.Rational) -> str:
        # NMODL copies numbers into C; print a double, never an int division like 1/2.
        return float_text(expr)

    def _print_NumberSymbol(self, expr: sp.Expr) -> str:
        return float_text(expr)

    def parenthesize(self, item: sp.Basic, level: int, strict: bool = False) -> str:
        # A parenthesised number "(0.5)" is a units conversion factor to modlunit: print bare.
        if isinstance(item, sp.Rational) and item >= 0:
            return self._print(item)
        return super().parenthesize(item, level, strict)

    def _print_Pow(self, expr: sp.Pow) -> str:
        if expr.exp == sp.S.Half:
            return f"sqrt({self._print(expr.base)})"
        if expr.exp == -1:
            return f"1.0/{self.parenthesize(expr.base, PRECEDENCE['Pow'])}"
        base = self.parenthesize(expr.base, PRECEDENCE["Pow"])
        exp = self.parenthesize(expr.exp, PRECEDENCE["Pow"])
        # Wrapped whole, so a leading unary minus never applies to the base alone.
        return f"({base}^{exp})"

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        raise ValueError("NMODL has no conditional expressions; use a FUNCTION with if/else")

    def _print_Relational(self, expr: sp.core.relational.Relational) -> str:
        # For the conditions of if statements: C's comparison operators, operands parenthesised.
        op = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}[expr.rel_op]
        return f"({self._print(expr.lhs)}) {op} ({self._print(expr.rhs)})"

    def _print_exprel(self, expr: sp.Function) -> str:
        return f"{NMODL_EXPREL}({self._print(expr.args[0])})"

    def _print_exprel_prime(self, expr: sp.Function) -> str:
        return f"{NMODL_EXPREL_PRIME}({self._print(expr.args[0])})"

    def _get_comment(self, text: str) -> str:
        return f": {text}"

    def _format_code(self, lines: list[str]) -> list[str]:
        return lines


def _function_block(name: str, doc: str, below: sp.Expr, series: sp.Expr, closed: sp.Expr) -> str:
    p = VrestNmodlPrinter()
    return (
        f"FUNCTION {name}(x) {{\n"
        f"    : {doc}\n"
        f"    if (fabs(x) < {float_text(below)}) {{\n"
        f"        {name} = {p.doprint(series)}\n"
        f"    }} else {{\n"
        f"        {name} = {p.doprint(closed)}\n"
        f"    }}\n}}\n"
    )


_x = sp.Symbol("x")
NMODL_FUNCTIONS = (
    _function_block(
        NMODL_EXPREL,
        "(exp(x) - 1)/x, 1 at x = 0, Taylor series near 0 (vrest)",
        EXPREL_SERIES_BELOW,
        horner(_x, EXPREL_COEFFS),
        (sp.exp(_x) - 1) / _x,
    )
    + "\n"
    + _function_block(
        NMODL_EXPREL_PRIME,
        "d exprel/dx = ((x - 1) exp(x) + 1)/x^2, 1/2 at x = 0 (vrest)",
        EXPREL_PRIME_SERIES_BELOW,
        horner(_x, EXPREL_PRIME_COEFFS),
        exprel_prime_closed(_x),
    )
)
