"""Cross-check runners for the NeuroML/LEMS export: jnml (jLEMS) and PyLEMS.

Both read ``LEMS_<model>.xml`` (which includes ``<model>.nml``) and integrate with
fixed-step forward Euler, so each check gets its own copy of the simulation file
with only the Component's start values, the step and the length changed:

- V_ss: from the job's start (V = 0 exactly) with no scenario (selector 0),
  dt = tau_m/20, for the job's 60 tau_m. Euler's fixed points are the ODE's
  (V + dt f(V) = V iff f(V) = 0) and the iteration contracts by about
  1 - dt/tau_m = 0.95 a step, so 1200 steps leave no error but rounding.
- courses: each scenario selected in turn, from the file's start (the pumped
  steady state), dt = tau_m/4000 as in the exported file. Euler's error on a
  relaxation of amplitude A with time constant tau is A (dt/tau) (t/tau) e^(-t/tau)/2,
  at most A dt/(2 e tau) (2.3e-4 mV for a 5 mV relaxation): the course tolerance
  is twice that for the largest amplitude of the job and the worst time constant of
  the relaxations its steps start, at the outputs' times (euler_tolerance,
  check.fixed_step_bound). Both
  engines test an OnCondition at grid points only, and t there is a sum of steps, a
  rounding away from a step's time: each step's time is moved half a step earlier, so
  the test first holds at the grid point of the nominal time. jnml acts on an
  OnCondition that holds at t = 0 one step later than PyLEMS (measured: the neuron's
  ouabain file differs by one row, then by 7e-9 V once shifted); started at a steady
  state, the run is the exact course delayed by that step, every later step included,
  so jnml's output is read one step later. A later step acts in both at the same grid
  point (measured to 7e-9 V row for row), so from a scenario's first step after 0 s on
  PyLEMS's output is read one step later too. (Read a step early, the course right after
  the step is off by a step's worth of its relaxation, A (dt/tau) e^(-t/tau): 1.1e-2 mV
  0.2 ms after a gated cell's bath step, more than Euler's own error.)

A model with ion amounts or a volume (pumpleak) is stiff: tau_m is milliseconds,
the rundown hours. Its cross-check job (``job.stiff``) holds the pumped steady state
for 20 tau_m (dt = tau_m/20 as above) and samples each course at times long after each
step, so the courses run at the largest step Euler takes stably, tau_m/STIFF_STEPS_PER_TAU:
forward Euler is stable below twice the fastest time constant, which for pumpleak is
0.67 ms in high K (1.3 ms > tau_m/2 = 0.97 ms) and falls to 0.55 ms as the cell depolarises
over hours of ouabain. At the outputs, 30 s and more after a step, the fast relaxations are
gone and Euler's bound is that of the slow ones (seconds to minutes): 6e-4 mV for pumpleak,
whose courses move V by up to 37 mV; measured within 1.4e-4 mV. A job that would be unstable
or take more than MAX_STEPS steps is declined (``unsuitable``, shown as a "not run" row of
``vrest crosscheck``) instead of running for hours or diverging.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np

from vrest.derive.model import Model

from .check import Answer, Job, fastest_time_constant, fixed_step_bound, relaxation_time_constants, simulator
from ..exporters._protocol import SELECTOR as _SELECTOR
from ..exporters.neuroml import STEPS_PER_TAU, context, lems_quantity

SELECTOR = _SELECTOR.name  # the Component attribute that chooses the scenario

__all__ = ["jnml_jar", "run_jnml", "run_jnml_sampled", "jnml_course_sampled", "run_pylems", "lems_answer",
           "lems_unsuitable", "euler_tolerance", "variant", "MAX_STEPS", "SS_STEPS_PER_TAU", "STIFF_STEPS_PER_TAU"]

MAX_STEPS = 1_000_000
SS_STEPS_PER_TAU = 20
STIFF_STEPS_PER_TAU = 2


@lru_cache(maxsize=None)
def jnml_jar() -> Path:
    """The jNeuroML jar that pyNeuroML ships (found without importing pyneuroml, which prints to stdout)."""
    import importlib.util

    spec = importlib.util.find_spec("pyneuroml")
    if spec is None or spec.origin is None:
        raise ImportError("pyneuroml is not installed")
    jars = sorted((Path(spec.origin).parent / "lib").glob("jNeuroML-*-jar-with-dependencies.jar"))
    if not jars:
        raise ImportError("pyneuroml ships no jNeuroML jar")
    return jars[-1].resolve()


def run_jnml(args: list[str], cwd: Path) -> str:
    """Run jnml (java -jar) with ``args`` in ``cwd``; its output, RuntimeError on failure or an (ERROR) line."""
    done = subprocess.run(["java", "-Djava.awt.headless=true", "-Xmx1G", "-jar", str(jnml_jar()), *args],
                          cwd=cwd, capture_output=True, text=True, check=False)
    output = done.stdout + done.stderr
    if done.returncode != 0 or "(ERROR)" in output or "Exception" in output:
        raise RuntimeError(f"jnml {' '.join(args)} failed:\n{output}")
    return output


def run_jnml_sampled(lems_file: Path, output: str, rows: set[int]) -> dict[int, np.ndarray]:
    """Run jnml on ``lems_file`` keeping only the output ``rows`` (0-based) of its file ``output``.

    LEMS records every step and cannot thin its output (a 3 h run at ms steps is hundreds of MB),
    so the output file is a named pipe read as jnml writes it; nothing reaches the disk. jnml
    reopens the file for every chunk of rows. If the reading end were closed at the end of a
    chunk, jnml's next open could find it still open, write a small chunk into the pipe and
    close, and the kernel would discard that chunk when the reader then closed (no reader and
    no writer left): rows went missing. So the pipe is read through one descriptor for the whole
    run, and a writer descriptor of our own keeps it from reaching end-of-file between chunks;
    closing that after jnml has exited lets the reader drain the pipe and stop.
    """
    import os
    import threading

    fifo = lems_file.parent / output
    fifo.unlink(missing_ok=True)
    os.mkfifo(fifo)
    kept: dict[int, np.ndarray] = {}
    reading = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO's reading end opens at once without a writer
    holding = os.open(fifo, os.O_WRONLY)  # succeeds: there is a reader
    os.set_blocking(reading, True)

    def read() -> None:
        with open(reading, encoding="ascii") as pipe:
            for index, line in enumerate(pipe):
                if index in rows:
                    kept[index] = np.array(line.split(), dtype=float)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        run_jnml([lems_file.name, "-nogui"], lems_file.parent)
    finally:
        os.close(holding)  # jnml has exited: the reader sees end-of-file once the pipe is drained
        reader.join()
        fifo.unlink()
    missing = rows - set(kept)
    if missing:
        raise RuntimeError(f"jnml wrote no row {min(missing)} of {output} (rows kept: {len(kept)} of {len(rows)})")
    return kept


def core_types(directory: Path) -> Path:
    """The NeuroML2 core LEMS files (Cells.xml, ...) from the jnml jar, extracted into ``directory``."""
    target = directory / "NeuroML2CoreTypes"
    with zipfile.ZipFile(jnml_jar()) as jar:
        for name in jar.namelist():
            if name.startswith("NeuroML2CoreTypes/") and name.endswith(".xml"):
                jar.extract(name, directory)
    return target


def run_pylems(lems_file: Path) -> str:
    """Run PyLEMS on ``lems_file`` in its directory (core types on the include path)."""
    cwd = lems_file.parent
    code = "import sys; from lems.run import main; sys.argv = sys.argv[1:]; main()"
    done = subprocess.run([sys.executable, "-c", code, "pylems", "-I", str(core_types(cwd)), "-nogui",
                           lems_file.name], cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"pylems {lems_file.name} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout + done.stderr


def variant(lems_text: str, component: str, values: dict[str, str], step: float, length: float,
            output: str) -> str:
    """The simulation file with the Component's ``values``, the step, the length and the output file changed."""
    root = ET.fromstring(lems_text)
    (cell,) = [c for c in root.iter("Component") if c.get("id") == component]
    for name, value in values.items():
        if name not in cell.attrib:
            raise KeyError(f"{component} has no attribute {name}")
        cell.set(name, value)
    (simulation,) = root.iter("Simulation")
    simulation.set("step", f"{step!r}s")
    simulation.set("length", f"{length!r}s")
    (out,) = simulation.iter("OutputFile")
    out.set("fileName", output)
    return ET.tostring(root, encoding="unicode")


