"""A resting-state problem as numbers: what the engine needs of an ODE system, without SymPy.

``rest_problem`` (derive.rest.prepared_problem) builds it from a prepared system
(derive.rest.evaluator.prepare): state names, display units and start values, parameter values,
which states are gates, the capacitance, the membrane currents, and the SI factor of every unit
shown. ``to_json``/``from_json`` let a caller keep it, so a warm run needs neither SymPy nor the
units library.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

__all__ = ["RestProblem", "UNNAMED_CURRENT"]

# The outward current of V's equation that no named quantity holds (terms the file writes inline), at rest.
UNNAMED_CURRENT = "(unnamed terms of V's equation)"


@dataclass(frozen=True)
class RestProblem:
    name: str
    states: tuple[str, ...]
    units: tuple[str, ...]  # display unit of each state ("" for none)
    voltage: int  # index of the membrane potential
    gates: tuple[int, ...]  # states at x_inf(V) at fixed V (derive.rest.elimination)
    groups: tuple[tuple[int, ...], ...]  # groups of states linear at fixed V (Markov channels)
    factored: tuple[int, ...]  # states whose rate is b(x) g(y), b depending on the state x alone (rapid buffering)
    start: tuple[float | None, ...]  # SI; None where neither the system nor the caller gives a value
    parameters: tuple[str, ...]
    p: tuple[float, ...]  # SI, stimulus 0
    capacitance: float | None  # what the rate of V divides by (per area or whole cell); None: unknown
    currents: tuple[str, ...]  # membrane currents reported at rest
    current_units: tuple[str, ...]
    display: Mapping[str, tuple[float, float]]  # unit -> (scale, offset): SI = scale * shown + offset
    voltage_unit: str  # "mV" for a voltage; the state's own unit otherwise
    conductance_unit: str  # "mS/cm^2" (capacitance per area), "nS" (a capacitance) or "" (SI)
    resistance_unit: str
    # The capacitance the slope conductance is computed with, as the file gives it (derive.rest.capacitance):
    capacitance_name: str | None = None
    capacitance_value: float | None = None  # in capacitance_unit
    capacitance_unit: str = ""
    capacitance_note: str = ""  # "" or one line: implausible for one cell, or why there is no slope conductance
    current_signs: tuple[int, ...] = ()  # per current: -1 for one the file writes inward positive; (): all +1
    unnamed_current: bool = False  # V's equation holds current terms the file names in no quantity
    # Currents the file adds to dV/dt (written inward positive) that depend on no state and are not 0: an applied
    # current (Morris-Lecar's Iapp), kept on as the file sets it; indices into currents.
    applied_currents: tuple[int, ...] = ()

    @property
    def shown_currents(self) -> tuple[tuple[str, str], ...]:
        """(name, unit) of each current reported at rest: the named ones, then UNNAMED_CURRENT if the file has one."""
        named = tuple(zip(self.currents, self.current_units))
        return named + (((UNNAMED_CURRENT, self.current_units[0] if self.current_units else ""),)
                        if self.unnamed_current else ())

    def shown(self, value: float, unit: str) -> float:
        """An SI value in display ``unit`` (unchanged for "" or a unit vrest does not know)."""
        scale, offset = self.display.get(unit, (1.0, 0.0))
        return (value - offset) / scale

    def to_json(self) -> dict:
        data = asdict(self)
        data["display"] = {unit: list(pair) for unit, pair in self.display.items()}
        return data

    @classmethod
    def from_json(cls, data: dict) -> RestProblem:
        data = dict(data)
        for key in ("states", "units", "gates", "start", "parameters", "p", "currents", "current_units",
                    "current_signs", "applied_currents"):
            data[key] = tuple(data[key])
        data["groups"] = tuple(tuple(g) for g in data["groups"])
        data["factored"] = tuple(data["factored"])
        data["display"] = {unit: (float(a), float(b)) for unit, (a, b) in data["display"].items()}
        return cls(**data)
