"""A cell whose current balance has several roots: every command starts from the state derive reports.

An inward-rectifier (I_K1) cell with a small Na leak has three equilibria: a stable rest near E_K, an
unstable one, and a stable one near E_Na (+70 mV, above the range resting states are looked in). derive's
V_ss is the most negative stable one; simulate --start steady, the exports and crosscheck must start there.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from scipy.optimize import brentq

from conftest import run_cli

R, F = 8.314462618, 96485.33212
T = 310.15
E_K = R * T / F * math.log(5.4 / 140)
E_NA = R * T / F * math.log(140 / 10)
G_K1, G_NA = 0.6e-3 * 1e4, 0.005e-3 * 1e4  # S/m^2

IK1_MODEL = {
    "model": {"name": "ik1cell", "temperature": "37 degC"},
    "membrane": {"capacitance": "1 uF/cm^2"},
    "ions": {"K": {"valence": 1, "inside": "140 mM", "outside": "5.4 mM"},
             "Na": {"valence": 1, "inside": "10 mM", "outside": "140 mM", "conductance": "0.005 mS/cm^2"}},
    "channels": {"K1": {"ion": "K", "conductance": "0.6 mS/cm^2", "units": {"V": "mV", "t": "ms"},
                        "open_fraction": "1/(1 + exp(0.07*(V - E_K + 15)))"}},
}


def _current(v: float) -> float:
    """I_K1 + I_Na (A/m^2) written out: the rectifier's open fraction in mV."""
    mv, ek = v * 1e3, E_K * 1e3
    return G_K1 / (1 + math.exp(0.07 * (mv - ek + 15))) * (v - E_K) + G_NA * (v - E_NA)


def _roots() -> list[float]:
    grid = np.linspace(-0.150, 0.100, 2501)
    values = [_current(v) for v in grid]
    return [brentq(_current, a, b, xtol=1e-15) for a, b, fa, fb in zip(grid, grid[1:], values, values[1:])
            if fa * fb < 0]


def _rest() -> float:
    """The most negative root where the current rises with V: stable (V is the only state)."""
    roots = _roots()
    assert len(roots) == 3 and roots[2] > 0.06  # the third stable state lies above the searched range
    return next(v for v in roots if _current(v + 1e-7) > _current(v - 1e-7))


def test_simulate_derive_and_exports_start_at_the_same_rest(write_model, tmp_path):
    rest_mv = _rest() * 1e3
    assert rest_mv == pytest.approx(-79.835, abs=1e-3)
    path = write_model(IK1_MODEL)
    code, out, err = run_cli("derive", str(path), "--json", "--quantity", "V_ss")
    assert code == 0, err
    v_ss = json.loads(out)["quantities"]["V_ss"]
    assert v_ss["value"][v_ss["stable"].index(True)] == pytest.approx(rest_mv, abs=1e-9)
    code, out, err = run_cli("simulate", str(path), "--t-end", "1 ms", "--json")
    assert code == 0, err
    assert json.loads(out)["states"]["V"]["values"][0] == pytest.approx(rest_mv, abs=1e-9)
    code, _, err = run_cli("export", str(path), "--to", "cellml", "-o", str(tmp_path / "out"))
    assert code == 0, err
    cellml = next((tmp_path / "out").glob("*.cellml")).read_text()
    start = re.search(r'<variable name="V" units="mV" initial_value="([^"]+)"', cellml)
    assert float(start.group(1)) == pytest.approx(rest_mv, abs=1e-9)


def test_steady_start_ignores_an_initial_potential_near_another_state(write_model):
    """membrane.initial_potential is where --start given begins; --start steady is still derive's V_ss."""
    rest_mv = _rest() * 1e3
    model = {**IK1_MODEL, "membrane": {"capacitance": "1 uF/cm^2", "initial_potential": "60 mV"}}
    path = write_model(model)
    code, out, err = run_cli("simulate", str(path), "--t-end", "1 ms", "--json")
    assert code == 0, err
    assert json.loads(out)["states"]["V"]["values"][0] == pytest.approx(rest_mv, abs=1e-9)
    code, out, err = run_cli("simulate", str(path), "--t-end", "1 ms", "--json", "--start", "given")
    assert code == 0, err
    assert json.loads(out)["states"]["V"]["values"][0] == pytest.approx(60, abs=1e-9)


def test_derive_table_marks_the_unstable_state(write_model):
    """Both roots in -150..60 mV are listed; the one where the current falls with V is marked unstable."""
    roots = [v for v in _roots() if v < 0.06]
    falling = [_current(v + 1e-7) < _current(v - 1e-7) for v in roots]
    assert falling == [False, True]
    code, out, err = run_cli("derive", str(write_model(IK1_MODEL)), "--quantity", "V_ss", "--quantity", "tau_m")
    assert code == 0, err
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith(("V_ss", "tau_m"))}
    shown = re.match(r"V_ss\s+(\S+), (\S+) \(unstable\) mV\s", rows["V_ss"])
    assert [float(shown.group(k)) for k in (1, 2)] == pytest.approx([v * 1e3 for v in roots], abs=1e-3)
    assert "each stable unless marked" in rows["V_ss"]
    tau = re.match(r"tau_m\s+(\S+), (\S+) \(unstable\) ms", rows["tau_m"])
    assert float(tau.group(1)) > 0 > float(tau.group(2))  # C_m over a negative slope at the unstable state


