"""LEMS (NeuroML 2) expression printer: ^ for powers, .lt./.and. comparisons.

"a <= b" prints as "b .geq. a": jLEMS reads .leq., PyLEMS does not (its parser has .le. and
.geq. but no .leq., so it takes the unknown word for a value and drops the comparison).

Sums print as "a + b - (c + d)" and .and./.or. operands in parentheses, because
PyLEMS groups operators of equal priority from the right ("a - b + c" would read as
a - (b + c)). LEMS expressions have no conditional; a conditional value is a
ConditionalDerivedVariable. So the printer lifts every Piecewise (exprel and exprel'
become their guarded Piecewise first) into a ``Conditional`` named
``<prefix><n>`` and prints that name. One printer instance collects the
conditionals of all the expressions it printed, deduplicated, inner before outer;
the NeuroML exporter renders ``printer.conditionals`` as

    <ConditionalDerivedVariable name="..." dimension="none">
        <Case condition="abs(x) .lt. 0.001" value="..."/>   (condition None: no attribute)
    </ConditionalDerivedVariable>
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import sympy as sp
from sympy.printing.codeprinter import CodePrinter
from sympy.printing.precedence import PRECEDENCE

from ._common import RenamingMixin, exprel_guarded, exprel_prime_guarded, float_text

__all__ = ["Conditional", "VrestLemsPrinter", "print_lems"]


@dataclass(frozen=True)
class Conditional:
    """One ConditionalDerivedVariable: cases in order, the last one's condition is None.

    dimension is "none" for exprel/exprel' (dimensionless); None when the printer cannot
    know it (a Piecewise from the model), and the exporter must supply it.
    """

    name: str
    cases: tuple[tuple[str | None, str], ...]
    dimension: str | None


class VrestLemsPrinter(RenamingMixin, CodePrinter):
    """Expressions in LEMS syntax; Piecewise pieces are lifted into ``self.conditionals``."""

    printmethod = "_lems"
    language = "LEMS"
    _default_settings: ClassVar[dict[str, Any]] = {
        **CodePrinter._default_settings,
        "symbol_names": {},
        "inline": True,
        "conditional_prefix": "vrest_cdv",
    }
    _relations: ClassVar[dict[str, str]] = {
        "<": ".lt.",
        ">": ".gt.",
        ">=": ".geq.",
        "==": ".eq.",
        "!=": ".neq.",
    }
    known_functions: ClassVar[dict[str, str]] = {
        f: f for f in ("exp", "log", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh")
    } | {"Abs": "abs", "ceiling": "ceil"}

    def __init__(self, settings: Mapping[str, object] | None = None) -> None:
        super().__init__(settings)
        self._conditionals: dict[tuple[tuple[str | None, str], ...], Conditional] = {}
        self._dimension: str | None = None

    @property
    def conditionals(self) -> list[Conditional]:
        """Every conditional the printed expressions use, definitions before uses."""
        return list(self._conditionals.values())

    def _print_Rational(self, expr: sp.Rational) -> str:
        return float_text(expr)

    def _print_NumberSymbol(self, expr: sp.Expr) -> str:
        return float_text(expr)

    def _print_Pow(self, expr: sp.Pow) -> str:
        if expr.exp == sp.S.Half:
            return f"sqrt({self._print(expr.base)})"
        if expr.exp == -1:
            return f"1/{self.parenthesize(expr.base, PRECEDENCE['Pow'])}"
        base = self.parenthesize(expr.base, PRECEDENCE["Pow"])
        exp = self.parenthesize(expr.exp, PRECEDENCE["Pow"])
        # Wrapped whole: in LEMS readers unary minus may bind tighter than ^.
        return f"({base}^{exp})"

    def _print_Add(self, expr: sp.Add, order: str | None = None) -> str:
        # "a + b - (c + d)": right for readers that group + and - from the right (PyLEMS).
        terms = self._as_ordered_terms(expr, order=order)
        plus = [self.parenthesize(t, PRECEDENCE["Add"]) for t in terms if not t.could_extract_minus_sign()]
        minus = [self.parenthesize(-t, PRECEDENCE["Add"]) for t in terms if t.could_extract_minus_sign()]
        subtracted = minus[0] if len(minus) == 1 else f"({' + '.join(minus)})"
        if not minus:
            return " + ".join(plus)
        return f"{' + '.join(plus)} - {subtracted}" if plus else f"-{subtracted}"

    def _print_And(self, expr: sp.And) -> str:
        return " .and. ".join(f"({self._print(a)})" for a in expr.args)

    def _print_Or(self, expr: sp.Or) -> str:
        return " .or. ".join(f"({self._print(a)})" for a in expr.args)

    def _print_Relational(self, expr: sp.core.relational.Relational) -> str:
        left, op, right = expr.lhs, expr.rel_op, expr.rhs
        if op == "<=":  # "b .geq. a": PyLEMS has no .leq. (it would read "a .leq. b" as b alone)
            left, op, right = right, ">=", left
        lhs = self.parenthesize(left, PRECEDENCE["Relational"])
        rhs = self.parenthesize(right, PRECEDENCE["Relational"])
        return f"{lhs} {self._relations[op]} {rhs}"

    def _print_Not(self, expr: sp.Not) -> str:
        raise ValueError("LEMS has no negation operator; negate the relation instead")

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        dimension, self._dimension = self._dimension, None
        cases = tuple(
            (None if cond == sp.true and i == len(expr.args) - 1 else self._print(cond), self._print(value))
            for i, (value, cond) in enumerate(expr.args)
        )
        if cases[-1][0] is not None:
            raise ValueError("a LEMS conditional needs a default case: end the Piecewise with (value, True)")
        if cases not in self._conditionals:
            name = f"{self._settings['conditional_prefix']}{len(self._conditionals)}"
            self._conditionals[cases] = Conditional(name, cases, dimension)
        return self._conditionals[cases].name

    def _print_dimensionless_piecewise(self, expr: sp.Piecewise) -> str:
        self._dimension = "none"
        return self._print_Piecewise(expr)

    def _print_exprel(self, expr: sp.Function) -> str:
        return self._print_dimensionless_piecewise(exprel_guarded(expr.args[0]))

    def _print_exprel_prime(self, expr: sp.Function) -> str:
        return self._print_dimensionless_piecewise(exprel_prime_guarded(expr.args[0]))

    def _get_comment(self, text: str) -> str:
        return ""

    def _format_code(self, lines: list[str]) -> list[str]:
        return lines


def print_lems(
    expr: sp.Expr,
    symbol_names: Mapping[sp.Symbol, str] | None = None,
    conditional_prefix: str = "vrest_cdv",
) -> tuple[str, list[Conditional]]:
    """One expression: (its LEMS text, the conditionals it needs). For several
    expressions of one component use one VrestLemsPrinter so names stay unique."""
    printer = VrestLemsPrinter({"symbol_names": symbol_names or {}, "conditional_prefix": conditional_prefix})
    return printer.doprint(expr), printer.conditionals
