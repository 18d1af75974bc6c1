"""The table of plausible ranges (derive.limits): refused outside what can be physical, warned outside
what is usual for a living cell, each message naming the key, the value and the range.

The bounds' physical anchors are checked against values computed here from their sources.
"""

from __future__ import annotations

import math
import re
import warnings
from fractions import Fraction
from pathlib import Path

import pytest

from vrest.derive import limits
from vrest.derive.builtin import BUILTIN_MODELS, resolve_model
from vrest.derive.errors import ModelError
from vrest.derive.limits import RANGES, UnusualValueWarning, check, check_number
from vrest.derive.modelfile import model_from_dict
from vrest.derive.units import DIMENSIONS, parse_quantity
from tests.conftest import SEED_PUMP_MODEL

ROOT = Path(__file__).resolve().parents[1]


def test_every_dimension_a_model_file_reads_has_a_range():
    assert set(DIMENSIONS) <= set(RANGES)


def test_the_built_in_models_are_usual_cells():
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnusualValueWarning)
        for name in BUILTIN_MODELS:
            resolve_model(name)


def _beyond(bound: str, sign: int) -> Fraction:
    """A value just past ``bound`` (one part in a million; 1e-6 beyond a bound of 0)."""
    value = Fraction(bound)
    return value + sign * (abs(value) / 10**6 or Fraction(1, 10**6))


@pytest.mark.parametrize("kind", sorted(RANGES))
def test_each_range_keeps_its_bounds_and_refuses_beyond(kind):
    entry = RANGES[kind]
    key = f"probe.{kind.replace(' ', '_')}"
    unit = entry.unit
    for bound in (entry.low, entry.high):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UnusualValueWarning)
            assert check(key, entry.si(bound), kind) == entry.si(bound)
    for bound, sign in ((entry.low, -1), (entry.high, 1)):
        value = _beyond(bound, sign) * entry.si("1")
        with pytest.raises(ModelError) as error:
            check(key, value, kind, f"{float(value / entry.si('1')):g} {unit}")
        message = str(error.value)
        assert message.startswith(f"{key} = ") and entry.allowed in message, message
        assert (entry.too_low if sign < 0 else entry.too_high) in message


@pytest.mark.parametrize("kind", sorted(k for k, v in RANGES.items() if v.usual_low is not None))
def test_each_usual_band_warns_naming_key_and_value(kind):
    entry = RANGES[kind]
    for bound, sign in ((entry.usual_low, -1), (entry.usual_high, 1)):
        value = _beyond(bound, sign) * entry.si("1")
        if not entry.si(entry.low) <= value <= entry.si(entry.high):
            continue  # the usual band reaches the refusal bound on this side (e.g. a factor of 0)
        with pytest.warns(UnusualValueWarning, match=rf"^probe = .* unusual for a living cell \(.+\); used as given"):
            check("probe", value, kind)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnusualValueWarning)
        check("probe", entry.si(entry.usual_low), kind)
        check("probe", entry.si(entry.usual_high), kind)


def test_the_physical_anchors_of_the_bounds():
    # The critical point of water, 647.096 K (IAPWS-95): the temperature ceiling.
    assert RANGES["temperature"].high == "647.096"
    # Pure water: 997.05 g/L / 18.015 g/mol = 55.3 mol/L, under the concentration ceiling of 100 M and
    # over the usual band; saturated NaCl (360 g/L, 58.44 g/mol: 6.2 M) at the usual band's top.
    water = 997.05 / 18.015 * 1000  # mM
    concentration = RANGES["concentration"]
    assert float(concentration.si(concentration.usual_high)) < water < float(concentration.si(concentration.high))
    assert float(concentration.si(concentration.usual_high)) == pytest.approx(360 / 58.44 * 1000, rel=0.03)
    # One particle is 1/N_A mol = 1.66e-9 fmol: the amount floor is below one particle.
    one_particle = 1 / 6.02214076e23  # mol
    floor = float(RANGES["amount"].si(RANGES["amount"].low))
    assert floor < one_particle < 2 * floor
    # 1 aM in 1 nL holds 1e-18 mol/L * 1e-9 L * N_A = 6e-4 particles: less than one.
    assert float(concentration.si(concentration.low)) * 1e-12 * 6.02214076e23 < 1  # mol/m^3 * m^3 (1 nL)
    # C = eps0 eps_r / d: a layer 0.3 nm thick at the permittivity of water (80) is under the capacitance
    # ceiling; a lipid dielectric (eps_r 2) 1 mm thick is over the floor (the floor is thicker still).
    eps0 = 8.8541878128e-12  # F/m
    capacitance = RANGES["capacitance per area"]
    assert eps0 * 80 / 0.3e-9 < float(capacitance.si(capacitance.high))
    assert eps0 * 2 / 1e-3 > float(capacitance.si(capacitance.low))


def test_a_key_with_a_range_of_its_own_is_covered_by_one_line(monkeypatch):
    """A dotted path in RANGES ("*" for any name) takes precedence over the dimension the key is read in."""
    monkeypatch.setitem(RANGES, "ions.*.probe", limits.Limits("mM", "1", "2", "too little", "too much"))
    assert parse_quantity("1.5 mM", "ions.K.probe", "concentration")[0] == Fraction(3, 2)
    with pytest.raises(ModelError, match=r"ions.Na.probe = '3 mM': outside the allowed range 1 mM to 2 mM: too much"):
        parse_quantity("3 mM", "ions.Na.probe", "concentration")
    assert parse_quantity("3 mM", "ions.Na.inside", "concentration")[0] == 3


