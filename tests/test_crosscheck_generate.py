"""`vrest crosscheck` and the generated/ directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_cli

from vrest.codegen.crosscheck.check import SIMULATORS


def test_crosscheck_neuron_every_simulator_agrees_and_sees_the_same_relative_output_folder(tmp_path, monkeypatch):
    """Every runner sees the same files in a relative -o folder: PyLEMS once failed to open
    NeuroMLCoreDimensions.xml there."""
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("crosscheck", "neuron", "-o", "cc_neuron")
    assert code == 0, out + err
    rows = [line for line in out.splitlines()[2:] if line.strip()]
    assert len(rows) == len(SIMULATORS) >= 2  # every registered simulator is installed in the test extra
    assert all(row.rstrip().endswith("yes") for row in rows), out
    assert any(row.startswith("libRoadRunner") for row in rows) and any(row.startswith("PyLEMS") for row in rows)
    assert (tmp_path / "cc_neuron" / "LEMS_neuron.xml").is_file()


def test_crosscheck_pumpleak_runs_every_simulator_on_the_stiff_job():
    """The fixed-step jnml runs too: hold the pumped state, then every scenario sampled over 5 min after each of
    its steps, within its error bound. PyLEMS would run (it is suitable), on the LEMS file and Euler steps jnml runs,
    for 1.5 million steps of Python (90 s): it is run on neuron's and hh's jobs. Brian2's Cython run of this stiff
    job (23 s) is tests/test_export_brian2.py's, against the same reference course and error bound."""
    import numpy as np

    from vrest.codegen.crosscheck.check import make_job
    from vrest.codegen.crosscheck.lems_runners import euler_tolerance
    from vrest.derive.builtin import resolve_model
    from vrest.derive.constants import V
    from vrest.derive.steady_state import steady_state

    model = resolve_model("pumpleak")
    job = make_job(model)
    assert job.stiff and job.ss_start == steady_state(model) and job.reference_v_ss == job.ss_start[V]
    assert [c.scenario.name for c in job.courses] == [s.name for s in model.scenarios]
    base = np.arange(1, 11) * 30.0  # spread linearly over 5 min after each step
    by_name = {c.scenario.name: c for c in job.courses}
    np.testing.assert_allclose(by_name["ouabain"].times, base)
    np.testing.assert_allclose(by_name["high_K"].times, np.concatenate([base, 600.0 + base]))  # washout at 10 min
    assert float(np.ptp(by_name["ouabain"].reference)) * 1e3 > 10  # the rundown moves V by more than 10 mV
    assert euler_tolerance(model, job) < 1e-3  # long after each step only the slow relaxations count
    pylems = SIMULATORS["PyLEMS (NeuroML/LEMS, Euler)"]
    assert pylems.unsuitable(model, job) is None
    brian2 = SIMULATORS["Brian2 (rk4; Cython for stiff models)"]
    assert brian2.unsuitable(model, job) is None
    others = [name.split()[0] for name in SIMULATORS if name not in (pylems.name, brian2.name)]
    code, out, err = run_cli("crosscheck", "pumpleak", *(f"--simulator={name}" for name in others))
    assert code == 0, out + err
    rows = [line for line in out.splitlines()[2:] if line.strip()]
    assert [row.split()[0] for row in rows] == others
    assert all(row.rstrip().endswith("yes") for row in rows), out  # no "not run" row, every one agrees


def test_crosscheck_runs_the_simulators_asked_for():
    code, out, err = run_cli("crosscheck", "neuron", "--simulator", "LIBROADRUNNER", "--simulator", "libcellml")
    assert code == 0, out + err
    rows = [line for line in out.splitlines()[2:] if line.strip()]
    assert [row.split()[0] for row in rows] == ["libRoadRunner", "libcellml"]
    assert all(row.rstrip().endswith("yes") for row in rows), out
    from vrest.codegen.cli.crosscheck_cmd import chosen_simulators

    assert chosen_simulators(["jNeuroML", "roadrunner"]) == ["jnml (NeuroML/LEMS, Euler)", "libRoadRunner"]
    code, out, err = run_cli("crosscheck", "neuron", "--simulator", "nest")
    assert code == 2 and out == ""
    assert err == ("vrest: error: --simulator = 'nest': not a simulator vrest runs; one of libroadrunner, libcellml, "
                   "jnml, pylems, neuron, brian2\n")


