"""The resting-state engine against independent numbers: mpmath roots and Jacobians of equations
written out here, long stiff simulations, and vrest's own zero-net-charge steady state."""

from __future__ import annotations

import dataclasses

import mpmath
import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp

from rest_systems import (BISTABLE_VALUES, BUFFERED_START, BUFFERED_VALUES, CONSERVED_START, CONSERVED_VALUES,
                          FHN_VALUES, HH_VALUES, MARKOV_VALUES, SLOW_FEEDBACK_VALUES, bistable_system, buffered_system,
                          markov_rates, markov_system, slow_feedback_system,
                          conserved_system, fitzhugh_nagumo, hh_system, symbols)
from vrest.derive.builtin import resolve_model
from vrest.derive.model import State
from vrest.derive.errors import ModelError
from vrest.derive.quantities import Derivations
from vrest.derive.rest import LambdifyEvaluator, find_resting_states, load_system, prepare, rest_problem
from vrest.derive.steady_state import steady_state

mpmath.mp.dps = 30
R, F = mpmath.mpf("8.314462618"), mpmath.mpf("96485.33212")


def mp_values(values: dict) -> dict:
    return {k: mpmath.mpf(str(v)) for k, v in values.items()}


def mp_jacobian(f, x):
    """d f_i / d x_j by mpmath's numerical differentiation at 30 digits."""
    n = len(x)
    out = mpmath.matrix(n, n)
    for j in range(n):
        def column(t, j=j):
            y = list(x)
            y[j] = t
            return f(y)
        for i in range(n):
            out[i, j] = mpmath.diff(lambda t, i=i: column(t)[i], x[j])
    return out


def sorted_eigenvalues(matrix) -> list[complex]:
    values = [complex(v) for v in mpmath.eig(matrix, left=False, right=False)]
    return sorted(values, key=lambda v: (-v.real, -v.imag))


def assert_eigenvalues(engine, expected, rel=1e-7):
    assert len(engine) == len(expected)
    for a, b in zip(engine, expected):
        assert abs(a - b) <= rel * max(abs(b), 1e-300), (engine, expected)


# -- Hodgkin-Huxley (1952), written out in mV and ms as in the paper --------------------------------------

def hh_rates(v):
    """(alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n) in 1/ms at v mV (limits at the 0/0 points)."""
    def vtrap(x, y):  # x / (1 - exp(-x/y)), limit y at x = 0
        return y if x == 0 else x / (1 - mpmath.exp(-x / y))
    return (mpmath.mpf("0.1") * vtrap(v + 40, 10), 4 * mpmath.exp(-(v + 65) / 18),
            mpmath.mpf("0.07") * mpmath.exp(-(v + 65) / 20), 1 / (1 + mpmath.exp(-(v + 35) / 10)),
            mpmath.mpf("0.01") * vtrap(v + 55, 10), mpmath.mpf("0.125") * mpmath.exp(-(v + 65) / 80))


def hh_rhs(y):
    """dV/dt (mV/ms) and the gates' rates (1/ms), stimulus off; V in mV."""
    p = mp_values(HH_VALUES)
    v, m, h, n = y
    am, bm, ah, bh, an, bn = hh_rates(v)
    g_na, g_k, g_l = p["g_Na"] / 10, p["g_K"] / 10, p["g_L"] / 10  # mS/cm^2
    e_na, e_k, e_l = p["E_Na"] * 1000, p["E_K"] * 1000, p["E_L"] * 1000  # mV
    current = g_na * m**3 * h * (v - e_na) + g_k * n**4 * (v - e_k) + g_l * (v - e_l)  # uA/cm^2
    return [-current / (p["C_m"] * 100), am * (1 - m) - bm * m, ah * (1 - h) - bh * h, an * (1 - n) - bn * n]


def hh_gates(v):
    am, bm, ah, bh, an, bn = hh_rates(v)
    return [am / (am + bm), ah / (ah + bh), an / (an + bn)]


def hh_steady_current(v):
    return -hh_rhs([v, *hh_gates(v)])[0]


