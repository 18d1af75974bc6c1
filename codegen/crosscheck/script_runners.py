"""Cross-check runners for the script exports: NEURON (nmodl) and Brian2 (brian2).

Each export ships a run script with one entry point, ``python SCRIPT REQUEST.json``
(REQUEST: times in s, scenario id or null, start in the script's units or null;
answer: {"V": [mV, ...]} on stdout). The runners call it in a fresh process, so the
script users run is the script that is checked, and each simulator's global state
(NEURON's loaded mechanisms, Brian2's device) starts clean.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import sympy as sp

from vrest.derive.constants import V
from vrest.derive.model import Model

from .check import (COURSE_TOLERANCE_MV, Answer, Job, fastest_time_constant, fixed_step_bound,
                    relaxation_time_constants, simulator)
from ..exporters.coherent_units import to_coherent
from ..exporters.ids import valid_id

__all__ = ["nrnivmodl", "run_script", "script_start", "script_answer", "brian2_unsuitable", "BRIAN2_STEP_LIMIT"]


def _tool(name: str) -> str:
    """A console script of the running Python's environment (nrnivmodl, modlunit, ...), else PATH's."""
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else name


def nrnivmodl(directory: Path) -> str:
    """Compile the .mod files in ``directory``; return the compiler's output (RuntimeError on failure)."""
    done = subprocess.run([_tool("nrnivmodl")], cwd=directory, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"nrnivmodl failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout + done.stderr


def run_script(script: Path, times, scenario: str | None = None, start: dict[str, float] | None = None
               ) -> np.ndarray:
    """V (SI volts) at ``times`` from the export's run script, run in its own directory."""
    request = script.with_suffix(".request.json")
    request.write_text(json.dumps({"times": [float(t) for t in times], "scenario": scenario, "start": start}),
                       encoding="utf-8")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    done = subprocess.run([sys.executable, script.name, request.name], cwd=script.parent, capture_output=True,
                          text=True, check=False, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{script.name} failed:\n{done.stdout}\n{done.stderr}")
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    return np.array(answer["V"], dtype=float) * 1e-3


def script_start(model: Model, state: dict[sp.Symbol, float], ids: dict[sp.Symbol, str]) -> dict[str, float]:
    """A state given in SI as the run scripts take it: V in mV, the others in the coherent units."""
    out = {}
    for s in model.states:
        if s.symbol in state:
            out["V" if s.symbol == V else ids[s.symbol]] = (
                state[s.symbol] * 1e3 if s.symbol == V else to_coherent(Fraction(state[s.symbol]), s.unit))
    return out


def script_answer(model: Model, script: Path, job: Job, ids: dict[sp.Symbol, str]) -> Answer:
    """Both checks of ``job`` through the run script ``script``: the steady state, then every scenario's course."""
    v_ss = run_script(script, [job.ss_end], None, script_start(model, job.ss_start, ids))[-1]
    courses = {}
    for course in job.courses:
        scenario = valid_id(course.scenario.name) if job.selector(model, course) else None
        courses[course.scenario.name] = run_script(script, course.times, scenario)
    return Answer(float(v_ss), courses)


def _neuron_version() -> str | None:
    # From the package metadata: importing neuron here would print its no-DISPLAY banner.
    try:
        return importlib.metadata.version("neuron")
    except importlib.metadata.PackageNotFoundError:
        return None


@simulator("NEURON (nmodl, CVODE)", "nmodl", _neuron_version, install="pip install neuron")
def run_neuron(model: Model, directory: Path, job: Job) -> Answer:
    from ..exporters.nmodl import context

    nrnivmodl(directory)
    ctx = context(model)
    return script_answer(model, directory / f"{valid_id(model.name)}_neuron.py", job, ctx["state_ids"])


def _brian2_version() -> str | None:
    """From the package metadata: importing brian2 here would only slow down and warn (pyparsing)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("Brian2")
    except PackageNotFoundError:
        return None


# Most rk4 steps a Brian2 cross-check may take: ~1.5e7 Cython steps (~4 us each) or ~1e6 numpy steps (~50 us)
# are about a minute. pumpleak's 3 h ouabain course at tau_m/2 is 1.1e7 steps (46 s).
BRIAN2_STEP_LIMIT = {"cython": 15_000_000, "numpy": 1_000_000}
RK4_STABLE = 2.78  # rk4 is stable on a relaxation exp(-t/tau) for dt < 2.785 tau


def brian2_unsuitable(model: Model, job: Job) -> str | None:
    """Why the fixed-step Brian2 script cannot do ``job`` stably in reasonable time, or None."""
    from ..exporters.brian2 import max_step, steps_needed, steps_per_tau, target

    seconds = job.ss_end + sum(float(c.times[-1]) for c in job.courses)
    steps = steps_needed(model, seconds)
    limit = BRIAN2_STEP_LIMIT[target(model)]
    if steps <= limit:
        fastest = fastest_time_constant(model, job)
        if max_step(model) < RK4_STABLE * fastest:
            return None
        return (f"rk4 at dt = {max_step(model):.3g} s is unstable for the job's fastest time constant {fastest:.3g} s "
                f"(it needs dt < {RK4_STABLE} tau)")
    return (f"stiff for a fixed-step method: {seconds:.3g} s of model time (steady-state run {job.ss_end:.3g} s, "
            f"courses to {job.t_end:.3g} s) at rk4 steps of tau_m/{steps_per_tau(model)} on the "
            f"{target(model)} target is {steps:.1e} steps (limit {limit:.1e}); run the script over shorter spans")


def brian2_tolerance(model: Model, job: Job) -> float:
    """Twice rk4's error bound (mV) on a relaxation of the job's largest amplitude A: rk4 misses e^z by z^5/120 a
    step (z = dt/tau), which adds up to at most A z^4/(120 e), for the worst time constant of the relaxations the
    job's steps start, at the outputs' times (check.fixed_step_bound); at least COURSE_TOLERANCE_MV."""
    from ..exporters.brian2 import max_step

    return max(COURSE_TOLERANCE_MV, fixed_step_bound(job, max_step(model), lambda z: z ** 5 / 120,
                                                     relaxation_time_constants(model, job)))


@simulator("Brian2 (rk4; Cython for stiff models)", "brian2", _brian2_version, unsuitable=brian2_unsuitable,
           course_tolerance=brian2_tolerance, install="pip install brian2 cython")
def run_brian2(model: Model, directory: Path, job: Job) -> Answer:
    from ..exporters.brian2 import context, script_name

    return script_answer(model, directory / script_name(model), job, context(model)["state_ids"])
