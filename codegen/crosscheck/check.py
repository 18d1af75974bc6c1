"""Run a model's exports in the real simulators and compare them with vrest's own answer.

A registry of runners, one function per simulator: ``@simulator(name, format,
version)`` registers ``run(model, directory, job) -> Answer``. ``version()``
returns the installed version or None (then the simulator is skipped). The
runner reads the file(s) that ``vrest export --to <format>`` wrote into
``directory`` and answers, in SI volts:

- ``v_ss``: V after ``job.ss_end`` with no scenario (selector 0), from ``job.ss_start``;
- ``courses``: for each scenario of the model (``job.courses``), V at its times from the
  file's own initial state (the pumped steady state) with that scenario selected.

``make_job`` fills these in two ways. A V-only model: the run to V_ss starts at the file's
composition with V = 0 exactly (GHK exercised at its removable singularity, the net charge
removed) and each course samples 10 tau_m after each step. A model with ion amounts and a
volume is stiff (pumpleak: tau_m 2 ms, a rundown over hours), and its job is one that
fixed-step simulators can run too: the pumped steady state held for 20 tau_m, and each
course sampled at 10 times spread linearly over 5 min after each step;
``job.stiff`` tells fixed-step runners to take their largest stable step.
``make_job(model, stiff=False)`` gives such a model the long job instead (V = 0 start, a
1e6 s run to V_ss, courses to 3 h after each step) for the adaptive solvers alone. Either
way V_ss is the steady state ``vrest simulate`` starts from.

A model with gated channels gets a third job (``_excitable_job``): its resting state held for 20 ms, and a course
that fires an action potential judged by its peak (its time and V), one that does not at every output time like
any other, over the time its slowest relaxation takes to settle.

To add a simulator, write one runner in a module and register it (see the two
below); ``vrest crosscheck`` picks it up. A runner that cannot do a model's job
(e.g. a fixed-step integrator facing hours of a stiff model) registers
``unsuitable(model, job) -> reason or None``; its row then says why it did not
run. A runner that raises gets a "failed" row with the error, and the others
still run. The courses must agree to COURSE_TOLERANCE_MV, except for a fixed-step
simulator that registers ``course_tolerance(model, job)`` with its error bound
(``fixed_step_bound``).
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import numpy as np
import sympy as sp

from vrest.derive.constants import V
from vrest.derive.model import Model, Scenario

from ..exporters import render_files
from ..exporters.coherent_units import to_coherent
from ..exporters.xml_model import xml_model
from ..files import write_atomic
from .reference import STIFF_COURSE_END, course_times, reference_run, scenario_times

__all__ = ["Course", "Job", "Answer", "Row", "Simulator", "SIMULATORS", "simulator", "make_job", "neutral_start",
           "spike_peak", "peak_near", "action_potential", "spike_deviations", "course_deviation",
           "PEAK_TIME_TOLERANCE_MS", "PEAK_V_TOLERANCE_MV",
           "fastest_time_constant", "relaxation_time_constants", "fixed_step_bound", "crosscheck", "failure_reason", "V_SS_TOLERANCE_MV",
           "COURSE_TOLERANCE_MV"]

V_SS_TOLERANCE_MV = 1e-6
COURSE_TOLERANCE_MV = 1e-6  # simulators with error control at tight tolerances; fixed-step ones declare theirs
# An excitable model (gated channels): a course that fires is judged by its action potential's peak.
PEAK_TIME_TOLERANCE_MS = 0.05
PEAK_V_TOLERANCE_MV = 0.5
EXCITABLE_END = 0.020  # s: each course is sampled over 20 ms after its start and after each of its steps
EXCITABLE_OUTPUT = 2e-4  # s between output times, and EXCITABLE_FINE near vrest's own peak (+-EXCITABLE_WINDOW):
EXCITABLE_FINE = 4e-6  # few outputs (a script restarts its simulator at each), dense where the peak is measured
EXCITABLE_WINDOW = 1e-4
SPIKE_MV = 20.0  # an action potential rises this far above rest (and falls back: ``action_potential``)
SETTLING_TAUS = 5  # a course without a spike runs this many of its slowest time constants after each step
SETTLING_OUTPUTS = 50  # output times over that span, after EXCITABLE_END of V's own relaxation
RTOL = 1e-12
HOLD_TAUS = 20  # the stiff job holds the pumped steady state this many tau_m


@dataclass(frozen=True)
class Course:
    """One scenario's time course: V at ``times`` (s) from the pumped steady state, vrest's own ``reference``;
    the time constants (s) of the relaxations its steps start and the shortest met on the way
    (codegen.crosscheck.reference.reference_run); ``peak_at``: the time (s) of its action potential's peak,
    judged by that peak (None: no spike, judged at every output time)."""

    scenario: Scenario
    times: np.ndarray
    reference: np.ndarray
    time_constants: tuple[float, ...] = ()
    fastest: float = float("inf")
    peak_at: float | None = None

    @property
    def fires(self) -> bool:
        return self.peak_at is not None


@dataclass(frozen=True)
class Job:
    """What every runner computes (SI units); ``reference_*`` hold vrest's own answers."""

    courses: tuple[Course, ...]
    ss_start: dict[sp.Symbol, float]
    ss_end: float  # s: how long the steady-state run lasts
    reference_v_ss: float
    stiff: bool = False  # outputs long after each step: fixed-step runners may take their largest stable step
    excitable: bool = False  # gated channels: a course that fires is judged by its spike's peak (PEAK_*_TOLERANCE)

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

    @property
    def time_constants(self) -> tuple[float, ...]:
        """The time constants (s) of the relaxations the courses' steps start."""
        return tuple(sorted({tau for c in self.courses for tau in c.time_constants}))

    @property
    def first_output_after_a_step(self) -> float:
        """The shortest time (s) from a scenario step to a later output time of its course (inf: no step)."""
        gaps = [float(t) - float(step.at) for c in self.courses for step in c.scenario.steps for t in c.times
                if t > step.at]
        return min(gaps, default=float("inf"))