def test_hh_rests_near_minus_65_mV_stable_with_the_papers_root_and_jacobian():
    report = find_resting_states(hh_system())
    assert len(report.resting_states) == 1
    state = report.resting_states[0]
    v_root = mpmath.findroot(hh_steady_current, (-70, -60), solver="anderson")
    assert abs(state.V * 1000 - float(v_root)) < 1e-9
    assert state.V * 1000 == pytest.approx(-65.0, abs=0.01)
    for name, gate in zip("mhn", hh_gates(v_root)):
        assert state.states[name] == pytest.approx(float(gate), rel=1e-10)
    jacobian = mp_jacobian(hh_rhs, [v_root, *hh_gates(v_root)]) * 1000  # 1/ms -> 1/s
    assert_eigenvalues(state.eigenvalues, sorted_eigenvalues(jacobian))
    assert state.stable and all(v.real < 0 for v in state.eigenvalues)
    assert state.slowest_tau == pytest.approx(1 / min(abs(v.real) for v in sorted_eigenvalues(jacobian)), rel=1e-7)
    # Slope conductance with the gates at steady state: dI_ss/dV (uA/cm^2 per mV = mS/cm^2 = 10 S/m^2).
    g_ss = mpmath.diff(hh_steady_current, v_root)
    assert state.slope_conductance == pytest.approx(float(g_ss) * 10, rel=1e-8)
    assert report.verdict == "one stable resting state, at -65.00 mV"
    names = [name for name, _ in state.currents]
    assert names[0] == "I_K" and set(names) == {"I_Na", "I_K", "I_L"}  # the largest first


def test_hh_rates_are_exact_at_their_removable_singularities():
    """alpha_m at -40 mV and alpha_n at -55 mV are 0/0 as written: the limits 1 and 0.1 per ms, no NaN."""
    prepared = prepare(hh_system())
    evaluator = LambdifyEvaluator(prepared)
    for v, index, limit in ((-0.040, 1, 1000.0), (-0.055, 3, 100.0)):
        rates = evaluator.rhs(np.array([v, 0.0, 0.0, 0.0]), prepared.p)
        assert rates[index] == limit  # d gate/dt = alpha at gate = 0
        jacobian = evaluator.jacobian(np.array([v, 0.5, 0.5, 0.5]), prepared.p)
        assert np.all(np.isfinite(jacobian))
        near = evaluator.jacobian(np.array([v + 1e-9, 0.5, 0.5, 0.5]), prepared.p)
        assert np.allclose(jacobian, near, rtol=1e-5)
    # A range whose grid lands on both points exactly finds the same rest.
    report = find_resting_states(hh_system(), v_range=(-0.1, -0.03))
    assert report.resting_states[0].V == pytest.approx(find_resting_states(hh_system()).resting_states[0].V, abs=1e-15)


def test_a_stimulus_that_depends_on_time_is_off_at_rest_and_required_to_be_named():
    with_sine = find_resting_states(hh_system(stimulus=True)).resting_states[0]
    amplitude_zero = find_resting_states(hh_system(), parameters={"I_amp": 0.0}).resting_states[0]
    assert with_sine.V == pytest.approx(amplitude_zero.V, abs=1e-15)
    with pytest.raises(ModelError, match="depends on time"):
        find_resting_states(hh_system(stimulus=False))


# -- a bistable system --------------------------------------------------------------------------------

def bistable_rhs(y):
    p = mp_values(BISTABLE_VALUES)
    v, w = y
    def sig(x, half, slope):
        return 1 / (1 + mpmath.exp(-(x - half) / slope))
    persistent = sig(v, mpmath.mpf("-0.045"), mpmath.mpf("0.005"))
    current = (p["g_L"] * (v - p["E_L"]) + p["g_NaP"] * persistent * (v - p["E_Na"]) + p["g_K"] * w * (v - p["E_K"]))
    return [-current / p["C_m"], (sig(v, mpmath.mpf("-0.020"), mpmath.mpf("0.008")) - w) / p["tau_w"]]


def test_bistable_system_has_two_stable_states_and_a_saddle_between():
    def steady(v):
        w = 1 / (1 + mpmath.exp(-(v + mpmath.mpf("0.020")) / mpmath.mpf("0.008")))
        return bistable_rhs([v, w])[0]

    grid = [mpmath.mpf(k) / 10000 for k in range(-1500, 601)]
    roots = [mpmath.findroot(steady, (a, b), solver="anderson") for a, b in zip(grid, grid[1:])
             if mpmath.sign(steady(a)) != mpmath.sign(steady(b))]
    assert len(roots) == 3
    report = find_resting_states(bistable_system())
    assert [s.V for s in report.resting_states] == pytest.approx([float(r) for r in roots], abs=1e-14)
    assert [s.stable for s in report.resting_states] == [True, False, True]
    for state, root in zip(report.resting_states, roots):
        w = 1 / (1 + mpmath.exp(-(root + mpmath.mpf("0.020")) / mpmath.mpf("0.008")))
        assert_eigenvalues(state.eigenvalues, sorted_eigenvalues(mp_jacobian(bistable_rhs, [root, w])))
    middle = report.resting_states[1]
    assert middle.slope_conductance < 0  # a negative steady-state slope: the saddle
    assert report.verdict.startswith("2 stable resting states (the model is bistable): at -67.69 mV, -25.09 mV")
    assert "unstable equilibrium at -59.89 mV" in report.verdict


