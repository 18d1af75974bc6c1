"""One point of an imported model's sweep on the compiled module `vrest rest FILE` runs, not on SymPy.

``find_resting_states(system, parameters=...)`` prepares the system symbolically for every point
(about 2 s for O'Hara-Rudy's 41 states). The file's plan (codegen.simulation.imported: the rest problem
and the compiled module, cached by content) takes the parameters as numbers: a point sets them in the
problem's parameter vector, and the engine runs as `vrest rest` does (about 50 ms). The one number of the
problem that a parameter changes besides is the capacitance the slope conductance is computed with: the
file's capacitance parameter itself, when a sweep varies it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from pathlib import Path

__all__ = ["CompiledRest", "compiled_rest"]


@dataclass(frozen=True, eq=False)
class CompiledRest:
    """The rest engine on a file's compiled module, for any values of the file's parameters."""

    problem: object  # derive.rest.problem.RestProblem at the file's values
    evaluator: object
    currents: object
    factors: object
    capacitance: str | None  # the parameter that is the capacitance, None when the file has none
    stimulus: str | None  # the stimulus parameter, held at 0 (off at rest)

    def report(self, parameters: dict[str, float], v_range: tuple[float, float],
               start: dict[str, float] | None = None, from_start: bool = False):
        """The RestReport with ``parameters`` (SI, by name) in place of the file's values, and ``start`` (SI, by
        state name) in place of its initial values (the conservation laws' values are taken there); ``from_start``:
        the model followed from there too (derive.rest.solve)."""
        from vrest.derive.rest import solve

        names = self.problem.parameters
        p = list(self.problem.p)
        for name, value in parameters.items():
            if name != self.stimulus:
                p[names.index(name)] = float(value)
        capacitance = self.problem.capacitance
        if self.capacitance is not None and capacitance is not None:
            capacitance = p[names.index(self.capacitance)]
        problem = replace(self.problem, p=tuple(p), capacitance=capacitance)
        if start:
            problem = replace(problem, start=tuple(start.get(name, value)
                                                   for name, value in zip(problem.states, problem.start)))
        return solve(problem, self.evaluator, self.currents, v_range, self.factors, from_start)


def compiled_rest(path: Path, voltage: str | None, stimulus: str | None) -> CompiledRest | None:
    """The compiled rest engine of the file at ``path``, or None where the file's capacitance is not one of its
    parameters (a computed one could depend on the varied parameters)."""
    from vrest.codegen.simulation.imported import imported_plan, module_factors
    from vrest.codegen.simulation.rest import ModuleEvaluator, module_currents

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the reader's notes were shown where the sweep started
        plan = imported_plan(path, voltage, stimulus)
    problem = plan.rest_problem()
    capacitance = problem.capacitance_name if problem.capacitance is not None else None
    if capacitance is not None and capacitance not in problem.parameters:
        return None
    module = plan.module()
    return CompiledRest(problem, ModuleEvaluator(module, problem.parameters),
                        module_currents(module, problem.parameters, problem.currents),
                        module_factors(module, problem.parameters, len(problem.states)),
                        capacitance, plan.stimulus[0] if plan.stimulus else None)
