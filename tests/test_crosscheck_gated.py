"""vrest crosscheck of a gated cell that does not fire: a bath step that depolarises it by 25 mV was scored as an
"action potential" peaking at the end of a 20 ms window, and checked to 0.5 mV while the slow gate had barely moved.
Such a course is now run until its slowest relaxation settles and compared at every output time, like a leak
model's; its numbers here come from the cell's equations written out and integrated by SciPy."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from conftest import run_cli
from scipy.integrate import solve_ivp
from scipy.optimize import brentq
from vrest.codegen.crosscheck import check, lems_runners
from vrest.codegen.exporters import render_files
from vrest.derive.builtin import resolve_model

F, R = 96485.33212, 8.314462618
T = 308.15  # 35 degC
C_M = 1e-2  # F/m^2
G_K, G_K1, G_KS = 0.5, 3.0, 2.0  # S/m^2 (0.05, 0.3, 0.2 mS/cm^2)
P_NA = 2e-10  # m/s (2e-8 cm/s)
I_PUMP = 5e-3  # A/m^2 (0.5 uA/cm^2), outward
K_I, NA_I, NA_O = 140.0, 10.0, 140.0  # mM = mol/m^3


def slow_cell(tau_ms: float = 200.0) -> dict:
    """A K leak, GHK Na, an inward rectifier, a slow K gate and a 3:2 pump; scenario highK: K_o 5.4 -> 15 mM at 5 ms."""
    return {
        "model": {"name": "slowcell", "temperature": "35 degC"},
        "membrane": {"capacitance": "1 uF/cm^2"},
        "ions": {"K": {"valence": 1, "inside": "140 mM", "outside": "5.4 mM", "conductance": "0.05 mS/cm^2"},
                 "Na": {"valence": 1, "inside": "10 mM", "outside": "140 mM", "permeability": "2e-8 cm/s"}},
        "channels": {"K1": {"ion": "K", "conductance": "0.3 mS/cm^2", "units": {"V": "mV", "t": "ms"},
                            "open_fraction": "1/(1 + exp((V - E_K + 10)/12))"},
                     "Ks": {"ion": "K", "conductance": "0.2 mS/cm^2", "units": {"V": "mV", "t": "ms"},
                            "gates": {"w": {"inf": "1/(1 + exp(-(V + 50)/8))", "tau": str(tau_ms)}}}},
        "pump": {"current": "0.5 uA/cm^2", "stoichiometry": {"Na": 3, "K": -2}},
        "scenario": {"highK": {"description": "K_o to 15 mM", "at": "5 ms", "set": {"ions.K.outside": "15 mM"}}},
    }


def _w_inf(v: float) -> float:
    return 1 / (1 + math.exp(-(v * 1e3 + 50) / 8))


def _current(v: float, w: float, k_o: float) -> float:
    """The membrane current (A/m^2, outward positive), written out."""
    e_k = R * T / F * math.log(k_o / K_I)
    u = F * v / (R * T)
    ghk = P_NA * F * u * (NA_I - NA_O * math.exp(-u)) / -math.expm1(-u)
    k1 = G_K1 / (1 + math.exp(((v - e_k) * 1e3 + 10) / 12))
    return (G_K + k1 + G_KS * w) * (v - e_k) + ghk + I_PUMP


def _rest(k_o: float = 5.4) -> float:
    return brentq(lambda v: _current(v, _w_inf(v), k_o), -0.100, -0.060, xtol=1e-16)


def _course(times: np.ndarray, tau_ms: float = 200.0) -> np.ndarray:
    """V (V) at ``times`` (s) from rest, K_o 15 mM from 5 ms on (LSODA at rtol 1e-12)."""
    tau = tau_ms * 1e-3

    def rates(t, y, k_o):
        v, w = y
        return [-_current(v, w, k_o) / C_M, (_w_inf(v) - w) / tau]

    v0 = _rest()
    first = solve_ivp(rates, (0, 0.005), [v0, _w_inf(v0)], args=(5.4,), method="LSODA", rtol=1e-12, atol=1e-14)
    later = times[times > 0.005]
    second = solve_ivp(rates, (0.005, later[-1]), first.y[:, -1], args=(15.0,), t_eval=later, method="LSODA",
                       rtol=1e-12, atol=1e-14)
    return np.concatenate([np.full((times <= 0.005).sum(), v0), second.y[0]])


def _slowest_after_the_step(tau_ms: float = 200.0) -> float:
    """The slowest time constant (s) of the written-out cell just after K_o goes to 15 mM."""
    v0 = _rest()

    def rates(y):
        v, w = y
        return np.array([-_current(v, w, 15.0) / C_M, (_w_inf(v) - w) / (tau_ms * 1e-3)])

    y0, steps = np.array([v0, _w_inf(v0)]), np.array([1e-7, 1e-7])
    jacobian = np.column_stack([(rates(y0 + h) - rates(y0 - h)) / (2 * h[k]) for k, h in enumerate(np.diag(steps))])
    return float(max(-1 / np.linalg.eigvals(jacobian).real))


def test_a_bath_step_that_depolarises_is_no_action_potential_and_runs_until_the_slow_gate_settles(write_model):
    model = resolve_model(str(write_model(slow_cell())))
    job = check.make_job(model)
    (course,) = job.courses
    assert not course.fires
    assert job.reference_v_ss * 1e3 == pytest.approx(_rest() * 1e3, abs=1e-9)
    assert course.reference.max() - job.reference_v_ss > 0.020  # 25 mV up: more than SPIKE_MV, and no spike
    # 5 of the slowest time constant the step starts, 0.2 ms apart at first: from the eigenvalues of the written-out
    # equations' Jacobian at the state the step finds (rest, K_o 15 mM), by central differences
    assert course.times[-1] == pytest.approx(0.005 + 5 * _slowest_after_the_step(), rel=1e-6)
    assert 1.02 < course.times[-1] < 1.04 and course.times[0] == pytest.approx(2e-4)
    assert np.max(np.abs(course.reference - _course(course.times))) * 1e3 < 1e-6


def test_its_table_compares_every_output_time_to_1e_6_mv(write_model, tmp_path):
    code, out, err = run_cli("crosscheck", str(write_model(slow_cell())), "-o", str(tmp_path / "out"),
                             "--simulator", "libcellml")
    assert code == 0, err
    header, columns, row = out.splitlines()[:3]
    assert header == ("slowcell: deviations from vrest's own V_ss (tolerance 1e-06 mV, held for 20 ms) and, for the "
                      "courses without a spike (highK), run until the slowest relaxation settles, V at every output "
                      "time (tolerance 1e-06 mV, or a fixed-step method's error bound)")
    assert "peak" not in columns and "max |dV| courses (mV)" in columns
    cells = re.split(r"\s{2,}", row)
    assert float(cells[2]) == pytest.approx(_rest() * 1e3, abs=1e-8)
    assert float(cells[4]) < 1e-6 and cells[5] == "1.0e-06" and cells[-1] == "yes"


def test_a_gated_model_with_and_without_a_spike_shows_both_checks(tmp_path):
    """hh with a second, subthreshold pulse (1 uA/cm^2 for 2 ms): the stimulus course by its peak, the weak one at
    every output time, in one table."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "derive" / "models" / "hh.toml").read_text(encoding="utf-8")
    text += ('\n[scenario.weak]\ndescription = "a subthreshold pulse"\nsteps = [\n'
             '  { at = "1 ms", set = { "stimulus.current" = "1 uA/cm^2" } },\n'
             '  { at = "3 ms", set = { "stimulus.current" = "0 uA/cm^2" } },\n]\n')
    (tmp_path / "hh2.toml").write_text(text, encoding="utf-8")
    job = check.make_job(resolve_model(str(tmp_path / "hh2.toml")))
    assert [(c.scenario.name, c.fires) for c in job.courses] == [("stimulus", True), ("weak", False)]
    code, out, err = run_cli("crosscheck", str(tmp_path / "hh2.toml"), "--simulator", "libcellml")
    assert code == 0, err
    header, columns, row = out.splitlines()[:3]
    assert "for the courses that fire (stimulus), the action potential's peak" in header
    assert "; for the courses without a spike (weak), run until the slowest relaxation settles" in header
    names = re.split(r"\s{2,}", columns)
    assert names[4:8] == ["max |dV| courses (mV)", "tolerance (mV)", "|dV| peak (mV)", "|dt| peak (ms)"]
    cells = re.split(r"\s{2,}", row)
    assert float(cells[4]) < 1e-6 and float(cells[6]) < 1e-3 and float(cells[7]) < 1e-3 and cells[-1] == "yes"


