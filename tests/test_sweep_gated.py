"""`vrest sweep` and `vrest sensitivity` of a vrest model with gated channels: its resting state at each point.

The expected numbers for the built-in hh come from the Hodgkin-Huxley equations written out in
tests/test_channels.py (mpmath, the modern convention of vrest's hh at 6.3 degC, where the Q10 factor is 1):
every equilibrium as a sign change of the steady-state current on a 0.25 mV grid over -150..60 mV, refined by
mpmath, its stability and slowest time constant from the eigenvalues of the full 4-state Jacobian, the slope
conductance as the steady current's derivative. Those of the bistable cell with moving concentrations come
from an independent solution of its steady states (the tests of tests/test_gated_moving_concentrations.py).
"""

from __future__ import annotations

import json

import mpmath
import numpy as np
import pytest
from conftest import run_cli
from test_channels import E_K, E_L, E_NA, G_L, G_NA, hh_rates
from test_gated_moving_concentrations import BISTABLE


def _steady_current(v, g_k):
    """uA/cm^2 with the gates at steady state, g_k in mS/cm^2."""
    r = hh_rates(v)
    m, h, n = (a / (a + b) for a, b in (r["m"], r["h"], r["n"]))
    return G_NA * m**3 * h * (v - E_NA) + g_k * n**4 * (v - E_K) + G_L * (v - E_L)


def hh_equilibria(g_k):
    """[(V mV, stable, slowest tau s, slope conductance mS/cm^2)] of every equilibrium in -150..60 mV."""
    g_k = mpmath.mpf(g_k)
    grid = [mpmath.mpf(-150) + mpmath.mpf(k) / 4 for k in range(4 * 210 + 1)]
    values = [_steady_current(v, g_k) for v in grid]
    out = []
    for a, b, fa, fb in zip(grid, grid[1:], values, values[1:]):
        if fa * fb > 0:
            continue
        v = mpmath.findroot(lambda x: _steady_current(x, g_k), (a, b), solver="anderson")
        r = hh_rates(v)
        state = [v] + [a_ / (a_ + b_) for a_, b_ in (r["m"], r["h"], r["n"])]

        def rhs(y):
            vv, m, h, n = y
            rr = hh_rates(vv)
            current = G_NA * m**3 * h * (vv - E_NA) + g_k * n**4 * (vv - E_K) + G_L * (vv - E_L)
            return [-current] + [al * (1 - x) - be * x for x, (al, be) in zip((m, h, n), (rr["m"], rr["h"], rr["n"]))]

        jac = mpmath.matrix(4, 4)
        for j in range(4):
            for i in range(4):
                jac[i, j] = mpmath.diff(lambda x, i=i, j=j, y=state: rhs([x if k == j else y[k] for k in range(4)])[i],
                                        state[j])
        eigenvalues = mpmath.eig(jac, left=False, right=False)  # 1/ms
        slowest = min(abs(mpmath.re(e)) for e in eigenvalues)
        out.append((float(v), all(mpmath.re(e) < 0 for e in eigenvalues), float(1e-3 / slowest),
                    float(mpmath.diff(lambda x: _steady_current(x, g_k), v))))
    return out


def test_a_sweep_of_hh_over_g_K_gives_the_written_out_model_s_rest():
    """g_K = 3 mS/cm^2: one stable equilibrium, depolarised (-27 mV); 8 mS/cm^2: one, unstable (the axon fires on
    its own: no resting potential, the pacemaker's reason); 20 and 36 mS/cm^2: one, stable (36: HH's -65 mV).
    A sweep of a model with channels gave the Nernst potentials alone (none in hh) and refused V_ss."""
    code, out, err = run_cli("sweep", "hh", "--vary", "channels.K.conductance=3, 8, 20, 36 mS/cm^2", "--json")
    assert code == 0, err
    document = json.loads(out)
    quantities = document["quantities"]
    assert list(quantities) == ["V_rest", "resting_states", "stable_states", "slope_conductance",
                                "input_resistance", "slowest_tau"]
    assert quantities["V_rest"]["unit"] == "mV" and quantities["slope_conductance"]["unit"] == "mS/cm^2"
    assert quantities["input_resistance"]["unit"] == "kohm*cm^2" and quantities["slowest_tau"]["unit"] == "s"
    for k, g_k in enumerate((3, 8, 20, 36)):
        equilibria = hh_equilibria(g_k)
        assert quantities["resting_states"]["values"][k] == len(equilibria) == 1
        ((v, stable, tau, slope),) = equilibria
        assert quantities["stable_states"]["values"][k] == int(stable)
        if not stable:
            assert g_k == 8 and quantities["V_rest"]["values"][k] is None
            continue
        assert quantities["V_rest"]["values"][k] == pytest.approx(v, abs=1e-9)
        assert quantities["slowest_tau"]["values"][k] == pytest.approx(tau, rel=1e-7)
        assert quantities["slope_conductance"]["values"][k] == pytest.approx(slope, rel=1e-7)
        assert quantities["input_resistance"]["values"][k] == pytest.approx(1 / slope, rel=1e-7)
    assert quantities["V_rest"]["values"][3] == pytest.approx(-65.0, abs=0.01)
    assert "V_rest: no value at 1 of 4 points: no stable resting state: the model oscillates (a pacemaker)" in err