def test_crosscheck_hh_rest_and_spike_in_every_simulator():
    """hh: the resting state held within 1e-6 mV, and the action potential of its stimulus scenario (20 ms) at the
    same time within 0.05 ms and the same peak V within 0.5 mV in every simulator. vrest's own spike, from the
    Radau reference, is checked against the written-out Hodgkin-Huxley equations (scipy, independently)."""
    import numpy as np
    from scipy.integrate import solve_ivp

    from vrest.codegen.crosscheck.check import make_job, spike_peak
    from vrest.derive.builtin import resolve_model

    job = make_job(resolve_model("hh"))
    assert job.excitable and [c.scenario.name for c in job.courses] == ["stimulus"]

    def alpha_beta(v):
        def lin(x):
            return 1.0 if x == 0 else x / -np.expm1(-x)
        return ((lin((v + 40) / 10), 4 * np.exp(-(v + 65) / 18)), (0.07 * np.exp(-(v + 65) / 20),
                1 / (1 + np.exp(-(v + 35) / 10))), (0.1 * lin((v + 55) / 10), 0.125 * np.exp(-(v + 65) / 80)))

    def hh(t, y):  # mV, ms; 10 uA/cm^2 from 1 to 2 ms
        v, m, h, n = y
        (am, bm), (ah, bh), (an, bn) = alpha_beta(v)
        stim = 10.0 if 1.0 <= t < 2.0 else 0.0
        i = 120 * m**3 * h * (v - 50) + 36 * n**4 * (v + 77) + 0.3 * (v + 54.387)
        return [stim - i, am * (1 - m) - bm * m, ah * (1 - h) - bh * h, an * (1 - n) - bn * n]

    v0 = job.reference_v_ss * 1e3
    rest = [v0] + [a / (a + b) for a, b in alpha_beta(v0)]
    grid = np.linspace(0, 20, 40001)
    run = solve_ivp(hh, (0, 20), rest, t_eval=grid, method="LSODA", rtol=1e-10, atol=1e-12, max_step=0.01)
    t_ref, v_ref = spike_peak(grid, run.y[0])
    course = job.courses[0]
    t_vrest, v_vrest = spike_peak(course.times * 1e3, course.reference * 1e3)
    assert abs(t_vrest - t_ref) < 1e-3 and abs(v_vrest - v_ref) < 1e-3, (t_vrest, t_ref, v_vrest, v_ref)
    assert 30 < v_ref < 45 and 3 < t_ref < 4.5  # a full action potential
    code, out, err = run_cli("crosscheck", "hh")
    assert code == 0, out + err
    rows = [line for line in out.splitlines()[2:] if line.strip()]
    assert len(rows) == len(SIMULATORS)
    assert all(row.rstrip().endswith("yes") for row in rows), out


def test_crosscheck_bad_model_is_exit_2():
    code, _, err = run_cli("crosscheck", "no_such_model")
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_generated_directory_is_up_to_date():
    code, out, err = run_cli("generate", "--check")
    assert code == 0, f"generated/ is stale, run `vrest generate`:\n{err}"


def test_generate_check_names_a_stale_file(tmp_path):
    assert run_cli("generate", "--dir", str(tmp_path))[0] == 0
    stale = tmp_path / "neuron" / "neuron.sbml.xml"
    stale.write_text(stale.read_text(encoding="utf-8").replace('value="7.5"', 'value="7500"'), encoding="utf-8")
    code, _, err = run_cli("generate", "--check", "--dir", str(tmp_path))
    assert code == 1 and "stale: neuron/neuron.sbml.xml" in err
    assert err.strip().splitlines()[-1] == f"{tmp_path} is out of date: run `vrest generate --dir {tmp_path}`"
    assert run_cli("generate", "--dir", str(tmp_path))[0] == 0
    code, out, _ = run_cli("generate", "--check", "--dir", str(tmp_path))
    assert code == 0 and out.startswith(f"{tmp_path} is up to date")


def test_a_step_after_20_ms_is_run_and_checked_in_an_excitable_model(tmp_path):
    """A gated model's courses were 20 ms long: a scenario whose step came at 1 s was "agreed" by every simulator
    without any of them running the step. The courses now take the 20 ms after each step too: hh's pulse moved to
    1 s fires its action potential there (the written-out equations of the test above, by LSODA at rtol 1e-12:
    39.0669 mV, 2.51382 ms after the pulse starts), and libRoadRunner's run of the SBML export agrees."""
    import numpy as np

    from vrest.codegen.crosscheck import check as cc
    from vrest.codegen.exporters.sbml import export_sbml
    from vrest.derive.builtin import resolve_model

    text = (Path(__file__).resolve().parents[1] / "derive" / "models" / "hh.toml").read_text(encoding="utf-8")
    late = text.replace('at = "1 ms"', 'at = "1 s"').replace('at = "2 ms"', 'at = "1.001 s"')
    assert late != text
    (tmp_path / "late.toml").write_text(late, encoding="utf-8")
    model = resolve_model(str(tmp_path / "late.toml"))
    job = cc.make_job(model)
    (course,) = job.courses
    after = course.times[course.times > 1.0]
    assert after.min() < 1.0003 and after.max() == pytest.approx(1.021, abs=1e-9)
    t_peak, v_peak = cc.spike_peak(course.times, course.reference)
    assert t_peak == pytest.approx(1.00251382, abs=2e-6) and v_peak * 1e3 == pytest.approx(39.0669, abs=0.01)
    (sbml,) = export_sbml(model).values()
    answer = cc.roadrunner_answer(model, sbml, job)
    time_dev, v_dev = cc.spike_deviations(job, answer)
    assert time_dev < cc.PEAK_TIME_TOLERANCE_MS and v_dev < cc.PEAK_V_TOLERANCE_MV
    assert np.isfinite(answer.courses[course.scenario.name]).all()
