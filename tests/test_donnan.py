"""Donnan equilibrium against mpmath roots of the defining equations written here."""

from __future__ import annotations

import math

import mpmath
import pytest
import sympy as sp

from vrest.derive.builtin import resolve_model
from vrest.derive.derivation import NotApplicable
from vrest.derive.errors import ModelWarning
from vrest.derive.derivations.donnan import r_D
from vrest.derive.modelfile import model_from_dict
from vrest.derive.quantities import Derivations

R, F = mpmath.mpf("8.314462618"), mpmath.mpf("96485.33212")
T25 = mpmath.mpf("298.15")


def bath_model(ions: dict, impermeant: str = "50 mM", valence: int = -1) -> dict:
    table = {name: {"valence": z, "inside": inside, "outside": outside, "conductance": "0.1 mS/cm^2"}
             for name, (z, inside, outside) in ions.items()}
    return {"model": {"name": "donnan", "temperature": "25 degC"}, "membrane": {"capacitance": "1 uF/cm^2"},
            "ions": table, "impermeant": {"concentration": impermeant, "valence": valence}}


KCL = {"K": (1, "100 mM", "100 mM"), "Cl": (-1, "50 mM", "100 mM")}


def test_kcl_bath_monovalent_impermeant():
    """KCl 100 mM bath, 50 mM impermeant anion z = -1, 25 C: Cl_i^2 + 50 Cl_i - 100^2 = 0, r = 100/Cl_i."""
    d = Derivations(model_from_dict(bath_model(KCL)))
    with mpmath.workdps(40):
        cl_i = (-50 + mpmath.sqrt(50 ** 2 + 4 * 100 ** 2)) / 2  # positive root of the quadratic
        ratio = 100 / cl_i
        potential = -R * T25 / F * mpmath.log(ratio)
        excess = (100 * ratio + cl_i + 50) - 200
    assert d.get("donnan_ratio").value == pytest.approx(float(ratio), rel=1e-9)
    assert d.get("donnan_ratio").value == pytest.approx(1.281, abs=5e-4)  # the "about 1.281"
    assert d.get("V_donnan").value == pytest.approx(float(potential), rel=1e-9)
    assert d.get("V_donnan").display_value == pytest.approx(-6.35805, abs=1e-5)
    assert d.get("osmotic_excess").value == pytest.approx(float(excess), rel=1e-9)
    assert d.get("donnan_ratio").method == "closed form"


def test_divalent_impermeant_anion():
    """z_A = -2: electroneutrality 100 r - 100/r - 2*50 = 0, its root by mpmath."""
    d = Derivations(model_from_dict(bath_model(KCL, valence=-2)))
    with mpmath.workdps(40):
        ratio = mpmath.findroot(lambda x: 100 * x - 100 / x - 2 * 50, 1.5)
    assert d.get("donnan_ratio").value == pytest.approx(float(ratio), rel=1e-9)
    with mpmath.workdps(40):
        assert d.get("V_donnan").value == pytest.approx(float(-R * T25 / F * mpmath.log(ratio)), rel=1e-9)


def test_divalent_permeant_ion_is_a_numeric_root():
    """A permeant Ca2+ in the bath: 100 r + 2*2 r^2 - 104/r - 50 = 0 (no quadratic), root by mpmath."""
    ions = {**KCL, "Ca": (2, "0.0001 mM", "2 mM")}
    ions["Cl"] = (-1, "50 mM", "104 mM")
    d = Derivations(model_from_dict(bath_model(ions)))
    with mpmath.workdps(40):
        ratio = mpmath.findroot(lambda x: 100 * x + 2 * 2 * x ** 2 - 104 / x - 50, 1.3)
        excess = 100 * ratio + 2 * ratio ** 2 + 104 / ratio + 50 - (100 + 2 + 104)
    ratio_d = d.get("donnan_ratio")
    assert ratio_d.method == "numeric root"
    assert ratio_d.value == pytest.approx(float(ratio), rel=1e-9)
    assert d.get("osmotic_excess").value == pytest.approx(float(excess), rel=1e-9)
    assert d.get("V_donnan").value < 0


def test_no_permeant_cation_says_why():
    with pytest.warns(ModelWarning, match="the bath is not electroneutral: no cations against Cl_o = 100 mM"):
        d = Derivations(model_from_dict(bath_model({"Cl": (-1, "50 mM", "100 mM")})))
    with pytest.raises(NotApplicable, match="no permeant cation"):
        d.get("donnan_ratio")


def test_models_without_impermeant_are_not_applicable():
    with pytest.raises(NotApplicable, match="impermeant"):
        Derivations(resolve_model("neuron")).get("V_donnan")


def test_steps_follow_one_from_the_next():
    """Step 2 is step 1 with X_i = X_o r^z; step 3 is step 2 times r; step 4 is step 3's positive root."""
    model = model_from_dict(bath_model(KCL))
    d = Derivations(model).get("donnan_ratio")
    s1, s2, s3, s4 = (step.equation for step in d.steps)
    subs = {ion.inside: ion.outside * r_D ** ion.valence for ion in model.ions}
    assert sp.simplify(s1.lhs.xreplace(subs) - s2.lhs) == 0
    assert sp.simplify(s2.lhs * r_D - s3.lhs) == 0
    assert sp.simplify(s3.lhs.xreplace({r_D: s4.rhs})) == 0
    assert float(s4.rhs.xreplace(model.values)) > 0
    assert any("fixed volume" in a for a in d.assumptions)


def test_every_builtin_value_is_finite_and_real():
    for name in ("neuron", "squid", "pumpleak"):
        derived, reasons = Derivations(resolve_model(name)).all()
        for quantity_id, derivation in derived.items():
            assert isinstance(derivation.value, float) and math.isfinite(derivation.value), (name, quantity_id)
        assert all(reason for reason in reasons.values())
