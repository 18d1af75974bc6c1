"""A pump above pump_max is named as the cause, with the pump's own rate and pump_max in its unit.

V_ss's reason compares the rate the user sets (I_pump, I_max, or lambda_pump in cm/s) with pump_max,
for every pump law, at the file's values and at a scenario step; a run that the solver cannot carry
on past a pump above pump_max (the cell swelling without bound) says so too.

Expected values: the saturating and rate_per_Na cells' pump_max are an independent mpmath solve of
their steady-state equations (50 digits: the end where A_i -> 0, S = osm_out with sum z c = 0);
the ohmic cell's is the root of the equations written out in ``_ohmic_volume_end``.
"""

from __future__ import annotations

import copy
import json

import mpmath
import pytest

from conftest import run_cli, toml_dumps
from test_pump_max_charge import CONSTANT_PUMP, INDEPENDENT_PUMP_MAX
from test_sweep_values import builtin

from vrest.codegen.simulation.integrate import simulate
from vrest.codegen.simulation.vanishing import SolverGaveUp
from vrest.derive.derivation import NoSteadyState, NotApplicable
from vrest.derive.derivations.scenario import scenario_report
from vrest.derive.errors import ModelWarning
from vrest.derive.modelfile import model_from_dict
from vrest.derive.quantities import Derivations
from vrest.derive.steady_state import steady_state


def _cell(name: str, temperature: str, membrane: dict, ions: dict, pump: dict, impermeant: tuple[str, float],
          bath: str | None = None) -> dict:
    valence = {"K": 1, "Na": 1, "Cl": -1}
    data = {"model": {"name": name, "temperature": temperature},
            "membrane": {"capacitance": membrane["Cm"], "area": membrane["area"], "volume": membrane["volume"],
                         "water_permeability": membrane["water"]},
            "ions": {ion: {"valence": valence[ion], "inside": f"{i} mM", "outside": f"{o} mM", key: value}
                     for ion, (i, o, key, value) in ions.items()},
            "pump": {**pump, "stoichiometry": {"Na": 3, "K": -2}},
            "impermeant": {"concentration": impermeant[0], "valence": impermeant[1]}}
    if bath:
        data["bath"] = {"impermeant": bath}
    return data


SATURATING = _cell(
    "saturating", "25 degC", {"Cm": "1.48 uF/cm^2", "area": "818.211 um^2", "volume": "1312.91 um^3",
                              "water": "instant"},
    {"K": (174.054, 1.06707, "permeability", "5.739e-08 cm/s"), "Na": (10.1813, 154.457, "conductance",
                                                                       "0.08418 mS/cm^2"),
     "Cl": (8.15501, 155.524, "conductance", "0.6116 mS/cm^2")},
    {"max_current": "0.6816 uA/cm^2", "K_half_Na": "1.625 mM", "K_half_K": "0.7205 mM"}, ("176.081 mM", -1),
    "2.648 mM")
SATURATING_PUMP_MAX = 0.051028220483022  # uA/cm^2 (I_max), independent mpmath

PER_NA = _cell(
    "per_na", "25 degC", {"Cm": "0.653 uF/cm^2", "area": "809.996 um^2", "volume": "1234.01 um^3",
                          "water": "1.31e-12 cm/s/Pa"},
    {"K": (140.123, 1.01558, "conductance", "0.03601 mS/cm^2"), "Na": (10.9195, 128.279, "permeability",
                                                                       "2.47e-06 cm/s"),
     "Cl": (9.19847, 129.295, "permeability", "4.654e-06 cm/s")},
    {"rate_per_Na": "8.063e-07 cm/s"}, ("70.9223 mM", -2))
PER_NA_PUMP_MAX = 3.67731035678e-7  # cm/s (lambda_pump), independent mpmath

