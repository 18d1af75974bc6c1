"""The RestProblem of a prepared system (derive.rest.evaluator.prepare), and its membrane currents and
rate factors as functions: the SymPy half of derive.rest.problem, which a warm run does not import.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
import sympy as sp

from ..errors import ModelError
from ..units import unit_parts
from .capacitance import CapacitanceUsed, capacitance_used
from .elimination import linear_states
from .evaluator import Prepared
from .problem import RestProblem

__all__ = ["rest_problem", "currents_function", "rate_factors", "factors_function"]


def _unit_of(prepared: Prepared, symbol: sp.Symbol) -> str:
    system = prepared.system
    for q in system.quantities:
        if q.symbol == symbol:
            return q.unit
    for p in system.parameters:
        if p.symbol == symbol:
            return p.unit
    return ""


def _parts(unit: str) -> tuple[float, float, dict] | None:
    try:
        scale, offset, dims = unit_parts(unit)
    except ValueError:
        return None
    return float(scale), float(offset), dims


def _conductance_units(prepared: Prepared) -> tuple[str, str]:
    """Per area when the capacitance is per area, whole cell when it is a capacitance, SI otherwise."""
    capacitance = prepared.system.roles.capacitance
    unit = _unit_of(prepared, capacitance) if isinstance(capacitance, sp.Symbol) else ""
    parts = _parts(unit) if unit else None
    if parts is not None and parts[2] == unit_parts("uF/cm^2")[2]:
        return "mS/cm^2", "kohm*cm^2"
    if parts is not None and parts[2] == unit_parts("uF")[2]:
        return "nS", "Mohm"
    return "", ""


def rest_problem(prepared: Prepared, start: Mapping[str, float] | None = None) -> RestProblem:
    """The numbers of ``prepared``; ``start`` (SI, by state name) overrides initial values."""
    system = prepared.system
    names = tuple(s.symbol.name for s in system.states)
    for name in start or {}:
        if name not in names:
            raise ModelError(f"start.{name}", start[name], f"not a state of model {system.name} "
                             f"(states: {', '.join(names)})")
    values: list[float | None] = []
    for state in system.states:
        value = (start or {}).get(state.symbol.name, state.initial)
        if value is not None:
            value = float(value)
            if not math.isfinite(value):
                raise ModelError(f"start.{state.symbol.name}", value, "must be a finite number")
        values.append(value)
    units = tuple(s.unit for s in system.states)
    voltage_parts = _parts(units[system.voltage_index]) if units[system.voltage_index] else None
    voltage_unit = "mV" if voltage_parts and voltage_parts[2] == unit_parts("mV")[2] else units[system.voltage_index]
    current_units = tuple(_unit_of(prepared, c) for c in system.roles.currents)
    conductance_unit, resistance_unit = _conductance_units(prepared)
    display = {}
    for unit in {*units, *current_units, voltage_unit, conductance_unit, resistance_unit} - {""}:
        parts = _parts(unit)
        if parts is not None:
            display[unit] = (parts[0], parts[1])
    capacitance = None
    if system.roles.capacitance is not None:
        value = _constant(prepared, system.roles.capacitance, values)
        capacitance = value if value is not None and math.isfinite(value) else None
    gates, groups = linear_states(prepared)
    used = _capacitance_used(prepared, capacitance)
    return RestProblem(
        name=system.name, states=names, units=units, voltage=system.voltage_index, gates=gates, groups=groups,
        factored=tuple(sorted(rate_factors(prepared))),
        start=tuple(values), parameters=tuple(p.name for p in system.parameters), p=tuple(float(v) for v in prepared.p),
        capacitance=capacitance, currents=tuple(c.name for c in system.roles.currents), current_units=current_units,
        display=display, voltage_unit=voltage_unit, conductance_unit=conductance_unit, resistance_unit=resistance_unit,
        capacitance_name=used.name, capacitance_value=used.value, capacitance_unit=used.unit,
        capacitance_note=used.note, current_signs=system.roles.signs,
        unnamed_current=_held(prepared, system.roles.unnamed, values), applied_currents=_applied(prepared, values))


def _constant(prepared: Prepared, expr: sp.Expr, start: list) -> float | None:
    """The value of ``expr`` (a system expression) at the prepared parameters, where it depends on no state (nor
    on time); else None."""
    expr = prepared.canonical(expr)
    if prepared.depends(expr):
        return None
    with np.errstate(all="ignore"):
        return float(prepared.function([expr])(*(0.0 if v is None else v for v in start), *prepared.p, 0.0)[0])


def _held(prepared: Prepared, unnamed: sp.Expr, start: list) -> bool:
    """Whether V's equation holds current terms no named current does: not where they are 0 whatever the state
    at the file's values (Myokit's exports write the stimulus as amplitude * pace, pace 0 unless paced; listed,
    it showed the rounding of the currents' sum, -6e-17 uA/cm^2)."""
    return unnamed != 0 and _constant(prepared, unnamed, start) != 0


