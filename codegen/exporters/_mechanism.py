"""The context the simulator-script exports (NMODL, Brian2, NeuroML/LEMS) share.

One model becomes: constants (the dynamic parameters), states other than V
(ion amounts, volume) with their rates, and the named quantities in dependency
order (algebraic [X]_i = N_X/Vol first, then E_X, I_X, I_pump, I_leak, I_total).
The pump rate (I_pump or I_max) is multiplied everywhere by ``pump_scale``, a
documented parameter: 1 normally, the scenario's factor from the scenario's
time on (ouabain: 0). Each target prints the same expressions with its own
printer and ids; no target repeats the physics.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from vrest.derive import laws
from vrest.derive.constants import V, area
from vrest.derive.model import Model

from .ids import symbol_ids, valid_id
from .xml_model import pump_rate_symbol, start_state

__all__ = ["PUMP_SCALE", "Mechanism", "mechanism", "display_unit"]

PUMP_SCALE = sp.Symbol("pump_scale", positive=True)
I_TOTAL = sp.Symbol("I_total", real=True)


@dataclass(frozen=True)
class Mechanism:
    """Everything a target needs, symbolic; values SI floats, units pint strings (the model's)."""

    model: Model
    ids: dict[sp.Symbol, str]
    constants: tuple[tuple[sp.Symbol, float, str, str], ...]  # (symbol, SI value, unit, description)
    states: tuple[tuple[sp.Symbol, float, str, str, sp.Expr], ...]  # (symbol, SI start, unit, text, rate)
    quantities: tuple[tuple[sp.Symbol, sp.Expr, str], ...]  # (symbol, definition, unit) in order
    v_start: float  # V (SI) at the start: the pumped steady state
    start_text: str
    scenarios: tuple[tuple[str, float, float, str], ...]  # (id, at (s), pump_scale, description)
    pump_rate: sp.Symbol | None


def display_unit(model: Model, symbol: sp.Symbol) -> str:
    """The pint unit string of a parameter, state or named quantity of ``model``."""
    if model.has(symbol.name):
        return model.parameter(symbol.name).unit
    for state in model.states:
        if state.symbol == symbol:
            return state.unit
    name = symbol.name
    if name.startswith("E_"):
        return "mV"
    if name.startswith("I_"):
        return "uA/cm^2"
    raise ValueError(f"no unit known for {name}")


def mechanism(model: Model, reserved: tuple[str, ...] = ()) -> Mechanism:
    """Build the shared context; ``reserved`` are names the target language forbids."""
    ids = symbol_ids(model, extra=[PUMP_SCALE], reserved=reserved)
    rate = pump_rate_symbol(model)
    scaled = {rate: PUMP_SCALE * rate} if rate is not None else {}
    start, start_text = start_state(model)

    constants = tuple((p.symbol, float(p.value), p.unit, p.description) for p in model.dynamic_parameters)
    states = []
    for state in model.states:
        if state.symbol == V:
            continue
        rhs = state.rhs
        for ion in model.dynamic_ions:
            if state.symbol == ion.amount:  # written with the named currents, as a reader expects
                rhs = laws.amount_rate(ion.I + model.pump_share(ion), ion.z, area)
        states.append((state.symbol, float(Fraction(start[state.symbol])), state.unit, state.description,
                       sp.sympify(rhs).xreplace(scaled)))
    quantities = [(s, e, _algebraic_unit(model, s)) for s, e in model.algebraic]
    quantities += [(s, sp.sympify(e).xreplace(scaled), display_unit(model, s)) for s, e in model.quantities]
    scenarios = tuple((valid_id(s.name), float(s.at), float(s.pump_scale),
                       f"scenario {s.name}: from t = {float(s.at)} s the pump rate is multiplied by "
                       f"{float(s.pump_scale)}") for s in model.scenarios if rate is not None)
    return Mechanism(model, ids, constants, tuple(states), tuple(quantities), float(start[V]), start_text,
                     scenarios, rate)


def _algebraic_unit(model: Model, symbol: sp.Symbol) -> str:
    """Algebraic symbols are parameters in the static view: their declared unit."""
    return model.parameter(symbol.name).unit
