"""Run a model's exports in the real simulators and compare them with vrest's own answer.

A registry of runners, one function per simulator: ``@simulator(name, format,
version)`` registers ``run(model, directory, job) -> Answer``. ``version()``
returns the installed version or None (then the simulator is skipped). The
runner reads the file(s) that ``vrest export --to <format>`` wrote into
``directory`` and answers, in SI volts:

- ``v_ss``: V after ``job.ss_end`` with the scenario off, from ``job.ss_start``;
- ``course``: V at ``job.times`` from the file's own initial state (the pumped
  steady state), with the file's own scenario (event) switched on at ``at``.

``make_job`` fills these in two ways. A V-only model: the run to V_ss starts at the file's
composition with V = 0 exactly (GHK exercised at its removable singularity) and the course
spans 10 tau_m. A model with ion amounts and a volume is stiff (pumpleak: tau_m 2 ms, a
rundown over hours), and its job is one that fixed-step simulators can run too: the pumped
steady state held for 20 tau_m, and the course at 10 times spread linearly over 10 min;
``job.stiff`` tells fixed-step runners to take their largest stable step.
``make_job(model, stiff=False)`` gives such a model the long job instead (V = 0 start, a
1e6 s run to V_ss, a course to 3 h) for the adaptive solvers alone.

To add a simulator, write one runner in a module and register it (see the two
below); ``vrest crosscheck`` picks it up. A runner that cannot do a model's job
(e.g. a fixed-step integrator facing hours of a stiff model) registers
``unsuitable(model, job) -> reason or None``; its row then says why it did not
run. A runner that raises gets a "failed" row with the error, and the others
still run.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np
import sympy as sp

from vrest.derive.constants import V
from vrest.derive.model import Model, Scenario

from ..exporters import render_files
from ..exporters.coherent_units import to_coherent
from ..exporters.xml_model import xml_model
from ..files import write_atomic
from .reference import course_times, reference_course

__all__ = ["Job", "Answer", "Row", "Simulator", "SIMULATORS", "simulator", "make_job", "crosscheck",
           "failure_reason", "V_SS_TOLERANCE_MV", "COURSE_TOLERANCE_MV"]

V_SS_TOLERANCE_MV = 1e-6
COURSE_TOLERANCE_MV = 1e-3
RTOL = 1e-12
HOLD_TAUS = 20  # the stiff job holds the pumped steady state this many tau_m


@dataclass(frozen=True)
class Job:
    """What every runner computes (SI units); ``reference_*`` hold vrest's own answers."""

    scenario: Scenario
    times: np.ndarray
    ss_start: dict[sp.Symbol, float]
    ss_end: float  # s: how long the steady-state run lasts
    reference_v_ss: float
    reference_course: np.ndarray
    stiff: bool = False  # outputs long after the event: fixed-step runners may take their largest stable step


@dataclass(frozen=True)
class Answer:
    v_ss: float
    course: np.ndarray


@dataclass(frozen=True)
class Row:
    """One simulator's result; ``status`` "ran", "unsuitable" (not run, ``reason`` says why) or "failed"."""

    simulator: str
    version: str
    v_ss_mv: float | None
    v_ss_deviation_mv: float | None
    course_deviation_mv: float | None
    seconds: float
    status: str = "ran"
    reason: str = ""

    @property
    def agrees(self) -> bool:
        return (self.status == "ran" and self.v_ss_deviation_mv <= V_SS_TOLERANCE_MV
                and self.course_deviation_mv <= COURSE_TOLERANCE_MV)


@dataclass(frozen=True)
class Simulator:
    name: str
    format: str  # the exporter whose files the runner reads
    version: Callable[[], str | None]
    run: Callable[[Model, Path, Job], Answer] = field(repr=False)
    unsuitable: Callable[[Model, Job], str | None] | None = field(default=None, repr=False)


SIMULATORS: dict[str, Simulator] = {}


def simulator(name: str, format: str, version: Callable[[], str | None],
              unsuitable: Callable[[Model, Job], str | None] | None = None):
    """Register ``run(model, directory, job) -> Answer`` for simulator ``name`` reading format ``format``.

    ``unsuitable(model, job)``, if given, returns why the simulator cannot do ``job`` (else None).
    """

    def register(run):
        SIMULATORS[name] = Simulator(name, format, version, run, unsuitable)
        return run

    return register


