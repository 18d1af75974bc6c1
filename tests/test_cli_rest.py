"""``vrest rest``: the table, the JSON contract, and one-line refusals of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli

MODELS = Path(__file__).parent / "models"


def test_rest_json_for_pumpleak_follows_the_contract():
    code, out, err = run_cli("rest", "pumpleak", "--json")
    assert code == 0, err
    document = json.loads(out)
    assert document["model"] == "pumpleak"
    assert document["range"] == {"unit": "mV", "values": [-150.0, 60.0]}
    (state,) = document["resting_states"]
    assert state["V"] == pytest.approx(-94.490479, abs=5e-7)  # mV
    assert state["stable"] is True
    assert state["states"]["V"] == {"unit": "mV", "value": state["V"]}
    assert state["states"]["Vol"]["unit"] == "um^3"
    assert state["eigenvalues"]["unit"] == "1/s" and len(state["eigenvalues"]["values"]) == 4
    assert all(re < 0 and im == 0 for re, im in state["eigenvalues"]["values"])
    assert state["slowest_tau"]["unit"] == "s" and state["slowest_tau"]["value"] > 1
    assert state["slope_conductance"]["unit"] == "mS/cm^2"
    assert state["input_resistance"]["value"] == pytest.approx(1 / state["slope_conductance"]["value"], rel=1e-12)
    magnitudes = [abs(c["value"]) for c in state["currents"].values()]
    assert magnitudes == sorted(magnitudes, reverse=True)
    assert list(state["currents"])[0] == "I_Na" and state["currents"]["I_Na"]["unit"] == "uA/cm^2"
    (law,) = document["conserved"]
    assert law["name"] == "charge" and law["unit"] == "fmol"
    assert law["combination"].startswith("N_K") and "V" in law["coefficients"]
    assert document["currents"]["I_K"]["values"] == [state["currents"]["I_K"]["value"]]
    assert document["verdict"] == "one stable resting state, at -94.49 mV"


def test_rest_table_for_squid_names_units_and_the_verdict():
    code, out, _ = run_cli("rest", "squid", "--range", "-100..0 mV")
    assert code == 0
    assert out.splitlines()[0] == "squid: resting states with V between -100 and 0 mV"
    assert out.splitlines()[1] == "one stable resting state between -100.00 mV and 0.00 mV, at -61.59 mV"
    assert ("slope conductance: 0.59523 mS/cm^2 (with the file's capacitance C_m = 1 uF/cm^2), input resistance "
            "1.68 kohm*cm^2") in out
    assert "currents at rest (outward positive): I_Na -4.4912 uA/cm^2" in out


def test_rest_range_and_start_forms(tmp_path):
    _, two, _ = run_cli("rest", "squid", "--json", "--range", "-100 mV", "0 mV")
    _, one, _ = run_cli("rest", "squid", "--json", "--range", "-0.1..0 V")
    assert json.loads(two)["resting_states"] == json.loads(one)["resting_states"]
    code, out, _ = run_cli("rest", "pumpleak", "--json", "--start", "N_K=24 fmol", "--start", "Vol=0.18 pL")
    assert code == 0
    law = json.loads(out)["conserved"][0]
    # 24 + N_Na - N_Cl - C_m A V/F at the start, fmol: N_Na = 15.5 mM x 178.9 um^3, N_Cl = 3.7 mM x 178.9 um^3,
    # V = -94.3999453592539 mV (the current balance at the file's concentrations: test_derive_values' V_balance),
    # C_m A = 1 uF/cm^2 x 314.159265358979 um^2
    expected = 24 + 2.77295 - 0.66193 - 1e-2 * 314.159265358979e-12 * -0.0943999453592539 / 96485.33212 * 1e15
    assert law["value"] == pytest.approx(expected, abs=1e-9)


def test_no_resting_state_in_the_range_is_an_answer():
    code, out, _ = run_cli("rest", "squid", "--range", "0..50 mV", "--json")
    assert code == 0
    document = json.loads(out)
    assert document["resting_states"] == [] and document["verdict"] == (
        "no resting state between 0.00 mV and 50.00 mV; a stable resting state lies outside the range, at "
        "-61.59 mV")  # the squid axon's rest (vrest rest squid); the model gives no start, so none is claimed
    assert document["rest_outside_range"] == pytest.approx(-61.59, abs=0.005)  # mV


@pytest.mark.parametrize("argv, message", [
    (("rest", "squid", "--range=-150..60"), "--range = '-150..60': a unit is required"),
    (("rest", "squid", "--range", "60 mV", "-150 mV"), "the lower voltage must come first"),
    (("rest", "squid", "--range", "-150 mM", "60 mV"), "is not a voltage"),
    (("rest", "squid", "--range", "-150 mV", "0 mV", "60 mV"), "expected 'LO..HI mV' or two voltages"),
    (("rest", "squid", "--range", "a"), "--range = 'a': expected 'LO..HI mV' (e.g. '-150..60 mV') or two voltages"),
    (("rest", "pumpleak", "--start", "N_X=1 fmol"), "--start N_X = '1 fmol': not a state of model pumpleak"),
    (("rest", "pumpleak", "--start", "N_K=1 mV"), "unit 'mV' does not convert to 'fmol'"),
    (("rest", "pumpleak", "--start", "N_K"), "expected NAME=VALUE"),
    (("rest", "pumpleak", "--start", "N_K=12"), "a unit is required, such as '12 fmol'"),
    (("rest", "pumpleak", "--start", "N_K=1e999 fmol"), "must be a finite number"),
    (("rest", "pumpleak", "--start", "N_K=-1 fmol"), "--start N_K = '-1 fmol': N_K is an amount: it must be "
                                                     "positive"),
    (("rest", "pumpleak", "--start", "N_K=0 fmol"), "N_K is an amount: it must be positive"),
    (("rest", "pumpleak", "--start", "Vol=0 pL"), "Vol is a volume: it must be positive"),
    (("rest", str(MODELS / "difrancesco_noble_model_1985.cellml"), "--start", "Nai=-5 mM"),
     "--start Nai = '-5 mM': Nai is a concentration: it must be positive"),
    (("rest", str(MODELS / "difrancesco_noble_model_1985.cellml"), "--start", "Nai=0 mM"),
     "Nai is a concentration: it must be positive"),
    (("rest", str(MODELS / "luo_rudy_1991.cellml"), "--start", "V=-1e6 mV"),
     "--start V = '-1e6 mV': V is a potential: it lies within -2000 mV to 2000 mV"),
    (("rest", "hh", "--start", "V=2.5 V"), "V is a potential: it lies within -2000 mV to 2000 mV"),
    (("rest", "hh", "--start", "m_Na=2"), ("--start m_Na = '2': m_Na is the open fraction of a gate: it lies "
                                           "within 0..1")),  # accepted without a word before
    (("rest", "hh", "--start", "n_K=-0.1 1"), "n_K is the open fraction of a gate: it lies within 0..1"),
    (("rest", "hh", "--start", "n_K=nan"), "--start n_K = 'nan': expected a number"),  # not "such as 1 1"
    (("rest", "hh", "--range", "-1e4..60mV"), "--range = '-1e4..60mV': a membrane potential lies within -2000 mV to "
                                             "2000 mV"),
    (("rest", str(MODELS / "luo_rudy_1991.cellml"), "--start", "Cai=1e6 mM"),
     "--start Cai = '1e6 mM': outside the allowed range 1e-15 mM to 1e5 mM"),  # accepted without a word before
    (("rest", "hh", "--range", "-1e-300..1e-300mV"), "--range = '-1e-300..1e-300mV': the two ends must lie at least "
                                                    "1e-6 mV apart"),  # NumPy's warnings and another verdict
    (("rest", "hh", "--range", "-1e400..60mV"), "--range = '-1e400..60mV': a membrane potential lies within -2000 mV "
                                               "to 2000 mV"),  # an OverflowError's traceback
    (("rest", "hh", "--range", "-100..-50..0mV"), "--range = '-100..-50..0mV': expected two voltages 'LO..HI mV' "
                                                 "(e.g. '-150..60 mV'), not three"),
    (("rest", "pumpleak", "--voltage", "X"), "--voltage = 'X': not a state of model pumpleak"),
    (("rest", "pumpleak", "--stimulus", "X"), "--stimulus = 'X': not a parameter or quantity"),
    (("rest", "no_such_model"), "MODEL = 'no_such_model': not a built-in model"),
])
def test_bad_input_is_one_line_and_exit_2(argv, message):
    code, out, err = run_cli(*argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err, err


def test_a_gates_start_is_a_plain_number():
    """hh's gates are fractions (unit 1): 'm_Na=0.3' was refused ("a unit is required, such as '0.3 1'"). Gates
    conserve nothing, so the rest is hh's own: mpmath's root of its current balance, gates at steady state."""
    import mpmath
    from test_verify_at_rest import hh_currents

    rest = float(mpmath.findroot(lambda v: sum(hh_currents(v)), -65))  # -64.99637933 mV
    for start in ("m_Na=0.3", "m_Na=0.3 1"):
        code, out, err = run_cli("rest", "hh", "--start", start, "--json")
        assert code == 0, err
        (state,) = json.loads(out)["resting_states"]
        assert state["V"] == pytest.approx(rest, abs=1e-6)


def test_the_compiled_module_and_lambdify_give_the_same_rest():
    from vrest.codegen.cli.rest_cmd import resting_report
    from vrest.derive.rest import DEFAULT_RANGE

    compiled = resting_report("pumpleak", DEFAULT_RANGE, compiled_from_states=1)
    lambdified = resting_report("pumpleak", DEFAULT_RANGE, compiled_from_states=100)
    (a,), (b,) = compiled.resting_states, lambdified.resting_states
    assert a.V == pytest.approx(b.V, abs=1e-15)
    assert a.eigenvalues == pytest.approx(b.eigenvalues, rel=1e-10)
    assert dict(a.currents) == pytest.approx(dict(b.currents), abs=1e-15)
    assert a.slope_conductance == pytest.approx(b.slope_conductance, rel=1e-12)


# Calcium buffered rapidly (Ca_tot = Ca + B Ca/(Ca + K)) joins the total charge that the cell conserves: the
# command must find that law, as the library does, and rest where the cell comes to rest from the file's
# start. References: SciPy BDF (rtol 1e-10) from the file's initial state, stimulus off, for 2e7 ms of
# model time, on the equations read by Myokit (V over the last 10 % of the run constant to 3e-13 mV).
@pytest.mark.parametrize(("name", "v_rest"), [
    ("ten_tusscher_model_2006_epi.cellml", -86.90043087249643),
    ("courtemanche_ramirez_nattel_1998.cellml", -81.1808754482),
])
def test_rest_command_finds_the_buffered_charge_law_and_the_rest_the_cell_reaches(name, v_rest):
    from pathlib import Path

    code, out, err = run_cli("rest", str(Path(__file__).parent / "models" / name), "--json")
    assert code == 0, err
    document = json.loads(out)
    (state,) = document["resting_states"]
    assert state["stable"] is True
    assert state["V"] == pytest.approx(v_rest, abs=1e-6)  # mV
    assert any(law["name"] == "charge" for law in document["conserved"])


def test_the_table_gives_how_slowly_a_state_is_approached_for_a_stable_one_only():
    """An unstable equilibrium is left, not approached (Noble 1962's grows as e^(11 t/s), oscillating): no slowest
    tau in its row of the table; the JSON keeps 1/min |Re lambda| for every state."""
    noble = str(Path(__file__).parent / "models" / "noble_model_1962.cellml")
    code, out, _ = run_cli("rest", noble)
    (row,) = [line.split() for line in out.splitlines() if line.strip().startswith("1 ")]
    assert code == 0 and row[2:4] == ["no", "-"]
    code, out, _ = run_cli("rest", noble, "--json")
    (state,) = json.loads(out)["resting_states"]
    assert not state["stable"] and state["slowest_tau"]["value"] > 0
