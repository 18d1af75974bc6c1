"""pump_max with ohmic leaks and a saturating pump: the finite volumes end only where Na_i is below a particle.

Written out on paper for the cell below (ohmic K, Na and Cl leaks, a 3:2 pump of current J, a bath of
300 mM osmolarity with Cl_o = 145 mM): where the steady volume grows without bound the impermeant
concentration falls to 0, so the inside is a neutral salt solution isosmotic with the bath,

    K_i + Na_i = Cl_i,  K_i + Na_i + Cl_i = 300 mM   ->  Cl_i = 150 mM,  V = E_Cl = RT/F ln(150/145),

and each leak balances its pump share: g_K (V - E_K) = 2 J, g_Na (V - E_Na) = -3 J, so with K_i + Na_i =
150 mM (Na_i negligible) J = g_K (V - RT/F ln(3/150))/2 and Na_i = Na_o exp(-(V + 3 J/g_Na) F/(RT)):
about 1e-75 mM, far below the 1e-15 mM (less than one particle in a nanolitre) at which vrest refuses a
concentration. The saturating pump's I_max there (~1e228 uA/cm^2) only measures how small that is:
pump_max is "none", as it is when the rate would overflow.
"""

from __future__ import annotations

import math

import mpmath
import pytest

from vrest.codegen.sweep import sweep
from vrest.codegen.sweep.runtime import CONCENTRATION_FLOOR
from vrest.derive.derivation import NotApplicable
from vrest.derive.derivations.pump_range import CONCENTRATION_FLOOR as DERIVE_FLOOR
from vrest.derive.modelfile import model_from_dict
from vrest.derive.quantities import Derivations

R, F = mpmath.mpf("8.314462618"), mpmath.mpf("96485.33212")
T = mpmath.mpf("298.15")

CELL = {
    "model": {"name": "ohmiccell", "temperature": "25 degC"},
    "membrane": {"capacitance": "1 uF/cm^2", "area": "314.159 um^2", "volume": "178.9 um^3",
                 "water_permeability": "1.0892e-10 cm/s/Pa"},
    "ions": {
        "K": {"valence": 1, "inside": "134.5 mM", "outside": "3 mM", "conductance": "0.3 mS/cm^2"},
        "Na": {"valence": 1, "inside": "15.5 mM", "outside": "142 mM", "conductance": "0.01 mS/cm^2"},
        "Cl": {"valence": -1, "inside": "3.7 mM", "outside": "145 mM", "conductance": "0.2 mS/cm^2"},
    },
    "pump": {"max_current": "1.5 uA/cm^2", "K_half_Na": "3.56 mM", "K_half_K": "0.883 mM",
             "stoichiometry": {"Na": 3, "K": -2}},
    "impermeant": {"valence": -1, "concentration": "146.3 mM"},
    "bath": {"impermeant": "10 mM"},
}


def edge_na_i() -> tuple[mpmath.mpf, mpmath.mpf]:
    """(V in mV, Na_i in mM) where the volume grows without bound, from the equations above."""
    thermal = R * T / F
    v = thermal * mpmath.log(mpmath.mpf(150) / 145)
    j = mpmath.mpf("0.3") * (v - thermal * mpmath.log(mpmath.mpf(3) / 150)) / 2  # mS/cm^2 * V = mA/cm^2
    na_i = 142 * mpmath.exp(-(v + 3 * j / mpmath.mpf("0.01")) / thermal)
    return 1000 * v, na_i


def test_the_edge_needs_less_than_a_particle_of_na():
    v, na_i = edge_na_i()
    assert float(v) == pytest.approx(0.871018, abs=1e-5)
    assert na_i < mpmath.mpf("1e-70")  # the hand value: ~1e-75 mM


def test_pump_max_is_none_with_the_reason():
    with pytest.raises(NotApplicable) as caught:
        Derivations(model_from_dict(CELL)).get("pump_max")
    text = str(caught.value)
    assert text.startswith("none:") and "Na_i would be" in text and "below 1e-15 mM" in text
    shown = float(text.split("Na_i would be ")[1].split(" mM")[0])
    _, na_i = edge_na_i()
    assert math.log10(shown) == pytest.approx(float(mpmath.log10(na_i)), abs=0.02)  # ~1e-75, to 3 digits


def test_sweep_gives_no_pump_max_with_the_reason():
    result = sweep(model_from_dict(CELL), {"pump": "0.5, 2"}, ["pump_max"])
    assert all(math.isnan(x) for x in result["pump_max"].values)
    missing = result["pump_max"].attrs["missing"]
    assert sum(missing.values()) == 2 and all("below 1e-15 mM" in reason for reason in missing)


def test_the_floor_is_the_least_concentration_vrest_reads():
    assert CONCENTRATION_FLOOR == DERIVE_FLOOR == 1e-15
