"""Scenarios as protocols of steps: the model-file form, its errors, and each step kind against
an independent calculation written here (analytic relaxations, mpmath roots of the textbook
currents, a textbook right-hand side integrated by SciPy)."""

from __future__ import annotations

import copy
import json
import math

import mpmath
import numpy as np
import pytest
import sympy
from scipy.integrate import solve_ivp

from conftest import run_cli, toml_dumps
from test_model_errors import NEURON_LIKE
from test_sweep_values import builtin
from vrest.derive.builtin import resolve_model
from vrest.derive.modelfile import model_from_dict, model_from_text

R, F = mpmath.mpf("8.314462618"), mpmath.mpf("96485.33212")


CELL = NEURON_LIKE  # ohmic K and Na leaks, a constant pump


def with_scenario(scenario: dict, base: dict = CELL) -> dict:
    data = copy.deepcopy(base)
    data["scenario"] = {"s": scenario}
    return data


def _json(*argv: str) -> dict:
    code, out, err = run_cli(*argv, "--json")
    assert code == 0, err
    return json.loads(out)


# -- the model-file form ---------------------------------------------------------------------------


def test_steps_are_data_on_the_ir():
    text = toml_dumps(CELL) + """
[scenario.high_K]
description = "bath K up, then washed out"
steps = [
  { at = "0 s",    set = { "ions.K.outside" = "20 mM", "ions.Na.outside" = "129 mM" } },
  { at = "10 min", set = { "ions.K.outside" = "4 mM" }, scale = { "ions.K.conductance" = 0.5, pump = 2 } },
]
[scenario.ouabain]
at = "1 s"
set = { pump = 0 }
"""
    model = model_from_text(text)
    high_k, ouabain = model.scenarios
    assert high_k.description == "bath K up, then washed out"
    first, second = high_k.steps
    assert first.at == 0 and second.at == 600
    assert [(c.key, c.parameter, c.operation, c.value) for c in first.changes] == [
        ("ions.K.outside", "K_o", "set", 20), ("ions.Na.outside", "Na_o", "set", 129)]
    assert [(c.parameter, c.operation, c.value) for c in second.changes] == [
        ("K_o", "set", 4), ("g_K", "scale", sympy.Rational(1, 2)), ("I_pump", "scale", 2)]
    assert high_k.parameters == ("K_o", "Na_o", "g_K", "I_pump")
    (step,) = ouabain.steps  # the one-step form: at + set = { pump = F }
    assert step.at == 1 and [(c.parameter, c.operation, c.value) for c in step.changes] == [("I_pump", "scale", 0)]


def test_a_factor_multiplies_the_file_value_so_one_restores_it():
    from vrest.derive.schedule import parameter_schedule

    model = model_from_dict(with_scenario({"steps": [{"at": "0 s", "scale": {"ions.K.conductance": 0.1}},
                                                      {"at": "1 s", "scale": {"ions.K.conductance": 0.5}},
                                                      {"at": "2 s", "scale": {"ions.K.conductance": 1}}]}))
    base = {"g_K": 1.0, "g_Na": 0.15}
    assert [(at, v["g_K"]) for at, v in parameter_schedule(model.scenarios[0].steps, base)] == [
        (0, 1.0), (0, pytest.approx(0.1)), (1, 0.5), (2, 1.0)]


