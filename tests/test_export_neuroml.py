"""NeuroML2/LEMS export checked by the NeuroML tools: libNeuroML's schema validation,
``jnml -validate``, ``jnml LEMS.xml -norun`` (dimensions), and runs in jnml and PyLEMS.

For neuron, squid and a user model with GHK leaks (V_ss run from V = 0 exactly, so
GHK is evaluated at its removable singularity), each engine must reproduce vrest's
V_ss within 1e-6 mV and every scenario's course (codegen.reference: Radau on
Model.rhs()) within Euler's error bound (lems_runners.euler_tolerance: twice
A dt/(2 e tau) at most, for the largest amplitude A and the worst time constant tau).
pumpleak is stiff (tau_m ~ 2 ms, courses of hours): the crosscheck runners decline its
long job and run its stiff one (the pumped state held, 5 min after each step of every
scenario: tests/test_crosscheck_generate.py). Here, both engines hold its full
pumped steady state for 20 tau_m within 1e-6 mV (Euler keeps fixed points, so an
equation or unit error would drift), PyLEMS (~110 us/step) runs a short window
(10 tau_m), and jnml runs the ouabain course at dt = tau_m/2 (below Euler's
stability limit 2 x 0.55 ms, the stiffest time constant of the rundown), output
read through a pipe (run_jnml_sampled) at 10 times from 18 to 36 min (V from -30.8
to -18.8 mV; the 3 h course ends at -7.6 mV).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from vrest.codegen.crosscheck.check import make_job
from vrest.codegen.exporters import export
from vrest.codegen.exporters.neuroml import context, file_names, lems_quantity
from vrest.codegen.crosscheck.reference import reference_course
from vrest.codegen.crosscheck.lems_runners import (euler_tolerance, jnml_course_sampled, lems_answer, lems_unsuitable,
                                                   run_jnml, run_jnml_check, run_pylems, run_pylems_check, variant)
from conftest import GHK_USER_MODEL, assert_job_agrees
from vrest.derive.builtin import resolve_model
from vrest.derive.constants import V
from vrest.derive.modelfile import model_from_dict
from vrest.derive.quantities import Derivations
from vrest.derive.steady_state import steady_state

MODELS = ["neuron", "squid", "pumpleak", "ghk_user"]
RUNNABLE = ["neuron", "squid", "ghk_user"]
ENGINES = {"jnml": run_jnml_check, "pylems": run_pylems_check}


def _model(name: str):
    return model_from_dict(GHK_USER_MODEL) if name == "ghk_user" else resolve_model(name)


@pytest.fixture(scope="module", params=MODELS)
def exported(request, tmp_path_factory):
    directory = tmp_path_factory.mktemp(f"neuroml_{request.param}")
    model = _model(request.param)
    export(model, "neuroml", directory)
    return model, directory


def test_schema_valid_with_libneuroml(exported):
    from neuroml.utils import validate_neuroml2

    model, directory = exported
    nml, _, _ = file_names(model)
    assert validate_neuroml2(str(directory / nml)) is None  # raises on any schema error


def test_jnml_validate_and_norun_clean(exported):
    """0 errors and 0 warnings from jnml -validate; jnml -norun checks every expression's dimension."""
    model, directory = exported
    nml, lems, _ = file_names(model)
    output = run_jnml(["-validate", nml], directory)
    assert "Valid against schema and all tests" in output and "No warnings" in output, output
    assert "All valid and no warnings" in output, output
    output = run_jnml([lems, "-norun"], directory)
    assert "Finished reading and building LEMS model" in output, output
    assert "WARN" not in output.upper(), output


def test_ghk_conditional_and_escaping(exported):
    model, directory = exported
    nml, _, _ = file_names(model)
    text = (directory / nml).read_text(encoding="utf-8")
    if model.name in ("squid", "pumpleak", "ghk_user"):
        assert "<ConditionalDerivedVariable" in text and ".geq. 0.001" in text
    if model.name == "ghk_user":
        assert "&lt;user model&gt;" in text and "K &amp; Na" in text