def test_tau_fast_has_one_value_per_state_and_no_pump_wording(write_model):
    """V the only state: tau_fast = C_m/(dI/dV) at each root, C_m = 1 uF/cm^2 (0.01 F/m^2)."""
    roots = [v for v in _roots() if v < 0.06]
    expected = [0.01 / ((_current(v + 1e-7) - _current(v - 1e-7)) / 2e-7) * 1e3 for v in roots]  # ms
    code, out, err = run_cli("derive", str(write_model(IK1_MODEL)), "--json", "--quantity", "tau_fast")
    assert code == 0, err
    tau = json.loads(out)["quantities"]["tau_fast"]
    assert tau["value"] == pytest.approx(expected, rel=1e-6) and tau["stable"] == [True, False]
    assert "pump" not in tau["description"]


# A persistent Na current with an instantaneous open fraction and a slow K gate: the most negative root where the
# steady-state current rises with V oscillates away (the fast regenerative Na against the slow K: a Hopf point),
# so the rest is the stable root near -22 mV.
HOPF_MODEL = {
    "model": {"name": "hopf", "temperature": "20 degC"},
    "membrane": {"capacitance": "1 uF/cm^2"},
    "channels": {
        "L": {"reversal": "-70 mV", "conductance": "0.05 mS/cm^2"},
        "NaP": {"reversal": "50 mV", "conductance": "0.5 mS/cm^2", "units": {"V": "mV", "t": "ms"},
                "open_fraction": "1/(1 + exp(-(V + 60)/3))"},
        "K": {"reversal": "-90 mV", "conductance": "0.5 mS/cm^2", "units": {"V": "mV", "t": "ms"},
              "gates": {"n": {"inf": "1/(1 + exp(-(V + 65)/4))", "tau": "50"}}},
    },
}


def _hopf_states() -> list[tuple[float, bool]]:
    """(V in mV, stable) at each root of the written-out I_ss (mV, ms, mS/cm^2, uA/cm^2, C_m = 1 uF/cm^2)."""
    f = lambda v: 1 / (1 + math.exp(-(v + 60) / 3))  # noqa: E731
    n = lambda v: 1 / (1 + math.exp(-(v + 65) / 4))  # noqa: E731
    i_ss = lambda v: 0.05 * (v + 70) + 0.5 * f(v) * (v - 50) + 0.5 * n(v) * (v + 90)  # noqa: E731
    grid = np.linspace(-150, 60, 4201)
    out = []
    for a, b in zip(grid, grid[1:]):
        if i_ss(a) * i_ss(b) < 0:
            v, h = brentq(i_ss, a, b, xtol=1e-13), 1e-6
            g_inst = (0.05 * (2 * h) + 0.5 * (f(v + h) * (v + h - 50) - f(v - h) * (v - h - 50))) / (2 * h) \
                + 0.5 * n(v)
            # d/dt (V, n): -(g_inst dV + g_K (V - E_K) dn)/C_m and (dn_inf/dV dV - dn)/tau, in 1/ms
            jacobian = np.array([[-g_inst, -0.5 * (v + 90)], [(n(v + h) - n(v - h)) / (2 * h) / 50, -1 / 50]])
            out.append((v, bool(np.all(np.linalg.eigvals(jacobian).real < 0))))
    return out


def test_a_rising_root_that_oscillates_is_not_the_start(write_model, tmp_path):
    states = _hopf_states()
    assert [s for _, s in states] == [False, False, True]
    rest = states[2][0]
    path = write_model(HOPF_MODEL)
    code, out, err = run_cli("derive", str(path), "--json", "--quantity", "V_ss")
    assert code == 0, err
    v_ss = json.loads(out)["quantities"]["V_ss"]
    assert v_ss["stable"] == [False, False, True] and v_ss["value"][2] == pytest.approx(rest, abs=1e-8)
    code, out, err = run_cli("simulate", str(path), "--t-end", "1 ms", "--json")
    assert code == 0, err
    assert json.loads(out)["states"]["V"]["values"][0] == pytest.approx(rest, abs=1e-8)
    code, _, err = run_cli("export", str(path), "--to", "cellml", "-o", str(tmp_path / "out"))
    assert code == 0, err
    start = re.search(r'<variable name="V" units="mV" initial_value="([^"]+)"',
                      next((tmp_path / "out").glob("*.cellml")).read_text())
    assert float(start.group(1)) == pytest.approx(rest, abs=1e-8)


def test_the_quasi_active_eigenvalues_are_the_jacobians():
    """hh at rest: the V-and-gates eigenvalues from C_m, g_inst and the branches equal the engine's from the full
    Jacobian (which test_channels checks against the written-out equations)."""
    from vrest.derive.builtin import resolve_model
    from vrest.derive.derivations.resting import resting_report
    from vrest.derive.quantities import Derivations
    from vrest.derive.quasi_active import quasi_active

    model = resolve_model("hh")
    rest = resting_report(Derivations(model)).resting_states[0]
    code, out, err = run_cli("derive", "hh", "--json", "--quantity", "eigenvalues")
    assert code == 0, err
    listed = json.loads(out)["quantities"]["eigenvalues"]["eigenvalues"]["values"]
    expected = sorted((complex(re_, im) for re_, im in listed), key=lambda z: (z.real, z.imag))
    found = sorted(quasi_active(model, rest.states).eigenvalues(), key=lambda z: (z.real, z.imag))
    assert len(found) == 4 and np.allclose(found, expected, rtol=1e-9)
