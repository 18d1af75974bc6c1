"""Run a model's exports in the real simulators and compare them with vrest's own answer.

A registry of runners, one function per simulator: ``@simulator(name, format,
version)`` registers ``run(model, directory, job) -> Answer``. ``version()``
returns the installed version or None (then the simulator is skipped). The
runner reads the file(s) that ``vrest export --to <format>`` wrote into
``directory`` and answers, in SI volts:

- ``v_ss``: V after a long run with no scenario (selector 0), from ``job.ss_start``
  (the file's composition with V = 0 exactly, so GHK is exercised at V = 0, and its
  net charge removed: the steady state has none, derive.steady_state);
- ``courses``: for each scenario of the model (``job.courses``), V at its times from the
  file's own initial state (the pumped steady state) with that scenario selected.

To add a simulator, write one runner in a module and register it (see the two
below); ``vrest crosscheck`` picks it up. A runner that cannot do a model's job
(e.g. a fixed-step integrator facing hours of a stiff model) registers
``unsuitable(model, job) -> reason or None``; its row then says why it did not
run. A runner that raises gets a "failed" row with the error, and the others
still run. The courses must agree to COURSE_TOLERANCE_MV, except for a fixed-step
simulator that registers ``course_tolerance(model, job)`` with its error bound.
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
from .reference import course_times, reference_course, scenario_times

__all__ = ["Course", "Job", "Answer", "Row", "Simulator", "SIMULATORS", "simulator", "make_job", "neutral_start",
           "fastest_time_constant",
           "crosscheck", "failure_reason", "V_SS_TOLERANCE_MV", "COURSE_TOLERANCE_MV"]

V_SS_TOLERANCE_MV = 1e-6
COURSE_TOLERANCE_MV = 1e-6  # simulators with error control at tight tolerances; fixed-step ones declare theirs
RTOL = 1e-12


@dataclass(frozen=True)
class Course:
    """One scenario's time course: V at ``times`` (s) from the pumped steady state, vrest's own ``reference``."""

    scenario: Scenario
    times: np.ndarray
    reference: np.ndarray


@dataclass(frozen=True)
class Job:
    """What every runner computes (SI units); ``reference_*`` hold vrest's own answers."""

    courses: tuple[Course, ...]
    ss_start: dict[sp.Symbol, float]
    ss_end: float  # s: how long the steady-state run lasts
    reference_v_ss: float

    @property
    def scenario(self) -> Scenario:  # the first course's (ouabain in the built-in models)
        return self.courses[0].scenario

    @property
    def times(self) -> np.ndarray:
        return self.courses[0].times

    @property
    def reference_course(self) -> np.ndarray:
        return self.courses[0].reference

    def selector(self, model: Model, course: Course) -> int:
        """The value of the exports' ``scenario`` selector that runs ``course`` (0: the model has none)."""
        names = [s.name for s in model.scenarios]
        return names.index(course.scenario.name) + 1 if course.scenario.name in names else 0

    @property
    def amplitude(self) -> float:
        """The largest change of V (V) in any reference course: fixed-step error bounds scale with it."""
        return max(float(np.max(np.abs(c.reference - self.reference_v_ss))) for c in self.courses)

    @property
    def t_end(self) -> float:
        return max(float(c.times[-1]) for c in self.courses)


@dataclass(frozen=True)
class Answer:
    v_ss: float
    courses: dict[str, np.ndarray]  # V (SI) at each course's times, by scenario name

    @property
    def course(self) -> np.ndarray:
        return next(iter(self.courses.values()))


@dataclass(frozen=True)
class Row:
    """One simulator's result; ``status`` "ran", "unsuitable" (not run, ``reason`` says why) or "failed"."""

    simulator: str
    version: str
    v_ss_mv: float | None
    v_ss_deviation_mv: float | None
    course_deviation_mv: float | None  # the largest over every scenario's course
    seconds: float
    status: str = "ran"
    reason: str = ""
    course_tolerance_mv: float = COURSE_TOLERANCE_MV

    @property
    def agrees(self) -> bool:
        return (self.status == "ran" and self.v_ss_deviation_mv <= V_SS_TOLERANCE_MV
                and self.course_deviation_mv <= self.course_tolerance_mv)


