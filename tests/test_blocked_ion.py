"""An ion whose every leak is blocked moves no more: its amount is conserved, and the steady state is the one
with that amount held (it was "no steady state: the linearised model is singular").

The pump-leak cell (the built-in pumpleak: GHK K, Na and Cl leaks, the saturating 3:2 pump, impermeant anions,
water in osmotic balance, zero net charge) is written out here with mpmath, its steady states found by
findroot: with Cl blocked, Cl_i = N_Cl/vol with N_Cl what the cell held when the block began."""

from __future__ import annotations

import json

import mpmath as mp
import pytest
from conftest import run_cli
from vrest.derive.builtin import builtin_text

mp.mp.dps = 30
R, F = mp.mpf("8.314462618"), mp.mpf("96485.33212")
T = mp.mpf("298.15")
P = {"K": mp.mpf("6.6e-8"), "Na": mp.mpf("2.8e-10"), "Cl": mp.mpf("3.7e-8")}  # m/s
Z = {"K": 1, "Na": 1, "Cl": -1}
AREA, VOL0, A_I, B_O, C_M = mp.mpf("314.159265358979e-12"), mp.mpf("178.9e-18"), mp.mpf("146.3"), 10, mp.mpf("0.01")
N_A = A_I * VOL0
GIVEN = {"K": mp.mpf("134.5"), "Na": mp.mpf("15.5"), "Cl": mp.mpf("3.7")}


def ghk(ion, v, inside, outside):
    u = Z[ion] * F * v / (R * T)
    return P[ion] * Z[ion] * F * u * (inside - outside * mp.exp(-u)) / (1 - mp.exp(-u))


def pump(na_i, k_o):
    return mp.mpf("0.015") * (na_i / (na_i + mp.mpf("3.56"))) ** 3 * (k_o / (k_o + mp.mpf("0.883"))) ** 2


def steady(out, n_cl=None, start=None, constant=None):
    """(V, K_i, Na_i, Cl_i, vol) at the steady state in the bath ``out``; with ``n_cl`` (mol) Cl blocked, held;
    with ``constant`` (A/m^2) a pump of that constant current in place of the saturating one."""
    bath = sum(out.values()) + B_O

    def equations(v, k, na, x, vol):
        cl = n_cl / vol if n_cl is not None else x
        pumped = constant if constant is not None else pump(na, out["K"])
        rows = [ghk("K", v, k, out["K"]) - 2 * pumped, ghk("Na", v, na, out["Na"]) + 3 * pumped,
                (x - cl) if n_cl is not None else ghk("Cl", v, x, out["Cl"]), k + na + cl + N_A / vol - bath,
                (C_M * AREA * v - F * (vol * (k + na - cl) - N_A)) / (F * N_A)]
        return rows

    v, k, na, x, vol = mp.findroot(equations, start or [mp.mpf("-0.094"), GIVEN["K"], GIVEN["Na"], GIVEN["Cl"], VOL0])
    return v, k, na, (n_cl / vol if n_cl is not None else x), vol


BATH = {"K": mp.mpf(3), "Na": mp.mpf(142), "Cl": mp.mpf(145)}


def test_a_sweep_point_with_cl_blocked_holds_the_file_s_cl():
    """From the file's start with P_Cl = 0 the cell keeps the Cl it was given (3.7 mM of 178.9 um^3)."""
    code, out, err = run_cli("sweep", "pumpleak", "--vary", "ions.Cl.permeability=0, 3.7e-6 cm/s", "--quantity",
                             "V_ss,volume_ss", "--json")
    assert code == 0, err
    assert err == ("vrest: note: at 1 of 2 points ions.Cl.permeability is 0: nothing moves Cl there, and its amount is "
                   "held at the cell's given state (Cl_i = 3.7 mM in 178.9 um^3, the file's start, not the steady state "
                   "with Cl moving); a scenario step that blocks it holds what the cell had just before\n")
    columns = json.loads(out)["quantities"]
    v, *_, vol = steady(BATH, n_cl=GIVEN["Cl"] * VOL0)
    assert columns["V_ss"]["values"][0] == pytest.approx(float(v * 1000), rel=1e-9)
    assert columns["volume_ss"]["values"][0] == pytest.approx(float(vol * 1e18), rel=1e-9)
    v, *_, vol = steady(BATH)  # with Cl: the pump-leak steady state
    assert columns["V_ss"]["values"][1] == pytest.approx(float(v * 1000), rel=1e-9)
    assert columns["volume_ss"]["values"][1] == pytest.approx(float(vol * 1e18), rel=1e-9)


