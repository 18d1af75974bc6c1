"""`vrest sweep` and `vrest sensitivity` of CellML and SBML files, under the file's parameter names.

The expected numbers come from the Hodgkin-Huxley equations written out here (Hodgkin & Huxley 1952, the
modern sign convention of the CellML file: V in mV, rates in 1/ms, E_Na = E_R + 115 mV, E_K = E_R - 12 mV,
E_L = E_R + 10.613 mV), solved with mpmath: the resting potential as the root of the total current with the
gates at steady state, the slope conductance as its derivative, the slowest time constant from the
eigenvalues of the full 4-state Jacobian. Nothing of vrest's reader or rest engine is used for them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import mpmath as mp
import numpy as np
import pytest
from conftest import run_cli

from vrest.codegen.sweep.api import make_plan, run_sweep, sweep
from vrest.derive.errors import ModelWarning
from vrest.codegen.sweep.imported import load_imported
from vrest.codegen.sweep.indices import sensitivity

MODELS = Path(__file__).parent / "models"
HH = MODELS / "hodgkin_huxley_squid_axon_model_1952_modified.cellml"
NOBLE = MODELS / "noble_model_1962.cellml"
ZHANG = MODELS / "zhang_SAN_model_2000_0D_capable.cellml"
mp.mp.dps = 30


def _trap(x):
    """x / (1 - exp(-x/10)), 10 at x = 0."""
    return mp.mpf(10) if x == 0 else x / (1 - mp.exp(-x / 10))


def _rates(v):
    """(alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n) in 1/ms at V in mV (Hodgkin & Huxley 1952)."""
    return (mp.mpf("0.1") * _trap(v + 50), 4 * mp.exp(-(v + 75) / 18),
            mp.mpf("0.07") * mp.exp(-(v + 75) / 20), 1 / (1 + mp.exp(-(v + 45) / 10)),
            mp.mpf("0.01") * _trap(v + 65), mp.mpf("0.125") * mp.exp((v + 75) / 80))


def _currents(v, m, h, n, g_k, e_r, g_na=120, g_l=mp.mpf("0.3")):
    """Total ionic current, uA/cm^2 (outward positive)."""
    return (g_na * m ** 3 * h * (v - (e_r + 115)) + g_k * n ** 4 * (v - (e_r - 12))
            + g_l * (v - (e_r + mp.mpf("10.613"))))


def _steady(v):
    am, bm, ah, bh, an, bn = _rates(v)
    return am / (am + bm), ah / (ah + bh), an / (an + bn)


def hh_rest(g_k, e_r=-75, c_m=1):
    """(V mV, slope conductance mS/cm^2, slowest tau s, stable) of the written-out HH model's one equilibrium
    near E_R; c_m in uF/cm^2."""
    g_k, e_r, c_m = mp.mpf(g_k), mp.mpf(e_r), mp.mpf(c_m)

    def total(v):
        return _currents(v, *_steady(v), g_k, e_r)

    v = mp.findroot(total, (e_r - 15, e_r + 10), solver="illinois")  # a sign change: inward below E_K
    slope = mp.diff(total, v)

    def rhs(y):
        vv, m, h, n = y
        am, bm, ah, bh, an, bn = _rates(vv)
        return [-_currents(vv, m, h, n, g_k, e_r) / c_m, am * (1 - m) - bm * m, ah * (1 - h) - bh * h,
                an * (1 - n) - bn * n]

    y = [v, *_steady(v)]
    jac = mp.matrix(4, 4)
    for j in range(4):
        for i in range(4):
            jac[i, j] = mp.diff(lambda x: rhs([x if k == j else y[k] for k in range(4)])[i], y[j])
    eigenvalues = mp.eig(jac, left=False, right=False)
    slowest = min(abs(mp.re(e)) for e in eigenvalues)  # 1/ms
    return float(v), float(slope), float(1e-3 / slowest), all(mp.re(e) < 0 for e in eigenvalues)


def fires_from_start(g_k, e_r=-75.0) -> bool:
    """Whether the written-out model, run from the file's initial state (V = -75 mV, m = 0.05, h = 0.6, n = 0.325)
    by SciPy's LSODA, still swings by more than 1 mV in its second second (a stable equilibrium beside the
    repetitive firing of a low g_K: the cell fires all the same)."""
    from scipy.integrate import solve_ivp

    def rhs(t, y):
        v, m, h, n = y
        am, bm, ah, bh, an, bn = (float(r) for r in _rates(v))
        current = float(_currents(v, m, h, n, g_k, e_r))
        return [-current, am * (1 - m) - bm * m, ah * (1 - h) - bh * h, an * (1 - n) - bn * n]

    run = solve_ivp(rhs, (0.0, 2000.0), [-75.0, 0.05, 0.6, 0.325], method="LSODA", rtol=1e-8, atol=1e-8,
                    t_eval=np.linspace(1000.0, 2000.0, 2001))
    assert run.success, run.message
    return float(np.ptp(run.y[0])) > 1.0


def test_a_grid_over_g_K_and_E_R_gives_the_written_out_model_s_rest():
    """At E_R = -70 mV the equilibrium loses its stability for g_K <= 36 mS/cm^2 (the axon fires on its own):
    no resting potential there, for the pacemaker's reason."""
    data = sweep(str(HH), {"g_K": "30, 36, 45 mS/cm^2", "membrane.E_R": "-80..-70 mV 3"})
    assert data["V_rest"].attrs["units"] == "mV" and data["slope_conductance"].attrs["units"] == "mS/cm^2"
    assert data["input_resistance"].attrs["units"] == "kohm*cm^2" and data["slowest_tau"].attrs["units"] == "s"
    for g_k in (30, 36, 45):
        for e_r in (-80, -75, -70):
            point = data.sel({"g_K": g_k, "membrane.E_R": e_r})
            v, g, tau, stable = hh_rest(g_k, e_r)
            assert int(point["resting_states"]) == 1 and int(point["stable_states"]) == int(stable)
            if not stable:
                assert np.isnan(float(point["V_rest"])) and np.isnan(float(point["slowest_tau"]))
                continue
            assert float(point["V_rest"]) == pytest.approx(v, abs=1e-9)
            assert float(point["slope_conductance"]) == pytest.approx(g, rel=1e-9)
            assert float(point["input_resistance"]) == pytest.approx(1 / g, rel=1e-9)
            assert float(point["slowest_tau"]) == pytest.approx(tau, rel=1e-7)
    assert [hh_rest(g, -70)[3] for g in (30, 36, 45)] == [False, False, True]
    assert data["V_rest"].attrs["missing"] == {"no stable resting state: the model oscillates (a pacemaker)": 2}


