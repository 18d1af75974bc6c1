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


def test_a_stimulus_no_rate_of_a_vrest_model_is_written_in_is_refused():
    """hh's rates hold I_Na written out, not by name: naming it the stimulus turned nothing off (a warning said
    so, and that no rate used I_Na, which misled: V's rate is made of it). It is refused."""
    code, out, err = run_cli("rest", "hh", "--stimulus", "I_Na")
    assert (code, out) == (2, "")
    assert err.startswith("vrest: error: --stimulus = 'I_Na': no rate of model hh is written in I_Na")
    code, _, err = run_cli("rest", "hh", "--stimulus", "I_stim")
    assert code == 0 and "warning" not in err


def test_gates_print_without_a_unit_and_no_current_prints_as_minus_zero():
    """The gates at rest are the written-out x_inf = alpha/(alpha + beta) at the written-out rest, unitless."""
    code, out, err = run_cli("rest", "hh")
    assert code == 0, err
    v = mpmath.findroot(lambda x: sum(_hh_currents(x)), mpmath.mpf(-65))
    states = next(line for line in out.splitlines() if line.strip().startswith("states:"))
    expected = ", ".join(f"{gate}_{channel} = {float(a / (a + b)):.6g}"
                         for (gate, (a, b)), channel in zip(hh_rates(v).items(), ("Na", "Na", "K")))
    assert states == f"  states: V = {float(v):.6g} mV, {expected}"
    code, out, err = run_cli("rest", "pumpleak", "--start", "V=-50 mV")
    assert code == 0, err
    assert "-0 " not in out and "I_Cl 0 uA/cm^2" in out  # Cl is passive: no net Cl current at rest


def _hh_currents(v):
    from test_channels import E_NA, G_NA

    r = hh_rates(v)
    m, h, n = (a / (a + b) for a, b in r.values())
    return G_NA * m ** 3 * h * (v - E_NA), G_K * n ** 4 * (v - E_K), G_L * (v - E_L)
