"""vrest sensitivity (SALib) on cases with a known answer, and the sweep plots.

- E_K = (R T/F) ln(K_o/K_i) depends on K_o and K_i only: Na_o's indices are 0, and with K_o and K_i drawn
  evenly in ln over ranges of widths L_o and L_i it is additive in ln K_o and ln K_i, so
  S1 = ST = L^2/(L_o^2 + L_i^2) for each (a uniform variable's variance is L^2/12).
- Morris on the same: SALib takes each elementary effect over the key's range scaled to [0, 1], and
  E_K changes by (R T/F) ln(20/2) across ln K_o from 2 to 20 mM, linearly in ln K_o: so every effect is
  that, mu* = mu = (R T/F) ln 10 and sigma = 0.
- An additive function written here, y = 3 x1 + x2 on [0, 1]^2 evaluated without vrest: S1 = (9, 1)/10.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from conftest import run_cli
from test_sweep_imported import hh_rest
from vrest.codegen.sweep.indices import sensitivity
from vrest.derive.builtin import resolve_model

HH = str(Path(__file__).parent / "models" / "hodgkin_huxley_squid_axon_model_1952_modified.cellml")
RT_F_20C = 8.314462618 * 293.15 / 96485.33212 * 1000  # mV


def test_sobol_indices_of_an_additive_quantity():
    code, out, err = run_cli("sensitivity", "squid", "--vary", "ions.K.outside=2..20 mM log", "--vary",
                             "ions.K.inside=100..400 mM log", "--vary", "ions.Na.outside=300..500 mM",
                             "--quantity", "E_K", "--samples", "1024", "--json")
    assert code == 0, err
    document = json.loads(out)
    assert document["quantity"] == {"id": "E_K", "unit": "mV"} and document["evaluations"] == 1024 * 5
    indices = document["indices"]
    l_o, l_i = math.log(10), math.log(4)
    expected = {"ions.K.outside": l_o**2 / (l_o**2 + l_i**2), "ions.K.inside": l_i**2 / (l_o**2 + l_i**2),
                "ions.Na.outside": 0.0}
    for key, share in expected.items():
        for name in ("S1", "ST"):
            assert indices[key][name] == pytest.approx(share, abs=max(0.02, indices[key][f"{name}_conf"])), (key, name)
    assert indices["ions.Na.outside"]["ST"] == pytest.approx(0, abs=1e-12)  # E_K does not depend on it at all


def test_morris_elementary_effects_are_the_change_across_the_range():
    result = sensitivity(resolve_model("squid"), ["ions.K.outside=2..20 mM log", "ions.Na.outside=300..500 mM"],
                         "E_K", method="morris", samples=20)
    k_o, na_o = result.indices["ions.K.outside"], result.indices["ions.Na.outside"]
    across = RT_F_20C * math.log(10)
    assert k_o["mu_star"] == pytest.approx(across, rel=1e-9) and k_o["mu"] == pytest.approx(across, rel=1e-9)
    assert k_o["sigma"] == pytest.approx(0, abs=1e-9)
    assert na_o["mu_star"] == 0 and na_o["sigma"] == 0
    assert result.unit == "mV" and result.evaluations == 20 * 3


def test_sobol_of_a_function_written_here():
    model = resolve_model("squid")
    result = sensitivity(model, ["ions.K.outside=1..2 mM", "ions.Na.outside=1..2 mM"], "any", samples=4096,
                         evaluate=lambda x: 3 * (x[:, 0] - 1) + (x[:, 1] - 1))
    s1 = [result.indices[k]["S1"] for k in ("ions.K.outside", "ions.Na.outside")]
    np.testing.assert_allclose(s1, [0.9, 0.1], atol=0.02)


def test_a_quantity_missing_in_the_ranges_is_refused():
    code, out, err = run_cli("sensitivity", "pumpleak", "--vary", "pump=0..3", "--vary", "ions.K.outside=2..10 mM",
                             "--quantity", "pump_max", "--samples", "8")
    assert code == 2 and out == ""
    assert err.startswith("vrest: error: --quantity = 'pump_max': has no value at 32 of 32 points") and \
        err.strip().endswith("): narrow the ranges of --vary")


def test_a_key_varied_twice_or_two_keys_of_one_parameter_are_refused_before_any_point(monkeypatch):
    """SALib took them as two factors, one of which set nothing: an index of 0 for the factor on the pump, or,
    for one key given twice, SALib's traceback after the whole run. Refused as vrest sweep refuses them."""
    from vrest.codegen.sweep import indices

    monkeypatch.setattr(indices, "_evaluate", lambda *args: pytest.fail("a point was evaluated"))
    for vary, message in ((["pump=0..2", "pump.current=0..2 uA/cm^2"], "--vary = 'pump': sets the same "
                           "parameter (I_pump) as another --vary"),
                          (["ions.K.outside=2..20 mM", "ions.K.outside=3..30 mM"],
                           "--vary = 'ions.K.outside': varied twice")):
        code, out, err = run_cli("sensitivity", "squid", "--vary", vary[0], "--vary", vary[1], "--quantity", "V_ss",
                                 "--samples", "8")
        assert (code, out) == (2, "") and err == f"vrest: error: {message}\n"
    # one value under two names (A_i = N_A/Vol): the concentration's index was 0, its sweep's column had no effect
    tied = ("vrest: error: --vary = 'impermeant.amount': sets the same value as --vary impermeant.concentration (the "
            "impermeant amount N_A = A_i Vol): vary one of them\n")
    for command, ranges in (("sensitivity", ("100..150 mM", "10..20 fmol")), ("sweep", ("100, 150 mM", "10, 20 fmol"))):
        code, out, err = run_cli(command, "pumpleak", "--vary", f"impermeant.concentration={ranges[0]}", "--vary",
                                 f"impermeant.amount={ranges[1]}", "--quantity", "V_ss")
        assert (code, out, err) == (2, "", tied)


