"""The resting-state engine on an imported file's compiled module: `vrest rest FILE`, and a sweep's points.

``find_resting_states(system, parameters=...)`` prepares the system symbolically for every call
(about 2 s for O'Hara-Rudy's 41 states). The file's plan (codegen.simulation.imported: the rest problem
and the compiled module, cached by content) takes the parameters as numbers: a sweep's point sets them in
the problem's parameter vector, and the engine runs as `vrest rest` does (about 50 ms). The one number of
the problem that a parameter changes besides is the capacitance the slope conductance is computed with: the
file's capacitance at the point's parameters: a parameter of the file, or a value the module computes from them
(Zhang 2000's Cm from the cell's size).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

__all__ = ["CompiledRest", "compiled_rest", "plan_rest", "rest_report"]


@dataclass(frozen=True, eq=False)
class CompiledRest:
    """The rest engine on a file's compiled module, for any values of the file's parameters."""

    problem: object  # derive.rest.problem.RestProblem at the file's values
    evaluator: object
    currents: object
    factors: object
    capacitance: Callable[[list[float]], float] | None  # the capacitance (SI) at parameters p; None: the file's
    stimulus: str | None  # the stimulus parameter, held at 0 (off at rest)

    def report(self, parameters: dict[str, float], v_range: tuple[float, float],
               start: dict[str, float] | None = None, from_start: bool = False):
        """The RestReport with ``parameters`` (SI, by name) in place of the file's values, and ``start`` (SI, by
        state name) in place of its initial values (the conservation laws' values are taken there); ``from_start``:
        the model followed from there too (derive.rest.solve)."""
        from vrest.derive.rest import solve

        p = self.parameter_values(parameters)
        capacitance = self.problem.capacitance
        if self.capacitance is not None and capacitance is not None:
            capacitance = self.capacitance(p)
        problem = replace(self.problem, p=tuple(p), capacitance=capacitance)
        if capacitance != self.problem.capacitance and self.problem.capacitance_value:  # as shown: in its unit
            from vrest.derive.rest.capacitance import capacitance_used

            shown = capacitance * self.problem.capacitance_value / self.problem.capacitance
            problem = replace(problem, capacitance_value=shown, capacitance_note=capacitance_used(
                problem.capacitance_name, capacitance, problem.capacitance_unit, True, ()).note)
        if start:
            problem = replace(problem, start=tuple(start.get(name, value)
                                                   for name, value in zip(problem.states, problem.start)))
        return solve(problem, self.evaluator, self.currents, v_range, self.factors, from_start)

    def parameter_values(self, parameters: dict[str, float]) -> list[float]:
        """The file's parameter values (SI, in the problem's order), ``parameters`` (by name) in place; the stimulus
        stays off."""
        names = self.problem.parameters
        p = list(self.problem.p)
        for name, value in parameters.items():
            if name != self.stimulus:
                p[names.index(name)] = float(value)
        return p

    def named(self, names, parameters: dict[str, float], state: dict[str, float]) -> dict[str, float]:
        """The file's named quantities ``names`` (SI) at ``state`` (SI, by state name) with ``parameters``."""
        y = [state[name] for name in self.problem.states]
        values = self.evaluator.quantities(y, self.parameter_values(parameters))
        return {name: values[name] for name in names}


def plan_rest(plan) -> CompiledRest:
    """The compiled rest engine of an ImportedPlan (codegen.simulation.imported)."""
    from .imported import module_factors
    from .rest import ModuleEvaluator, module_currents

    problem = plan.rest_problem()
    module = plan.module()
    evaluator = ModuleEvaluator(module, problem.parameters)
    return CompiledRest(problem, evaluator, module_currents(module, problem.parameters, problem.currents),
                        module_factors(module, problem.parameters, len(problem.states)),
                        _capacitance(problem, module, evaluator), plan.stimulus[0] if plan.stimulus else None)


def _capacitance(problem, module, evaluator) -> Callable[[list[float]], float] | None:
    """p -> the capacitance the slope conductance divides by: the file's parameter, or the value the module computes
    from the parameters (it depends on no state: derive.rest.prepared_problem); None where the file has none."""
    name = problem.capacitance_name
    if problem.capacitance is None or name is None:
        return None
    if name in problem.parameters:
        index = problem.parameters.index(name)
        return lambda p: float(p[index])
    if name not in module.QUANTITY_NAMES:
        return None
    start = np.array(module.STATE_VALUES, dtype=float)
    return lambda p: evaluator.quantities(start, p)[name]


def rest_report(plan, v_range, start_items=(), from_start: bool = True, parameters: dict[str, float] | None = None):
    """The RestReport of the planned file at its own parameters (or ``parameters``, SI by name, in their place),
    from its initial state with ``start_items`` ("NAME=VALUE", the file's units) in place (`vrest rest FILE`)."""
    from .imported import start_values

    return plan_rest(plan).report(parameters or {}, v_range, start_values(plan, start_items) if start_items else None,
                                  from_start)


def compiled_rest(path: Path, voltage: str | None, stimulus: str | None) -> CompiledRest:
    """The compiled rest engine of the file at ``path``, for any values of its parameters."""
    from .imported import imported_plan

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the reader's notes were shown where the sweep started
        plan = imported_plan(path, voltage, stimulus)
    return plan_rest(plan)
