"""`vrest derive FILE.cellml`: the current balance at rest in V, gates at steady state, in the file's names.

Its root (SciPy's brentq on the closed form, the other states held at rest) is the resting V that
vrest rest finds, and each gate's steady state is the equilibrium of its own rate equation.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
import sympy as sp
from scipy.optimize import brentq

from conftest import run_cli
from vrest.derive.derivations.current_balance import current_balance
from vrest.derive.importers import read_model_file
from vrest.derive.rest import find_resting_states

MODELS = Path(__file__).parent / "models"


@pytest.mark.parametrize("name", ["hodgkin_huxley_squid_axon_model_1952_modified.cellml", "luo_rudy_1991.cellml",
                                  "noble_model_1962.cellml", "BIOMD0000000020.xml"])
def test_the_current_balance_vanishes_at_each_resting_state(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        system = read_model_file(MODELS / name)
    balance = current_balance(system)
    (rest,) = find_resting_states(system).resting_states
    values = {p.symbol: p.value for p in system.parameters}
    held = {s: rest.states[s.name] for s in balance.held}
    v = system.roles.voltage
    i_of_v = sp.lambdify(v, balance.in_v.xreplace(values).xreplace(held), modules="mpmath")
    root = brentq(lambda x: float(i_of_v(x)), rest.V - 0.005, rest.V + 0.005, xtol=1e-15)
    assert abs(root - rest.V) < 1e-9  # 1e-6 mV
    for gate, x_inf in balance.steady_gates:  # each gate's own rate vanishes at x_inf(V)
        rate = next(s.rhs for s in system.states if s.symbol == gate)
        at = system.expand(rate).xreplace({gate: system.expand(x_inf)}).xreplace(values).xreplace({v: rest.V})
        assert abs(float(at)) < 1e-9 * (1 + abs(float(system.expand(rate).xreplace(values).xreplace(
            {gate: 0, v: rest.V}))))


def test_vrest_derive_on_a_cellml_file():
    code, out, err = run_cli("derive", str(MODELS / "luo_rudy_1991.cellml"), "--json")
    assert code == 0, err
    document = json.loads(out)
    # The expression and its definitions are in SI (the file's 0.6047 mS/cm^2 is 6.047 S/m^2, -59.87 mV -0.05987 V).
    assert document["current_balance"] == {"expression": "i_K + i_K1 + i_Kp + i_Na + i_b + i_si", "unit": "A/m^2",
                                           "of": "currents"}
    assert document["parameters"]["g_K1_max"] == {"unit": "S/m^2", "value": pytest.approx(6.047, rel=1e-15)}
    assert document["parameters"]["E_b"] == {"unit": "V", "value": pytest.approx(-0.05987, rel=1e-15)}
    assert document["gates"]["m"] == "alpha_m/(alpha_m + beta_m)" and document["held"] == ["Cai"]
    (state,) = document["resting_states"]
    assert state["V"] == pytest.approx(-84.547761, abs=1e-6) and state["stable"] is True
    assert sum(c["value"] for c in state["currents"].values()) == pytest.approx(0, abs=1e-9)
    assert document["notes"] == []  # R = 8314 J/(kmol K) and F = 96484.6 C/mol: the file's units are right
    code, out, err = run_cli("derive", str(MODELS / "luo_rudy_1991.cellml"))
    assert code == 0 and "0 = i_K + i_K1 + i_Kp + i_Na + i_b + i_si" in out
    assert "held at their resting values: Cai" in out
    assert "not the file's start, Cai = 0.0002 mM)" in out  # the file's initial_value="2e-4" (mM): not used
    assert "with the file's values (SI):\n" in out and "\n  g_K1_max = 6.047 S/m^2\n" in out


def test_vrest_derive_names_a_gas_and_faraday_constant_a_thousand_times_too_large():
    # ten Tusscher 2006 gives R = 8314.472 "joule_per_mole_kelvin" and F = 96485.3415 "coulomb_per_millimole":
    # each 1000 x CODATA's 8.314462618 J/(mol K) and 96485.33212 C/mol (their ratio, R T/F, is right).
    code, out, err = run_cli("derive", str(MODELS / "ten_tusscher_model_2006_epi.cellml"), "--json")
    assert code == 0, err
    document = json.loads(out)
    assert document["parameters"]["R"] == {"unit": "J/(mol K)", "value": pytest.approx(8314.472, rel=1e-15)}
    assert document["parameters"]["F"] == {"unit": "C/mol", "value": pytest.approx(96485341.5, rel=1e-15)}
    # The file's 3.98e-5 "litre_per_farad_second" in SI, with the farad named (not kg m^5/(s^5 A^2)).
    assert document["parameters"]["g_CaL"] == {"unit": "m^3/(F s)", "value": pytest.approx(3.98e-8, rel=1e-15)}
    assert document["notes"] == [
        "R = 8314.472 J/(mol K) is 10^3 x the gas constant (8.31446262 J/(mol K)): the file's unit for it is off by "
        "that factor; vrest uses the value as the file gives it (R T/F is right when R and F are off alike)",
        "F = 96485341.5 C/mol is 10^3 x Faraday's constant (96485.3321 C/mol): the file's unit for it is off by "
        "that factor; vrest uses the value as the file gives it (R T/F is right when R and F are off alike)"]
    code, out, err = run_cli("derive", str(MODELS / "ten_tusscher_model_2006_epi.cellml"))
    assert code == 0 and f"\nnote: {document['notes'][0]}\nnote: {document['notes'][1]}\n" in out


def test_a_file_whose_currents_have_no_units_gives_the_rate_of_v_as_its_balance():
    """BIOMD0000000020 writes dV/dt = (I - (i_Na + i_K + i_L))/Cm with no units on the currents or Cm: the balance
    is -dV/dt in the file's names (not the identity 0 = 0), and it vanishes at the resting state."""
    path = MODELS / "BIOMD0000000020.xml"
    code, out, err = run_cli("derive", str(path), "--json")
    assert code == 0, err
    document = json.loads(out)
    assert document["current_balance"] == {"expression": "(-I + i_K + i_L + i_Na)/Cm", "unit": "V/s",
                                           "of": "rate of V"}
    code, out, err = run_cli("derive", str(path))
    assert code == 0, err
    assert "0 = 0 " not in out
    assert ("  0 = (-I + i_K + i_L + i_Na)/Cm    (-dV/dt, the rate of V with its sign turned: the file gives its "
            "currents without units, so vrest cannot tell which terms are membrane currents") in out
    # its rate constants have no unit either: "SI" holds for V, not for them (5*(20*V + 1/2) is per ms)
    assert "equations in SI: V in volts; a value the file gives no unit is its number as written)" in out