def _read(path: Path, v_ref: float) -> np.ndarray:
    """V (SI) per output row: v_ref + v_dev (jnml writes single-precision floats)."""
    data = np.loadtxt(path, ndmin=2)
    return v_ref + data[:, 2]


def _steps(model: Model, job: Job) -> tuple[float, float, float]:
    """(tau_m, dt of the steady-state run, dt of the course) in s."""
    tau_m = float(context(model)["tau_m"])
    return tau_m, tau_m / SS_STEPS_PER_TAU, tau_m / (STIFF_STEPS_PER_TAU if job.stiff else STEPS_PER_TAU)


def lems_unsuitable(model: Model, job: Job) -> str | None:
    """Why fixed-step Euler cannot do ``job`` stably in reasonable time (None when it can)."""
    tau_m, ss_step, course_step = _steps(model, job)
    steps = max(job.ss_end / ss_step, job.t_end / course_step)
    if steps <= MAX_STEPS:
        fastest = fastest_time_constant(model, job)
        if course_step < 2 * fastest:
            return None
        return (f"forward Euler at dt = {course_step:.3g} s is unstable for the job's fastest time constant "
                f"{fastest:.3g} s (it needs dt < 2 tau)")
    per_tau = round(tau_m / course_step)
    return (f"fixed-step Euler at its course step dt = tau_m/{per_tau} = {course_step:.3g} s (tau_m = {tau_m:.3g} s) "
            f"would take {steps:.1e} steps for this job (steady state over {job.ss_end:.3g} s, courses to "
            f"{job.t_end:.3g} s; limit {MAX_STEPS:.0e})")