ERRORS = [
    # (id, scenario table, words the one-line message must hold)
    ("unknown key", {"at": "0 s", "set": {"ions.K.outsid": "20 mM"}},
     ["scenario.s.set.ions.K.outsid", "unknown key", "did you mean 'ions.K.outside'"]),
    ("unchangeable inside concentration", {"at": "0 s", "set": {"ions.K.inside": "20 mM"}},
     ["scenario.s.set.ions.K.inside", "cannot change", "inside concentration"]),
    ("unchangeable capacitance", {"at": "0 s", "scale": {"membrane.capacitance": 2}},
     ["scenario.s.scale.membrane.capacitance", "cannot change"]),
    ("conductance of a GHK ion", {"at": "0 s", "scale": {"ions.K.permeability": 0.5}},
     ["ions.K.permeability", "ohmic conductance", "ions.K.conductance"]),
    ("times not increasing", {"steps": [{"at": "1 s", "set": {"ions.K.outside": "20 mM"}},
                                        {"at": "500 ms", "set": {"ions.K.outside": "4 mM"}}]},
     ["scenario.s.steps[2].at", "'500 ms'", "increase"]),
    ("two steps at one time", {"steps": [{"at": "1 s", "set": {"ions.K.outside": "20 mM"}},
                                         {"at": "1 s", "set": {"ions.K.outside": "4 mM"}}]},
     ["scenario.s.steps[2].at", "increase"]),
    ("zero concentration", {"at": "0 s", "set": {"ions.K.outside": "0 mM"}},
     ["scenario.s.set.ions.K.outside", "'0 mM'", "positive"]),
    ("negative concentration", {"at": "0 s", "set": {"ions.Na.outside": "-5 mM"}},
     ["ions.Na.outside", "'-5 mM'", "positive"]),
    ("concentration scaled to zero", {"at": "0 s", "scale": {"ions.K.outside": 0}},
     ["scenario.s.scale.ions.K.outside", "= 0", "positive"]),
    ("wrong dimension", {"at": "0 s", "set": {"ions.K.outside": "20 mV"}},
     ["scenario.s.set.ions.K.outside", "'20 mV'", "not a concentration"]),
    ("time of wrong dimension", {"at": "10 mM", "set": {"ions.K.outside": "20 mM"}},
     ["scenario.s.at", "'10 mM'", "not a time"]),
    ("negative time", {"at": "-1 s", "set": {"ions.K.outside": "20 mM"}}, ["scenario.s.at", "negative"]),
    ("bare number where a unit is needed", {"at": "0 s", "set": {"ions.K.outside": 20}},
     ["scenario.s.set.ions.K.outside", "20", "concentration"]),
    ("temperature cannot be scaled", {"at": "0 s", "scale": {"model.temperature": 0.9}},
     ["scale.model.temperature", "cannot be scaled"]),
    ("negative conductance", {"at": "0 s", "set": {"ions.K.conductance": "-1 mS/cm^2"}},
     ["ions.K.conductance", "negative"]),
    ("negative factor", {"at": "0 s", "scale": {"pump": -1}}, ["scenario.s.scale.pump", "non-negative"]),
    ("a step that changes nothing", {"steps": [{"at": "0 s"}]}, ["scenario.s.steps[1]", "changes nothing"]),
    ("a step without a time", {"steps": [{"set": {"ions.K.outside": "20 mM"}}]},
     ["scenario.s.steps[1].at", "missing"]),
    ("both forms", {"at": "0 s", "steps": [{"at": "0 s", "set": {"pump": 0}}]}, ["scenario.s.at", "not both"]),
    ("one parameter twice in a step", {"at": "0 s", "set": {"ions.K.conductance": "1 mS/cm^2"},
                                       "scale": {"ions.K.conductance": 2}}, ["ions.K.conductance", "same parameter"]),
    ("unknown step key", {"steps": [{"at": "0 s", "sett": {"pump": 0}}]}, ["scenario.s.steps[1].sett", "'set'"]),
    ("empty steps", {"steps": []}, ["scenario.s.steps", "non-empty"]),
]


@pytest.mark.parametrize("scenario, words", [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS])
def test_bad_protocol_is_one_line_exit_2(write_model, scenario, words):
    code, out, err = run_cli("derive", str(write_model(with_scenario(scenario))), "--json")
    assert code == 2 and out == "" and "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for word in words:
        assert word in lines[0], (word, lines[0])


# -- each step kind against an independent calculation ---------------------------------------------


def _chord(g: dict, E: dict, pump: mpmath.mpf) -> mpmath.mpf:
    """The chord-conductance equation written out: (sum g_X E_X - I_pump) / sum g_X."""
    return (sum(g[x] * E[x] for x in g) - pump) / sum(g.values())


def _nernst(c_out, c_in, z, T) -> mpmath.mpf:
    return R * T / (z * F) * mpmath.log(mpmath.mpf(c_out) / mpmath.mpf(c_in))


