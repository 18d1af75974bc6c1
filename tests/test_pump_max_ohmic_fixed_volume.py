"""A pump-leak cell of fixed volume with ohmic leaks has a steady state at every pump current: no pump_max.

With ohmic leaks each inside concentration at steady state is an exponential that never reaches 0, and
with the volume fixed the impermeant concentration cannot end the states either. Written out (constant 3:2
pump current J, u = F V/(R T)): Cl carries no pump current, so V = E_Cl and Cl_i = Cl_o e^u; K's leak carries
2 J out, K_i = K_o e^(-u) e^(2 J F/(g_K R T)); Na's carries 3 J in, Na_i = Na_o e^(-u) e^(-3 J F/(g_Na R T)).
Zero net charge beyond the capacitor's, K_i + Na_i - Cl_i - A_i = C_m A V/(F Vol), falls monotonically in u
from +inf to -inf: one steady state for every J. As J grows it moves to positive V and leaves the potentials
vrest searches (|V| < 1 V). The values below solve those equations with mpmath (40 digits).
"""

from __future__ import annotations

import json

import mpmath
import pytest
from conftest import run_cli

from vrest.derive.derivation import NotApplicable
from vrest.derive.modelfile import model_from_dict
from vrest.derive.quantities import Derivations

F, R, T = mpmath.mpf("96485.33212"), mpmath.mpf("8.314462618"), mpmath.mpf("298.15")
C_M, AREA, VOL = mpmath.mpf("0.01"), mpmath.mpf("314.159e-12"), mpmath.mpf("178.9e-18")  # F/m^2, m^2, m^3
G = {"K": mpmath.mpf(3), "Na": mpmath.mpf("0.1"), "Cl": mpmath.mpf(2)}  # S/m^2
OUT = {"K": mpmath.mpf(3), "Na": mpmath.mpf(142), "Cl": mpmath.mpf(145)}  # mM
A_I = mpmath.mpf("146.3")

# Kay's (2017) pump-leak composition with ohmic leaks and no water flow.
CELL = {
    "model": {"name": "ohmic_fixed", "temperature": "25 degC"},
    "membrane": {"capacitance": "1 uF/cm^2", "area": "314.159 um^2", "volume": "178.9 um^3"},
    "ions": {"K": {"valence": 1, "inside": "134.5 mM", "outside": "3 mM", "conductance": "0.3 mS/cm^2"},
             "Na": {"valence": 1, "inside": "15.5 mM", "outside": "142 mM", "conductance": "0.01 mS/cm^2"},
             "Cl": {"valence": -1, "inside": "3.7 mM", "outside": "145 mM", "conductance": "0.2 mS/cm^2"}},
    "impermeant": {"concentration": "146.3 mM", "valence": -1},
    "bath": {"impermeant": "10 mM"},
    "pump": {"current": "0.5 uA/cm^2", "stoichiometry": {"Na": 3, "K": -2}},
}


def _charge(v, j):
    u = F * v / (R * T)
    k = OUT["K"] * mpmath.exp(-u + 2 * j * F / (G["K"] * R * T))
    na = OUT["Na"] * mpmath.exp(-u - 3 * j * F / (G["Na"] * R * T))
    return k + na - OUT["Cl"] * mpmath.exp(u) - A_I - C_M * AREA * v / (F * VOL)


def _current_at(v):
    """The pump current (A/m^2) whose steady state lies at V (volts); the charge scaled by Cl_i, its size there."""
    with mpmath.workdps(40):
        v = mpmath.mpf(v)
        cl = OUT["Cl"] * mpmath.exp(F * v / (R * T))
        return mpmath.findroot(lambda j: _charge(v, j) / cl, (mpmath.mpf("3.1"), mpmath.mpf("3.2")),
                               solver="anderson")


def test_no_pump_max_only_the_end_of_the_potentials_searched():
    with pytest.raises(NotApplicable) as caught:
        Derivations(model_from_dict(CELL)).get("pump_max")
    message = str(caught.value)
    assert message.startswith("none found: no concentration falls to 0 and no two steady states merge up to I_pump = ")
    assert message.endswith("the end of the potentials searched (|V| < 1 V)")
    current = float(message.split("I_pump = ")[1].split(" uA/cm^2")[0]) / 100  # A/m^2
    # The search's last point lies on its grid's last interval, 0.9995 to 1 V: 314.946 uA/cm^2 at 1 V.
    assert float(_current_at("0.9995")) * (1 - 1e-6) <= current <= float(_current_at("1")) * (1 + 1e-6)
    assert float(_current_at("1")) * 100 == pytest.approx(314.946, abs=5e-4)
    assert "where the steady state's V reaches 1000 mV" in message


def test_a_strong_pump_still_has_its_steady_state():
    """20 uA/cm^2: Na_i is 3.6e-100 mM at V_ss = 10.19 mV, found by derive as by the written-out equations."""
    strong, v, _ = _strong()
    assert Derivations(model_from_dict(strong)).get("V_ss").value == pytest.approx(v, abs=1e-12)
    assert v * 1000 == pytest.approx(10.1939, abs=1e-4)


def test_beyond_the_potentials_searched_v_ss_says_where_its_steady_state_went():
    """400 uA/cm^2: the written-out steady state lies at V > 1 V (the charge is still positive there)."""
    from vrest.derive.derivation import NoSteadyState
    from vrest.derive.steady_state import steady_state

    assert _charge(mpmath.mpf(1), mpmath.mpf(4)) > 0
    with pytest.raises(NoSteadyState) as caught, pytest.warns(UserWarning, match="above 100 uA/cm"):
        steady_state(model_from_dict({**CELL, "pump": {**CELL["pump"], "current": "400 uA/cm^2"}}))
    assert f"the pump is too strong: above I_pump = {float(_current_at('1')) * 100:.3f}" in str(caught.value)
    assert "the steady state's V lies beyond +1000 mV" in str(caught.value)


def _strong():
    """The 20 uA/cm^2 cell and (V, Na_i in mM) of its written-out steady state."""
    with mpmath.workdps(40):
        v = mpmath.findroot(lambda v: _charge(v, mpmath.mpf("0.2")), mpmath.mpf("0.01"))
        na = OUT["Na"] * mpmath.exp(-F * v / (R * T) - 3 * mpmath.mpf("0.2") * F / (G["Na"] * R * T))
    return {**CELL, "pump": {**CELL["pump"], "current": "20 uA/cm^2"}}, float(v), float(na)


def test_derive_rest_and_simulate_say_the_steady_state_has_all_but_no_na(write_model):
    """derive gives V_ss and says its Na_i is below the least a cell holds; rest (which finds no rest) and
    simulate (whose solver cannot start there) say the same of it."""
    cell, v, na = _strong()
    assert na == pytest.approx(3.62229e-100, rel=1e-5)
    words = (f"the steady state vrest derive finds (V_ss = {v * 1000:.6g} mV) has Na_i = {na:.3g} mM, below 1e-15 mM "
             "(less than one particle in a nanolitre")
    assert f"there Na_i = {na:.3g} mM, below 1e-15 mM" in Derivations(model_from_dict(cell)).get("V_ss").description
    path = str(write_model(cell))
    code, out, err = run_cli("rest", path, "--json")
    assert code == 0 and words in json.loads(out)["verdict"], err
    code, out, err = run_cli("simulate", path, "--t-end", "1 h")
    assert code == 2 and out == "" and words in err and len(err.strip().splitlines()) == 1
