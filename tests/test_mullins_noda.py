"""V_mullins_noda against an independent root of the flux balance J_Na = -r J_K (GHK fluxes coded here)."""

from __future__ import annotations

import mpmath
import pytest
from conftest import run_cli

from vrest.derive.builtin import resolve_model
from vrest.derive.derivation import NotApplicable
from vrest.derive.quantities import Derivations

mpmath.mp.dps = 40
R = mpmath.mpf("8.314462618")  # CODATA 2018
F = mpmath.mpf("96485.33212")


def ghk_flux(P, ci, co, V, T):
    """Textbook GHK flux (mol m^-2 s^-1, outward) of a monovalent cation."""
    u = F * V / (R * T)
    return P * u * (ci - co * mpmath.exp(-u)) / (1 - mpmath.exp(-u))


def mp(model, name):
    return mpmath.mpf(model.parameter(name).value.p) / model.parameter(name).value.q


@pytest.mark.parametrize("name", ["squid", "pumpleak"])
def test_mullins_noda_is_the_root_of_the_flux_balance(name):
    model = resolve_model(name)
    T, r = mp(model, "T"), mp(model, "r")
    assert r == mpmath.mpf(3) / 2  # 3 Na out : 2 K in, from [pump.stoichiometry]

    def balance(V):
        na = ghk_flux(mp(model, "P_Na"), mp(model, "Na_i"), mp(model, "Na_o"), V, T)
        k = ghk_flux(mp(model, "P_K"), mp(model, "K_i"), mp(model, "K_o"), V, T)
        return na + r * k

    root = mpmath.findroot(balance, (mpmath.mpf("-0.2"), mpmath.mpf("-0.01")), solver="anderson")
    value = Derivations(model).get("V_mullins_noda").value
    assert value == pytest.approx(float(root), rel=1e-9)


def test_not_applicable_with_ohmic_leaks():
    with pytest.raises(NotApplicable, match="GHK"):
        Derivations(resolve_model("neuron")).get("V_mullins_noda")


def test_the_reason_names_what_an_ion_lacks(write_model):
    """K with concentrations but carried only by a channel: it has no leak, not "no concentrations"."""
    from vrest.derive.modelfile import load_model

    data = {
        "model": {"name": "channelled", "temperature": "37 degC"},
        "membrane": {"capacitance": "1 uF/cm^2"},
        "ions": {"K": {"valence": 1, "inside": "140 mM", "outside": "4 mM"},
                 "Na": {"valence": 1, "inside": "12 mM", "outside": "145 mM", "permeability": "1e-8 cm/s"}},
        "channels": {"K1": {"ion": "K", "conductance": "0.5 mS/cm^2", "units": {"V": "mV", "t": "ms"},
                            "open_fraction": "1/(1 + exp((V - E_K + 10)/12))"}},
    }
    with pytest.raises(NotApplicable) as reason:
        Derivations(load_model(write_model(data))).get("V_mullins_noda")
    assert str(reason.value) == ("needs GHK (permeability) leaks of K and Na with concentrations; K has no leak of "
                                 "its own (only channels carry it)")
    with pytest.raises(NotApplicable) as reason:
        Derivations(resolve_model("hh")).get("V_mullins_noda")  # reversal potentials only: no ions
    assert str(reason.value) == ("needs GHK (permeability) leaks of K and Na with concentrations; the model has no "
                                 "ion K or Na")


def test_not_applicable_without_pump(write_model):
    from vrest.derive.modelfile import load_model

    data = {
        "model": {"name": "nopump", "temperature": "20 degC"},
        "membrane": {"capacitance": "1 uF/cm^2"},
        "ions": {
            "K": {"valence": 1, "inside": "400 mM", "outside": "20 mM", "permeability": "1e-6 cm/s"},
            "Na": {"valence": 1, "inside": "50 mM", "outside": "440 mM", "permeability": "4e-8 cm/s"},
        },
    }
    with pytest.raises(NotApplicable, match="pump"):
        Derivations(load_model(write_model(data))).get("V_mullins_noda")


def test_an_ion_the_formula_leaves_out_is_named_with_how_far_it_is_from_passive(write_model):
    """K, Na and Ca GHK leaks, no Cl: the formula counts K and Na only. Ca2+ is far from passive (E_Ca = +132 mV,
    RT/(2F) ln(2/0.0001) at 37 C) at the Mullins-Noda potential, computed here from its closed form."""
    from vrest.derive.modelfile import load_model

    path = write_model({
        "model": {"name": "with_ca", "temperature": "37 degC"}, "membrane": {"capacitance": "1 uF/cm^2"},
        "ions": {"K": {"valence": 1, "inside": "140 mM", "outside": "4 mM", "permeability": "1e-6 cm/s"},
                 "Na": {"valence": 1, "inside": "12 mM", "outside": "145 mM", "permeability": "4e-8 cm/s"},
                 "Ca": {"valence": 2, "inside": "0.0001 mM", "outside": "2 mM", "permeability": "1e-8 cm/s"}},
        "pump": {"current": "1 uA/cm^2", "stoichiometry": {"Na": 3, "K": -2}}})
    d = Derivations(load_model(path)).get("V_mullins_noda")
    rt_f = mpmath.mpf("8.314462618") * mpmath.mpf("310.15") / mpmath.mpf("96485.33212")
    v = rt_f * mpmath.log((mpmath.mpf("1.5e-6") * 4 + mpmath.mpf("4e-8") * 145)
                          / (mpmath.mpf("1.5e-6") * 140 + mpmath.mpf("4e-8") * 12))
    e_ca = rt_f / 2 * mpmath.log(mpmath.mpf(2) / mpmath.mpf("0.0001"))
    assert d.value == pytest.approx(float(v), rel=1e-12)
    assert d.description.endswith("; leaves out Ca")
    assert d.assumptions[-1] == ("the other ions (Ca) carry no net current: passively distributed, E_X = V; not so at "
                                 f"the model's values (E_Ca = {float(e_ca) * 1000:.4g} mV, against "
                                 f"{float(v) * 1000:.4g} mV)")


def test_k_and_na_alone_are_said_to_be_the_only_permeant_ions():
    model = resolve_model("squid")
    from dataclasses import replace

    without_cl = replace(model, ions=tuple(ion for ion in model.ions if ion.name != "Cl"))
    assert Derivations(without_cl).get("V_mullins_noda").assumptions[-1] == "K and Na are the only permeant ions"


def test_the_table_says_when_the_left_out_ion_carries_current():
    """squid's Cl leak is at E_Cl = (RT/F) ln(52/560) = -60.04 mV (mpmath), 4 mV from its Mullins-Noda V: the table
    showed the formula beside V_ss without a word (only --json's description said "leaves out Cl"). pumpleak's
    E_Cl is within 1 mV of its Mullins-Noda V (its Cl is passively distributed up to the file's rounding): no
    caveat."""
    e_cl = -R * mpmath.mpf("293.15") / F * mpmath.log(mpmath.mpf(560) / 52)
    code, out, _ = run_cli("derive", "squid", "--quantity", "V_mullins_noda")
    assert code == 0
    text = " ".join(out.split())
    assert f"(not this cell's rest: it leaves out Cl, whose E_Cl = {float(e_cl) * 1000:.4g} mV is not V)" in text
    code, out, _ = run_cli("derive", "pumpleak", "--quantity", "V_mullins_noda")
    assert code == 0 and "not this cell's rest" not in out
