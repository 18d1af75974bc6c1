"""The compiled CVODE path (SUNDIALS from the scikit-sundae wheel) and the SciPy path.

References: the textbook pump-leak right-hand side of tests/test_simulate.py (DOMAIN.md
sections 2, 4, 6, 7), integrated here by SciPy's Radau at rtol 1e-11. The CVODE path must be
available after `pip install ".[test]"`: every test here fails, none skips, when it is not.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from importlib.metadata import distribution
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from tests.test_simulate import _textbook_pumpleak
from vrest.codegen.simulation import cvode, sundials
from vrest.codegen.simulation.integrate import simulate
from vrest.derive.builtin import resolve_model
from vrest.derive.errors import ModelError

ROOT = Path(__file__).resolve().parent.parent
TIMES = np.array([0.0, 0.5, 60.0, 1800.0, 10800.0])


def _reference(start, times, pump_scale: float = 0.0, i_max_scale: float = 1.0, pumped_until: float = 0.0):
    """The textbook model from ``start``: pump at i_max_scale until ``pumped_until``, then at pump_scale."""
    segments = [(0.0, pumped_until, 1.0), (pumped_until, float(times[-1]), pump_scale)]
    y, columns = np.asarray(start, dtype=float), []
    for t0, t1, scale in segments:
        inside = times[(times >= t0) & (times <= t1)] if t1 == times[-1] else times[(times >= t0) & (times < t1)]
        if t1 > t0:
            solution = solve_ivp(_textbook_pumpleak(True, i_max_scale * scale), (t0, t1), y, method="Radau",
                                 t_eval=np.unique(np.append(inside, t1)), rtol=1e-11, atol=1e-13 * np.abs(start))
            assert solution.success
            columns.extend(solution.y[:, np.searchsorted(solution.t, inside)].T)
            y = solution.y[:, -1]
        else:
            columns.extend([y] * len(inside))
    return np.array(columns).T


def test_cvode_comes_from_the_wheel_and_passes_its_checks():
    """SUNDIALS 7 from scikit-sundae, its index size as the wheel's own build configuration says."""
    assert cvode.driver() is not None, cvode.unavailable_reason()
    assert cvode.driver().block_norm  # a block's error norm is the largest of its sets' own norms
    found = sundials.load()
    assert found.version.startswith("7.")
    config = Path(str(distribution("scikit-sundae").locate_file("sksundae/py_config.pxi"))).read_text()
    declared = next(line.split("=")[1].strip().strip('"') for line in config.splitlines()
                    if line.startswith("SUNDIALS_INT_TYPE"))
    assert found.index_type == {"int": "int32_t", "int32_t": "int32_t", "int64_t": "int64_t"}[declared]
    assert found.cvode_path.is_relative_to(Path(str(distribution("scikit-sundae").locate_file(""))))


@pytest.mark.parametrize("solver", ["cvode", "scipy"])
def test_both_solvers_match_the_independent_integration(solver):
    """Each path reproduces the textbook ouabain rundown to 1e-6 (rtol 1e-8)."""
    result = simulate(resolve_model("pumpleak"), "ouabain", TIMES, solver=solver)
    np.testing.assert_allclose(result.y, _reference(result.y[:, 0], TIMES), rtol=1e-6, atol=0)


def test_a_switch_inside_the_run_is_taken_exactly(tmp_path):
    """Ouabain at t = 1 min: the cell holds its steady state until then, an output at 1 min included."""
    text = (ROOT / "derive" / "models" / "pumpleak.toml").read_text(encoding="utf-8")
    assert 'at = "0 s"' in text
    path = tmp_path / "late.toml"
    path.write_text(text.replace('at = "0 s"', 'at = "1 min"'), encoding="utf-8")
    times = np.array([0.0, 30.0, 60.0, 60.5, 120.0, 3600.0])
    model = resolve_model(str(path))
    for solver in ("cvode", "scipy"):
        result = simulate(model, "ouabain", times, solver=solver)
        reference = _reference(result.y[:, 0], times, pumped_until=60.0)
        np.testing.assert_allclose(result.y, reference, rtol=1e-6, atol=0, err_msg=solver)
    assert result.quantities["I_pump"][2] == 0 and result.quantities["I_pump"][1] > 0  # from 1 min on: off