@dataclass(frozen=True)
class Simulator:
    name: str
    format: str  # the exporter whose files the runner reads
    version: Callable[[], str | None]
    run: Callable[[Model, Path, Job], Answer] = field(repr=False)
    unsuitable: Callable[[Model, Job], str | None] | None = field(default=None, repr=False)
    course_tolerance: Callable[[Model, Job], float] | None = field(default=None, repr=False)  # mV

    def tolerance(self, model: Model, job: Job) -> float:
        """The largest course deviation (mV) this simulator may show: its error bound, else COURSE_TOLERANCE_MV."""
        return COURSE_TOLERANCE_MV if self.course_tolerance is None else self.course_tolerance(model, job)


SIMULATORS: dict[str, Simulator] = {}


def simulator(name: str, format: str, version: Callable[[], str | None],
              unsuitable: Callable[[Model, Job], str | None] | None = None,
              course_tolerance: Callable[[Model, Job], float] | None = None):
    """Register ``run(model, directory, job) -> Answer`` for simulator ``name`` reading format ``format``.

    ``unsuitable(model, job)``, if given, returns why the simulator cannot do ``job`` (else None);
    ``course_tolerance(model, job)`` a fixed-step method's error bound (mV) for the courses.
    """

    def register(run):
        SIMULATORS[name] = Simulator(name, format, version, run, unsuitable, course_tolerance)
        return run

    return register


def make_job(model: Model, times: np.ndarray | None = None) -> Job:
    """The checks for ``model`` with vrest's own answers filled in: a course for every scenario (or, for a
    model without one, a course with nothing happening)."""
    from vrest.derive.steady_state import steady_state

    scenarios = model.scenarios or (Scenario("none", ()),)
    courses = []
    for scenario in scenarios:
        at = scenario_times(model, scenario) if times is None else np.asarray(times, dtype=float)
        courses.append(Course(scenario, at, reference_course(model, scenario, at)))
    tau_m = float(course_times(model)[0])
    ss_end = 60.0 * tau_m if len(model.states) == 1 else 1e6
    return Job(tuple(courses), neutral_start(model), ss_end, steady_state(model)[V])


def fastest_time_constant(model: Model, job: Job) -> float:
    """The shortest membrane time constant (s) of the job: tau_m at rest and after each scenario step's jump
    (a bath or temperature step changes the GHK leaks' slope conductance)."""
    from vrest.derive.derivation import NotApplicable
    from vrest.derive.derivations.scenario import scenario_report
    from vrest.derive.quantities import Derivations

    taus = [Derivations(model).get("tau_m").value]
    for course in job.courses:
        if job.selector(model, course):
            for step in scenario_report(model, course.scenario.name).steps:
                if "tau_m" in step.quantities:
                    taus.append(step.quantities["tau_m"].value)
                elif "tau_m" in step.not_applicable:
                    raise NotApplicable(f"no time constant after step {step.number} of {course.scenario.name}")
    return min(taus)


def neutral_start(model: Model) -> dict[sp.Symbol, float]:
    """The file's composition at V = 0 exactly, carrying no net charge: the steady-state run's start.

    The exports conserve the charge C_m A V - F (sum z N + z_A N_A), and the steady state has none
    (derive.steady_state), so a file whose inside composition is not electroneutral has the permeant
    ions of the missing sign scaled up until it is.
    """
    from vrest.derive.constants import z_A
    from vrest.derive.model import N_A
    from vrest.derive.steady_state import charge_conserved, initial_state

    start = {**initial_state(model), V: 0.0}
    if not charge_conserved(model):
        return start
    bulk = sum(ion.valence * start[ion.amount] for ion in model.dynamic_ions)
    if model.impermeant:
        bulk += float(model.values[z_A] * model.values[N_A])
    sign = -1 if bulk > 0 else 1  # the ions that cancel the excess
    carriers = [ion for ion in model.dynamic_ions if ion.valence * sign > 0]
    if bulk == 0 or not carriers:
        return start
    carried = sum(ion.valence * start[ion.amount] for ion in carriers)
    factor = 1 - bulk / carried
    return {**start, **{ion.amount: start[ion.amount] * factor for ion in carriers}}


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
        deviation = max(float(np.max(np.abs(answer.courses[c.scenario.name] - c.reference))) for c in job.courses)
        rows.append(Row(name, version, answer.v_ss * 1e3, abs(answer.v_ss - job.reference_v_ss) * 1e3,
                        deviation * 1e3, seconds, course_tolerance_mv=sim.tolerance(model, job)))
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


