"""`vrest rest --voltage/--stimulus`: a state that is no voltage is refused; a stimulus that is a membrane
current (or that nothing uses) is said. The reference rest without I_Na is the root of the written-out
Hodgkin-Huxley K and leak currents (test_channels), n at n_inf."""

from __future__ import annotations

import re

import mpmath
import pytest

from conftest import run_cli
from test_channels import E_K, E_L, G_K, G_L, hh_rates


@pytest.fixture(scope="module")
def hh_cellml(tmp_path_factory):
    out = tmp_path_factory.mktemp("hh")
    code, _, err = run_cli("export", "hh", "--to", "cellml", "-o", str(out))
    assert code == 0, err
    return str(out / "hh.cellml")


def test_a_dimensionless_state_is_no_membrane_potential(hh_cellml):
    code, out, err = run_cli("rest", hh_cellml, "--voltage", "m_Na")
    assert code == 2 and out == ""
    errors = [line for line in err.splitlines() if "error" in line]
    assert errors == ["vrest: error: --voltage = 'm_Na': not a membrane potential: it has no unit (states in a "
                      "unit of voltage: V)"]
    code, out, err = run_cli("rest", hh_cellml, "--voltage", "V")
    assert code == 0, err


def test_a_channel_current_as_stimulus_is_removed_and_said(hh_cellml):
    def without_na(v):
        alpha, beta = hh_rates(v)["n"]
        return G_K * (alpha / (alpha + beta)) ** 4 * (v - E_K) + G_L * (v - E_L)

    rest = float(mpmath.findroot(without_na, mpmath.mpf(-66)))
    code, out, err = run_cli("rest", hh_cellml, "--stimulus", "I_Na")
    assert code == 0, err
    assert ("vrest: warning: --stimulus I_Na: I_Na depends on the membrane potential V (a membrane current, not an "
            "injected one); it is set to 0 at rest, so the resting states are those of the cell without it"
            ) in err.splitlines()
    shown = float(re.search(r"resting state 1: V = (\S+) mV", out).group(1))
    assert shown == pytest.approx(rest, abs=1e-6)


def test_a_stimulus_no_rate_uses_is_said_to_change_nothing():
    code, out, err = run_cli("rest", "hh", "--stimulus", "I_Na")
    assert code == 0, err
    assert ("vrest: warning: --stimulus I_Na: no rate of model hh uses I_Na, so setting it to 0 changes nothing: "
            "the resting states are the model's own") in err.splitlines()
    code, _, err = run_cli("rest", "hh", "--stimulus", "I_stim")
    assert code == 0 and "warning" not in err
