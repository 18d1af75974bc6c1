"""Slips the docs list are named where they were not: a sign slip between two unsolved lines of a steps file,
and V_ss written as the leaks' GHK voltage (the pump left out).

References written out here: neuron (ohmic) V = (sum g_X E_X -+ I_pump)/g_leak; squid (GHK leaks, a 1 uA/cm^2
pump) V_ss as the root of sum_X P_X z^2 F^2 V/(RT) (X_i - X_o e^-u)/(1 - e^-u) + I_pump = 0, u = z F V/(RT),
found by mpmath here.
"""

from __future__ import annotations

import mpmath
import pytest

from conftest import run_cli
from vrest.derive.verify import verify

R, F = mpmath.mpf("8.314462618"), mpmath.mpf("96485.33212")
STEPS = """I_K + I_Na + I_Cl + I_pump = 0
g_K (V - E_K) + g_Na (V - E_Na) + g_Cl (V - E_Cl) + I_pump = 0
V (g_K + g_Na + g_Cl) = g_K E_K + g_Na E_Na + g_Cl E_Cl + I_pump
"""


def neuron_v_mV(pump_sign: int) -> mpmath.mpf:
    t = mpmath.mpf("310.15")
    ions = [(140, 4, 1, "0.1"), (12, 145, 1, "0.015"), (10, 110, -1, "0.035")]
    weighted = sum(mpmath.mpf(g) * 1000 * R * t / (z * F) * mpmath.log(mpmath.mpf(o) / i) for i, o, z, g in ions)
    total = sum(mpmath.mpf(g) for *_, g in ions)
    return (weighted + pump_sign * mpmath.mpf("0.75")) / total


def test_a_sign_slip_between_unsolved_lines_is_named(tmp_path):
    path = tmp_path / "steps.txt"
    path.write_text(STEPS, encoding="utf-8")
    code, out, _ = run_cli("verify", str(path))
    assert code == 1 and "line 3 does not follow from line 2: solved for V" in out
    assert "likely slip: sign of the term I_pump flipped" in out
    result = verify(STEPS)
    example = result.counterexample
    assert example.claimed.unit == "mV"
    assert example.claimed.value == pytest.approx(float(neuron_v_mV(+1)), abs=1e-9)
    assert example.correct.value == pytest.approx(float(neuron_v_mV(-1)), abs=1e-9)


def squid_v_ss() -> mpmath.mpf:
    t = mpmath.mpf("293.15")
    ions = [(400, 20, 1, "1e-8"), (50, 440, 1, "4e-10"), (52, 560, -1, "4.5e-9")]  # mM, m/s

    def total(v):
        out = mpmath.mpf("0.01")  # the pump, A/m^2
        for inside, outside, z, p in ions:
            u = z * F * v / (R * t)
            out += mpmath.mpf(p) * z * F * u * (inside - outside * mpmath.exp(-u)) / (1 - mpmath.exp(-u))
        return out

    return mpmath.findroot(total, mpmath.mpf("-0.06"))


def test_v_ss_as_the_leaks_ghk_voltage_names_the_pump():
    claim = "V_ss = RT/F ln((P_K K_o + P_Na Na_o + P_Cl Cl_i)/(P_K K_i + P_Na Na_i + P_Cl Cl_o))"
    result = verify(claim, model="squid")
    assert not result.holds
    assert result.diagnosis.startswith("the pump's current left out: that is V_leak")
    assert result.counterexample.correct.value == pytest.approx(float(1000 * squid_v_ss()), abs=1e-6)