def test_a_step_that_blocks_cl_in_a_high_k_bath_holds_the_cl_the_cell_had(tmp_path):
    """At 0 s the bath's K goes 3 -> 15 mM (Na 142 -> 130) and Cl's leak is blocked: the new steady state keeps
    the Cl amount of the steady state before the step. Blocking Cl alone changes nothing (I_Cl = 0 there)."""
    text = builtin_text("pumpleak") + """
[scenario.block_cl]
at = "0 s"
scale = { "ions.Cl.permeability" = 0 }

[scenario.block_cl_high_k]
at = "0 s"
set = { "ions.K.outside" = "15 mM", "ions.Na.outside" = "130 mM" }
scale = { "ions.Cl.permeability" = 0 }
"""
    path = tmp_path / "blocked.toml"
    path.write_text(text, encoding="utf-8")
    before = steady(BATH)
    n_cl = before[3] * before[4]
    for scenario, bath in (("block_cl", BATH), ("block_cl_high_k", {"K": mp.mpf(15), "Na": mp.mpf(130),
                                                                      "Cl": mp.mpf(145)})):
        code, out, err = run_cli("derive", str(path), "--scenario", scenario, "--json")
        assert code == 0, err
        step = json.loads(out)["scenario"]["steps"][0]["quantities"]
        v, *_, vol = steady(bath, n_cl=n_cl, start=list(before))
        assert step["V_ss"]["value"] == pytest.approx(float(v * 1000), rel=1e-9), scenario
        assert step["volume_ss"]["value"] == pytest.approx(float(vol * 1e18), rel=1e-9), scenario
        # the step's tau_slow: of the steady state it leads to, the held Cl's zero eigenvalue left out
        assert step["tau_slow"]["value"] == pytest.approx(tau_slow(bath, n_cl, start=list(before)), rel=1e-9)


def tau_slow(bath, n_cl, start=None):
    """-1/lambda_slow at the steady state with Cl blocked and ``n_cl`` (mol) held: the Jacobian of (N_K, N_Na, Vol),
    V from the charge (mpmath's derivatives)."""
    _, k, na, _, vol = steady(bath, n_cl=n_cl, start=start)
    l_p, osm_out = mp.mpf("1.0892e-12"), sum(bath.values()) + B_O  # m/(s Pa); mM

    def rates(n_k, n_na, volume):
        potential = F * (n_k + n_na - n_cl - N_A) / (C_M * AREA)
        k_i, na_i = n_k / volume, n_na / volume
        pumped = pump(na_i, bath["K"])
        osm_in = k_i + na_i + n_cl / volume + N_A / volume
        return [-AREA * (ghk("K", potential, k_i, bath["K"]) - 2 * pumped) / F,
                -AREA * (ghk("Na", potential, na_i, bath["Na"]) + 3 * pumped) / F,
                l_p * AREA * R * T * (osm_in - osm_out)]

    point = [k * vol, na * vol, vol]
    jacobian = mp.matrix(3, 3)
    for j in range(3):
        for i in range(3):
            jacobian[i, j] = mp.diff(lambda x, i=i, j=j: rates(*[x if m == j else point[m] for m in range(3)])[i],
                                     point[j])
    eigenvalues, _ = mp.eig(jacobian)
    assert all(mp.re(e) < 0 for e in eigenvalues)
    return float(-1 / max(mp.re(e) for e in eigenvalues))


