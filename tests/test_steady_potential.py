"""One name, one number: V_ss is the steady state of the full model wherever the concentrations move.

`vrest derive` once reported pumpleak's V_ss as -94.3999 mV (the current balance with the file's
concentrations held) while `vrest simulate` started at -94.492 mV (the full pumped steady state). Now
V_ss is the full steady state that simulate, the exports and crosscheck start from, and the
fixed-concentration root is V_balance.
"""

from __future__ import annotations

import json

import mpmath
import pytest
from hypothesis import HealthCheck, example, given, settings

from conftest import run_cli
from test_pump_max import pump_leak_models
from vrest.codegen.simulation import load_numeric, simulate
from vrest.derive.builtin import resolve_model
from vrest.derive.derivation import NotApplicable
from vrest.derive.errors import ModelError
from vrest.derive.modelfile import model_from_dict
from vrest.derive.quantities import Derivations

R, F = mpmath.mpf("8.314462618"), mpmath.mpf("96485.33212")


def _json(*argv: str) -> dict:
    code, out, err = run_cli(*argv)
    assert code == 0, err
    return json.loads(out)


def test_derive_and_simulate_name_the_same_steady_state():
    derived = _json("derive", "pumpleak", "--json")["quantities"]
    run = _json("simulate", "pumpleak", "--times", "0 s,1 s", "--json")
    start = run["states"]["V"]["values"][0]
    assert abs(derived["V_ss"]["value"] - start) < 1e-9  # mV
    assert abs(run["states"]["V"]["values"][1] - start) < 1e-6  # a steady state: it stays
    # zero net charge beyond the capacitor's (the charge-difference condition), not the charge of a start
    assert derived["V_ss"]["value"] == pytest.approx(-94.490479, abs=1e-6)
    # The fixed-concentration root keeps its own id and says what it is.
    assert derived["V_balance"]["value"] == pytest.approx(-94.3999, abs=1e-4)
    assert "concentrations held at their given values" in derived["V_balance"]["description"]
    assert "full model" in derived["V_ss"]["description"]


def test_fixed_concentrations_have_no_separate_balance():
    _, reasons = Derivations(resolve_model("neuron")).all()
    assert "V_ss is this current balance" in reasons["V_balance"]


def test_each_quantity_uses_the_v_it_means():
    """dV_pump: the pump's direct shift at the given concentrations (V_balance - V_leak); g_leak and tau_m: the
    GHK slope conductance at the steady state, V_ss and the steady concentrations, differentiated here."""
    model = resolve_model("pumpleak")
    ctx = Derivations(model)
    assert ctx.get("dV_pump").value == pytest.approx(ctx.get("V_balance").value - ctx.get("V_leak").value,
                                                     abs=1e-15)
    steady = ctx.get("V_ss")
    at = {symbol.name: value for symbol, value in steady.at}
    p = {x.name: mpmath.mpf(x.value.p) / x.value.q for x in model.parameters}

    def leak(v):
        total = 0
        for ion, z in (("K", 1), ("Na", 1), ("Cl", -1)):
            u = z * F * v / (R * p["T"])
            inside = mpmath.mpf(at[f"{ion}_i"])
            total += p[f"P_{ion}"] * z * F * u * (inside - p[f"{ion}_o"] * mpmath.exp(-u)) / (1 - mpmath.exp(-u))
        return total

    with mpmath.workdps(40):
        slope = mpmath.diff(leak, mpmath.mpf(steady.value))
    assert ctx.get("g_leak").value == pytest.approx(float(slope), rel=1e-12)
    assert ctx.get("tau_m").value == pytest.approx(float(p["C_m"] / slope), rel=1e-12)


# A pump far stronger than its ohmic Na leak can feed: Na_i 5e-18 mM at the steady state (LSODA cannot integrate
# from there, but the start is the steady state all the same).
EXTREME = {
    "model": {"name": "generated", "temperature": "37 degC"},
    "membrane": {"capacitance": "1 uF/cm^2", "area": "1000 um^2", "volume": "2000 um^3",
                 "water_permeability": "1e-10 cm/s/Pa"},
    "ions": {"K": {"valence": 1, "inside": "133.145 mM", "outside": "2.066 mM", "permeability": "1.607e-06 cm/s"},
             "Na": {"valence": 1, "inside": "10.0 mM", "outside": "145.759 mM", "conductance": "0.00393 mS/cm^2"},
             "Cl": {"valence": -1, "inside": "36.966 mM", "outside": "147.825 mM", "conductance": "0.08967 mS/cm^2"}},
    "pump": {"current": "1.675 uA/cm^2", "stoichiometry": {"Na": 3, "K": -2}},
    "impermeant": {"concentration": "53.0895 mM", "valence": -2},
}


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pump_leak_models())
@example(EXTREME)
def test_v_ss_is_where_simulate_starts_for_every_model_with_moving_concentrations(data):
    model = model_from_dict(data)
    try:
        v_ss = Derivations(model).get("V_ss").value
    except NotApplicable:
        with pytest.raises((NotApplicable, ModelError)):  # then simulate has no start either
            simulate(model, times=[0.0], backend="numpy", solver="scipy")
        return
    run = simulate(model, times=[0.0], backend="numpy", solver="scipy")
    assert abs(run.outputs()["V"][1][0] - v_ss * 1e3) < 1e-9  # mV
    # And a steady state of the simulated model itself: its generated code carries no net current there.
    module = load_numeric(model, "numpy")
    currents = module.quantities(run.y[:, 0])
    leaks = sum(abs(float(currents[f"I_{ion.name}"])) for ion in model.ions)
    assert abs(float(currents["I_total"])) <= 1e-9 * leaks
