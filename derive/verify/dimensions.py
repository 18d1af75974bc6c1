"""Dimensions of formulas: "the right side is a concentration, E_K is a potential".

A dimension is a tuple of (base dimension, exponent) pairs as pint names the
base dimensions ("[length]", "[time]", ...); () is a pure number. None stands
for "unknown": a bare number (read in SI units, so it may stand for any unit)
or a name without a unit. Unknown is compatible with everything.

Two walkers: `of_expr` reads a model's SymPy expressions (every number in them
is a pure number), `check_tree` reads the whitelisted AST of user text (a bare
number is unknown, a number with a unit has that unit's dimension) and refuses
what has no meaning: adding a potential to a concentration, a unit inside an
exponent or inside exp().
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from functools import lru_cache

import sympy as sp

from ..units import dimensionality
from ._lexer import ParseError

__all__ = [
    "DIMENSIONLESS",
    "Dim",
    "check_tree",
    "describe",
    "of_expr",
    "of_unit",
    "si_unit",
    "standard_unit",
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


def standard_unit(dim: Dim) -> str:
    """A unit to show values of this dimension in: a physiologist's, else SI base units."""
    named = _named().get(dim)
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
    named = _named()
    if dim in named:
        return _article(named[dim][0])
    for a, (name_a, _) in named.items():
        if not a:
            continue
        for b, (name_b, _) in named.items():
            if b and mul(a, b) == dim:
                return f"{_article(name_a)} times {_article(name_b)}"
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
        return None  # a bare number: SI, any unit

    def _UnaryOp(self, node: ast.UnaryOp) -> Dim | None:
        return self.walk(node.operand)

    def _BinOp(self, node: ast.BinOp) -> Dim | None:
        left, right = self.walk(node.left), self.walk(node.right)
        if isinstance(node.op, (ast.Add, ast.Sub)):
            if left is not None and right is not None and left != right:
                verb = "add" if isinstance(node.op, ast.Add) else "subtract"
                raise self.fail(node.right, f"cannot {verb} {describe(right)} and {describe(left)}")
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
        return DIMENSIONLESS  # logarithms: ln(K_o) - ln(K_i) is common, and fine


def check_tree(
    tree: ast.AST,
    values: Sequence[Dim | None],
    quantities: Sequence[Dim],
    col: Callable[[ast.AST], int],
    exponent: Callable[[ast.AST], Fraction | None],
) -> Dim | None:
    """Dimension of a parsed text; ParseError (with its column) where it has none."""
    return _Walker(values, quantities, col, exponent).walk(tree)
