"""Dimensions of formulas: "the right side is a concentration, E_K is a potential".

A dimension is a tuple of (base dimension, exponent) pairs as pint names the
base dimensions ("[length]", "[time]", ...); () is a pure number. None stands
for "unknown": a name without a unit, or a side written in numbers only (see
parse.py: such a side is an SI value of the quantity it is compared with).
Unknown is compatible with everything.

Two walkers: `of_expr` reads a model's SymPy expressions (every number in them
is a pure number), `check_tree` reads the whitelisted AST of user text (a bare
number is a pure number, a number with a unit has that unit's dimension) and
refuses what has no meaning: adding a potential to a concentration, a unit
inside an exponent or inside exp(). A logarithm of a quantity with a unit is
recorded: ln(K_o) - ln(K_i) is fine, ln(K_o) alone is not, and only the values
can tell (`unit_invariant`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from functools import lru_cache

import mpmath
import sympy as sp

from ..units import dimensionality
from ._lexer import ParseError
from ._numeric import evaluate

__all__ = [
    "DIMENSIONLESS",
    "Dim",
    "check_tree",
    "describe",
    "of_expr",
    "of_unit",
    "si_unit",
    "standard_unit",
    "unit_invariant",
]

Dim = tuple[tuple[str, Fraction], ...]
DIMENSIONLESS: Dim = ()

# Names for the dimensions a resting-potential calculation meets, each with
# the unit a physiologist would show it in.
_NAMED: tuple[tuple[str, str], ...] = (
    ("pure number", "1"),
    ("potential", "mV"),
    ("concentration", "mM"),
    ("temperature", "K"),
    ("time", "ms"),
    ("capacitance per area", "uF/cm^2"),
    ("conductance per area", "mS/cm^2"),
    ("current per area", "uA/cm^2"),
    ("permeability", "cm/s"),
    ("resistance times area", "ohm*cm^2"),
    ("charge per amount", "C/mol"),
    ("energy per amount and temperature", "J/(mol*K)"),
    ("energy per amount", "J/mol"),
    ("hydraulic permeability", "cm/s/Pa"),
    ("length", "um"),
    ("area", "um^2"),
    ("volume", "um^3"),
    ("amount", "fmol"),
    ("current", "nA"),
    ("conductance", "nS"),
    ("capacitance", "pF"),
    ("resistance", "Mohm"),
    ("charge", "C"),
    ("rate", "1/s"),
)

_SI_BASE = (
    ("[mass]", "kg"),
    ("[length]", "m"),
    ("[time]", "s"),
    ("[current]", "A"),
    ("[temperature]", "K"),
    ("[substance]", "mol"),
    ("[luminosity]", "cd"),
)


def _dim(pairs: Mapping[str, Fraction | int]) -> Dim:
    return tuple(sorted((k, Fraction(v)) for k, v in pairs.items() if v))


def of_unit(unit: str) -> Dim:
    """The dimension of a unit string as model files write them ("1" is a pure number)."""
    if unit in ("", "1"):
        return DIMENSIONLESS
    return _dim(dimensionality(unit))


def mul(a: Dim, b: Dim, sign: int = 1) -> Dim:
    """a * b (sign 1) or a / b (sign -1)."""
    out = dict(a)
    for k, v in b:
        out[k] = out.get(k, Fraction(0)) + sign * v
    return _dim(out)


def power(a: Dim, k: Fraction) -> Dim:
    return _dim({name: v * k for name, v in a})


@lru_cache(maxsize=1)
def _named() -> dict[Dim, tuple[str, str]]:
    return {of_unit(unit): (name, unit) for name, unit in _NAMED}


def _article(name: str) -> str:
    return ("an " if name[0] in "aeiou" else "a ") + name


def si_unit(dim: Dim) -> str:
    """The dimension as a product of SI base units, e.g. 'kg*m^2/(A*s^3)'."""
    exps = dict(dim)
    up = [(u, exps[b]) for b, u in _SI_BASE if exps.get(b, 0) > 0]
    down = [(u, -exps[b]) for b, u in _SI_BASE if exps.get(b, 0) < 0]

    def join(parts: list[tuple[str, Fraction]]) -> str:
        return "*".join(u if e == 1 else f"{u}^{e}" for u, e in parts)

    if not up and not down:
        return "1"
    text = join(up) or "1"
    if down:
        bottom = join(down)
        text += f"/({bottom})" if len(down) > 1 else f"/{bottom}"
    return text


def _bracket(unit: str) -> str:
    return f"({unit})" if any(c in unit for c in "*/") else unit


def _compose(dim: Dim) -> tuple[str, str] | None:
    """(name, unit) of an inverse, a product or a quotient of two named dimensions."""
    named = _named()
    inverse = named.get(power(dim, Fraction(-1)))
    if inverse and dim:
        return f"inverse {inverse[0]}", f"1/{_bracket(inverse[1])}"
    for a, (name_a, unit_a) in named.items():
        if not a:
            continue
        for b, (name_b, unit_b) in named.items():
            if b and mul(a, b) == dim:
                return f"{name_a} times {_article(name_b)}", f"{unit_a}*{_bracket(unit_b)}"
    for a, (name_a, unit_a) in named.items():
        for b, (name_b, unit_b) in named.items():
            if a and b and mul(a, b, -1) == dim:
                return f"{name_a} per {name_b}", f"{unit_a}/{_bracket(unit_b)}"
    return None


def standard_unit(dim: Dim) -> str:
    """A unit to show values of this dimension in: a physiologist's, else SI base units."""
    named = _named().get(dim) or _compose(dim)
    return named[1] if named else si_unit(dim)


