"""What `vrest rest` says of the cell from its start: the follow (derive.rest.follow) against independent runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli
from vrest.codegen.cli.rest_cmd import resting_report
from vrest.derive.limits import UnusualValueWarning
from vrest.derive.rest import DEFAULT_RANGE

# Morris-Lecar with Rinzel & Ermentrout's parameters and an applied 90 uA/cm^2 folded into the leak's reversal
# (-60 + 90/2 = -15 mV): a subcritical Hopf, where a stable rest lies beside a stable limit cycle.
MORRIS_LECAR = """
[model]
name = "morris_lecar"
temperature = "25 degC"

[membrane]
capacitance = "20 uF/cm^2"
initial_potential = "20 mV"

[channels.Ca]
reversal = "120 mV"
conductance = "4.4 mS/cm^2"
units = { V = "mV", t = "ms" }
open_fraction = "1/(1 + exp(-2*(V + 1.2)/18))"

[channels.K]
reversal = "-84 mV"
conductance = "8 mS/cm^2"
units = { V = "mV", t = "ms" }

[channels.K.gates.w]
inf = "1/(1 + exp(-2*(V - 2)/30))"
tau = "2/(0.04*(exp((V - 2)/60) + exp(-(V - 2)/60)))"

[channels.L]
reversal = "-15 mV"
conductance = "2 mS/cm^2"
"""


@pytest.mark.parametrize("compiled_from_states", [1, 10**9], ids=["compiled, CVODE", "SymPy, SciPy"])
def test_a_fast_spike_train_beside_a_stable_rest_is_named(compiled_from_states, tmp_path):
    """The equilibrium at -26.59687 mV is stable (eigenvalues -9.405 +- 80.34i /s), but from V = 20 mV (w at
    w_inf) the cell fires for ever: V between -51.936448 and 30.807465 mV, period 0.1027 s (SciPy's DOP853 at rtol
    1e-13 on the equations written out, the extremes of its interpolant over 20..30 s). The follow used to spend its
    budget of rate evaluations on the spikes before its spans were 10 s long, and said nothing; 20 periods in one
    span whose swing has not died away count now. The run is in compiled code under CVODE (a model `vrest rest`
    compiles) or SciPy's LSODA (one it evaluates with SymPy's lambdify, as this 2-state model): both see the
    swing, every step of theirs watched."""
    path = tmp_path / "morris_lecar.toml"
    path.write_text(MORRIS_LECAR, encoding="utf-8")
    with pytest.warns(UnusualValueWarning, match="20 uF/cm"):  # Morris and Lecar's barnacle muscle fibre
        report = resting_report(str(path), DEFAULT_RANGE, compiled_from_states=compiled_from_states)
    assert report.verdict == ("one stable resting state, at -26.60 mV; but from its start the cell does not come to "
                              "rest: it oscillates, V between -51.94 mV and 30.81 mV (a limit cycle beside the stable "
                              "state)")
    fate = report.from_start
    assert fate.low * 1e3 == pytest.approx(-51.936448, abs=3e-4)
    assert fate.high * 1e3 == pytest.approx(30.807465, abs=3e-4)


def test_the_run_from_the_start_does_not_depend_on_the_range():
    """Noble 1962's swing from its start was 23.367073 mV over the default range, 23.367066 over -100..-90 mV: the
    run's tolerance for V was taken from the range's size. It is the default range's now."""
    model = str(Path(__file__).parent / "models" / "noble_model_1962.cellml")
    runs = [json.loads(run_cli("rest", model, "--json", *extra)[1])["from_start"]
            for extra in ((), ("--range", "-100..-90mV"), ("--range", "-40..-35mV"))]
    assert runs[0]["kind"] == "oscillates" and runs[1] == runs[0] and runs[2] == runs[0]
