"""The membrane currents of a file as V's equation holds them: outward positive, whatever sign the file writes them
with, and the terms it writes inline (no named quantity) counted too.

Morris & Lecar (1981), BioModels BIOMD0000000324: C dV/dt = Iapp - gL (V - VL) - gCa M (V - VCa) - gK N (V - VK),
Iapp = 50 uA/cm^2 applied (inward positive), the three ionic currents inline. Written out here from the paper's
equations 1-2 (M_inf = (1 + tanh((V - V1)/V2))/2, N_inf likewise with V3, V4; lambda_X = lambda_X_bar
cosh((V - Vx)/(2 Vy))) and solved with mpmath; independent of vrest's reader."""

from __future__ import annotations

import json
from pathlib import Path

import mpmath
import pytest

from conftest import run_cli

FILE = str(Path(__file__).parent / "models" / "BIOMD0000000324.xml")
C, IAPP, GL, VL, GCA, VCA, GK, VK = 20, 50, 2, -50, 4, 100, 8, -70  # uF/cm^2, uA/cm^2, mS/cm^2, mV
V1, V2, V3, V4, LAMBDA_M, LAMBDA_N = 0, 15, 10, 10, 1, mpmath.mpf("0.1")  # mV, 1/ms


def _rates(v, m, n):
    m_inf, n_inf = (1 + mpmath.tanh((v - V1) / V2)) / 2, (1 + mpmath.tanh((v - V3) / V4)) / 2
    lm, ln = LAMBDA_M * mpmath.cosh((v - V1) / (2 * V2)), LAMBDA_N * mpmath.cosh((v - V3) / (2 * V4))
    ionic = GL * (v - VL) + GCA * m * (v - VCA) + GK * n * (v - VK)
    return [(IAPP - ionic) / C, lm * (m_inf - m), ln * (n_inf - n)]


@pytest.fixture(scope="module")
def rest():
    mpmath.mp.dps = 30
    v = mpmath.findroot(lambda v: _rates(v, (1 + mpmath.tanh((v - V1) / V2)) / 2,
                                         (1 + mpmath.tanh((v - V3) / V4)) / 2)[0], 6)
    state = [v, (1 + mpmath.tanh((v - V1) / V2)) / 2, (1 + mpmath.tanh((v - V3) / V4)) / 2]
    jac = mpmath.matrix(3, 3)
    for j in range(3):
        for i in range(3):
            jac[i, j] = mpmath.diff(lambda x, i=i, j=j: _rates(*state[:j], x, *state[j + 1:])[i], state[j])
    eigenvalues = sorted((complex(e) * 1000 for e in mpmath.eig(jac, left=False, right=False)), key=lambda z: z.imag)
    return state, eigenvalues


def test_an_applied_current_is_inward_and_inline_currents_are_counted(rest):
    (v, m, n), eigenvalues = rest
    code, out, err = run_cli("rest", FILE, "--json")
    assert code == 0, err
    (state,) = json.loads(out)["resting_states"]
    assert state["V"] == pytest.approx(float(v), abs=1e-9) and state["stable"] is True
    got = sorted((complex(*e) for e in state["eigenvalues"]["values"]), key=lambda z: z.imag)
    assert got == pytest.approx(eigenvalues, rel=1e-8)  # -12.93 -+ 290.1i, -1469 /s
    ionic = GL * (v - VL) + GCA * m * (v - VCA) + GK * n * (v - VK)  # outward, +50 uA/cm^2 at rest
    assert state["currents"] == {
        "Iapp": {"unit": "uA/cm^2", "value": pytest.approx(-50, rel=1e-12)},
        "(unnamed terms of V's equation)": {"unit": "uA/cm^2", "value": pytest.approx(float(ionic), rel=1e-9)}}
    code, out, err = run_cli("rest", FILE)
    assert "currents at rest (outward positive): Iapp -50 uA/cm^2, (unnamed terms of V's equation) 50 uA/cm^2" in out


def test_the_current_balance_holds_every_term_of_vs_equation(rest):
    (v, _, _), _ = rest
    code, out, err = run_cli("derive", FILE, "--json")
    assert code == 0, err
    document = json.loads(out)
    assert document["current_balance"] == {
        "expression": "-Iapp + M*gCa*(V - VCa) + N*gK*(V - VK) + gL*(V - VL)", "unit": "A/m^2", "of": "currents"}
    (state,) = document["resting_states"]
    assert state["V"] == pytest.approx(float(v), abs=1e-9)
    assert state["currents"]["Iapp"]["value"] == pytest.approx(-50, rel=1e-12)


def test_the_applied_current_is_said_with_how_to_turn_it_off():
    """Iapp depends on no state and is added to dV/dt: the "resting state" at 6.39 mV is held by it, which the
    report did not say. Turned off (--stimulus Iapp) the paper's equations rest at the root of the ionic
    currents alone (mpmath here), the lowest of three equilibria."""
    code, out, err = run_cli("rest", FILE, "--json")
    assert code == 0, err
    assert json.loads(out)["applied_currents"] == ["Iapp"]
    code, out, err = run_cli("rest", FILE)
    assert out.splitlines()[-1] == (
        "note: the resting states above are held with Iapp = -50 uA/cm^2 (outward positive) on: a current the file "
        "adds to dV/dt that depends on no state (an applied current), kept as the file sets it; --stimulus Iapp "
        "turns it off")
    code, out, err = run_cli("rest", FILE, "--stimulus", "Iapp", "--json")
    assert code == 0, err
    document = json.loads(out)
    assert document["applied_currents"] == []
    with mpmath.workdps(30):
        def ionic(v):
            m, n = (1 + mpmath.tanh((v - V1) / V2)) / 2, (1 + mpmath.tanh((v - V3) / V4)) / 2
            return GL * (v - VL) + GCA * m * (v - VCA) + GK * n * (v - VK)

        v = mpmath.findroot(ionic, -50)
    assert document["resting_states"][0]["V"] == pytest.approx(float(v), abs=1e-9)
    assert document["resting_states"][0]["stable"] is True


def test_a_constant_pump_current_is_no_applied_current():
    """neuron's constant pump current depends on no state too, but is subtracted from dV/dt as a membrane current."""
    code, out, err = run_cli("rest", "neuron", "--json")
    assert code == 0, err
    assert json.loads(out)["applied_currents"] == []