PER_NA_UNBOUNDED = _cell(
    "per_na_unbounded", "30 degC", {"Cm": "1.05 uF/cm^2", "area": "680.469 um^2", "volume": "805.967 um^3",
                                    "water": "7.794e-11 cm/s/Pa"},
    {"K": (165.661, 1.00124, "conductance", "0.8955 mS/cm^2"), "Na": (31.87, 92.0658, "conductance",
                                                                      "0.001689 mS/cm^2"),
     "Cl": (9.09116, 93.0671, "conductance", "0.01227 mS/cm^2")},
    {"rate_per_Na": "6.217e-07 cm/s"}, ("188.44 mM", -1))

OHMIC = _cell(
    "ohmic", "15 degC", {"Cm": "0.574 uF/cm^2", "area": "398.954 um^2", "volume": "250.225 um^3",
                         "water": "instant"},
    {"K": (71.2956, 17.1081, "conductance", "0.02 mS/cm^2"), "Na": (9.77551, 101.327, "conductance",
                                                                    "0.001871 mS/cm^2"),
     "Cl": (28.6682, 118.435, "conductance", "0.3024 mS/cm^2")},
    {"current": "0.571 uA/cm^2"}, ("52.4029 mM", -1), "1.91744 mM")


def _ohmic_volume_end() -> mpmath.mpf:
    """pump_max (uA/cm^2) of OHMIC: as Vol -> oo, A_i -> 0 and the inside is a neutral salt solution isosmotic
    with the bath, K_i + Na_i - Cl_i = 0 and K_i + Na_i + Cl_i = osm_out, with each ohmic leak balancing its
    pump share: K_i = K_o exp(-(V - 2 J/g_K) F/RT), Na_i = Na_o exp(-(V + 3 J/g_Na) F/RT), Cl_i = Cl_o exp(V F/RT)."""
    with mpmath.workdps(40):
        rt_f = mpmath.mpf("8.314462618") * mpmath.mpf("288.15") / mpmath.mpf("96485.33212")
        k_o, na_o, cl_o, b_o = (mpmath.mpf(x) for x in ("17.1081", "101.327", "118.435", "1.91744"))
        g_k, g_na = mpmath.mpf("0.2"), mpmath.mpf("0.01871")  # S/m^2
        osm = k_o + na_o + cl_o + b_o
        v = rt_f * mpmath.log(osm / 2 / cl_o)  # Cl_i = osm/2

        def cations(j):
            return (k_o * mpmath.exp(-(v - 2 * j / g_k) / rt_f) + na_o * mpmath.exp(-(v + 3 * j / g_na) / rt_f)
                    - osm / 2)

        return mpmath.findroot(cations, (mpmath.mpf("0.004"), mpmath.mpf("0.0055")), solver="anderson") * 100


def test_a_saturating_pump_above_pump_max_is_named_by_its_i_max():
    model = model_from_dict(SATURATING)
    assert Derivations(model).get("pump_max").value * 100 == pytest.approx(SATURATING_PUMP_MAX, rel=1e-10)
    with pytest.raises(NoSteadyState) as caught:
        steady_state(model)
    message = str(caught.value)
    assert (f"the pump is too strong: its rate I_max = 0.6816 uA/cm^2 is above pump_max, the "
            f"{SATURATING_PUMP_MAX:.6g} uA/cm^2 at which the volume grows without bound") in message
    assert "0.155761" not in message  # not the pump current at the file's concentrations


def test_a_rate_per_na_pump_above_pump_max_is_named_in_cm_per_s():
    model = model_from_dict(PER_NA)
    assert Derivations(model).get("pump_max").value * 100 == pytest.approx(PER_NA_PUMP_MAX, rel=1e-10)
    with pytest.raises(NoSteadyState) as caught:
        steady_state(model)
    assert (f"the pump is too strong: its rate lambda_pump = 8.063e-07 cm/s is above pump_max, the "
            f"{PER_NA_PUMP_MAX:.6g} cm/s at which the volume grows without bound") in str(caught.value)


def test_a_rate_per_na_pump_without_pump_max_gives_its_bound_in_cm_per_s():
    derived = Derivations(model_from_dict(PER_NA_UNBOUNDED))
    with pytest.raises(NotApplicable) as caught:
        derived.get("pump_max")
    assert "lambda_pump above 1e308 cm/s" in str(caught.value) and "uA/cm^2 (its Na_i" not in str(caught.value)


