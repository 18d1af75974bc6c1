"""Where a run starts and what vrest says of it: `vrest simulate FILE --start steady|given|V` on a bistable cell,
`vrest rest --start component.name=VALUE`, a state without an initial value, a start whose run fails.

The bistable cell is dV/dt = -(V - E_low)(V - E_mid) V / (s^2 tau): equilibria at E_low = -80 mV and 0 mV (stable:
the slope of the rate there is -3200 /s) and at E_mid = -40 mV (unstable, +1600 /s), by algebra; from V = -50 mV
the cell falls to -80 mV, from -20 mV it rises to 0 mV (the sign of the rate between the roots).
"""

from __future__ import annotations

import json

import pytest
from conftest import run_cli

BISTABLE = '''<?xml version="1.0"?>
<model xmlns="http://www.cellml.org/cellml/1.0#" xmlns:cellml="http://www.cellml.org/cellml/1.0#" name="bistable">
<units name="mV"><unit units="volt" prefix="milli"/></units>
<units name="ms"><unit units="second" prefix="milli"/></units>
<component name="membrane">
  <variable name="time" units="ms"/>
  <variable name="V" units="mV"{start}/>
  <variable name="E_low" units="mV" initial_value="{low}"/>
  <variable name="E_mid" units="mV" initial_value="{mid}"/>
  <variable name="s" units="mV" initial_value="10"/>
  <variable name="tau" units="ms" initial_value="10"/>
  <math xmlns="http://www.w3.org/1998/Math/MathML">
    <apply><eq/><apply><diff/><bvar><ci>time</ci></bvar><ci>V</ci></apply>
      <apply><divide/>
        <apply><times/><cn cellml:units="dimensionless">-1</cn>
          <apply><divide/><apply><minus/><ci>V</ci><ci>E_low</ci></apply><ci>s</ci></apply>
          <apply><divide/><apply><minus/><ci>V</ci><ci>E_mid</ci></apply><ci>s</ci></apply>
          <ci>V</ci></apply>
        <ci>tau</ci></apply></apply>
  </math>
</component>
</model>
'''


@pytest.fixture(scope="module")
def bistable(tmp_path_factory):
    path = tmp_path_factory.mktemp("bistable") / "bistable.cellml"
    path.write_text(BISTABLE.format(start=' initial_value="-50"', low=-80, mid=-40))
    return str(path)


def _first_v(*args: str) -> float:
    """V (mV) at the first time of `vrest simulate ARGS --json`."""
    code, out, err = run_cli("simulate", *args, "--t-end", "1 ms", "--json")
    assert code == 0 and err == "", err
    return json.loads(out)["states"]["V"]["values"][0]


def test_the_bistable_cell_has_its_three_equilibria(bistable):
    code, out, err = run_cli("rest", bistable)
    assert code == 0 and err == ""
    assert out.splitlines()[1] == ("2 stable resting states (the model is bistable): at -80.00 mV, 0.00 mV; unstable "
                                   "equilibrium at -40.00 mV; from its start the cell comes to rest at -80.00 mV")
    document = json.loads(run_cli("rest", bistable, "--json")[1])
    assert [s["V"] for s in document["resting_states"]] == pytest.approx([-80, -40, 0], abs=1e-9)
    assert [s["eigenvalues"]["values"][0][0] for s in document["resting_states"]] == pytest.approx([-3200, 1600, -3200])


@pytest.mark.parametrize(("start", "v0"), [
    ("steady", -80.0),  # where the cell comes to from its start, -50 mV
    ("given", -50.0),
    ("-5 mV", 0.0),  # the stable state nearest
    ("-45 mV", -80.0),
    ("-0.001 V", 0.0),
    ("-5mV", 0.0),  # without the space: a value, not an option
])
def test_simulate_starts_where_asked(bistable, start, v0):
    assert _first_v(bistable, "--start", start) == pytest.approx(v0, abs=1e-9)


def test_steady_is_where_the_cell_goes_from_the_file_start(tmp_path):
    path = tmp_path / "bistable_high.cellml"
    path.write_text(BISTABLE.format(start=' initial_value="-20"', low=-80, mid=-40))
    assert _first_v(str(path), "--start", "steady") == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("start", ["x", "-20 V", "5"])
