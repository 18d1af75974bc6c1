"""The pump-leak steady state at weak pump rates, down to no pump at all (the Donnan state), in derive,
simulate, sweep and sensitivity, against an mpmath root of the steady-state equations written out here.

The reference does not use vrest. At a steady state of the pump-leak cell (GHK leaks, saturating 3:2
pump, water following the osmotic gradient, trapped impermeant anions N_A, an impermeant bath solute):
- Cl is not pumped, so its flux is zero: Cl_i = Cl_o exp(F V / R T) (V = E_Cl);
- Na flux balance: I_Na(Na_i, V) + 3 I_p(Na_i) = 0, one root in Na_i (I_Na rises with Na_i);
- K flux balance: I_K(K_i, V) - 2 I_p = 0, linear in K_i;
- no water flux: Vol = N_A / (osm_out - K_i - Na_i - Cl_i);
- no net charge beyond the membrane capacitor's (Kay 2017): C_m A V = F (Vol (K_i + Na_i - Cl_i) - N_A),
  one root in V.
At pump 0 this is the Donnan state. The file's given state (a cell of 178.9 um^3) is far from these
(640 to 2662 um^3), where Newton from the given state used to fail.
"""

from __future__ import annotations

import json
from functools import lru_cache

import mpmath
import pytest
import sympy as sp

from conftest import run_cli
from vrest.codegen.sweep.api import sweep
from vrest.derive.builtin import builtin_text, resolve_model
from vrest.derive.constants import V
from vrest.derive.derivations.pumpleak import steady_volume
from vrest.derive.steady_state import steady_state

DIGITS = 40
with mpmath.workdps(DIGITS):
    F, R = mpmath.mpf("96485.33212"), mpmath.mpf("8.314462618")
    T = mpmath.mpf("298.15")
    K_O, NA_O, CL_O, B_O = mpmath.mpf(3), mpmath.mpf(142), mpmath.mpf(145), mpmath.mpf(10)  # mM = mol/m^3
    P_K, P_NA = mpmath.mpf("6.6e-8"), mpmath.mpf("2.8e-10")  # m/s
    I_MAX, K_NA, K_K = mpmath.mpf("0.015"), mpmath.mpf("3.56"), mpmath.mpf("0.883")  # A/m^2, mM
    C_M, AREA = mpmath.mpf("0.01"), mpmath.mpf("314.159265358979e-12")  # F/m^2, m^2
    N_A = mpmath.mpf("146.3") * mpmath.mpf("178.9e-18")  # mol


def ghk_current(p, c_in, c_out, v):
    """GHK current density (A/m^2, outward) of a monovalent cation."""
    u = F * v / (R * T)
    return p * F * u * (c_in - c_out * mpmath.exp(-u)) / (1 - mpmath.exp(-u))


def bisect(f, lo, hi):
    """The root of f in [lo, hi] (a sign change) by bisection to 1e-24 relative."""
    lo, hi = mpmath.mpf(lo), mpmath.mpf(hi)
    f_lo = f(lo)
    assert f_lo * f(hi) < 0
    while hi - lo > mpmath.mpf(10) ** -24 * abs(hi):
        mid = (lo + hi) / 2
        f_mid = f(mid)
        if f_mid * f_lo > 0:
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return (lo + hi) / 2


@lru_cache(maxsize=None)
def reference(factor) -> tuple[float, float]:
    """(V_ss in mV, volume in um^3) with the pump's I_max scaled by ``factor``."""
    with mpmath.workdps(DIGITS):
        return _reference(factor)


def _reference(factor) -> tuple[float, float]:
    return pump_leak_steady_state(I_MAX * mpmath.mpf(factor), P_K, P_NA, (K_O, NA_O, CL_O, B_O), C_M, AREA, N_A)


def pump_leak_steady_state(i_max, p_k, p_na, outside, c_m, area, n_a) -> tuple[float, float]:
    """(V_ss in mV, volume in um^3) of the equations above (SI arguments; ``outside``: K, Na, Cl and the bath
    solute, mM), at the working precision the caller set."""
    k_o, na_o, cl_o, b_o = outside

    def pump(na):
        return i_max * (na / (na + K_NA)) ** 3 * (k_o / (k_o + K_K)) ** 2

    def inside(v):
        na = bisect(lambda c: ghk_current(p_na, c, na_o, v) + 3 * pump(c), 0, 10 ** 6)
        u = F * v / (R * T)
        # I_K = P F u (K_i - K_o e^-u)/(1 - e^-u) = 2 I_p, solved for K_i
        k = 2 * pump(na) * (1 - mpmath.exp(-u)) / (p_k * F * u) + k_o * mpmath.exp(-u)
        cl = cl_o * mpmath.exp(u)
        room = k_o + na_o + cl_o + b_o - k - na - cl  # osm_out - sum X_i = N_A / Vol: positive
        return k, na, cl, room

    def net_charge(v):  # (C_m A V - F (Vol (K_i + Na_i - Cl_i) - N_A)) * room / (F N_A): no pole where room = 0
        k, na, cl, room = inside(v)
        return c_m * area * v * room / (F * n_a) - (k + na - cl - room)

    v = bisect(net_charge, "-0.06", "-1e-9")
    room = inside(v)[3]
    assert room > 0
    return float(v * 1000), float(n_a / room * mpmath.mpf(10) ** 18)


