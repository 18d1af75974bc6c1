"""Brian2 export checked by Brian2 itself: the script runs (numpy target), Brian2's unit checks pass,
and its V_ss and ouabain time course match vrest's.

For the V-only models (neuron, squid, a user model with GHK leaks) the cross-check job is
run as is: V_ss after 60 tau_m from V = 0 exactly (GHK at its removable singularity) within
1e-6 mV of vrest's derived V_ss, and every scenario's course within rk4's error bound
(script_runners.brian2_tolerance, at least 1e-6 mV) of codegen.reference (SciPy Radau on
Model.rhs(), rtol 1e-11). The pump-leak model is stiff (tau_m = 1.9 ms against a 3 h course);
its script runs rk4 at tau_m/2 on the Cython target. Its ouabain course is checked over its
first 32 min, at the first 9 of the 10 times of codegen.reference.course_times (tau_m to 3 h,
log-spaced; 1923 s the last): V runs down 74 mV of the 3 h's 86 in a sixth of their 1.1e7
steps. Its V_ss as V after 20 tau_m from the script's own start (the pumped steady state of the
full model) against vrest's full steady state, since relaxing the given composition from V = 0
takes ~1e6 s of model time.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from vrest.codegen.crosscheck.check import COURSE_TOLERANCE_MV, SIMULATORS, V_SS_TOLERANCE_MV, Simulator, crosscheck, make_job
from vrest.codegen.exporters import export, render_files
from vrest.codegen.exporters.brian2 import RESERVED, context, script_name
from vrest.codegen.crosscheck.reference import course_times, reference_course, reference_v_ss
from vrest.codegen.crosscheck.script_runners import (brian2_tolerance, brian2_unsuitable, run_brian2, run_script,
                                                     script_start)
from conftest import GHK_USER_MODEL, assert_agrees
from vrest.derive.builtin import resolve_model
from vrest.derive.constants import V
from vrest.derive.modelfile import model_from_dict
from vrest.derive.quantities import Derivations

MODELS = ["neuron", "squid", "pumpleak", "ghk_user"]


def _model(name: str):
    return model_from_dict(GHK_USER_MODEL) if name == "ghk_user" else resolve_model(name)


@pytest.fixture(scope="module", params=MODELS)
def exported(request, tmp_path_factory):
    model = _model(request.param)
    directory = tmp_path_factory.mktemp(f"brian2_{request.param}")
    export(model, "brian2", directory)
    return model, directory / script_name(model)


def run_clean(script: Path, times, scenario: str | None) -> np.ndarray:
    """V (SI) from the script in a fresh Python; it must exit 0 and write nothing to stderr (no warning)."""
    request = script.with_name("clean.request.json")
    request.write_text(json.dumps({"times": [float(t) for t in times], "scenario": scenario, "start": None}),
                       encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    done = subprocess.run([sys.executable, script.name, request.name], cwd=script.parent, capture_output=True,
                          text=True, check=False, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == "", done.stderr
    v = np.array(json.loads(done.stdout)["V"], dtype=float) * 1e-3
    assert np.all(np.isfinite(v))
    return v


# neuron's job runs in every simulator in tests/test_crosscheck_generate.py
@pytest.mark.parametrize("exported", [m for m in MODELS if m != "neuron"], indirect=True)
def test_brian2_agrees_with_vrest(exported):
    model, script = exported
    tau_m = Derivations(model).get("tau_m").value
    if len(model.states) == 1:
        job = make_job(model)
        assert job.ss_start[V] == 0.0 and len(job.times) == 10  # GHK evaluated at V = 0 exactly
        assert brian2_unsuitable(model, job) is None
        start = script_start(model, job.ss_start, context(model)["state_ids"])  # as run_brian2 does
        v_ss = run_script(script, [job.ss_end], None, start)[-1]
        for course in job.courses:
            v = run_clean(script, course.times, course.scenario.name if model.scenarios else None)
            assert_agrees(f"{model.name} {course.scenario.name}", v_ss, job.reference_v_ss, v, course.reference,
                          brian2_tolerance(model, job))
        return
    # stiff: V_ss from the pumped steady state, the ouabain course's first 32 min (tau_m to 1923 s)
    v_ss = run_script(script, [20 * tau_m])[-1]
    times = course_times(model)
    assert len(times) == 10 and times[-1] == 3 * 3600.0
    times = times[:-1]
    course = run_clean(script, times, "ouabain")
    reference = reference_course(model, model.scenarios[0], times)
    job = dataclasses.replace(make_job(model, times=times), ss_end=20 * tau_m)
    job = dataclasses.replace(job, courses=job.courses[:1])  # the ouabain course alone
    assert_agrees(model.name, v_ss, reference_v_ss(model), course, reference, brian2_tolerance(model, job))


def test_pumpleak_long_job_is_declined_with_a_reason():
    """The long job's 1e6 s steady-state run is too long even for Cython; the 3 h course and the stiff job are not."""
    model = resolve_model("pumpleak")
    job = make_job(model, stiff=False)
    reason = brian2_unsuitable(model, job)
    assert reason is not None and "steps" in reason and "stiff" in reason and "cython" in reason
    tau_m = Derivations(model).get("tau_m").value
    assert brian2_unsuitable(model, dataclasses.replace(job, ss_end=20 * tau_m, courses=job.courses[:1])) is None
    assert brian2_unsuitable(model, make_job(model)) is None