@dataclass(frozen=True)
class Answer:
    v_ss: float
    courses: dict[str, np.ndarray]  # V (SI) at each course's times, by scenario name

    @property
    def course(self) -> np.ndarray:
        return next(iter(self.courses.values()))


@dataclass(frozen=True)
class Row:
    """One simulator's result; ``status`` "ran", "unsuitable" (not run, ``reason`` says why), "missing" (not
    installed, ``reason`` says what to install) or "failed"."""

    simulator: str
    version: str
    v_ss_mv: float | None
    v_ss_deviation_mv: float | None
    course_deviation_mv: float | None  # the largest at any output time of the courses without a spike (None: none)
    seconds: float
    status: str = "ran"
    reason: str = ""
    course_tolerance_mv: float = COURSE_TOLERANCE_MV
    peak_time_deviation_ms: float | None = None  # the largest over the courses that fire (None: none fires)
    peak_v_deviation_mv: float | None = None

    @property
    def agrees(self) -> bool:
        def within(value, tolerance):
            return value is None or value <= tolerance

        return (self.status == "ran" and self.v_ss_deviation_mv <= V_SS_TOLERANCE_MV
                and within(self.course_deviation_mv, self.course_tolerance_mv)
                and within(self.peak_time_deviation_ms, PEAK_TIME_TOLERANCE_MS)
                and within(self.peak_v_deviation_mv, PEAK_V_TOLERANCE_MV))


