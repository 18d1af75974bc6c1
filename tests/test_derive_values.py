"""Derived values against literature and independent high-precision computations.

Independent means: textbook numbers, or mpmath evaluations of the textbook
formulas written out here (not the vrest expressions), or roots found by
SciPy's brentq on currents coded here.
"""

from __future__ import annotations

import json

import mpmath
import pytest
from scipy.optimize import brentq

from conftest import run_cli
from vrest.derive.builtin import resolve_model
from vrest.derive.quantities import derive_all

mpmath.mp.dps = 50
R = mpmath.mpf("8.314462618")  # CODATA 2018, exact
F = mpmath.mpf("96485.33212")  # CODATA 2018, exact


def kelvin(celsius: str) -> mpmath.mpf:
    return mpmath.mpf(celsius) + mpmath.mpf("273.15")


def nernst_mV(z, c_out, c_in, T) -> mpmath.mpf:
    return 1000 * R * T / (z * F) * mpmath.log(mpmath.mpf(c_out) / mpmath.mpf(c_in))


def ghk_current(P, z, ci, co, V, T):
    """Textbook GHK current density (A/m^2), SI inputs, limit taken at V = 0."""
    P, ci, co, V = (mpmath.mpf(x) for x in (P, ci, co, V))
    if V == 0:
        return P * z * F * (ci - co)
    u = z * F * V / (R * T)
    return P * z**2 * F**2 * V / (R * T) * (ci - co * mpmath.exp(-u)) / (1 - mpmath.exp(-u))


def derive_json(model: str) -> dict:
    code, out, err = run_cli("derive", model, "--json")
    assert code == 0, err
    return json.loads(out)


def close(actual, expected, rel=1e-9):
    return abs(actual - float(expected)) <= rel * abs(float(expected))


# -- neuron: the seed's mammalian numbers -------------------------------------------

@pytest.mark.parametrize(
    "ion, literature_mV, z, c_out, c_in",
    [
        ("K", -95.0226, 1, 4, 140),  # issue #2: E_K(140/4 mM, 37 C) = -95.0226 mV
        ("Na", 66.598, 1, 145, 12),  # issue #2: E_Na(12/145 mM, 37 C) = +66.598 mV
        ("Cl", None, -1, 110, 10),
    ],
    ids=["E_K", "E_Na", "E_Cl"],
)
def test_neuron_nernst_potentials(ion, literature_mV, z, c_out, c_in):
    quantities = derive_json("neuron")["quantities"]
    value = quantities[f"E_{ion}"]["value"]
    assert quantities[f"E_{ion}"]["unit"] == "mV"
    assert close(value, nernst_mV(z, c_out, c_in, kelvin("37")), 1e-12)
    if literature_mV is not None:
        assert value == pytest.approx(literature_mV, abs=6e-4)


def test_neuron_chord_conductance_steady_state():
    q = derive_json("neuron")["quantities"]
    T = kelvin("37")
    E = {"K": nernst_mV(1, 4, 140, T), "Na": nernst_mV(1, 145, 12, T), "Cl": nernst_mV(-1, 110, 10, T)}
    g = {"K": mpmath.mpf("0.1"), "Na": mpmath.mpf("0.015"), "Cl": mpmath.mpf("0.035")}  # mS/cm^2
    # V_ss is the zero of sum g (V - E) + I_pump, found by brentq (uA/cm^2 = mS/cm^2 * mV).
    leak = lambda V: float(sum(g[x] * (V - E[x]) for x in g))  # noqa: E731
    V_leak = brentq(leak, -200, 200, xtol=1e-14, rtol=1e-15)
    V_ss = brentq(lambda V: leak(V) + 0.75, -200, 200, xtol=1e-14, rtol=1e-15)
    assert close(q["V_leak"]["value"], V_leak, 1e-12)
    assert close(q["V_ss"]["value"], V_ss, 1e-12)
    assert close(q["dV_pump"]["value"], V_ss - V_leak, 1e-9)
    assert close(q["g_leak"]["value"], 0.15, 1e-12)
    assert q["g_leak"]["unit"] == "mS/cm^2"
    assert close(q["tau_m"]["value"], 1 / 0.15, 1e-12)  # C_m = 1 uF/cm^2 -> ms
    assert q["tau_m"]["unit"] == "ms"


