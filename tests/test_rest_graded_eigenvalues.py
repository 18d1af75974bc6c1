"""A pump-leak cell of fixed volume whose pump leaves almost no Na+ inside: its Jacobian spans 10 to 20 decades,
and its slow eigenvalues are still well determined (the entries are, each to its own rounding).

The cell: 37 degC, 1 uF/cm^2, 500 um^2, 1000 um^3, ohmic leaks g_K 0.1, g_Na 0.01, g_Cl 0.05 mS/cm^2, K 140/5,
Na 10/145, Cl 10/150 mM (in/out), impermeant anions 140 mM (z = -1), a constant 3:2 pump. The expected values
come from the equations written out below in mpmath (60 digits): the steady state (each leak balancing its
pump share, V = E_Cl, zero net charge beyond the capacitor's) and the eigenvalues of the Jacobian of
(V, N_K, N_Na, N_Cl) there, one of which is the charge law's 0.
"""

from __future__ import annotations

import json

import mpmath
import pytest
from conftest import run_cli

R, F, T = mpmath.mpf("8.314462618"), mpmath.mpf("96485.33212"), mpmath.mpf("310.15")
G = {"K": mpmath.mpf("1"), "Na": mpmath.mpf("0.1"), "Cl": mpmath.mpf("0.5")}  # S/m^2
OUT = {"K": 5, "Na": 145, "Cl": 150}  # mM = mol/m^3
C_M, AREA, VOL, A_I = mpmath.mpf("0.01"), mpmath.mpf("500e-12"), mpmath.mpf("1000e-18"), 140


def _cell(pump: str) -> dict:
    return {
        "model": {"name": "fixedvol", "temperature": "37 degC"},
        "membrane": {"capacitance": "1 uF/cm^2", "area": "500 um^2", "volume": "1000 um^3"},
        "ions": {"K": {"valence": 1, "inside": "140 mM", "outside": "5 mM", "conductance": "0.1 mS/cm^2"},
                 "Na": {"valence": 1, "inside": "10 mM", "outside": "145 mM", "conductance": "0.01 mS/cm^2"},
                 "Cl": {"valence": -1, "inside": "10 mM", "outside": "150 mM", "conductance": "0.05 mS/cm^2"}},
        "impermeant": {"valence": -1, "concentration": "140 mM"},
        "pump": {"current": f"{pump} uA/cm^2", "stoichiometry": {"Na": 3, "K": -2}},
    }


def _written_out(pump: str):
    """(V in volts, the nonzero eigenvalues in 1/s slowest first, Na_i in mM) at the steady state."""
    with mpmath.workdps(60):
        thermal, current = R * T / F, mpmath.mpf(pump) / 100

        def inside(v):
            return (OUT["K"] * mpmath.exp(-(v - 2 * current / G["K"]) / thermal),
                    OUT["Na"] * mpmath.exp(-(v + 3 * current / G["Na"]) / thermal), OUT["Cl"] * mpmath.exp(v / thermal))

        v = mpmath.findroot(lambda v: F * VOL * (sum(inside(v)[:2]) - inside(v)[2] - A_I) - C_M * AREA * v,
                            mpmath.mpf("-0.03"))

        def rates(y):
            v, n_k, n_na, n_cl = y
            i_k = G["K"] * (v - thermal * mpmath.log(OUT["K"] * VOL / n_k))
            i_na = G["Na"] * (v - thermal * mpmath.log(OUT["Na"] * VOL / n_na))
            i_cl = G["Cl"] * (v + thermal * mpmath.log(OUT["Cl"] * VOL / n_cl))
            return [-(i_k + i_na + i_cl + current) / C_M, -AREA * (i_k - 2 * current) / F,
                    -AREA * (i_na + 3 * current) / F, AREA * i_cl / F]

        y = [v] + [c * VOL for c in inside(v)]
        jacobian = mpmath.matrix(4, 4)
        for j in range(4):
            step = y[j] * mpmath.mpf("1e-25")
            up, down = list(y), list(y)
            up[j] += step
            down[j] -= step
            for i, (a, b) in enumerate(zip(rates(up), rates(down))):
                jacobian[i, j] = (a - b) / (2 * step)
        values = sorted((float(mpmath.re(e)) for e in mpmath.eig(jacobian)[0]), key=abs)
    assert abs(values[0]) < 1e-20 * abs(values[-1])  # the charge law's zero
    return float(v), values[1:], float(inside(v)[1])


@pytest.mark.parametrize("pump", ["2", "3", "5"])
def test_slow_eigenvalues_beside_one_twenty_decades_faster(pump, write_model):
    """Na_i at rest: 1e-7, 1e-12 and 1e-22 mM; the Na+ pool relaxes at -7.5e4, -1.1e10 and -1.8e20 /s. The slow
    mode (-2.5e-3, -1.4e-3, -5.6e-4 /s) and the membrane's (-150 /s) were called zero at 3 and 5 uA/cm^2, and
    the cell unstable."""
    v, values, _ = _written_out(pump)
    code, out, err = run_cli("rest", str(write_model(_cell(pump))), "--json")
    assert code == 0, err
    (state,) = json.loads(out)["resting_states"]
    assert state["V"] == pytest.approx(v * 1e3, abs=1e-9) and state["stable"] is True
    found = sorted((re for re, _ in state["eigenvalues"]["values"]), key=abs)
    assert found == pytest.approx(values, rel=1e-6)


def test_the_verdict_says_when_the_rest_holds_less_than_one_ion(write_model):
    """At 5 uA/cm^2 the cell rests with 7.6e-23 mM of Na+ inside: less than one particle in a nanolitre, as vrest
    derive says of V_ss; at 2 uA/cm^2 (1e-7 mM) nothing is said."""
    for pump, said in (("5", True), ("2", False)):
        na = _written_out(pump)[2]
        code, out, err = run_cli("rest", str(write_model(_cell(pump))), "--json")
        assert code == 0, err
        verdict = json.loads(out)["verdict"]
        assert (f"; there Na_i = {na:.3g} mM, below 1e-15 mM (less than one particle" in verdict) is said