FACTORS = (0, 0.001, 0.01, 0.04, 0.05, 0.08, 0.09, 0.2, 0.3)


def test_reference_reproduces_the_published_check_values():
    """The reference against an independent mpmath evaluation (nested 1-D roots, 30 digits) at 0.05 and 0."""
    assert reference(0.05) == pytest.approx((-8.910865769806441, 551.06186721126), rel=1e-12)
    assert reference(0) == pytest.approx((-0.8710173862371386, 2661.668041057938), rel=1e-14)


def test_derive_finds_the_steady_state_of_a_weak_pump():
    model = resolve_model("pumpleak")
    for factor in (0, 0.04):
        state = steady_state(model, sp.nsimplify(factor))
        assert (state[V] * 1000, steady_volume(model, state) * 1e18) == pytest.approx(reference(factor), rel=1e-9)


def _weak_pump_file(tmp_path):
    """pumpleak with I_max = 0.075 uA/cm^2 (its 1.5 x 0.05): the given state is still the strong pump's."""
    text = builtin_text("pumpleak").replace('max_current = "1.5 uA/cm^2"', 'max_current = "0.075 uA/cm^2"')
    assert "0.075 uA/cm^2" in text
    path = tmp_path / "weakpump.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_derive_and_simulate_a_model_file_with_a_weak_pump(tmp_path):
    path = _weak_pump_file(tmp_path)
    v_ref, vol_ref = reference(0.05)
    code, out, err = run_cli("derive", str(path), "--quantity", "V_ss", "--quantity", "volume_ss", "--json")
    assert code == 0, err
    values = {qid: q["value"] for qid, q in json.loads(out)["quantities"].items()}
    assert values == pytest.approx({"V_ss": v_ref, "volume_ss": vol_ref}, rel=1e-9)
    code, out, err = run_cli("simulate", str(path), "--times", "0 s,1 s", "--json")
    assert code == 0, err
    states = json.loads(out)["states"]
    assert states["V"]["values"][0] == pytest.approx(v_ref, rel=1e-9)
    assert states["volume"]["values"][0] == pytest.approx(vol_ref, rel=1e-9)


def test_sweep_over_weak_pump_rates_has_every_steady_state():
    data = sweep("pumpleak", {"pump": "0, 0.001, 0.01, 0.04, 0.05, 0.08, 0.09, 0.2, 0.3"},
                 quantities=["V_ss", "volume_ss"])
    for k, factor in enumerate(FACTORS):
        expected = reference(factor)
        got = (float(data["V_ss"].values[k]), float(data["volume_ss"].values[k]))
        assert got == pytest.approx(expected, rel=1e-9), factor


def test_sensitivity_over_a_range_reaching_no_pump_is_not_refused():
    code, out, err = run_cli("sensitivity", "pumpleak", "--vary", "pump=0..2", "--vary",
                             "ions.K.outside=2..10 mM log", "--quantity", "V_ss", "--samples", "64", "--json")
    assert code == 0, err
    assert "no value" not in err
    indices = json.loads(out)["indices"]
    assert set(indices) == {"pump", "ions.K.outside"}


def test_a_step_back_at_the_steady_state_does_not_warn_of_its_volume_again(tmp_path):
    """The weak pump's cell (551 um^3) is more than its membrane (a sphere of radius 5 um: 4/3 pi 5^3 um^3) can
    enclose: one warning, though high_K's washout (step 2) brings the cell back to that steady state."""
    path = _weak_pump_file(tmp_path)
    _, vol_ref = reference(0.05)
    sphere = float(4 * mpmath.pi * 5 ** 3 / 3)
    said = (f"vrest: warning: volume_ss = {vol_ref:.6g} um^3 is more than a membrane of area 314.159 um^2 can "
            f"enclose (a sphere holds {sphere:.6g} um^3): with its area fixed the cell would burst, or have to add "
            "membrane, before it got there")
    code, out, err = run_cli("derive", str(path), "--scenario", "high_K", "--quantity", "volume_ss", "--json")
    assert code == 0, err
    assert err.splitlines() == [said]
    document = json.loads(out)
    assert document["quantities"]["volume_ss"]["value"] == pytest.approx(vol_ref, rel=1e-9)
    step_2 = document["scenario"]["steps"][1]["quantities"]["volume_ss"]["value"]
    assert step_2 == pytest.approx(vol_ref, rel=1e-9)  # shown, as computed
    code, _, err = run_cli("derive", str(path), "--scenario", "high_K", "--quantity", "volume_ss", "--report",
                           str(tmp_path / "report.md"))
    assert code == 0 and err.splitlines() == [said]
