"""The ouabain analytics (jump, its time constant, end state) and the reduced (V slaved) model."""

from __future__ import annotations

import math

import pytest
import sympy as sp

from vrest.derive.builtin import resolve_model
from vrest.derive.constants import V
from vrest.derive.derivation import NotApplicable
from vrest.derive.errors import ModelWarning
from vrest.derive.derivations.ouabain import ouabain_report, rundown
from vrest.derive.derivations.reduced import reduced_model

R, F = 8.314462618, 96485.33212


def test_neuron_jump_is_i_pump_over_g_leak():
    # neuron.toml: I_pump 0.75 uA/cm^2, g = 0.1 + 0.015 + 0.035 mS/cm^2 -> 0.75/0.15 mV*... = 5 mV, tau 1/0.15 ms
    report = ouabain_report(resolve_model("neuron"))
    jump, tau = report.derivations[:2]
    assert jump.display_value == pytest.approx(0.75 / 0.15, rel=1e-12)
    assert tau.display_value == pytest.approx(1 / 0.15, rel=1e-12)  # C_m/g = 1 uF/cm^2 / 0.15 mS/cm^2 in ms
    assert "no concentration dynamics" in report.notes[0]


def test_pumpleak_rundown_ends_at_the_donnan_equilibrium_with_volume():
    model = resolve_model("pumpleak")
    report = ouabain_report(model)
    end = next(d for d in report.derivations if d.id == "V_end_ouabain")
    # Independent: permeant ions at one Nernst potential, K_i = K_o r, Na_i = Na_o r, Cl_i = Cl_o / r, and the
    # impermeant anions' concentration free (the volume adjusts): electroneutral C r - Cl_o/r - A = 0 and
    # isosmotic C r + Cl_o/r + A = C + Cl_o + B_o give r = (C + Cl_o + B_o)/(2 C).
    cations, cl_o, b_o = 3 + 142, 145, 10
    ratio = (cations + cl_o + b_o) / (2 * cations)
    expected = -R * 298.15 / F * math.log(ratio)
    assert end.value == pytest.approx(expected, rel=1e-3)  # the capacitor's charge makes the only difference
    assert any("Donnan equilibrium" in a for a in end.assumptions)
    assert not any("Donnan equilibrium" in note for note in report.notes)  # said once, under V_end_ouabain


def test_reduced_model_is_derived_and_close_to_the_full_one():
    model = resolve_model("pumpleak")
    reduced = reduced_model(model)
    assert V not in reduced.states and len(reduced.states) == 4
    total = model.expand(sp.Symbol("I_total", real=True)).xreplace(dict(model.algebraic))
    assert sp.simplify(reduced.constraint - total.xreplace(dict(model.algebraic))) == 0
    run = rundown(model)
    assert 0 < run.max_error < 1e-4  # below 0.1 mV after the fast transient
    assert run.t[-1] > 1e4


def test_reduced_model_needs_concentration_dynamics():
    with pytest.raises(NotApplicable, match="concentration dynamics"):
        reduced_model(resolve_model("squid"))


def test_ohmic_reduced_model_has_closed_form_v(write_model):
    from vrest.derive.modelfile import load_model

    data = {
        "model": {"name": "ohmic_cell", "temperature": "37 degC"},
        "membrane": {"capacitance": "1 uF/cm^2", "area": "1000 um^2", "volume": "2000 um^3"},
        "ions": {"K": {"valence": 1, "inside": "140 mM", "outside": "4 mM", "conductance": "0.1 mS/cm^2"},
                 "Na": {"valence": 1, "inside": "12 mM", "outside": "145 mM", "conductance": "0.01 mS/cm^2"}},
        "impermeant": {"concentration": "152 mM", "valence": -1},
    }
    with pytest.warns(ModelWarning, match=r"the bath is not electroneutral: K_o \+ Na_o = 149 mM against no anions"):
        model = load_model(write_model(data))
    reduced = reduced_model(model)
    assert reduced.V_closed is not None
    assert sp.simplify(reduced.constraint.xreplace({V: reduced.V_closed})) == 0
