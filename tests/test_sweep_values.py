"""vrest sweep's vectorised values against `vrest derive` (SymPy and mpmath, one model at a time).

At random points of each sweep the model file is rewritten with that point's values (the key set in
the TOML data, so the key -> parameter mapping is checked too) and derived afresh; every quantity
must agree to 1e-9 relative, and where derive finds none the sweep must hold NaN.
"""

from __future__ import annotations

import copy
import math
import tomllib
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from test_pump_forms import GABBIANI_COX, _lr_model
from test_pump_max import SALT_ONLY, na_free_edge, paper_pump_max
from vrest.codegen.sweep.api import sweep
from vrest.derive.builtin import builtin_text
from vrest.derive.derivation import NotApplicable
from vrest.derive.errors import ModelError
from vrest.derive.modelfile import model_from_dict
from vrest.derive.quantities import Derivations

# Random bath concentrations leave the bath's charge unbalanced: derive warns, the sweep counts only the ions.
pytestmark = pytest.mark.filterwarnings("ignore::vrest.derive.errors.ModelWarning")

DIVALENT = {  # GHK leaks with Ca2+ and trapped anions: V_ghk, V_ss and the Donnan ratio are numeric roots
    "model": {"name": "divalent", "temperature": "30 degC"},
    "membrane": {"capacitance": "1 uF/cm^2"},
    "ions": {"K": {"valence": 1, "inside": "140 mM", "outside": "5 mM", "permeability": "1e-6 cm/s"},
             "Na": {"valence": 1, "inside": "12 mM", "outside": "140 mM", "permeability": "5e-8 cm/s"},
             "Ca": {"valence": 2, "inside": "0.0001 mM", "outside": "2 mM", "permeability": "1e-7 cm/s"},
             "Cl": {"valence": -1, "inside": "10 mM", "outside": "149 mM", "permeability": "2e-7 cm/s"}},
    "pump": {"current": "0.5 uA/cm^2", "stoichiometry": {"Na": 3, "K": -2}},
    "impermeant": {"concentration": "142 mM", "valence": -1},
}


def builtin(name: str) -> dict:
    return tomllib.loads(builtin_text(name))


def with_values(data: dict, point: dict[str, str]) -> dict:
    """The model data with each key path set to its text ("pump" scales the pump's rate)."""
    out = copy.deepcopy(data)
    for key, text in point.items():
        if key == "pump":
            table = out["pump"]
            which = "current" if "current" in table else "max_current"
            number, unit = table[which].split(None, 1)
            table[which] = f"{float(Fraction(number) * Fraction(text))!r} {unit}"
            continue
        *path, last = key.split(".")
        table = out
        for part in path:
            table = table[part]
        table[last] = text
    return out


def reference(data: dict, quantity: str) -> float:
    """`vrest derive`'s value in display units, NaN where it has none."""
    try:
        return Derivations(model_from_dict(data)).get(quantity).display_value
    except NotApplicable:
        return math.nan


CASES = [
    ("squid", None, {"ions.K.outside": "1..100 mM log", "ions.Na.permeability": "1e-9..1e-7 cm/s log",
                     "model.temperature": "5..35 degC", "pump.current": "0..3 uA/cm^2"}, 8),
    ("neuron", None, {"ions.K.conductance": "0.05..0.5 mS/cm^2", "ions.Cl.inside": "5..20 mM", "pump": "0..2"}, 6),
    ("pumpleak", None, {"ions.K.outside": "2..10 mM", "pump": "0.6..1.5", "impermeant.concentration": "130..160 mM",
                        "membrane.volume": "150..250 um^3"}, 4),
    ("divalent", DIVALENT, {"ions.Ca.outside": "0.5..10 mM log", "ions.K.permeability": "3e-7..3e-6 cm/s"}, 6),
    ("glia", SALT_ONLY, {"ions.Na.permeability": "2e-8..8e-8 cm/s", "pump.current": "0.05..0.2 uA/cm^2"}, 4),
    # Na efflux proportional to [Na]_i, instant water flow, a bath solute (Gabbiani & Cox's NaKrest cell)
    ("nakrest", GABBIANI_COX, {"pump.rate_per_Na": "0.5e-5..2e-5 cm/s", "ions.K.outside": "3..8 mM",
                               "bath.impermeant": "50..80 mM"}, 4),
    # Hill sites, Luo & Rudy's voltage factor and Q10 from a given reference temperature
    ("luo_rudy", _lr_model(), {"model.temperature": "20..37 degC", "pump.K_half_Na": "5..20 mM", "pump": "0.5..1.5"},
     4),
]