def _scenario(model: Model) -> Scenario:
    """The ouabain scenario, else the model's first, else "nothing happens"."""
    by_name = {s.name: s for s in model.scenarios}
    if "ouabain" in by_name:
        return by_name["ouabain"]
    return model.scenarios[0] if model.scenarios else Scenario("none", sp.Integer(0), sp.Integer(1))


def make_job(model: Model, times: np.ndarray | None = None, *, stiff: bool | None = None) -> Job:
    """The checks for ``model`` with vrest's own answers filled in (see the module docstring).

    ``stiff``: None decides by the model (ion amounts or a volume); ``times`` replaces the course's.
    Two parts, each (start, how long, vrest's answer): the steady-state run and the course.
    """
    stiff = len(model.states) > 1 and stiff is not False  # a V-only model is never stiff
    ss_start, ss_end, v_ss = _steady_check(model, stiff)
    scenario = _scenario(model)
    times = course_times(model, linear=stiff) if times is None else np.asarray(times, dtype=float)
    return Job(scenario, times, ss_start, ss_end, v_ss, reference_course(model, scenario, times), stiff)


def _steady_check(model: Model, stiff: bool) -> tuple[dict[sp.Symbol, float], float, float]:
    """(start state, duration (s), V there (SI)) of the run that must reach or hold V_ss, the scenario off."""
    from vrest.derive.steady_state import initial_state, steady_state

    tau_m = float(course_times(model)[0])
    if stiff:  # hold the pumped steady state
        state = steady_state(model)
        return dict(state), HOLD_TAUS * tau_m, state[V]
    start = {**initial_state(model), V: 0.0}
    ss_end = 60.0 * tau_m if len(model.states) == 1 else 1e6
    return start, ss_end, steady_state(model, start=start)[V]


def crosscheck(model: Model, directory: Path, names: list[str] | None = None) -> list[Row]:
    """Export ``model`` into ``directory`` and run every installed (or every named) simulator."""
    directory = Path(directory).resolve()  # runners work in their own directories: no path may be relative
    job = make_job(model)
    rows = []
    for name, sim in SIMULATORS.items():
        if names is not None and name not in names:
            continue
        version = sim.version()
        if version is None:
            continue
        reason = sim.unsuitable(model, job) if sim.unsuitable is not None else None
        if reason:
            rows.append(Row(name, version, None, None, None, 0.0, "unsuitable", reason))
            continue
        began = time.perf_counter()
        try:
            for file, text in render_files(model, sim.format).items():
                write_atomic(directory / file, text, key="crosscheck")
            answer = sim.run(model, directory, job)
        except Exception as error:  # noqa: BLE001 - any runner failure becomes a row; the others still run
            rows.append(Row(name, version, None, None, None, time.perf_counter() - began, "failed",
                            failure_reason(error)))
            continue
        seconds = time.perf_counter() - began
        rows.append(Row(name, version, answer.v_ss * 1e3, abs(answer.v_ss - job.reference_v_ss) * 1e3,
                        float(np.max(np.abs(answer.course - job.reference_course))) * 1e3, seconds))
    return rows


