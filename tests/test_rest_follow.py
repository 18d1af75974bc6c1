"""What `vrest rest` says of the cell from its start: the follow (derive.rest.follow) against independent runs."""

from __future__ import annotations

import json

from conftest import run_cli

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


def test_a_fast_spike_train_beside_a_stable_rest_is_named(tmp_path):
    """The equilibrium at -26.59687 mV is stable (eigenvalues -9.405 +- 80.34i /s), but from V = 20 mV (w at
    w_inf) the cell fires for ever: V between -51.9363 and 30.8068 mV, period 0.1027 s (SciPy's LSODA at rtol
    1e-10 on the equations written out, 584 spikes in 60 s). The follow used to spend its budget of rate
    evaluations on the spikes before its spans were 10 s long, and said nothing; 20 periods in one span whose
    swing has not died away count now."""
    path = tmp_path / "morris_lecar.toml"
    path.write_text(MORRIS_LECAR, encoding="utf-8")
    code, out, err = run_cli("rest", str(path), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["verdict"] == ("one stable resting state, at -26.60 mV; but from its start the cell does not come "
                                 "to rest: it oscillates, V between -51.94 mV and 30.81 mV (a limit cycle beside the "
                                 "stable state)")
