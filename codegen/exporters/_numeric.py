"""The numeric view of a model that the NumPy and C exporters share.

Everything a generated numeric module needs, as SymPy: the ordered parameters
(``model.dynamic_parameters``) and states with SI defaults, the right-hand side
in states and parameters only, its analytic Jacobian, and every named quantity
(E_X, I_X, I_pump, I_leak, I_total, the algebraic X_i = N_X/Vol, and the
closed-form potentials such as V_ss) with the algebraic symbols (X_i = N_X/Vol, ...) substituted. Printers
then only print; the two exporters cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from derive.derivation import NotApplicable
from derive.model import Model
from derive.quantities import Derivations
from derive.steady_state import initial_state

__all__ = ["NumericSpec", "numeric_spec", "cse_block", "CLOSED_FORM_IDS"]

# Derived quantities exported when they have a closed form in the model's symbols.
CLOSED_FORM_IDS = ("V_ghk", "V_leak", "V_ss", "dV_pump", "V_mullins_noda", "g_leak", "tau_m")
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


def _substitute_algebraic(model: Model, expr: sp.Expr) -> sp.Expr:
    subs = dict(model.algebraic)
    for _ in range(2):  # Vol may itself be algebraic in the amounts ("instant" water)
        expr = expr.xreplace(subs)
    return expr


@lru_cache(maxsize=16)
def numeric_spec(model: Model) -> NumericSpec:
    """Build the numeric view of ``model`` (cached: the Jacobian is the slow part)."""
    state_symbols = tuple(s.symbol for s in model.states)
    parameter_symbols = tuple(p.symbol for p in model.dynamic_parameters)
    defaults = initial_state(model)
    states = tuple(Entry(s.symbol.name, float(defaults[s.symbol]), s.unit, s.description, _SI_UNITS.get(s.unit, ""))
                   for s in model.states)
    parameters = tuple(Entry(p.name, float(p.value), p.unit, p.description) for p in model.dynamic_parameters)
    rhs_map = model.rhs()
    rhs = tuple(rhs_map[s] for s in state_symbols)
    jacobian = sp.Matrix(rhs).jacobian(state_symbols)
    known = set(state_symbols) | set(parameter_symbols)
    quantities: list[tuple[str, sp.Expr]] = []
    definitions: list[str] = []
    for symbol, definition in model.quantities:
        quantities.append((symbol.name, _substitute_algebraic(model, model.expand(symbol))))
        definitions.append(str(definition))
    for symbol, definition in model.algebraic:  # X_i = N_X/Vol, A_i, Vol ("instant" water)
        quantities.append((symbol.name, _substitute_algebraic(model, symbol)))
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
        expr = _substitute_algebraic(model, model.expand(derivation.expression))
        if expr.free_symbols <= known:
            quantities.append((quantity_id, expr))
            definitions.append(str(derivation.expression))
    return NumericSpec(model, parameters, states, state_symbols, parameter_symbols, rhs, jacobian,
                       tuple(quantities), tuple(definitions))


def cse_block(exprs: list[sp.Expr], prefix: str = "_c") -> tuple[list[tuple[sp.Symbol, sp.Expr]], list[sp.Expr]]:
    """Common subexpressions shared by ``exprs``: (assignments in order, reduced expressions).

    Deterministic: the same expressions always give the same temporaries.
    """
    replacements, reduced = sp.cse(exprs, symbols=sp.numbered_symbols(prefix), order="canonical")
    return replacements, reduced