@pytest.fixture(scope="module")
def jobs():
    return {name: make_job(_model(name)) for name in RUNNABLE}


# neuron's job runs in every simulator in tests/test_crosscheck_generate.py
@pytest.mark.parametrize("exported", [m for m in MODELS if m != "neuron"], indirect=True)
@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_engine_agrees_with_vrest(exported, jobs, engine):
    model, directory = exported
    if model.name not in RUNNABLE:  # stiff: the long job is declined; the stiff job runs in `vrest crosscheck pumpleak`
        assert "fixed-step Euler" in lems_unsuitable(model, make_job(model, stiff=False))
        assert lems_unsuitable(model, make_job(model)) is None
        return
    job = jobs[model.name]
    assert job.ss_start[V] == 0.0  # GHK evaluated at V = 0 exactly
    answer = ENGINES[engine](model, directory, job)
    assert len(job.times) == 10 and len(job.courses) == max(1, len(model.scenarios))
    tolerance = euler_tolerance(model, job)
    assert tolerance < 5e-3  # dt = tau_m/4000: Euler's bound stays far below the courses' mV changes
    assert_job_agrees(f"{model.name} {engine}", job, answer, tolerance)


def test_pumpleak_short_run_matches_reference(tmp_path):
    """The stiff model over 10 tau_m (ouabain from the pumped steady state) in PyLEMS and jnml."""
    model = resolve_model("pumpleak")
    export(model, "neuroml", tmp_path)
    tau_m = Derivations(model).get("tau_m").value
    job = dataclasses.replace(make_job(model, times=np.linspace(tau_m, 10 * tau_m, 10), stiff=False), ss_end=60 * tau_m)
    assert lems_unsuitable(model, job) is None
    tolerance = euler_tolerance(model, job)
    for engine, lags in ((run_pylems, (0, 1)), (lambda p: run_jnml([p.name, "-nogui"], p.parent), (1, 1))):
        answer = lems_answer(model, tmp_path, job, engine, *lags)
        assert np.isfinite(answer.v_ss) and all(np.all(np.isfinite(c)) for c in answer.courses.values())
        for course in job.courses:  # ouabain, high_K and hypotonic over their first 10 tau_m
            course_dev = float(np.max(np.abs(answer.courses[course.scenario.name] - course.reference))) * 1e3
            print(f"pumpleak short {course.scenario.name}: max |dV| = {course_dev:.2e} mV (bound {tolerance:.1e})")
            assert course_dev <= tolerance


@pytest.mark.parametrize("engine", ["jnml", "pylems"])
def test_pumpleak_holds_its_steady_state(tmp_path, engine):
    """From vrest's full pumped steady state (V, amounts, volume), scenario off, 20 tau_m: V stays put."""
    model = resolve_model("pumpleak")
    export(model, "neuroml", tmp_path)
    ctx = context(model)
    state = steady_state(model)
    tau_m = Derivations(model).get("tau_m").value
    values = {s["start"]: lems_quantity(state[s["symbol"]], s["unit"]) for s in ctx["states"]}
    values |= {"scenario": "0", "v_ref": lems_quantity(state[V], "V")}
    text = (tmp_path / ctx["lems_file"]).read_text(encoding="utf-8")
    lems = tmp_path / "LEMS_hold.xml"
    lems.write_text(variant(text, ctx["component"], values, tau_m / 20, 20 * tau_m, "hold.dat"), encoding="utf-8")
    if engine == "jnml":
        run_jnml([lems.name, "-nogui"], tmp_path)
    else:
        run_pylems(lems)
    data = np.loadtxt(tmp_path / "hold.dat", ndmin=2)
    assert len(data) >= 400
    drift = float(np.max(np.abs(data[:, 2]))) * 1e3  # v_dev = v - V_ss
    print(f"pumpleak {engine} steady state: max |V - V_ss| = {drift:.2e} mV over 20 tau_m")
    assert drift <= 1e-6