def test_a_conserved_amount_is_no_slow_mode():
    """With Cl blocked its amount is conserved: a zero eigenvalue that is no motion. tau_slow is the slowest of
    the others."""
    code, out, err = run_cli("sweep", "pumpleak", "--vary", "ions.Cl.permeability=0 cm/s", "--quantity", "tau_slow",
                             "--json")
    assert code == 0, err
    expected = tau_slow(BATH, GIVEN["Cl"] * VOL0)
    assert json.loads(out)["quantities"]["tau_slow"]["values"][0] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("ion, where", [
    ("Na", "out, so nothing balances its pump flux: Na_i falls towards 0: no steady state holds Na+ inside"),
    ("K", "in, so nothing balances its pump flux: the cell gathers K without bound: no steady state")])
def test_blocking_the_leak_of_an_ion_the_pump_moves_leaves_no_steady_state(tmp_path, ion, where):
    """The pump still moves it and nothing carries it back: Na_i only falls (a run shows it), K only gathers.
    It was a traceback (K), or a "steady state" at Na_i = 7e-22 mM (Na)."""
    path = tmp_path / "blocked.toml"
    path.write_text(builtin_text("pumpleak") + f'\n[scenario.block]\nat = "0 s"\nscale = {{ "ions.{ion}.permeability" '
                    '= 0 }\n', encoding="utf-8")
    code, out, err = run_cli("derive", str(path), "--scenario", "block", "--json")
    assert code == 0 and "Traceback" not in err, err
    reason = json.loads(out)["scenario"]["steps"][0]["not_applicable"]["V_ss"]
    assert reason == f"no leak carries {ion} (its every leak blocked) and the pump moves it {where}"
    code, out, err = run_cli("sweep", "pumpleak", "--vary", f"ions.{ion}.permeability=0 cm/s", "--quantity",
                             "V_ss,pump_max")
    said = {"Na": "the pump moves out an ion whose every leak is blocked, so nothing balances its pump flux and its "
                  "concentration inside falls towards 0",
            "K": "the pump moves in an ion whose every leak is blocked, so nothing balances its pump flux and the cell "
                 "gathers it without bound"}[ion]
    assert code == 0, err
    for qid in ("V_ss", "pump_max"):  # no pump rate has a steady state: pump_max's reason is V_ss's
        assert f"vrest: {qid}: no value at 1 of 1 points: no steady state: {said}" in err, err
    code, out, err = run_cli("sweep", "pumpleak", "--vary", f"ions.{ion}.permeability=0 cm/s", "--quantity",
                             "pump_max")  # asked alone, the same reason
    assert code == 0 and f"vrest: pump_max: no value at 1 of 1 points: no steady state: {said}" in err, err


def test_with_the_na_leak_blocked_na_inside_only_falls(tmp_path):
    path = tmp_path / "blocked.toml"
    path.write_text(builtin_text("pumpleak") + '\n[scenario.block]\nat = "0 s"\nscale = { "ions.Na.permeability" = 0 }\n',
                    encoding="utf-8")
    code, out, err = run_cli("simulate", str(path), "--scenario", "block", "--times", "0 s,1 h,10 h", "--json")
    assert code == 0, err
    na = json.loads(out)["states"]["Na_i"]["values"]
    assert na[0] > na[1] > na[2] > 0


