"""pump_max: the largest pump rate with a steady state of finite volume, never a degenerate root.

A constant pump with GHK leaks and a salt-only bath keeps a finite volume for every rate up to the one at
which Na_i reaches 0 (the impermeant concentration stays positive there). Written out on paper, with
u = F V/(R T), w = exp(-u), h = (w - 1)/|u| and S = Cl_o = K_o + Na_o (an electroneutral bath), for z_A = -1:

    K_i = K_o w + 2 J h/(F P_K),   Na_i = Na_o w - 3 J h/(F P_Na),   Cl_i = Cl_o/w      (each flux balanced)
    K_i + Na_i = Cl_i + A_i,       K_i + Na_i + Cl_i + A_i = 2 S                       (neutral, isosmotic)

so K_i + Na_i = S, i.e. S (w - 1) = J h c/F with c = 3/P_Na - 2/P_K: |u| = J c/(F S), one steady state
for each J > 0 with A_i = S (1 - 1/w) > 0. Na_i = 0 at w* = q/(q - Na_o), q = 3 S/(3 - 2 P_Na/P_K), so

    pump_max = F S ln(w*)/c        (strict electroneutrality).

The steady state vrest computes (V_ss, where simulate starts) holds the membrane capacitor's charge:
C_m A V = F Vol (sum z X_i + z_A A_i) with Vol = N_A/A_i, so the neutrality line above becomes
K_i + Na_i - Cl_i - A_i = C_m A V A_i/(F N_A). pump_max is the end of THOSE steady states: the tests find
it as a root of the written-out equations (``na_free_edge``), about 1e-5 below the closed form.

Both of the examples below once gave pump_max ~ 1e-42 uA/cm^2 (the root J = 0, V = 0 of A_i = 0),
below the rate at which their volume is finite.
"""

from __future__ import annotations

import contextlib
import math
import re

import mpmath
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import run_cli, toml_dumps
from test_pump_max_ohmic_volume_end import drawn_cell
from vrest.derive.derivation import NoSteadyState, NotApplicable
from vrest.derive.errors import ModelWarning
from vrest.derive.derivations.pumpleak import pump_rate_symbol, steady_curve, steady_volume
from vrest.derive.modelfile import model_from_dict
from vrest.derive.quantities import Derivations
from vrest.derive.steady_state import steady_state

R, F = mpmath.mpf("8.314462618"), mpmath.mpf("96485.33212")


def glial_cell(water: str, pump: str, k_o: float, na_o: float, impermeant: str, temperature: str = "37 degC",
               k_i: str = "140 mM", na_i: str = "10 mM", cl_i: str = "8 mM") -> dict:
    return {
        "model": {"name": "glia", "temperature": temperature},
        "membrane": {"capacitance": "1 uF/cm^2", "area": "1000 um^2", "volume": "2000 um^3",
                     "water_permeability": water},
        "ions": {"K": {"valence": 1, "inside": k_i, "outside": f"{k_o} mM", "permeability": "1e-6 cm/s"},
                 "Na": {"valence": 1, "inside": na_i, "outside": f"{na_o} mM", "permeability": "4e-8 cm/s"},
                 "Cl": {"valence": -1, "inside": cl_i, "outside": f"{k_o + na_o} mM", "permeability": "1e-7 cm/s"}},
        "pump": {"current": pump, "stoichiometry": {"Na": 3, "K": -2}},
        "impermeant": {"concentration": impermeant, "valence": -1},
    }


# The two cells of the report: instant water at 0.01 uA/cm^2, and a finite water permeability at 0.1 uA/cm^2.
INSTANT = glial_cell("instant", "0.01 uA/cm^2", 4, 145, "100 mM", k_i="140 mM", na_i="12 mM", cl_i="10 mM")
SALT_ONLY = glial_cell("1e-10 cm/s/Pa", "0.1 uA/cm^2", 5, 145, "142 mM")


