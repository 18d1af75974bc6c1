"""Slips a teacher names: a term left out of a sum inside a log, a pump's sign, a product for a quotient.

The same slip gets the same name whether the claim is written in symbols or as a hand calculation
in numbers (the numbers are read back as what they stand for). Expected values are evaluated here
with mpmath from the equations written out below (CODATA 2018 R and F), never by vrest. Models: the
built-in squid axon (20 C: K 400/20, Na 50/440, Cl 52/560 mM; P_K, P_Na, P_Cl = 1e-6, 4e-8, 4.5e-7
cm/s) and neuron (37 C: K 140/4, Na 12/145, Cl 10/110 mM; g_K, g_Na, g_Cl = 0.1, 0.015, 0.035
mS/cm^2; I_pump 0.75 uA/cm^2).
"""

from __future__ import annotations

import json

import mpmath as mp
import pytest
from conftest import run_cli

mp.mp.dps = 30
R, F = mp.mpf("8.314462618"), mp.mpf("96485.33212")
RTF_SQUID = 1000 * R * (mp.mpf("273.15") + 20) / F  # mV


def _json(*argv):
    code, out, err = run_cli("verify", *argv, "--json")
    assert code in (0, 1, 3), err
    return code, json.loads(out)


def test_a_term_missing_from_the_denominator_of_the_ghk_log():
    # Hodgkin & Katz without chloride, written with P_Na/P_K: the P_Na Na_i term of the denominator left out.
    claim = "V_ghk = RT/F ln((K_o + P_Na/P_K Na_o)/(K_i))"
    code, doc = _json(claim, "--model", "squid", "--approx", "P_Cl -> 0")
    assert code == 1 and doc["diagnosis"] == "the term Na_i*P_Na is missing (from K_i*P_K + Na_i*P_Na)"
    code, out, _ = run_cli("verify", claim, "--model", "squid", "--approx", "P_Cl -> 0")
    assert "rounded constant" not in out
    # The full GHK voltage with the same term left out: named, with the values at the model's parameters.
    code, doc = _json("V_ghk = RT/F ln((P_K K_o + P_Na Na_o + P_Cl Cl_i)/(P_K K_i + P_Cl Cl_o))", "--model", "squid")
    assert code == 1 and doc["diagnosis"] == "the term Na_i*P_Na is missing (from Cl_o*P_Cl + K_i*P_K + Na_i*P_Na)"
    p_na, p_cl = mp.mpf("0.04"), mp.mpf("0.45")  # relative to P_K
    correct = RTF_SQUID * mp.log((20 + p_na * 440 + p_cl * 52) / (400 + p_na * 50 + p_cl * 560))
    claimed = RTF_SQUID * mp.log((20 + p_na * 440 + p_cl * 52) / (400 + p_cl * 560))
    assert doc["counterexample"]["correct"]["value"] == pytest.approx(float(correct), rel=1e-9)
    assert doc["counterexample"]["claimed"]["value"] == pytest.approx(float(claimed), rel=1e-9)


V_SS_NUMBERS = "V_ss = (0.1 mS/cm^2 (-95 mV) + 0.015 mS/cm^2 (66.6 mV) + 0.035 mS/cm^2 (-64.1 mV) {sign} 0.75 uA/cm^2)/(0.15 mS/cm^2)"


@pytest.mark.parametrize("claim", [
    "V_ss = (g_K E_K + g_Na E_Na + g_Cl E_Cl + I_pump)/(g_K + g_Na + g_Cl)",
    V_SS_NUMBERS.format(sign="+"),
], ids=["symbols", "numbers"])
def test_the_pumps_sign_flipped(claim):
    code, doc = _json(claim)
    assert code == 1 and doc["diagnosis"] == "sign of the term I_pump flipped"
    # (sum g E + I_pump)/g_leak against (sum g E - I_pump)/g_leak: the claim is 2 I_pump/g_leak = 10 mV too high.
    claimed, correct = doc["counterexample"]["claimed"]["value"], doc["counterexample"]["correct"]["value"]
    assert claimed - correct == pytest.approx(2 * 0.75 / 0.15, rel=5e-3 if "mV" in claim else 1e-9)


@pytest.mark.parametrize("claim", ["dV_pump = -I_pump g_leak", "dV_pump = -0.75 uA/cm^2 * 0.15 mS/cm^2"],
                         ids=["symbols", "numbers"])