def euler_tolerance(model: Model, job: Job) -> float:
    """Twice Euler's error bound (mV), A dt/(2 e tau) at most, for the job's largest amplitude A and the worst time
    constant tau of the relaxations its steps start, at the outputs' times (module docstring;
    check.fixed_step_bound)."""
    _, _, course_step = _steps(model, job)
    return fixed_step_bound(job, course_step, lambda z: z * z / 2, relaxation_time_constants(model, job))


def lems_answer(model: Model, directory: Path, job: Job, engine: Callable[[Path], object], lag_steps: int,
                later_lag_steps: int) -> Answer:
    """Both checks of ``job`` through ``engine(lems_file)``: its output rows are read ``lag_steps`` late, and from a
    scenario's first step after 0 s on, ``later_lag_steps`` late (module docstring)."""
    reason = lems_unsuitable(model, job)
    if reason:
        raise RuntimeError(reason)
    ctx = context(model)
    _, ss_step, course_step = _steps(model, job)
    text = (directory / ctx["lems_file"]).read_text(encoding="utf-8")
    component = ctx["component"]

    starts = {s["start"]: lems_quantity(job.ss_start[s["symbol"]], s["unit"]) for s in ctx["states"]}
    v_ref = job.reference_v_ss
    ss_file = directory / f"LEMS_{ctx['id']}_ss.xml"
    ss_file.write_text(variant(text, component, {**starts, SELECTOR: "0", "v_ref": lems_quantity(v_ref, "V")},
                               ss_step, job.ss_end, f"{ctx['id']}_ss.dat"), encoding="utf-8")
    engine(ss_file)
    v_ss = float(_read(directory / f"{ctx['id']}_ss.dat", v_ref)[-1])

    courses = {}
    for k, course in enumerate(job.courses):
        n_steps = int(np.ceil(float(course.times[-1]) / course_step)) + max(lag_steps, later_lag_steps) + 1
        course_file = directory / f"LEMS_{ctx['id']}_course{k}.xml"
        course_file.write_text(variant(text, component, {SELECTOR: str(job.selector(model, course)),
                                                         **_step_times(ctx, course_step)},
                                       course_step, n_steps * course_step, f"{ctx['id']}_course{k}.dat"),
                               encoding="utf-8")
        engine(course_file)
        v = _read(directory / f"{ctx['id']}_course{k}.dat", float(ctx["v_ref_value"]))
        later = min((float(step.at) for step in course.scenario.steps if step.at > 0), default=np.inf)
        rows = np.arange(len(v))
        courses[course.scenario.name] = np.where(
            course.times < later, np.interp(course.times, (rows - lag_steps) * course_step, v),
            np.interp(course.times, (rows - later_lag_steps) * course_step, v))
    return Answer(v_ss, courses)