def paper_pump_max(k_o, na_o, p_k, p_na) -> mpmath.mpf:
    """pump_max (A/m^2) from the closed form above (P in m/s, concentrations in mol/m^3; no T in it)."""
    s = mpmath.mpf(k_o) + na_o
    q = 3 * s / (3 - 2 * mpmath.mpf(p_na) / p_k)
    c = 3 / mpmath.mpf(p_na) - 2 / mpmath.mpf(p_k)
    return F * s * mpmath.log(q / (q - na_o)) / c


def root_pump_max(k_o, na_o, p_k, p_na, celsius) -> tuple[mpmath.mpf, mpmath.mpf]:
    """(V, J) where Na_i = 0 and K_i + Na_i = S: the GHK flux balances written out, solved by mpmath."""
    t = mpmath.mpf(celsius) + mpmath.mpf("273.15")
    s = mpmath.mpf(k_o) + na_o

    def concentrations(v, j):
        u = F * v / (R * t)
        factor = mpmath.expm1(-u) / (-u)  # (exp(-u) - 1)/(-u): GHK's 1/exprel(-u) inverted
        return k_o * mpmath.exp(-u) + 2 * j * factor / (F * p_k), na_o * mpmath.exp(-u) - 3 * j * factor / (F * p_na)

    def equations(v, j):
        k_i, na_i = concentrations(v, j)
        return [k_i + na_i - s, na_i]

    with mpmath.workdps(40):
        return tuple(mpmath.findroot(equations, (mpmath.mpf("-0.07"), mpmath.mpf("0.005"))))


def _mM(text: str) -> mpmath.mpf:
    value, unit = text.split()
    assert unit == "mM"
    return mpmath.mpf(value)


def _si(text: str, units: dict[str, str]) -> mpmath.mpf:
    """SI value of "<number> <unit>" for the few units the cells here use."""
    value, unit = text.split()
    return mpmath.mpf(value) * mpmath.mpf(units[unit])


_UNITS = {"mM": "1", "cm/s": "1e-2", "uF/cm^2": "1e-2", "um^2": "1e-12", "um^3": "1e-18", "degC": "0",
          "uA/cm^2": "1e-2"}


def na_free_edge(data: dict, capacitor: bool = True) -> tuple[mpmath.mpf, mpmath.mpf]:
    """(V, I_pump) (SI) of the steady state with Na_i = 0 of a cell with GHK K, Na and Cl leaks and a 3:2 pump,
    written out here (mpmath, 40 digits); ``capacitor`` False: strict electroneutrality instead of the zero net
    charge beyond the membrane capacitor's.

    At a steady state the Na leak at Na_i = 0 carries in what the pump takes out, GHK(Na; V, 0) + 3 J = 0; K's
    leak balances the pump's 2 J in, GHK(K; V, K_i) = 2 J (linear in K_i); Cl does not move, Cl_i =
    Cl_o exp(F V/(R T)); water balance gives A_i = osm_out - K_i - Cl_i; what is left is the charge condition
    K_i - Cl_i + z_A A_i = C_m A V A_i/(F N_A), one equation in V. J is the pump current I_pump.
    """
    ions = data["ions"]
    with mpmath.workdps(40):
        t = mpmath.mpf(data["model"]["temperature"].split()[0]) + mpmath.mpf("273.15")
        c_m, area = _si(data["membrane"]["capacitance"], _UNITS), _si(data["membrane"]["area"], _UNITS)
        volume = _si(data["membrane"]["volume"], _UNITS)
        z_a = mpmath.mpf(data["impermeant"]["valence"])
        n_a = _mM(data["impermeant"]["concentration"]) * volume  # given as a concentration at the file's volume
        outside = {x: _mM(ions[x]["outside"]) for x in ("K", "Na", "Cl")}
        p = {x: _si(ions[x]["permeability"], _UNITS) for x in ("K", "Na")}
        osm_out = sum(outside.values()) + (_mM(data["bath"]["impermeant"]) if "bath" in data else 0)

        def ghk(z, perm, inside, out, v):  # outward current density (A/m^2)
            u = z * F * v / (R * t)
            return perm * z * F * u * (inside - out * mpmath.exp(-u)) / -mpmath.expm1(-u)

        def state(v):
            j = -ghk(1, p["Na"], 0, outside["Na"], v) / 3
            k_i = outside["K"] * mpmath.exp(-F * v / (R * t)) + 2 * j / ghk(1, p["K"], 1, 0, v)
            cl_i = outside["Cl"] * mpmath.exp(F * v / (R * t))
            return j, k_i, cl_i, osm_out - k_i - cl_i

        def charge(v):
            j, k_i, cl_i, a_i = state(v)
            return k_i - cl_i + z_a * a_i - (c_m * area * v * a_i / (F * n_a) if capacitor else 0)

        v = mpmath.findroot(charge, (mpmath.mpf("-0.09"), mpmath.mpf("-0.08")))
        return v, state(v)[0]