def test_a_voltage_range_without_the_rest_asks_for_a_wider_range():
    """HH rests near E_R = -75 mV for these conductances (hh_rest, the equations written out with mpmath): outside
    -60..60 mV at every point, which narrower --vary ranges cannot change."""
    for g_k in (30, 45):
        v, _, _, stable = hh_rest(g_k)
        assert stable and -80 < v < -70
    code, out, err = run_cli("sensitivity", HH, "--vary", "g_K=30..45 mS/cm^2", "--vary", "g_Na=100..140 mS/cm^2",
                             "--quantity", "V_rest", "--range", "-60..60mV", "--samples", "2", "--method", "morris")
    assert (code, out) == (2, "")
    assert err == ("vrest: error: --quantity = 'V_rest': has no value at 6 of 6 points of the ranges (no stable "
                   "resting state in the voltage range: the cell comes to rest outside it (6 points)): widen the "
                   "voltage range --range (now -60..60 mV) or narrow the ranges of --vary\n")


def test_the_progress_line_names_vrest_sensitivity(monkeypatch, capsys):
    from vrest.codegen.sweep import api

    labels = []

    class Recorded(api._Progress):
        def __init__(self, total, enabled):
            super().__init__(total, enabled)
            labels.append(self.label)

    monkeypatch.setattr(api, "_Progress", Recorded)
    assert run_cli("sensitivity", "squid", "--vary", "ions.K.outside=2..20 mM log", "--vary", "pump=0..2",
                   "--quantity", "V_ss", "--samples", "2", "--method", "morris")[0] == 0
    assert run_cli("sweep", "squid", "--vary", "pump=0..2 3", "--quantity", "V_ss")[0] == 0
    assert labels == ["vrest sensitivity", "vrest sweep"]
    shown = api._Progress(2, "vrest sensitivity")
    shown.start -= 2  # shown after the first second
    shown(2)
    assert capsys.readouterr().err.startswith("vrest sensitivity: 2 of 2 points (100%), ")


