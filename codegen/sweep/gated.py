"""Sweeps of a vrest model with gated channels: its resting state as `vrest rest` finds it, at each point.

The sweep kernel (codegen.sweep.kernel) knows the leaks' currents alone; a model with channels
(``[channels.*]``) may have several resting states, and which one the cell comes to depends on its start.
So each point is the model file with the point's values (the keys of derive.protocol.targets, the
impermeant's amount or concentration following as the reader computes it), and the rest engine on that
model followed from its start, as `vrest rest MODEL` does: the quantities of a CellML or SBML file's
sweep (codegen.sweep.rest_points). Its Nernst potentials E_X are the kernel's, swept on their own.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from vrest.derive.errors import ModelError
from vrest.derive.model import Model

from .couplings import apply_coupling, coupling
from .rest_points import QUANTITIES, RestQuantities, did_you_mean, evaluate_points, run_rest_sweep
from .tasks import ChunkResult

__all__ = ["GatedModel", "GatedTask", "by_rest_engine", "run_gated_sweep", "run_gated_task"]


def _derive_ids(model: Model) -> list[str]:
    """The ids `vrest derive` has for the model."""
    from vrest.derive.quantities import Derivations

    return Derivations(model).ids()


def _nernst(model: Model) -> list[str]:
    """The ids of the model's Nernst potentials E_X (of the ions with concentrations)."""
    return [q for q in _derive_ids(model) if q.startswith("E_")]


def by_rest_engine(model: Model, wanted: Sequence[str] | None) -> bool:
    """Whether a sweep of ``model`` evaluates its resting state by the rest engine: a model with channels, unless
    the quantities asked are all its Nernst potentials (the kernel's closed forms)."""
    return bool(model.channels) and not (wanted and set(wanted) <= set(_nernst(model)))


@dataclass(frozen=True, eq=False)
class GatedModel(RestQuantities):
    """A vrest model with channels, for a sweep of its resting state."""

    model: Model
    kind = "a model with gated channels"

    @property
    def name(self) -> str:
        return self.model.name

    @cached_property
    def problem(self):
        """The rest engine's numbers at the model's own values: the units results are shown in."""
        from vrest.derive.rest.evaluator import prepare
        from vrest.derive.rest.prepared_problem import rest_problem
        from vrest.derive.system import from_model

        return rest_problem(prepare(from_model(self.model)), None)

    def choose(self, wanted: Sequence[str] | None) -> tuple[tuple[str, ...], dict[str, str]]:
        rest, known = ", ".join(QUANTITIES), _derive_ids(self.model)
        nernst = [q for q in known if q.startswith("E_")]
        for qid in wanted or ():
            if qid in nernst:
                raise ModelError("--quantity", qid, f"the Nernst potentials and the resting state ({rest}) of a "
                                 "model with gated channels are swept separately: one sweep for each")
            if qid not in QUANTITIES and qid not in known and did_you_mean(qid):
                raise ModelError("--quantity", qid, f"unknown quantity of a model with gated channels"
                                 f"{did_you_mean(qid)} (one of {rest}{', ' if nernst else ''}{', '.join(nernst)})")
            if qid not in QUANTITIES:
                alone = f", or its Nernst potentials alone ({', '.join(nernst)})" if nernst else \
                    f"; model {self.name} has no Nernst potential (no ion with concentrations)"
                raise ModelError("--quantity", qid, f"not swept for a model with gated channels: a sweep gives its "
                                 f"resting state as vrest rest finds it ({rest}; V_rest is the stable rest the cell "
                                 f"comes to from its start){alone}")
        return super().choose(wanted)


@dataclass(frozen=True)
class GatedTask:
    """One chunk of a sweep of a model with channels: points start..stop-1."""

    model: Model
    varied: tuple[str, ...]  # the parameter each column of ``points`` sets
    factors: tuple[bool, ...]  # whether a column multiplies the parameter's given value
    coupling: tuple[str, str, str, str] | None
    points: np.ndarray  # (stop - start, n_varied), SI (factors as factors)
    quantities: tuple[str, ...]
    display: dict[str, tuple[float, float]]  # SI = scale * shown + offset, per quantity
    start: int
    stop: int