def failure_reason(error: BaseException, limit: int = 300) -> str:
    """One line for a runner's error: its type, first line and (for a script's output) last line."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = lines[0] if lines else ""
    if len(lines) > 1:
        text += f" ... {lines[-1]}"
    text = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _coherent_state(model: Model, state: dict[sp.Symbol, float]) -> dict[str, float]:
    """{export id: value in coherent units} for a state given in SI (the XML exports' units)."""
    context = xml_model(model)
    return {v.id: to_coherent(Fraction(state[v.symbol]), _si_unit(model, v.symbol)) for v in context.states}


def _si_unit(model: Model, symbol: sp.Symbol) -> str:
    return next(s.unit for s in model.states if s.symbol == symbol)


def _only(directory: Path, suffix: str) -> Path:
    (path,) = sorted(directory.glob(f"*{suffix}"))
    return path


# -- libRoadRunner (SBML) ------------------------------------------------------


def _roadrunner_version() -> str | None:
    try:
        import roadrunner
    except ImportError:
        return None
    return roadrunner.__version__


def roadrunner_load(sbml: str, scenario_off: bool = False):
    """A RoadRunner for ``sbml`` at tight tolerances; ``scenario_off`` moves every event past any run."""
    import libsbml
    import roadrunner

    if scenario_off:
        document = libsbml.readSBMLFromString(sbml)
        for event in document.getModel().getListOfEvents():
            for parameter in document.getModel().getListOfParameters():
                if parameter.getId() == f"{event.getId()}_at":
                    parameter.setValue(1e300)
        sbml = libsbml.writeSBMLToString(document)
    runner = roadrunner.RoadRunner(sbml)
    runner.integrator.relative_tolerance = RTOL
    runner.integrator.absolute_tolerance = 1e-12
    runner.integrator.maximum_num_steps = 1_000_000
    return runner


def roadrunner_answer(model: Model, sbml: str, job: Job) -> Answer:
    """Run the SBML text ``sbml`` for ``job`` in libRoadRunner."""
    runner = roadrunner_load(sbml, scenario_off=True)
    for ident, value in _coherent_state(model, job.ss_start).items():
        runner[ident] = value
    v_ss = runner.simulate(0.0, job.ss_end, 2, ["V"])[-1, 0] * 1e-3
    runner = roadrunner_load(sbml)
    course, previous = [], 0.0
    for t in job.times:
        course.append(runner.simulate(previous, float(t), 2, ["V"])[-1, 0] * 1e-3)
        previous = float(t)
    return Answer(v_ss, np.array(course))


@simulator("libRoadRunner", "sbml", _roadrunner_version)
def run_roadrunner(model: Model, directory: Path, job: Job) -> Answer:
    return roadrunner_answer(model, _only(directory, ".sbml.xml").read_text(encoding="utf-8"), job)


# -- libcellml-generated Python (CellML) ------------------------------------------


def _libcellml_version() -> str | None:
    try:
        import libcellml
    except ImportError:
        return None
    return libcellml.versionString()


def cellml_python(cellml: str) -> str:
    """Python code for ``cellml`` from libcellml's Generator; a ValueError listing any issue."""
    import libcellml

    parser = libcellml.Parser()
    model = parser.parseModel(cellml)
    analyser = libcellml.Analyser()
    analyser.analyseModel(model)
    issues = [x.issue(i).description() for x in (parser, analyser) for i in range(x.issueCount())]
    if issues:
        raise ValueError("libcellml: " + "; ".join(issues))
    profile = libcellml.GeneratorProfile(libcellml.GeneratorProfile.Profile.PYTHON)
    return libcellml.Generator().implementationCode(analyser.analyserModel(), profile)


def cellml_answer(model: Model, code_path: Path, job: Job) -> Answer:
    """Integrate the libcellml-generated module at ``code_path`` with SciPy (Radau, rtol 1e-12)."""
    from scipy.integrate import solve_ivp

    spec = importlib.util.spec_from_file_location(f"vrest_cellml_{code_path.stem}", code_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    names = [info["name"] for info in module.STATE_INFO]
    constant_names = [info["name"] for info in module.CONSTANT_INFO]

    def fresh():
        states, rates = module.create_states_array(), module.create_states_array()
        constants = module.create_constants_array()
        computed, algebraic = module.create_computed_constants_array(), module.create_algebraic_variables_array()
        module.initialise_arrays(states, rates, constants, computed, algebraic)
        module.compute_computed_constants(0.0, states, rates, constants, computed, algebraic)
        return states, rates, constants, computed, algebraic

    def solve(arrays, t_end, t_eval):
        states, rates, constants, computed, algebraic = arrays

        def f(t, y):
            module.compute_rates(t, list(y), rates, constants, computed, algebraic)
            return np.array(rates, dtype=float)

        y0 = np.array(states, dtype=float)
        scale = np.where(y0 == 0.0, 1.0, np.abs(y0))
        solution = solve_ivp(f, (0.0, t_end), y0, method="Radau", t_eval=t_eval, rtol=RTOL, atol=RTOL * scale)
        if not solution.success:
            raise RuntimeError(f"CellML integration failed: {solution.message}")
        return solution.y[names.index("V")] * 1e-3

    arrays = fresh()
    for ident, value in _coherent_state(model, job.ss_start).items():
        arrays[0][names.index(ident)] = value
    for index, name in enumerate(constant_names):
        if name.endswith("_at"):
            arrays[2][index] = 1e300
    v_ss = solve(arrays, job.ss_end, [job.ss_end])[-1]
    course = solve(fresh(), float(job.times[-1]), job.times)
    return Answer(float(v_ss), course)


@simulator("libcellml (generated Python + SciPy)", "cellml", _libcellml_version)
def run_cellml(model: Model, directory: Path, job: Job) -> Answer:
    code_path = directory / f"{model.name}_cellml.py"
    write_atomic(code_path, cellml_python(_only(directory, ".cellml").read_text(encoding="utf-8")), key="crosscheck")
    return cellml_answer(model, code_path, job)