def _hh_rest(g_k, g_l):
    """V_rest (mV) of the written-out model with g_K and g_L (mS/cm^2), near HH's -65 mV."""
    g_k, g_l = mpmath.mpf(g_k), mpmath.mpf(g_l)

    def current(v):
        return _steady_current(v, g_k) + (g_l - G_L) * (v - E_L)

    return mpmath.findroot(current, -65)


def test_sensitivity_of_hh_s_rest_to_two_conductances():
    """Sobol indices of V_rest over g_K = 30..40 and g_L = 0.2..0.4 mS/cm^2 (where the axon always rests) against
    the written-out model's own variance split: V_rest on a 7 x 7 Gauss-Legendre grid, the first-order share of g_K
    Var(E[V | g_K]) / Var(V)."""
    from vrest.codegen.sweep.indices import sensitivity

    nodes, weights = np.polynomial.legendre.leggauss(7)
    weights = weights / 2  # the mean over [-1, 1]
    rest = [[_hh_rest(35 + 5 * x, mpmath.mpf("0.3") + mpmath.mpf("0.1") * y) for y in nodes] for x in nodes]
    mean = sum(wx * wy * rest[i][j] for i, wx in enumerate(weights) for j, wy in enumerate(weights))
    variance = sum(wx * wy * (rest[i][j] - mean) ** 2 for i, wx in enumerate(weights) for j, wy in enumerate(weights))
    by_g_k = [sum(wy * rest[i][j] for j, wy in enumerate(weights)) for i in range(len(nodes))]
    share = float(sum(wx * (m - mean) ** 2 for wx, m in zip(weights, by_g_k)) / variance)
    result = sensitivity("hh", {"channels.K.conductance": "30..40 mS/cm^2",
                                "channels.L.conductance": "0.2..0.4 mS/cm^2"}, "V_rest", method="sobol", samples=64)
    assert result.unit == "mV" and result.evaluations == 64 * 4
    first = result.indices["channels.K.conductance"]
    assert 0.2 < share < 0.8  # both matter: the test tells them apart
    assert first["S1"] == pytest.approx(share, abs=max(first["S1_conf"], 0.02))
    leak = result.indices["channels.L.conductance"]
    assert leak["S1"] == pytest.approx(1 - share, abs=max(leak["S1_conf"], 0.02))  # additive: no interaction


def _bistable(tmp_path, nap: str = "4e-8", pump: str = "0.4"):
    text = BISTABLE.replace('permeability = "4e-8 cm/s"', f'permeability = "{nap} cm/s"')
    path = tmp_path / f"nap_{nap}_{pump}.toml"
    path.write_text(text.replace('current = "0.4 uA/cm^2"', f'current = "{pump} uA/cm^2"'), encoding="utf-8")
    return path


def test_a_sweep_of_a_bistable_cell_gives_the_rest_it_comes_to_from_its_start(tmp_path):
    """The bistable cell of tests/test_gated_moving_concentrations.py: at its pump of 0.4 uA/cm^2 three steady
    states, two stable, and from its start it rests at -70.9515926738 mV (the independent values there); at
    0.6 uA/cm^2 the independent solution has no physical steady state (its one root needs -760 fmol of Na+)."""
    path = _bistable(tmp_path)
    code, out, err = run_cli("sweep", str(path), "--vary", "pump.current=0.4, 0.6 uA/cm^2", "--json")
    assert code == 0, err
    quantities = json.loads(out)["quantities"]
    assert quantities["V_rest"]["unit"] == "mV"
    assert quantities["V_rest"]["values"][0] == pytest.approx(-70.9515926738, abs=1e-8)
    assert quantities["resting_states"]["values"] == [3, 0] and quantities["stable_states"]["values"] == [2, 0]
    assert quantities["slowest_tau"]["values"][0] == pytest.approx(5901.68968783, rel=1e-9)
    assert quantities["V_rest"]["values"][1] is None
    # the reason is the pump's, not the voltage range's (which a vrest model's sweep cannot widen)
    assert "V_rest: no value at 1 of 2 points: from its start an amount inside falls to 0" in err


