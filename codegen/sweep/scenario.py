"""Scenario sweeps: the states at given times of a scenario, started at each point's steady state.

A chunk's parameter sets run as one batch of the compiled model under CVODE (codegen.simulation), each
from its own steady state (the sweep kernel's V_ss: the full steady state where concentrations move). A
task carries the kernel's and the numeric module's generated sources with their hashes; a worker builds
the module once (the compiled library is cached by the hash of its source, like every model module).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from vrest.derive.errors import ModelError

from .runtime import RUN_EMPTIED, RUN_GAVE_UP, _Evaluator
from .tasks import ChunkResult, load_kernel, parameter_sets, pump_max_above

if TYPE_CHECKING:  # a worker runs run_scenario_task without SymPy
    from vrest.derive.model import Model

    from .plan import Plan

__all__ = ["ScenarioTask", "run_scenario_task", "run_scenario_sweep", "SCENARIO_CHUNK"]

SCENARIO_CHUNK = 512  # parameter sets per chunk: 32 CVODE blocks of 16


@dataclass(frozen=True)
class ScenarioTask:
    """One chunk of a scenario sweep (the quantity task's fields, the numeric module, the scenario)."""

    kernel_source: str
    kernel_digest: str
    numpy_source: str
    c_source: str
    module_digest: str
    base: dict[str, float]
    varied: tuple[str, ...]
    factors: tuple[bool, ...]
    coupling: tuple[str, str, str, str] | None
    points: np.ndarray
    scenarios: tuple  # codegen.simulation.cache.CachedScenario: the steps as plain data
    scenario: str
    times: tuple[float, ...]
    outputs: tuple[str, ...]
    threads: int | None
    start: int
    stop: int


@lru_cache(maxsize=8)
def _module(numpy_source: str, c_source: str, digest: str):
    """The numeric module of the sources, built once per process (compiled when a C compiler is found), in the
    cache where codegen.simulation.numeric keeps every model's module."""
    from ..simulation.numeric import _digest, _write_once, cache_dir, compile_library, load_files

    if hashlib.sha256((numpy_source + c_source).encode()).hexdigest() != digest:
        raise ValueError("the numeric module's sources do not match their hash")
    numpy_path = _write_once(cache_dir() / _digest(numpy_source) / "numeric.py", numpy_source)
    try:
        library = compile_library(c_source, "numeric")
    except (FileNotFoundError, RuntimeError):
        library = None  # no compiler here: the NumPy module under SciPy's solvers
    return load_files(numpy_path, library)


def run_scenario_task(task: ScenarioTask) -> ChunkResult:
    from ..simulation.integrate import simulate_module

    kernel = load_kernel(task.kernel_source, task.kernel_digest)
    n = task.stop - task.start
    p = parameter_sets(task)
    evaluator = _Evaluator(kernel, p, n)
    if "steady" in kernel.RECIPE:
        states, codes, _ = evaluator.steady()
    else:
        v, codes = evaluator.get("V_ss")
        states = v[None, :]
    module = _module(task.numpy_source, task.c_source, task.module_digest)
    values = {name: np.full((n, len(task.times)), np.nan) for name in task.outputs}
    varied = [name for name in module.PARAMETER_NAMES if name in task.varied or name in _coupled(task)]
    params = {name: np.broadcast_to(np.asarray(p[name], dtype=float), (n,)) for name in varied}

    def run(points: np.ndarray, times: np.ndarray) -> None:
        result = simulate_module(module, kernel.MODEL, task.scenarios, states[:, points].T, task.scenario, times,
                                 {name: array[points] for name, array in params.items()}, threads=task.threads)
        for name, (_, array) in result.outputs().items():
            if name in values:
                values[name][points, :times.size] = np.asarray(array).reshape(points.size, times.size)

    _run_halving(run, np.nonzero(codes == 0)[0], np.asarray(task.times), codes)
    return ChunkResult(task.start, task.stop, values, {name: codes for name in task.outputs},
                       pump_max_above(kernel, evaluator))


def _run_halving(run, points: np.ndarray, times: np.ndarray, codes: np.ndarray) -> None:
    """``run`` the points as one batch; where the batch stops (an amount emptied, the solver gave up), its halves,
    down to the one point that stops: that point keeps its states at the times before it emptied (NaN after) and
    gets the reason code, so one point's run no longer ends the sweep."""
    from ..simulation.vanishing import SolverGaveUp, VanishingConcentration

    if not points.size:
        return
    try:
        run(points, times)
    except (VanishingConcentration, SolverGaveUp) as stopped:
        if points.size > 1:
            half = points.size // 2
            _run_halving(run, points[:half], times, codes)
            _run_halving(run, points[half:], times, codes)
            return
        emptied = isinstance(stopped, VanishingConcentration)
        codes[points] = RUN_EMPTIED if emptied else RUN_GAVE_UP
        before = times[times < stopped.t] if emptied else times[:0]
        if before.size:
            run(points, before)


def _coupled(task) -> tuple[str, ...]:
    return (task.coupling[1],) if task.coupling is not None else ()


def _outputs(model: Model) -> tuple[tuple[str, str], ...]:
    """The states a scenario sweep writes: V (mV), each moving inside concentration (mM), the volume (um^3)."""
    out = [("V", "mV")] + [(f"{ion.name}_i", "mM") for ion in model.dynamic_ions]
    if model.volume_mode in ("dynamic", "instant"):
        out.append(("volume", "um^3"))
    return tuple(out)


def check_scenario_sweep(model: Model, scenario: str) -> None:
    """A ModelError where ``model`` has no scenario ``scenario``, or one a scenario sweep cannot run."""
    from ..simulation.integrate import find_scenario

    find_scenario(model.scenarios, model.name, scenario)
    if model.channels:  # each run starts from a steady state the sweep's kernels find for leaks only
        raise ModelError("--scenario", scenario, f"a scenario sweep of model {model.name}, which has channels, is not "
                         "supported: run vrest simulate at each value")


def run_scenario_sweep(model: Model, plan: Plan, scenario: str, times: Sequence[float], *,
                       out: str | Path | None = None, memory: bool = True, engine: str = "local",
                       scheduler: str | None = None, workers: int | None = None, progress: bool = False):
    """The states at ``times`` (s) of ``scenario``, for every point of ``plan``: a SweepOutcome."""
    from ..simulation.cache import _scenario_from_json, _scenario_json
    from ..simulation.numeric import _sources
    from .api import _drive, _layout, _si_points
    from .couplings import coupling
    from .kernel import build_kernel

    check_scenario_sweep(model, scenario)
    times = tuple(float(t) for t in times)
    if not times or any(t < 0 for t in times):
        raise ModelError("--times", list(times), "times must be non-negative")
    kernel = build_kernel(model, ("V_ss",))
    numpy_source, c_source = _sources(model)
    module_digest = hashlib.sha256((numpy_source + c_source).encode()).hexdigest()
    varied = tuple(d.parameter for d in plan.dims)
    scenarios = tuple(_scenario_from_json(_scenario_json(s)) for s in model.scenarios)  # plain data, as cached
    outputs = _outputs(model)
    base = {p.name: float(p.value) for p in model.parameters}
    rule = coupling(model, set(varied))
    threads = 1 if engine == "dask" or (workers or 1) > 1 else None

    def tasks():
        for start, stop in plan.chunks(SCENARIO_CHUNK):
            _, si = _si_points(plan, start, stop)
            yield ScenarioTask(kernel.source, kernel.digest, numpy_source, c_source, module_digest, base, varied,
                               tuple(d.factor for d in plan.dims), rule, si, scenarios, scenario, times,
                               tuple(n for n, _ in outputs), threads, start, stop)

    layout = _layout(model, plan, outputs, times, scenario)
    return _drive(model, plan, layout, tasks(), run_scenario_task, out, memory, engine, scheduler,
                  workers if engine == "dask" else 1, progress, SCENARIO_CHUNK, {})
