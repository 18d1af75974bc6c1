"""The numeric view of a model that the NumPy and C exporters share.

Everything a generated numeric module needs, as SymPy: the ordered parameters
(``model.dynamic_parameters``) and states with SI defaults (the steady state every export
starts from), the right-hand side
in states and parameters only, its analytic Jacobian, and every named quantity
(E_X, I_X, I_pump, I_leak, I_total, the algebraic X_i = N_X/Vol, and the
closed-form potentials such as V_ss) with the algebraic symbols (X_i = N_X/Vol, ...) substituted. Printers
then only print; the two exporters cannot drift apart.

Ion valences are structural (an ion's valence is what the ion is), not tunable: they are
folded in as integer literals, so CSE shares exp(-u) and exprel(-u) between ions of the
same valence (K and Na: one exp, not two) and they are not parameters of the module.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from vrest.derive.derivation import NotApplicable
from vrest.derive.model import Model
from vrest.derive.quantities import Derivations

from .xml_model import start_state

__all__ = ["NumericSpec", "numeric_spec", "cse_block", "CLOSED_FORM_IDS"]

# Derived quantities exported when they have a closed form in the model's symbols.
CLOSED_FORM_IDS = ("V_ghk", "V_leak", "V_ss", "V_balance", "dV_pump", "V_mullins_noda", "g_leak", "tau_m")
# SI unit of a state by its display unit (states are V, amounts and the volume).
_SI_UNITS = {"mV": "V", "fmol": "mol", "um^3": "m^3"}


@dataclass(frozen=True)
class Entry:
    """One ordered name with its SI default value, unit and description."""

    name: str
    value: float
    unit: str
    description: str
    si_unit: str = ""


@dataclass(frozen=True)
class NumericSpec:
    model: Model
    parameters: tuple[Entry, ...]
    states: tuple[Entry, ...]
    state_symbols: tuple[sp.Symbol, ...]
    parameter_symbols: tuple[sp.Symbol, ...]
    rhs: tuple[sp.Expr, ...]
    jacobian: sp.Matrix
    quantities: tuple[tuple[str, sp.Expr], ...]
    definitions: tuple[str, ...]  # each quantity's definition as the model states it, for docs
    start: str = ""  # what the states' defaults are (xml_model.start_state: the steady state, as every export)


def _substitute_algebraic(model: Model, expr: sp.Expr) -> sp.Expr:
    subs = dict(model.algebraic)
    for _ in range(2):  # Vol may itself be algebraic in the amounts ("instant" water)
        expr = expr.xreplace(subs)
    return expr


@lru_cache(maxsize=16)
def numeric_spec(model: Model) -> NumericSpec:
    """Build the numeric view of ``model`` (cached: the Jacobian is the slow part)."""
    state_symbols = tuple(s.symbol for s in model.states)
    valences = {ion.z: sp.Integer(ion.valence) for ion in model.ions}
    kept = tuple(p for p in model.dynamic_parameters if p.symbol not in valences)
    parameter_symbols = tuple(p.symbol for p in kept)
    defaults, start = start_state(model)
    states = tuple(Entry(s.symbol.name, float(defaults[s.symbol]), s.unit, s.description, _SI_UNITS.get(s.unit, ""))
                   for s in model.states)
    parameters = tuple(Entry(p.name, float(p.value), p.unit, p.description) for p in kept)
    rhs_map = model.rhs()
    rhs = tuple(rhs_map[s].xreplace(valences) for s in state_symbols)
    jacobian = sp.Matrix(rhs).jacobian(state_symbols)
    known = set(state_symbols) | set(parameter_symbols)
    quantities: list[tuple[str, sp.Expr]] = []
    definitions: list[str] = []
    for symbol, definition in model.quantities:
        quantities.append((symbol.name, _substitute_algebraic(model, model.expand(symbol)).xreplace(valences)))
        definitions.append(str(definition))
    for symbol, definition in model.algebraic:  # X_i = N_X/Vol, A_i, Vol ("instant" water)
        quantities.append((symbol.name, _substitute_algebraic(model, symbol).xreplace(valences)))
        definitions.append(str(definition))
    derivations = Derivations(model)
    names = {name for name, _ in quantities}
    for quantity_id in CLOSED_FORM_IDS:
        try:
            derivation = derivations.get(quantity_id)
        except NotApplicable:
            continue
        if derivation.method != "closed form" or derivation.expression is None or quantity_id in names:
            continue
        expr = _substitute_algebraic(model, model.expand(derivation.expression)).xreplace(valences)
        if expr.free_symbols <= known:
            quantities.append((quantity_id, expr))
            definitions.append(str(derivation.expression))
    return NumericSpec(model, parameters, states, state_symbols, parameter_symbols, rhs, jacobian,
                       tuple(quantities), tuple(definitions), start)


def _hoist(exprs: list[sp.Expr], varying: frozenset, prefix: str) -> tuple[list[tuple[sp.Symbol, sp.Expr]], list]:
    """Pull the parameter-only factors and terms out of ``exprs``: (assignments, rewritten exprs).

    -F*V/(R*T) becomes _p0*V with _p0 = -F/(R*T): one array operation per element instead
    of three when V is an array and the parameters are scalars (NumPy evaluates left to right).
    """
    names: dict[sp.Expr, sp.Symbol] = {}
    order: list[tuple[sp.Symbol, sp.Expr]] = []

    def name(expr: sp.Expr) -> sp.Expr:
        if expr.is_Atom or expr.is_Number:
            return expr
        if expr not in names:
            names[expr] = sp.Symbol(f"{prefix}{len(names)}")
            order.append((names[expr], expr))
        return names[expr]

    def visit(expr: sp.Expr) -> sp.Expr:
        if expr.is_Atom or not (expr.free_symbols & varying):
            return expr
        args = [visit(a) for a in expr.args]
        if isinstance(expr, (sp.Add, sp.Mul)):
            fixed = [a for a in args if not (a.free_symbols & varying)]
            moving = [a for a in args if a.free_symbols & varying]
            if len(fixed) > 1 or (fixed and not fixed[0].is_Atom):
                return expr.func(name(expr.func(*fixed)), *moving)
            return expr.func(*args)
        return expr.func(*[a if a.free_symbols & varying else name(a) for a in args])

    rewritten = [visit(e) for e in exprs]
    return order, rewritten


def cse_block(exprs: list[sp.Expr], prefix: str = "_c",
              varying: tuple[sp.Symbol, ...] = ()) -> tuple[list[tuple[sp.Symbol, sp.Expr]], list[sp.Expr]]:
    """Common subexpressions shared by ``exprs``: (assignments in order, reduced expressions).

    With ``varying`` (the states), parameter-only subexpressions are computed first, once
    per call, and the rest is CSE'd. Deterministic: the same expressions give the same code.
    """
    hoisted: list[tuple[sp.Symbol, sp.Expr]] = []
    if varying:
        hoisted, exprs = _hoist(list(exprs), frozenset(varying), f"{prefix}p")
    replacements, reduced = sp.cse(exprs, symbols=sp.numbered_symbols(prefix), order="canonical")
    return hoisted + replacements, reduced