def test_a_batch_holds_each_set_to_its_own_tolerance():
    """40 pump rates (three blocks over two threads) relax to their own steady states, each as the textbook."""
    model = resolve_model("pumpleak")
    i_max = float(next(p.value for p in model.parameters if p.name == "I_max"))
    scales = np.linspace(0.5, 1.5, 40)
    times = np.array([0.0, 10.0, 600.0, 3600.0])
    batch = simulate(model, None, times, params={"I_max": scales * i_max}, solver="cvode", threads=2)
    start = batch.y[:, 0, 0]
    for k in (0, 17, 39):
        np.testing.assert_allclose(batch.y[:, k, :], _reference(start, times, 1.0, scales[k]), rtol=1e-6, atol=0)


def test_a_failing_set_is_named():
    with pytest.raises(ModelError, match=r"the solver \(CVODE\) gave up at model time t = \S+ s: .+ \(CV_\w+\); "
                       r"every parameter at the model's own value$"):  # a negative volume
        simulate(resolve_model("pumpleak"), None, [0.0, 3600.0], y0=[-0.07, 1e-14, 1e-15, 1e-15, -1e-16],
                 solver="cvode")
    model = resolve_model("pumpleak")
    i_max = float(next(p.value for p in model.parameters if p.name == "I_max"))  # 1.5 uA/cm^2
    with pytest.raises(ModelError, match=r"gave up at model time t = \S+ s \(parameter set 2 of 3\): .+; the "
                       r"parameters that differ from the model's: I_max = 1.5e\+09 uA/cm\^2$"):
        simulate(model, None, [0.0, 3600.0], params={"I_max": np.array([1.0, 1.0, 1e9]) * i_max}, solver="cvode")


_AFTER_NEURON_AND_ROADRUNNER = """
import ctypes, json, sys
import numpy as np
import roadrunner
from vrest.codegen.exporters import render_files
from vrest.derive.builtin import resolve_model
model = resolve_model("pumpleak")
runner = roadrunner.RoadRunner(next(iter(render_files(model, "sbml").values())))
runner.simulate(0, 10, 3)
# NEURON after libRoadRunner: the other order crashes in RoadRunner's constructor, without vrest
from neuron import h
h.load_file("stdrun.hoc")
section = h.Section()
section.insert("hh")
h.CVode().active(1)
h.finitialize(-65)
h.continuerun(5)
foreign = [name for name in ("N_VNew_Serial", "N_VLinearSum", "CVodeCreate") if hasattr(ctypes.CDLL(None), name)]
from vrest.codegen.simulation.integrate import simulate
times = [float(t) for t in sys.argv[1].split(",")]
single = simulate(model, "ouabain", times, solver="cvode")
rates = np.linspace(0.5, 1.5, 40)
batch = simulate(model, None, times, params={"I_max": rates * 0.015}, solver="cvode")
print(json.dumps({"foreign": foreign, "single": single.y.tolist(), "batch": batch.y[:, [0, 39], :].tolist()}))
"""


