"""The full model's steady state (V, amounts, volume) against independent computations."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from scipy.integrate import solve_ivp

from vrest.derive.builtin import resolve_model
from vrest.derive.derivation import NoSteadyState
from vrest.derive.steady_state import charge, initial_state, steady_state

R, F = 8.314462618, 96485.33212


def ghk_flux(P, z, ci, co, V, T):
    """Textbook GHK molar flux (mol/(m^2 s), outward), computed with mpmath at 40 digits."""
    with mpmath.workdps(40):
        P, ci, co, V = (mpmath.mpf(x) for x in (P, ci, co, V))
        u = z * F * V / (R * T)
        if u == 0:
            return float(P * (ci - co))
        return float(P * u * (ci - co * mpmath.exp(-u)) / (1 - mpmath.exp(-u)))


def test_pumpleak_steady_state_balances_every_flux():
    """At steady state the pump's Na efflux equals the passive Na influx, and so on for K, Cl, water."""
    model = resolve_model("pumpleak")
    ss = steady_state(model)
    p = {q.name: float(q.value) for q in model.parameters}
    names = {s.name: v for s, v in ss.items()}
    vol, V, T = names["Vol"], names["V"], p["T"]
    conc = {x: names[f"N_{x}"] / vol for x in ("K", "Na", "Cl")}
    pump_current = p["I_max"] * (conc["Na"] / (conc["Na"] + p["K_half_Na"])) ** 3 * (
        p["K_o"] / (p["K_o"] + p["K_half_K"])) ** 2
    cycle = pump_current / F  # mol/(m^2 s): one net charge per cycle
    na = ghk_flux(p["P_Na"], 1, conc["Na"], p["Na_o"], V, T)
    k = ghk_flux(p["P_K"], 1, conc["K"], p["K_o"], V, T)
    cl = ghk_flux(p["P_Cl"], -1, conc["Cl"], p["Cl_o"], V, T)
    assert na + 3 * cycle == pytest.approx(0, abs=1e-12 * abs(na))
    assert k - 2 * cycle == pytest.approx(0, abs=1e-12 * abs(k))
    assert cl == pytest.approx(0, abs=1e-12 * abs(na))
    osm_in = sum(conc.values()) + p["N_A"] / vol
    osm_out = p["K_o"] + p["Na_o"] + p["Cl_o"] + p.get("B_o", 0)
    assert osm_in == pytest.approx(osm_out, rel=1e-12)


def test_pumpleak_steady_state_is_where_the_ode_goes():
    """Integrating the model's own equations for a long time (an independent method) ends at the same state."""
    import sympy as sp

    model = resolve_model("pumpleak")
    rhs = model.rhs()
    states = [s.symbol for s in model.states]
    from vrest.derive.functions import exprel, exprel_prime  # noqa: F401
    from scipy.special import exprel as np_exprel

    values = {k: float(v) for k, v in model.dynamic_values.items()}
    f = sp.lambdify(states, [rhs[s].xreplace(values) for s in states],
                    modules=[{"exprel": np_exprel}, "numpy"])
    start = {**initial_state(model), states[0]: 0.0}  # the file's composition is electroneutral: Q = 0 at V = 0
    y0 = np.array([start[s] for s in states])
    scale = np.where(y0 == 0, 0.1, np.abs(y0))  # V starts at 0: 100 mV as its scale
    sol = solve_ivp(lambda t, y: np.array(f(*(y * scale))) / scale, (0, 5e6), y0 / scale, method="LSODA",
                    rtol=1e-11, atol=1e-13)
    ss = steady_state(model)
    final = sol.y[:, -1] * scale
    for i, s in enumerate(states):
        # V is fixed by the conserved charge, a 1e-5 part of the bulk charge: the integrator's
        # accumulated error in the amounts (rtol 1e-11 over 5e6 s) moves it by ~1e-5 relative.
        assert final[i] == pytest.approx(ss[s], rel=1e-4 if s.name == "V" else 1e-7), s