def test_seed_pump_example(write_model, seed_pump_model):
    """DOMAIN.md / the seed: leaks alone -70 mV, with the pump -75 mV, shift -5 mV."""
    q = derive_json(str(write_model(seed_pump_model)))["quantities"]
    assert close(q["V_leak"]["value"], -70.0)
    assert close(q["V_ss"]["value"], -75.0)
    assert close(q["dV_pump"]["value"], -5.0)
    assert q["dV_pump"]["expression"] == "-I_pump/g_leak"  # in the name of the quantity it is built on
    assert q["g_leak"]["expression"] == "g_K + g_Na"
    assert q["E_K"]["method"] == "given"


def test_contract_shape_and_not_applicable():
    doc = derive_json("neuron")
    assert doc["model"] == "neuron"
    for entry in doc["quantities"].values():
        assert {"value", "unit", "expression", "latex"} <= set(entry)
    assert doc["not_applicable"]["V_ghk"] == "needs permeabilities; ions K, Na, Cl give conductances"
    expected_ids = {"E_K", "E_Na", "E_Cl", "V_ghk", "V_leak", "V_ss", "V_balance", "dV_pump", "V_mullins_noda", "g_leak",
                    "tau_m", "donnan_ratio", "V_donnan", "osmotic_excess", "volume_ss", "pump_max", "tau_slow",
                    "tau_fast", "eigenvalues", "g_inst", "Z_0", "f_res", "Z_res"}  # the last five: gated channels
    assert set(doc["quantities"]) | set(doc["not_applicable"]) == expected_ids
    assert not set(doc["quantities"]) & set(doc["not_applicable"])
    assert doc["quantities"]["E_K"]["expression"] == "R*T*log(K_o/K_i)/(F*z_K)"


# -- squid: GHK leaks ----------------------------------------------------------------

SQUID = dict(T=kelvin("20"), K=(400, 20, "1e-8"), Na=(50, 440, "4e-10"), Cl=(52, 560, "4.5e-9"))  # mM, m/s


def squid_leak(V):
    T = SQUID["T"]
    return sum(ghk_current(P, z, ci, co, V, T) for (ci, co, P), z in
               ((SQUID["K"], 1), (SQUID["Na"], 1), (SQUID["Cl"], -1)))


def test_squid_ghk_voltage_literature_and_root():
    q = derive_json("squid")["quantities"]
    # Kandel's squid-axon example: about -60 mV with P_K:P_Na:P_Cl = 1:0.04:0.45.
    assert q["V_ghk"]["value"] == pytest.approx(-60, abs=0.5)
    assert q["V_ghk"]["method"] == "closed form"
    root = mpmath.findroot(squid_leak, mpmath.mpf("-0.06"))
    assert close(q["V_ghk"]["value"], 1000 * root, 1e-12)
    assert close(q["V_leak"]["value"], 1000 * root, 1e-12)


def test_squid_pumped_steady_state_is_numeric_root():
    q = derive_json("squid")["quantities"]
    pump = mpmath.mpf("0.01")  # 1 uA/cm^2 in A/m^2
    root = mpmath.findroot(lambda V: squid_leak(V) + pump, mpmath.mpf("-0.06"))
    assert q["V_ss"]["method"] == "numeric root"
    assert q["V_ss"]["expression"].endswith("= 0")
    assert close(q["V_ss"]["value"], 1000 * root, 1e-9)
    slope = mpmath.diff(squid_leak, root)  # S/m^2; the slope, not the chord conductance
    assert close(q["g_leak"]["value"], slope / 10, 1e-9)  # 1 mS/cm^2 = 10 S/m^2
    assert close(q["tau_m"]["value"], 1000 * mpmath.mpf("0.01") / slope, 1e-9)
    chord = -pump / (root - squid_leak_zero())
    assert abs(float(slope - chord)) > 1e-3 * float(slope)  # they differ: GHK is curved


def squid_leak_zero():
    return mpmath.findroot(squid_leak, mpmath.mpf("-0.06"))