def test_a_block_in_the_middle_of_a_transient_holds_the_cl_of_that_moment(tmp_path):
    """High K from 0 s, Cl blocked at 2 min: the steady state after the block keeps the Cl the cell holds at
    2 min, not the Cl of the steady state the high K bath leads to. The 2 min of the transient are integrated here
    (SciPy Radau on this file's own equations: amounts, volume by osmosis, V from the charge)."""
    import math

    from scipy.integrate import solve_ivp

    text = builtin_text("pumpleak") + """
[scenario.block_mid]
steps = [
  { at = "0 s", set = { "ions.K.outside" = "13 mM", "ions.Na.outside" = "132 mM" } },
  { at = "2 min", scale = { "ions.Cl.permeability" = 0 } },
]
"""
    path = tmp_path / "blocked.toml"
    path.write_text(text, encoding="utf-8")
    code, out, err = run_cli("derive", str(path), "--scenario", "block_mid", "--json")
    assert code == 0, err
    step = json.loads(out)["scenario"]["steps"][1]["quantities"]
    high = {"K": 13.0, "Na": 132.0, "Cl": 145.0}
    f, rt, area, c_m, n_a = float(F), float(R * T), float(AREA), float(C_M), float(N_A)
    osm_out, l_p = sum(high.values()) + B_O, 1.0892e-12

    def current(ion, v, inside):
        u = Z[ion] * f * v / rt
        return float(P[ion]) * Z[ion] * f * u * (inside - high[ion] * math.exp(-u)) / (-math.expm1(-u))

    def rates(_, y):
        n_k, n_na, n_cl, vol = y
        v = f * (n_k + n_na - n_cl - n_a) / (c_m * area)
        pumped = 0.015 * (n_na / vol / (n_na / vol + 3.56)) ** 3 * (13 / (13 + 0.883)) ** 2
        return [-area * (current("K", v, n_k / vol) - 2 * pumped) / f,
                -area * (current("Na", v, n_na / vol) + 3 * pumped) / f,
                area * current("Cl", v, n_cl / vol) / f,
                l_p * area * rt * ((n_k + n_na + n_cl + n_a) / vol - osm_out)]

    v0, k0, na0, cl0, vol0 = (float(x) for x in steady(BATH))
    run = solve_ivp(rates, (0, 120), [k0 * vol0, na0 * vol0, cl0 * vol0, vol0], method="Radau", rtol=1e-12,
                    atol=[1e-30, 1e-30, 1e-30, 1e-30])
    n_cl = mp.mpf(run.y[2, -1])
    v, *_, vol = steady({k: mp.mpf(x) for k, x in high.items()}, n_cl=n_cl, start=[mp.mpf(v0), mp.mpf(k0),
                                                                                   mp.mpf(na0), mp.mpf(cl0), mp.mpf(vol0)])
    assert step["volume_ss"]["value"] == pytest.approx(float(vol * 1e18), rel=1e-7)
    assert step["V_ss"]["value"] == pytest.approx(float(v * 1000), rel=1e-7)


def test_a_run_whose_na_a_constant_pump_takes_out_after_its_leak_is_blocked_stops_in_one_line(tmp_path):
    """A constant 0.48 uA/cm^2 pump, the Na leak blocked at 1 min: Na+ leaves at 3 I_pump A/F and nothing brings it
    back, so N_Na (of the steady state, mpmath) is gone at 60 s + N_Na F/(3 I_pump A). It was a traceback."""
    text = builtin_text("pumpleak")
    start = text.index("[pump]")
    end = text.index("[pump.stoichiometry]")
    text = text[:start] + '[pump]\ncurrent = "0.48 uA/cm^2"\n\n' + text[end:] + """
[scenario.block_na]
at = "1 min"
scale = { "ions.Na.permeability" = 0 }
"""
    path = tmp_path / "constant.toml"
    path.write_text(text, encoding="utf-8")
    code, out, err = run_cli("simulate", str(path), "--scenario", "block_na", "--t-end", "10 min")
    assert (code, out, err.count("\n")) == (2, "", 1) and "Traceback" not in err, err
    current = mp.mpf("0.0048")
    _, _, na, _, vol = steady(BATH, constant=current)
    gone = 60 + na * vol * F / (3 * current * AREA)
    assert f"Na_i falls to 0 at t = {float(gone):.6g} s" in err
    assert err.rstrip().endswith("no leak carries Na (its every leak blocked) and the pump moves it out, so nothing "
                                 "balances its pump flux: Na_i falls towards 0: no steady state holds Na+ inside")
