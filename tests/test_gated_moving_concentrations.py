"""A cell with gated channels whose concentrations and volume move: every derived quantity counts the
channels' currents.

The model: ohmic K and Na leaks, a GHK Cl leak, an inward rectifier on K whose open fraction depends on
E_K, a persistent Na channel with one gate, a constant 3:2 pump, impermeant anions and water flow.
Expected values are independent of vrest: the current balances are mpmath roots of the currents written
out by hand (T = 303.15 K, R = 8.314462618, F = 96485.33212); the steady state, its eigenvalues and the
largest pump rate are a separate Newton and eigenvalue computation of the same cell in mpmath and SciPy
(the Vol -> infinity limit of the steady states with every current, gates at x_inf).
"""

import json

import pytest

from conftest import run_cli

MODEL = """
[model]
name = "gcd"
temperature = "30 degC"

[membrane]
capacitance = "1 uF/cm^2"
area = "1200 um^2"
volume = "2000 um^3"
water_permeability = "1e-10 cm/s/Pa"

[ions.K]
valence = 1
inside = "130 mM"
outside = "5 mM"
conductance = "0.05 mS/cm^2"

[ions.Na]
valence = 1
inside = "15 mM"
outside = "140 mM"
conductance = "0.01 mS/cm^2"

[ions.Cl]
valence = -1
inside = "10 mM"
outside = "145 mM"
permeability = "2e-7 cm/s"
{kir}
[channels.NaP]
ion = "Na"
conductance = "0.02 mS/cm^2"
units = {{ V = "mV", t = "ms" }}

[channels.NaP.gates.m]
inf = "1/(1 + exp(-(V + 50)/6))"
tau = "5"

[pump]
current = "0.3 uA/cm^2"
stoichiometry = {{ Na = 3, K = -2 }}

[impermeant]
concentration = "135 mM"
valence = -1

[bath]
impermeant = "10 mM"
"""

KIR = """
[channels.Kir]
ion = "K"
conductance = "0.3 mS/cm^2"
units = { V = "mV", t = "ms" }
open_fraction = "1/(1 + exp((V - E_K - 10)/8))"
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The model with the inward rectifier ("gcd") and the one without it ("nap")."""
    out = {}
    for name, kir in (("gcd", KIR), ("nap", "")):
        out[name] = tmp_path_factory.mktemp(name) / f"{name}.toml"
        out[name].write_text(MODEL.format(kir=kir), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def derived(files):
    """vrest derive --json of both models."""
    out = {}
    for name, path in files.items():
        code, text, err = run_cli("derive", str(path), "--json")
        assert code == 0, err
        out[name] = json.loads(text)
    return out


def test_the_current_balance_at_the_given_concentrations_counts_the_channels(derived):
    # mpmath root of every current with the gates at x_inf(V): -79.7689901398481536 mV (the leaks and the pump
    # alone balance at -67.17 mV)
    assert derived["gcd"]["quantities"]["V_balance"]["value"] == pytest.approx(-79.76899013984815, abs=1e-9)


def test_the_pump_shift_is_the_balance_with_the_pump_minus_without_it(derived):
    # mpmath roots with and without the pump: -79.7689901398481536 and -78.3239641046575946 mV
    assert derived["gcd"]["quantities"]["dV_pump"]["value"] == pytest.approx(-1.445026035190559, abs=1e-9)


def test_the_steady_volume_and_time_constants_are_those_of_the_resting_state(derived):
    quantities = derived["gcd"]["quantities"]
    # independent Newton on the full model: V -64.42847219743407 mV, Vol 1960.89998147 um^3; its eigenvalues
    # -1.94868158e-5, -0.003096030285, -0.4632548203, -167.3126154, -319.6049341 /s
    assert quantities["V_ss"]["value"][0] == pytest.approx(-64.42847219743407, abs=1e-9)
    assert quantities["volume_ss"]["value"] == pytest.approx(1960.89998147, rel=1e-9)
    assert quantities["tau_slow"]["value"] == pytest.approx(1 / 1.94868158e-5, rel=1e-8)
    assert quantities["tau_fast"]["value"] == pytest.approx(1000 / 319.6049341, rel=1e-8)


def test_pump_max_counts_the_channels_where_the_balance_is_explicit(derived):
    # the persistent Na channel alone: 2.24330577594 uA/cm^2 (2.243415518741564 with the channel left out)
    assert derived["nap"]["quantities"]["pump_max"]["value"] == pytest.approx(2.24330577594, rel=1e-10)


def test_pump_max_is_refused_where_an_open_fraction_depends_on_the_concentration(derived, files):
    assert "pump_max" in derived["gcd"]["not_applicable"]
    code, text, err = run_cli("derive", str(files["gcd"]), "--quantity", "pump_max")
    assert "channel Kir's open fraction depends on K_i" in text + err


def test_the_notes_say_the_gated_quantities_are_at_the_resting_state(files):
    code, text, err = run_cli("derive", str(files["gcd"]))
    assert code == 0, err
    steady, given = " ".join(text.split()).split("(where every run starts)")
    assert "eigenvalues, I_window_Kir, I_window_NaP, g_inst" in steady
    assert "Vol = 1960.9 um^3" in given.split("E_K,")[0]  # the resting state's volume, before the file's


def test_simulate_starts_at_the_resting_state(files):
    code, text, err = run_cli("simulate", str(files["gcd"]), "--json", "--times", "0 s,1 s")
    assert code == 0, err
    assert json.loads(text)["states"]["V"]["values"][0] == pytest.approx(-64.42847219743407, abs=1e-9)