def test_steady_state_carries_only_the_capacitor_charge():
    """Kay's charge-difference condition: C_m A V = F (sum z N + z_A N_A) at the steady state, whatever the start."""
    model = resolve_model("pumpleak")
    p = {q.name: float(q.value) for q in model.parameters}
    ss = {s.name: v for s, v in steady_state(model).items()}
    bulk = ss["N_K"] + ss["N_Na"] - ss["N_Cl"] - p["N_A"]  # z = +1, +1, -1, impermeant -1
    capacitor = p["C_m"] * p["A_m"] * ss["V"]
    assert capacitor == pytest.approx(F * bulk, rel=1e-9)  # the two cancel to 1e-5 of F N_K: a tight check
    start = initial_state(model)
    for shift in (-0.05, 0.0, 0.03):  # V of the start is only where Newton begins
        moved = steady_state(model, start={**start, model.states[0].symbol: start[model.states[0].symbol] + shift})
        assert {s.name: v for s, v in moved.items()} == pytest.approx(ss, rel=1e-12)
    # Integrating from the file's own state (a charge of C_m A V, V = -94.4 mV) ends elsewhere: the start's charge
    q = charge(model).xreplace(model.dynamic_values)
    assert float(q.xreplace(start)) == pytest.approx(p["C_m"] * p["A_m"] * start[model.states[0].symbol], rel=1e-6)


def test_voltage_only_model_steady_state_is_v_ss():
    model = resolve_model("neuron")
    assert steady_state(model)[model.states[0].symbol] == pytest.approx(-0.0766423660113519, rel=1e-12)
    # Ouabain: pump off, V = V_leak (the seed: the pump shifts V by -I_pump/g_leak = -5 mV here).
    assert steady_state(model, 0)[model.states[0].symbol] == pytest.approx(-0.0716423660113519, rel=1e-12)


def test_swelling_without_pump_has_no_steady_state():
    """Salt-only bath (pumpleak without its bath solute): without the pump the cell swells without bound."""
    import tomllib

    from vrest.derive.builtin import builtin_text
    from vrest.derive.modelfile import model_from_dict

    data = tomllib.loads(builtin_text("pumpleak"))
    del data["bath"]
    with pytest.raises(NoSteadyState, match="without bound"):
        steady_state(model_from_dict(data), pump_scale=0)


def test_the_newton_steps_linear_solve_gives_mpmaths_numbers_bit_for_bit():
    """steady_state's solve of a Newton step is mpmath.lu_solve's algorithm on lists: on 400 random systems of 1 to 9
    unknowns at 40 digits, entries spread over 60 decades and a third of them 0, every solution is mpmath's to the
    last bit, and a singular matrix is ZeroDivisionError as in mpmath (whose own solve fails with a TypeError when a
    whole column is 0)."""
    import random

    from vrest.derive.steady_state import lu_solve

    rng = random.Random(48)
    solved = 0
    with mpmath.workdps(40):
        for _ in range(400):
            n = rng.randint(1, 9)
            a = [[mpmath.mpf(rng.gauss(0, 1)) * mpmath.mpf(10) ** rng.randint(-30, 30) if rng.random() > 0.3 else
                  mpmath.mpf(0) for _ in range(n)] for _ in range(n)]
            b = [mpmath.mpf(rng.gauss(0, 1)) for _ in range(n)]
            try:
                reference = mpmath.lu_solve(mpmath.matrix(a), mpmath.matrix(b))
            except (ZeroDivisionError, TypeError):
                with pytest.raises(ZeroDivisionError):
                    lu_solve(a, b)
                continue
            assert [x._mpf_ for x in lu_solve(a, b)] == [reference[i]._mpf_ for i in range(n)]
            solved += 1
        assert solved > 250
        with pytest.raises(ZeroDivisionError):
            lu_solve([[mpmath.mpf(1), mpmath.mpf(0)], [mpmath.mpf(2), mpmath.mpf(0)]], [mpmath.mpf(1)] * 2)