def test_a_scenario_step_above_pump_max_is_named():
    data = copy.deepcopy(CONSTANT_PUMP)
    data["scenario"] = {"up": {"at": "10 s", "scale": {"pump": 2}}}
    result = scenario_report(model_from_dict(data), "up")
    reason = result.steps[0].not_applicable["V_ss"]
    assert (f"the pump is too strong: its rate I_pump = 1 uA/cm^2 is above pump_max, the "
            f"{INDEPENDENT_PUMP_MAX:.6g} uA/cm^2 at which Na_i falls to 0") in reason


def test_a_run_the_solver_gives_up_on_above_pump_max_says_so():
    """Ohmic Na leak above pump_max: the solver gives up, and the message says the rate has no steady state."""
    pump_max = float(_ohmic_volume_end())
    model = model_from_dict(OHMIC)
    assert Derivations(model).get("pump_max").value * 100 == pytest.approx(pump_max, rel=1e-12)
    with pytest.raises(SolverGaveUp) as caught:
        simulate(model, times=[0.0, 3600.0], start="given")
    assert (f"the pump rate in force then, I_pump = 0.571 uA/cm^2, is above pump_max = {pump_max:.6g} uA/cm^2 "
            "(the largest with a steady state): no steady state of finite volume exists at this rate"
            ) in str(caught.value)


def test_a_saturating_pump_is_never_called_too_strong(tmp_path):
    """pumpleak with 1e-15 mM of impermeant has no steady state, and derive and rest said why: "the pump is too
    strong: its current 0.481532 uA/cm^2 is above the 0.127875 uA/cm^2 at which Na_i falls to 0". That is a
    constant pump's reason. A saturating pump's current, I_max (Na_i/(Na_i + K_half))^3 (...), falls to 0 with Na_i,
    so at every I_max some Na_i makes it what the Na leak lets in; the 0.48 uA/cm^2 is its current at the file's
    Na_i, not at any steady state (pump_max says the same: no rate takes Na_i to 0)."""
    data = builtin("pumpleak")
    data["impermeant"]["concentration"] = "1e-15 mM"
    with pytest.warns(ModelWarning, match="below 1e-9 mM"):
        model = model_from_dict(data)
    with pytest.raises(NotApplicable, match="no rate \\(I_max\\) takes Na_i to 0"):
        Derivations(model).get("pump_max")
    with pytest.raises(NoSteadyState) as caught, pytest.warns(ModelWarning, match="146.3 mM of net charge"):
        steady_state(model)
    assert "too strong" not in str(caught.value)
    # With no impermeant inside, the Donnan state (pump off) has K_i/K_o = Na_i/Na_o = Cl_o/Cl_i = r and
    # K_i + Na_i = Cl_i: r = 1, 290 mM of ions inside against the bath's 300 (10 mM of its impermeant solute): -10 mM.
    assert str(caught.value).startswith("no steady state: its Donnan state is hypotonic (osmotic_excess = -10 mM: ")
    assert "the cell loses water with its pump off" in str(caught.value)
    path = tmp_path / "starved.toml"
    path.write_text(toml_dumps(data), encoding="utf-8")
    code, out, _ = run_cli("rest", str(path), "--json")
    assert code == 0 and json.loads(out)["resting_states"] == []
    assert "too strong" not in json.loads(out)["verdict"]
    assert "its Donnan state is hypotonic (osmotic_excess = -10 mM" in json.loads(out)["verdict"]
    # a scenario's steps start from the steady state there is not: one line, exit 2 (it was a traceback)
    code, out, err = run_cli("derive", str(path), "--scenario", "ouabain")
    assert code == 2 and out == ""
    error = err.strip().splitlines()[-1]  # after the warnings of the file's values
    assert error.startswith("vrest: error: model = 'pumpleak': no steady state to start from: ")
    assert error.endswith("`vrest simulate --scenario ouabain --start given` runs it from the model file's own "
                                "state") and "Traceback" not in err