def run_gated_task(task: GatedTask) -> ChunkResult:
    """The chunk's points: the model with each point's values, its rest engine followed from its start."""
    from vrest.derive.derivations.pump_range import with_values
    from vrest.derive.system import from_model

    model = task.model
    given = {p.name: float(p.value) for p in model.parameters}
    symbols = {p.name: p.symbol for p in model.parameters}

    def report_at(row: np.ndarray):
        values = {name: value * given[name] if factor else value
                  for name, factor, value in zip(task.varied, task.factors, (float(v) for v in row))}
        values = apply_coupling(task.coupling, {**given, **values})
        changed = {symbols[name]: float(value) for name, value in values.items() if float(value) != given[name]}
        system = from_model(with_values(model, changed))
        return _engine(model, system).report(system)

    return evaluate_points(task.start, task.stop, task.points, task.quantities, task.display, report_at)


_ENGINES = threading.local()  # each thread's: a Dask worker may run two chunks at once


def _engine(model: Model, system) -> _Prepared:
    """The model's _Prepared, made once in this thread (of ``system``, the first point's) for every chunk after: a
    local sweep runs a chunk a point."""
    engines = getattr(_ENGINES, "by_model", None)
    if engines is None or model not in engines:
        engines = _ENGINES.by_model = {model: _Prepared(system)}  # the last model's alone: a sweep is of one
    return engines[model]


class _Prepared:
    """The rest engine of a model's equations, prepared once: a point that changes numbers alone (the
    parameters' values, the start the reader computes from them) runs on the same lambdified functions, which
    for a small model take longer to make than its search for every equilibrium."""

    def __init__(self, system) -> None:
        from vrest.codegen.simulation.imported_rest import CompiledRest
        from vrest.derive.rest.evaluator import LambdifyEvaluator, prepare
        from vrest.derive.rest.prepared_problem import currents_function, factors_function, rest_problem

        self.system = system
        prepared = prepare(system)
        problem = rest_problem(prepared, None)
        stimulus = system.roles.stimulus
        self.engine = None
        if problem.capacitance is None or problem.capacitance_name in problem.parameters:  # else set by values
            index = problem.parameters.index(problem.capacitance_name) if problem.capacitance is not None else None
            self.evaluator = LambdifyEvaluator(prepared)
            self.engine = CompiledRest(problem, self.evaluator, currents_function(prepared),
                                       factors_function(prepared, problem.factored),
                                       None if index is None else (lambda p: float(p[index])),
                                       stimulus.name if stimulus is not None else None)

    def report(self, system):
        """The RestReport of ``system`` followed from its start, as find_resting_states gives it."""
        from vrest.derive.rest import DEFAULT_RANGE, find_resting_states

        start = {s.symbol.name: float(s.initial) for s in system.states if s.initial is not None}
        if self.engine is None or not _same_equations(self.system, system) or \
                not all(math.isfinite(v) for v in start.values()):
            return find_resting_states(system, from_start=True)  # its errors name what is wrong
        parameters = {p.name: float(p.value) for p in system.parameters}
        self.evaluator.reset()  # each point as a first: none inherits the way another's numbers were computed
        return self.engine.report(parameters, DEFAULT_RANGE, start, from_start=True)


def _same_equations(a, b) -> bool:
    """Whether two OdeSystems differ in numbers alone: parameters' and initial values (not which are given)."""
    return (a.roles == b.roles and [p.symbol for p in a.parameters] == [p.symbol for p in b.parameters]
            and [(s.symbol, s.rhs, s.initial is None) for s in a.states] == [(s.symbol, s.rhs, s.initial is None)
                                                                            for s in b.states]
            and [(q.symbol, q.expression) for q in a.quantities] == [(q.symbol, q.expression) for q in b.quantities])


def run_gated_sweep(model: Model, plan, quantities: Sequence[str] | None = None, **options):
    """The resting-state quantities of ``model`` (with channels) at every point of ``plan``: a SweepOutcome
    (codegen.sweep.api); ``options`` as run_rest_sweep's."""
    varied = tuple(d.parameter for d in plan.dims)
    factors = tuple(d.factor for d in plan.dims)
    rule = coupling(model, set(varied))

    def task(start: int, stop: int, si: np.ndarray, ids: tuple[str, ...], display: dict) -> GatedTask:
        return GatedTask(model, varied, factors, rule, si, ids, display, start, stop)

    return run_rest_sweep(GatedModel(model), plan, quantities, task, run_gated_task, **options)
