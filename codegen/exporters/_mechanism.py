"""The context the simulator-script exports (NMODL, Brian2, NeuroML/LEMS) share.

One model becomes: constants (the dynamic parameters), states other than V
(ion amounts, volume) with their rates, and the named quantities in dependency
order (algebraic [X]_i = N_X/Vol first, then E_X, I_X, I_pump, I_leak, I_total).
The scenarios come as exporters._protocol's steps: each target changes the
parameters a step names at its time (LEMS by events, NEURON and Brian2 by their
run scripts). Each target prints the same expressions with its own printer and
ids; no target repeats the physics.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from vrest.derive import laws
from vrest.derive.channels import describe
from vrest.derive.constants import V, area
from vrest.derive.model import Model

from ._protocol import Protocols, protocols
from .ids import symbol_ids
from .xml_model import start_state

__all__ = ["Mechanism", "mechanism", "display_unit"]

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
    protocols: Protocols


def display_unit(model: Model, symbol: sp.Symbol) -> str:
    """The pint unit string of a parameter, state or named quantity of ``model``."""
    if model.has(symbol.name):
        return model.parameter(symbol.name).unit
    for state in model.states:
        if state.symbol == symbol:
            return state.unit
    known = describe(model.channels, symbol)
    if known is not None:
        return known[0]
    name = symbol.name
    if name.startswith("E_"):
        return "mV"
    if name.startswith("I_"):
        return "uA/cm^2"
    raise ValueError(f"no unit known for {name}")


def mechanism(model: Model, reserved: tuple[str, ...] = ()) -> Mechanism:
    """Build the shared context; ``reserved`` are names the target language forbids."""
    steps = protocols(model)
    ids = symbol_ids(model, extra=steps.symbols, reserved=reserved)
    start, start_text = start_state(model)

    constants = tuple((p.symbol, float(p.value), p.unit, p.description) for p in model.dynamic_parameters)
    states = []
    for state in model.states:
        if state.symbol == V:
            continue
        rhs = model.named_rate(state.symbol) or state.rhs
        for ion in model.dynamic_ions:
            if state.symbol == ion.amount:  # written with the named currents, as a reader expects
                rhs = laws.amount_rate(model.ion_current(ion) + model.pump_share(ion), ion.z, area)
        states.append((state.symbol, float(Fraction(start[state.symbol])), state.unit, state.description,
                       sp.sympify(rhs)))
    quantities = [(s, e, _algebraic_unit(model, s)) for s, e in model.algebraic]
    quantities += [(s, sp.sympify(e), display_unit(model, s)) for s, e in model.quantities]
    return Mechanism(model, ids, constants, tuple(states), tuple(quantities), float(start[V]), start_text, steps)


def _algebraic_unit(model: Model, symbol: sp.Symbol) -> str:
    """Algebraic symbols are parameters in the static view: their declared unit."""
    return model.parameter(symbol.name).unit