@dataclass(frozen=True)
class Simulator:
    name: str
    format: str  # the exporter whose files the runner reads
    version: Callable[[], str | None]
    run: Callable[[Model, Path, Job], Answer] = field(repr=False)
    unsuitable: Callable[[Model, Job], str | None] | None = field(default=None, repr=False)
    course_tolerance: Callable[[Model, Job], float] | None = field(default=None, repr=False)  # mV
    install: str | Callable[[], str] = ""  # how a user gets it: said in its "not installed" row (a callable: what
    # is missing of it here)

    def missing(self) -> str:
        return self.install() if callable(self.install) else self.install

    def tolerance(self, model: Model, job: Job) -> float:
        """The largest course deviation (mV) this simulator may show: its error bound, else COURSE_TOLERANCE_MV."""
        return COURSE_TOLERANCE_MV if self.course_tolerance is None else self.course_tolerance(model, job)


SIMULATORS: dict[str, Simulator] = {}


def simulator(name: str, format: str, version: Callable[[], str | None],
              unsuitable: Callable[[Model, Job], str | None] | None = None,
              course_tolerance: Callable[[Model, Job], float] | None = None, install: str | Callable[[], str] = ""):
    """Register ``run(model, directory, job) -> Answer`` for simulator ``name`` reading format ``format``.

    ``unsuitable(model, job)``, if given, returns why the simulator cannot do ``job`` (else None);
    ``course_tolerance(model, job)`` a fixed-step method's error bound (mV) for the courses; ``install``
    what to install when ``version()`` finds none (its row says so).
    """

    def register(run):
        SIMULATORS[name] = Simulator(name, format, version, run, unsuitable, course_tolerance, install)
        return run

    return register


def make_job(model: Model, times: np.ndarray | None = None, *, stiff: bool | None = None) -> Job:
    """The checks for ``model`` with vrest's own answers filled in (see the module docstring): a course for
    every scenario (or, for a model without one, a course with nothing happening).

    ``stiff``: None decides by the model (ion amounts or a volume); ``times`` replaces every course's.
    """
    from vrest.derive.derivations.resting import is_gated

    if is_gated(model):
        return _excitable_job(model, times)
    stiff = len(model.states) > 1 and stiff is not False  # a V-only model is never stiff
    ss_start, ss_end, v_ss = _steady_check(model, stiff)
    courses = []
    for scenario in model.scenarios or (Scenario("none", ()),):
        at = scenario_times(model, scenario, linear=stiff) if times is None else np.asarray(times, dtype=float)
        states, started, fastest = reference_run(model, scenario, at)
        courses.append(Course(scenario, at, states[0], started, fastest))
    return Job(tuple(courses), ss_start, ss_end, v_ss, stiff)


def _excitable_job(model: Model, times: np.ndarray | None = None) -> Job:
    """A model with gated channels: the resting state held for EXCITABLE_END, and each scenario's course run from it.

    Each course is first run over EXCITABLE_END after its start and after each of its steps. One that fires an
    action potential there (``action_potential``) is judged by its spike: sampled every EXCITABLE_OUTPUT over those
    spans, and every EXCITABLE_FINE within EXCITABLE_WINDOW of vrest's own peak (a simulator whose peak lies outside
    that window misses it by more than the tolerance anyway). One that does not is judged sample by sample like a leak model's,
    over a span that lets the slowest relaxation its steps start settle (``_settling_end``). A time on a step's
    time is left out."""
    from vrest.derive.steady_state import steady_state

    state = steady_state(model)
    courses = []
    for scenario in model.scenarios or (Scenario("none", ()),):
        steps = [float(step.at) for step in scenario.steps]
        starts = sorted({0.0, *steps})
        dense = _after(starts, np.linspace(0, EXCITABLE_END, 4001)[1:])
        states, started, _ = reference_run(model, scenario, dense)
        peak_at = action_potential(dense, states[0], state[V], starts)
        at = times
        if at is None and peak_at is not None:
            peak, _ = peak_near(dense, states[0], peak_at)
            fine = peak + np.arange(-EXCITABLE_WINDOW, EXCITABLE_WINDOW, EXCITABLE_FINE)
            at = np.concatenate([_after(starts, _every(EXCITABLE_OUTPUT, EXCITABLE_END)),
                                 fine[(fine > 0) & (fine <= dense[-1])]])
        elif at is None:  # V's own relaxation every EXCITABLE_OUTPUT, then the slow ones to their end
            end = _settling_end(started)
            at = _after(starts, np.concatenate([_every(EXCITABLE_OUTPUT, EXCITABLE_END),
                                                np.linspace(EXCITABLE_END, end, SETTLING_OUTPUTS + 1)[1:]]))
        at = np.unique(np.round(np.asarray(at, dtype=float), 12))
        at = at[~np.isclose(at[:, None], steps or [-1.0], rtol=0, atol=1e-12).any(axis=1)]
        states, started, fastest = reference_run(model, scenario, at)
        courses.append(Course(scenario, at, states[0], started, fastest, peak_at))
    return Job(tuple(courses), dict(state), EXCITABLE_END, state[V], excitable=True)


