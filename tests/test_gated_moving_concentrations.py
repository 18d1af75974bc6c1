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
    # -1.94868158e-5, -0.003096030285, -0.4632548203, -167.3126154, -319.6049341 /s. Its two other steady states
    # (mpmath's root of the written-out equations from 2-digit guesses): -63.752473347 mV, 1965.50691698 um^3
    # (unstable) and -29.3412766378 mV, 2625.43160524 um^3 (Na+-loaded)
    assert quantities["V_ss"]["value"][0] == pytest.approx(-64.42847219743407, abs=1e-9)
    assert quantities["volume_ss"]["value"] == pytest.approx([1960.89998147, 1965.50691698, 2625.43160524], rel=1e-9)
    # and at the other two (the full ODEs written out, their Jacobian by central differences in mpmath, as in the
    # bistable cell's test below): tau_slow -49849.8929287 s (growing) and 2909.18349833 s, tau_fast 3.10429384507
    # and 2.92027504711 ms
    assert quantities["tau_slow"]["value"] == pytest.approx([1 / 1.94868158e-5, -49849.8929287, 2909.18349833],
                                                            rel=1e-8)
    assert quantities["tau_fast"]["value"] == pytest.approx([1000 / 319.6049341, 3.10429384507, 2.92027504711],
                                                            rel=1e-8)


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
    flat = " ".join(text.split())  # three resting states: the gated quantities have a value at each
    assert ("V_ss, g_leak, tau_m, volume_ss, tau_slow, tau_fast, eigenvalues, I_window_Kir, I_window_NaP, g_inst, "
            "r_m_NaP, L_m_NaP, Z_0: at each of the 3 steady states") in flat
    assert "the first stable one" not in flat  # none has the first state's value alone
    assert "at the file's concentrations and volume, K_i = 130 mM, Na_i = 15 mM, Cl_i = 10 mM, Vol = 2000 um^3" in flat


def test_simulate_starts_at_the_resting_state(files):
    code, text, err = run_cli("simulate", str(files["gcd"]), "--json", "--times", "0 s,1 s")
    assert code == 0, err
    assert json.loads(text)["states"]["V"]["values"][0] == pytest.approx(-64.42847219743407, abs=1e-9)


def test_the_sbml_and_cellml_exports_move_the_amounts_with_the_channels_currents(files):
    """Each export's ion amounts change with the channels' currents too: libRoadRunner (SBML) and libcellml's
    generated code (CellML), run from V = 0 to rest and through the bath step, reproduce vrest's own run. With the
    channels left out of dN_K/dt and dN_Na/dt the exports' rest was 1.9e-4 mV off and the course 4.7e-4 mV."""
    import vrest.derive.quantities  # noqa: F401 - derivation modules before steady_state
    from test_export_xml import assert_agrees, cellml_text, sbml_text
    from vrest.codegen.crosscheck import check as cc
    from vrest.codegen.exporters._mechanism import mechanism
    from vrest.derive.builtin import resolve_model

    model = resolve_model(str(files["gcd"]))
    job = cc.make_job(model, stiff=False)
    assert_agrees(cc.roadrunner_answer(model, sbml_text(model), job), job)
    code = files["gcd"].parent / "generated_cellml.py"
    code.write_text(cc.cellml_python(cellml_text(model)), encoding="utf-8")
    assert_agrees(cc.cellml_answer(model, code, job), job)
    # NEURON, Brian2 and NeuroML write their amounts from the same mechanism: the channels' currents are in it
    rates = {state.name: rate for state, _, _, _, rate in mechanism(model).states}
    assert {"I_Kir", "I_K"} <= {s.name for s in rates["N_K"].free_symbols}
    assert {"I_NaP", "I_Na"} <= {s.name for s in rates["N_Na"].free_symbols}


BISTABLE = """
[model]
name = "nap_cell"
temperature = "37 degC"

[membrane]
capacitance = "1 uF/cm^2"
area = "1500 um^2"
volume = "2500 um^3"
water_permeability = "2e-11 cm/s/Pa"

[ions.K]
valence = 1
inside = "140 mM"
outside = "5 mM"
permeability = "1e-6 cm/s"

[ions.Na]
valence = 1
inside = "10 mM"
outside = "145 mM"
permeability = "3e-8 cm/s"

[ions.Cl]
valence = -1
inside = "8 mM"
outside = "150 mM"
permeability = "2e-7 cm/s"

[channels.NaP]
ion = "Na"
permeability = "4e-8 cm/s"
units = { V = "mV", t = "ms" }

[channels.NaP.gates.m]
inf = "1/(1 + exp(-(V + 50)/5))"
tau = "1"

[channels.Kdr]
ion = "K"
permeability = "5e-7 cm/s"
units = { V = "mV", t = "ms" }

[channels.Kdr.gates.n]
power = 4
alpha = "0.01*(V + 55)/(1 - exp(-(V + 55)/10))"
beta = "0.125*exp(-(V + 65)/80)"

[pump]
current = "0.4 uA/cm^2"
stoichiometry = { Na = 3, K = -2 }

[impermeant]
valence = -1
concentration = "142 mM"
"""