def _step_times(ctx: dict, step: float) -> dict[str, str]:
    """Each scenario step's time moved half a ``step`` earlier (module docstring): {parameter id: LEMS value}."""
    return {e["at_id"]: lems_quantity(e["at"] - step / 2, "s") for e in ctx["events"]}


def jnml_course_sampled(model: Model, directory: Path, times: np.ndarray, step: float) -> np.ndarray:
    """V (SI) at ``times`` from the exported file's start (its scenario on) by jnml at ``step``.

    For stiff models over hours: only the two rows around each time are kept (run_jnml_sampled),
    V interpolated linearly between them; jnml's one-step event lag is taken off as in lems_answer.
    """
    ctx = context(model)
    lag = 1
    times = np.asarray(times, dtype=float)
    rows = np.floor(times / step).astype(int) + lag
    lems = directory / f"LEMS_{ctx['id']}_sampled.xml"
    output = f"{ctx['id']}_sampled.dat"
    text = (directory / ctx["lems_file"]).read_text(encoding="utf-8")
    lems.write_text(variant(text, ctx["component"], _step_times(ctx, step), step, (int(rows[-1]) + 2) * step, output),
                    encoding="utf-8")
    kept = run_jnml_sampled(lems, output, {int(i) for i in rows} | {int(i) + 1 for i in rows})
    v_ref = float(ctx["v_ref_value"])
    v = []
    for t, i in zip(times, rows):
        t0, v0, v1 = (i - lag) * step, v_ref + kept[i][2], v_ref + kept[i + 1][2]
        v.append(v0 + (v1 - v0) * (t - t0) / step)
    return np.array(v)


def _jnml_version() -> str | None:
    try:
        jar = jnml_jar()
        done = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
    except (ImportError, OSError):
        return None
    if done.returncode != 0 or not jar.exists():
        return None
    return jar.stem.split("-")[1]


def _jnml_install() -> str:
    """What is missing of jnml here: pyNeuroML (its jar), or only the Java runtime that runs it."""
    try:
        jnml_jar()
    except ImportError:
        return "pip install pyneuroml, and a Java runtime (java on the PATH)"
    return "pyneuroml is installed, but no java runs here: install a Java runtime (17 or later) with java on the PATH"


def _pylems_version() -> str | None:
    try:
        import lems

        jnml_jar()  # the NeuroML2 core types come from pyNeuroML's jar
    except ImportError:
        return None
    return lems.__version__


@simulator("jnml (NeuroML/LEMS, Euler)", "neuroml", _jnml_version, lems_unsuitable, euler_tolerance,
           install=_jnml_install)
def run_jnml_check(model: Model, directory: Path, job: Job) -> Answer:
    return lems_answer(model, directory, job, lambda path: run_jnml([path.name, "-nogui"], path.parent), 1, 1)


@simulator("PyLEMS (NeuroML/LEMS, Euler)", "neuroml", _pylems_version, lems_unsuitable, euler_tolerance,
           install="pip install pylems pyneuroml")
def run_pylems_check(model: Model, directory: Path, job: Job) -> Answer:
    return lems_answer(model, directory, job, run_pylems, 0, 1)