def _applied(prepared: Prepared, start: list) -> tuple[int, ...]:
    """The currents the file adds to dV/dt (inward positive) that depend on no state and are not 0 at its values:
    applied currents, which stay on at rest unless named the stimulus."""
    roles = prepared.system.roles
    return tuple(k for k, current in enumerate(roles.currents)
                 if roles.sign(k) < 0 and _constant(prepared, current, start) not in (None, 0.0))


def _capacitance_used(prepared: Prepared, value_si: float | None) -> CapacitanceUsed:
    """The capacitance of the slope conductance as the file gives it, with the file's constant volumes to judge it."""
    system = prepared.system
    symbol = system.roles.capacitance
    name = symbol.name if isinstance(symbol, sp.Symbol) else None
    volume = unit_parts("um^3")[2]
    volumes = []
    for parameter, value in zip(system.parameters, prepared.p):
        parts = _parts(parameter.unit) if parameter.unit else None
        if parts is not None and parts[2] == volume and math.isfinite(float(value)) and float(value) > 0:
            volumes.append((parameter.name, float(value), parameter.unit))
    return capacitance_used(name, value_si, _unit_of(prepared, symbol) if name else "", bool(system.roles.currents),
                            volumes)


def currents_function(prepared: Prepared) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """(y, p) -> the membrane currents (SI) in the order of roles.currents."""
    currents = prepared.system.roles.currents
    if not currents:
        return lambda y, p: np.zeros(0)
    function = prepared.function([prepared.canonical(c) for c in currents])

    def evaluate(y: np.ndarray, p: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.array([float(v) for v in function(*y, *p, 0.0)])

    return evaluate


def rate_factors(prepared: Prepared) -> dict[int, sp.Expr]:
    """{state index: b(x)} for each state x (not V, not a gate) whose rate is b(x) g(y) with b depending
    on x alone and not constant: the rapid-buffering factor 1/(1 + B K/(K + x)^2) of a buffered ion."""
    states = prepared.states
    gates, groups = linear_states(prepared)
    eliminated = set(gates) | {i for g in groups for i in g}
    out = {}
    for i, rhs in enumerate(prepared.rhs):
        if i == prepared.system.voltage_index or i in eliminated:
            continue
        product = rhs if rhs.is_Mul else sp.factor_terms(rhs)
        if not product.is_Mul:
            continue
        own = [f for f in product.args if prepared.depends(f) == {states[i]}]
        if own:
            out[i] = sp.Mul(*own)
    return out


def factors_function(prepared: Prepared,
                     factored: tuple[int, ...]) -> Callable[[np.ndarray, np.ndarray], np.ndarray] | None:
    """(y, p) -> b_i(y_i) for every state (1 for those not in ``factored``), y of shape (n,) or (n, N)."""
    if not factored:
        return None
    factors = rate_factors(prepared)
    function = prepared.function([factors[i] for i in factored])
    index = list(factored)

    def evaluate(y: np.ndarray, p: np.ndarray) -> np.ndarray:
        y = np.asarray(y, dtype=float)
        out = np.ones_like(y)
        with np.errstate(all="ignore"):
            values = function(*y, *p, 0.0)
        for k, value in zip(index, values):
            out[k] = np.broadcast_to(value, y.shape[1:])
        return out

    return evaluate
