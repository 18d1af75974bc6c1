"""Pump-leak steady volume and the critical pump rate against Keener & Sneyd's closed forms and Donnan algebra."""

from __future__ import annotations

import math

import mpmath
import pytest

from vrest.derive.builtin import resolve_model
from vrest.derive.constants import V
from vrest.derive.derivation import NoSteadyState, NotApplicable
from vrest.derive.modelfile import model_from_dict
from vrest.derive.derivations.pumpleak import steady_curve, steady_volume
from vrest.derive.quantities import Derivations
from vrest.derive.steady_state import steady_state

R, F = mpmath.mpf("8.314462618"), mpmath.mpf("96485.33212")

# Keener & Sneyd's scaled pump-leak model (Mathematical Physiology I, ch. 2; their code pump_leak1.m):
# Na_e = 437, K_e = 20 mM, Cl_e = Na_e + K_e, gamma = g_Na/g_K = 0.11, z = -1, ohmic leaks, constant pump,
# scaled pump rate P = I_pump / (g_Na R T / F).
NA_E, K_E, GAMMA = 437, 20, mpmath.mpf("0.11")
G_NA = mpmath.mpf("0.11")  # S/m^2 = 0.011 mS/cm^2; g_K = g_Na / 0.11 = 0.1 mS/cm^2
KEENER_SNEYD = {
    "model": {"name": "keener_sneyd", "temperature": "25 degC"},
    "membrane": {"capacitance": "1 uF/cm^2", "area": "1000 um^2", "volume": "1000 um^3",
                 "water_permeability": "1e-12 cm/s/Pa"},
    "ions": {
        "K": {"valence": 1, "inside": "400 mM", "outside": "20 mM", "conductance": "0.1 mS/cm^2"},
        "Na": {"valence": 1, "inside": "50 mM", "outside": "437 mM", "conductance": "0.011 mS/cm^2"},
        "Cl": {"valence": -1, "inside": "100 mM", "outside": "457 mM", "conductance": "0.11 mS/cm^2"},
    },
    "pump": {"current": "1 uA/cm^2", "stoichiometry": {"Na": 3, "K": -2}},
    "impermeant": {"concentration": "350 mM", "valence": -1},
}


def rt_over_f(model) -> mpmath.mpf:
    return R * mpmath.mpf(float(model.parameter("T").value)) / F


def scaled_p_max() -> mpmath.mpf:
    """K&S: alpha(P) = (Na_e e^-3P + K_e e^2gP)/(Na_e + K_e) = 1 at P_max (a root found here by mpmath)."""
    with mpmath.workdps(40):
        return mpmath.findroot(lambda p: NA_E * mpmath.exp(-3 * p) + K_E * mpmath.exp(2 * GAMMA * p) - NA_E - K_E,
                               mpmath.log(mpmath.mpf(NA_E + K_E) / K_E) / (2 * GAMMA))


def test_keener_sneyd_pump_max():
    model = model_from_dict(KEENER_SNEYD)
    pump_max = Derivations(model).get("pump_max")
    p_max = pump_max.value / (G_NA * rt_over_f(model))
    assert float(p_max) == pytest.approx(float(scaled_p_max()), rel=1e-9)
    assert float(p_max) == pytest.approx(14.2225, abs=1e-4)  # "a finite volume only for 0 < P < about 14.2"


def test_keener_sneyd_steady_state_against_closed_form():
    """z = -1: V = (RT/F) ln alpha and Vol = N_A / ((Na_e + K_e)(1 - alpha)) (K&S's mu = 1/(1 - alpha))."""
    model = model_from_dict(KEENER_SNEYD)
    rtf = rt_over_f(model)
    given = mpmath.mpf("0.01")  # A/m^2 = 1 uA/cm^2
    scales = [float(p * G_NA * rtf / given) for p in (1, 2, 5, 10)]
    n_a = float(model.parameter("N_A").value)
    for p, state in zip((1, 2, 5, 10), steady_curve(model, scales)):
        alpha = (NA_E * mpmath.exp(-3 * p) + K_E * mpmath.exp(2 * GAMMA * p)) / (NA_E + K_E)
        assert state[V] == pytest.approx(float(rtf * mpmath.log(alpha)), rel=1e-4)
        # The full model keeps the capacitor's charge; K&S's is electroneutral: agreement to ~1e-5.
        assert steady_volume(model, state) == pytest.approx(n_a / float((NA_E + K_E) * (1 - alpha)), rel=1e-4)


def test_no_steady_state_above_pump_max_and_finite_below():
    model = model_from_dict(KEENER_SNEYD)
    critical = float(scaled_p_max() * G_NA * rt_over_f(model) / mpmath.mpf("0.01"))
    below, above = steady_curve(model, [0.9 * critical, 1.1 * critical])
    assert below is not None and math.isfinite(steady_volume(model, below))
    assert above is None
    with pytest.raises(NoSteadyState):
        steady_state(model, pump_scale=0)  # salt-only bath: Donnan swelling without bound


def test_pumpleak_volume_and_ouabain_donnan_volume():
    """Builtin pumpleak: finite steady volume; after ouabain the bath solute gives a finite Donnan volume.

    Pump off, z = -1, monovalent salts c = Cl_o = K_o + Na_o, bath solute B: electroneutrality c r - c/r = A and
    osmotic balance c r + c/r + A = 2c + B give r = 1 + B/(2c), A = c (r - 1/r), Vol = N_A / A.
    """
    model = resolve_model("pumpleak")
    p = {q.name: mpmath.mpf(q.value.p) / q.value.q for q in model.parameters}
    volume = Derivations(model).get("volume_ss")
    assert volume.value == pytest.approx(steady_state(model)[model.parameter("Vol").symbol], rel=1e-12)
    c, b = p["Cl_o"], p["B_o"]
    r = 1 + b / (2 * c)
    donnan = steady_curve(model, [0.0, 0.25, 0.5])[0]
    # Tiny capacitive charge in the full model: agreement to ~1e-6.
    assert steady_volume(model, donnan) == pytest.approx(float(p["N_A"] / (c * (r - 1 / r))), rel=1e-5)
    assert donnan[V] == pytest.approx(float(-rt_over_f(model) * mpmath.log(r)), abs=1e-6)  # 1 uV
    assert 1e-16 < volume.value < 1e-15  # 179 um^3


def test_saturating_pump_has_no_pump_max():
    with pytest.raises(NotApplicable, match="saturating"):
        Derivations(resolve_model("pumpleak")).get("pump_max")


def test_models_without_volume_say_why():
    with pytest.raises(NotApplicable, match="volume"):
        Derivations(resolve_model("neuron")).get("volume_ss")