@pytest.fixture(scope="module")
def pumpleak_jnml_course(tmp_path_factory):
    """jnml's ouabain course of pumpleak at 10 times from 18 to 36 min, run once; vrest's beside it. (The 3 h
    course adds 11 mV of the same slow rundown in five times the steps: 40 s more of the suite's time.)"""
    model = resolve_model("pumpleak")
    directory = tmp_path_factory.mktemp("neuroml_pumpleak_course")
    export(model, "neuroml", directory)
    times = np.linspace(1080.0, 2160.0, 10)
    assert model.scenarios[0].name == "ouabain"  # the scenario the file selects
    step = Derivations(model).get("tau_m").value / 2
    assert step < 2 * 0.55e-3  # forward Euler stable for the stiffest time constant of the rundown
    return jnml_course_sampled(model, directory, times, step), reference_course(model, model.scenarios[0], times)


def test_pumpleak_jnml_ouabain_course(pumpleak_jnml_course):
    """From 18 min on only the slow rundown moves V: Euler's bound A dt/(2 e tau) with A the course's range,
    dt = tau_m/2 and tau the slowest time constant (tau_slow at the pumped state, ~100 s) is ~2e-5 mV; twice it."""
    course, reference = pumpleak_jnml_course
    assert np.all(np.isfinite(course))
    model = resolve_model("pumpleak")
    dt, tau_slow = Derivations(model).get("tau_m").value / 2, Derivations(model).get("tau_slow").value
    bound = 2 * float(np.ptp(reference)) * 1e3 * dt / (2 * np.e * tau_slow)
    deviation = float(np.max(np.abs(course - reference))) * 1e3
    print(f"pumpleak jnml ouabain course: max |dV| = {deviation:.2e} mV (bound {bound:.1e} mV)")
    assert deviation <= bound
    assert float(np.ptp(reference)) * 1e3 > 1000 * bound  # the course does move


def test_factor_1000_voltage_error_is_caught(tmp_path, jobs):
    """The LEMS file with the start potential in mV where V is meant must fail the course check (run by jnml: PyLEMS,
    whose runs the tests above check, takes 14 s over these steps)."""
    model = _model("neuron")
    export(model, "neuroml", tmp_path)
    _, lems, _ = file_names(model)
    path = tmp_path / lems
    text = path.read_text(encoding="utf-8")
    start = context(model)["states"][0]["start_value"]
    assert f'v_start="{start}"' in text and start.endswith("V")
    path.write_text(text.replace(f'v_start="{start}"', f'v_start="{start[:-1]}mV"'), encoding="utf-8")
    job = jobs["neuron"]
    answer = run_jnml_check(model, tmp_path, job)
    assert float(np.max(np.abs(answer.course - job.reference_course))) * 1e3 > 100 * euler_tolerance(model, job)


def test_the_lems_run_says_which_steps_of_its_scenario_it_does_not_reach(tmp_path):
    """The file runs 10 tau_m (C_m/g = 1 uF/cm^2 / 0.115 mS/cm^2 = 8.69565 ms) in tau_m/4000 steps: a step at 100 ms
    is after its end, and the comment says how long a run would show it."""
    data = {"model": {"name": "late", "temperature": "37 degC"}, "membrane": {"capacitance": "1 uF/cm^2"},
            "ions": {"K": {"valence": 1, "inside": "140 mM", "outside": "4 mM", "conductance": "0.1 mS/cm^2"},
                     "Na": {"valence": 1, "inside": "12 mM", "outside": "145 mM", "conductance": "0.015 mS/cm^2"}},
            "scenario": {"pulse": {"steps": [{"at": "10 ms", "set": {"ions.K.outside": "20 mM"}},
                                             {"at": "100 ms", "set": {"ions.K.outside": "4 mM"}}]}}}
    export(model_from_dict(data), "neuroml", tmp_path)
    text = (tmp_path / "LEMS_late.xml").read_text(encoding="utf-8")
    tau_m = 1 / 0.115e3  # s
    length = 10 * tau_m + 2 * tau_m / 4000
    assert (f"This run ends at {length:g} s, before step 2 of pulse (from 0.1 s): to see the whole scenario set "
            f"length to {0.1 + length:g} s ({(0.1 + length) / (tau_m / 4000):.3g} Euler steps at this step).") in text