# -- FitzHugh-Nagumo in its oscillating regime -----------------------------------------------------------

def test_fitzhugh_nagumo_has_no_stable_rest_and_the_verdict_says_it_oscillates():
    a, b, eps, current = (mpmath.mpf(FHN_VALUES[k]) for k in ("a", "b", "eps", "I"))
    # v - v^3/3 - (v + a)/b + I = 0 is a cubic; its one real root is the equilibrium.
    roots = mpmath.polyroots([-mpmath.mpf(1) / 3, 0, 1 - 1 / b, current - a / b])
    (v,) = [r.real for r in roots if abs(r.imag) < 1e-20]
    jacobian = mpmath.matrix([[1 - v**2, -1], [eps, -eps * b]])
    # v has no unit: its numbers are taken as millivolts, so -3..3 of them is (-3 mV, 3 mV) (once (-3 V, 3 V): the
    # scan's 0.1 "mV" grid over -3000..3000 took half a minute)
    report = find_resting_states(fitzhugh_nagumo(), v_range=(-3e-3, 3e-3))
    (state,) = report.resting_states
    assert state.V == pytest.approx(float(v), abs=1e-14)
    assert_eigenvalues(state.eigenvalues, sorted_eigenvalues(jacobian))
    assert not state.stable
    assert report.verdict == f"no stable resting state: this model oscillates (pacemaker); the unstable " \
                             f"equilibrium lies at {float(v):.2f}"
    # And it does: a run from near the equilibrium keeps swinging by more than 3 units of v.
    def rhs(t, y):
        return [y[0] - y[0] ** 3 / 3 - y[1] + float(current), float(eps) * (y[0] + float(a) - float(b) * y[1])]
    run = solve_ivp(rhs, (0, 1000), [float(v) + 1e-3, float((v + a) / b)], rtol=1e-9, atol=1e-12, max_step=0.5)
    late = run.y[0][run.t > 500]
    assert late.max() - late.min() > 3


# -- two conservation laws: total charge (with V) and total calcium -----------------------------------

def test_conservation_laws_are_found_fixed_from_the_start_and_match_a_long_stiff_run():
    system = conserved_system()
    report = find_resting_states(system)
    laws = {law.name: law for law in report.conserved}
    assert set(laws) == {"charge", "total_Ca_SR"}
    p = {k: float(sp.nsimplify(v)) for k, v in CONSERVED_VALUES.items()}
    charge = laws["charge"].coefficients
    assert charge["K_i"] == 1 and charge["Na_i"] == 1
    assert charge["V"] == pytest.approx(-p["C_m"] * p["area_per_volume"] / p["F"], rel=1e-12)
    assert laws["total_Ca_SR"].coefficients == {"Ca_i": 1.0, "CaB": 1.0, "Ca_SR": 1.0}
    start = {k: float(sp.nsimplify(v)) for k, v in CONSERVED_START.items()}
    assert laws["total_Ca_SR"].value == pytest.approx(start["Ca_i"] + start["CaB"] + start["Ca_SR"], rel=1e-14)

    (state,) = report.resting_states
    assert state.stable and len(state.eigenvalues) == 6 - 2

    equations = system.rhs()  # the system's own right-hand sides, integrated by SciPy
    values = {p.symbol: p.value for p in system.parameters}
    rhs = sp.lambdify(system.state_symbols, [equations[s].xreplace(values) for s in system.state_symbols])
    names = [s.name for s in system.state_symbols]
    run = solve_ivp(lambda t, y: rhs(*y), (0, 400), [start[n] for n in names], method="Radau",
                    rtol=1e-12, atol=[1e-15, 1e-12, 1e-12, 1e-18, 1e-16, 1e-15], dense_output=False)
    assert run.success
    end = dict(zip(names, run.y[:, -1]))
    assert abs(state.V - end["V"]) * 1000 < 1e-6  # mV
    for name in names:
        assert state.states[name] == pytest.approx(end[name], rel=1e-6)
    # The start fixes the member of the family: another start, another rest, again where a run ends.
    other = find_resting_states(system, start={**start, "Na_i": 20.0}).resting_states[0]
    moved = solve_ivp(lambda t, y: rhs(*y), (0, 400), [{**start, "Na_i": 20.0}[n] for n in names], method="Radau",
                      rtol=1e-12, atol=[1e-15, 1e-12, 1e-12, 1e-18, 1e-16, 1e-15])
    assert abs(other.V - moved.y[0, -1]) * 1000 < 1e-6
    assert abs(other.V - state.V) * 1000 > 1e-3