def test_progress_is_rewritten_in_place_on_a_terminal_and_written_as_lines_in_a_log(monkeypatch):
    """A log (stderr to a file or a pipe) got hundreds of carriage-return updates on one line: now one line at
    most every 10 s; a terminal keeps the line rewritten in place."""
    import io

    from vrest.codegen import progress as line

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    for stream, expected in ((io.StringIO(), "at 2\nat 14\n"), (Terminal(), "\rat 2   \rat 3   \rat 14   \rat 15   \n")):
        clock = iter([0.0, 2.0, 3.0, 14.0, 15.0])  # the start, then four updates (s)
        monkeypatch.setattr(line.time, "monotonic", lambda clock=clock: next(clock))
        monkeypatch.setattr(line.sys, "stderr", stream)
        shown = line.ProgressLine()
        for _ in range(4):
            if shown.due():
                shown.show(f"at {shown.now:g}")
        shown.done()
        assert stream.getvalue() == expected


def test_plots_are_written(tmp_path):
    one, two, bars = tmp_path / "one.png", tmp_path / "two.png", tmp_path / "bars.png"
    assert run_cli("sweep", "squid", "--vary", "ions.K.outside=1..400 mM log 30", "--quantity", "V_ss",
                   "--plot", str(one))[0] == 0
    assert run_cli("sweep", "squid", "--vary", "ions.K.outside=1..100 mM log 12", "--vary",
                   "ions.Na.permeability=1e-9..1e-7 cm/s log 10", "--quantity", "V_ss", "--plot", str(two))[0] == 0
    assert run_cli("sensitivity", "squid", "--vary", "ions.K.outside=2..20 mM log", "--vary", "pump=0..2",
                   "--quantity", "V_ss", "--samples", "64", "--plot", str(bars))[0] == 0
    import matplotlib.image

    for path in (one, two, bars):
        image = matplotlib.image.imread(path)
        assert image.shape[0] > 300 and image.shape[1] > 600


def test_the_same_command_gives_the_same_indices_and_intervals():
    """Deterministic output: the design and the bootstrap of the confidence intervals follow --seed (0 too)."""
    args = ["sensitivity", "squid", "--vary", "ions.K.outside=2..20 mM log", "--vary", "pump=0..2", "--quantity",
            "V_ss", "--samples", "64", "--json"]
    first, second = run_cli(*args), run_cli(*args)
    assert first[0] == 0 and first[1] == second[1]
    other = json.loads(run_cli(*args, "--seed", "1")[1])["indices"]
    assert other != json.loads(first[1])["indices"]


def test_sobol_samples_that_are_no_power_of_two_are_said_in_vrests_words():
    code, _, err = run_cli("sensitivity", "squid", "--vary", "ions.K.outside=2..20 mM log", "--vary", "pump=0..2",
                           "--quantity", "V_ss", "--samples", "100")
    assert code == 0
    assert err.splitlines()[0] == ("vrest: warning: --samples 100 is no power of 2: Sobol points keep their balance "
                                   "at a power of 2 (e.g. 64 or 128); the indices' intervals may be wider")
    assert "balance properties" not in err  # SciPy's own words, once shown raw