def test_ohmic_k_step_and_washout_relax_exponentially_with_tau_m():
    """neuron high_K: V(t) = V_inf + (V(t_k) - V_inf) exp(-(t - t_k)/tau_m) on each piece, V_inf by the chord
    equation at the bath in force, tau_m = C_m / sum g (ohmic leaks: the same for every bath)."""
    with mpmath.workdps(40):
        T = mpmath.mpf("310.15")
        g = {"K": mpmath.mpf(1), "Na": mpmath.mpf("0.15"), "Cl": mpmath.mpf("0.35")}  # S/m^2 (0.1 mS/cm^2 = 1 S/m^2)
        pump, C_m = mpmath.mpf("7.5e-3"), mpmath.mpf("0.01")  # A/m^2, F/m^2
        tau = C_m / sum(g.values())

        def v_inf(k_o, na_o):
            E = {"K": _nernst(k_o, 140, 1, T), "Na": _nernst(na_o, 12, 1, T), "Cl": _nernst(110, 10, -1, T)}
            return _chord(g, E, pump)

        v0, v1, v2 = v_inf(4, 145), v_inf(20, 129), v_inf(4, 145)
        times = [0, 0.002, 0.01, 0.05, 0.1, 0.101, 0.11, 0.15]
        at_step = v1 + (v0 - v1) * mpmath.exp(-mpmath.mpf("0.1") / tau)
        expected = [v1 + (v0 - v1) * mpmath.exp(-t / tau) if t < 0.1 else
                    v2 + (at_step - v2) * mpmath.exp(-(t - mpmath.mpf("0.1")) / tau) for t in map(mpmath.mpf, times)]
    from vrest.codegen.simulation.integrate import simulate

    expected_mV = [float(v) * 1e3 for v in expected]
    for solver in ("auto", "scipy"):  # CVODE when SUNDIALS is there, and SciPy's LSODA
        result = simulate(resolve_model("neuron"), "high_K", times, rtol=1e-11, solver=solver)
        np.testing.assert_allclose(result.y[0] * 1e3, expected_mV, rtol=0, atol=1e-7, err_msg=solver)
    doc = _json("simulate", "neuron", "--scenario", "high_K", "--times", ",".join(f"{t} s" for t in times))
    np.testing.assert_allclose(doc["states"]["V"]["values"], expected_mV, rtol=0, atol=1e-5)  # rtol 1e-8
    assert doc["scenario"] == "high_K" and doc["start"] == "steady"
    # vrest derive: the jump of each step is the chord equation at the new bath (closed form)
    steps = _json("derive", "neuron", "--scenario", "high_K")["scenario"]["steps"]
    assert [s["quantities"]["V_jump"]["method"] for s in steps] == ["closed form", "closed form"]
    assert steps[0]["quantities"]["V_jump"]["value"] == pytest.approx(float(v1) * 1e3, abs=1e-9)
    assert steps[1]["quantities"]["V_before"]["value"] == pytest.approx(float(at_step) * 1e3, abs=1e-7)
    assert steps[0]["quantities"]["tau_m"]["value"] == pytest.approx(float(tau) * 1e3, rel=1e-12)
    assert steps[0]["changes"] == [
        {"key": "ions.K.outside", "parameter": "K_o", "operation": "set", "value": 20.0, "unit": "mM"},
        {"key": "ions.Na.outside", "parameter": "Na_o", "operation": "set", "value": 129.0, "unit": "mM"}]
    assert steps[0]["quantities"]["V_jump"]["at"]["K_o"] == {"value": 20.0, "unit": "mM"}


def _squid_currents(V, k_o, na_o, T, pump=mpmath.mpf("0.01")):
    """Total outward current (A/m^2) of the squid model's GHK leaks and constant pump, written out here."""
    P = {"K": (mpmath.mpf("1e-8"), 1, 400, k_o), "Na": (mpmath.mpf("4e-10"), 1, 50, na_o),
         "Cl": (mpmath.mpf("4.5e-9"), -1, 52, 560)}
    total = pump
    for p, z, ci, co in P.values():
        u = z * F * V / (R * T)
        total += p * z * F * u * (ci - co * mpmath.exp(-u)) / (1 - mpmath.exp(-u))
    return total


def test_ghk_k_step_jump_is_the_root_of_the_currents():
    """squid high_K (K_o 20 -> 100, Na_o 440 -> 360): V_jump is the root of the GHK currents plus the pump."""
    with mpmath.workdps(40):
        T = mpmath.mpf("293.15")
        before = mpmath.findroot(lambda v: _squid_currents(v, 20, 440, T), -0.06)
        after = mpmath.findroot(lambda v: _squid_currents(v, 100, 360, T), -0.04)
    (step,) = _json("derive", "squid", "--scenario", "high_K")["scenario"]["steps"]
    q = step["quantities"]
    assert q["V_before"]["value"] == pytest.approx(float(before) * 1e3, abs=1e-9)
    assert q["V_jump"]["value"] == pytest.approx(float(after) * 1e3, abs=1e-9)
    assert q["V_jump"]["method"] == "numeric root" and q["V_ss"]["value"] == q["V_jump"]["value"]
    assert q["dV_jump"]["value"] == pytest.approx(float(after - before) * 1e3, abs=1e-9)


def test_cooling_jump_is_the_pump_current_scaled_by_q10():
    """neuron cooling 37 -> 27 C: every E_X at 300.15 K, the pump current / 3 (Q10 = 3 over 10 K)."""
    with mpmath.workdps(40):
        T = mpmath.mpf("300.15")
        g = {"K": mpmath.mpf(1), "Na": mpmath.mpf("0.15"), "Cl": mpmath.mpf("0.35")}  # S/m^2
        E = {"K": _nernst(4, 140, 1, T), "Na": _nernst(145, 12, 1, T), "Cl": _nernst(110, 10, -1, T)}
        jump = _chord(g, E, mpmath.mpf("7.5e-3") / 3)
        shift = -mpmath.mpf("7.5e-3") / 3 / sum(g.values())
    (step,) = _json("derive", "neuron", "--scenario", "cooling")["scenario"]["steps"]
    assert step["changes"][0] == {"key": "model.temperature", "parameter": "T", "operation": "set",
                                  "value": pytest.approx(300.15, abs=1e-12), "unit": "K"}
    assert step["quantities"]["V_jump"]["value"] == pytest.approx(float(jump) * 1e3, abs=1e-9)
    assert float(shift) * 1e3 == pytest.approx(-5 / 3, abs=1e-12)  # the electrogenic share: -5 mV -> -1.67 mV
    times = "0 s,20 ms,100 ms"
    doc = _json("simulate", "neuron", "--scenario", "cooling", "--times", times)
    assert doc["states"]["V"]["values"][-1] == pytest.approx(float(jump) * 1e3, abs=1e-5)  # 15 tau_m later


