"""g_leak of a model with a channel is the whole membrane's slope conductance, a luo_rudy_1994 pump's included.

The cell: ohmic K, Na and Cl leaks, an inward rectifier K1 (open fraction 1/(1 + exp((V - E_K + 10 mV)/12 mV))),
and Luo & Rudy's pump (Hill binding, n_Na = 1.5, n_K = 1, f_NaK(V)) at 35 degC. Written out here with mpmath: V_ss the
root of the total current, g_leak its derivative there, tau_m = C_m/g_leak. Without K1, g_leak is the leaks' alone
and the pump's slope is in tau_fast only (the documented split).
"""

from __future__ import annotations

import json

import mpmath as mp
import pytest
from conftest import run_cli

mp.mp.dps = 30
R, F, T = mp.mpf("8.314462618"), mp.mpf("96485.33212"), mp.mpf("308.15")
RT_F = R * T / F * 1000  # mV
K_I, K_O, NA_I, NA_O, CL_I, CL_O = 140, mp.mpf("5.4"), 10, 140, 10, 120
G = {"K": mp.mpf("0.1"), "Na": mp.mpf("0.01"), "Cl": mp.mpf("0.05")}  # mS/cm^2
E = {"K": RT_F * mp.log(K_O / K_I), "Na": RT_F * mp.log(mp.mpf(NA_O) / NA_I), "Cl": -RT_F * mp.log(mp.mpf(CL_O) / CL_I)}
G_K1, I_MAX, C_M = mp.mpf("0.3"), mp.mpf("1.2"), mp.mpf("1.5")  # mS/cm^2, uA/cm^2, uF/cm^2

CELL = """
[model]
name = "k1cell"
description = "ohmic leaks, an inward rectifier, Luo-Rudy's pump"
source = "test"
temperature = "35 degC"

[membrane]
capacitance = "1.5 uF/cm^2"

[ions.K]
valence = 1
inside = "140 mM"
outside = "5.4 mM"
conductance = "0.1 mS/cm^2"

[ions.Na]
valence = 1
inside = "10 mM"
outside = "140 mM"
conductance = "0.01 mS/cm^2"

[ions.Cl]
valence = -1
inside = "10 mM"
outside = "120 mM"
conductance = "0.05 mS/cm^2"
{channel}
[pump]
max_current = "1.2 uA/cm^2"
K_half_Na = "10 mM"
K_half_K = "1.5 mM"
binding = "hill"
hill_Na = 1.5
hill_K = 1
voltage_dependence = "luo_rudy_1994"
"""

K1 = """
[channels.K1]
ion = "K"
conductance = "0.3 mS/cm^2"
units = { V = "mV", t = "ms" }
open_fraction = "1/(1 + exp((V - E_K + 10)/12))"
"""


def pump(v):
    sigma = (mp.exp(mp.mpf(NA_O) / mp.mpf("67.3")) - 1) / 7
    f_nak = 1 / (1 + mp.mpf("0.1245") * mp.exp(-mp.mpf("0.1") * v / RT_F) + mp.mpf("0.0365") * sigma * mp.exp(-v / RT_F))
    na = mp.mpf(NA_I) ** mp.mpf("1.5") / (mp.mpf(NA_I) ** mp.mpf("1.5") + mp.mpf(10) ** mp.mpf("1.5"))
    return I_MAX * na * K_O / (K_O + mp.mpf("1.5")) * f_nak


def current(v, k1=True):
    leaks = sum(G[x] * (v - E[x]) for x in G)
    rectifier = G_K1 * (v - E["K"]) / (1 + mp.exp((v - E["K"] + 10) / 12)) if k1 else 0
    return leaks + rectifier + pump(v)


def _derive(tmp_path, channel: str) -> dict:
    path = tmp_path / "k1cell.toml"
    path.write_text(CELL.replace("{channel}", channel), encoding="utf-8")
    code, out, err = run_cli("derive", str(path), "--quantity", "V_ss,g_leak,tau_m,tau_fast", "--json")
    assert code == 0, err
    return json.loads(out)["quantities"]


def test_with_a_channel_g_leak_is_the_whole_membrane_s_slope(tmp_path):
    quantities = _derive(tmp_path, K1)
    v = mp.findroot(current, -80)
    slope = mp.diff(current, v)
    assert quantities["V_ss"]["value"] == pytest.approx(float(v), rel=1e-12)
    assert quantities["g_leak"]["value"] == pytest.approx(float(slope), rel=1e-9)
    assert quantities["tau_m"]["value"] == pytest.approx(float(C_M / slope), rel=1e-9)
    assert "the pump's slope included" in quantities["g_leak"]["description"]
    assert "the pump's slope included" in quantities["tau_m"]["description"]
    assert mp.diff(pump, v) > 1e-3  # the pump's share is no rounding


def test_without_a_channel_the_pump_s_slope_is_in_tau_fast_only(tmp_path):
    quantities = _derive(tmp_path, "")
    v = mp.findroot(lambda x: current(x, k1=False), -80)
    leaks = sum(G.values())
    assert quantities["g_leak"]["value"] == pytest.approx(float(leaks), rel=1e-12)
    assert quantities["tau_m"]["value"] == pytest.approx(float(C_M / leaks), rel=1e-12)
    assert quantities["tau_fast"]["value"] == pytest.approx(float(C_M / (leaks + mp.diff(pump, v))), rel=1e-9)
