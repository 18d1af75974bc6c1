"""pump_max of a pump-leak cell whose volume is fixed (no water_permeability).

With no water flow the impermeant concentration A_i = N_A/Vol keeps its given value, so the
steady states cannot end by the volume growing; with GHK leaks they end where the constant
pump takes out all the Na that leaks in (Na_i -> 0). The expected values are roots of the
equations written out below (mpmath, 40 digits): each ion's flux balance (GHK current plus its
pump share, 3 J out for Na, 2 J in for K, none for Cl) and zero net charge beyond the membrane
capacitor's, K_i + Na_i - Cl_i + z_A A_i = C_m A V/(F Vol).
"""

from __future__ import annotations

import copy
import json
import re

import mpmath
import numpy as np
import pytest
from conftest import run_cli

from vrest.codegen.sweep.api import sweep
from vrest.derive.derivation import NoSteadyState
from vrest.derive.modelfile import model_from_dict
from vrest.derive.quantities import Derivations
from vrest.derive.steady_state import steady_state

F, R = mpmath.mpf("96485.33212"), mpmath.mpf("8.314462618")

# A random fixed-volume cell with GHK leaks and a pump above its pump_max (0.9275 uA/cm^2).
FIXED = {
    "model": {"name": "fixed", "temperature": "37 degC"},
    "membrane": {"capacitance": "1.61 uF/cm^2", "area": "2669.64 um^2", "volume": "8406.1 um^3"},
    "ions": {"K": {"valence": 1, "inside": "126.671 mM", "outside": "16.1481 mM", "permeability": "2.094e-06 cm/s"},
             "Na": {"valence": 1, "inside": "4.37557 mM", "outside": "148.883 mM", "permeability": "3.956e-08 cm/s"},
             "Cl": {"valence": -1, "inside": "1.80587 mM", "outside": "165.031 mM",
                    "permeability": "1.236e-08 cm/s"}},
    "pump": {"current": "0.9275 uA/cm^2", "stoichiometry": {"Na": 3, "K": -2}},
    "impermeant": {"concentration": "64.6205 mM", "valence": -2},
}


def _with_pump(current: str) -> dict:
    data = copy.deepcopy(FIXED)
    data["pump"]["current"] = current
    return data


def _inside(c_out, permeability, z, v, current):
    """The inside concentration (mM) at which the GHK current of an ion (P in m/s) plus ``current`` (its pump
    share, A/m^2, outward) is 0: P z F u (c_i - c_o e^-u)/(1 - e^-u) = -current, u = z F V/(R T)."""
    u = z * F * v / (R * T)
    return c_out * mpmath.exp(-u) - current * (1 - mpmath.exp(-u)) / (permeability * z * F * u)


T = mpmath.mpf("310.15")
C_M, AREA, VOL = mpmath.mpf("0.0161"), mpmath.mpf("2669.64e-12"), mpmath.mpf("8406.1e-18")  # F/m^2, m^2, m^3
A_I, Z_A = mpmath.mpf("64.6205"), -2
P = {"K": mpmath.mpf("2.094e-8"), "Na": mpmath.mpf("3.956e-10"), "Cl": mpmath.mpf("1.236e-10")}  # m/s
OUT = {"K": mpmath.mpf("16.1481"), "Na": mpmath.mpf("148.883"), "Cl": mpmath.mpf("165.031")}


def _charge(v, current):
    """Net charge per volume beyond the capacitor's (mM) at V and pump current J (A/m^2)."""
    k = _inside(OUT["K"], P["K"], 1, v, -2 * current)
    na = _inside(OUT["Na"], P["Na"], 1, v, 3 * current)
    cl = _inside(OUT["Cl"], P["Cl"], -1, v, 0)
    return k + na - cl + Z_A * A_I - C_M * AREA * v / (F * VOL), na


