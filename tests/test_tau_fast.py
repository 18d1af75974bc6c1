"""tau_fast: how fast V relaxes, with a voltage-dependent pump's slope conductance; tau_m keeps its meaning.

With Luo & Rudy's (1994) pump factor f_NaK(V) = 1/(1 + 0.1245 e^(-0.1 u) + 0.0365 sigma e^(-u)),
u = F V/(R T), sigma = (e^(Na_o/67.3 mM) - 1)/7, the pump current has a slope dI_pump/dV > 0, so V relaxes
with C_m/(g_leak + dI_pump/dV), a few per cent faster than tau_m = C_m/g_leak. The expected values are
written out here: the current balance and its derivative (mpmath), and for a cell with ion amounts and a
volume the eigenvalues of the Jacobian of its equations (mpmath, differentiated numerically) at the state
vrest starts simulations from.
"""

from __future__ import annotations

import copy

import mpmath
import pytest

from vrest.codegen.simulation.integrate import start_state
from vrest.derive.modelfile import model_from_dict
from vrest.derive.quantities import Derivations

mpmath.mp.dps = 30
F, R = mpmath.mpf("96485.33212"), mpmath.mpf("8.314462618")


def _lr94(v, t, na_o):
    u = F * v / (R * t)
    sigma = (mpmath.exp(na_o / mpmath.mpf("67.3")) - 1) / 7
    return 1 / (1 + mpmath.mpf("0.1245") * mpmath.exp(-u / 10) + mpmath.mpf("0.0365") * sigma * mpmath.exp(-u))


def _ghk(z, perm, inside, outside, v, t):
    u = z * F * v / (R * t)
    return perm * z * F * u * (inside - outside * mpmath.exp(-u)) / -mpmath.expm1(-u)


# -- V the only state: an ohmic neuron (the seed's conductances) with a constant pump times f_NaK(V) --------

NEURON = {
    "model": {"name": "ohmic", "temperature": "37 degC"},
    "membrane": {"capacitance": "1 uF/cm^2"},
    "ions": {"K": {"valence": 1, "inside": "140 mM", "outside": "4 mM", "conductance": "0.13 mS/cm^2"},
             "Na": {"valence": 1, "inside": "12 mM", "outside": "145 mM", "conductance": "0.02 mS/cm^2"}},
    "pump": {"current": "0.75 uA/cm^2", "stoichiometry": {"Na": 3, "K": -2}},
}
NEURON_LR94 = copy.deepcopy(NEURON)
NEURON_LR94["pump"]["voltage_dependence"] = "luo_rudy_1994"


def _seed_expected(data: dict) -> tuple[float, float]:
    """(tau_m, tau_fast) in s from the model's values, written out (ohmic leaks g (V - E))."""
    t = mpmath.mpf(data["model"]["temperature"].split()[0]) + mpmath.mpf("273.15")
    c_m = mpmath.mpf(data["membrane"]["capacitance"].split()[0]) * mpmath.mpf("1e-2")  # F/m^2
    pump = mpmath.mpf(data["pump"]["current"].split()[0]) * mpmath.mpf("1e-2")  # A/m^2
    leaks = []
    for ion in data["ions"].values():
        g = mpmath.mpf(ion["conductance"].split()[0]) * 10  # S/m^2
        e = R * t / (ion["valence"] * F) * mpmath.log(mpmath.mpf(ion["outside"].split()[0])
                                                      / mpmath.mpf(ion["inside"].split()[0]))
        leaks.append((g, e))
    na_o = mpmath.mpf(data["ions"]["Na"]["outside"].split()[0])
    lr94 = data["pump"].get("voltage_dependence") == "luo_rudy_1994"

    def total(v):
        factor = _lr94(v, t, na_o) if lr94 else 1
        return sum(g * (v - e) for g, e in leaks) + pump * factor

    v_ss = mpmath.findroot(total, mpmath.mpf("-0.07"))
    g_leak = sum(g for g, _ in leaks)
    return float(c_m / g_leak), float(c_m / mpmath.diff(total, v_ss))


@pytest.mark.parametrize("data", [NEURON, NEURON_LR94], ids=["constant", "luo_rudy_1994"])
def test_v_only_tau_fast_counts_the_pump_slope(data):
    tau_m, tau_fast = _seed_expected(data)
    ctx = Derivations(model_from_dict(data))
    assert ctx.get("tau_m").value == pytest.approx(tau_m, rel=1e-12)  # the leaks' own, as before
    derived = ctx.get("tau_fast")
    assert derived.value == pytest.approx(tau_fast, rel=1e-10) and derived.unit == "ms"
    if data is NEURON_LR94:
        assert 0.005 < 1 - tau_fast / tau_m < 0.1  # the pump's slope shortens it by a few per cent
        assert derived.method == "numeric" and "the pump's too" in derived.description
    else:
        assert tau_fast == pytest.approx(tau_m, rel=1e-14) and derived.method == "closed form"


# -- with ion amounts and a volume: a pump proportional to Na_i, times f_NaK(V) ------------------------------

CELL = {
    "model": {"name": "lr_cell", "temperature": "37 degC"},
    "membrane": {"capacitance": "1 uF/cm^2", "area": "804.25 um^2", "volume": "2000 um^3",
                 "water_permeability": "1e-10 cm/s/Pa"},
    "ions": {"K": {"valence": 1, "inside": "140 mM", "outside": "5 mM", "permeability": "5e-6 cm/s"},
             "Na": {"valence": 1, "inside": "12 mM", "outside": "140 mM", "permeability": "5e-8 cm/s"},
             "Cl": {"valence": -1, "inside": "8 mM", "outside": "145 mM", "permeability": "2e-6 cm/s"}},
    "pump": {"rate_per_Na": "4e-6 cm/s", "voltage_dependence": "luo_rudy_1994", "stoichiometry": {"Na": 3, "K": -2}},
    "impermeant": {"concentration": "144 mM", "valence": -1},
    "bath": {"impermeant": "10 mM"},
}