# -- vrest's own models --------------------------------------------------------------------------------

def test_pumpleak_rests_at_the_zero_net_charge_steady_state():
    report = find_resting_states(load_system("pumpleak"))
    (state,) = report.resting_states
    assert state.V * 1000 == pytest.approx(-94.490479, abs=5e-7)
    reference = steady_state(resolve_model("pumpleak"))
    for symbol, value in reference.items():
        assert state.states[symbol.name] == pytest.approx(value, rel=1e-10)
    (law,) = report.conserved
    assert law.name == "charge" and state.stable and len(state.eigenvalues) == 4
    derived = Derivations(resolve_model("pumpleak"))
    assert state.slowest_tau == pytest.approx(float(derived.get("tau_slow").value), rel=1e-8)
    assert state.slope_conductance == pytest.approx(float(derived.get("g_leak").value), rel=1e-8)


def ghk(p_x, z, inside, outside, v, t):
    u = z * F * v / (R * t)
    if u == 0:
        return p_x * z * F * (inside - outside)
    return p_x * z * F * u * (inside - outside * mpmath.exp(-u)) / (1 - mpmath.exp(-u))


def test_squid_rests_at_the_root_of_its_ghk_current_balance():
    t = mpmath.mpf("293.15")
    def total(v):  # A/m^2: GHK leaks (cm/s -> m/s, mM = mol/m^3) and the 1 uA/cm^2 pump
        return (ghk(mpmath.mpf("1e-8"), 1, 400, 20, v, t) + ghk(mpmath.mpf("4e-10"), 1, 50, 440, v, t)
                + ghk(mpmath.mpf("4.5e-9"), -1, 52, 560, v, t) + mpmath.mpf("0.01"))
    root = mpmath.findroot(total, (-0.08, -0.04), solver="anderson")
    (state,) = find_resting_states(load_system("squid")).resting_states
    assert abs(state.V - float(root)) * 1000 < 1e-9
    assert state.slope_conductance == pytest.approx(float(mpmath.diff(total, root)), rel=1e-9)
    assert state.stable
    assert state.eigenvalues[0].real == pytest.approx(-float(mpmath.diff(total, root)) / 0.01, rel=1e-9)


def test_equilibria_set_by_a_slow_state_are_found_by_following_it_at_fixed_v():
    """Holding z at its start gives one V; following z's steady state along V finds all three equilibria."""
    p = mp_values(SLOW_FEEDBACK_VALUES)

    def z_inf(v):
        return 1 / (1 + mpmath.exp((v - p["V_half"]) / p["k_z"]))

    def current(v):  # with z at its steady state
        return p["g_L"] * (v - p["E_L"]) + p["g_z"] * z_inf(v) * (v - p["E_K"])

    def rhs(y):
        v, z = y
        return [-(p["g_L"] * (v - p["E_L"]) + p["g_z"] * z * (v - p["E_K"])) / p["C_m"],
                (z_inf(v) - z) * (1 + z) / p["tau_z"]]

    grid = [mpmath.mpf(k) / 10000 for k in range(-1500, 601)]
    roots = [mpmath.findroot(current, (a, b), solver="anderson") for a, b in zip(grid, grid[1:])
             if mpmath.sign(current(a)) != mpmath.sign(current(b))]
    assert len(roots) == 3
    report = find_resting_states(slow_feedback_system())
    assert [s.V for s in report.resting_states] == pytest.approx([float(r) for r in roots], abs=1e-14)
    assert [s.stable for s in report.resting_states] == [True, False, True]
    for state, root in zip(report.resting_states, roots):
        assert_eigenvalues(state.eigenvalues, sorted_eigenvalues(mp_jacobian(rhs, [root, z_inf(root)])))