def test_the_membrane_capacitance_leaves_the_slope_conductance_as_it_is():
    """The slope conductance is the currents' (C_m times the slope of dV/dt): a point that varies C_m must
    use its own C_m for it (with the file's 1 uF/cm^2 it would halve at 2 uF/cm^2)."""
    data = sweep(str(HH), {"Cm": "0.5, 1, 2 uF/cm^2"})
    for c_m in (0.5, 1, 2):
        point = data.sel({"Cm": c_m})
        v, g, tau, stable = hh_rest(36, c_m=c_m)
        assert stable and float(point["V_rest"]) == pytest.approx(v, abs=1e-9)
        assert float(point["slope_conductance"]) == pytest.approx(g, rel=1e-9)
        assert float(point["slowest_tau"]) == pytest.approx(tau, rel=1e-7)


def test_a_value_in_another_unit_and_the_component_variable_name_give_the_same_numbers():
    a = sweep(str(HH), {"g_K": "30, 45 mS/cm^2"}, ["V_rest"])
    b = sweep(str(HH), {"potassium_channel.g_K": "300, 450 S/m^2"}, ["V_rest"])
    assert np.array_equal(a["V_rest"].values, b["V_rest"].values)
    assert b["potassium_channel.g_K"].attrs["units"] == "S/m^2"


@pytest.mark.parametrize("method", ["random", "lhs", "sobol"])
def test_samples_land_in_the_range_and_each_rests_where_the_written_out_model_does(method):
    data = sweep(str(HH), {"g_K": "20..50 mS/cm^2"}, ["V_rest"], method=method, samples=3, seed=4)
    ks = data["g_K"].values
    assert len(ks) == 3 and np.all((ks >= 20) & (ks <= 50)) and len(set(ks)) == 3
    for g_k, v in zip(ks, data["V_rest"].values):
        expected, _, _, stable = hh_rest(mp.mpf(float(g_k)))
        rests = stable and not fires_from_start(float(g_k))  # low g_K: it fires, beside a stable state or not
        assert (v == pytest.approx(expected, abs=1e-9)) if rests else np.isnan(v)