def test_a_log_axis_over_less_than_a_decade_is_labelled_in_plain_numbers():
    """Ko = 3..8 mM on a log axis: matplotlib labelled its minor ticks "3x10^0 4x10^0 ...", running into each other.
    Now "3", "4", ..., "8"; over two decades only the powers of ten are labelled."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from vrest.codegen.sweep.plot import _log_axis

    labels = []
    for low, high in ((3, 8), (1, 100)):
        fig, ax = plt.subplots()
        ax.plot([low, high], [0, 1])
        _log_axis(ax.xaxis)
        fig.canvas.draw()
        ticks = ax.xaxis.get_majorticklabels() + ax.xaxis.get_minorticklabels()
        shown = {float(t.get_text()) for t in ticks if t.get_text() and low <= t.get_position()[0] <= high}
        labels.append(sorted(shown))
        plt.close(fig)
    assert labels == [[3, 4, 5, 6, 7, 8], [1, 10, 100]]


def test_a_wider_voltage_range_is_advised_only_where_it_can_help():
    """Points whose every equilibrium is unstable got "widen the voltage range" (the reason's words hold "in the
    voltage range"), which cannot give them a rest; points with none in the range, or resting outside it, can."""
    from vrest.codegen.sweep.imported import load_imported
    from vrest.codegen.sweep.indices import _advice
    from vrest.codegen.sweep.runtime import NO_EQUILIBRIUM, NO_STABLE, OUTSIDE_RANGE, REASONS

    model = load_imported(HH)
    assert _advice(model, {REASONS[NO_STABLE]: 4}) == "narrow the ranges of --vary"
    for code in (NO_EQUILIBRIUM, OUTSIDE_RANGE):
        assert _advice(model, {REASONS[code]: 4}).startswith("widen the voltage range --range (now -150..60 mV)")


def test_a_heat_maps_cells_end_halfway_and_never_past_zero():
    """K_o = 1, 10.5, 20 mM: the cells end halfway between values, the outer ones as far out as the inner ones, but
    the first at 0 mM, not at -3.75 mM (matplotlib's own cells drew a K_o below 0); on a log axis halfway in log.
    A value that may be negative (a reversal potential, a temperature in degC above absolute zero) is not cut."""
    from types import SimpleNamespace

    from vrest.codegen.sweep.plot import _edges

    def axis(log=False, nonnegative=True, offset=0.0):
        return SimpleNamespace(log=log, nonnegative=nonnegative, si_scale=1.0, si_offset=offset)

    assert list(_edges(np.array([1.0, 10.5, 20.0]), axis())) == [0.0, 5.75, 15.25, 24.75]
    from_zero = _edges(np.array([0.0, 0.1, 0.2]), axis())  # a conductance from 0: its cell not from -0.05
    assert np.allclose(from_zero, [0.0, 0.05, 0.15, 0.25], rtol=1e-15, atol=0)
    assert list(_edges(np.array([0.0, 20.0, 40.0]), axis(nonnegative=False))) == [-10.0, 10.0, 30.0, 50.0]  # E_L
    assert list(_edges(np.array([0.0, 20.0, 40.0]), axis(offset=273.15))) == [-10.0, 10.0, 30.0, 50.0]  # degC
    assert np.allclose(_edges(np.array([1.0, 10.0, 100.0]), axis(log=True)), 10 ** np.array([-0.5, 0.5, 1.5, 2.5]))
    assert _edges(np.array([5.0, 1.0, 3.0]), axis()) is None  # listed out of order: matplotlib's cells


def test_a_reversal_potential_asked_for_is_drawn_once():
    """--quantity V_ss,E_K over K_o: E_K was drawn twice, as the quantity and as the dashed Nernst reference."""
    import types

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from vrest.codegen.sweep.plot import _nernst_lines

    x = np.array([1.0, 10.0, 100.0])
    memory = types.SimpleNamespace(values={"V_ss": np.array([-100.0, -60.0, -5.0])})
    drawn = []
    for group in ([("V_ss", "mV")], [("V_ss", "mV"), ("E_K", "mV")]):
        fig, ax = plt.subplots()
        _nernst_lines(ax, x, ("K", np.array([-120.0, -60.0, 0.0]), 61.5), group, memory, np.arange(3))
        drawn.append([line.get_label() for line in ax.get_lines()])
        plt.close(fig)
    assert drawn == [["E_K (Nernst)", "Nernst slope, 61.5 mV/decade"], ["Nernst slope, 61.5 mV/decade"]]


def test_a_scenario_sweeps_heat_map_draws_every_state(tmp_path, monkeypatch):
    """Two keys through pumpleak's ouabain scenario: a heat map of V alone was drawn, where the one-key figure shows
    every state and the docs promise one per quantity: V, K_i, Na_i, Cl_i and the volume, each at the last time."""
    from vrest.codegen.sweep import plot

    drawn = []
    monkeypatch.setattr(plot, "save_figure", lambda fig, path: drawn.append(
        [ax.get_title() for ax in fig.axes if ax.get_visible() and ax.get_title()]) or path)
    code, _, err = run_cli("sweep", "pumpleak", "--vary", "ions.K.outside=2..8 mM 3", "--vary", "pump=0.5..2 3",
                           "--scenario", "ouabain", "--times", "10 min", "--plot", str(tmp_path / "h.png"))
    assert code == 0, err
    assert drawn == [[f"{name} at t = 600 s" for name in ("V", "K_i", "Na_i", "Cl_i", "volume")]]