def _every(step: float, end: float) -> np.ndarray:
    """step, 2 step, ... up to ``end`` (s)."""
    return np.arange(1, round(end / step) + 1) * step


def _after(starts: list[float], offsets: np.ndarray) -> np.ndarray:
    """The times ``offsets`` after each of ``starts``, sorted, each once."""
    return np.unique(np.concatenate([start + offsets for start in starts]))


def _settling_end(time_constants: tuple[float, ...]) -> float:
    """How long (s) a course without a spike runs after each step: SETTLING_TAUS of the slowest relaxation its
    steps start (a slow gate's 200 ms: 1 s), at least EXCITABLE_END, at most STIFF_COURSE_END (a rundown of the
    ion amounts over hours is the stiff job's, not this one's)."""
    slowest = max(time_constants, default=0.0)
    return float(min(max(EXCITABLE_END, SETTLING_TAUS * slowest), STIFF_COURSE_END))


def action_potential(times: np.ndarray, v: np.ndarray, v_rest: float, starts=(0.0,)) -> float | None:
    """The time (s) of the highest action potential of V (SI) at ``times``, None without one. It is looked for in
    each span from a start (0 or a step's time, ``starts``) to the next or EXCITABLE_END after it: V's largest value
    there lies inside the span (not at its first or last sample: a step's jump, or a rise still going on),
    SPIKE_MV above ``v_rest``, and V falls from it by half as much before the span ends. A depolarisation to a new
    level does not fall back, and the fall a later step (a washout) starts is another span's."""
    starts = sorted(starts)
    best = None
    for start, following in zip(starts, [*starts[1:], np.inf]):
        span = np.flatnonzero((times > start) & (times < following) & (times <= start + EXCITABLE_END * (1 + 1e-9)))
        if span.size < 3:
            continue
        k = span[int(np.argmax(v[span]))]
        if k in (span[0], span[-1]) or v[k] - v_rest <= SPIKE_MV * 1e-3:
            continue
        if np.min(v[span[span > k]]) < v[k] - SPIKE_MV * 1e-3 / 2 and (best is None or v[k] > v[best]):
            best = k
    return None if best is None else float(times[best])


