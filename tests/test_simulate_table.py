"""`vrest simulate`'s text table of a short run with a spike: times in ms, the peak's row and value stated.

The reference is the Hodgkin-Huxley equations written out in test_channels, integrated here with SciPy's
DOP853 at rtol 1e-11 through the stimulus (10 uA/cm^2 from 1 ms to 2 ms) from their own resting state."""

from __future__ import annotations

import re

import mpmath
import numpy as np
import pytest
from scipy.integrate import solve_ivp

from conftest import run_cli
from test_channels import hh_rates, hh_rhs, hh_steady_current


def _hh_course(times_ms: np.ndarray) -> np.ndarray:
    v = mpmath.findroot(hh_steady_current, mpmath.mpf(-65))
    y = [float(v)] + [float(a / (a + b)) for a, b in hh_rates(v).values()]

    def rhs(t, y, stimulus):
        dv, *gates = (float(x) for x in hh_rhs(*y))
        return [dv + stimulus, *gates]

    out = []
    for start, end, stimulus in ((0, 1, 0), (1, 2, 10), (2, times_ms[-1], 0)):
        inside = times_ms[(times_ms >= start) & (times_ms <= end)]
        run = solve_ivp(rhs, (start, end), y, args=(stimulus,), method="DOP853", rtol=1e-11, atol=1e-12,
                        dense_output=True)
        out += [(t, run.sol(t)[0]) for t in inside if not out or t > out[-1][0]]
        y = run.y[:, -1]
    return np.array([v for _, v in out])


def test_the_spike_is_in_the_table_in_ms_with_its_peak_stated():
    code, out, err = run_cli("simulate", "hh", "--scenario", "stimulus")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0].split() == ["t", "[ms]", "V", "[mV]", "m_Na", "[1]", "h_Na", "[1]", "n_K", "[1]"]  # every state
    rows = np.array([[float(x) for x in line.split()] for line in lines[1:-1]])
    assert np.all((rows[:, 2:] > 0) & (rows[:, 2:] < 1))  # the gates: fractions
    times = np.linspace(0, 52, 401)  # the default run: 50 ms after the last step, 401 times
    reference = _hh_course(times)
    peak = int(np.argmax(reference))
    assert times[peak] == pytest.approx(3.51) and reference[peak] == pytest.approx(39.063, abs=1e-3)
    assert rows[:, 1].max() == pytest.approx(reference[peak], abs=1e-3)  # the spike is a row
    assert rows[np.argmax(rows[:, 1]), 0] == pytest.approx(times[peak])
    assert rows[:, 1].min() == pytest.approx(reference.min(), abs=1e-3)  # so is the afterhyperpolarisation
    said = re.search(r"smallest and largest of all 401 among them: (\S+) mV at t = (\S+) ms, (\S+) mV at t = (\S+) ms",
                     lines[-1])
    assert float(said.group(1)) == pytest.approx(reference.min(), abs=1e-3)
    assert float(said.group(3)) == pytest.approx(reference[peak], abs=1e-3)
    assert float(said.group(4)) == pytest.approx(times[peak])
    assert lines[-1].startswith(f"({len(rows)} of the run's 401 times shown")


def test_a_run_of_a_second_or_more_keeps_seconds():
    code, out, err = run_cli("simulate", "neuron", "--times", "0 s,1 s,2 s")
    assert code == 0, err
    assert out.splitlines()[0].split()[:2] == ["t", "[s]"]
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["0", "1", "2"]


def test_default_times_too_sparse_for_a_pulse_are_said():
    """hh's pulse lasts 1 ms (1 to 2 ms); 401 times over 1 s are 2.5 ms apart, and its action potential (a peak
    of 39 mV at 3.5 ms, the default run shows it) falls between them."""
    code, out, err = run_cli("simulate", "hh", "--scenario", "stimulus", "--t-end", "1 s")
    assert code == 0
    assert ("vrest: warning: the output times are 2.5 ms apart, more than the 1 ms between the scenario's steps at "
            "1 ms and 2 ms") in err
    code, out, err = run_cli("simulate", "hh", "--scenario", "stimulus")
    assert code == 0 and "warning" not in err and ", 39.06" in out.splitlines()[-1]


def test_the_tables_time_unit_is_the_figures():
    """A 1 s run's table was in s and its figure in ms; a 10 min run's rows are in min, as its figure's axis, and the
    gap between the run's times in a unit that shows it whole (401 times over 600 s: 1.5 s apart)."""
    code, out, err = run_cli("simulate", "pumpleak", "--t-end", "1 s")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["t", "[ms]"] and lines[-2].split()[0] == "1000"
    code, out, err = run_cli("simulate", "pumpleak", "--scenario", "high_K", "--t-end", "10 min")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["t", "[min]"] and lines[-2].split()[0] == "10"
    assert "the run's times are up to 1.5 s apart" in lines[-1]
