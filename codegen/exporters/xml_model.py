"""The context the XML exports (SBML, CellML) share: one flat list of named variables.

The model is laid out as constants, states with rates, and assignments in
dependency order, each with a valid id, a unit of the coherent system
(coherent_units) and, for constants and states, its value in that unit. The
rates are written with the named quantities (C_m dV/dt = -I_total,
dN_X/dt = -A (I_X + I_pump_X) / (z_X F)) so a reader of the file sees the
physics; they expand to exactly Model.rhs(). The pump's stoichiometry is data
(n_pump_X ions out per cycle, q_pump charges per cycle). Files start at the
pumped steady state (what ``vrest simulate`` starts from). Every scenario comes
along as its steps (exporters._protocol): a selector ``scenario``, the step times,
values and factors as constants, and each step as an XmlEvent that the SBML export
writes as an event and the CellML export folds into piecewise functions of time.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from vrest.derive.channels import describe
from vrest.derive.constants import I_pump, area
from vrest.derive.derivation import NoSteadyState
from vrest.derive.model import Model
from vrest.derive.quantities import Derivations  # noqa: F401 - imported first: it loads every derivation module
from vrest.derive.steady_state import initial_state, steady_state
from vrest.derive import laws

from .. import __version__
from ..escaping import xml_text
from ._protocol import Protocols, protocols, step_text
from .coherent_units import CoherentUnit, coherent_unit, to_coherent
from .ids import symbol_ids, valid_id

__all__ = ["Variable", "XmlEvent", "XmlProtocols", "XmlModel", "xml_model", "start_state"]

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
class XmlEvent:
    """Step ``number`` of the scenario the selector runs at ``index``: from ``at`` on, each target := math."""

    id: str
    index: int
    number: int
    description: str
    at: Variable
    assignments: tuple[tuple[Variable, sp.Expr], ...]


@dataclass(frozen=True)
class XmlProtocols:
    """The scenarios of an XML export: constants to declare, and one event per step."""

    selector: Variable
    constants: tuple[Variable, ...]  # the selector, each changed parameter's file value, step times, values, factors
    changed: tuple[Variable, ...]  # the parameters steps change (constants of the model otherwise)
    events: tuple[XmlEvent, ...]
    text: str  # how to choose a scenario


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
    protocols: XmlProtocols
    units: tuple[CoherentUnit, ...]  # every non-builtin unit used, sorted by id
    ids: dict[sp.Symbol, str]


def start_state(model: Model) -> tuple[dict[sp.Symbol, float], str]:
    """The initial state of the exports (SI) and a sentence saying what it is."""
    try:
        pumped = " with the pump on" if model.pump is not None else ""
        return steady_state(model), f"the steady state{pumped} (as vrest simulate starts)"
    except NoSteadyState:
        return initial_state(model), "the model file's composition with V at its current balance (V_balance)"


def _quantity_unit(model: Model, symbol: sp.Symbol) -> str:
    """Display unit of a named quantity or algebraic symbol (a pint unit string)."""
    if model.has(symbol.name):
        return model.parameter(symbol.name).unit
    if symbol.name.startswith("E_"):
        return "mV"
    known = describe(model.channels, symbol)
    if known is not None:
        return known[0]
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
    steps = protocols(model)
    extra = [s for s, *_ in pump_constants] + list(shares.values()) + steps.symbols
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
        rate = model.named_rate(state.symbol)
        if rate is None:
            rate = state.rhs
        for ion in model.dynamic_ions:
            if state.symbol == ion.amount:
                current = model.ion_current(ion) + shares.get(ion.name, 0)
                rate = laws.amount_rate(current, ion.z, area)
        states.append(var(state.symbol, state.unit, state.description, Fraction(start[state.symbol]), rate))

    assignments = [var(s, _quantity_unit(model, s), model.parameter(s.name).description, math=e)
                   for s, e in model.algebraic]
    assignments += [var(s, _quantity_unit(model, s), _describe(model, s), math=e) for s, e in model.quantities]
    for name, symbol in shares.items():
        ion = by_ion[name]
        n = sp.Symbol(f"n_pump_{name}")
        share = n * ion.z * I_pump / sp.Symbol("q_pump")  # laws.pump_ion_current with n, q as parameters
        assignments.append(var(symbol, "uA/cm^2", f"outward current carried by {name} through the pump", math=share))

    xml_protocols = _xml_protocols(model, steps, constants, var)
    everything = constants + states + assignments + list(xml_protocols.constants)
    units = sorted({v.unit for v in everything if not v.unit.builtin}, key=lambda u: u.id)
    return XmlModel(ids_name(model), model.name, xml_text(model.description), xml_text(model.source), __version__,
                    start_text,
                    tuple(constants), tuple(states), tuple(assignments), xml_protocols, tuple(units), ids)


def _xml_protocols(model: Model, steps: Protocols, constants: list[Variable], var) -> XmlProtocols:
    """The protocol constants and one event per step; a scale multiplies the parameter's ``<p>_given``."""
    by_symbol = {v.symbol: v for v in constants}
    selector = var(steps.selector, "1", "scenario to run: 0 none, k the k-th scenario of the model", steps.default)
    declared = [selector]
    given = {}
    for symbol in steps.changed:
        parameter = model.parameter(symbol.name)
        given[symbol] = var(steps.given[symbol], parameter.unit, f"{parameter.description} (the model file's value)",
                            parameter.value)
        declared.append(given[symbol])
    events = []
    for scenario in steps.scenarios:
        for step in scenario.steps:
            at = var(step.at_symbol, "s", f"time of step {step.number} of scenario {scenario.name}", step.at)
            declared.append(at)
            assignments = []
            for change in step.changes:
                unit = "1" if change.operation == "scale" else model.parameter(change.parameter.name).unit
                what = "factor on" if change.operation == "scale" else "value of"
                holder = var(change.holder, unit, f"{what} {change.parameter.name} from step {step.number} of "
                             f"scenario {scenario.name}", change.value)
                declared.append(holder)
                math = holder.symbol * given[change.parameter].symbol if change.operation == "scale" else holder.symbol
                assignments.append((by_symbol[change.parameter], math))
            events.append(XmlEvent(valid_id(f"{scenario.id}_step{step.number}"), scenario.index, step.number,
                                   f"scenario {scenario.name}, step {step.number}: {step_text(model, step)}", at,
                                   tuple(assignments)))
    changed = tuple(by_symbol[symbol] for symbol in steps.changed)
    return XmlProtocols(selector, tuple(declared), changed, tuple(events), steps.selection_text())


def ids_name(model: Model) -> str:
    return valid_id(model.name)


_DESCRIPTIONS = {"I_pump": "pump current (outward)", "I_leak": "total leak current (outward)",
                 "I_total": "total membrane current (outward)",
                 "I_net": "net current charging the membrane: I_total minus the injected stimulus I_stim"}


def _describe(model: Model, symbol: sp.Symbol) -> str:
    known = describe(model.channels, symbol)
    if known is not None:
        return known[1]
    name = symbol.name
    if name in _DESCRIPTIONS:
        return _DESCRIPTIONS[name]
    if name.startswith("E_"):
        return f"Nernst potential of {name[2:]}"
    return f"leak current of {name[2:]} (outward)"