def spike_peak(times: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    """(time, V) of the largest V, refined by the parabola through it and its two neighbours."""
    k = int(np.argmax(v))
    if 0 < k < len(v) - 1:
        t = np.asarray(times[k - 1:k + 2], dtype=float) - float(times[k])
        a, b, c = np.polyfit(t, np.asarray(v[k - 1:k + 2], dtype=float), 2)
        if a < 0:
            vertex = -b / (2 * a)
            return float(times[k] + vertex), float(c - b * b / (4 * a))
    return float(times[k]), float(v[k])


def peak_near(times: np.ndarray, v: np.ndarray, at: float) -> tuple[float, float]:
    """spike_peak of the samples within EXCITABLE_WINDOW of ``at`` (s): a peak elsewhere in the course is not this
    spike's (a peak outside the window is found at its edge, farther than the tolerance)."""
    near = np.abs(np.asarray(times, dtype=float) - at) <= EXCITABLE_WINDOW
    return spike_peak(np.asarray(times)[near], np.asarray(v)[near])


def spike_deviations(job: Job, answer: Answer) -> tuple[float | None, float | None]:
    """(largest peak-time deviation in ms, largest peak-V deviation in mV) over the courses that fire (None, None
    without one): each simulator's peak within EXCITABLE_WINDOW of vrest's."""
    time_dev = v_dev = None
    for course in (c for c in job.courses if c.fires):
        t_ref, v_ref = peak_near(course.times, course.reference, course.peak_at)
        t_sim, v_sim = peak_near(course.times, answer.courses[course.scenario.name], course.peak_at)
        time_dev = max(time_dev or 0.0, abs(t_sim - t_ref) * 1e3)
        v_dev = max(v_dev or 0.0, abs(v_sim - v_ref) * 1e3)
    return time_dev, v_dev


def course_deviation(job: Job, answer: Answer) -> float | None:
    """The largest |dV| (mV) at any output time of the courses without a spike (None: every course fires)."""
    return max((float(np.max(np.abs(answer.courses[c.scenario.name] - c.reference))) * 1e3
                for c in job.courses if not c.fires), default=None)


def _steady_check(model: Model, stiff: bool) -> tuple[dict[sp.Symbol, float], float, float]:
    """(start state, duration (s), V there (SI)) of the run that must reach or hold V_ss, no scenario selected.

    V there is the steady state's (zero net charge), the state ``vrest simulate`` starts from."""
    from vrest.derive.steady_state import steady_state

    state = steady_state(model)
    tau_m = float(course_times(model)[0])
    if stiff:  # hold the pumped steady state
        return dict(state), HOLD_TAUS * tau_m, state[V]
    ss_end = 60.0 * tau_m if len(model.states) == 1 else 1e6
    return neutral_start(model), ss_end, state[V]


def fastest_time_constant(model: Model, job: Job) -> float:
    """The shortest time constant (s) of the job, what a fixed step must keep stable: among the relaxations'
    (relaxation_time_constants) and any met along the reference courses."""
    return min(relaxation_time_constants(model, job) + tuple(c.fastest for c in job.courses))


def relaxation_time_constants(model: Model, job: Job) -> tuple[float, ...]:
    """The time constants (s) of the relaxations the job's steps start: tau_m at rest and after each step's
    jump (a bath or temperature step changes the GHK leaks' slope conductance), and every mode of the
    linearised model just after each step."""
    chosen = tuple(c.scenario.name for c in job.courses if job.selector(model, c))
    return _jump_time_constants(model, chosen) + job.time_constants


@lru_cache(maxsize=16)
def _jump_time_constants(model: Model, scenarios: tuple[str, ...]) -> tuple[float, ...]:
    """tau_m at rest and after each step's jump of the named scenarios (derived once per model: ~1 s each)."""
    from vrest.derive.derivation import NotApplicable
    from vrest.derive.derivations.scenario import scenario_report
    from vrest.derive.quantities import Derivations

    from vrest.derive.derivations.resting import is_gated

    taus = [Derivations(model).get("tau_m").value]
    if is_gated(model):  # no jumps: the courses' own time constants (reference_run) are the relaxations
        return tuple(taus)
    for name in scenarios:
        for step in scenario_report(model, name).steps:
            if "tau_m" in step.quantities:
                taus.append(step.quantities["tau_m"].value)
            elif "tau_m" in step.not_applicable:
                raise NotApplicable(f"no time constant after step {step.number} of {name}")
    return tuple(taus)


def fixed_step_bound(job: Job, step: float, local_error: Callable[[float], float],
                     time_constants: Sequence[float] | None = None) -> float:
    """Twice a fixed-step method's error (mV) on the job's courses, from its error ``local_error(z)`` in one step
    of z = step/tau on a relaxation exp(-t/tau) (forward Euler z^2/2, rk4 z^5/120).

    Over a relaxation of amplitude A the local errors add up to A (t/step) local_error(z) e^(-t/tau) at time
    t after the step that started it: for Euler A (z/2) (t/tau) e^(-t/tau), at most A z/(2 e) at t = tau. The
    outputs come no sooner than t_1 = job.first_output_after_a_step, so the largest is at max(t_1, tau); the
    bound takes the job's largest amplitude A and the worst of the relaxations' ``time_constants`` (default
    job.time_constants; relaxation_time_constants adds the jumps'). Long after a step (the stiff job's outputs)
    the fast relaxations are gone and only the slow ones count. Twice: a step's time falls between grid points
    up to half a step away, which moves a relaxation by as much again.
    """
    first = job.first_output_after_a_step
    if not np.isfinite(first):
        return 0.0
    worst = 0.0
    for tau in job.time_constants if time_constants is None else time_constants:
        z = step / tau
        x = max(first / tau, 1.0)
        worst = max(worst, local_error(z) / z * x * np.exp(-x))
    return 2 * job.amplitude * 1e3 * worst


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


def crosscheck(model: Model, directory: Path, names: list[str] | None = None,
               starting: Callable[[str, int, int], None] | None = None, job: Job | None = None) -> list[Row]:
    """Export ``model`` into ``directory`` and run every installed (or every named) simulator on ``job`` (default:
    ``make_job(model)``); ``starting(name, k, count)`` is called before the k-th of them (from 1), for a progress
    line."""
    directory = Path(directory).resolve()  # runners work in their own directories: no path may be relative
    job = make_job(model) if job is None else job
    rows = []
    chosen = [(name, sim) for name, sim in SIMULATORS.items() if names is None or name in names]
    for number, (name, sim) in enumerate(chosen, start=1):
        if starting is not None:
            starting(name, number, len(chosen))
        version = sim.version()
        if version is None:  # said, not skipped: "agrees" must not read as "every simulator agrees"
            rows.append(Row(name, "-", None, None, None, 0.0, "missing", f"not installed: {sim.missing()}"))
            continue
        reason = sim.unsuitable(model, job) if sim.unsuitable is not None else None
        if reason:
            rows.append(Row(name, version, None, None, None, 0.0, "unsuitable", reason))
            continue
        began = time.perf_counter()
        try:
            for file, text in render_files(model, sim.format).items():
                write_atomic(directory / file, text, key="crosscheck", folders=True)
            answer = sim.run(model, directory, job)
        except Exception as error:  # noqa: BLE001 - any runner failure becomes a row; the others still run
            rows.append(Row(name, version, None, None, None, time.perf_counter() - began, "failed",
                            failure_reason(error)))
            continue
        seconds = time.perf_counter() - began
        v_ss_mv, v_ss_deviation = answer.v_ss * 1e3, abs(answer.v_ss - job.reference_v_ss) * 1e3
        time_dev, peak_dev = spike_deviations(job, answer)
        rows.append(Row(name, version, v_ss_mv, v_ss_deviation, course_deviation(job, answer), seconds,
                        course_tolerance_mv=sim.tolerance(model, job), peak_time_deviation_ms=time_dev,
                        peak_v_deviation_mv=peak_dev))
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


@simulator("libRoadRunner", "sbml", _roadrunner_version, install="pip install libroadrunner")
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


@simulator("libcellml (generated Python + SciPy)", "cellml", _libcellml_version, install="pip install libcellml")
def run_cellml(model: Model, directory: Path, job: Job) -> Answer:
    code_path = directory / f"{model.name}_cellml.py"
    write_atomic(code_path, cellml_python(_only(directory, ".cellml").read_text(encoding="utf-8")), key="crosscheck",
                 folders=True)
    return cellml_answer(model, code_path, job)

