"""The context the XML exports (SBML, CellML) share: one flat list of named variables.

The model is laid out as constants, states with rates, and assignments in
dependency order, each with a valid id, a unit of the coherent system
(coherent_units) and, for constants and states, its value in that unit. The
rates are written with the named quantities (C_m dV/dt = -I_total,
dN_X/dt = -A (I_X + I_pump_X) / (z_X F)) so a reader of the file sees the
physics; they expand to exactly Model.rhs(). The pump's stoichiometry is data
(n_pump_X ions out per cycle, q_pump charges per cycle). Files start at the
pumped steady state (what ``vrest simulate`` starts from); scenarios scale the
pump rate parameter from their time ``at``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from vrest.derive.constants import C_m, I_pump, area
from vrest.derive.derivation import NoSteadyState
from vrest.derive.model import Model
from vrest.derive.quantities import Derivations  # noqa: F401 - imported first: it loads every derivation module
from vrest.derive.steady_state import initial_state, steady_state
from vrest.derive import laws

from .. import __version__
from ..escaping import xml_text
from .coherent_units import CoherentUnit, coherent_unit, to_coherent
from .ids import symbol_ids, valid_id

__all__ = ["Variable", "ScenarioContext", "XmlModel", "xml_model", "pump_rate_symbol", "start_state"]

I_TOTAL = sp.Symbol("I_total", real=True)


@dataclass(frozen=True)
class Variable:
    """One named quantity of the export: value (coherent units) for constants and states, math otherwise."""

    symbol: sp.Symbol
    id: str
    unit: CoherentUnit
    description: str
    value: float | None = None  # constant value or initial value of a state
    math: sp.Expr | None = None  # rate of a state, or definition of an assignment


@dataclass(frozen=True)
class ScenarioContext:
    """A scenario: from time ``at`` (parameter) the pump rate is multiplied by ``scale`` (parameter)."""

    id: str
    description: str
    at: Variable
    scale: Variable


@dataclass(frozen=True)
class XmlModel:
    id: str
    name: str
    description: str
    source: str
    version: str
    start: str  # how the initial state was chosen, for the notes
    constants: tuple[Variable, ...]
    states: tuple[Variable, ...]
    assignments: tuple[Variable, ...]
    pump_rate: Variable | None  # the constant the scenarios scale (I_pump or I_max)
    scenarios: tuple[ScenarioContext, ...]
    units: tuple[CoherentUnit, ...]  # every non-builtin unit used, sorted by id
    ids: dict[sp.Symbol, str]


def pump_rate_symbol(model: Model) -> sp.Symbol | None:
    """The parameter a scenario scales: I_pump (constant pump) or I_max (saturating pump)."""
    for name in ("I_pump", "I_max"):
        if model.has(name):
            return model.parameter(name).symbol
    return None


def start_state(model: Model) -> tuple[dict[sp.Symbol, float], str]:
    """The initial state of the exports (SI) and a sentence saying what it is."""
    try:
        return steady_state(model), "the steady state with the pump on (as vrest simulate starts)"
    except NoSteadyState:
        return initial_state(model), "the model file's composition with V at its current balance (V_balance)"


def _quantity_unit(model: Model, symbol: sp.Symbol) -> str:
    """Display unit of a named quantity or algebraic symbol (a pint unit string)."""
    if model.has(symbol.name):
        return model.parameter(symbol.name).unit
    if symbol.name.startswith("E_"):
        return "mV"
    if symbol.name.startswith("I_"):
        return "uA/cm^2"
    raise ValueError(f"no unit known for {symbol.name}")


def _pump_parts(model: Model) -> tuple[list[tuple[sp.Symbol, int, str, str]], dict[str, sp.Symbol]]:
    """Stoichiometry constants (symbol, value, unit, description) and {ion name: I_pump_X symbol}."""
    if model.pump is None:
        return [], {}
    constants = [(sp.Symbol(f"n_pump_{name}"), n, "1", f"{name} ions moved out per pump cycle (negative = in)")
                 for name, n in model.pump.stoichiometry]
    constants.append((sp.Symbol("q_pump"), model.pump.charge_per_cycle, "1",
                      "net elementary charges moved out per pump cycle"))
    shares = {name: sp.Symbol(f"I_pump_{name}", real=True) for name, _ in model.pump.stoichiometry}
    return constants, shares


def xml_model(model: Model) -> XmlModel:
    """Build the shared context of the XML exports from the IR."""
    pump_constants, shares = _pump_parts(model)
    scenario_symbols = [(sp.Symbol(f"{valid_id(s.name)}_at"), sp.Symbol(f"{valid_id(s.name)}_pump_scale"))
                        for s in model.scenarios]
    extra = [s for s, *_ in pump_constants] + list(shares.values()) + [s for pair in scenario_symbols for s in pair]
    ids = symbol_ids(model, extra=extra)

    def var(symbol, unit, description, value=None, math=None) -> Variable:
        coherent = None if value is None else to_coherent(Fraction(value), unit)
        return Variable(symbol, ids[symbol], coherent_unit(unit), description, coherent, math)

    constants = [var(p.symbol, p.unit, p.description, p.value) for p in model.dynamic_parameters]
    constants += [var(s, unit, text, value) for s, value, unit, text in pump_constants]

    start, start_text = start_state(model)
    by_ion = {ion.name: ion for ion in model.ions}
    states = []
    for state in model.states:
        rate = state.rhs
        if state.symbol.name == "V":
            rate = laws.membrane_dVdt(I_TOTAL, C_m)
        for ion in model.dynamic_ions:
            if state.symbol == ion.amount:
                current = ion.I + shares.get(ion.name, 0)
                rate = laws.amount_rate(current, ion.z, area)
        states.append(var(state.symbol, state.unit, state.description, Fraction(start[state.symbol]), rate))

    assignments = [var(s, _quantity_unit(model, s), model.parameter(s.name).description, math=e)
                   for s, e in model.algebraic]
    assignments += [var(s, _quantity_unit(model, s), _describe(s), math=e) for s, e in model.quantities]
    for name, symbol in shares.items():
        ion = by_ion[name]
        n = sp.Symbol(f"n_pump_{name}")
        share = n * ion.z * I_pump / sp.Symbol("q_pump")  # laws.pump_ion_current with n, q as parameters
        assignments.append(var(symbol, "uA/cm^2", f"outward current carried by {name} through the pump", math=share))

    rate_symbol = pump_rate_symbol(model)
    pump_rate = next((c for c in constants if c.symbol == rate_symbol), None)
    scenarios = []
    for scenario, (at, scale) in zip(model.scenarios if pump_rate else (), scenario_symbols):
        text = f"scenario {scenario.name}: from t = {scenario.at} s the pump rate is multiplied by {scenario.pump_scale}"
        scenarios.append(ScenarioContext(valid_id(scenario.name), text,
                                         var(at, "s", f"time the scenario {scenario.name} starts", scenario.at),
                                         var(scale, "1", f"pump rate factor of scenario {scenario.name}",
                                             scenario.pump_scale)))
    everything = constants + states + assignments + [v for s in scenarios for v in (s.at, s.scale)]
    units = sorted({v.unit for v in everything if not v.unit.builtin}, key=lambda u: u.id)
    return XmlModel(ids_name(model), model.name, xml_text(model.description), xml_text(model.source), __version__,
                    start_text,
                    tuple(constants), tuple(states), tuple(assignments), pump_rate, tuple(scenarios),
                    tuple(units), ids)


def ids_name(model: Model) -> str:
    return valid_id(model.name)


_DESCRIPTIONS = {"I_pump": "pump current (outward)", "I_leak": "total leak current (outward)",
                 "I_total": "total membrane current (outward)"}


def _describe(symbol: sp.Symbol) -> str:
    name = symbol.name
    if name in _DESCRIPTIONS:
        return _DESCRIPTIONS[name]
    if name.startswith("E_"):
        return f"Nernst potential of {name[2:]}"
    return f"leak current of {name[2:]} (outward)"
