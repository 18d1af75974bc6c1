"""Safe parsing of hand-written formulas into SymPy, without eval.

How it works (the idea of Brian2's brian2/parsing/rendering.py): the text is
lexed and rewritten into a Python expression string that holds only
placeholders, + - * / ** and parentheses; Python's ``ast`` parses it; a
renderer walks the tree, accepts only whitelisted node types and builds SymPy
objects directly. Nothing is eval'ed, exec'ed or sympified; names resolve only
through the mapping the caller supplies.

What users may type:

- plain math: ``R*T/F*ln(K_o/K_i)``, ``RT/F ln(K_o/K_i)``, ``g_K*(V-E_K)``,
  ``x^2`` or ``x**2``, ``[K]_o``, ``[K+]_i``, ``[Na^+]_{in}``, ``2.5e-3``;
- LaTeX: ``\\frac{a}{b}``, ``\\ln``, ``\\log``, ``\\log_{10}``, ``\\exp``,
  ``\\sqrt{x}``, ``\\left( \\right)``, ``\\cdot``, ``\\times``, ``E_{K}``,
  ``\\mathrm{Na}``, ``e^{-u}``, greek letters (``\\tau_m``);
- functions: ln and log (both natural), log10, exp, sqrt, abs, exprel;
- unit letters: ``°C`` (degC), ``Ω`` (ohm), ``µ`` (u);
  constants pi and e unless the caller's names define them.

Reading rules: an unknown word is split greedily (longest known name first)
into known names, so ``RT`` is R*T unless ``RT`` is itself a name. A product
written without a space (``RT``, ``zF``, ``2F``) binds like a product in
parentheses, ``RT/zF`` = (R*T)/(z*F); a product across a space has ordinary
precedence, ``RT/F ln(x)`` = (R*T/F)*ln(x). A function name without
parentheses takes the next operand: ``\\ln\\frac{a}{b}``, ``ln x``.

Numbers may carry units: ``61.5 mV``, ``96485 C/mol``, ``8.314 J/(mol K)``,
``310 K``, ``37 degC``, ``1 uF/cm^2``. After a number, a word that is not a name
of the model is read as a unit (the model's names win: ``2 F`` is twice the
Faraday constant, ``0.5 V`` half the membrane potential; write ``volt``). A
number with a unit is its exact value in SI units; a bare number is a pure
number, except that a side written in numbers only has no dimension of its own
(Written.dim None: an SI value of the quantity it is compared with, -0.095 for
E_K is -0.095 V). A unit after a power of ten belongs to the power (10^2 mV).
With the model's units (`parse_written(..., dimensions=...)`) sums, exponents
and function arguments are checked: ``V - 5 mM``, ``V - 5`` and ``exp(5 mV)``
are refused, and so is the logarithm of a quantity with a unit unless the
units cancel (``ln(K_o) - ln(K_i)`` is fine, ``ln(K_o)`` is not).

Limits, so that nothing can hang: 2000 characters, bracket depth 40, 1500 AST
nodes, 30 digits per literal, exponents of at most 64 on symbolic bases and
numeric powers of at most 1000 digits (``9^9^9^9`` is refused), units with
whole-number powers up to 6.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from ..functions import exprel
from ..units import unit_name
from ._grammar import to_python
from ._lexer import MAX_CHARS, ParseError, lex
from ._quantity import Quantity, unit_word
from .dimensions import DIMENSIONLESS, Dim, check_tree, describe, unit_invariant

__all__ = [
    "FUNCTIONS",
    "MAX_CHARS",
    "Literal",
    "ParseError",
    "Written",
    "parse",
    "parse_equation",
    "parse_expression",
    "parse_written",
    "with_aliases",
]

Names = Mapping[str, sp.Expr]
Dimensions = Mapping[sp.Symbol, Dim | None]
Equation = tuple[sp.Expr, sp.Expr]


@dataclass(frozen=True)
class Literal:
    """One number the user wrote: its placeholder in `Written.template`, exact SI value, unit."""

    symbol: sp.Dummy
    text: str  # as written: "61.5 mV", "4"
    value: sp.Expr  # in SI units
    unit: str | None  # None: a bare number
    number: sp.Expr  # the number without its unit
    column: int
    dim: Dim | None = None  # None: a bare number (any unit)


@dataclass(frozen=True)
class Written:
    """One side as the user wrote it: its value, its numbers kept apart, its dimension.

    template is value with each literal number replaced by its Literal's symbol,
    so that one number can be changed (was 5.4 meant for K_o? 61.54 for mV?).
    dim is None when unknown (bare numbers, names without units).
    """

    value: sp.Expr
    template: sp.Expr
    literals: tuple[Literal, ...] = ()
    dim: Dim | None = None
    notes: tuple[str, ...] = ()  # how a reading the user may not expect was taken (0.5 V: V is the potential)
    functions: frozenset[str] = frozenset()  # the function names the user wrote (log, ln, log10, ...)
    readings: tuple[str, ...] = ()  # how a name the claim leaves open was read (z: z_K in E_K's): said, not a slip

    def with_numbers(self, values: Mapping[sp.Symbol, sp.Expr] | None = None) -> sp.Expr:
        """The expression with its literals at their values, some replaced by `values`."""
        repl = {lit.symbol: lit.value for lit in self.literals}
        repl.update(values or {})
        return self.template.xreplace(repl)

MAX_NODES = 1500
MAX_RENDER_DEPTH = 120
MAX_SYMBOLIC_EXPONENT = 64  # x^64 at most (after SymPy combines powers)
MAX_POWER_DIGITS = 1000  # digits of an exact numeric power such as 9^9

FUNCTIONS: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    "ln": sp.log,
    "log": sp.log,
    "log10": lambda x: sp.log(x, 10),
    "log_10": lambda x: sp.log(x, 10),
    "exp": sp.exp,
    "sqrt": sp.sqrt,
    "abs": sp.Abs,
    "exprel": exprel,
}
_CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "e": sp.E}
_NAMES_AS_UNITS_EXPECTED = ("F", "R")  # 2 F is twice the Faraday constant, as intended
_NAME_MEANINGS = {"V": "the membrane potential", "T": "the temperature", "C": "the model's C"}


def with_aliases(names: Names) -> dict[str, sp.Expr]:
    """Add the aliases people type for concentrations: X_in, X_out, Xi, Xo.

    ([X]_i needs no alias: the lexer reads it as X_i.) An alias is added only
    when it is not a name already and no other name claims the same alias.
    """
    out = dict(names)
    claims: dict[str, set[str]] = {}
    for name in names:
        for side, long in (("i", "in"), ("o", "out")):
            if name.endswith("_" + side) and len(name) > 2:
                ion = name[:-2]
                for alias in (f"{ion}_{long}", f"{ion}{side}"):
                    claims.setdefault(alias, set()).add(name)
    for alias, targets in claims.items():
        if alias not in names and len(targets) == 1:
            out[alias] = names[next(iter(targets))]
    return out


class _Renderer:
    """Walk a whitelisted Python AST and build SymPy objects."""

    def __init__(
        self,
        values: list[sp.Expr],
        numbers: list[str],
        cols: list[int],
        quantities: list[Quantity] = (),  # type: ignore[assignment]
        literals: list[sp.Expr] | None = None,
    ):
        self.values = values
        self.numbers = numbers
        self.quantities = quantities
        self.literals = literals  # template mode: numbers then quantities, as symbols
        self.cols = cols
        self.depth = 0
        self.tree: ast.AST | None = None

    def col(self, node: ast.AST) -> int:
        off = getattr(node, "col_offset", 0)
        return self.cols[min(off, len(self.cols) - 1)] if self.cols else 1

    def fail(self, node: ast.AST, message: str) -> ParseError:
        return ParseError(message, self.col(node))

    def render(self, node: ast.AST) -> sp.Expr:
        self.depth += 1
        if self.depth > MAX_RENDER_DEPTH:
            raise self.fail(node, "expression nested too deeply")
        method = getattr(self, "_render_" + type(node).__name__, None)
        if method is None:
            raise self.fail(node, f"{type(node).__name__} syntax is not allowed")
        try:
            return method(node)
        finally:
            self.depth -= 1

    def _render_Expression(self, node: ast.Expression) -> sp.Expr:
        return self.render(node.body)

    def _render_Name(self, node: ast.Name) -> sp.Expr:
        ident = node.id
        if ident.startswith("_v") and ident[2:].isdigit() and int(ident[2:]) < len(self.values):
            return self.values[int(ident[2:])]
        if ident.startswith("_n") and ident[2:].isdigit() and int(ident[2:]) < len(self.numbers):
            k = int(ident[2:])
            return self.literals[k] if self.literals else _number(self.numbers[k])
        if ident.startswith("_q") and ident[2:].isdigit() and int(ident[2:]) < len(self.quantities):
            k = int(ident[2:])
            return self.literals[len(self.numbers) + k] if self.literals else _rational(self.quantities[k].value)
        raise self.fail(node, f"name {ident!r} is not allowed")

    def _render_UnaryOp(self, node: ast.UnaryOp) -> sp.Expr:
        operand = self.render(node.operand)
        if isinstance(node.op, ast.USub):
            return -operand
        if isinstance(node.op, ast.UAdd):
            return operand
        raise self.fail(node, f"operator {type(node.op).__name__} is not allowed")

    def _render_BinOp(self, node: ast.BinOp) -> sp.Expr:
        left, right = self.render(node.left), self.render(node.right)
        op = node.op
        if isinstance(op, ast.Add):
            return left + right
        if isinstance(op, ast.Sub):
            return left - right
        if isinstance(op, ast.Mult):
            return left * right
        if isinstance(op, ast.Div):
            if right.is_zero:
                raise self.fail(node.right, "division by zero")
            return left / right
        if isinstance(op, ast.Pow):
            if self.literals is None:  # checked once, on the values
                _check_power(left, right, lambda m: self.fail(node.right, m))
            return left**right
        raise self.fail(node, f"operator {type(op).__name__} is not allowed")

    def _render_Call(self, node: ast.Call) -> sp.Expr:
        func = node.func
        if not (isinstance(func, ast.Name) and func.id.startswith("_f_")):
            raise self.fail(node, "only the whitelisted functions can be called")
        name = func.id[3:]
        if name not in FUNCTIONS:
            raise self.fail(node, f"function {name!r} is not allowed")
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise self.fail(node, f"{name} takes exactly one argument")
        return FUNCTIONS[name](self.render(node.args[0]))


def _rational(value: Fraction) -> sp.Expr:
    return sp.Rational(value.numerator, value.denominator)


def _number(text: str) -> sp.Expr:
    """Integer literals stay exact (3/2 is a Rational); decimals become Floats."""
    if text.isdigit():
        return sp.Integer(text)
    digits = sum(c.isdigit() for c in text.lower().partition("e")[0])
    return sp.Float(text, max(15, digits + 2))


def _check_power(base: sp.Expr, exponent: sp.Expr, fail: Callable[[str], ParseError]) -> None:
    """Refuse powers that would take unbounded time or memory to build."""
    if not exponent.is_Number:
        return
    if base.is_Number and exponent.is_Integer:
        if base.is_Rational:
            size = max(abs(base.p), abs(base.q), 2)
            if abs(int(exponent)) * math.log10(size) > MAX_POWER_DIGITS:
                raise fail(f"power too large: the result would have over {MAX_POWER_DIGITS} digits")
        return
    if base.is_Number:
        return
    if abs(exponent) > MAX_SYMBOLIC_EXPONENT:
        raise fail(f"exponent {exponent} is too large (at most {MAX_SYMBOLIC_EXPONENT})")


def _check_result(expr: sp.Expr) -> None:
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ParseError("the expression is undefined (division by zero or log(0))")
    if expr.has(sp.I):
        raise ParseError("the expression has no real value (the logarithm or square root of a negative number)")
    for p in expr.atoms(sp.Pow):
        e = p.exp
        if e.is_Number and not p.base.is_Number and abs(e) > MAX_SYMBOLIC_EXPONENT:
            raise ParseError(f"exponent {e} is too large (at most {MAX_SYMBOLIC_EXPONENT})")


def _resolve_value(names: Names) -> Callable[[str], sp.Expr | None]:
    def lookup(word: str) -> sp.Expr | None:
        if word in names:
            return names[word]
        return _CONSTANTS.get(word)

    return lookup


class _AnyWord(dict):
    """In lenient mode every word not a function is a name (no splitting)."""

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and word not in FUNCTIONS


def _fraction(value: sp.Expr) -> Fraction | None:
    """A numeric exponent as an exact fraction (2, -1, 1/2, 0.5), else None."""
    if value.is_Rational:
        return Fraction(int(value.p), int(value.q))
    if value.is_Float:
        return Fraction(str(value))
    return None


def _dimension(names_dims: Dimensions, value: sp.Expr) -> Dim | None:
    if value in (sp.pi, sp.E):
        return DIMENSIONLESS
    return names_dims.get(value) if isinstance(value, sp.Symbol) else None


def _render(toks: list, names: Names, lenient: bool = False, dimensions: Dimensions | None = None) -> Written:
    lookup = _resolve_value(names)
    values_view = _AnyWord() if lenient else {w: None for w in (*names, *_CONSTANTS)}
    text, cols, val_names, numbers, quantities = to_python(toks, values_view, FUNCTIONS, units=not lenient)
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        off = (exc.offset or 1) - 1
        col = cols[min(off, len(cols) - 1)] if cols else 1
        raise ParseError("incomplete or malformed expression", col) from None
    except (RecursionError, MemoryError):
        raise ParseError("expression nested too deeply") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise ParseError(f"expression has more than {MAX_NODES} parts")
    values = [lookup(w) if not lenient else lookup(w) or sp.Symbol(w) for w in val_names]
    renderer = _Renderer(values, numbers, cols, quantities)
    renderer.tree = tree
    value_dims = [_dimension(dimensions or {}, v) for v in values]
    try:
        expr = renderer.render(tree)
        dim, logs = check_tree(tree, value_dims, [q.dim for q in quantities], renderer.col,
                               lambda node: _fraction(renderer.render(node)))
        literals = _literals(tree, numbers, quantities, cols)
        template = _Renderer(values, numbers, cols, quantities, [lit.symbol for lit in literals]).render(tree)
    except RecursionError:
        raise ParseError("expression nested too deeply") from None
    _check_result(expr)
    if logs and dimensions is not None:
        _check_logs(template, literals, dimensions, dim, logs, renderer)
    if not quantities and all(v in (sp.pi, sp.E) for v in values):
        dim = None  # numbers only: an SI value of the quantity it is compared with
    functions = frozenset(re.findall(r"_f_(\w+)", text))
    valence = names.get("z")  # z in a claim about one ion (E_K, I_Na): that ion's valence, as a teacher writes it
    readings = (f"z is read as {valence}, the valence of the ion the claim is about",) \
        if "z" in val_names and isinstance(valence, sp.Symbol) and valence.name != "z" else ()
    return Written(expr, template, literals, dim, _notes(toks, names), functions, readings)


def _check_logs(template: sp.Expr, literals: tuple[Literal, ...], dimensions: Dimensions, dim: Dim | None,
                logs: list, renderer: _Renderer) -> None:
    """ln(K_o) - ln(K_i) is a pure number; ln(K_o) alone depends on the unit of K_o: refused."""
    dims: dict[sp.Symbol, Dim | None] = {s: dimensions.get(s) for s in template.free_symbols}
    dims.update({lit.symbol: lit.dim if lit.unit is not None else DIMENSIONLESS for lit in literals})
    if unit_invariant(template, dims, {lit.symbol: lit.value for lit in literals}, dim):
        return
    node, arg_dim = logs[0]
    name = node.func.id[3:]
    arg = sp.sstr(renderer.render(node.args[0]))
    parent = _divided(renderer, node)
    if parent is not None:
        below = sp.sstr(renderer.render(parent.right))
        raise ParseError(f"{name} {arg}/{below} is read as ({name} {arg})/{below}; write {name}({arg}/{below})",
                         renderer.col(node))
    raise ParseError(f"{name}({arg}) is the logarithm of {describe(arg_dim)}: its value depends on the unit; "
                     f"take the logarithm of a ratio (such as {name}({arg}/...)) or of a pure number",
                     renderer.col(node))


def _divided(renderer: _Renderer, call: ast.AST) -> ast.BinOp | None:
    """The division whose numerator ends with this call: RT/F ln K_o/K_i is ((RT/F) ln(K_o))/K_i."""
    for node in ast.walk(renderer.tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            last = node.left
            while isinstance(last, ast.BinOp) and isinstance(last.op, (ast.Mult, ast.Div)):
                last = last.right
            if last is call:
                return node
    return None


def _notes(toks: list, names: Names) -> tuple[str, ...]:
    """A model name that is also a unit, right after a number (0.5 V): say that the name wins."""
    out = []
    for before, prev, t in zip([None, *toks], toks, toks[1:]):
        unit_like = t.kind == "NAME" and t.text in names and unit_word(t.text) is not None
        exponent = before is not None and before.kind == "POW"  # F^2 V: an exponent carries no unit
        if prev.kind == "NUM" and unit_like and not exponent and t.text not in _NAMES_AS_UNITS_EXPECTED:
            what = _NAME_MEANINGS.get(t.text, f"the model's {t.text}")
            out.append(f"{t.text} after {prev.text} is {what} here, not a unit (names win over units); "
                       f"for the unit write {unit_name(t.text)}")
    return tuple(dict.fromkeys(out))


def _literals(tree: ast.AST, numbers: list[str], quantities: list[Quantity], cols: list[int]) -> tuple[Literal, ...]:
    """One Literal per number placeholder, bare numbers first (in placeholder order)."""
    where: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            where[node.id] = cols[min(node.col_offset, len(cols) - 1)] if cols else 1
    out = [
        Literal(sp.Dummy(f"n{k}"), text, _number(text), None, _number(text), where.get(f"_n{k}", 1))
        for k, text in enumerate(numbers)
    ]
    out += [
        Literal(sp.Dummy(f"q{k}"), q.text, _rational(q.value), q.unit, _rational(q.number), where.get(f"_q{k}", 1), q.dim)
        for k, q in enumerate(quantities)
    ]
    return tuple(out)


def _split_eq(toks: list) -> list[list]:
    parts: list[list] = [[]]
    for t in toks:
        if t.kind == "EQ":
            parts.append([])
        else:
            parts[-1].append(t)
    return parts


def parse_written(
    text: str,
    names: Names,
    *,
    lenient: bool = False,
    dimensions: Dimensions | None = None,
) -> Written | tuple[Written, Written]:
    """Each side as written (see Written): one, or (lhs, rhs) when the text holds one '='.

    dimensions: the unit dimension of names (symbols) the caller knows; with
    them a sum of different dimensions or a unit in an exponent is refused.
    """
    toks = lex(text)
    parts = _split_eq(toks)
    if len(parts) > 2:
        second = [t for t in toks if t.kind == "EQ"][1]
        raise ParseError("more than one '='", second.col, "=")
    for part, t in zip(parts, [None, *[t for t in toks if t.kind == "EQ"]]):
        if not part:
            col = t.col if t is not None else 1
            raise ParseError("missing expression beside '='", col, "=")
    if len(parts) == 1:
        return _render(parts[0], names, lenient, dimensions)
    return _render(parts[0], names, lenient, dimensions), _render(parts[1], names, lenient, dimensions)


def parse(text: str, names: Names, *, lenient: bool = False) -> sp.Expr | Equation:
    """An expression, or (lhs, rhs) when the text holds one '='.

    lenient: accept every word as a name (a syntax and limits check that
    needs no symbol table, e.g. before a model is loaded).
    """
    result = parse_written(text, names, lenient=lenient)
    if isinstance(result, tuple):
        return result[0].value, result[1].value
    return result.value


def parse_expression(text: str, names: Names) -> sp.Expr:
    """Parse one expression; an '=' is refused."""
    result = parse(text, names)
    if isinstance(result, tuple):
        raise ParseError("expected an expression, got an equation")
    return result


def parse_equation(text: str, names: Names) -> Equation:
    """Parse 'LHS = RHS' into (lhs, rhs)."""
    result = parse(text, names)
    if not isinstance(result, tuple):
        raise ParseError("expected an equation 'LHS = RHS'")
    return result
