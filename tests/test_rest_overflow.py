"""Where a published model's numbers get extreme: a time constant 1/(exp(a) + exp(b)) whose exponentials
overflow, and a slow decay beside gates a trillion times faster. Expected values come from mpmath at 50
digits, from eigenvalues known by construction, and (tests/test_import_rest.py) from Myokit's equations
run by SciPy."""

from __future__ import annotations

import json

import mpmath
import numpy as np
import pytest
import sympy as sp

from conftest import run_cli
from vrest.derive.rest.exp_sums import derivative
from vrest.derive.rest.stability import eigenvalues, is_neutral, is_stable

V = sp.Symbol("V", real=True)
# O'Hara-Rudy (2011), the time constant of hL's companions: 1.354 + 1e-4/(exp((V-167.4)/15.89) + exp(-(V-12.23)/0.2154))
# with V in mV, here in volts.
TAU = sp.Rational(677, 500) + sp.Rational(1, 10000) / (sp.exp(sp.Rational(61150, 1077) - sp.Rational(5000000, 1077) * V)
                                                      + sp.exp(sp.Rational(100000, 1589) * V - sp.Rational(16740, 1589)))


def _mp_derivative(v: str) -> mpmath.mpf:
    with mpmath.workdps(50):
        a = mpmath.mpf(61150) / 1077 - mpmath.mpf(5000000) / 1077 * mpmath.mpf(v)
        b = mpmath.mpf(100000) / 1589 * mpmath.mpf(v) - mpmath.mpf(16740) / 1589
        d = mpmath.exp(a) + mpmath.exp(b)
        return -mpmath.mpf(1) / 10000 * (-mpmath.mpf(5000000) / 1077 * mpmath.exp(a)
                                         + mpmath.mpf(100000) / 1589 * mpmath.exp(b)) / d**2


@pytest.mark.parametrize("v", ["-0.2", "-0.15", "-0.1", "-0.088", "-0.02", "0", "0.05", "0.5", "2"])
def test_the_derivative_of_a_time_constant_is_finite_where_its_exponentials_overflow(v):
    f = sp.lambdify([V], derivative(TAU, V), modules="numpy")
    with np.errstate(invalid="raise", divide="raise", over="ignore", under="ignore"):  # no inf/inf, no 0*inf
        value = float(f(np.float64(v)))
    expected = _mp_derivative(v)
    # exp(a) with a near 500 carries a relative error of about a eps from the rounding of a itself (5e-14);
    # below the smallest normal double, the rounding is absolute.
    assert abs(value - float(expected)) <= 1e-12 * abs(float(expected)) + np.finfo(float).tiny


def test_a_derivative_without_a_sum_of_exponentials_is_sympys():
    x = V**2 / (1 + V**2) + sp.exp(-V) / 3
    assert derivative(x, V) == sp.diff(x, V)


def _similar(values: list[float], seed: int) -> np.ndarray:
    """A non-symmetric matrix with these eigenvalues: diag(values) under a random well-conditioned similarity."""
    rng = np.random.default_rng(seed)
    basis = np.eye(len(values)) + 0.05 * rng.standard_normal((len(values), len(values)))
    return basis @ np.diag(values) @ np.linalg.inv(basis)


def test_a_slow_decay_beside_very_fast_gates_is_stable():
    # O'Hara-Rudy with 0.5 mM K+ outside rests at -149.3 mV: -1.2e-3 /s beside gates at -1.5e9 /s (a ratio of
    # 8e-13). A Myokit run of the file's equations comes to rest there.
    values = [-1.2e-3, -0.0144, -0.548, -57.1, -2.8e3, -2.45e8, -1.49e9]
    found = eigenvalues(_similar(values, 1), [], np.ones(len(values)), np.zeros(len(values)))
    assert is_stable(found) and not is_neutral(found)
    assert sorted(found.real, reverse=True) == pytest.approx(values, rel=1e-6, abs=1e-6)


def test_a_zero_eigenvalue_hidden_by_rounding_is_zero():
    # A direction along a family of equilibria (a conservation law not written down): its computed value is
    # rounding, about eps times the matrix's size.
    values = [0.0, -0.5, -3.0, -40.0, -2e4, -1e7]
    found = eigenvalues(_similar(values, 2), [], np.ones(len(values)), np.zeros(len(values)))
    assert is_neutral(found) and not is_stable(found)
    assert found[0] == 0 and sorted(found.real[1:], reverse=True) == pytest.approx(values[1:], rel=1e-8)


SLOW_PUMP_LEAK = {  # a pump-leak cell whose slowest decay is 1.7e12 times slower than its fastest
    "model": {"name": "slow_pump_leak", "temperature": "20 degC"},
    "membrane": {"capacitance": "0.73 uF/cm^2", "area": "351.417 um^2", "volume": "211.583 um^3",
                 "water_permeability": "1.029e-12 cm/s/Pa"},
    "ions": {"K": {"valence": 1, "inside": "121.064 mM", "outside": "1.37514 mM", "conductance": "0.001522 mS/cm^2"},
             "Na": {"valence": 1, "inside": "2.0849 mM", "outside": "143.438 mM", "permeability": "3.584e-06 cm/s"},
             "Cl": {"valence": -1, "inside": "21.3749 mM", "outside": "144.813 mM", "conductance": "0.07157 mS/cm^2"}},
    "pump": {"current": "0.0433087 uA/cm^2", "stoichiometry": {"Na": 3, "K": -2}},
    "impermeant": {"concentration": "101.773 mM", "valence": -1},
    "bath": {"impermeant": "11.2542 mM"},
}


def test_a_decay_of_32_years_beside_one_of_a_third_of_a_millisecond_is_stable(write_model):
    # The eigenvalues on the states the charge law leaves free, by mpmath at 50 digits from the written-out
    # pump-leak equations: -2736.66, -2.30175e-5, -9.81635e-7, -1.5988e-9 /s (every one negative: stable).
    code, out, err = run_cli("rest", str(write_model(SLOW_PUMP_LEAK)), "--range", "-300..200mV", "--json")
    assert code == 0, err
    (state,) = json.loads(out)["resting_states"]
    assert state["stable"]
    values = sorted(re for re, _ in state["eigenvalues"]["values"])
    assert values == pytest.approx([-2736.66, -2.30175e-5, -9.81635e-7, -1.5988e-9], rel=1e-4)