def _pumpleak_parameters() -> dict:
    """The model file's values (SI), exact as mpmath numbers."""
    return {p.name: mpmath.mpf(p.value.p) / p.value.q for p in resolve_model("pumpleak").parameters}


def _pumpleak_rhs(p: dict, bath: dict, exp=mpmath.exp):
    """d/dt (V, N_K, N_Na, N_Cl, Vol) of the pump-leak cell, from the textbook laws (DOMAIN.md 2, 4, 6, 7);
    ``exp`` math.exp for an integration in doubles (V is never 0 there), mpmath's for roots in high precision."""
    R_, F_, T = p["R"], p["F"], p["T"]
    k_o, na_o, cl_o = bath["K_o"], bath["Na_o"], bath["Cl_o"]

    def ghk(P, z, ci, co, V):
        u = z * F_ * V / (R_ * T)
        return P * z * F_ * u * (ci - co * exp(-u)) / (1 - exp(-u))

    def rhs(V, nk, nna, ncl, vol):
        ki, nai, cli = nk / vol, nna / vol, ncl / vol
        i_k, i_na, i_cl = ghk(p["P_K"], 1, ki, k_o, V), ghk(p["P_Na"], 1, nai, na_o, V), ghk(p["P_Cl"], -1, cli, cl_o, V)
        pump = p["I_max"] * (nai / (nai + p["K_half_Na"])) ** 3 * (k_o / (k_o + p["K_half_K"])) ** 2
        a = p["A_m"]
        osm_out = k_o + na_o + cl_o + p["B_o"]
        return [-(i_k + i_na + i_cl + pump) / p["C_m"], -a / F_ * (i_k - 2 * pump), -a / F_ * (i_na + 3 * pump),
                a / F_ * i_cl, p["L_p"] * a * R_ * T * ((nk + nna + ncl + p["N_A"]) / vol - osm_out)]

    return rhs


def test_hypotonic_steady_volume_is_the_pump_leak_balance_at_the_new_osmolarity():
    """pumpleak hypotonic (bath 300 -> 210 mM): every flux balanced, water in osmotic balance, and the net
    charge the capacitor's (C_m A V = F (N_K + N_Na - N_Cl - N_A)): solved here by mpmath from the textbook laws."""
    p = _pumpleak_parameters()
    bath = {"K_o": mpmath.mpf(3), "Na_o": mpmath.mpf(97), "Cl_o": mpmath.mpf(100)}
    with mpmath.workdps(40):
        rhs = _pumpleak_rhs(p, bath)
        scale = [mpmath.mpf("0.1"), p["N_A"], p["N_A"] / 10, p["N_A"], p["N_A"] / 146]  # V, amounts, volume

        def equations(*x):
            V, nk, nna, ncl, vol = (xi * si for xi, si in zip(x, scale))
            dv, dk, dna, dcl, dvol = rhs(V, nk, nna, ncl, vol)
            charge = p["C_m"] * p["A_m"] * V - p["F"] * (nk + nna - ncl - p["N_A"])
            return [dk / scale[1], dna / scale[2], dcl / scale[3], dvol / scale[4], charge / (p["F"] * scale[1])]

        # start: the file's composition with the cell swollen by 300/210 (Boyle-van 't Hoff) at V = -90 mV
        swell = mpmath.mpf(300) / 210
        guess = [mpmath.mpf("-0.09"), p["K_i"] * p["Vol"], p["Na_i"] * p["Vol"], p["Cl_i"] * p["Vol"], p["Vol"] * swell]
        root = mpmath.findroot(equations, [g / s for g, s in zip(guess, scale)])
        V, volume = root[0] * scale[0], root[4] * scale[4]
    (step,) = _json("derive", "pumpleak", "--scenario", "hypotonic")["scenario"]["steps"]
    assert step["quantities"]["volume_ss"]["value"] == pytest.approx(float(volume) * 1e18, rel=1e-10)
    assert step["quantities"]["V_ss"]["value"] == pytest.approx(float(V) * 1e3, abs=1e-8)
    assert step["quantities"]["volume_ss"]["value"] > 178.8 * 1.2  # the cell swells by more than a fifth