def test_a_start_that_is_no_choice_and_no_potential_is_refused(bistable, start):
    code, out, err = run_cli("simulate", bistable, "--start", start, "--t-end", "1 ms")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith(f"vrest: error: --start = {start!r}: steady, given, or a potential with its unit")


def test_a_pacemaker_has_no_stable_state_to_start_from():
    code, out, err = run_cli("simulate", "tests/models/noble_model_1962.cellml", "--start", "-40 mV")
    assert code == 2 and out == ""
    assert err.startswith("vrest: error: --start = '-40 mV': noble_model_1962.cellml has no stable resting state to "
                          "start from (no stable resting state: this model oscillates (pacemaker)")


def test_a_run_at_rest_says_so_once():
    code, out, _ = run_cli("simulate", "tests/models/luo_rudy_1991.cellml", "--t-end", "1 s")
    assert code == 0
    v = float(out.splitlines()[1].split()[1])  # the first row's V, at the rest (-84.5478 mV)
    assert out.splitlines()[-1].startswith(f"(21 of the run's 401 times shown, V is {v:g} mV at all 401 (to 6 "
                                           "digits); the run's times are up to 2.5 ms apart")


def test_a_vrest_model_takes_no_potential_as_its_start():
    code, out, err = run_cli("simulate", "neuron", "--start", "-70 mV")
    assert code == 2 and out == ""
    assert err.startswith("vrest: error: --start = '-70 mV': steady or given for vrest's own models")


def test_a_narrowed_range_with_one_stable_state_says_where_it_looked(bistable):
    _, out, _ = run_cli("rest", bistable, "--range", "-100..-60mV")
    assert out.splitlines()[1] == "one stable resting state between -100.00 mV and -60.00 mV, at -80.00 mV"


def test_a_narrowed_range_names_the_rest_outside_it_that_the_cell_comes_to(bistable):
    """Over -10..10 mV only the stable state at 0 mV lies inside; the cell, from -50 mV, comes to -80 mV. The rest
    it comes to was not sought (only where nothing stable lay inside), and the verdict said that after 27.8 h the
    cell had not reached 0 mV, "moving by -0 mV/h"."""
    code, out, err = run_cli("rest", bistable, "--range", "-10..10 mV", "--json")
    assert code == 0 and err == ""
    document = json.loads(out)
    assert document["verdict"] == ("one stable resting state between -10.00 mV and 10.00 mV, at 0.00 mV; from its "
                                   "start the cell comes to rest at -80.00 mV, outside the range")
    assert document["from_start"]["kind"] == "rests" and document["rest_outside_range"] == pytest.approx(-80, abs=1e-9)


def test_a_rest_beyond_the_default_range_is_where_the_cell_comes_to(tmp_path):
    """Stable states at -200 mV and 0 mV, the unstable one at -100 mV, the start at -150 mV: the cell falls to
    -200 mV, which no search over -150..60 mV finds; the run from the start ends beside it and Newton from there
    names it (it was said to drift)."""
    path = tmp_path / "beyond.cellml"
    path.write_text(BISTABLE.format(start=' initial_value="-150"', low=-200, mid=-100))
    code, out, err = run_cli("rest", str(path), "--json")
    assert code == 0 and err == ""
    document = json.loads(out)
    assert [s["V"] for s in document["resting_states"]] == pytest.approx([-100, 0], abs=1e-9)
    assert document["from_start"]["kind"] == "rests" and document["from_start"]["V"] == pytest.approx(-200, abs=1e-9)
    assert document["verdict"] == ("one stable resting state, at 0.00 mV; unstable equilibrium at -100.00 mV; from "
                                   "its start the cell comes to rest at -200.00 mV, outside the range")


def test_start_takes_component_dot_name(bistable):
    short = run_cli("rest", bistable, "--start", "V=-20 mV")
    qualified = run_cli("rest", bistable, "--start", "membrane.V=-20 mV")
    assert qualified == short and short[0] == 0
    assert short[1].splitlines()[1].endswith("from its start the cell comes to rest at 0.00 mV")
    code, out, err = run_cli("rest", bistable, "--start", "membrane.W=-20 mV")
    assert code == 2 and out == "" and err.startswith("vrest: error: --start membrane.W = '-20 mV': not a state of model bistable")