def describe(dim: Dim | None, article: bool = True) -> str:
    """'a potential', 'a capacitance per area times a conductance per area', ... (article=False: 'potential')."""
    text = _describe(dim)
    if not article:
        text = text.split(" ", 1)[1]
    return text


def _describe(dim: Dim | None) -> str:
    if dim is None:
        return "a number of unknown unit"
    named = _named().get(dim) or _compose(dim)
    if named:
        return _article(named[0])
    return f"a quantity in {si_unit(dim)}"


# -- model expressions (SymPy) ------------------------------------------------


def of_expr(expr: sp.Expr, dims: Mapping[sp.Symbol, Dim | None]) -> Dim | None:
    """Dimension of a model expression; None when a symbol's unit is unknown.

    Model expressions are consistent by construction: a sum takes its first
    known term's dimension, a function's value is a pure number.
    """
    if expr.is_Symbol:
        return dims.get(expr)
    if expr.is_Number or expr.is_NumberSymbol:
        return DIMENSIONLESS
    if expr.is_Add:
        known = [d for d in (of_expr(a, dims) for a in expr.args) if d is not None]
        return known[0] if known else None
    if expr.is_Mul:
        out = DIMENSIONLESS
        for a in expr.args:
            d = of_expr(a, dims)
            if d is None:
                return None
            out = mul(out, d)
        return out
    if expr.is_Pow:
        base = of_expr(expr.base, dims)
        if base is None:
            return None
        if not base:
            return DIMENSIONLESS
        if expr.exp.is_Rational:
            return power(base, Fraction(int(expr.exp.p), int(expr.exp.q)))
        return None
    if isinstance(expr, sp.Abs):
        return of_expr(expr.args[0], dims)
    if isinstance(expr, sp.Function):
        return DIMENSIONLESS
    return None


# -- user text (the whitelisted AST of parse.py) ----------------------------