def test_a_pulse_leaves_its_charge_and_the_steady_state_after_it_holds_it(tmp_path):
    """10 uA/cm^2 into pumpleak from 1 s to 2 s puts A x 0.1 A/m^2 x 1 s = 31.4 pC into the cell (dQ/dt = A I_stim:
    the ions' currents cancel out of the charge). derive's steady state after the pulse kept zero net charge:
    -94.4905 mV, the state before it, where the cell goes to -94.3235 mV. Reference: the textbook laws with the
    injected charge, by mpmath; and the reduced model (no capacitor) refuses the pulse."""
    p = _pumpleak_parameters()
    bath = {"K_o": mpmath.mpf(3), "Na_o": mpmath.mpf(142), "Cl_o": mpmath.mpf(145)}
    with mpmath.workdps(40):
        rhs = _pumpleak_rhs(p, bath)
        injected = p["A_m"] * mpmath.mpf("0.1") * 1  # C
        scale = [mpmath.mpf("0.1"), p["N_A"], p["N_A"] / 10, p["N_A"], p["N_A"] / 146]

        def equations(*x):
            V, nk, nna, ncl, vol = (xi * si for xi, si in zip(x, scale))
            dv, dk, dna, dcl, dvol = rhs(V, nk, nna, ncl, vol)
            charge = p["C_m"] * p["A_m"] * V - p["F"] * (nk + nna - ncl - p["N_A"]) - injected
            return [dk / scale[1], dna / scale[2], dcl / scale[3], dvol / scale[4], charge / (p["F"] * scale[1])]

        guess = [mpmath.mpf("-0.094"), p["K_i"] * p["Vol"], p["Na_i"] * p["Vol"], p["Cl_i"] * p["Vol"], p["Vol"]]
        root = mpmath.findroot(equations, [g / s for g, s in zip(guess, scale)])
        V, volume = root[0] * scale[0], root[4] * scale[4]
    path = tmp_path / "pulse.toml"
    path.write_text('steps = [{at = "1 s", set = {"stimulus.current" = "10 uA/cm^2"}}, '
                    '{at = "2 s", set = {"stimulus.current" = "0 uA/cm^2"}}]\n', encoding="utf-8")
    _, after = _json("derive", "pumpleak", "--protocol", str(path))["scenario"]["steps"]
    assert after["quantities"]["V_ss"]["value"] == pytest.approx(float(V) * 1e3, abs=1e-8)  # -94.3235 mV
    assert after["quantities"]["volume_ss"]["value"] == pytest.approx(float(volume) * 1e18, rel=1e-10)
    assert abs(float(V) * 1e3 + 94.4905) > 0.1  # not the state before the pulse
    for qid in ("V_ss", "volume_ss"):  # scripts are told the charge the state holds (pC)
        assert after["quantities"][qid]["net_charge"]["unit"] == "pC"
        assert after["quantities"][qid]["net_charge"]["value"] == pytest.approx(float(injected) * 1e12, rel=1e-12)
        assert "holding the 31.4159 pC an injected current left" in after["quantities"][qid]["description"]
    code, out, err = run_cli("simulate", "pumpleak", "--protocol", str(path), "--reduced")
    assert (code, out) == (2, "") and err.startswith("vrest: error: --reduced: the protocol injects a current "
                                                     "(stimulus.current), which the reduced model cannot take"), err


def _loaded_pumpleak(impermeant_mm: str, guess_mv: str = "-90") -> tuple[float, float]:
    """(V in mV, volume in um^3) of pumpleak's steady state with ``impermeant_mm`` of impermeant in the file's
    178.9 um^3: the textbook laws with zero net charge beyond the capacitor's, solved by mpmath from ``guess_mv`` and
    the size at which the impermeant has the file's 146.3 mM."""
    p = _pumpleak_parameters()
    p["N_A"] = mpmath.mpf(impermeant_mm) * p["Vol"]  # mol
    bath = {"K_o": mpmath.mpf(3), "Na_o": mpmath.mpf(142), "Cl_o": mpmath.mpf(145)}
    with mpmath.workdps(40):
        rhs = _pumpleak_rhs(p, bath)
        size = p["N_A"] / mpmath.mpf("146.3")  # m^3
        scale = [mpmath.mpf("0.1"), p["K_i"] * size, p["Na_i"] * size, p["Cl_i"] * size, size]

        def equations(*x):
            V, nk, nna, ncl, vol = (xi * si for xi, si in zip(x, scale))
            _, dk, dna, dcl, dvol = rhs(V, nk, nna, ncl, vol)
            charge = p["C_m"] * p["A_m"] * V - p["F"] * (nk + nna - ncl - p["N_A"])
            return [dk / scale[1], dna / scale[2], dcl / scale[3], dvol / scale[4], charge / (p["F"] * scale[1])]

        root = mpmath.findroot(equations, [mpmath.mpf(guess_mv) / 100, 1, 1, 1, 1])
    return float(root[0] * scale[0] * 1000), float(root[4] * scale[4] * 1e18)


def _with_impermeant(tmp_path, impermeant_mm: str):
    data = builtin("pumpleak")
    data["impermeant"]["concentration"] = f"{impermeant_mm} mM"
    path = tmp_path / f"loaded_{impermeant_mm}.toml"
    path.write_text(toml_dumps(data), encoding="utf-8")
    return path