def test_a_state_without_initial_value_starts_at_0_and_is_named(tmp_path):
    path = tmp_path / "no_start.cellml"
    path.write_text(BISTABLE.format(start="", low=-80, mid=-40))
    code, out, err = run_cli("rest", str(path))
    assert code == 0
    assert err == ("vrest: warning: no_start.cellml: no initial value in the file for the state membrane.V: 0 is "
                   "taken as its start (vrest rest --start NAME=VALUE gives another)\n")
    _, out, _ = run_cli("simulate", str(path), "--start", "given", "--t-end", "1 ms", "--json")
    assert json.loads(out)["states"]["V"]["values"][0] == 0.0


def test_a_start_whose_run_fails_says_so():
    """Luo-Rudy 1991 at -2000 mV (the lowest start vrest takes): CVODE fails in its first step; the equilibria are
    still found (LR91's rest, -84.55 mV, as tests/test_import_rest.py checks against a long run)."""
    code, out, err = run_cli("rest", "tests/models/luo_rudy_1991.cellml", "--start", "V=-2000 mV")
    assert code == 0 and err == ""  # no NumPy overflow warning
    assert out.splitlines()[1].startswith("one stable resting state, at -84.55 mV; the run from its start stopped at "
                                          "t = 0 s of model time (CVODE returned CV_")
    assert out.splitlines()[1].endswith("so where the cell goes from there is not known")
    code, out, err = run_cli("rest", "tests/models/luo_rudy_1991.cellml", "--start", "V=-2000 mV", "--json")
    document = json.loads(out)
    stopped = document["from_start_stopped"]
    assert code == 0 and document["from_start"] is None and stopped["t"] == {"unit": "s", "value": 0.0}
    assert stopped["why"].startswith("CVODE returned CV_") and stopped["below_zero"] is None
    assert f"({stopped['why']})" in document["verdict"]
    code, out, err = run_cli("rest", "hh", "--start", "V=-2000 mV")  # SymPy's rates, SciPy's LSODA
    assert code == 0 and err == ""
    assert "; the run from its start stopped at t = " in out and "(SciPy's LSODA failed: " in out


STRONG_PUMP = {
    "model": {"name": "strongpump", "temperature": "37 degC"},
    "membrane": {"capacitance": "1 uF/cm^2", "area": "1000 um^2", "volume": "2000 um^3"},
    "ions": {"K": {"valence": 1, "inside": "140 mM", "outside": "4 mM", "permeability": "1e-6 cm/s"},
             "Na": {"valence": 1, "inside": "12 mM", "outside": "145 mM", "permeability": "4e-8 cm/s"},
             "Cl": {"valence": -1, "inside": "10 mM", "outside": "149 mM", "permeability": "1e-7 cm/s"}},
    "pump": {"current": "3 uA/cm^2", "stoichiometry": {"Na": 3, "K": -2}},
    "impermeant": {"valence": -1, "concentration": "142 mM"},
}


def _na_runs_out() -> float:
    """When N_Na reaches 0 from the start `vrest rest` follows, by SciPy's Radau on the GHK leaks and the constant
    3:2 pump written out here (SI), an event at N_Na = 0. The start: V at the root of the current balance at the
    file's concentrations (brentq), with no net charge beyond the capacitor's: the inside is electroneutral, so the
    capacitor's charge C_m A V comes off the K+ inside (the most abundant ion)."""
    import numpy as np
    from scipy.integrate import solve_ivp
    from scipy.optimize import brentq

    f, r, t = 96485.33212, 8.314462618, 310.15
    c_m, area, vol, pump = 1e-2, 1000e-12, 2000e-18, 3e-2
    permeability, valence, outside = (1e-8, 4e-10, 1e-9), (1, 1, -1), (4.0, 145.0, 149.0)

    def rates(_, y):
        v, *amounts = y
        currents = []
        for p, z, c_o, n in zip(permeability, valence, outside, amounts):
            u = z * f * v / (r * t)
            currents.append(p * z * f * (n / vol - c_o * np.exp(-u)) * (u / -np.expm1(-u) if u else 1.0))
        i_k, i_na, i_cl = currents
        return [-(i_k + i_na + i_cl + pump) / c_m, -area * (i_k - 2 * pump) / f, -area * (i_na + 3 * pump) / f,
                area * i_cl / f]

    def emptied(_, y):
        return y[2]

    emptied.terminal = True
    given = [140 * vol, 12 * vol, 10 * vol]
    v0 = brentq(lambda v: rates(0.0, [v, *given])[0], -0.2, 0.1, xtol=1e-15)
    start = [v0, given[0] + c_m * area * v0 / f, *given[1:]]
    run = solve_ivp(rates, (0.0, 100.0), start, method="Radau", rtol=1e-11, atol=[1e-9, 1e-22, 1e-22, 1e-22],
                    events=emptied)
    return float(run.t_events[0][0])