def test_divalent_ion_gives_numeric_ghk_root(write_model):
    """With Ca2+ there is no log form: the zero-current condition is solved numerically."""
    data = {
        "model": {"name": "with_calcium", "temperature": "25 degC"},
        "membrane": {"capacitance": "1 uF/cm^2"},
        "ions": {
            "K": {"valence": 1, "inside": "140 mM", "outside": "5 mM", "permeability": "1e-6 cm/s"},
            "Na": {"valence": 1, "inside": "10 mM", "outside": "145 mM", "permeability": "5e-8 cm/s"},
            "Ca": {"valence": 2, "inside": "0.0001 mM", "outside": "2 mM", "permeability": "1e-7 cm/s"},
        },
    }
    q = derive_json(str(write_model(data)))["quantities"]
    assert q["V_ghk"]["method"] == "numeric root"
    T = kelvin("25")
    current = lambda V: (ghk_current("1e-8", 1, 140, 5, V, T) + ghk_current("5e-10", 1, 10, 145, V, T)  # noqa: E731
                         + ghk_current("1e-9", 2, "0.0001", 2, V, T))
    root = mpmath.findroot(current, mpmath.mpf("-0.05"))
    assert close(q["V_ghk"]["value"], 1000 * root, 1e-9)


def test_pumpleak_current_balance_with_saturating_pump():
    """V_balance: the current balance at the file's concentrations (pumpleak's move, so this is not V_ss)."""
    q = derive_json("pumpleak")["quantities"]
    model = resolve_model("pumpleak")
    vals = {p.name: mpmath.mpf(p.value.p) / p.value.q for p in model.parameters}
    T = vals["T"]
    pump = vals["I_max"] * (vals["Na_i"] / (vals["Na_i"] + vals["K_half_Na"])) ** 3 * (
        vals["K_o"] / (vals["K_o"] + vals["K_half_K"])) ** 2
    leak = lambda V: sum(ghk_current(vals[f"P_{x}"], z, vals[f"{x}_i"], vals[f"{x}_o"], V, T)  # noqa: E731
                         for x, z in (("K", 1), ("Na", 1), ("Cl", -1)))
    root = mpmath.findroot(lambda V: leak(V) + pump, mpmath.mpf("-0.08"))
    assert close(q["V_balance"]["value"], 1000 * root, 1e-9)


def test_pumpleak_steady_state_is_the_full_one():
    """V_ss: every flux balanced by the saturating pump, water in osmotic balance, and the cell's net charge the
    membrane capacitor's, F Vol (K_i + Na_i - Cl_i - A_i) = C_m A_m V (Kay 2017's charge-difference condition,
    Vol = N_A/A_i), solved here by mpmath in the unknowns V, K_i, Na_i, Cl_i, A_i. Strict electroneutrality
    instead (the capacitor's 0.017 mM of charge left out) would put V 1.6e-3 mV lower."""
    q = derive_json("pumpleak")["quantities"]
    model = resolve_model("pumpleak")
    p = {x.name: mpmath.mpf(x.value.p) / x.value.q for x in model.parameters}
    T = p["T"]

    def equations(v, k_i, na_i, cl_i, a_i):
        pump = p["I_max"] * (na_i / (na_i + p["K_half_Na"])) ** 3 * (p["K_o"] / (p["K_o"] + p["K_half_K"])) ** 2
        return [ghk_current(p["P_K"], 1, k_i, p["K_o"], v, T) - 2 * pump,
                ghk_current(p["P_Na"], 1, na_i, p["Na_o"], v, T) + 3 * pump,
                ghk_current(p["P_Cl"], -1, cl_i, p["Cl_o"], v, T),
                k_i + na_i - cl_i - a_i - p["C_m"] * p["A_m"] * v * a_i / (F * p["N_A"]),
                k_i + na_i + cl_i + a_i - (p["K_o"] + p["Na_o"] + p["Cl_o"] + p["B_o"])]

    with mpmath.workdps(40):
        v, _, _, _, a_i = mpmath.findroot(equations, [mpmath.mpf("-0.094"), 134, 15, 4, 146])
    assert abs(q["V_ss"]["value"] - 1000 * v) < 1e-9
    assert q["V_ss"]["value"] == pytest.approx(-94.490479, abs=1e-6)  # where `vrest simulate pumpleak` starts
    assert q["volume_ss"]["value"] == pytest.approx(float(p["N_A"] / a_i) * 1e18, rel=1e-7)  # um^3
    assert q["V_balance"]["value"] == pytest.approx(-94.3999, abs=1e-4)  # the file's concentrations, held


def test_values_are_exact_at_the_source():
    """Concentrations and temperature become exact rationals: 37 degC is 6203/20 K."""
    model = resolve_model("neuron")
    assert str(model.values[model.parameter("T").symbol]) == "6203/20"
    assert str(model.parameter("K_i").value) == "140"
    derived, _ = derive_all(model)
    assert derived["E_K"].unit == "mV"