def test_a_cell_whose_impermeant_makes_it_34_times_its_files_size_has_its_steady_state(tmp_path):
    """pumpleak with 5000 mM of impermeant in its 178.9 um^3 (not 146.3 mM): derive, simulate and sweep said "no
    physical steady state" (Newton and the model's own motion from the file's size found none), where the cell
    settles at about 6113 um^3. The reference: the textbook laws solved by mpmath (_loaded_pumpleak)."""
    V, volume = _loaded_pumpleak("5000")
    code, out, err = run_cli("derive", str(_with_impermeant(tmp_path, "5000")), "--quantity", "V_ss,volume_ss", "--json")
    assert code == 0 and "-4853.7 mM of net charge" in err  # the file's start: said, and only a start
    derived = {k: v["value"] for k, v in json.loads(out)["quantities"].items()}
    assert derived["V_ss"] == pytest.approx(V, abs=1e-8) and derived["volume_ss"] == pytest.approx(volume, rel=1e-10)
    swept = _json("sweep", "pumpleak", "--vary", "impermeant.concentration=146.3, 5000 mM", "--quantity",
                  "V_ss,volume_ss")["quantities"]
    assert swept["V_ss"]["values"][1] == pytest.approx(V, abs=1e-8)
    assert swept["volume_ss"]["values"][1] == pytest.approx(volume, rel=1e-10)
    assert 6112 < volume < 6114


def test_a_rest_found_only_from_the_start_inside_the_range_is_a_resting_state(tmp_path):
    """pumpleak with 0.01 mM of impermeant: vrest rest's search at fixed V missed the stable state that its run from
    the start came to, and said "no resting state between -150.00 mV and 60.00 mV; from its start the cell comes to
    rest at -51.80 mV, outside the range". It is that range's one resting state (mpmath: _loaded_pumpleak)."""
    V, _ = _loaded_pumpleak("0.01", "-50")
    code, out, err = run_cli("rest", str(_with_impermeant(tmp_path, "0.01")), "--json")
    assert code == 0, err
    document = json.loads(out)
    (state,) = document["resting_states"]
    assert state["stable"] and state["V"] == pytest.approx(V, abs=1e-6)
    assert document["verdict"] == "one stable resting state, at -51.80 mV"


def test_a_steady_volume_thinner_than_a_membrane_and_a_start_past_the_sphere_are_said(tmp_path):
    """With 0.3 mM of impermeant pumpleak's steady cell holds 0.357 um^3 under its 314.159 um^2 of membrane: 2.27 nm
    thick, thinner than its membrane, which a model file's own volume is refused for; it was reported without a word.
    A run that starts past the sphere's volume (5000 mM: 6112.69 um^3) was told the cell would burst "before it got
    there"."""
    _, volume = _loaded_pumpleak("0.3")
    code, _, err = run_cli("derive", str(_with_impermeant(tmp_path, "0.3")), "--quantity", "volume_ss")
    assert code == 0, err
    thickness = 2 * volume * 1e-18 / (4 * math.pi * 25e-12) * 1e9  # nm: pumpleak's area is a 5 um sphere's
    assert (f"volume_ss = {volume:.6g} um^3 with a membrane of area 314.159 um^2 is a cell at most {thickness:.3g} nm "
            "thick (2 volume / area), thinner than its own membrane (5 nm)") in err
    code, _, err = run_cli("simulate", str(_with_impermeant(tmp_path, "5000")), "--t-end", "1 s")
    assert code == 0 and "(a sphere holds 523.599 um^3): no cell of that area is this large" in err, err
    code, out, err = run_cli("sweep", "pumpleak", "--vary", "impermeant.concentration=0.3, 146.3 mM", "--quantity",
                             "volume_ss", "--json")  # the sweep counts such points, as it counts those past the sphere
    assert code == 0 and ("vrest: warning: volume_ss: at 1 of 2 points a cell thinner than its membrane (2 volume / "
                          "area below 5 nm)") in err, err
    assert json.loads(out)["quantities"]["volume_ss"]["values"][0] == pytest.approx(volume, rel=1e-10)


def _textbook_high_k(p: dict, y: np.ndarray, times: np.ndarray) -> np.ndarray:
    """pumpleak's high_K (K_o 3 -> 15 mM, washout at 10 min) from ``y`` at t = 0 with parameters ``p`` (floats):
    the textbook right-hand side integrated by SciPy Radau piece by piece, states at ``times`` (from 0)."""
    def textbook(bath):
        rhs = _pumpleak_rhs({k: float(v) for k, v in p.items()}, {k: float(v) for k, v in bath.items()}, exp=math.exp)
        return lambda t, y: rhs(*y)

    expected = [y]
    for (t0, t1), bath in zip(((0.0, 600.0), (600.0, float(times[-1]))),
                              ({"K_o": 15, "Na_o": 130, "Cl_o": 145}, {"K_o": 3, "Na_o": 142, "Cl_o": 145})):
        grid = times[(times > t0) & (times <= t1)]
        solution = solve_ivp(textbook(bath), (t0, t1), y, method="Radau", t_eval=np.unique(np.append(grid, t1)),
                             rtol=1e-11, atol=1e-13 * np.abs(y))
        assert solution.success
        expected += list(solution.y[:, :len(grid)].T)
        y = solution.y[:, -1]
    return np.array(expected).T