def test_a_pacemaker_has_no_resting_potential_and_the_reason_is_counted():
    code, out, err = run_cli("sweep", str(NOBLE), "--vary", "G_K_max=1.0..1.2 mS/cm^2 2", "--json")
    assert code == 0, err
    document = json.loads(out)
    assert document["quantities"]["V_rest"]["values"] == [None, None]
    assert document["quantities"]["stable_states"]["values"] == [0, 0]
    assert document["quantities"]["resting_states"]["values"] == [1, 1]
    reason = "no stable resting state: the model oscillates (a pacemaker)"
    assert document["missing"]["V_rest"] == {reason: 2}
    assert f"V_rest: no value at 2 of 2 points: {reason}" in err


def test_a_stable_state_the_cell_beats_beside_is_no_resting_potential():
    """Zhang et al. (2000)'s sinoatrial cell has one stable resting state at its own [K+]o (5.4 mM, -31.34 mV),
    beside which it beats from its start (tests/test_import_rest.py); the sweep gave that state as V_rest. With
    8 mM K+ outside it comes to rest from its start at -29.920769939268723 mV: Myokit's equations of the file run
    by SciPy's LSODA (rtol 1e-11) end there at 100, 300 and 1000 s, V swinging between -47.97 and 21.45 mV on the
    way. With CmCentre doubled (the file computes its capacitance, Cm = CmCentre + FCell (CmPeriphery - CmCentre))
    the cell comes to rest at the file's 5.4 mM too: the same run ends at -31.337327759335576 mV. Doubling it leaves
    the slope conductance (the currents' slope, whatever the capacitance) as it is."""
    code, out, err = run_cli("sweep", str(ZHANG), "--vary", "K_o=5.4, 8 mM", "--vary", "CmCentre=2e-5, 4e-5 uF",
                             "--quantity", "V_rest,stable_states,slope_conductance", "--json")
    assert code == 0, err
    document = json.loads(out)
    v_rest = document["quantities"]["V_rest"]["values"]
    assert v_rest[0][0] is None and v_rest[1] == pytest.approx([-29.920769939268723] * 2, abs=1e-9)
    assert v_rest[0][1] == pytest.approx(-31.337327759335576, abs=1e-9)  # a larger capacitance: it comes to rest
    assert document["quantities"]["stable_states"]["values"] == [[1, 1], [1, 1]]
    slope = document["quantities"]["slope_conductance"]["values"][1]
    assert slope[0] == pytest.approx(slope[1], rel=1e-12) and document["quantities"]["slope_conductance"]["unit"] == "nS"
    reason = "from its start the cell oscillates (a pacemaker) beside the stable resting state: it comes to no rest"
    assert document["missing"]["V_rest"] == {reason: 1}


def test_a_stable_state_the_cell_has_not_reached_is_no_resting_potential():
    """Bondarenko et al. (2004): one stable state, at E_Cl = -40 mV, which the cell has not reached from its start
    after 27.8 h of model time (`vrest rest`; SciPy's LSODA of its equations: V = -82.42007 mV at 1, 10 and 100 s)."""
    code, out, err = run_cli("sweep", str(MODELS / "bondarenko_szigeti_bett_kim_rasmusson_2004_apical.cellml"),
                             "--vary", "Ko=5.4 mM", "--quantity", "V_rest,stable_states", "--json")
    assert code == 0, err
    document = json.loads(out)
    assert document["quantities"]["V_rest"]["values"] == [None]
    assert document["quantities"]["stable_states"]["values"] == [1]
    assert document["missing"]["V_rest"] == {
        "from its start the cell has not come to rest by the end of the run (a slow drift)": 1}


