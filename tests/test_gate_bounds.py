"""A gate's steady state above 1 is refused at its largest value, not at a rounding error where it is 1; forms
equal to 1 at a point are accepted; a negative rate is named where it is most negative."""

from __future__ import annotations

import math

import pytest

from conftest import run_cli

BASE = {
    "model": {"name": "t", "temperature": "20 degC"},
    "membrane": {"capacitance": "1 uF/cm^2"},
    "channels": {"L": {"reversal": "-70 mV", "conductance": "0.1 mS/cm^2"},
                 "K": {"reversal": "-90 mV", "conductance": "1 mS/cm^2", "units": {"V": "mV", "t": "ms"},
                       "gates": {"n": {"inf": "1/(1 + exp(-(V + 50)/5))", "tau": "5"}}}},
}


def _with_gate(**gate):
    data = {**BASE, "channels": {**BASE["channels"], "K": {**BASE["channels"]["K"], "gates": {"n": gate}}}}
    return data


def test_inf_above_one_is_named_where_it_is_largest(write_model, tmp_path):
    inf = "2/(1 + exp(-(V + 50)/5))"
    largest = 2 / (1 + math.exp(-(100 + 50) / 5))  # increasing in V: largest at the top of -150..100 mV
    code, out, err = run_cli("export", str(write_model(_with_gate(inf=inf, tau="5"))), "--to", "sbml",
                             "-o", str(tmp_path / "out"))
    assert code == 2 and out == "" and not (tmp_path / "out").exists()
    assert err == (f"vrest: error: channels.K.gates.n.inf = '{inf}': inf must be at most 1 (a fraction) "
                   f"from -150 to 100 mV; at V = 100 mV it is {largest:g}\n")


@pytest.mark.parametrize("inf", ["(V + 150)*0.004", "(1.1/(1 + exp(-(V + 50)/5)))/1.1",
                                 "0.7/(0.7 + 0.7*exp(-(V + 50)/5))"])
def test_a_steady_state_that_reaches_one_is_accepted(write_model, inf):
    code, _, err = run_cli("derive", str(write_model(_with_gate(inf=inf, tau="5"))), "--quantity", "V_ss")
    assert code == 0, err


def test_a_negative_rate_is_named_where_it_is_most_negative(write_model):
    alpha = "0.01*(V + 50)"  # negative below -50 mV, most negative at -150 mV: -1/ms
    code, _, err = run_cli("derive", str(write_model(_with_gate(alpha=alpha, beta="0.1"))))
    assert code == 2
    assert err.endswith("alpha must be finite and non-negative from -150 to 100 mV; at V = -150 mV it is -1 1/ms\n")