def test_two_step_course_of_the_pump_leak_cell_matches_a_textbook_integration():
    """pumpleak high_K from vrest simulate, both solvers, against the textbook integration."""
    from vrest.codegen.simulation.integrate import simulate

    model = resolve_model("pumpleak")
    times = np.array([0.0, 0.01, 1.0, 60.0, 599.0, 600.5, 700.0, 3600.0])
    p = {k: float(v) for k, v in _pumpleak_parameters().items()}
    for solver in ("cvode", "scipy"):
        result = simulate(model, "high_K", times, solver=solver)
        np.testing.assert_allclose(result.y, _textbook_high_k(p, result.y[:, 0], times), rtol=1e-6, atol=0,
                                   err_msg=solver)


def test_a_protocol_and_a_batch_are_one_cvode_call(monkeypatch):
    """high_K for three pump rates: one call of the compiled driver takes every set through both steps (three
    parameter segments, switching at 0 s and 10 min); each set as the textbook, and as the SciPy path."""
    from vrest.codegen.simulation import cvode
    from vrest.codegen.simulation.integrate import simulate

    calls = []
    real = cvode.integrate

    def counted(module, params, switch_times, *args, **kwargs):
        calls.append((params.shape[:2], [float(t) for t in switch_times]))
        return real(module, params, switch_times, *args, **kwargs)

    monkeypatch.setattr(cvode, "integrate", counted)
    model = resolve_model("pumpleak")
    p = {k: float(v) for k, v in _pumpleak_parameters().items()}
    factors = np.array([0.8, 1.0, 1.25])
    times = np.array([0.0, 1.0, 599.0, 600.5, 1200.0])
    result = simulate(model, "high_K", times, params={"I_max": p["I_max"] * factors}, solver="cvode")
    assert calls == [((3, 3), [0.0, 600.0])]  # (segments, sets); the first segment is empty
    start = result.y[:, 0, 0]
    for k, factor in enumerate(factors):
        expected = _textbook_high_k({**p, "I_max": p["I_max"] * factor}, start, times)
        np.testing.assert_allclose(result.y[:, k, :], expected, rtol=1e-6, atol=0, err_msg=str(factor))
    scipy = simulate(model, "high_K", times, params={"I_max": p["I_max"] * factors}, solver="scipy")
    np.testing.assert_allclose(scipy.y, result.y, rtol=1e-6, atol=0)
    # the quantities take the parameters in force: K_o = 15 mM from the step at 0 s, 3 mM after the washout
    e_k, k_i = result.quantities["E_K"], result.quantities["K_i"]
    assert e_k.shape == (3, times.size)
    for column, k_o in ((0, 15.0), (2, 15.0), (3, 3.0), (4, 3.0)):
        np.testing.assert_allclose(e_k[:, column], p["R"] * p["T"] / p["F"] * np.log(k_o / k_i[:, column]), rtol=1e-12)


def test_reduced_model_follows_the_steps_too():
    code, out, err = run_cli("simulate", "pumpleak", "--scenario", "high_K", "--reduced", "--times",
                             "10 s,599 s,700 s,3600 s", "--json")
    assert code == 0, err
    reduced = json.loads(out)["states"]["V"]["values"]
    full = _json("simulate", "pumpleak", "--scenario", "high_K", "--times", "10 s,599 s,700 s,3600 s")
    np.testing.assert_allclose(reduced, full["states"]["V"]["values"], atol=0.05)  # C_m -> 0: tau_m/tau_slow


# -- start states ---------------------------------------------------------------------------------


