"""vrest crosscheck's table: a simulator that is not installed is named with what to install; a model
without scenarios is not said to have a spike or a scenario course."""

from __future__ import annotations

import dataclasses
import re

import pytest

from conftest import run_cli
from test_several_rests import IK1_MODEL, _rest

from vrest.codegen.crosscheck import check
from vrest.codegen.crosscheck.check import SIMULATORS

CELLML = "libcellml (generated Python + SciPy)"
ROADRUNNER = "libRoadRunner"


@pytest.fixture
def two_simulators(monkeypatch):
    """libcellml as installed, libRoadRunner as if it were not: only these two are run."""
    kept = {CELLML: SIMULATORS[CELLML],
            ROADRUNNER: dataclasses.replace(SIMULATORS[ROADRUNNER], version=lambda: None)}
    # a dict of its own in place of the registry: emptied and refilled, the registry came back in another order, and
    # a later test in the same process saw libcellml's row before libRoadRunner's
    monkeypatch.setattr(check, "SIMULATORS", kept)


def _row(out: str, name: str) -> str:
    return next(line for line in out.splitlines() if line.startswith(name))


def test_a_missing_simulator_gets_a_not_run_row_and_an_install_hint(two_simulators, tmp_path):
    code, out, err = run_cli("crosscheck", "neuron", "-o", str(tmp_path))
    assert code == 0, err  # what ran agrees; the missing one is no failure of the export
    row = _row(out, ROADRUNNER)
    assert "not run" in row and "not installed: pip install libroadrunner" in row
    assert "yes" in _row(out, CELLML)
    said = [text for text in err.splitlines() if "running" not in text]  # (a progress line after the first second)
    assert len(said) == 1 and "not installed, so not run: libRoadRunner" in said[0]
    assert 'pip install "vrest[test]"' in err


def test_require_all_fails_when_a_simulator_is_not_installed(two_simulators, tmp_path):
    code, out, err = run_cli("crosscheck", "neuron", "-o", str(tmp_path), "--require-all")
    assert code == 1 and "yes" in _row(out, CELLML)
    assert err.splitlines()[-1] == "vrest crosscheck: --require-all: 1 of 2 simulators not run"
    code, _, err = run_cli("crosscheck", "neuron", "-o", str(tmp_path / "b"), "--require-all", "--simulator",
                           "libcellml")
    said = [text for text in err.splitlines() if "running" not in text]  # (a progress line after the first second)
    assert code == 0 and said == [], err  # the one chosen ran


def test_every_registered_simulator_says_how_to_install_it():
    assert len(SIMULATORS) == 6
    for sim in SIMULATORS.values():  # jnml, its pyneuroml installed here: the Java runtime it still needs
        said = sim.missing()
        assert said.startswith("pip install ") or "install a Java runtime (17 or later)" in said, sim.name


def test_without_java_the_jnml_row_says_java_is_what_is_missing(monkeypatch, tmp_path):
    """pyneuroml is installed (the test extra) but no java can be found: the row asked for pyneuroml."""
    jnml = next(name for name in SIMULATORS if name.startswith("jnml"))
    monkeypatch.setenv("PATH", str(tmp_path))  # no java on it
    assert SIMULATORS[jnml].version() is None
    code, out, err = run_cli("crosscheck", "neuron", "-o", str(tmp_path / "out"), "--simulator", "jnml")
    assert code == 1
    assert "not installed: pyneuroml is installed, but no java runs here: install a Java runtime" in _row(out, "jnml")


def test_an_excitable_model_without_scenarios_shows_no_peak_columns(two_simulators, write_model, tmp_path):
    """The I_K1 cell (open-fraction channel: judged as excitable) has no scenario: no peak, no "|dt| peak"."""
    path = write_model(IK1_MODEL)
    code, out, err = run_cli("crosscheck", str(path), "-o", str(tmp_path / "out"))
    assert code == 0, err
    header, columns = out.splitlines()[:2]
    assert "no scenario" in header and "every scenario" not in header and "peak" not in header
    assert "peak" not in columns and "max |dV| courses (mV)" in columns
    v_ss = float(re.split(r"\s{2,}", _row(out, CELLML))[2])  # simulator, version, V_ss (mV), ...
    assert v_ss == pytest.approx(_rest() * 1e3, abs=1e-6)


def test_a_folder_that_takes_no_file_is_one_line_before_any_simulator(two_simulators, tmp_path, monkeypatch):
    """A read-only -o folder (chattr +i for root) was three "NO (failed)" rows and exit 1, the code of a
    disagreement; no file can be made in it here either."""
    from vrest.codegen import files

    def refused(*args, **kwargs):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(files.tempfile, "TemporaryFile", refused)
    code, out, err = run_cli("crosscheck", "neuron", "-o", str(tmp_path))
    assert (code, out) == (2, "")
    assert err == f"vrest: error: -o = '{tmp_path}': cannot write: Operation not permitted\n"


def test_a_gated_model_whose_scenario_fires_no_spike_has_no_peak_column(two_simulators, write_model, tmp_path):
    """The I_K1 cell with a small bath step: no spike, so no "|dt| peak" of 0.0 (there is no peak to time)."""
    data = dict(IK1_MODEL, scenario={"bath": {"at": "5 ms", "set": {"ions.K.outside": "6 mM"}}})
    code, out, err = run_cli("crosscheck", str(write_model(data)), "-o", str(tmp_path / "out"))
    assert code == 0, err
    header, columns = out.splitlines()[:2]
    assert "for the courses without a spike (bath), run until the slowest relaxation settles" in header
    assert "peak" not in header and "|dt| peak" not in columns


def test_when_no_simulator_ran_exit_1_is_said(two_simulators, tmp_path):
    code, _, err = run_cli("crosscheck", "neuron", "-o", str(tmp_path), "--simulator", "libroadrunner")
    assert code == 1
    assert err.splitlines()[-1] == "vrest crosscheck: no simulator ran, so nothing was checked (exit code 1)"


def test_which_simulator_runs_is_said_on_stderr_while_the_table_waits(two_simulators, tmp_path, monkeypatch):
    """A crosscheck takes half a minute and prints its table at the end: each simulator's start is a progress line
    (after the first second, as vrest sweep's; in a log at most one in 10 s), with its number among those chosen (a
    clock that moves 11 s a call)."""
    import vrest.codegen.progress as line

    clock = iter(range(0, 11000, 11))
    monkeypatch.setattr(line.time, "monotonic", lambda: float(next(clock)))
    code, out, err = run_cli("crosscheck", "neuron", "-o", str(tmp_path))
    assert code == 0, err
    assert [text for text in err.splitlines() if "running" in text] == [
        f"vrest crosscheck: running {CELLML} (1 of 2), 11 s so far",
        f"vrest crosscheck: running {ROADRUNNER} (2 of 2), 22 s so far"]
    assert "running" not in out