def _cell_rhs():
    """dy/dt of CELL, y = (V, N_K, N_Na, N_Cl, Vol) SI: GHK leaks, Na efflux lambda Na_i f_NaK(V) (3 Na out,
    2 K in per cycle, one charge out), amount balances, osmotic water flux."""
    t = mpmath.mpf("310.15")
    c_m, area, l_p = mpmath.mpf("1e-2"), mpmath.mpf("804.25e-12"), mpmath.mpf("1e-12")
    outside = {"K": mpmath.mpf(5), "Na": mpmath.mpf(140), "Cl": mpmath.mpf(145)}
    perm = {"K": mpmath.mpf("5e-8"), "Na": mpmath.mpf("5e-10"), "Cl": mpmath.mpf("2e-8")}
    valence = {"K": 1, "Na": 1, "Cl": -1}
    n_a, b_o, rate = mpmath.mpf(144) * mpmath.mpf("2000e-18"), mpmath.mpf(10), mpmath.mpf("4e-8")

    def rhs(y):
        v, vol = y[0], y[4]
        inside = dict(zip(("K", "Na", "Cl"), (n / vol for n in y[1:4])))
        current = {x: _ghk(valence[x], perm[x], inside[x], outside[x], v, t) for x in inside}
        cycles = rate * inside["Na"] / 3 * _lr94(v, t, outside["Na"])  # mol/(m^2 s)
        pump = F * cycles
        return [-(sum(current.values()) + pump) / c_m,
                -area * (current["K"] / F - 2 * cycles),
                -area * (current["Na"] / F + 3 * cycles),
                area * current["Cl"] / F,
                l_p * area * R * t * ((sum(y[1:4]) + n_a) / vol - sum(outside.values()) - b_o)]

    return rhs


def test_tau_fast_is_the_fastest_eigenvalue_of_the_full_model():
    model = model_from_dict(CELL)
    point = [mpmath.mpf(repr(float(x))) for x in start_state(model)]
    rhs = _cell_rhs()
    assert max(abs(r) / abs(s) for r, s in zip(rhs(point)[1:], point[1:])) < 1e-12  # a steady state
    scale = [abs(x) for x in point]
    jacobian = mpmath.matrix(5, 5)
    for j in range(5):
        def column(h, j=j):
            y = list(point)
            y[j] += h * scale[j]
            return rhs(y)
        derivative = [mpmath.diff(lambda h, i=i: column(h)[i], 0) for i in range(5)]
        for i in range(5):
            jacobian[i, j] = derivative[i] / scale[i]
    eigenvalues = mpmath.eig(jacobian, left=False, right=False)
    fastest = min(eigenvalues, key=lambda lam: mpmath.re(lam))
    assert min(abs(lam) for lam in eigenvalues) < 1e-9 * abs(fastest)  # charge conservation's zero
    ctx = Derivations(model)
    tau_fast, tau_m = ctx.get("tau_fast").value, ctx.get("tau_m").value
    assert tau_fast == pytest.approx(float(-1 / mpmath.re(fastest)), rel=1e-8)
    assert tau_fast == pytest.approx(1.924466e-3, rel=1e-6)  # an independent mpmath eigenvalue of this cell
    assert 0.01 < 1 - tau_fast / tau_m < 0.05  # tau_m = C_m/g_leak leaves out the pump's slope
    assert ctx.get("tau_fast").unit == "ms" and ctx.get("tau_slow").value > 100


# A cell whose ohmic Na+ leak (E_Na unbounded as Na_i -> 0) nearly empties it of Na+ (6.5e-9 mM at the steady
# state): the Na+ pool relaxes on its own at -1.23e7 /s, V's mode at -265.478 /s (an independent mpmath
# solution of the written-out equations and the eigenvectors of their Jacobian: V's component of the fast
# mode is 5.7e-7 of the Na+ amount's, relative to their values).
EMPTY_OF_NA = {
    "model": {"name": "empty_of_na", "temperature": "25 degC"},
    "membrane": {"capacitance": "1.65 uF/cm^2", "area": "1124.77 um^2", "volume": "737.32 um^3",
                 "water_permeability": "instant"},
    "ions": {"K": {"valence": 1, "inside": "138.244 mM", "outside": "2.14952 mM", "permeability": "5.043e-06 cm/s"},
             "Na": {"valence": 1, "inside": "7.95283 mM", "outside": "96.6096 mM", "conductance": "0.02554 mS/cm^2"},
             "Cl": {"valence": -1, "inside": "22.1967 mM", "outside": "98.7591 mM", "conductance": "0.04278 mS/cm^2"}},
    "pump": {"current": "5.611 uA/cm^2", "stoichiometry": {"Na": 3, "K": -2}},
    "impermeant": {"concentration": "124 mM", "valence": -1},
    "bath": {"impermeant": "14.1185 mM"},
}


def test_tau_fast_is_the_membrane_s_mode_not_a_faster_ion_pool():
    ctx = Derivations(model_from_dict(EMPTY_OF_NA))
    assert ctx.get("V_ss").value == pytest.approx(-57.288849255622e-3, abs=1e-12)  # V
    assert ctx.get("tau_fast").value == pytest.approx(1 / 265.478, rel=1e-5)  # s