def test_the_outputs_carry_the_file_s_names_and_units(tmp_path):
    import pyarrow.parquet as pq
    import xarray as xr

    spec = "g_K=30, 45 mS/cm^2"
    expected = [hh_rest(30)[0], hh_rest(45)[0]]
    code, out, err = run_cli("sweep", str(HH), "--vary", spec, "--quantity", "V_rest", "--out",
                             str(tmp_path / "s.csv"))
    assert code == 0, err
    lines = (tmp_path / "s.csv").read_text().splitlines()
    assert lines[0] == "g_K [mS/cm^2],V_rest [mV]"
    assert [float(line.split(",")[1]) for line in lines[1:]] == pytest.approx(expected, abs=1e-9)
    assert run_cli("sweep", str(HH), "--vary", spec, "--out", str(tmp_path / "s.parquet"))[0] == 0
    table = pq.read_table(tmp_path / "s.parquet")
    assert table.column("V_rest").to_pylist() == pytest.approx(expected, abs=1e-9)
    assert run_cli("sweep", str(HH), "--vary", spec, "--out", str(tmp_path / "s.nc"))[0] == 0
    with xr.open_dataset(tmp_path / "s.nc") as data:
        assert data["V_rest"].attrs["units"] == "mV" and list(data["V_rest"].values) == pytest.approx(expected)
    code, out, err = run_cli("sweep", str(HH), "--vary", spec, "--plot", str(tmp_path / "s.png"))
    assert code == 0 and (tmp_path / "s.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_map_of_a_count_has_whole_numbers_on_its_colour_bar(monkeypatch, tmp_path):
    """stable_states over g_K and E_R: 0 or 1, its contours at 0.5 and unlabelled (labels 0.15, 0.45, ... were
    drawn on it), its colour bar at 0 and 1."""
    from vrest.codegen.sweep import plot

    figures = []
    monkeypatch.setattr(plot, "save_figure", lambda fig, path: figures.append(fig) or path)
    code, _, err = run_cli("sweep", str(HH), "--vary", "g_K=15..50 mS/cm^2 8", "--vary", "E_R=-80..-70 mV 6",
                           "--quantity", "stable_states", "--plot", str(tmp_path / "map.png"))
    assert code == 0, err
    main, bar = figures[0].axes
    assert [float(t) for t in bar.get_yticks()] == [0.0, 1.0]
    assert [text.get_text() for text in main.texts] == []  # no contour labels


def test_an_sbml_parameter_without_a_unit_takes_plain_numbers():
    sbml = str(MODELS / "BIOMD0000000020.xml")
    data = sweep(sbml, {"g_L": "0.3, 0.6"}, ["V_rest", "stable_states"])
    assert data["g_L"].attrs["units"] == "1" and np.all(np.isfinite(data["V_rest"].values))
    assert list(data["stable_states"].values) == [1, 1] and data["V_rest"].values[0] != data["V_rest"].values[1]
    code, _, err = run_cli("sweep", sbml, "--vary", "g_L=0.3, 0.6 mS/cm^2")
    assert code == 2 and "g_L has no unit in the file: give plain numbers" in err


@pytest.mark.parametrize(("vary", "message"), [
    ("g_K=30..40 mV 3", "does not convert to mS/cm^2, the unit of g_K in the file"),
    ("g_K=30..40 3", "a unit is required, one that converts to mS/cm^2"),
    ("gK=30..40 mS/cm^2 3", "did you mean 'g_K'?"),
    ("cm=1, 2 uF/cm^2", "did you mean 'Cm'?"),  # the same name in other letters, before the gate m
    # E_R as sodium_channel uses it (public_interface="in", from membrane): it suggested sodium_channel.E_Na
    ("sodium_channel.E_R=-80, -70 mV", "did you mean 'E_R'? (a component that uses a parameter names it too; vrest "
                                       "knows it by the name where the file defines it)"),
    ("E_K=-80, -70 mV", "computed in the file from other values, not a parameter: vary what it is computed from (E_R)"),
    ("V=-80, -70 mV", "a state of model"),
    ("g_K=30..40 blorps 3", "unknown unit"),
    ("g_K=30:40:3 mS/cm^2", ("unknown unit ':40:3 mS/cm^2'; expected one that converts to mS/cm^2; expected a "
                             "range 'LOW..HIGH mS/cm^2 [log] COUNT' or a list 'A, B, C mS/cm^2'")),
    ("g_K=-1..2 mS/cm^2 3", "g_K is a conductance per area: it must not be negative (0 blocks it)"),
    ("Cm=0..2 uF/cm^2 3", "Cm is a capacitance per area: it must be positive"),
    # stimulus parameters act only through the stimulus, which is off at rest: V_rest would be the same everywhere
    ("stim_amplitude=-10, -20 uA/cm^2", "--vary = 'stim_amplitude': no equation of the model at rest uses it (the "
                                        "stimulus alone does, and it is off at rest), so the resting state does not "
                                        "depend on it"),
    ("membrane.stim_period=500, 1000 ms", "'membrane.stim_period': no equation of the model at rest"),
    ("i_Stim_on=0, 1", "--vary = 'i_Stim_on': the switch of the stimulus i_Stim (vrest adds it: 0 off, 1 on): the "
                       "stimulus is off at rest, so the resting state does not depend on it"),
    ("I_stim_on=0, 1", "--vary = 'I_stim_on': not a parameter; i_Stim_on is the switch of the stimulus i_Stim"),
])
def test_a_bad_key_or_unit_is_one_line_and_exit_2(vary, message):
    code, out, err = run_cli("sweep", str(HH), "--vary", vary)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and message in err


def test_options_of_a_file_are_refused_for_a_vrest_model_and_scenarios_for_a_file():
    code, _, err = run_cli("sweep", "squid", "--vary", "ions.K.outside=3, 5 mM", "--voltage", "V")
    assert code == 2 and "--voltage" in err and "only for a CellML or SBML file" in err
    code, _, err = run_cli("sweep", "squid", "--vary", "ions.K.outside=3, 5 mM", "--range", "-100..0 mV")
    assert code == 2 and err == "vrest: error: --range = '-100..0 mV': only for a CellML or SBML file\n"
    code, _, err = run_cli("sweep", str(HH), "--vary", "g_K=30, 40 mS/cm^2", "--scenario", "x", "--times", "1 s")
    assert code == 2 and "no scenarios" in err


def test_dask_workers_get_the_file_s_content_not_its_path(tmp_path):
    """The file is deleted before the sweep starts: workers that read the path would fail."""
    copy = tmp_path / HH.name
    shutil.copy(HH, copy)
    model = load_imported(copy)
    copy.unlink()
    plan = make_plan(model, ["g_K=30, 36, 45 mS/cm^2"])
    dask = run_sweep(model, plan, ["V_rest", "slowest_tau"], engine="dask", workers=2, chunk=1)
    local = run_sweep(load_imported(HH), plan, ["V_rest", "slowest_tau"], workers=1)
    for q in ("V_rest", "slowest_tau"):
        assert np.array_equal(dask.memory.values[q], local.memory.values[q])
    assert dask.memory.values["V_rest"] == pytest.approx([hh_rest(g)[0] for g in (30, 36, 45)], abs=1e-9)


def test_sensitivity_to_a_value_the_rest_does_not_depend_on_is_zero():
    """The membrane capacitance sets how fast V moves, not where the currents balance: V_rest's indices of Cm are
    exactly 0, and g_K alone explains V_rest (S1 = ST = 1 within the intervals)."""
    vary = {"g_K": "30..45 mS/cm^2", "Cm": "0.5..2 uF/cm^2"}
    result = sensitivity(str(HH), vary, "V_rest", "sobol", samples=8, seed=1)
    assert result.unit == "mV" and result.evaluations == 8 * 4
    assert result.indices["Cm"]["S1"] == 0 and result.indices["Cm"]["ST"] == 0
    assert result.indices["g_K"]["ST"] == pytest.approx(1, abs=max(0.05, result.indices["g_K"]["ST_conf"]))
    code, out, err = run_cli("sensitivity", str(HH), "--vary", "g_K=30..45 mS/cm^2", "--vary",
                             "Cm=0.5..2 uF/cm^2", "--quantity", "V_rest", "--method", "morris",
                             "--samples", "4", "--json")
    assert code == 0, err
    indices = json.loads(out)["indices"]
    assert indices["Cm"]["mu_star"] == 0 and indices["g_K"]["mu_star"] > 0.5


def test_the_readmes_example_is_what_vrest_prints():
    import re

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```console\n\$ vrest sweep tests/models/hodgkin_huxley\S+ \\\n\s+(.*?)\n(.*?)```", readme,
                      re.S)
    assert block
    code, out, err = run_cli("sweep", str(HH), "--vary", "potassium_channel.g_K=20..50 mS/cm^2 7", "--quantity",
                             "V_rest,slowest_tau")
    assert code == 0 and block.group(1) == '--vary "potassium_channel.g_K=20..50 mS/cm^2 7" --quantity V_rest,slowest_tau'
    for line in block.group(2).splitlines():
        assert line in (out + err).splitlines()