def test_start_given_keeps_the_files_state_and_its_charge(write_model):
    """--start given: the file's concentrations and volume, V = membrane.initial_potential; the charge
    C_m A V - F sum z N they carry is kept, so the run ends elsewhere than the (zero-charge) steady state."""
    base = {
        "model": {"name": "given", "temperature": "25 degC"},
        "membrane": {"capacitance": "1 uF/cm^2", "area": "300 um^2", "volume": "200 um^3",
                     "initial_potential": "-50 mV"},
        "ions": {"K": {"valence": 1, "inside": "140 mM", "outside": "5 mM", "permeability": "5e-6 cm/s"},
                 "Na": {"valence": 1, "inside": "15 mM", "outside": "145 mM", "permeability": "5e-8 cm/s"},
                 "Cl": {"valence": -1, "inside": "10 mM", "outside": "150 mM", "permeability": "2e-6 cm/s"}},
        "impermeant": {"concentration": "145 mM", "valence": -1},
        "pump": {"max_current": "1 uA/cm^2", "K_half_Na": "5 mM", "K_half_K": "1 mM"},
    }
    path = str(write_model(base))
    given = _json("simulate", path, "--start", "given", "--times", "0 s,1 h,5 h")
    steady = _json("simulate", path, "--times", "0 s,5 h")
    assert given["start"] == "given"
    assert given["states"]["V"]["values"][0] == pytest.approx(-50.0, abs=1e-12)
    for ion, c in (("K", 140), ("Na", 15), ("Cl", 10)):
        assert given["states"][f"{ion}_i"]["values"][0] == pytest.approx(c, rel=1e-12)

    def charge(doc, k):  # C_m A V - F (N_K + N_Na - N_Cl - N_A), SI
        v = doc["states"]["V"]["values"][k] * 1e-3
        vol = 200e-18
        bulk = sum(z * doc["states"][f"{x}_i"]["values"][k] for x, z in (("K", 1), ("Na", 1), ("Cl", -1))) - 145
        return 0.01 * 300e-12 * v - 96485.33212 * bulk * vol

    q0 = 0.01 * 300e-12 * -0.05  # the file is electroneutral: only the capacitor at -50 mV
    assert charge(given, 0) == pytest.approx(q0, rel=1e-9)
    assert charge(given, 2) == pytest.approx(q0, rel=1e-4)  # conserved along the run
    assert abs(charge(steady, 1)) < 1e-6 * abs(q0) * 1e3  # the steady state carries none
    assert abs(given["states"]["V"]["values"][-1] - steady["states"]["V"]["values"][-1]) > 1e-4


def test_start_given_without_initial_potential_uses_the_current_balance_root():
    doc = _json("simulate", "pumpleak", "--start", "given", "--times", "0 s")
    derived = _json("derive", "pumpleak")["quantities"]
    assert doc["states"]["K_i"]["values"][0] == pytest.approx(134.5, rel=1e-12)
    assert doc["states"]["V"]["values"][0] == pytest.approx(-94.39994535925, abs=1e-9)
    assert "V_ss" in derived


def test_bad_start_is_exit_2():
    code, _, err = run_cli("simulate", "neuron", "--start", "file")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--start" in err


def test_initial_potential_of_wrong_dimension(write_model):
    data = copy.deepcopy(CELL)
    data["membrane"]["initial_potential"] = "-70 mM"
    code, _, err = run_cli("derive", str(write_model(data)))
    assert code == 2 and "membrane.initial_potential" in err and "voltage" in err


# -- the command line -------------------------------------------------------------------------------


def test_derive_scenario_output_and_errors():
    code, out, err = run_cli("derive", "pumpleak", "--scenario", "high_K")
    assert code == 0, err
    assert "step 2 at 600 s: ions.K.outside = 3 mM, ions.Na.outside = 142 mM" in out
    doc = _json("derive", "pumpleak", "--scenario", "high_K")["scenario"]
    assert doc["name"] == "high_K" and [s["at"] for s in doc["steps"]] == [{"value": 0.0, "unit": "s"},
                                                                          {"value": 600.0, "unit": "s"}]
    assert set(doc["steps"][0]["quantities"]) == {"V_before", "V_jump", "dV_jump", "tau_m", "V_ss", "volume_ss",
                                                  "tau_slow"}
    # the washout returns the cell to the steady state it started from
    first, second = doc["steps"]
    assert second["quantities"]["V_ss"]["value"] == pytest.approx(first["quantities"]["V_before"]["value"], abs=1e-9)
    code, out, err = run_cli("derive", "pumpleak", "--scenario", "nope")
    assert code == 2 and "--scenario" in err and "high_K" in err and len(err.strip().splitlines()) == 1


def test_report_has_the_scenario_section(tmp_path):
    from vrest.codegen.report import check_latex  # noqa: F401 - every equation of the report is checked there

    path = tmp_path / "r.md"
    code, _, err = run_cli("derive", "neuron", "--scenario", "high_K", "--report", str(path))
    assert code == 0, err
    text = path.read_text(encoding="utf-8")
    assert "## Scenario `high_K`" in text and "### Step 2 at 0.1 s" in text and "#### `V_jump`" in text


def test_crosscheck_steady_state_is_simulates_start():
    """The cross-check's reference steady state is the one vrest simulate starts from (zero net charge)."""
    from vrest.codegen.crosscheck.check import make_job
    from vrest.codegen.simulation.cache import simulation_plan

    for name in ("pumpleak", "neuron"):
        job = make_job(resolve_model(name))
        assert job.reference_v_ss * 1e3 == pytest.approx(simulation_plan(name).start[0] * 1e3, abs=1e-9)
    job = make_job(resolve_model("pumpleak"))
    assert job.reference_v_ss * 1e3 == pytest.approx(-94.490479397, abs=1e-8)
    assert [c.scenario.name for c in job.courses] == ["ouabain", "high_K", "hypotonic"]
