"""NMODL exports of imported public models, checked by NEURON: nrnivmodl compiles the mechanism,
and NEURON's own right-hand side (CVODE's f) at the file's initial state agrees with the imported
system's rates (30-digit reference, tests/imported_reference.py) within 1e-9 relative; a 2 ms CVODE
run of NEURON agrees with SciPy's Radau on the same system (the rest engine's evaluator)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from imported_reference import MODELS_DIR, PUBLIC, assert_rates_agree, load, radau_states, reference_rates
from vrest.derive.importers import read_model_file
from vrest.codegen.exporters.systems import export_system


def _tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


@pytest.fixture(scope="module", params=sorted(PUBLIC))
def compiled(request, tmp_path_factory):
    system = load(request.param)
    directory = tmp_path_factory.mktemp(f"nmodl_{request.param}")
    paths = export_system(system, "nmodl", directory)
    done = subprocess.run([_tool("nrnivmodl")], cwd=directory, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    script = next(p for p in paths if p.name.endswith("_neuron.py"))
    return system, directory, script


def _neuron(directory: Path, script: Path, *args: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, script.name, *args], cwd=directory, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_neuron_rates_at_the_initial_state(compiled):
    system, directory, script = compiled
    assert_rates_agree(_neuron(directory, script, "rates"), reference_rates(system))


def test_a_neuron_run_ends_at_the_time_asked(compiled):
    """2 ms from the initial state (stimulus off), against SciPy's Radau: the run script integrates to the time
    itself (cvode.solve), where h.continuerun stops at the last step before it."""
    system, directory, script = compiled
    _, want = radau_states(system, 0.002)
    got = _neuron(directory, script, "run", "0.002")
    v = system.voltage_index
    assert got[system.states[v].symbol.name] == pytest.approx(want[v], abs=1e-8)  # V in volts: 1e-5 mV
    for state, value in zip(system.states, want):
        assert got[state.symbol.name] == pytest.approx(value, rel=1e-6, abs=1e-9 * max(abs(value), 1e-300))


def test_a_kept_stimulus_fires_at_the_files_pulse(tmp_path):
    """Hodgkin-Huxley's file gives a pulse of -20 uA/cm^2 from 10 to 10.5 ms: NEURON stops at its edges, so its time
    course (`course 0.012 9`: every 1.5 ms, the pulse's end and the upstroke at 12 ms among them) is that of Radau on
    the file's equations with the stimulus on, steps at most 0.1 ms long."""
    from test_simulate_imported import _reference

    system = load("hh_1952")
    paths = export_system(system, "nmodl", tmp_path, keep_stimulus=True)
    done = subprocess.run([_tool("nrnivmodl")], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    script = next(p for p in paths if p.name.endswith("_neuron.py"))
    times = [0.0015 * k for k in range(9)]
    want = _reference(PUBLIC["hh_1952"], [(0.0, {})], times, stimulus=True, max_step=1e-4)
    got = _neuron(tmp_path, script, "course", "0.012", "9")
    assert got["t"] == pytest.approx(times, rel=1e-15)
    assert [v * 1e3 for v in got["V"]] == pytest.approx(list(want), abs=1e-4)  # mV
    assert got["V"][-1] * 1e3 > 30  # the pulse fired an action potential
    assert sorted(got) == sorted(["t", *(state.symbol.name for state in system.states)])
    assert all(len(values) == 9 for values in got.values())
    # SECONDS alone is a run, the course's last point; what it cannot run is one line naming it, exit 2
    assert _neuron(tmp_path, script, "0.012") == {name: values[-1] for name, values in got.items() if name != "t"}
    for args, message in ((["course", "-0.012", "9"], "SECONDS must be a finite time above 0 (s), not -0.012"),
                          (["course", "0.012", "1"], "POINTS must be from 2 (the start and the end) to 100000, not 1")):
        done = subprocess.run([sys.executable, script.name, *args], cwd=tmp_path, capture_output=True, text=True)
        assert (done.returncode, done.stdout) == (2, "") and done.stderr.strip().endswith(message), done.stderr
        assert "Traceback" not in done.stderr


def _script_edges(name: str, tmp_path, seconds: float, parameters: dict | None = None) -> list[float]:
    """stimulus_edges(seconds) of the NEURON run script of the file ``name`` (stimulus kept), ``parameters`` (SI)
    set in the script first."""
    system = read_model_file(MODELS_DIR / name)
    paths = export_system(system, "nmodl", tmp_path, keep_stimulus=True)
    script = next(p for p in paths if p.name.endswith("_neuron.py"))
    code = ("import importlib.util, json; spec = importlib.util.spec_from_file_location('run', %r); "
            "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); m.PARAMETERS.update(%r); "
            "print(json.dumps(m.stimulus_edges(%r)))" % (str(script), parameters or {}, seconds))
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_run_script_finds_every_pulse_of_a_long_paced_run(tmp_path):
    """ten Tusscher's 1 ms pulses at 1 Hz from 100 ms on: 3000 s of them, 6000 edges for the run to stop at."""
    edges = _script_edges("ten_tusscher_model_2006_epi.cellml", tmp_path, 3000.0)
    expected = sorted([0.1 + k for k in range(3000)] + [0.101 + k for k in range(3000)])
    assert len(edges) == 6000 and max(abs(a - b) for a, b in zip(edges, expected)) < 1e-12


def test_the_run_script_finds_pulses_narrower_than_its_first_search(tmp_path):
    """Luo-Rudy's train with 0.2 ms pulses for 300 s: the first search's points lie 0.3 ms apart and missed about a
    third of the pulses (as vrest simulate did); the second, on a quarter of a pulse, finds all 600 edges."""
    edges = _script_edges("luo_rudy_1991.cellml", tmp_path, 300.0, {"stim_duration": 2e-4})
    expected = sorted([0.1 + k for k in range(300)] + [0.1002 + k for k in range(300)])
    assert len(edges) == 600 and max(abs(a - b) for a, b in zip(edges, expected)) < 1e-12