def _written_out_end():
    """(J, V) where Na_i = 0 and the charge condition holds."""
    with mpmath.workdps(40):
        v, j = mpmath.findroot(lambda v, j: _charge(v, j), (mpmath.mpf("-0.0565"), mpmath.mpf("0.0045")))
    return j, v


def _written_out_steady_v(current):
    with mpmath.workdps(40):
        return mpmath.findroot(lambda v: _charge(v, current)[0], mpmath.mpf("-0.0558"))


def test_pump_max_of_a_fixed_volume_is_where_na_vanishes():
    j, v = _written_out_end()
    pump_max = Derivations(model_from_dict(FIXED)).get("pump_max")
    assert pump_max.value == pytest.approx(float(j), rel=1e-10)  # 0.455364 uA/cm^2 = 4.55364e-3 A/m^2
    assert float(j) * 100 == pytest.approx(0.455364000, rel=1e-8)
    at = dict(pump_max.at)
    assert at[next(s for s in at if s.name == "V")] == pytest.approx(float(v), abs=1e-11)  # -56.486 mV
    assert "Na_i falls to 0" in pump_max.description and "the volume fixed" in pump_max.description


def test_below_pump_max_the_fixed_volume_has_its_steady_state():
    state = Derivations(model_from_dict(_with_pump("0.45 uA/cm^2"))).get("V_ss")
    assert state.value == pytest.approx(float(_written_out_steady_v(mpmath.mpf("0.0045"))), abs=1e-12)


def test_above_pump_max_v_ss_says_the_pump_is_too_strong():
    j, _ = _written_out_end()
    with pytest.raises(NoSteadyState) as caught:
        steady_state(model_from_dict(FIXED))
    message = str(caught.value)
    assert (f"the pump is too strong: its rate I_pump = 0.9275 uA/cm^2 is above pump_max, the "
            f"{float(j) * 100:.6g} uA/cm^2 at which Na_i falls to 0") in message


def test_a_sweep_gives_the_fixed_volume_pump_max_and_names_it_above():
    j, _ = _written_out_end()
    limit = float(j) * 100  # uA/cm^2
    result = sweep(model_from_dict(FIXED), {"pump.current": "0.3, 0.45, 0.6 uA/cm^2"}, ["V_ss", "pump_max"])
    assert result["pump_max"].values == pytest.approx(limit, rel=1e-9)
    assert result["V_ss"].values[1] == pytest.approx(float(_written_out_steady_v(mpmath.mpf("0.0045"))) * 1000,
                                                     abs=1e-9)  # mV
    assert np.isnan(result["V_ss"].values[2])
    assert result["V_ss"].attrs["missing"] == {
        "no steady state: the pump rate is above pump_max, the rate at which the steady states end "
        f"(pump_max = {limit:.6g} uA/cm^2)": 1}


def test_vrest_rest_names_the_pump_that_is_too_strong(write_model):
    j, _ = _written_out_end()
    code, out, err = run_cli("rest", str(write_model(FIXED)), "--json")
    assert code == 0, err
    document = json.loads(out)
    assert document["resting_states"] == []
    # the cell followed from its start empties of Na+ (the run stops there: no cell's state), as the pump's
    # reason says it must
    head, _, reason = re.fullmatch(r"(.*?); (from its start N_Na falls to 0 at t = \S+ s of model time "
                                         r"\(no cell's state after it\)); (.*)", document["verdict"]).groups()
    assert head == "no resting state between -150.00 mV and 60.00 mV"
    assert reason == (f"the pump is too strong: its rate I_pump = 0.9275 uA/cm^2 is above pump_max, the "
                      f"{float(j) * 100:.6g} uA/cm^2 at which Na_i falls to 0: the pump would take out more Na than "
                      "can leak in")
    assert document["from_start"] is None
    stopped = document["from_start_stopped"]
    assert stopped["below_zero"] == "N_Na" and stopped["why"] == "N_Na falls to 0"
    assert f"falls to 0 at t = {stopped['t']['value']:.3g} s" in document["verdict"]
