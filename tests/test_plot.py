"""``vrest plot``: valid, deterministic PNGs whose data agree with independent computations."""

from __future__ import annotations

import json
import math
import sys

import mpmath
import numpy as np
import pytest

from vrest.codegen.cli.plot_figures import iv_data, pump_data
from vrest.derive.builtin import resolve_model
from vrest.derive.modelfile import model_from_dict
from tests.conftest import run_cli
from tests.test_pumpleak import G_NA, GAMMA, K_E, KEENER_SNEYD, NA_E, rt_over_f, scaled_p_max

R, F = mpmath.mpf("8.314462618"), mpmath.mpf("96485.33212")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_iv_plot_is_a_deterministic_png(tmp_path):
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    assert run_cli("plot", "neuron", "iv", "-o", str(first))[0] == 0
    assert run_cli("plot", "neuron", "iv", "-o", str(second))[0] == 0
    data = first.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000
    assert data == second.read_bytes()


def test_iv_data_are_the_ohmic_leaks():
    """neuron: I_X = g_X (V - E_X) with E_X = RT/(zF) ln(X_o/X_i), written out here; total vanishes at V_ss."""
    model = resolve_model("neuron")
    data = iv_data(model)
    p = {q.name: mpmath.mpf(q.value.p) / q.value.q for q in model.parameters}
    rtf = R * p["T"] / F
    for name, z in (("K", 1), ("Na", 1), ("Cl", -1)):
        e = rtf / z * mpmath.log(p[f"{name}_o"] / p[f"{name}_i"])
        assert data["E"][name] == pytest.approx(float(e * 1000), rel=1e-12)
        for k in (0, 100, 400):
            v = mpmath.mpf(data["V"][k]) / 1000
            expected = p[f"g_{name}"] * (v - e) * 100  # A/m^2 -> uA/cm^2
            assert data["currents"][name][k] == pytest.approx(float(expected), rel=1e-9, abs=1e-12)
    assert data["zero"][0] == "V_ss"
    assert np.interp(0.0, data["total"], data["V"]) == pytest.approx(data["zero"][1], abs=1e-9)


def test_pump_plot_data_follow_keener_sneyd(tmp_path, write_model):
    """Scaled K&S model: V = (RT/F) ln alpha(P) along the curve; pump_max at P_max = 14.2225."""
    model = model_from_dict(KEENER_SNEYD)
    data = pump_data(model, points=9)
    rtf = rt_over_f(model)
    assert data["pump_max"] == pytest.approx(float(scaled_p_max() * G_NA * rtf * 100), rel=1e-9)
    for rate, v in zip(data["rate"], data["V"]):
        p = mpmath.mpf(rate) / 100 / (G_NA * rtf)
        alpha = (NA_E * mpmath.exp(-3 * p) + K_E * mpmath.exp(2 * GAMMA * p)) / (NA_E + K_E)
        assert v == pytest.approx(float(1000 * rtf * mpmath.log(alpha)), rel=1e-4, abs=1e-3)
    path = tmp_path / "ks.png"
    assert run_cli("plot", str(write_model(KEENER_SNEYD)), "pump", "-o", str(path))[0] == 0
    assert path.read_bytes().startswith(PNG_SIGNATURE)