def test_a_cell_its_pump_empties_of_sodium_has_no_rest(tmp_path):
    """The stronger NaP channel and pump (1e-7 cm/s, 0.6 uA/cm^2): an unstable equilibrium and a stable one
    (-23.8566888077485 mV, independent values in tests/test_gated_moving_concentrations.py), but from the
    file's state the pump takes out more Na+ than leaks in: the independent run of the same equations empties
    the cell of Na+ within about 340 s. No resting potential, for that reason."""
    path = _bistable(tmp_path, "1e-7", "0.6")
    code, out, err = run_cli("sweep", str(path), "--vary", "channels.NaP.permeability=1e-7 cm/s", "--json")
    assert code == 0, err
    quantities = json.loads(out)["quantities"]
    assert quantities["resting_states"]["values"] == [2] and quantities["stable_states"]["values"] == [1]
    assert quantities["V_rest"]["values"] == [None]
    assert "V_rest: no value at 1 of 1 points: from its start an amount inside falls to 0" in err


@pytest.mark.parametrize(("quantity", "message"), [
    ("V_rst", "--quantity = 'V_rst': unknown quantity of a model with gated channels; did you mean 'V_rest'?"),
    ("V_ss", "--quantity = 'V_ss': not swept for a model with gated channels: a sweep gives its resting state as "
             "vrest rest finds it (V_rest, resting_states, stable_states"),
    ("E_K,V_rest", "--quantity = 'E_K': the Nernst potentials and the resting state (V_rest, resting_states, "
                   "stable_states, slope_conductance, input_resistance, slowest_tau) of a model with gated "
                   "channels are swept separately"),
])
def test_a_quantity_the_rest_engine_does_not_give_is_refused_in_one_line(tmp_path, quantity, message):
    path = _bistable(tmp_path)
    code, out, err = run_cli("sweep", str(path), "--vary", "ions.K.outside=4, 6 mM", "--quantity", quantity)
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_the_nernst_potentials_of_a_model_with_channels_are_still_swept_alone(tmp_path):
    """E_K = RT/F ln(K_o/K_i) at 37 degC with vrest's R and F (mpmath)."""
    path = _bistable(tmp_path)
    code, out, err = run_cli("sweep", str(path), "--vary", "ions.K.outside=4, 6 mM", "--quantity", "E_K", "--json")
    assert code == 0, err
    rt_f = mpmath.mpf("8.314462618") * mpmath.mpf("310.15") / mpmath.mpf("96485.33212")
    expected = [float(1000 * rt_f * mpmath.log(mpmath.mpf(k) / 140)) for k in (4, 6)]
    assert json.loads(out)["quantities"]["E_K"]["values"] == pytest.approx(expected, rel=1e-12)


def test_dask_workers_give_the_local_numbers(tmp_path):
    """The model itself travels in the task (no file to read on a worker): a LocalCluster of two workers, a chunk
    a point, gives the local run's numbers bit for bit, and the written-out model's rest."""
    from vrest.codegen.sweep.api import make_plan, run_sweep
    from vrest.derive.builtin import resolve_model

    model = resolve_model("hh")
    plan = make_plan(model, {"channels.K.conductance": "20, 36 mS/cm^2"})
    local = run_sweep(model, plan, ["V_rest", "slowest_tau"])
    dask = run_sweep(model, plan, ["V_rest", "slowest_tau"], engine="dask", workers=2, chunk=1)
    for q in ("V_rest", "slowest_tau"):
        assert np.array_equal(dask.memory.values[q], local.memory.values[q])
    assert dask.memory.values["V_rest"] == pytest.approx([hh_equilibria(g)[0][0] for g in (20, 36)], abs=1e-9)


def test_the_stimulus_is_no_key_of_a_sweep():
    """hh's own injected current, and the neuron's, which it has only through a protocol's pulse: the neuron was told
    "did you mean 'pump.current'?"."""
    for model in ("hh", "neuron"):
        code, out, err = run_cli("sweep", model, "--vary", "stimulus.current=0..5 uA/cm^2 3")
        assert code == 2 and ("--vary = 'stimulus.current': the injected current is no key a sweep varies: off at "
                              "rest, no quantity depends on it, and in a scenario or protocol its steps set it") in err
    code, out, err = run_cli("sweep", "hh", "--vary", "ions.K.outside=1..2 mM 3")
    assert code == 2 and "keys of model hh: " in err and "stimulus.current" not in err