def test_every_steady_state_of_a_bistable_gated_cell_is_found(tmp_path):
    """Three steady states with zero net charge, from an independent scan: the steady state's equations reduced to
    V alone, scanned every 0.1 mV, each root polished by Newton on the full 7 states (rates below 1e-38), stability
    from that Jacobian's eigenvalues: -70.9515926738 (stable), -56.9985523216 (unstable, +5.34e-4 /s) and
    -30.7800616065 mV (stable, Na-loaded: Vol 3460.578 um^3). The last lies on another branch of the path of
    steady states at fixed V than the first two found; it was missed until the start's own path was followed too."""
    path = tmp_path / "bistable.toml"
    path.write_text(BISTABLE, encoding="utf-8")
    code, text, err = run_cli("derive", str(path), "--json", "--quantity", "V_ss")
    assert code == 0, err
    v_ss = json.loads(text)["quantities"]["V_ss"]
    assert v_ss["value"] == pytest.approx([-70.9515926738, -56.9985523216, -30.7800616065], abs=1e-8)
    assert v_ss["stable"] == [True, False, True]
    code, text, err = run_cli("rest", str(path))
    assert code == 0, err
    assert "2 stable resting states (the model is bistable): at -70.95 mV, -30.78 mV" in text


def test_an_unstable_equilibrium_on_a_path_that_loads_the_cell_with_sodium_is_found(tmp_path):
    """The bistable cell with a stronger NaP channel (1e-7 cm/s) and pump (0.6 uA/cm^2): an independent solution
    (its own GHK, pump and water equations from the model-format docs, every steady state with zero net charge
    beyond the capacitor's scanned every 0.05 mV and polished by mpmath at 50 digits, the Jacobian's eigenvalues
    by central differences) has an unstable equilibrium at -54.5772583112061 mV (+0.0161373227506 /s, 2719.530094
    um^3)
    and a stable, Na+-loaded one at -23.8566888077485 mV (4008.439878 um^3); a third root, -108.58 mV, needs
    -760 fmol of Na+. vrest listed the stable one alone: the path of steady states at fixed V, its charge law
    solving for K+ (the largest amount at the file's start), stalled where the path loads the cell with Na+."""
    text = BISTABLE.replace('permeability = "4e-8 cm/s"', 'permeability = "1e-7 cm/s"')
    path = tmp_path / "strong_pump.toml"
    path.write_text(text.replace('current = "0.4 uA/cm^2"', 'current = "0.6 uA/cm^2"'), encoding="utf-8")
    code, out, err = run_cli("rest", str(path), "--json")
    assert code == 0, err
    states = json.loads(out)["resting_states"]
    assert [s["V"] for s in states] == pytest.approx([-54.5772583112061, -23.8566888077485], abs=1e-9)
    assert [s["stable"] for s in states] == [False, True]
    assert [s["states"]["Vol"]["value"] for s in states] == pytest.approx([2719.530094, 4008.439878], rel=1e-9)
    growing = max(re for re, _ in states[0]["eigenvalues"]["values"])
    assert growing == pytest.approx(0.0161373227506, rel=1e-8)


def test_the_note_of_a_cell_with_several_steady_states_says_which_state_each_value_is_at(tmp_path):
    """`vrest derive` of the bistable cell: the quantities with a value at each steady state are at each one's
    concentrations; the ones with one value (the slowest and fastest time constants) at the first stable state's,
    -70.95 mV (above). It said all of them were at the first state's."""
    path = tmp_path / "bistable.toml"
    path.write_text(BISTABLE, encoding="utf-8")
    code, text, err = run_cli("derive", str(path))
    assert code == 0, err
    flat = " ".join(text.split())
    assert ("V_ss, g_leak, tau_m, volume_ss, tau_slow, tau_fast, eigenvalues, I_window_NaP, I_window_Kdr, g_inst, "
            "r_m_NaP, r_n_Kdr, L_m_NaP, L_n_Kdr, Z_0: at each of the 3 steady states of the full model, each at its "
            "own concentrations and volume (vrest rest MODEL lists them) E_K, E_Na,") in flat
    assert "the first stable one" not in flat


