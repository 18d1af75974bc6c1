"""`vrest simulate --rtol/--atol`: the tolerances reach both solvers, are stated in the output, and a tighter
one gets closer to an independent reference.

The reference is the pump-leak model written out in test_simulate (GHK currents, saturating 3:2 pump, amount
balances, osmotic water flux) integrated by SciPy's Radau at rtol 1e-12 from the state vrest starts at.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from test_simulate import _textbook_pumpleak

from conftest import run_cli
from vrest.codegen.simulation.integrate import simulate
from vrest.derive.builtin import resolve_model
from vrest.derive.errors import ModelError

TIMES = np.array([0.0, 1e-3, 5e-3, 2e-2, 1.0, 60.0])  # the jump after ouabain (tau_m ~ 2 ms), then the rundown


@pytest.fixture(scope="module", autouse=True)
def _cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VREST_CACHE_DIR", str(tmp_path_factory.mktemp("vrest-cache")))
        yield


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    start = simulate(resolve_model("pumpleak"), "ouabain", [0.0]).y[:, 0]
    solution = solve_ivp(_textbook_pumpleak(False), (0, TIMES[-1]), start, method="Radau", t_eval=TIMES,
                         rtol=1e-12, atol=1e-14 * np.abs(start))
    assert solution.success
    return solution.y


def _errors(y: np.ndarray, reference: np.ndarray) -> tuple[float, float]:
    """(largest |V - V_ref| in mV, largest relative deviation of an amount or the volume)."""
    return (float(np.max(np.abs(y[0] - reference[0]))) * 1e3,
            float(np.max(np.abs(y[1:] / reference[1:] - 1))))


@pytest.mark.parametrize("solver", ["cvode", "scipy"])
def test_a_tighter_rtol_gets_closer_to_the_reference(reference, solver):
    model = resolve_model("pumpleak")
    errors = {}
    for rtol in (1e-6, 1e-8, 1e-10):
        result = simulate(model, "ouabain", TIMES, rtol=rtol, solver=solver)
        assert (result.rtol, result.atol) == (rtol, rtol / 100)
        assert result.solver == {"cvode": "CVODE BDF", "scipy": "SciPy LSODA"}[solver]
        errors[rtol] = _errors(result.y, reference)
    volts = [errors[r][0] for r in (1e-6, 1e-8, 1e-10)]
    relative = [errors[r][1] for r in (1e-6, 1e-8, 1e-10)]
    assert volts[0] > volts[1] > volts[2] and relative[0] > relative[1] > relative[2]
    assert volts[2] < volts[1] / 10 and volts[2] < 1e-6  # the cross-check's criterion: 1e-6 mV
    assert volts[1] < 1e-4 and relative[1] < 1e-5  # the default: as the documentation states


@pytest.mark.parametrize("solver", ["cvode", "scipy"])
def test_atol_reaches_the_solver(reference, solver):
    """At rtol 1e-10 an atol of 1e-3 of each state's size (0.09 mV for V) dominates: the run is far worse."""
    model = resolve_model("pumpleak")
    tight = simulate(model, "ouabain", TIMES, rtol=1e-10, atol=1e-12, solver=solver)
    loose = simulate(model, "ouabain", TIMES, rtol=1e-10, atol=1e-3, solver=solver)
    assert loose.atol == 1e-3
    assert _errors(loose.y, reference)[0] > 100 * _errors(tight.y, reference)[0]


def test_the_json_output_states_the_tolerances():
    code, out, err = run_cli("simulate", "pumpleak", "--scenario", "ouabain", "--times", "0 s,1 ms", "--json")
    assert code == 0, err
    assert json.loads(out)["solver"]["rtol"] == 1e-8 and json.loads(out)["solver"]["atol"] == 1e-10
    code, out, err = run_cli("simulate", "pumpleak", "--scenario", "ouabain", "--times", "0 s,1 ms", "--json",
                             "--rtol", "1e-11", "--atol", "1e-12")
    assert code == 0, err
    solver = json.loads(out)["solver"]
    assert (solver["rtol"], solver["atol"]) == (1e-11, 1e-12) and solver["method"] in ("CVODE BDF", "SciPy LSODA")


def test_the_reduced_model_takes_the_tolerances_too():
    code, out, err = run_cli("simulate", "pumpleak", "--scenario", "ouabain", "--times", "0 s,1 h", "--json",
                             "--reduced")
    assert code == 0, err
    default = json.loads(out)
    assert (default["solver"]["rtol"], default["solver"]["atol"]) == (1e-10, 1e-12)
    code, out, err = run_cli("simulate", "pumpleak", "--scenario", "ouabain", "--times", "0 s,1 h", "--json",
                             "--reduced", "--rtol", "1e-6")
    assert code == 0, err
    loose = json.loads(out)
    assert (loose["solver"]["rtol"], loose["solver"]["atol"]) == (1e-6, 1e-8)
    v_default, v_loose = (document["states"]["V"]["values"][-1] for document in (default, loose))
    assert v_loose != v_default and v_loose == pytest.approx(v_default, abs=1e-2)  # mV


@pytest.mark.parametrize("option, value, needle", [
    ("--rtol", "0", "must be positive, within 1e-15 to 0.1"),
    ("--rtol", "1e-16", "outside the allowed range 1e-15 to 0.1"),
    ("--rtol", "0.5", "outside the allowed range 1e-15 to 0.1"),
    ("--rtol", "nan", "expected a number from 1e-15 to 0.1"),
    ("--atol", "inf", "expected a number from 1e-15 to 0.1"),
    ("--atol", "-1e-9", "must be positive"),
    ("--atol", "1e-8 mV", "expected a number"),
    ("--rtol", "1" * 50, "more than the 40 allowed"),
], ids=["zero", "too-small", "too-large", "nan", "inf", "negative", "unit", "long"])
def test_nonsense_tolerances_are_refused_in_one_line(option, value, needle):
    code, out, err = run_cli("simulate", "pumpleak", "--times", "0 s,1 ms", f"{option}={value}")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith(f"vrest: error: {option} = ") and needle in err


def test_the_library_refuses_them_too():
    with pytest.raises(ModelError, match="--rtol = 0.0: must be positive"):
        simulate(resolve_model("neuron"), None, [0.0, 1e-3], rtol=0.0)
    with pytest.raises(ModelError, match="--atol = 'tight': expected a number"):
        simulate(resolve_model("neuron"), None, [0.0, 1e-3], atol="tight")