def roadrunner_load(sbml: str, scenario: int | None = None):
    """A RoadRunner for ``sbml`` at tight tolerances; ``scenario`` sets the file's selector (0: none)."""
    import libsbml
    import roadrunner

    if scenario is not None:
        document = libsbml.readSBMLFromString(sbml)
        selector = document.getModel().getParameter("scenario")
        if selector is not None:
            selector.setValue(scenario)
        sbml = libsbml.writeSBMLToString(document)
    runner = roadrunner.RoadRunner(sbml)
    runner.integrator.relative_tolerance = RTOL
    runner.integrator.absolute_tolerance = 1e-12
    runner.integrator.maximum_num_steps = 1_000_000
    return runner


def roadrunner_answer(model: Model, sbml: str, job: Job) -> Answer:
    """Run the SBML text ``sbml`` for ``job`` in libRoadRunner."""
    runner = roadrunner_load(sbml, 0)
    for ident, value in _coherent_state(model, job.ss_start).items():
        runner[ident] = value
    v_ss = runner.simulate(0.0, job.ss_end, 2, ["V"])[-1, 0] * 1e-3
    courses = {}
    for course in job.courses:
        runner = roadrunner_load(sbml, job.selector(model, course))
        values, previous = [], 0.0
        for t in course.times:
            values.append(runner.simulate(previous, float(t), 2, ["V"])[-1, 0] * 1e-3)
            previous = float(t)
        courses[course.scenario.name] = np.array(values)
    return Answer(v_ss, courses)


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

    def solve(arrays, stops, t_eval):
        """V (SI) at ``t_eval``, integrating from stop to stop (the scenario's step times). vrest's models are
        autonomous but for the scenario's pieces of time, so each piece is integrated with the rates evaluated
        at its middle: Radau's error estimate uses f at both ends of a step, and a switch there would stall it."""
        states, rates, constants, computed, algebraic = arrays

        def f(t, y, piece_time):
            module.compute_rates(piece_time, list(y), rates, constants, computed, algebraic)
            return np.array(rates, dtype=float)

        y = np.array(states, dtype=float)
        scale = np.where(y == 0.0, 1.0, np.abs(y))
        t_eval = np.asarray(t_eval, dtype=float)
        out = np.empty(t_eval.size)
        bounds = [0.0] + [s for s in stops if 0.0 < s < t_eval[-1]] + [float(t_eval[-1])]
        for k, (t0, t1) in enumerate(zip(bounds, bounds[1:])):
            inside = (t_eval >= t0) & ((t_eval <= t1) if k == len(bounds) - 2 else (t_eval < t1))
            grid = np.unique(np.concatenate([t_eval[inside], [t1]]))
            if t1 <= t0:
                out[inside] = y[names.index("V")]
                continue
            solution = solve_ivp(f, (t0, t1), y, args=((t0 + t1) / 2,), method="Radau", t_eval=grid, rtol=RTOL,
                                 atol=RTOL * scale)
            if not solution.success:
                raise RuntimeError(f"CellML integration failed: {solution.message}")
            out[inside] = solution.y[names.index("V"), np.searchsorted(grid, t_eval[inside])]
            y = solution.y[:, -1]
        return out * 1e-3

    def select(arrays, scenario: int):
        arrays[2][constant_names.index("scenario")] = scenario
        module.compute_computed_constants(0.0, *arrays)
        return arrays

    arrays = select(fresh(), 0)
    for ident, value in _coherent_state(model, job.ss_start).items():
        arrays[0][names.index(ident)] = value
    v_ss = solve(arrays, [], [job.ss_end])[-1]  # selector 0: no piece changes anything
    courses = {}
    for course in job.courses:
        stops = [float(step.at) for step in course.scenario.steps]
        courses[course.scenario.name] = solve(select(fresh(), job.selector(model, course)), stops, course.times)
    return Answer(float(v_ss), courses)


@simulator("libcellml (generated Python + SciPy)", "cellml", _libcellml_version)
def run_cellml(model: Model, directory: Path, job: Job) -> Answer:
    code_path = directory / f"{model.name}_cellml.py"
    write_atomic(code_path, cellml_python(_only(directory, ".cellml").read_text(encoding="utf-8")), key="crosscheck")
    return cellml_answer(model, code_path, job)