def test_each_steady_state_of_the_bistable_cell_has_its_own_volume(tmp_path):
    """The three steady states' volumes from mpmath's root of the written-out steady state (GHK leaks and gated
    GHK channels, the pump's 3:2 fluxes, water balance against the bath's 300 mM, zero net charge), from V near
    each state, with vrest's R and F: 2545.63668038, 2684.85423000 and 3460.57799200 um^3 (the Na+-loaded state
    swells by a third).
    volume_ss gave the first stable state's volume alone."""
    path = tmp_path / "bistable.toml"
    path.write_text(BISTABLE, encoding="utf-8")
    code, text, err = run_cli("derive", str(path), "--json", "--quantity", "volume_ss")
    assert code == 0, err
    volume = json.loads(text)["quantities"]["volume_ss"]
    assert volume["value"] == pytest.approx([2545.63668038, 2684.85423000, 3460.57799200], rel=1e-10)
    assert volume["stable"] == [True, False, True] and volume["unit"] == "um^3"


def test_each_steady_state_of_the_bistable_cell_has_its_own_time_constants(tmp_path):
    """The full model's ODEs written out (V, both gates, the three amounts, the volume), its Jacobian at each steady
    state by central differences in mpmath at 40 digits, eigenvalues with left and right eigenvectors: the charge's
    zero left out, tau_slow = -1/Re(the eigenvalue nearest 0): 5901.68968783, -1871.35302709 (the unstable state's
    growing mode, +5.34e-4 /s) and 2740.77722061 s; tau_fast = -1/Re(the eigenvalue of the mode V takes part in
    most): 9.60164146902, 13.574801959 and 6.64280458772 ms. Both gave the first stable state's alone."""
    path = tmp_path / "bistable.toml"
    path.write_text(BISTABLE, encoding="utf-8")
    code, text, err = run_cli("derive", str(path), "--json", "--quantity", "tau_slow,tau_fast")
    assert code == 0, err
    quantities = json.loads(text)["quantities"]
    assert quantities["tau_slow"]["value"] == pytest.approx([5901.68968783, -1871.35302709, 2740.77722061], rel=1e-9)
    assert quantities["tau_fast"]["value"] == pytest.approx([9.60164146902, 13.574801959, 6.64280458772], rel=1e-9)
    assert quantities["tau_slow"]["stable"] == quantities["tau_fast"]["stable"] == [True, False, True]


SLOW_APPROACH = """
[model]
name = "pumpleak_kir_nap"
temperature = "37 degC"
description = "pump-leak cell with an inward rectifier and a persistent Na channel"

[membrane]
capacitance = "1 uF/cm^2"
area = "2000 um^2"
volume = "2000 um^3"
water_permeability = "1e-10 cm/s/Pa"

[ions.K]
valence = 1
inside = "140 mM"
outside = "4 mM"
conductance = "0.05 mS/cm^2"

[ions.Na]
valence = 1
inside = "12 mM"
outside = "145 mM"
conductance = "0.01 mS/cm^2"

[ions.Cl]
valence = -1
inside = "10 mM"
outside = "149 mM"
conductance = "0.02 mS/cm^2"

[impermeant]
valence = -1.044
concentration = "136 mM"

[pump]
max_current = "2 uA/cm^2"
K_half_Na = "10 mM"
K_half_K = "1.5 mM"
stoichiometry = { Na = 3, K = -2 }

[channels.K1]
ion = "K"
conductance = "0.2 mS/cm^2"
units = { V = "mV", t = "ms" }
open_fraction = "1/(1 + exp((V - E_K + 10)/12))"

[channels.NaP]
ion = "Na"
conductance = "0.02 mS/cm^2"
units = { V = "mV", t = "ms" }

[channels.NaP.gates.m]
power = 1
inf = "1/(1 + exp(-(V + 50)/5))"
tau = "5"

[scenario.ouabain]
at = "0 s"
set = { pump = 0 }
"""