def test_an_amount_that_runs_out_is_timed_where_it_reaches_0(write_model):
    """A pump too strong for its leaks empties the cell of Na+: the run from the start is timed where N_Na reaches
    0 (it was the end of the solver's step past it, 36.96 s against 34.34 s)."""
    path = write_model(STRONG_PUMP)
    code, out, _ = run_cli("rest", str(path), "--json")
    stopped = json.loads(out)["from_start_stopped"]
    assert code == 0 and stopped["below_zero"] == "N_Na" and stopped["why"] == "N_Na falls to 0"
    reference = _na_runs_out()
    assert stopped["t"]["value"] == pytest.approx(reference, rel=1e-6)  # the rates by SymPy, the run by LSODA
    # the compiled module under CVODE, as a larger model runs: it sees N_Na below 0 at a step's end, and times
    # the crossing within that step
    from vrest.codegen.cli.rest_cmd import resting_report
    from vrest.derive.rest import DEFAULT_RANGE

    fate = resting_report(str(path), DEFAULT_RANGE, compiled_from_states=0).from_start
    assert fate.kind == "unknown" and fate.t == pytest.approx(reference, rel=1e-6)


def test_a_file_with_net_charge_inside_is_told_and_its_start_is_neutral(write_model):
    """22 mM of net charge inside: `vrest rest` warns as derive does, and lets no NumPy warning through.
    Its start has no net charge beyond the capacitor's: it started at V = +212 V (the charge-difference potential)
    and said the run's state left the finite numbers; it starts at the current-balance root now, the charge off
    the K+ inside, and the run from there goes on."""
    data = {**STRONG_PUMP, "pump": {"current": "0.1 uA/cm^2", "stoichiometry": {"Na": 3, "K": -2}},
            "impermeant": {"valence": -1, "concentration": "120 mM"}}
    code, out, err = run_cli("rest", str(write_model(data)), "--json")
    assert code == 0 and err.count("vrest: warning: ") == 1 and "carries +22 mM of net charge" in err
    document = json.loads(out)
    (law,) = document["conserved"]  # N_K + N_Na - N_Cl - C_m A V/F = N_A, 120 mM x 2000 um^3: no net charge
    assert law["value"] == pytest.approx(240.0, rel=1e-12)
    stopped = document["from_start_stopped"]
    assert stopped is None or (stopped["why"] != "the state left the finite numbers" and stopped["t"]["value"] > 1)


def test_a_state_that_overflows_is_said_plainly():
    """LSODA returns "success" with states that are no finite numbers where the rates overflow (a GHK cell started
    at V = +212 V, where exp(zFV/RT) has no double): the run says the state left the finite numbers, and when
    (it quoted LSODA's "successfully reached the end of the integration interval")."""
    import numpy as np

    from vrest.derive.rest.bound import Bound
    from vrest.derive.rest.evaluator import LambdifyEvaluator, prepare
    from vrest.derive.rest.follow import follow
    from vrest.derive.rest.loader import load_model_and_system
    from vrest.derive.rest.prepared_problem import rest_problem

    _, system = load_model_and_system("squid")
    problem = rest_problem(prepare(system, None), None)
    y0 = np.array(problem.start, dtype=float)
    y0[problem.voltage] = 212.0
    fate = follow(Bound(LambdifyEvaluator(prepare(system, None)), problem.p), y0, [], np.ones(len(y0)),
                  problem.voltage)
    assert fate.kind == "unknown" and fate.why == "the state left the finite numbers" and 0 <= fate.t < 1e-3


def test_the_time_of_a_rest_reached_is_written_without_rounding_noise():
    code, out, _ = run_cli("rest", "tests/models/luo_rudy_1991.cellml", "--start", "V=-500 mV", "--json")
    fate = json.loads(out)["from_start"]
    assert code == 0 and fate["kind"] == "rests" and fate["t"] == {"unit": "s", "value": 0.3}  # 0.1 s, then 0.2 s