def test_missing_matplotlib_is_one_line_and_exit_2(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    code, out, err = run_cli("plot", "neuron", "iv", "-o", str(tmp_path / "x.png"))
    assert code == 2 and "matplotlib" in err and err.count("\n") == 1
    assert not (tmp_path / "x.png").exists()


def test_pump_plot_without_volume_says_why(tmp_path):
    code, _, err = run_cli("plot", "neuron", "pump", "-o", str(tmp_path / "x.png"))
    assert code == 2 and "volume" in err and err.count("\n") == 1


def test_pump_plot_of_a_model_without_a_pump_says_so(tmp_path):
    code, out, err = run_cli("plot", "hh", "pump", "-o", str(tmp_path / "x.png"))
    assert (code, out) == (2, "") and not (tmp_path / "x.png").exists()
    assert err == "vrest: error: cannot plot pump for hh: the model has no [pump] to vary\n"


def test_a_voltage_dependent_pump_is_a_curve_of_its_own(tmp_path, write_model):
    """A luo_rudy_1994 pump (0.75 uA/cm^2 x f_NaK(V), written out in tests/test_tau_fast.py) is drawn as I_pump(V)
    and counted in the total, which vanishes at V_ss (it was a traceback)."""
    from tests.test_tau_fast import NEURON_LR94, _lr94

    model = model_from_dict(NEURON_LR94)
    data = iv_data(model)
    assert data["pump_varies"]
    t, na_o = mpmath.mpf("310.15"), mpmath.mpf(145)
    for k in (0, 200, 400):
        v = mpmath.mpf(data["V"][k]) / 1000
        assert data["pump"][k] == pytest.approx(float(mpmath.mpf("0.75") * _lr94(v, t, na_o)), rel=1e-9)
    path = write_model(NEURON_LR94)
    v_ss = json.loads(run_cli("derive", str(path), "--quantity", "V_ss", "--json")[1])["quantities"]["V_ss"]["value"]
    assert np.interp(0.0, data["total"], data["V"]) == pytest.approx(v_ss, abs=1e-3)  # a 0.5 mV grid
    code, _, err = run_cli("plot", str(path), "iv", "-o", str(tmp_path / "lr94.png"))
    assert code == 0 and err == "", err
    assert (tmp_path / "lr94.png").read_bytes().startswith(PNG_SIGNATURE)


ODD_CELL = """
[model]
name = "odd_cell"
temperature = "4 degC"

[membrane]
capacitance = "2.5 uF/cm^2"
area = "500 um^2"
volume = "800 um^3"
water_permeability = "instant"

[ions.K]
valence = 1
inside = "100 mM"
outside = "2.5 mM"
conductance = "0.05 mS/cm^2"

[ions.Na]
valence = 1
inside = "20 mM"
outside = "110 mM"
permeability = "1e-8 cm/s"

[ions.Cl]
valence = -1
inside = "10 mM"
outside = "112.5 mM"
permeability = "1e-7 cm/s"

[ions.H]
valence = 1
reversal = "-20 mV"
conductance = "0.001 mS/cm^2"

[impermeant]
valence = -0.85
concentration = "129.4 mM"

[bath]
impermeant = "20 mM"

[pump]
max_current = "0.5 uA/cm^2"
K_half_Na = "10 mM"
K_half_K = "1.5 mM"
binding = "hill"
hill_Na = 1.5
hill_K = 1
stoichiometry = { Na = 3, K = -2 }
q10 = 2
q10_reference = "37 degC"
"""


def test_pump_rates_without_a_steady_state_are_said_not_dropped(tmp_path):
    """A current of fixed reversal (H, -20 mV) holds every steady state at V = E_H; with the pump weak the other
    ions cannot balance there, and those rates have no steady state: the figure leaves them out and says so."""
    from vrest.derive.errors import ModelWarning

    path = tmp_path / "odd.toml"
    path.write_text(ODD_CELL, encoding="utf-8")
    with pytest.warns(ModelWarning, match=r"no steady state found at 1 of the 3 pump rates \(0 to 0 uA/cm\^2\)"):
        data = pump_data(resolve_model(str(path)), points=2)
    assert len(data["rate"]) == 2 and min(data["rate"]) > 0


@pytest.mark.parametrize(("values", "scale"), [([1e-4, 0.0, 140.0], "log"),  # O'Hara-Rudy's cai to ki, CaMKt at 0
                                               ([3.7, 140.0], "linear"),  # within a hundredfold
                                               ([-1.0, 1e-4, 140.0], "linear"),  # a negative value: no log axis
                                               ([-1.5e-21, 1e-4, 140.0], "log")])  # but a solver's rounding of 0
def test_a_panel_of_amounts_past_a_hundredfold_is_on_a_log_axis(values, scale, tmp_path, monkeypatch):
    from vrest.codegen import plotting

    scales, limits, save = [], [], plotting.save_figure
    monkeypatch.setattr(plotting, "save_figure", lambda fig, *a, **k: (scales.extend(ax.get_yscale() for ax in fig.axes),
                                                                        limits.extend(ax.get_ylim() for ax in fig.axes),
                                                                        save(fig, *a, **k))[2])
    t = np.array([0.0, 1.0, 2.0])
    panels = [("V", [("V", "mV", np.array([-80.0, -70.0, -60.0]))]),
              ("concentration", [(f"c{k}", "mM", np.full(3, v)) for k, v in enumerate(values)])]
    plotting.plot_panels(t, panels, "test", tmp_path / "p.png")
    assert scales == ["linear", scale]
    if values[0] == -1.5e-21:  # the log axis from half the smallest value above rounding, not from a solver's 1e-80
        assert limits[1] == pytest.approx((0.5e-4, 280.0), rel=1e-12)


def _drawn(monkeypatch) -> list:
    """The axes of the next figure saved: (its y label, [(label, y values) of each line])."""
    from vrest.codegen import plotting

    drawn, save = [], plotting.save_figure

    def keep(fig, *args, **kwargs):
        drawn.extend((ax.get_ylabel(), [(line.get_label(), list(line.get_ydata())) for line in ax.get_lines()])
                     for ax in fig.axes)
        return save(fig, *args, **kwargs)

    monkeypatch.setattr(plotting, "save_figure", keep)
    return drawn


SPHERE = float(4 * mpmath.pi * 5 ** 3 / 3)  # um^3: pumpleak's area, 314.159 um^2, is a sphere's of radius 5 um


def test_a_volume_past_what_the_membrane_encloses_is_drawn_against_the_sphere(tmp_path, monkeypatch):
    """pumpleak after ouabain swells past the 523.6 um^3 a sphere of its membrane holds (after about 2 h): the text
    warned, the figure showed nothing of it. The volume panel draws the sphere's volume."""
    drawn = _drawn(monkeypatch)
    code, _, err = run_cli("simulate", "pumpleak", "--scenario", "ouabain", "--t-end", "3 h", "--plot",
                             str(tmp_path / "o.png"))
    assert code == 0, err
    assert f"(a sphere holds {SPHERE:.6g} um^3)" in err
    label, lines = drawn[-1]
    assert label == "volume (µm³)"
    (_, volume), (sphere, level) = lines[0], lines[-1]
    assert sphere == f"a sphere of the membrane's area: {SPHERE:.4g} µm³" and level == pytest.approx([SPHERE] * 2)
    assert max(volume) > SPHERE > volume[0]


def test_the_pump_figure_draws_and_warns_a_steady_volume_past_the_sphere(tmp_path, monkeypatch):
    """With the pump stopped, pumpleak's steady volume (2662 um^3) is more than its membrane encloses: `vrest derive`
    warns of such a volume, the pump figure drew it silently."""
    drawn = _drawn(monkeypatch)
    code, _, err = run_cli("plot", "pumpleak", "pump", "-o", str(tmp_path / "p.png"))
    assert code == 0, err
    label, lines = drawn[0]
    assert label == "steady volume (um^3)" and lines[-1][1] == pytest.approx([SPHERE] * 2)
    assert err == (f"vrest: warning: the steady volume at the pump rate 0 uA/cm^2 = {max(lines[0][1]):.6g} um^3 is "
                   f"more than a membrane of area 314.159 um^2 can enclose (a sphere holds {SPHERE:.6g} um^3): with "
                   "its area fixed the cell would burst, or have to add membrane, before it got there\n")


def test_a_gated_model_s_run_draws_its_gates_under_v(tmp_path, monkeypatch):
    """hh's action potential: V, and below it m, h and n (the fraction of each gate open) on a linear axis, the
    classic figure; the run's own values, each from 0 to 1, at rest where the gates sit at x_inf(V_rest) (the
    Hodgkin-Huxley rate functions written out: m 0.0529, h 0.5961, n 0.3177 at -65 mV)."""
    drawn = _drawn(monkeypatch)
    code, _, err = run_cli("simulate", "hh", "--scenario", "stimulus", "--t-end", "20 ms", "--plot",
                           str(tmp_path / "hh.png"))
    assert code == 0, err
    (v_label, _), (gates_label, lines) = drawn
    lines = [(label, values) for label, values in lines if not label.startswith("_")]  # not the steps' lines
    assert (v_label, gates_label) == ("V (mV)", "gates, fraction open")
    assert [label for label, _ in lines] == ["$m_{Na}$", "$h_{Na}$", "$n_{K}$"]
    v_rest = -64.99637933  # mV, hh's rest
    rates = {"m": (0.1 * (v_rest + 40) / (1 - math.exp(-(v_rest + 40) / 10)), 4 * math.exp(-(v_rest + 65) / 18)),
             "h": (0.07 * math.exp(-(v_rest + 65) / 20), 1 / (1 + math.exp(-(v_rest + 35) / 10))),
             "n": (0.01 * (v_rest + 55) / (1 - math.exp(-(v_rest + 55) / 10)), 0.125 * math.exp(-(v_rest + 65) / 80))}
    for (label, values), (a, b) in zip(lines, rates.values()):
        assert values[0] == pytest.approx(a / (a + b), rel=1e-6), label
        assert all(0 <= value <= 1 for value in values)
    assert max(lines[0][1]) > 0.95  # the spike opens m fully