class _Walker:
    """Dimensions over the placeholder AST: _vN names, _nN bare numbers, _qN quantities."""

    def __init__(
        self,
        values: Sequence[Dim | None],
        quantities: Sequence[Dim],
        col: Callable[[ast.AST], int],
        exponent: Callable[[ast.AST], Fraction | None],
    ):
        self.values = values
        self.quantities = quantities
        self.col = col
        self.exponent = exponent  # the value of a numeric exponent (x^2, x^-1, x^(1/2)), else None
        self.logs: list[tuple[ast.Call, Dim]] = []  # logarithms of quantities with a unit

    def fail(self, node: ast.AST, message: str) -> ParseError:
        return ParseError(message, self.col(node))

    def walk(self, node: ast.AST) -> Dim | None:
        return getattr(self, "_" + type(node).__name__)(node)

    def _Expression(self, node: ast.Expression) -> Dim | None:
        return self.walk(node.body)

    def _Name(self, node: ast.Name) -> Dim | None:
        kind, index = node.id[:2], int(node.id[2:])
        if kind == "_v":
            return self.values[index]
        if kind == "_q":
            return self.quantities[index]
        return DIMENSIONLESS  # a bare number

    def _UnaryOp(self, node: ast.UnaryOp) -> Dim | None:
        return self.walk(node.operand)

    def _BinOp(self, node: ast.BinOp) -> Dim | None:
        left, right = self.walk(node.left), self.walk(node.right)
        if isinstance(node.op, (ast.Add, ast.Sub)):
            if left is not None and right is not None and left != right:
                what = (f"add {describe(right)} to" if isinstance(node.op, ast.Add) else
                        f"subtract {describe(right)} from")
                raise self.fail(node.right, f"cannot {what} {describe(left)}: they have different dimensions")
            return left if left is not None else right
        if isinstance(node.op, (ast.Mult, ast.Div)):
            if left is None or right is None:
                return None
            return mul(left, right, 1 if isinstance(node.op, ast.Mult) else -1)
        return self._power(node, left, right)

    def _power(self, node: ast.BinOp, base: Dim | None, exponent: Dim | None) -> Dim | None:
        if exponent:
            raise self.fail(node.right, f"an exponent must be a pure number, not {describe(exponent)}")
        if not base:
            return base
        k = self.exponent(node.right)
        if k is None:
            raise self.fail(node.right, f"{describe(base)} can only be raised to a fixed number")
        return power(base, k)

    def _Call(self, node: ast.Call) -> Dim | None:
        name = node.func.id[3:]  # type: ignore[attr-defined]  # _f_<name>, checked by the renderer
        arg = self.walk(node.args[0])
        if name in ("exp", "exprel") and arg:
            raise self.fail(node.args[0], f"the argument of {name} must be a pure number, not {describe(arg)}")
        if name == "sqrt":
            return None if arg is None else power(arg, Fraction(1, 2))
        if name == "abs":
            return arg
        if arg:  # ln(K_o) - ln(K_i) is common, and fine; ln(K_o) alone is not: see unit_invariant
            self.logs.append((node, arg))
        return DIMENSIONLESS


def check_tree(
    tree: ast.AST,
    values: Sequence[Dim | None],
    quantities: Sequence[Dim],
    col: Callable[[ast.AST], int],
    exponent: Callable[[ast.AST], Fraction | None],
) -> tuple[Dim | None, list[tuple[ast.Call, Dim]]]:
    """Dimension of a parsed text, and its logarithms of quantities with a unit; ParseError where it has none."""
    walker = _Walker(values, quantities, col, exponent)
    return walker.walk(tree), walker.logs


# Arbitrary factors for a change of the base units: a formula whose value does not
# scale as its dimension says under them depends on the units (a log of a concentration).
_UNIT_CHANGE = {"[mass]": 3, "[length]": 7, "[time]": 5, "[current]": 11, "[temperature]": 2, "[substance]": 13,
                "[luminosity]": 17}


def _unit_change(dim: Dim) -> mpmath.mpf:
    out = mpmath.mpf(1)
    for base, exponent in dim:
        out *= mpmath.power(_UNIT_CHANGE.get(base, 19), mpmath.mpf(exponent.numerator) / exponent.denominator)
    return out


def unit_invariant(expr: sp.Expr, dims: Mapping[sp.Symbol, Dim | None], values: Mapping[sp.Symbol, sp.Expr],
                   result: Dim | None) -> bool:
    """Does expr scale as its dimension `result` says when the base units change (True when it cannot tell)?

    dims: of every symbol in expr; values: a value for some of them (the numbers
    the user wrote, in SI), the others get arbitrary positive values.
    """
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    if result is None or any(dims.get(s) is None for s in symbols):
        return True
    with mpmath.workdps(50):
        point = {s: mpmath.mpf(str(values[s])) if s in values else mpmath.mpf(k + 2) / 3 for k, s in enumerate(symbols)}
        changed = {s: v * _unit_change(dims[s]) for s, v in point.items()}  # type: ignore[arg-type]
        before, after = evaluate(expr, point), evaluate(expr, changed)
        if before is None or after is None:
            return True
        expected = before * _unit_change(result)
        return bool(abs(after - expected) <= mpmath.mpf(10) ** -30 * max(abs(expected), abs(after), 1))