@pytest.mark.parametrize("data, celsius", [(SALT_ONLY, 37), (INSTANT, 37)], ids=["finite_water", "instant_water"])
def test_constant_pump_max_is_where_na_i_vanishes(data, celsius):
    model = model_from_dict(data)
    k_o, na_o = (float(data["ions"][x]["outside"].split()[0]) for x in ("K", "Na"))
    p_k, p_na = 1e-8, 4e-10  # m/s
    ctx = Derivations(model)
    # INSTANT starts with 140 K_i + 12 Na_i - 10 Cl_i - 100 impermeant: vrest says so, and rests it without that charge
    with pytest.warns(ModelWarning, match=re.escape("+42 mM of net charge")) if data is INSTANT \
            else contextlib.nullcontext():
        volume = ctx.get("volume_ss")
        pump_max = ctx.get("pump_max")
    rate = float(model.values[pump_rate_symbol(model)])
    assert math.isfinite(volume.value) and volume.value > 0
    assert pump_max.value > rate  # the defect: a "largest rate" below the one with a finite volume
    paper = paper_pump_max(k_o, na_o, p_k, p_na)
    v_strict, j_strict = root_pump_max(k_o, na_o, p_k, p_na, celsius)
    assert j_strict == pytest.approx(float(paper), rel=1e-12)  # the two independent forms agree
    assert na_free_edge(data, capacitor=False)[1] == pytest.approx(float(paper), rel=1e-12)  # and the third
    v, j = na_free_edge(data)
    assert pump_max.value == pytest.approx(float(j), rel=1e-10)
    assert abs(pump_max.value / float(paper) - 1) > 1e-6  # the capacitor's charge moves it measurably
    at = {symbol.name: value for symbol, value in pump_max.at}
    assert at["V"] == pytest.approx(float(v), abs=1e-12)  # V; not the degenerate V = 0
    assert at["Na_i"] == 0 and at["A_i"] > 100  # the impermeant concentration stays positive
    assert "Na_i falls to 0" in pump_max.description


def test_finite_volume_just_below_pump_max_and_none_above():
    """The full model (V, amounts, volume; capacitor charge kept) by continuation: 0.1 % either side."""
    model = model_from_dict(SALT_ONLY)
    pump_max = Derivations(model).get("pump_max").value
    scale = pump_max / float(model.values[pump_rate_symbol(model)])
    below, above = steady_curve(model, [0.999 * scale, 1.001 * scale])
    assert below is not None and above is None
    assert 1e-15 < steady_volume(model, below) < 1e-14  # about 2000 um^3
    sodium = next(ion for ion in model.ions if ion.name == "Na")
    assert 0 < below[sodium.amount] / steady_volume(model, below) < 1  # mM: Na_i nearly used up


def test_cli_prints_the_corrected_pump_max(tmp_path):
    path = tmp_path / "salt.toml"
    path.write_text(toml_dumps(SALT_ONLY), encoding="utf-8")
    code, out, _ = run_cli("derive", str(path), "--quantity", "pump_max", "--quantity", "volume_ss")
    assert code == 0
    expected = float(na_free_edge(SALT_ONLY)[1]) * 100
    assert f"{expected:.6g} uA/cm^2" in out and "e-4" not in out