@pytest.mark.parametrize("name, data, vary, samples", CASES, ids=[c[0] for c in CASES])
def test_every_quantity_agrees_with_derive_at_random_points(name, data, vary, samples):
    data = data or builtin(name)
    result = sweep(model_from_dict(data), vary, method="random", samples=samples, seed=7)
    units = {key: result[key].attrs["units"] for key in vary}
    assert result.sizes == {"sample": samples}
    checked = 0
    for i in range(samples):
        point = {key: (f"{float(result[key][i])!r} {units[key]}" if units[key] != "1" else repr(float(result[key][i])))
                 for key in vary}
        changed = with_values(data, point)
        for quantity in result.data_vars:
            got = float(result[quantity][i])
            expected = reference(changed, quantity)
            if math.isnan(expected):
                assert math.isnan(got), (quantity, point, got)
                continue
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-12), (quantity, point)
            checked += 1
    assert checked >= samples * 5


def test_v_ghk_follows_hodgkin_and_katz_over_bath_potassium():
    """V_ghk = (RT/F) ln((P_K K_o + P_Na Na_o + P_Cl Cl_i)/(P_K K_i + P_Na Na_i + P_Cl Cl_o)) at 20 degC,
    written out here with mpmath, over K_o from 1 to 400 mM (squid: Hodgkin & Katz 1949)."""
    result = sweep("squid", {"ions.K.outside": "1..400 mM log 25"}, ["V_ghk", "E_K"])
    r, f, t = mpmath.mpf("8.314462618"), mpmath.mpf("96485.33212"), mpmath.mpf("293.15")
    p_k, p_na, p_cl = mpmath.mpf(1), mpmath.mpf("0.04"), mpmath.mpf("0.45")
    for k_o, v, e_k in zip(result["ions.K.outside"].values, result["V_ghk"].values, result["E_K"].values):
        k_o = mpmath.mpf(repr(float(k_o)))
        expected = r * t / f * mpmath.log((p_k * k_o + p_na * 440 + p_cl * 52) / (p_k * 400 + p_na * 50 + p_cl * 560))
        assert v == pytest.approx(float(expected) * 1000, rel=1e-12)
        assert e_k == pytest.approx(float(r * t / f * mpmath.log(k_o / 400)) * 1000, rel=1e-12)
    assert result["V_ghk"].attrs["units"] == "mV"


def test_v_ss_at_the_lowest_temperature_is_the_root_written_out():
    """At 1 K RT/F is 0.086 mV: the first bracket of the root, +-100 mV, overflowed (e^1160) and the sweep said "no
    zero crossing for |V| < 10 V" where `vrest derive` found one. The reference: squid's GHK currents and its
    constant 1 uA/cm^2 pump summed to 0, written out with mpmath at 50 digits."""
    result = sweep("squid", {"model.temperature": "1, 1.5, 2 K"}, ["V_ss"])
    r, f = mpmath.mpf("8.314462618"), mpmath.mpf("96485.33212")
    ions = ((1, mpmath.mpf("1e-8"), 400, 20), (1, mpmath.mpf("4e-10"), 50, 440), (-1, mpmath.mpf("4.5e-9"), 52, 560))
    with mpmath.workdps(50):
        for t, v in zip((1, mpmath.mpf("1.5"), 2), result["V_ss"].values):
            def balance(volts, t=t):  # A/m^2, outward positive
                total = mpmath.mpf("0.01")  # the pump
                for z, perm, inside, outside in ions:
                    u = z * f * volts / (r * t)
                    total += perm * z * f * u * (inside - outside * mpmath.exp(-u)) / -mpmath.expm1(-u)
                return total
            expected = mpmath.findroot(balance, (mpmath.mpf("-0.001"), mpmath.mpf("-1e-6")), solver="anderson")
            assert v == pytest.approx(float(expected) * 1000, rel=1e-9), t


def test_a_blocked_permeability_of_zero_is_swept():
    """P_Na = 0 (a blocked channel, as the docs allow: >= 0): V_ghk without the Na terms, written out with
    mpmath; a negative permeability is refused."""
    result = sweep("squid", {"ions.Na.permeability": "0, 4e-8 cm/s"}, ["V_ghk"])
    r, f, t = mpmath.mpf("8.314462618"), mpmath.mpf("96485.33212"), mpmath.mpf("293.15")
    for p_na, v in zip((0, mpmath.mpf("0.04")), result["V_ghk"].values):  # P over P_K = 1e-6 cm/s
        expected = r * t / f * mpmath.log((20 + p_na * 440 + mpmath.mpf("0.45") * 52) /
                                          (400 + p_na * 50 + mpmath.mpf("0.45") * 560))
        assert v == pytest.approx(float(expected) * 1000, rel=1e-12)
    with pytest.raises(ModelError, match="ions.Na.permeability.*no value may be negative"):
        sweep("squid", {"ions.Na.permeability": "-1e-8, 4e-8 cm/s"}, ["V_ghk"])