def test_a_product_where_a_quotient_belongs(claim):
    code, doc = _json(claim)
    assert code == 1
    assert doc["diagnosis"].startswith("a product where a quotient belongs: g_leak multiplies, it should divide")


def test_a_bare_negative_number_keeps_its_sign_in_the_suggestion():
    # E_K = -95 is -95 V (a side of numbers only is in SI units): 1000 times E_K = -95.02 mV.
    code, doc = _json("E_K = -95")
    assert code == 1
    assert doc["diagnosis"] == "V vs mV (factor 1000): the bare number -95 is read in volts; write -95 mV"
    assert doc["numeric"]["claimed"] == {"value": -95000.0, "unit": "mV"}


def test_a_tolerance_of_another_dimension_names_it():
    code, out, err = run_cli("verify", "E_K = -95 mV", "--tolerance", "5 furlongs")
    assert code == 2 and out == "" and err == "vrest: error: verify: --tolerance 5 furlongs is a length; E_K is a potential\n"


def test_a_divalent_ions_z_where_z_squared_belongs_is_named_at_its_places(tmp_path):
    """The exact root of the GHK zero-current equation with Ca (a quadratic in e^(FV/RT)), written with 2 P_Ca
    where z^2 P_Ca = 4 P_Ca belongs: the slip is the 2s, not the discriminant's 4 (which is right)."""
    from vrest.derive.builtin import builtin_text

    path = tmp_path / "squid_ca.toml"
    path.write_text(builtin_text("squid").replace('[model]\nname = "squid"', '[model]\nname = "squid_ca"') +
                    '\n[ions.Ca]\nvalence = 2\ninside = "0.0001 mM"\noutside = "10 mM"\npermeability = "2e-7 cm/s"\n',
                    encoding="utf-8")
    a = "(P_K*K_i + P_Na*Na_i + P_Cl*Cl_o)"
    b = "(P_K*K_o + P_Na*Na_o + P_Cl*Cl_i)"
    claim = "V_ghk = -(R*T/F)*log(((A-B) + sqrt((A-B)^2 + 4*(B + {z}*P_Ca*Ca_o)*(A + {z}*P_Ca*Ca_i)))/(2*(B + {z}*P_Ca*Ca_o)))"
    claim = claim.replace("A", a).replace("B", b)
    code, doc = _json(claim.format(z=2), "--model", str(path))
    assert code == 1
    assert doc["diagnosis"] == ("the number 2 in 2*Ca_o*P_Ca (at 2 places) and in 2*Ca_i*P_Ca would have to be 4 "
                                "for the claim to be right")
    # Values: the claim written out here, and the root of the zero-current equation sum_X I_X^GHK(V) = 0.
    p = {"K": mp.mpf("1e-6"), "Na": mp.mpf("4e-8"), "Cl": mp.mpf("4.5e-7"), "Ca": mp.mpf("2e-7")}
    c = {"K": (400, 20), "Na": (50, 440), "Cl": (52, 560), "Ca": (mp.mpf("0.0001"), 10)}
    z = {"K": 1, "Na": 1, "Cl": -1, "Ca": 2}
    a_in = p["K"] * 400 + p["Na"] * 50 + p["Cl"] * 560  # A: P_K K_i + P_Na Na_i + P_Cl Cl_o
    b_out = p["K"] * 20 + p["Na"] * 440 + p["Cl"] * 52  # B: P_K K_o + P_Na Na_o + P_Cl Cl_i
    two = 2 * p["Ca"]
    claimed = -RTF_SQUID * mp.log(((a_in - b_out) + mp.sqrt((a_in - b_out) ** 2 + 4 * (b_out + two * 10) *
                                   (a_in + two * mp.mpf("0.0001")))) / (2 * (b_out + two * 10)))

    def current(v):  # sum of GHK currents over P F (mV in, per unit F)
        u = v / RTF_SQUID
        return sum(p[x] * z[x] ** 2 * u * (c[x][0] - c[x][1] * mp.exp(-z[x] * u)) / (1 - mp.exp(-z[x] * u)) for x in p)

    correct = mp.findroot(current, -57)
    assert doc["counterexample"]["claimed"]["value"] == pytest.approx(float(claimed), rel=1e-9)
    assert doc["counterexample"]["correct"]["value"] == pytest.approx(float(correct), rel=1e-9)
    code, doc = _json(claim.format(z=4), "--model", str(path))
    assert code == 0