def test_37_kelvin_warns_and_suggests_degC():
    with pytest.warns(UnusualValueWarning, match=r"model.temperature = '37 K' is below 253.15 K .* did you mean "
                                                 r"'37 degC'\?"):
        value, unit = parse_quantity("37 K", "model.temperature", "temperature")
    assert (value, unit) == (37, "K")


def test_a_warning_shows_the_value_in_the_range_unit():
    with pytest.warns(UnusualValueWarning, match=re.escape("ions.K.inside = '9 M' (9000 mM) is above 6000 mM")):
        parse_quantity("9 M", "ions.K.inside", "concentration")


@pytest.mark.parametrize("text, words", [
    ("37 C", ["unit 'C' is not a temperature", "did you mean '37 degC'?"]),
    ("98 F", ["unit 'F' is not a temperature", "did you mean '98 degF'?"]),
    ("1" * 41 + " K", ["41 characters: at most 40"]),
    ("1e999999 K", ["outside the allowed range 1 K (-272.15 degC) to 647.096 K"]),
    ("300 K^99999", ["holds a number such as 100, 2.5 or 1e9"]),
    ("300 ((((((K))))))", ["nested 6 deep"]),
    ("37 mM)", ["unit 'mM)' has unbalanced parentheses"]),
    ("37 (K", ["unit '(K' has unbalanced parentheses"]),
    ("37 K # a comment", ["holds '#'"]),
    ("37 lambda: K", ["holds ':'"]),
])
def test_quantity_texts_are_bounded_before_pint_reads_them(text, words):
    with pytest.raises(ModelError) as error:
        parse_quantity(text, "model.temperature", "temperature")
    for word in words:
        assert word in str(error.value)


def test_1e_minus_999999_degC_is_the_ice_point():
    """A vanishing number of degC is 273.15 K, not an error."""
    assert float(parse_quantity("1e-999999 degC", "model.temperature", "temperature")[0]) == 273.15


@pytest.mark.parametrize("value, words", [
    (True, ["expected an integer"]), (1.0, ["expected an integer"]), (0, ["non-zero"]),
    (11, ["-10 to 10"]), (-11, ["-10 to 10"]),
])
def test_unitless_numbers(value, words):
    with pytest.raises(ModelError) as error:
        check_number("pump.stoichiometry.Na", value, "stoichiometry")
    for word in words:
        assert word in str(error.value)


def test_a_factor_may_be_zero_but_not_nan():
    assert check_number("scenario.x.set.pump", 0, "factor", integer=False, zero=True) == 0
    with pytest.raises(ModelError, match="finite"):
        check_number("scenario.x.set.pump", math.nan, "factor", integer=False, zero=True)


def _model(**edits) -> dict:
    data = {k: dict(v) if isinstance(v, dict) else v for k, v in SEED_PUMP_MODEL.items()}
    for path, value in edits.items():
        table, key = path.rsplit("__", 1)
        data.setdefault(table, {})[key] = value
    return data


def test_a_sphere_is_the_largest_volume_an_area_holds():
    """Kay's cell of radius 5 um: area 4 pi r^2, volume 4/3 pi r^3 (the sphere: allowed); 1 % more volume is not."""
    r = 5.0
    area, sphere = 4 * math.pi * r**2, 4 / 3 * math.pi * r**3
    model_from_dict(_model(membrane__area=f"{area!r} um^2", membrane__volume=f"{sphere * (1 - 1e-9)!r} um^3"))
    with pytest.raises(ModelError, match=r"membrane.volume = .*more than a membrane of area .* can enclose \(a sphere "
                                         r"holds 523.59"):
        model_from_dict(_model(membrane__area=f"{area!r} um^2", membrane__volume=f"{sphere * 1.01!r} um^3"))


def test_a_cell_is_thicker_than_its_membrane():
    """A flat cell of area A and volume V is 2V/A thick: 1000 um^2 and 2 um^3 give 4 nm, under a bilayer's 5 nm."""
    with pytest.raises(ModelError, match=r"membrane.area = '1000 um\^2': .* at most 4 nm thick"):
        model_from_dict(_model(membrane__area="1000 um^2", membrane__volume="2 um^3"))
    model_from_dict(_model(membrane__area="1000 um^2", membrane__volume="3 um^3"))  # 6 nm


def test_many_ions_are_refused_before_any_work():
    ions = {f"X{k}": {"valence": 1, "reversal": "0 mV", "conductance": "1 mS/cm^2"} for k in range(13)}
    with pytest.raises(ModelError, match=r"^ions: 13 ions, more than the 12 allowed$"):
        model_from_dict({**SEED_PUMP_MODEL, "ions": ions, "pump": {"current": "1 uA/cm^2", "stoichiometry": {"X0": 1}}})


def test_model_errors_are_one_short_line():
    error = ModelError("ions.K\n", "x" * 10_000 + "\n", "bad\nthing")
    assert "\n" not in str(error) and len(str(error)) < 300
    assert str(error).startswith("ions.K\\n = 'xxxx") and str(error).endswith("bad\\nthing")
    deep: list = []
    for _ in range(900):
        deep = [deep]
    assert len(str(ModelError("x", deep, "too deep"))) < 100


def test_the_documentation_carries_the_table():
    text = (ROOT / "docs" / "limits.md").read_text(encoding="utf-8")
    assert limits.markdown_table() in text