def test_sensitivity_of_a_quantity_no_key_changes_is_refused():
    """hh keeps one stable state over these ranges (the written-out model's equilibrium at each corner is stable):
    Sobol's indices would be 0/0."""
    for g_k in (30, 40):
        assert all(stable for _, stable, _, _ in hh_equilibria(g_k))
    code, out, err = run_cli("sensitivity", "hh", "--vary", "channels.K.conductance=30..40 mS/cm^2", "--vary",
                             "channels.L.reversal=-60..-50 mV", "--quantity", "stable_states", "--samples", "8")
    assert code == 2 and out == ""
    assert "--quantity = 'stable_states': is the same (1) at every point of the ranges: no key changes it" in err


def test_a_nernst_potential_at_the_file_s_moving_concentration_says_so(tmp_path):
    """The bistable cell's K+ moves to its steady state's (K_i 112.3 mM at -70.95 mV: N_K / Vol of the independent
    values), so E_K at the file's 140 mM is not the rest's: a note says which it is. E_K itself: RT/F ln(4/140)."""
    path = _bistable(tmp_path)
    code, out, err = run_cli("sweep", str(path), "--vary", "ions.K.outside=4 mM", "--quantity", "E_K")
    assert code == 0, err
    assert "vrest: note: E_K: at the file's inside concentration (as vrest derive gives it)" in err
    rt_f = mpmath.mpf("8.314462618") * mpmath.mpf("310.15") / mpmath.mpf("96485.33212")
    assert float(out.split()[-1]) == pytest.approx(float(1000 * rt_f * mpmath.log(mpmath.mpf(4) / 140)), abs=1e-4)


BISTABLE_FIXED = """
[model]
name = "k1_nap"
temperature = "35 degC"
[membrane]
capacitance = "1 uF/cm^2"
[ions.K]
valence = 1
inside = "140 mM"
outside = "5.4 mM"
conductance = "0.02 mS/cm^2"
[ions.Na]
valence = 1
inside = "10 mM"
outside = "140 mM"
conductance = "0.005 mS/cm^2"
[channels.K1]
ion = "K"
conductance = "0.3 mS/cm^2"
units = { V = "mV", t = "ms" }
open_fraction = "1/(1 + exp((V - E_K + 10)/12))"
[channels.NaP]
ion = "Na"
conductance = "0.05 mS/cm^2"
units = { V = "mV", t = "ms" }
[channels.NaP.gates.m]
power = 1
inf = "1/(1 + exp(-(V + 50)/5))"
tau = "1"
[pump]
current = "0.3 uA/cm^2"
stoichiometry = { Na = 3, K = -2 }
"""


K1_NAP_G_NAP, K1_NAP_PUMP = mpmath.mpf("0.05"), mpmath.mpf("0.3")  # mS/cm^2, uA/cm^2


def _k1_nap_current(v, g_nap=K1_NAP_G_NAP, pump=K1_NAP_PUMP):
    """The steady-state current (uA/cm^2; mS/cm^2 x mV) of BISTABLE_FIXED at V (mV), written out: K and Na leaks,
    the K1 rectifier, the persistent Na channel's m at m_inf(V), the pump's current."""
    rt_f = mpmath.mpf("8.314462618") * mpmath.mpf("308.15") / mpmath.mpf("96485.33212") * 1000
    e_k, e_na = rt_f * mpmath.log(mpmath.mpf("5.4") / 140), rt_f * mpmath.log(mpmath.mpf(140) / 10)
    k1 = mpmath.mpf("0.3") / (1 + mpmath.exp((v - e_k + 10) / 12))
    m = 1 / (1 + mpmath.exp(-(v + 50) / 5))
    return (mpmath.mpf("0.02") + k1) * (v - e_k) + (mpmath.mpf("0.005") + g_nap * m) * (v - e_na) + pump


def _k1_nap_rest(g_nap):
    """The most negative root (mV) of the steady-state current of BISTABLE_FIXED."""
    return mpmath.findroot(lambda v: _k1_nap_current(v, g_nap), mpmath.mpf(-81))