def test_a_markov_channel_is_solved_at_fixed_v_with_its_occupancies_summing_to_one():
    p = mp_values(MARKOV_VALUES)

    def open_fraction(v):  # detailed balance along the chain: C2/C1 = a1/b1, O/C2 = a2/b2
        a1, b1, a2, b2 = markov_rates(v)
        return a1 * a2 / (b1 * b2 + a1 * b2 + a1 * a2)

    def steady_current(v):
        return p["g_K"] * open_fraction(v) * (v - p["E_K"]) + p["g_L"] * (v - p["E_L"])

    def rhs(y):
        v, c1, c2, o = y
        a1, b1, a2, b2 = markov_rates(v)
        return [-(p["g_K"] * o * (v - p["E_K"]) + p["g_L"] * (v - p["E_L"])) / p["C_m"], -a1 * c1 + b1 * c2,
                a1 * c1 - (b1 + a2) * c2 + b2 * o, a2 * c2 - b2 * o]

    grid = [mpmath.mpf(k) / 1000 for k in range(-150, 61)]
    roots = [mpmath.findroot(steady_current, (a, b), solver="anderson") for a, b in zip(grid, grid[1:])
             if mpmath.sign(steady_current(a)) != mpmath.sign(steady_current(b))]
    (root,) = roots
    system = markov_system()
    assert rest_problem(prepare(system)).groups == ((1, 2, 3),)
    report = find_resting_states(system)
    (law,) = report.conserved
    assert law.coefficients == {"C1": 1.0, "C2": 1.0, "O": 1.0} and law.value == pytest.approx(1.0, rel=1e-15)
    (state,) = report.resting_states
    assert state.V == pytest.approx(float(root), abs=1e-14)
    assert state.states["O"] == pytest.approx(float(open_fraction(root)), rel=1e-12)
    a1, b1, a2, b2 = markov_rates(root)
    c2 = open_fraction(root) * b2 / a2
    full = sorted_eigenvalues(mp_jacobian(rhs, [root, c2 * b1 / a1, c2, open_fraction(root)]))
    nonzero = [v for v in full if abs(v) > 1e-12 * max(abs(w) for w in full)]  # the law's zero left out
    assert len(nonzero) == 3
    assert_eigenvalues(state.eigenvalues, nonzero)
    assert state.slope_conductance == pytest.approx(float(mpmath.diff(steady_current, root)), rel=1e-8)


def test_a_conservation_law_through_a_rapidly_buffered_total_is_fixed_from_the_start():
    """d Ca/dt = beta(Ca) (fluxes): the charge law holds for total(Ca) = Ca + B Ca/(K_B + Ca), not for Ca."""
    system = buffered_system()
    report = find_resting_states(system)
    (law,) = report.conserved
    assert law.name == "charge" and law.coefficients["Ca_i"] == 1.0
    assert law.coefficients["K_i"] == law.coefficients["Na_i"] == 0.5
    start = {k: float(sp.nsimplify(v)) for k, v in BUFFERED_START.items()}
    p = {k: float(sp.nsimplify(v)) for k, v in BUFFERED_VALUES.items()}

    def total(ca):  # the integral of (1 + B K_B/(K_B + c)^2) dc from 0, in closed form
        return ca + p["B_total"] * ca / (p["K_B"] + ca)

    expected = (0.5 * (start["K_i"] + start["Na_i"]) + total(start["Ca_i"])
                + law.coefficients["V"] * start["V"])
    assert law.value == pytest.approx(expected, rel=1e-13)
    assert law.coefficients["V"] == pytest.approx(-p["C_m"] * p["area_per_volume"] / (2 * p["F"]), rel=1e-12)
    (state,) = report.resting_states
    assert state.stable and len(state.eigenvalues) == 3
    equations = system.rhs()
    values = {q.symbol: q.value for q in system.parameters}
    rhs = sp.lambdify(system.state_symbols, [equations[s].xreplace(values) for s in system.state_symbols])
    names = [s.name for s in system.state_symbols]
    run = solve_ivp(lambda t, y: rhs(*y), (0, 3000), [start[n] for n in names], method="Radau", rtol=1e-12,
                    atol=[1e-15, 1e-12, 1e-12, 1e-18])
    assert run.success
    assert abs(state.V - run.y[0, -1]) * 1000 < 1e-6
    for k, name in enumerate(names):
        assert state.states[name] == pytest.approx(run.y[k, -1], rel=1e-7)
    # The total is conserved along the run too (an independent check of the law itself).
    end = dict(zip(names, run.y[:, -1]))
    assert 0.5 * (end["K_i"] + end["Na_i"]) + total(end["Ca_i"]) + law.coefficients["V"] * end["V"] == \
        pytest.approx(expected, rel=1e-9)


