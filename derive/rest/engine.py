"""find_resting_states: every equilibrium of an ODE system in a voltage range, its stability,
slope conductance and currents, the conservation laws fixed from the start, and a verdict."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import sympy as sp

from ..errors import ModelError
from ..functions import NUMPY_FUNCTIONS
from ..removable import with_exprel
from ..system import OdeSystem
from ..units import unit_factor, unit_parts
from .conservation import ConservedQuantity, find_laws
from .elimination import gates
from .equilibria import candidates, distinct, newton
from .evaluator import Evaluator, LambdifyEvaluator, Prepared, prepare
from .stability import eigenvalues, is_stable, slope_conductance, slowest_tau

__all__ = ["RestingState", "RestReport", "find_resting_states", "DEFAULT_RANGE", "verdict", "voltage_unit"]

DEFAULT_RANGE = (-0.150, 0.060)  # V


@dataclass(frozen=True)
class RestingState:
    """One equilibrium of the system with the stimulus off (SI throughout)."""

    V: float  # volts
    states: dict[str, float]  # SI, by state name
    stable: bool
    eigenvalues: tuple[complex, ...]  # 1/s, conservation directions removed, largest real part first
    slowest_tau: float  # s: 1 / min |Re lambda|
    slope_conductance: float | None  # roles.capacitance * -d(dV/dt)/dV, gates at x_inf(V), SI
    currents: tuple[tuple[str, float], ...]  # roles.currents at rest (SI), largest |I| first


@dataclass(frozen=True)
class RestReport:
    system: str
    v_range: tuple[float, float]
    resting_states: tuple[RestingState, ...]  # in order of V
    conserved: tuple[ConservedQuantity, ...]
    verdict: str


def find_resting_states(system: OdeSystem, *, v_range: tuple[float, float] = DEFAULT_RANGE,
                        start: Mapping[str, float] | None = None, parameters: Mapping[str, float] | None = None,
                        evaluator: Evaluator | None = None) -> RestReport:
    """Every resting state of ``system`` with V in ``v_range`` (volts), the stimulus off.

    ``start`` (SI, by state name) overrides the system's initial values: the values of the
    conservation laws are taken there. ``parameters`` (SI, by name) override parameter values.
    ``evaluator`` computes f and J (default: sympy.lambdify of the system).
    """
    low, high = (float(v) for v in v_range)
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ModelError("range", f"{low} .. {high} V", "needs two finite voltages, the lower one first")
    prepared = prepare(system, parameters)
    if evaluator is None:
        evaluator = LambdifyEvaluator(prepared)
    y0, known = _start(system, start, (low, high))
    scale = _scale(y0, system.voltage_index, (low, high))
    laws = find_laws(prepared, evaluator, y0, scale, (low, high))
    for law in laws:
        unknown = [system.states[i].symbol.name for i in np.flatnonzero(law.c) if not known[i]]
        if unknown:
            raise ModelError(f"start.{unknown[0]}", None, f"needed: {law.quantity.description.split(' =')[0]} is "
                             "conserved, and its value comes from the start state (give it with --start)")
        if law.pivot == system.voltage_index:
            raise ModelError("roles.voltage", system.roles.voltage.name,
                             "its rate is zero for every state (a clamped voltage): no resting state to find")
    gate_indices = gates(prepared)
    roots = []
    for guess in candidates(evaluator, prepared, y0, gate_indices, (low, high)):
        root = newton(evaluator, prepared, laws, guess, scale)
        if root is not None and low <= root[system.voltage_index] <= high:
            roots.append(root)
    roots = sorted(distinct(roots, scale), key=lambda y: y[system.voltage_index])
    extras = _Extras(prepared)
    resting = tuple(_resting_state(evaluator, prepared, laws, root, scale, gate_indices, extras) for root in roots)
    return RestReport(system.name, (low, high), resting, tuple(law.quantity for law in laws),
                      verdict(resting, (low, high), voltage_unit(system)))


def voltage_unit(system: OdeSystem) -> str:
    """mV for a membrane potential with a unit of voltage; the state's own unit otherwise."""
    unit = system.states[system.voltage_index].unit
    try:
        return "mV" if unit and unit_parts(unit)[2] == unit_parts("mV")[2] else unit
    except ValueError:
        return ""


