"""`vrest simulate` and codegen.simulate against independent references.

The rundown reference is a right-hand side written here from the textbook equations
(GHK currents, saturating 3:2 pump, amount balances, osmotic water flux; DOMAIN.md
sections 2, 4, 6, 7) and integrated by SciPy's Radau at tight tolerances.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from vrest.codegen.simulation.integrate import simulate
from vrest.derive.builtin import resolve_model
from tests.conftest import run_cli


def _derived(model: str, quantity: str) -> float:
    code, out, err = run_cli("derive", model, "--json")
    assert code == 0, err
    return json.loads(out)["quantities"][quantity]["value"]


def _simulate_json(*argv: str) -> dict:
    code, out, err = run_cli("simulate", *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def _textbook_pumpleak(pump_on: bool, pump_scale: float = 1.0):
    """dy/dt for y = (V, N_K, N_Na, N_Cl, Vol), parameters as data from the model file (I_max x pump_scale)."""
    m = resolve_model("pumpleak")
    v = {p.name: float(p.value) for p in m.parameters}
    R, F, T = v["R"], v["F"], v["T"]
    osm_out = v["K_o"] + v["Na_o"] + v["Cl_o"] + v["B_o"]

    def ghk(P, z, inside, outside, V):
        u = z * F * V / (R * T)
        return P * z * F * u * (inside - outside * np.exp(-u)) / (1 - np.exp(-u))

    def rhs(t, y):
        V, nk, nna, ncl, vol = y
        ki, nai, cli = nk / vol, nna / vol, ncl / vol
        i_k, i_na, i_cl = ghk(v["P_K"], 1, ki, v["K_o"], V), ghk(v["P_Na"], 1, nai, v["Na_o"], V), \
            ghk(v["P_Cl"], -1, cli, v["Cl_o"], V)
        pump = v["I_max"] * (nai / (nai + v["K_half_Na"])) ** 3 * (v["K_o"] / (v["K_o"] + v["K_half_K"])) ** 2
        pump *= pump_scale if pump_on else 0.0
        a = v["A_m"]
        return [
            -(i_k + i_na + i_cl + pump) / v["C_m"],
            -a / F * (i_k - 2 * pump),
            -a / F * (i_na + 3 * pump),
            a / F * i_cl,
            v["L_p"] * a * R * T * ((nk + nna + ncl + v["N_A"]) / vol - osm_out),
        ]

    return rhs


def test_ouabain_instant_jump_is_minus_dV_pump():
    doc = _simulate_json("pumpleak", "--scenario", "ouabain", "--times", "0 s,20 ms")
    v0, v20 = doc["states"]["V"]["values"]
    assert doc["states"]["V"]["unit"] == "mV" and doc["t"]["values"] == [0.0, 0.02]
    # dV_pump is derived at the file's (rounded) composition, the run starts at the exact
    # steady state a fraction of a mM away: agreement to 1% of the 0.92 mV jump.
    assert v20 - v0 == pytest.approx(-_derived("pumpleak", "dV_pump"), abs=0.01)


def test_ouabain_rundown_matches_an_independent_integration():
    times = [0.0, 1.0, 60.0, 600.0, 1800.0, 3600.0, 10800.0]
    doc = _simulate_json("pumpleak", "--scenario", "ouabain", "--times", ",".join(f"{t} s" for t in times))
    start = [doc["states"]["V"]["values"][0] / 1e3]
    volume0 = doc["states"]["volume"]["values"][0] * 1e-18
    start += [doc["states"][f"{x}_i"]["values"][0] * volume0 for x in ("K", "Na", "Cl")] + [volume0]
    np.testing.assert_allclose(_textbook_pumpleak(True)(0, start), 0, atol=1e-12 * np.abs(start).max())
    reference = solve_ivp(_textbook_pumpleak(False), (0, times[-1]), start, method="Radau", t_eval=times,
                          rtol=1e-11, atol=1e-13 * np.abs(start))
    assert reference.success
    V, nk, nna, ncl, vol = reference.y
    np.testing.assert_allclose(doc["states"]["V"]["values"], V * 1e3, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(doc["states"]["K_i"]["values"], nk / vol, rtol=1e-6)
    np.testing.assert_allclose(doc["states"]["Na_i"]["values"], nna / vol, rtol=1e-6)
    np.testing.assert_allclose(doc["states"]["Cl_i"]["values"], ncl / vol, rtol=1e-6)
    np.testing.assert_allclose(doc["states"]["volume"]["values"], vol * 1e18, rtol=1e-6)
    assert doc["states"]["V"]["values"][-1] > -20  # the gradients have run down


def test_starts_at_steady_state_without_a_scenario():
    doc = _simulate_json("pumpleak", "--times", "0 s,1 s,1 h")
    for name, column in doc["states"].items():
        np.testing.assert_allclose(column["values"], column["values"][0], rtol=1e-7, err_msg=name)


def test_voltage_only_model_relaxes_to_the_leak_potential():
    doc = _simulate_json("neuron", "--scenario", "ouabain", "--t-end", "100 ms")
    assert list(doc["states"]) == ["V"]
    assert doc["states"]["V"]["values"][0] == pytest.approx(_derived("neuron", "V_ss"), abs=1e-9)
    assert doc["states"]["V"]["values"][-1] == pytest.approx(_derived("neuron", "V_leak"), abs=1e-4)  # 10 tau_m: e^-10 of the jump left


def test_a_batch_of_pump_rates_equals_single_runs():
    model = resolve_model("pumpleak")
    rates = np.array([0.5, 1.0, 1.5]) * 0.015
    times = np.array([0.0, 10.0, 600.0, 3600.0])
    batch = simulate(model, None, times, params={"I_max": rates})
    assert batch.y.shape == (5, 3, 4)
    for k, rate in enumerate(rates):
        single = simulate(model, None, times, params={"I_max": rate})
        np.testing.assert_allclose(batch.y[:, k, :], single.y, rtol=1e-6, atol=0)
    assert batch.y[0, 0, -1] > batch.y[0, 2, -1]  # a weaker pump depolarises


def test_csv_and_plot(tmp_path):
    csv_path, png_path = tmp_path / "run.csv", tmp_path / "run.png"
    code, out, err = run_cli("simulate", "pumpleak", "--scenario", "ouabain", "--t-end", "1 h", "--out",
                             str(csv_path), "--plot", str(png_path))
    assert code == 0, err
    lines = csv_path.read_text().splitlines()
    assert lines[0] == "t [s],V [mV],K_i [mM],Na_i [mM],Cl_i [mM],volume [um^3]"
    assert len(lines) == 402 and float(lines[-1].split(",")[0]) == 3600.0
    # each number as vrest sweep writes it: the shortest text of the double, a whole number without '.0'
    assert lines[1].split(",")[0] == "0" and lines[-1].split(",")[0] == "3600"
    for cell in (cell for line in lines[1:] for cell in line.split(",")):
        assert cell in (repr(float(cell)), repr(float(cell)).removesuffix(".0")), cell
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--t-end", "3 kg"], "--t-end"),
        (["--t-end", "3"], "--t-end"),
        (["--scenario", "nope"], "--scenario"),
        (["--times", "1 s,0 s"], "--times"),
    ],
    ids=["wrong-dimension", "bare-number", "unknown-scenario", "decreasing-times"],
)
def test_cli_errors_exit_2_with_one_line(argv, needle):
    code, out, err = run_cli("simulate", "pumpleak", *argv)
    assert code == 2
    assert err.count("\n") == 1 and needle in err


def test_the_start_state_is_found_once_per_model(monkeypatch, tmp_path):
    """simulate() without y0 reuses the model's pumped steady state (its root finding costs ~40 ms a call)."""
    from vrest.derive import steady_state as module

    calls = []
    original = module.steady_state
    monkeypatch.setattr(module, "steady_state", lambda *a, **k: calls.append(1) or original(*a, **k))
    path = tmp_path / "cell.toml"  # a model no earlier test has simulated
    text = (Path(__file__).parent.parent / "derive" / "models" / "pumpleak.toml").read_text()
    assert 'name = "pumpleak"' in text
    path.write_text(text.replace('name = "pumpleak"', 'name = "pumpleak_once"'))
    model = resolve_model(str(path))
    first = simulate(model, None, [0.0, 60.0])
    assert calls  # the first call finds it (code generation may derive V_ss too)
    calls.clear()
    second = simulate(model, None, [0.0, 60.0])
    assert not calls
    np.testing.assert_array_equal(first.y, second.y)
    start = first.y[:, 0]
    np.testing.assert_allclose(_textbook_pumpleak(True)(0, start), 0, atol=1e-12 * np.abs(start).max())