def test_a_slow_approach_to_rest_is_no_oscillation(tmp_path):
    """From its start (V at the charge of the given amounts) this cell's V falls for minutes, monotonically, by more
    than 1 mV in each long span of the follow (-76.77, -77.98, -79.42 mV at 51.2, 102.4, 204.8 s; -81.4522 mV at
    1e4 s, by SciPy's BDF): that is no limit cycle, as it was called. A swing counts only where V turns back."""
    import numpy as np

    from vrest.derive.rest.follow import _turns

    t = np.linspace(0.0, 100.0, 5001)
    assert _turns(-0.081 + 0.02 * np.exp(-t / 210.0), 1e-3) == 0  # a slow approach: no turn
    assert _turns(-0.05 + 0.04 * np.sin(2 * np.pi * t), 1e-3) >= 198  # a 1 Hz oscillation: two turns a period
    path = tmp_path / "slow.toml"
    path.write_text(SLOW_APPROACH, encoding="utf-8")
    code, text, err = run_cli("rest", str(path), "--json")
    assert code == 0, err
    report = json.loads(text)
    assert "oscillates" not in report["verdict"] and report["verdict"].startswith("one stable resting state")


def test_the_brian2_export_steps_below_the_fastest_gate(tmp_path):
    """Brian2's rk4 took steps of tau_m/2 (4.8 ms) in this cell, whose Na gate relaxes in 1 ms (the Jacobian's
    fastest eigenvalue at rest -1005 /s): |lambda dt| = 4.8 is beyond rk4's stability (2.78), and every run ended in
    NaN (rk4's factor at lambda dt = -4.8 is 11.4 a step: NaN within a second). The steps are now at most 1/|lambda|: from the export's start
    (the rest at -70.9515926738 mV, the independent scan's) the cell stays there for a minute (60 000 steps)."""
    import subprocess
    import sys

    path = tmp_path / "bistable.toml"
    path.write_text(BISTABLE, encoding="utf-8")
    code, _, err = run_cli("export", str(path), "--to", "brian2", "-o", str(tmp_path / "out"))
    assert code == 0, err
    (script,) = (tmp_path / "out").glob("*_brian2.py")
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"times": [0, 1, 60], "scenario": None}), encoding="utf-8")
    run = subprocess.run([sys.executable, str(script), str(request)], capture_output=True, text=True, cwd=tmp_path,
                         timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    volts = json.loads(run.stdout.strip().splitlines()[-1])["V"]
    assert volts == pytest.approx([-70.9515926738] * 3, abs=1e-6)


# A bistable cell whose file state lies near its low rest, written independently: a steep persistent Na channel
# and a delayed rectifier, GHK K and Cl leaks, an ohmic Na leak, a constant pump, water flow.
NEAR_LOW_REST = """
[model]
name = "bistable_cell"
temperature = "37 degC"

[membrane]
capacitance = "1 uF/cm^2"
area = "1000 um^2"
volume = "2000 um^3"
water_permeability = "1e-12 cm/s/Pa"

[ions.K]
valence = 1
inside = "140 mM"
outside = "4 mM"
permeability = "1e-6 cm/s"

[ions.Na]
valence = 1
inside = "10 mM"
outside = "145 mM"
conductance = "0.01 mS/cm^2"

[ions.Cl]
valence = -1
inside = "8 mM"
outside = "149 mM"
permeability = "1e-6 cm/s"

[channels.NaP]
ion = "Na"
conductance = "2 mS/cm^2"
units = { V = "mV", t = "ms" }

[channels.NaP.gates.m]
inf = "1/(1 + exp(-(V + 45)/3))"
tau = "1"

[channels.Kdr]
ion = "K"
conductance = "3 mS/cm^2"
units = { V = "mV", t = "ms" }

[channels.Kdr.gates.n]
inf = "1/(1 + exp(-(V + 15)/8))"
tau = "5"

[pump]
current = "0.5 uA/cm^2"
stoichiometry = { Na = 3, K = -2 }

[impermeant]
valence = -1
concentration = "142 mM"

[bath]
impermeant = "10 mM"
"""


def test_the_cell_is_followed_from_the_file_s_state_not_from_0_mv(tmp_path):
    """Its steady states, by mpmath's roots of the written-out equations (an independent script):
    -79.77543739428287 mV (stable), -61.00219286039868 mV (unstable), -1.597177427742435 mV (stable). The file's
    state is near the first (its current balance at -78.55 mV; SciPy's Radau from there settles at -79.7758 mV,
    keeping the file's charge). `vrest rest` started the run at the charge-difference potential of the given
    amounts, 0 mV, every gate open there, and said the cell went to the Na-loaded state."""
    path = tmp_path / "near_low.toml"
    path.write_text(NEAR_LOW_REST, encoding="utf-8")
    code, text, err = run_cli("rest", str(path), "--json")
    assert code == 0, err
    document = json.loads(text)
    assert [s["V"] for s in document["resting_states"]] == pytest.approx(
        [-79.77543739428287, -61.00219286039868, -1.597177427742435], abs=1e-8)
    assert document["from_start"]["kind"] == "rests"
    assert document["from_start"]["V"] == pytest.approx(-79.77543739428287, abs=1e-8)


# A cell written independently: ohmic leaks, a persistent Na channel and an inward rectifier, a constant
# pump, water flow; with NaP at 0.3 mS/cm^2 three steady states, with 3 mS/cm^2 the file's concentrations have no
# current balance that rises with V (its persistent Na current too strong there), but the full model still rests.
KIR_NAP = """
[model]
name = "bist"
temperature = "37 degC"

[membrane]
capacitance = "1 uF/cm^2"
area = "500 um^2"
volume = "1000 um^3"
water_permeability = "1e-12 m/(Pa s)"

[ions.K]
valence = 1
inside = "140 mM"
outside = "4 mM"
conductance = "0.02 mS/cm^2"

[ions.Na]
valence = 1
inside = "12 mM"
outside = "145 mM"
conductance = "0.005 mS/cm^2"

[ions.Cl]
valence = -1
inside = "10 mM"
outside = "149 mM"
conductance = "0.05 mS/cm^2"

[impermeant]
valence = -1
concentration = "142 mM"

[pump]
current = "0.5 uA/cm^2"
stoichiometry = { Na = 3, K = -2 }

[channels.NaP]
ion = "Na"
conductance = "0.3 mS/cm^2"
units = { V = "mV", t = "ms" }
[channels.NaP.gates.m]
inf = "1/(1 + exp(-(V + 50)/5))"
tau = "1"

[channels.K1]
ion = "K"
conductance = "0.5 mS/cm^2"
units = { V = "mV", t = "ms" }
open_fraction = "1/(1 + exp((V - E_K + 10)/12))"
"""


def test_a_cell_without_a_current_balance_at_its_file_state_still_has_its_steady_states(tmp_path):
    """NaP at 3 mS/cm^2: an independent steady-state solution (V from zero net charge, each ion's flux balance,
    the osmotic balance; brentq) gives -86.312249 mV (Vol 992.279 um^3, stable) and -79.923140 mV (Vol
    1003.447 um^3). volume_ss, tau_slow and tau_fast were "not applicable" and `vrest simulate` refused for the
    want of a current balance at the file's concentrations, which only --start given needs."""
    path = tmp_path / "strong_nap.toml"
    path.write_text(KIR_NAP.replace('conductance = "0.3 mS/cm^2"', 'conductance = "3 mS/cm^2"'), encoding="utf-8")
    code, text, err = run_cli("derive", str(path), "--json", "--quantity", "V_ss,volume_ss,tau_slow,tau_fast")
    assert code == 0, err
    quantities = json.loads(text)["quantities"]
    assert quantities["V_ss"]["value"] == pytest.approx([-86.312249, -79.923140], abs=1e-6)
    assert quantities["volume_ss"]["value"] == pytest.approx([992.279, 1003.447], abs=1e-3)
    assert set(quantities) == {"V_ss", "volume_ss", "tau_slow", "tau_fast"}
    code, text, err = run_cli("simulate", str(path), "--t-end", "1 s", "--json")
    assert code == 0, err
    assert json.loads(text)["states"]["V"]["values"][0] == pytest.approx(-86.312249, abs=1e-6)
    code, text, err = run_cli("simulate", str(path), "--t-end", "1 s", "--start", "given")
    assert code == 2 and "no given state to start from: the steady-state current (every gate at x_inf) has no " \
        "root where it rises with V" in err


def test_each_steady_state_s_volume_beyond_the_membrane_is_warned(tmp_path):
    """NaP at 0.3 mS/cm^2: steady states at -86.542923, -65.221765 and -4.381507 mV (that solution), the
    last swollen to 6302.83 um^3, more than the 1051.31 um^3 a sphere of 500 um^2 holds: warned, as the single
    steady state of a model is (the second and third were not)."""
    path = tmp_path / "kir_nap.toml"
    path.write_text(KIR_NAP, encoding="utf-8")
    code, _, err = run_cli("derive", str(path), "--quantity", "V_ss,volume_ss")
    assert code == 0
    assert err == ("vrest: warning: volume_ss (steady state 3 of 3) = 6302.83 um^3 is more than a membrane of area "
                   "500 um^2 can enclose (a sphere holds 1051.31 um^3): with its area fixed the cell would burst, or "
                   "have to add membrane, before it got there\n")
