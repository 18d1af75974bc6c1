"""A formula that holds at the model's values only: its hint names a number of the right dimension, and its
counterexample lies away from the model's values (one input moved), not at the point where it held.

Reference (neuron, 37 degC, ohmic leaks, a constant pump, written out here): V_ss = (g_K E_K + g_Na E_Na +
g_Cl E_Cl - I_pump)/(g_K + g_Na + g_Cl), E_X = RT/(z F) ln(X_o/X_i).
"""

from __future__ import annotations

import mpmath
import pytest

from conftest import run_cli
from vrest.derive.verify import verify

R, F, T = mpmath.mpf("8.314462618"), mpmath.mpf("96485.33212"), mpmath.mpf("310.15")
NEURON = {"K": (140, 4, 1, "0.1"), "Na": (12, 145, 1, "0.015"), "Cl": (10, 110, -1, "0.035")}  # in, out, z, g


PUMP = mpmath.mpf("0.75")  # uA/cm^2 at the model's temperature


def v_ss_mV(pump=PUMP, **conductances) -> mpmath.mpf:
    total = weighted = mpmath.mpf(0)
    for name, (inside, outside, z, g) in NEURON.items():
        g = mpmath.mpf(conductances.get(name, g))
        weighted += g * R * T / (z * F) * mpmath.log(mpmath.mpf(outside) / inside) * 1000
        total += g
    return (weighted - pump) / total  # uA/cm^2 over mS/cm^2: mV


def test_the_hint_names_a_voltage_not_a_current():
    result = verify("V_ss = E_K + 18.4 mV")
    needed = v_ss_mV() - 1000 * R * T / F * mpmath.log(mpmath.mpf(4) / 140)  # V_ss - E_K = I_K/g_K
    assert float(needed) == pytest.approx(18.38, abs=0.005)
    assert result.identity.diagnosis == "18.4 mV would have to be 18.38 mV for the claim to be right"
    assert "I_K" not in result.identity.diagnosis


def test_the_counterexample_moves_one_input_away_from_the_model():
    result = verify("V_ss = E_K + 18.4 mV")
    example = result.identity.counterexample
    assert len(example.inputs) == 1  # one input moved, every other at the model's values
    (name, value), = example.inputs.items()
    assert name in ("g_Na", "g_K", "g_Cl", "T_ref")  # E_K + 18.4 mV does not move with them, V_ss does
    if name == "T_ref":  # the pump's Q10 law: 0.75 uA/cm^2 at T_ref, Q10 = 3 per 10 K, the cell at 310.15 K
        moved = v_ss_mV(pump=PUMP * 3 ** ((mpmath.mpf("310.15") - mpmath.mpf(value.value)) / 10))
    else:
        moved = v_ss_mV(**{name[2:]: str(value.value)})
    assert example.correct.value == pytest.approx(float(moved), abs=1e-9)
    assert abs(example.claimed.value - example.correct.value) > 1  # mV: not the model's own point
    code, out, _ = run_cli("verify", "V_ss = E_K + 18.4 mV")
    assert code == 3 and f"counterexample: {name} = " in out