def test_cvode_runs_after_neuron_and_roadrunner_loaded_their_own():
    """Both ran their own CVODE first; NEURON's N_VNew_Serial etc. are in the process's global symbol scope.

    (Measured: with the wheel's libraries opened without RTLD_DEEPBIND this process dies of SIGSEGV.)
    """
    times = np.array([0.0, 10.0, 600.0, 3600.0])
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    done = subprocess.run([sys.executable, "-c", _AFTER_NEURON_AND_ROADRUNNER, ",".join(str(float(t)) for t in times)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert "N_VNew_Serial" in answer["foreign"]  # the clash this test is about is present
    single = np.array(answer["single"])
    np.testing.assert_allclose(single, _reference(single[:, 0], times), rtol=1e-6, atol=0)
    batch = np.array(answer["batch"])
    model = resolve_model("pumpleak")
    i_max = float(next(p.value for p in model.parameters if p.name == "I_max"))
    assert i_max == 0.015
    for column, scale in ((0, 0.5), (1, 1.5)):
        np.testing.assert_allclose(batch[:, column, :], _reference(single[:, 0], times, 1.0, scale), rtol=1e-6,
                                   atol=0)


def test_vrest_solver_scipy_forces_the_scipy_path():
    """VREST_SOLVER=scipy: no CVODE is loaded, no warning, and the numbers are the textbook's."""
    script = ("import json, warnings; warnings.simplefilter('error')\n"
              "from vrest.codegen.simulation import cvode, sundials\n"
              "from vrest.codegen.simulation.integrate import simulate\n"
              "from vrest.derive.builtin import resolve_model\n"
              f"result = simulate(resolve_model('pumpleak'), 'ouabain', {TIMES.tolist()!r})\n"
              "assert cvode.driver() is None and sundials.load.cache_info().currsize == 0\n"
              "print(json.dumps(result.y.tolist()))\n")
    env = {**os.environ, "VREST_SOLVER": "scipy"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    y = np.array(json.loads(done.stdout))
    np.testing.assert_allclose(y, _reference(y[:, 0], TIMES), rtol=1e-6, atol=0)


@pytest.fixture
def fresh_driver():
    """Forget the loaded SUNDIALS and driver before and after the test (the next use loads them again)."""
    sundials.load.cache_clear()
    cvode._driver_or_reason.cache_clear()
    yield
    sundials.load.cache_clear()
    cvode._driver_or_reason.cache_clear()


def _old_version(handle):
    return 6, 4, 1, ""


def _broken_probe(built):
    raise sundials.SundialsUnavailable("the probe solve gave nan, not exp(-1.25)")


@pytest.mark.parametrize(("target", "replacement", "reason"), [
    (sundials, ("_version", _old_version), "SUNDIALS 6.4.1 from scikit-sundae, but vrest's driver is written for "
                                           "SUNDIALS 7.x"),
    (sundials, ("DISTRIBUTION", "no-such-sundials"), "the no-such-sundials package (SUNDIALS) is not installed"),
    (cvode, ("_probe", _broken_probe), "the probe solve gave nan"),
], ids=["version", "missing", "probe"])
def test_a_mismatch_warns_once_and_falls_back_to_scipy(fresh_driver, monkeypatch, target, replacement, reason):
    monkeypatch.setattr(target, *replacement)
    model = resolve_model("pumpleak")
    with pytest.warns(cvode.SolverFallbackWarning, match="CVODE is not available") as caught:
        result = simulate(model, "ouabain", TIMES)
    assert len(caught) == 1 and reason in str(caught[0].message)
    np.testing.assert_allclose(result.y, _reference(result.y[:, 0], TIMES), rtol=1e-6, atol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per process
        simulate(model, "ouabain", TIMES[:2])
    with pytest.raises(ModelError, match="CVODE is not available"):
        simulate(model, "ouabain", TIMES, solver="cvode")


def test_without_openmp_the_driver_runs_on_one_thread(fresh_driver, monkeypatch):
    """A compiler without -fopenmp (Apple's clang): the driver is built without it, and a batch still agrees."""
    real = cvode.compile_library

    def no_openmp(source, name, extra=(), libraries=()):
        if "-fopenmp" in extra:
            raise RuntimeError("clang: error: unsupported option '-fopenmp'")
        return real(source, name, extra, libraries)

    monkeypatch.setattr(cvode, "compile_library", no_openmp)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback to SciPy
        batch = simulate(resolve_model("pumpleak"), None, TIMES[:4], params={"I_max": [0.0075, 0.0225]},
                         solver="cvode", threads=2)
    start = batch.y[:, 0, 0]
    for k, scale in enumerate((0.5, 1.5)):
        np.testing.assert_allclose(batch.y[:, k, :], _reference(start, TIMES[:4], 1.0, scale), rtol=1e-6, atol=0)