def test_a_rest_outside_the_voltage_range_is_its_own_reason():
    # O'Hara-Rudy with 0.3 mM K+ outside comes to rest at -156.03 mV (tests/test_import_rest.py: Myokit's
    # equations run by SciPy), below -150 mV: not a pacemaker's missing value.
    with pytest.warns(ModelWarning, match="units do not agree in the file's equations"):  # its 0.341 [m^3/mol] * cao
        data = sweep(str(MODELS / "ohara_rudy_2011_endo.cellml"), {"ko": "0.3, 5.4 mM"}, ["V_rest"])
    assert data["V_rest"].attrs["missing"] == {
        "no stable resting state in the voltage range: the cell comes to rest outside it": 1}
    assert float(data["V_rest"].sel({"ko": 5.4})) == pytest.approx(-88.250202, abs=1e-6)


LUO_RUDY = MODELS / "luo_rudy_1991.cellml"


def test_a_quantity_the_file_computes_is_swept_at_the_rest(tmp_path):
    """A K_o sweep of a cardiac model wants E_K beside V_rest: any quantity the file computes is given at each
    point's stable rest, in the file's unit. Luo-Rudy (1991)'s reversal potentials written out from the paper's
    constants (R = 8314 mJ/(mol K), T = 310 K, F = 96484.6 C/mol, K_i 145, Na_i 18, Na_o 140 mM, PR_NaK 0.01833), and
    its I_K1 at the rest V vrest finds (its rest at K_o 5.4 mM, -84.5477614 mV, is NEURON's run of the export)."""
    code, out, err = run_cli("sweep", str(LUO_RUDY), "--vary", "Ko=4, 5.4, 10 mM", "--quantity",
                             "V_rest,E_K,time_independent_potassium_current.E_K1,i_K1,Cai",
                             "--json")
    assert code == 0, err
    result = json.loads(out)
    columns = result["quantities"]
    assert [columns[q]["unit"] for q in ("V_rest", "E_K", "E_K1", "i_K1")] == ["mV", "mV", "mV", "uA/cm^2"]
    rt_f = 8314 * 310 / 96484.6  # mV
    for k, ko in enumerate((4.0, 5.4, 10.0)):
        v = columns["V_rest"]["values"][k]
        e_k = rt_f * mp.log((ko + 0.01833 * 140) / (145 + 0.01833 * 18))
        e_k1 = rt_f * mp.log(ko / 145)
        assert columns["E_K"]["values"][k] == pytest.approx(float(e_k), rel=1e-12)
        assert columns["E_K1"]["values"][k] == pytest.approx(float(e_k1), rel=1e-12)
        x = v - float(e_k1)
        alpha = 1.02 / (1 + mp.exp(0.2385 * (x - 59.215)))
        beta = (0.49124 * mp.exp(0.08032 * (x + 5.476)) + mp.exp(0.06175 * (x - 594.31))) / (
            1 + mp.exp(-0.5143 * (x + 4.753)))
        i_k1 = 0.6047 * mp.sqrt(ko / 5.4) * alpha / (alpha + beta) * x
        assert columns["i_K1"]["values"][k] == pytest.approx(float(i_k1), rel=1e-9)
    assert columns["V_rest"]["values"][1] == pytest.approx(-84.5477614, abs=1e-7)
    code, out, err = run_cli("rest", str(LUO_RUDY), "--json")  # a state at rest: the Ca_i vrest rest finds
    assert code == 0, err
    (rest,) = [s for s in json.loads(out)["resting_states"] if s["stable"]]
    assert columns["Cai"]["unit"] == rest["states"]["Cai"]["unit"]
    assert columns["Cai"]["values"][1] == pytest.approx(rest["states"]["Cai"]["value"], rel=1e-9)


@pytest.mark.parametrize(("quantity", "message"), [
    ("E_KK", ("--quantity = 'E_KK': unknown quantity of model luo_rudy_1991; did you mean 'E_K'? (one of "
              "V_rest, ")),
    ("I_stim", "--quantity = 'I_stim': depends on the stimulus or on time: it has no value at rest"),
    ("Ki", ("--quantity = 'Ki': a parameter of model luo_rudy_1991, not a value at rest: an input of the model, "
            "the same at every point unless --vary varies it")),
])
def test_a_quantity_the_file_does_not_compute_at_rest_is_one_line(quantity, message):
    code, out, err = run_cli("sweep", str(LUO_RUDY), "--vary", "Ko=4, 5.4 mM", "--quantity", quantity)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and message in err, err