def test_a_bistable_cell_without_a_start_rests_where_it_starts(tmp_path):
    """No membrane.initial_potential: the cell starts at its most negative stable state (derive's V_ss, where
    `vrest simulate` starts) and stays; the sweep's V_rest is that state at every point, not "no single rest"."""
    path = tmp_path / "k1_nap.toml"
    path.write_text(BISTABLE_FIXED, encoding="utf-8")
    code, out, err = run_cli("sweep", str(path), "--vary", "channels.NaP.conductance=0.02, 0.05 mS/cm^2", "--quantity",
                             "V_rest,stable_states", "--json")
    assert code == 0, err
    columns = json.loads(out)["quantities"]
    assert columns["stable_states"]["values"] == [2, 2]  # bistable at both points
    for g, v in zip((mpmath.mpf("0.02"), mpmath.mpf("0.05")), columns["V_rest"]["values"]):
        assert v == pytest.approx(float(_k1_nap_rest(g)), abs=1e-6)
    code, out, err = run_cli("derive", str(path), "--quantity", "V_ss", "--json")
    assert code == 0, err
    assert json.loads(out)["quantities"]["V_ss"]["value"][0] == pytest.approx(columns["V_rest"]["values"][1], abs=1e-9)


def test_verify_names_a_bistable_cell_s_other_state(tmp_path):
    """V_ss = 24.32 mV of the bistable cell: wrong (V_ss is the most negative stable state, -80.86 mV), and the answer
    says that 24.32 mV is the other equilibrium, found here as the root of the written-out current near +24 mV."""
    path = tmp_path / "k1_nap.toml"
    path.write_text(BISTABLE_FIXED, encoding="utf-8")
    code, out, err = run_cli("verify", "V_ss = 24.32 mV", "--model", str(path), "--json")
    assert code == 1, err
    doc = json.loads(out)
    high = mpmath.findroot(_k1_nap_current, mpmath.mpf(24))
    low = _k1_nap_rest(mpmath.mpf("0.05"))
    assert doc["diagnosis"] == (f"another root of V_ss's equation: the model has an equilibrium at {float(high):.6g} mV "
                                "as well (`vrest rest` gives each with its stability); V_ss is the most negative stable "
                                f"one, {float(low):.6g} mV")


def test_no_pump_shift_of_a_rest_the_pump_alone_holds(tmp_path):
    """Lowered, the pump takes the bistable cell's -80.86 mV rest to a fold of the steady-state current without
    the pump's share: dI/dV = 0 at -70.93 mV, where s I_pump = -I_0(V) gives s = 0.0146 (found here); without the
    pump the cell's only rest is near +28 mV, another state. dV_pump was their difference, -109 mV."""
    path = tmp_path / "k1_nap.toml"
    path.write_text(BISTABLE_FIXED, encoding="utf-8")
    def without_pump(v):
        return _k1_nap_current(v, pump=0)

    fold = mpmath.findroot(lambda v: mpmath.diff(without_pump, v), mpmath.mpf(-71))
    share = -without_pump(fold) / mpmath.mpf("0.3")
    code, out, err = run_cli("derive", str(path), "--quantity", "dV_pump", "--json")
    assert code == 0, err
    reason = json.loads(out)["not_applicable"]["dV_pump"]
    assert reason == ("the resting state at -80.8635 mV has none without the pump to compare with: lowered, the pump "
                      f"takes it to a fold (at {float(fold):.4g} mV, with {float(share):.3g} of the pump), where it "
                      "ends; the cell's rest without the pump is another state")


def test_a_value_between_points_without_one_is_drawn():
    """hh at g_K = 3 mS/cm^2 rests, depolarised, and beats from about 3.84 to 19.77 mS/cm^2 (its Hopf points): a
    line through the sweep's values drew the lone rest at 3 as nothing. It is a dot now, in the line's colour."""
    import matplotlib.pyplot as plt
    from vrest.codegen.sweep.plot import _line

    figure, ax = plt.subplots()
    x, y = np.array([3.0, 5.0, 10.0, 25.0, 30.0]), np.array([-27.06, np.nan, np.nan, -63.4, -64.3])
    _line(ax, x, y, lw=1.8)
    line, dots = ax.lines
    assert dots.get_color() == line.get_color()
    assert dots.get_xdata().tolist() == [3.0] and dots.get_ydata().tolist() == [-27.06]
    plt.close(figure)
    code, out, _ = run_cli("sweep", "hh", "--vary", "channels.K.conductance=3, 5 mS/cm^2", "--quantity", "V_rest",
                             "--json")
    rest, beats = json.loads(out)["quantities"]["V_rest"]["values"]
    assert code == 0 and rest == pytest.approx(-27.06, abs=0.01) and beats is None