def test_a_buffered_total_is_exact_far_from_the_buffers_dissociation_constant():
    """total(Ca) by quadrature against its closed form Ca + B Ca/(K_B + Ca) for Ca from 1e-6 K_B to 1e4 K_B
    (an equilibrium far from the start has its calcium there: 48 nodes evenly in Ca were 7e-5 off at 50 K_B)."""
    from vrest.derive.rest.bound import Bound
    from vrest.derive.rest.conservation import find_laws
    from vrest.derive.rest.prepared_problem import factors_function

    prepared = prepare(buffered_system())
    problem = rest_problem(prepared)
    bound = Bound(LambdifyEvaluator(prepared), problem.p, factors_function(prepared, problem.factored))
    start = np.array(problem.start, dtype=float)
    scale = np.where(start != 0, np.abs(start), 1.0)
    (law,) = find_laws(problem, bound, start, scale, (-0.15, 0.06))
    calcium = problem.states.index("Ca_i")
    p = {k: float(sp.nsimplify(v)) for k, v in BUFFERED_VALUES.items()}
    for ca in np.geomspace(1e-9, 10.0, 41):  # mol/m^3 = mM; K_B = 1 uM
        y = start.copy()
        y[calcium] = ca
        assert law.totals(y, (calcium,))[0] == pytest.approx(ca + p["B_total"] * ca / (p["K_B"] + ca), rel=1e-13)


def test_a_markov_group_without_its_law_is_singular_and_no_error():
    """Without the occupancy law, A(V) of a closed chain is singular (its rates vanish at zero occupancy, so
    x = 0 solves it where rounding hides the singularity): NaN where the solve fails, never an error."""
    from vrest.derive.rest.elimination import elimination
    from vrest.derive.rest.evaluator import Bound

    prepared = prepare(markov_system())
    problem = rest_problem(prepared)
    bound = Bound(LambdifyEvaluator(prepared), problem.p)
    y = np.array([[-0.07, -0.05], [0.5, 0.5], [0.3, 0.3], [0.2, 0.2]])
    steady = elimination(problem.gates, problem.groups, []).steady(bound, y)
    assert steady.shape == y.shape and np.all(steady[0] == y[0])
    assert np.all(np.isnan(steady[1:]) | (steady[1:] == 0))


def test_solve_refuses_a_buffered_problem_without_its_rate_factors():
    """Without the rate factors the law through total(Ca) is unseen and the rest is lost (seen once in the CLI)."""
    from vrest.derive.rest import LambdifyEvaluator, currents_function, prepare, rest_problem, solve

    prepared = prepare(buffered_system())
    problem = rest_problem(prepared)
    assert problem.factored
    with pytest.raises(ValueError, match="rapidly buffered states"):
        solve(problem, LambdifyEvaluator(prepared), currents_function(prepared))


def test_a_state_that_never_changes_is_its_own_law_beside_states_whose_rates_are_1e_minus_133():
    """Priebe & Beuckelmann (1998) track overload with states whose rates are 0 times a term (constants), beside
    AP trackers that start at 1e-133 and decay. The constants' laws were lost in the rounding of the trackers'
    rates, the Jacobian at rest was singular in their rows, and the cell was said to have no resting state. Here
    the same on Hodgkin-Huxley: the rest is the paper's root, the constant keeps its start, the tracker decays."""
    base = hh_system()
    track, track2, still, still2, still3 = symbols("track track2 still still2 still3")
    states = base.states + (State(track, -500 * track, sp.Float("1e-133"), "", "AP tracker"),
                            State(track2, -10 * track2, sp.Float("5e-99"), "", "AP tracker"),
                            *(State(s, 0 * (1 - s), sp.Rational(1, 10**6), "", "overload tracker")
                              for s in (still, still2, still3)))
    report = find_resting_states(dataclasses.replace(base, states=states))
    (state,) = report.resting_states
    v_root = mpmath.findroot(hh_steady_current, (-70, -60), solver="anderson")
    assert abs(state.V * 1000 - float(v_root)) < 1e-9 and state.stable
    assert state.states["still"] == 1e-6 and abs(state.states["track"]) < 1e-300
    assert [(law.name, law.value) for law in report.conserved] == [(f"total_{s}", 1e-6)
                                                                   for s in ("still", "still2", "still3")]
    assert len(state.eigenvalues) == 6 and min(abs(v + 500) for v in state.eigenvalues) < 1e-9  # the tracker's