def test_pylems_takes_a_step_after_0_s_at_its_time(write_model, tmp_path):
    """jnml and PyLEMS run the same LEMS file with the same Euler steps and act on a step after 0 s at the same grid
    point: read with the same lag, their courses agree (PyLEMS was read a step early: 1.1e-2 mV 0.2 ms after the
    step, more than Euler's error bound of the job). A 20 ms gate keeps PyLEMS's Python steps few."""
    model = resolve_model(str(write_model(slow_cell(tau_ms=20.0))))
    job = check.make_job(model)
    for file, text in render_files(model, "neuroml").items():
        (tmp_path / file).write_text(text, encoding="utf-8")
    jnml = lems_runners.run_jnml_check(model, tmp_path, job).course
    pylems = lems_runners.run_pylems_check(model, tmp_path, job).course
    bound = lems_runners.euler_tolerance(model, job)
    reference = job.courses[0].reference
    assert np.max(np.abs(pylems - jnml)) * 1e3 < 1e-5
    assert np.max(np.abs(pylems - reference)) * 1e3 < bound
    exact = _course(job.courses[0].times, tau_ms=20.0)
    assert np.max(np.abs(pylems - exact)) * 1e3 < bound


def test_an_action_potential_is_told_from_a_step_to_a_new_level_and_from_a_washout():
    t = np.linspace(0, 0.03, 3001)
    rest = -0.070
    step = rest + 0.030 * (1 - np.exp(-t / 0.005))  # 30 mV up, and stays
    spike = rest + 0.100 * np.exp(-((t - 0.005) / 0.001) ** 2)  # 100 mV up and back within 5 ms
    plateau = rest + np.where(t < 0.001, 0.0, 0.110 - 0.015 * (1 - np.exp(-(t - 0.001) / 0.002)))  # jumps at 1 ms
    assert check.action_potential(t, step, rest) is None
    assert check.action_potential(t, spike, rest) == pytest.approx(0.005)
    # a step at 1 ms: V's largest value is the jump at its span's start, no maximum V rose to
    assert check.action_potential(t, plateau, rest, starts=(0.0, 0.001)) is None
    assert check.action_potential(t, rest + 0.015 * np.exp(-((t - 0.005) / 0.001) ** 2), rest) is None  # 15 mV
    # up 40 mV at 5 ms, back at 15 ms by a washout: the fall is the washout's, a span of its own (it was a "spike"
    # peaking where V had no maximum)
    washout = rest + np.where((t > 0.005) & (t <= 0.015), 0.040 * (1 - np.exp(-(t - 0.005) / 0.001)), 0.0)
    assert check.action_potential(t, washout, rest, starts=(0.0, 0.005, 0.015)) is None
    assert check.action_potential(t, spike, rest, starts=(0.0, 0.002)) == pytest.approx(0.005)


def test_a_slow_cell_with_a_washout_is_compared_at_every_output_time(write_model):
    """The cold review's cell: K_o up at 50 ms, washed out at 3 s; V falls 59 mV after the washout."""
    data = slow_cell()
    data["scenario"] = {"washout": {"steps": [{"at": "50 ms", "set": {"ions.K.outside": "40 mM"}},
                                              {"at": "3 s", "set": {"ions.K.outside": "5.4 mM"}}]}}
    (course,) = check.make_job(resolve_model(str(write_model(data)))).courses
    assert not course.fires and course.times[-1] > 3.9