def _start(system: OdeSystem, start: Mapping[str, float] | None, v_range) -> tuple[np.ndarray, np.ndarray]:
    """(the start state, SI; which entries were given): the initial values, overridden by ``start``."""
    names = [s.symbol.name for s in system.states]
    for name in start or {}:
        if name not in names:
            raise ModelError(f"start.{name}", start[name], f"not a state of model {system.name} "
                             f"(states: {', '.join(names)})")
    y = np.zeros(len(names))
    known = np.zeros(len(names), dtype=bool)
    for i, state in enumerate(system.states):
        value = (start or {}).get(state.symbol.name, state.initial)
        if value is not None:
            y[i], known[i] = float(value), True
            if not math.isfinite(y[i]):
                raise ModelError(f"start.{state.symbol.name}", value, "must be a finite number")
    if not known[system.voltage_index]:
        y[system.voltage_index] = (v_range[0] + v_range[1]) / 2
    return y, known


def _scale(y0: np.ndarray, voltage: int, v_range) -> np.ndarray:
    """Typical size of each state: its start value (1 where that is 0); V: the range's largest |V|."""
    scale = np.where(y0 != 0, np.abs(y0), 1.0)
    scale[voltage] = max(abs(v_range[0]), abs(v_range[1]))
    return scale


class _Extras:
    """Currents and capacitance at a state: small expressions, lambdified once."""

    def __init__(self, prepared: Prepared) -> None:
        roles = prepared.system.roles
        self.names = [c.name for c in roles.currents]
        expressions = [prepared.quantity_expression(c) for c in roles.currents]
        expressions.append(prepared.quantity_expression(roles.capacitance) if roles.capacitance is not None else sp.nan)
        args = [*prepared.states, *prepared.parameters]
        variables = set(prepared.states)
        self._f = sp.lambdify(args, [with_exprel(e, variables) for e in expressions], modules=[NUMPY_FUNCTIONS, "numpy"])
        self._p = prepared.p

    def __call__(self, y: np.ndarray) -> tuple[list[tuple[str, float]], float | None]:
        with np.errstate(all="ignore"):
            values = [float(v) for v in self._f(*y, *self._p)]
        capacitance = values.pop()
        currents = sorted(zip(self.names, values), key=lambda item: -abs(item[1]))
        return currents, (capacitance if math.isfinite(capacitance) else None)


def _resting_state(evaluator, prepared: Prepared, laws, y: np.ndarray, scale, gate_indices, extras) -> RestingState:
    system = prepared.system
    jacobian = evaluator.jacobian(y, prepared.p)
    values = eigenvalues(jacobian, laws, scale)
    currents, capacitance = extras(y)
    return RestingState(
        V=float(y[system.voltage_index]),
        states={s.symbol.name: float(v) for s, v in zip(system.states, y)},
        stable=is_stable(values),
        eigenvalues=tuple(complex(v) for v in values),
        slowest_tau=slowest_tau(values),
        slope_conductance=slope_conductance(jacobian, system.voltage_index, gate_indices, capacitance),
        currents=tuple(currents),
    )


def verdict(resting: tuple[RestingState, ...], v_range: tuple[float, float], unit: str = "mV") -> str:
    """The answer in words: how many stable resting states, or why there is none (voltages in ``unit``;
    "" for a model whose voltage-like variable is dimensionless)."""
    factor = float(unit_factor(unit)) if unit else 1.0

    def _mV(v: float) -> str:
        return f"{v / factor:.2f} {unit}".rstrip()

    stable = [s for s in resting if s.stable]
    unstable = [s for s in resting if not s.stable]
    where = f"between {_mV(v_range[0])} and {_mV(v_range[1])}"
    others = ("; unstable equilibri" + ("um" if len(unstable) == 1 else "a") + " at "
              + ", ".join(_mV(s.V) for s in unstable)) if unstable else ""
    if len(stable) == 1:
        return f"one stable resting state, at {_mV(stable[0].V)}{others}"
    if stable:
        return (f"{len(stable)} stable resting states (the model is {'bistable' if len(stable) == 2 else 'multistable'})"
                f": at {', '.join(_mV(s.V) for s in stable)}{others}")
    if not unstable:
        return f"no resting state {where}"
    oscillates = any(np.any((np.array(s.eigenvalues).real > 0) & (np.array(s.eigenvalues).imag != 0)) for s in unstable)
    lies = (f"the unstable equilibrium lies at {_mV(unstable[0].V)}" if len(unstable) == 1
            else f"the unstable equilibria lie at {', '.join(_mV(s.V) for s in unstable)}")
    if oscillates:
        return f"no stable resting state: this model oscillates (pacemaker); {lies}"
    return f"no stable resting state {where}: {lies}, and the model moves away from {'it' if len(unstable) == 1 else 'them'}"
