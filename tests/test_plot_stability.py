"""`vrest plot MODEL iv` marks which resting states are stable; the model and the kind swapped get a hint."""

from __future__ import annotations

import pytest

from conftest import run_cli
from test_several_rests import IK1_MODEL, _current, _roots


def test_iv_marks_the_unstable_equilibrium(write_model):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from vrest.codegen.cli.plot_figures import figure_iv, iv_data
    from vrest.derive.modelfile import load_model

    model = load_model(write_model(IK1_MODEL))
    roots = [v for v in _roots() if v < 0.06]  # the range resting states are looked for in
    data = iv_data(model)
    assert data["zeros"] == pytest.approx([v * 1e3 for v in roots], abs=1e-6)
    assert data["stable"] == [_current(v + 1e-7) > _current(v - 1e-7) for v in roots] == [True, False]
    fig = figure_iv(plt, model)
    lines = {line.get_label(): line.get_linestyle() for line in fig.axes[0].get_lines()}
    plt.close(fig)
    assert lines[f"V_ss = {roots[0] * 1e3:.2f} mV"] == "-"
    assert lines[f"V_ss = {roots[1] * 1e3:.2f} mV (unstable)"] == "--"


def test_swapped_arguments_get_a_hint():
    code, out, err = run_cli("plot", "iv", "hh")
    assert code == 2 and out == ""
    assert err == "vrest: error: plot = 'hh': expected iv or pump after the model; did you mean `vrest plot hh iv`?\n"
