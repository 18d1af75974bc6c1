"""The model's scenarios as every export carries them: protocols of steps on named parameters.

Each exported file holds every scenario of the model and a selector, ``scenario``: 0 runs none,
k runs the k-th scenario (in the model file's order); files start with the first scenario
selected, as vrest's exports always have. Step j of scenario ``s`` is at ``s_j_at`` (s); a step
that sets parameter p holds the value in ``s_j_p``, one that scales it the factor in
``s_j_p_factor`` (it multiplies ``p_given``, the model file's value, so 1 restores it). Every
parameter some step changes keeps its file value in ``p_given``. Each target turns this into its
own construct: SBML events, CellML piecewise functions of time, LEMS OnConditions, run-script
steps for NEURON and Brian2.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from vrest.derive.model import Model
from vrest.derive.units import convert

from .ids import valid_id

__all__ = ["ExportChange", "ExportStep", "ExportScenario", "Protocols", "protocols", "SELECTOR"]

SELECTOR = sp.Symbol("scenario")


@dataclass(frozen=True)
class ExportChange:
    key: str  # the model-file key (ions.K.outside, pump, ...)
    parameter: sp.Symbol
    operation: str  # "set" or "scale"
    value: sp.Rational  # SI value (set) or factor (scale)
    resolved: sp.Rational  # the parameter's SI value from this step on
    holder: sp.Symbol  # the export's parameter that holds ``value``


@dataclass(frozen=True)
class ExportStep:
    number: int  # from 1
    at: sp.Rational  # s
    at_symbol: sp.Symbol
    changes: tuple[ExportChange, ...]


@dataclass(frozen=True)
class ExportScenario:
    index: int  # the selector's value that runs it (from 1)
    id: str
    name: str
    description: str
    steps: tuple[ExportStep, ...]


@dataclass(frozen=True)
class Protocols:
    selector: sp.Symbol
    default: int  # the selector's value in the files: 1 (the first scenario), 0 without scenarios
    scenarios: tuple[ExportScenario, ...]
    changed: tuple[sp.Symbol, ...]  # every parameter some step changes, in the model's order
    given: dict[sp.Symbol, sp.Symbol]  # changed parameter -> its "<p>_given" constant

    @property
    def symbols(self) -> list[sp.Symbol]:
        """Every name the protocols add to a model (for ids that must not collide)."""
        out = [self.selector, *self.given.values()]
        for scenario in self.scenarios:
            for step in scenario.steps:
                out += [step.at_symbol, *(change.holder for change in step.changes)]
        return out

    def selection_text(self) -> str:
        """One sentence: how to choose a scenario in a file."""
        if not self.scenarios:
            return "The model has no scenario."
        names = ", ".join(f"{s.index} {s.name}" for s in self.scenarios)
        return (f"Scenarios: set {self.selector.name} to 0 for none, or to {names}; the file selects "
                f"{self.default} ({self.scenarios[self.default - 1].name}).")


def _number(value) -> str:
    return f"{float(value):g}"


def step_text(model: Model, step: ExportStep) -> str:
    """e.g. "from t = 600 s: K_o = 4 mM (ions.K.outside), g_K x 1 (ions.K.conductance)"."""
    parts = []
    for change in step.changes:
        if change.operation == "scale":
            parts.append(f"{change.parameter.name} = {change.parameter.name}_given x {_number(change.value)} "
                         f"({change.key})")
        else:
            unit = model.parameter(change.parameter.name).unit
            parts.append(f"{change.parameter.name} = {_number(convert(change.value, unit))} {unit} ({change.key})")
    return f"from t = {_number(step.at)} s: " + ", ".join(parts)


def protocols(model: Model) -> Protocols:
    """The export view of ``model.scenarios``."""
    values = {p.name: p.value for p in model.parameters}
    symbols = {p.name: p.symbol for p in model.parameters}
    scenarios = []
    for index, scenario in enumerate(model.scenarios, start=1):
        sid = valid_id(scenario.name)
        in_force: dict[str, sp.Rational] = {}
        steps = []
        for number, step in enumerate(scenario.steps, start=1):
            prefix = f"{sid}_{number}"
            changes = []
            for change in step.changes:
                base = values[change.parameter]
                resolved = base * change.value if change.operation == "scale" else change.value
                in_force[change.parameter] = resolved
                suffix = "_factor" if change.operation == "scale" else ""
                changes.append(ExportChange(change.key, symbols[change.parameter], change.operation, change.value,
                                            resolved, sp.Symbol(f"{prefix}_{change.parameter}{suffix}")))
            steps.append(ExportStep(number, step.at, sp.Symbol(f"{prefix}_at"), tuple(changes)))
        scenarios.append(ExportScenario(index, sid, scenario.name, scenario.description, tuple(steps)))
    names = {name for scenario in model.scenarios for name in scenario.parameters}
    changed = tuple(p.symbol for p in model.dynamic_parameters if p.name in names)
    given = {symbol: sp.Symbol(f"{symbol.name}_given") for symbol in changed}
    return Protocols(SELECTOR, 1 if scenarios else 0, tuple(scenarios), changed, given)