def test_factor_1000_unit_errors_are_caught(tmp_path, monkeypatch):
    """A consistent-dimension factor 1000 moves V_ss; a wrong dimension is Brian2's DimensionMismatchError."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # where Brian2 keeps its debug log of the error, not /tmp
    model = resolve_model("neuron")
    script = export(model, "brian2", tmp_path / "good")[0]
    text = script.read_text(encoding="utf-8")
    pump = '"I_pump0": famp/umetre**2'  # the unit of the pump's rate, a parameter the scenarios change
    assert pump in text
    wrong_scale = tmp_path / script.name
    wrong_scale.write_text(text.replace(pump, '"I_pump0": pamp/umetre**2').replace(
        "from brian2.units.allunits import ", "from brian2.units.allunits import pamp, "), encoding="utf-8")
    v = run_script(wrong_scale, [20 * Derivations(model).get("tau_m").value])[-1]
    assert abs(v - reference_v_ss(model)) * 1e3 > 1.0
    wrong_dimension = tmp_path / "wrong_dimension.py"
    wrong_dimension.write_text(text.replace(pump, '"I_pump0": famp/umetre'), encoding="utf-8")
    with pytest.raises(RuntimeError, match="DimensionMismatchError|Inconsistent units"):
        run_script(wrong_dimension, [0.001])


def test_script_text(exported):
    """Metadata, GHK through exprel, valid ids, comment-safe user text, byte-identical output."""
    model, script = exported
    text = script.read_text(encoding="utf-8")
    assert f"MODEL = {model.name!r}" in text and 'VREST_VERSION = "' in text
    assert ("# Source:" in text) == bool(model.source)  # no empty heading for a model without a source
    assert text == render_files(model, "brian2")[script.name]
    assert ("exprel(" in text) == any(ion.leak == "ghk" for ion in model.ions)
    target = "cython" if len(model.states) > 1 else "numpy"  # Cython only for the stiff models
    assert f'prefs.codegen.target = "{target}"' in text
    ctx = context(model)
    changed = {p for s in model.scenarios for p in s.parameters}
    assert sorted(v["id"] for v in ctx["variables"]) == sorted(changed)  # what a step changes is a group variable
    for v in ctx["variables"]:
        assert f"{v['id']} : {v['si_unit']} (constant)" in text
    for item in ctx["parameters"] + ctx["states"] + ctx["quantities"]:
        assert item["id"].isidentifier() and item["id"] not in RESERVED
    compile(text, script.name, "exec")  # user text (quotes, '<', '#') cannot break the script


def test_failing_runner_is_a_row_not_a_crash(tmp_path, monkeypatch):
    def broken(model, directory, job):
        raise RuntimeError("script failed:\nTraceback ...\nValueError: no such thing")

    monkeypatch.setitem(SIMULATORS, "broken", Simulator("broken", "brian2", lambda: "0", broken))
    monkeypatch.setitem(SIMULATORS, "declines", Simulator("declines", "brian2", lambda: "0", broken,
                                                          lambda model, job: "not for this model"))
    rows = crosscheck(resolve_model("neuron"), tmp_path, names=["broken", "declines"])
    assert [(r.simulator, r.status, r.agrees) for r in rows] == [("broken", "failed", False),
                                                                 ("declines", "unsuitable", False)]
    assert rows[0].reason == "RuntimeError: script failed: ... ValueError: no such thing"
    assert rows[1].reason == "not for this model"


def test_odd_names_become_valid_ids_and_the_script_still_agrees(tmp_path):
    """Ions named "Na+" and "K-leak", quotes and '<' in the text: valid ids, a script that runs and agrees."""
    from test_export_xml import _odd_model

    model = _odd_model(("Na+", "K-leak"))
    script = export(model, "brian2", tmp_path)[0]
    text = script.read_text(encoding="utf-8")
    assert '"Na_plus_i": 140.0 * mmolar' in text and "I_K_leak = " in text
    job = make_job(model)
    answer = run_brian2(model, tmp_path, job)
    assert abs(answer.v_ss - job.reference_v_ss) * 1e3 <= V_SS_TOLERANCE_MV
    assert float(np.max(np.abs(answer.course - job.reference_course))) * 1e3 <= COURSE_TOLERANCE_MV  # at rest