def test_pump_max_over_permeabilities_is_the_root_written_out():
    """pump_max for a constant pump with GHK leaks on a grid of P_K and P_Na: the root of the steady state's
    equations with Na_i = 0 written out in tests/test_pump_max.py (zero net charge beyond the capacitor's), a
    relative 1e-5 below the closed form of strict electroneutrality, F S ln(q/(q - Na_o))/c; the sweep
    continues the end of the steady states from the model's own."""
    result = sweep(model_from_dict(SALT_ONLY), {"ions.K.permeability": "0.5e-6..2e-6 cm/s 3",
                                                "ions.Na.permeability": "2e-8..8e-8 cm/s 3"}, ["pump_max"])
    for i, p_k in enumerate(result["ions.K.permeability"].values):
        for j, p_na in enumerate(result["ions.Na.permeability"].values):
            data = copy.deepcopy(SALT_ONLY)
            data["ions"]["K"]["permeability"] = f"{float(p_k)!r} cm/s"
            data["ions"]["Na"]["permeability"] = f"{float(p_na)!r} cm/s"
            expected = float(na_free_edge(data)[1]) * 100
            assert float(result["pump_max"][i, j]) == pytest.approx(expected, rel=1e-9)
            paper = paper_pump_max(5, 145, mpmath.mpf(repr(float(p_k))) / 100, mpmath.mpf(repr(float(p_na))) / 100)
            assert float(result["pump_max"][i, j]) == pytest.approx(float(paper) * 100, rel=1e-4)


def test_a_point_without_a_steady_state_is_nan_with_its_reason():
    """A pump too strong for the salt-only glial cell: no steady state above pump_max (0.5607 uA/cm^2)."""
    result = sweep(model_from_dict(SALT_ONLY), {"pump.current": "0.1, 0.4, 2, 5 uA/cm^2"}, ["volume_ss", "V_ss"])
    volume = result["volume_ss"].values
    assert np.all(np.isfinite(volume[:2])) and np.all(np.isnan(volume[2:]))
    missing = result["volume_ss"].attrs["missing"]
    assert sum(missing.values()) == 2
    assert all("steady state" in reason for reason in missing)


def test_a_point_above_pump_max_names_pump_max_and_its_value():
    """Above pump_max the reason is the pump rate, with pump_max's value (the Na_i = 0 edge written out in
    test_pump_max), not a solver's failure."""
    result = sweep(model_from_dict(SALT_ONLY), {"pump.current": "0.1, 0.4, 2, 5 uA/cm^2"}, ["V_ss", "pump_max"])
    assert np.isnan(result["V_ss"].values[2:]).all() and np.isfinite(result["V_ss"].values[:2]).all()
    limit = float(na_free_edge(SALT_ONLY)[1]) * 100  # uA/cm^2
    assert result["pump_max"].values == pytest.approx(limit, rel=1e-9)
    assert result["V_ss"].attrs["missing"] == {
        "no steady state: the pump rate is above pump_max, the rate at which the steady states end "
        f"(pump_max = {limit:.6g} uA/cm^2)": 2}


def test_a_temperature_sweep_keeps_the_pumps_q10_reference_as_a_cooling_step_does():
    """neuron's pump has Q10 = 3, its 0.75 uA/cm^2 given at the model's 37 degC. A point at another temperature
    keeps that reference (as the cooling scenario's step does), so the pump slows: dV_pump = -I_pump/g_leak with
    I_pump = 0.75 uA/cm^2 * 3^((T - 37 degC)/10 K) and g_leak = 0.15 mS/cm^2 (ohmic leaks) on paper, and every
    value is `vrest derive` of the file with q10_reference = "37 degC" written out."""
    temperatures = ("17 degC", "27 degC", "37 degC")
    result = sweep("neuron", {"model.temperature": ", ".join(t.split()[0] for t in temperatures) + " degC"},
                   ["V_ss", "V_leak", "dV_pump"])
    data = builtin("neuron")
    data["pump"]["q10_reference"] = "37 degC"
    for i, t in enumerate(temperatures):
        celsius = mpmath.mpf(t.split()[0])
        on_paper = -mpmath.mpf("0.75") * mpmath.power(3, (celsius - 37) / 10) / mpmath.mpf("0.15")  # uA/mS = mV
        assert float(result["dV_pump"][i]) == pytest.approx(float(on_paper), rel=1e-12)
        changed = with_values(data, {"model.temperature": t})
        for quantity in ("V_ss", "V_leak", "dV_pump"):
            assert float(result[quantity][i]) == pytest.approx(reference(changed, quantity), rel=1e-9), (t, quantity)


def test_pump_max_of_a_pump_per_sodium_is_a_rate_in_cm_per_s():
    result = sweep(model_from_dict(GABBIANI_COX), {"pump.rate_per_Na": "1e-5, 2e-5 cm/s"}, ["pump_max", "V_ss"])
    assert result["pump_max"].attrs["units"] == "cm/s" and result["V_ss"].attrs["units"] == "mV"
