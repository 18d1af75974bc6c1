"""What every export of an ODE system shares: ids, values, the formulas ready to print.

An imported model (derive.importers: a CellML or SBML file) is an OdeSystem in SI: states with
their rates and initial values, parameters, named quantities in dependency order, roles. Each
export lays it out in its own format; this module builds what they all need once:

- ids: the file's own names where the target allows them; a name the target cannot take (not
  an identifier there, or a word the target reserves) gets the nearest valid id, made unique
  with "_" suffixes, and ``renamed`` lists each (file name, id) for the export's notes;
- values in SI (exact rationals turned into the double nearest to them);
- formulas with every removable singularity of a rate function (g/(exp(Q) - 1) with g a
  multiple of Q, derive.removable) written with exprel, which every printer prints exact at 0,
  and exact rationals as doubles (except the exponents of powers, so sqrt stays sqrt);
- the stimulus off (0: as at rest, where vrest rests the model) unless it is kept.

The formulas stay in SI because an imported model's formulas carry units in their constants
(a rate exp(-0.08 V) with V in mV becomes exp(-80 V) with V in volts): they hold in SI, the
system vrest converted them to, and in no other unit system.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import sympy as sp

from vrest.derive.removable import with_exprel
from vrest.derive.system import TIME, OdeSystem

from ..ids import valid_id

__all__ = ["Entry", "SystemExport", "system_export", "lift_piecewise", "unique_id", "rate_ids"]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Entry:
    """One parameter, state or named quantity: SI value (parameters, initial states) or formula."""

    symbol: sp.Symbol
    id: str
    unit: str  # the display unit of the import (a unit string, "" when dimensionless or not given)
    description: str  # the file's component.variable and its text
    value: float | None = None
    math: sp.Expr | None = None  # a state's rate (per second) or a quantity's definition, in SI

    @property
    def name(self) -> str:
        """The name the imported system gives it (the file's name, or component_name where it repeats)."""
        return self.symbol.name


@dataclass(frozen=True)
class SystemExport:
    system: OdeSystem
    id: str  # the model's id
    parameters: tuple[Entry, ...]
    states: tuple[Entry, ...]
    quantities: tuple[Entry, ...]  # in dependency order
    ids: dict[sp.Symbol, str]  # every symbol (and TIME) -> its id in the export
    renamed: tuple[tuple[str, str], ...]  # (name in the file, id in the export), for names the target refuses
    voltage: Entry
    stimulus: Entry | None
    stimulus_note: str  # what the export did with the stimulus, one sentence

    @property
    def entries(self) -> tuple[Entry, ...]:
        return self.parameters + self.states + self.quantities


def _export_id(name: str, reserved: set[str], taken: set[str]) -> str:
    """``name`` itself where the target allows it, else the nearest valid id; unique among ``taken``."""
    ident = name if _IDENTIFIER.match(name) and name not in reserved else valid_id(name, reserved)
    while ident in taken or ident in reserved:
        ident += "_"
    taken.add(ident)
    return ident


def _doubles(expr: sp.Expr) -> sp.Expr:
    """Exact non-integer rationals as the doubles nearest them; a power's exponent stays exact."""
    if expr.is_Rational and not expr.is_Integer:
        return sp.Float(float(expr))
    if expr.is_Atom:
        return expr
    if expr.is_Pow:
        return sp.Pow(_doubles(expr.base), expr.exp if expr.exp.is_Rational else _doubles(expr.exp))
    args = [_doubles(a) for a in expr.args]
    if not any(a is not b for a, b in zip(args, expr.args)):
        return expr
    if isinstance(expr, sp.exp):  # SymPy would split exp(c + x) into exp(c) exp(x): Livshitz-Rudy's exp(-1666.7)
        return sp.exp(*args, evaluate=False)  # is 1e-724, 0 as a double, and 0 exp(41666.7 V) is 0 inf = NaN
    return expr.func(*args)


def _in_stable_order(quantities) -> list:
    """The quantities by (length of their longest chain of quantities they use, name): a dependency
    order that does not depend on the order the reader happened to give them in."""
    defined = {q.symbol for q in quantities}
    depth: dict[sp.Symbol, int] = {}
    for q in quantities:  # a dependency order already: each uses only earlier ones
        used = sp.sympify(q.expression).free_symbols & defined
        depth[q.symbol] = 1 + max((depth[u] for u in used), default=-1)
    return sorted(quantities, key=lambda q: (depth[q.symbol], q.name))


def system_export(system: OdeSystem, *, reserved: Iterable[str] = (), keep_stimulus: bool = False,
                  time_id: str = "time") -> SystemExport:
    """The shared context of every export of ``system``; ``reserved``: names the target forbids."""
    reserved = set(reserved) | {time_id}
    taken: set[str] = set()
    symbols = ([p.symbol for p in system.parameters] + list(system.state_symbols)
               + [q.symbol for q in _in_stable_order(system.quantities)])
    ids = {s: _export_id(s.name, reserved, taken) for s in symbols}
    ids[TIME] = time_id
    renamed = tuple((s.name, ids[s]) for s in symbols if ids[s] != s.name)
    variables = set(system.state_symbols) | {q.symbol for q in system.quantities} | {TIME}
    stimulus = system.roles.stimulus
    off = stimulus is not None and not keep_stimulus

    def formula(expr) -> sp.Expr:
        return _doubles(with_exprel(sp.sympify(expr), variables))

    def value(v) -> float:
        return float(v)

    parameters = tuple(Entry(p.symbol, ids[p.symbol], p.unit, p.description,
                             0.0 if off and p.symbol == stimulus else value(p.value))
                       for p in system.parameters)
    states = tuple(Entry(s.symbol, ids[s.symbol], s.unit, s.description, value(s.initial), formula(s.rhs))
                   for s in system.states)
    quantities = tuple(Entry(q.symbol, ids[q.symbol], q.unit, q.description,
                             math=sp.Integer(0) if off and q.symbol == stimulus else formula(q.expression))
                       for q in _in_stable_order(system.quantities))
    by_symbol = {e.symbol: e for e in parameters + states + quantities}
    stimulus_entry = by_symbol.get(stimulus) if stimulus is not None else None
    if stimulus_entry is None:
        note = "The model has no stimulus current."
    elif off:
        note = (f"The stimulus {stimulus_entry.id} is off (0), as at rest (vrest export keeps the file's "
                "stimulus with its option keep-stimulus).")
    else:
        note = f"The stimulus {stimulus_entry.id} is kept as the file defines it."
    return SystemExport(system, valid_id(system.name), parameters, states, quantities, ids, renamed,
                        by_symbol[system.roles.voltage], stimulus_entry, note)


def lift_piecewise(expr: sp.Expr, name: str, lifted: list) -> sp.Expr:
    """``expr`` with every Piecewise (innermost first) replaced by a new symbol ``<name>_case<n>``;
    ``lifted`` gains (symbol, ((value, condition), ...)) for each, in the order they must be computed."""
    if expr.is_Atom:
        return expr
    args = [lift_piecewise(a, name, lifted) for a in expr.args]
    if isinstance(expr, sp.Piecewise):
        symbol = sp.Symbol(f"{name}_case{len(lifted) + 1}", real=True)
        lifted.append((symbol, tuple((a.args[0], a.args[1]) for a in args)))
        return symbol
    return expr.func(*args) if any(a is not b for a, b in zip(args, expr.args)) else expr


def unique_id(ident: str, taken: set[str]) -> str:
    """``ident``, with "_" suffixes until no name in ``taken`` is the same; the result joins ``taken``."""
    while ident in taken:
        ident += "_"
    taken.add(ident)
    return ident


def rate_ids(context: SystemExport, taken: set[str]) -> dict[sp.Symbol, str]:
    """A name ``d_<state>`` for each state's rate (scripts and mechanisms compute rates by name)."""
    return {state.symbol: unique_id(f"d_{state.id}", taken) for state in context.states}