@pytest.mark.parametrize("scale, verdict", [(0, "too weak"), (10, "too strong")])
def test_no_steady_state_says_whether_the_pump_is_too_weak_or_too_strong(scale, verdict):
    model = model_from_dict(SALT_ONLY)
    with pytest.raises(NoSteadyState) as caught:
        steady_state(model, pump_scale=scale)
    message = str(caught.value)
    assert verdict in message and "(or too strong)" not in message
    if verdict == "too strong":
        assert f"{float(na_free_edge(SALT_ONLY)[1]) * 100:.6g} uA/cm^2 at which Na_i falls to 0" in message


# -- property: pump_max is above every rate with a finite steady volume ---------------------------------------

def _concentration(low: float, high: float):
    return st.floats(low, high, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 3))


@st.composite
def pump_leak_models(draw) -> dict:
    """Valid pump-leak cells: electroneutral bath and inside, GHK or ohmic leaks, constant or saturating pump."""
    k_o, na_o = draw(_concentration(2, 10)), draw(_concentration(100, 150))
    k_i, na_i, cl_i = draw(_concentration(100, 150)), draw(_concentration(5, 25)), draw(_concentration(3, 40))
    valence = draw(st.sampled_from([-1, -2]))
    ions = {}
    for name, z, inside, outside, relative in (("K", 1, k_i, k_o, 1.0), ("Na", 1, na_i, na_o, 0.05),
                                               ("Cl", -1, cl_i, k_o + na_o, 0.5)):
        ion = {"valence": z, "inside": f"{inside} mM", "outside": f"{outside} mM"}
        size = relative * 10 ** draw(st.floats(-0.5, 0.5))
        if draw(st.booleans()):
            ion["permeability"] = f"{size * 1e-6:.4g} cm/s"
        else:
            ion["conductance"] = f"{size * 0.2:.4g} mS/cm^2"
        ions[name] = ion
    rate = 10 ** draw(st.floats(-2, 0.3))
    if draw(st.booleans()):
        pump = {"current": f"{rate:.4g} uA/cm^2"}
    else:
        pump = {"max_current": f"{3 * rate:.4g} uA/cm^2", "K_half_Na": f"{draw(_concentration(2, 15))} mM",
                "K_half_K": f"{draw(_concentration(0.5, 2))} mM"}
    pump["stoichiometry"] = {"Na": 3, "K": -2}
    data = {"model": {"name": "generated", "temperature": draw(st.sampled_from(["20 degC", "25 degC", "37 degC"]))},
            "membrane": {"capacitance": "1 uF/cm^2", "area": "1000 um^2", "volume": "2000 um^3",
                         "water_permeability": draw(st.sampled_from(["instant", "1e-10 cm/s/Pa"]))},
            "ions": ions, "pump": pump,
            "impermeant": {"concentration": f"{(k_i + na_i - cl_i) / -valence:.6g} mM", "valence": valence}}
    if draw(st.booleans()):
        data["bath"] = {"impermeant": f"{draw(_concentration(5, 30))} mM"}
    return data


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pump_leak_models())
@example(drawn_cell())  # a draw once taken for a fold: its volume grows without bound at V = 0
def test_pump_max_is_above_any_rate_with_a_finite_volume(data):
    model = model_from_dict(data)
    ctx = Derivations(model)
    try:
        volume = ctx.get("volume_ss").value
    except NotApplicable:
        return  # no finite volume at the model's rate: nothing to compare
    assert math.isfinite(volume) and volume > 0
    try:
        pump_max = ctx.get("pump_max")
    except NotApplicable as reason:
        assert str(reason).startswith("none"), reason  # "none", with the reason
        return
    assert pump_max.value > float(model.values[pump_rate_symbol(model)])
    at = {symbol.name: value for symbol, value in pump_max.at}
    assert at["I_pump"] > 0 and (at["A_i"] == 0 or min(v for k, v in at.items() if k.endswith("_i")) == 0)
