"""`vrest crosscheck` and the generated/ directory."""

from __future__ import annotations

from conftest import run_cli

from vrest.codegen.crosscheck.check import SIMULATORS


def test_crosscheck_neuron_every_simulator_agrees():
    code, out, err = run_cli("crosscheck", "neuron")
    assert code == 0, out + err
    rows = [line for line in out.splitlines()[2:] if line.strip()]
    assert len(rows) == len(SIMULATORS) >= 2  # every registered simulator is installed in the test extra
    assert all(row.rstrip().endswith("yes") for row in rows), out
    assert any(row.startswith("libRoadRunner") for row in rows)


def test_crosscheck_pumpleak_runs_every_simulator_on_the_stiff_job():
    """The fixed-step simulators (Brian2, jnml, PyLEMS) run too: hold the pumped state, then every scenario
    sampled over 5 min after each of its steps, within their error bounds."""
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
    code, out, err = run_cli("crosscheck", "pumpleak")
    assert code == 0, out + err
    rows = [line for line in out.splitlines()[2:] if line.strip()]
    assert len(rows) == len(SIMULATORS)
    assert all(row.rstrip().endswith("yes") for row in rows), out  # no "not run" row, every one agrees


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
