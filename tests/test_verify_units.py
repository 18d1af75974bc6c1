"""Numbers with units in user text: exact SI values, dimensions, and what is refused.

Expected SI values are exact fractions worked out here by hand (1 mV = 1/1000 V,
1 uF/cm^2 = 1e-6 F / 1e-4 m^2 = 1/100 F/m^2, 0 degC = 273.15 K).
"""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy as sp
from test_verify_symbols import NAMES, S

from vrest.derive.verify import ParseError, parse_written, setting
from vrest.derive.verify.dimensions import describe, of_unit

z = sp.Symbol("z", real=True, nonzero=True)
NAMES_Z = {**NAMES, "z": z}
K_i, K_o, F, V = S["K_i"], S["K_o"], S["F"], S["V"]

VALUES = [
    ("61.5 mV", Fraction(123, 2000), "mV"),
    ("26.7 mV", Fraction(267, 10000), "mV"),
    ("96485 C/mol", Fraction(96485), "C/mol"),
    ("8.314 J/(mol K)", Fraction(4157, 500), "J/(mol*K)"),
    ("8.314 J/(mol*K)", Fraction(4157, 500), "J/(mol*K)"),
    ("310 K", Fraction(310), "K"),
    ("37 degC", Fraction(6203, 20), "K"),  # 310.15 K
    ("-5 degC", Fraction(5363, 20), "K"),  # 268.15 K, not -(278.15 K)
    ("1 uF/cm^2", Fraction(1, 100), "uF/cm^2"),
    (r"1 uF/cm^{2}", Fraction(1, 100), "uF/cm^2"),
    ("1 \u00b5F/cm^2", Fraction(1, 100), "uF/cm^2"),
    ("0.15 mS/cm^2", Fraction(3, 2), "mS/cm^2"),
    ("0.75 uA/cm^2", Fraction(3, 400), "uA/cm^2"),
    ("4 mM", Fraction(4), "mM"),
    ("5mM", Fraction(5), "mM"),
    ("20 kohm cm^2", Fraction(2), "ohm*cm^2"),
    ("3 s^-1", Fraction(3), "1/s"),
    ("4.5e-7 cm/s", Fraction(9, 2) * Fraction(1, 10**9), "cm/s"),
    ("2 h", Fraction(7200), "s"),
]


@pytest.mark.parametrize("text, si, unit", VALUES, ids=[v[0] for v in VALUES])
def test_number_with_unit_is_its_exact_si_value(text, si, unit):
    written = parse_written(text, NAMES)
    assert written.value == sp.Rational(si.numerator, si.denominator)
    assert written.dim == of_unit(unit)
    assert len(written.literals) == 1 and written.literals[0].unit is not None


READINGS = [
    ("61.5 mV log10(K_o/K_i)", sp.Rational(123, 2000) * sp.log(K_o / K_i) / sp.log(10)),
    ("4 mM/140 mM", sp.Rational(1, 35)),
    ("2 F", 2 * F),  # the model's names win: twice the Faraday constant, not 2 farad
    ("1e-3 V", sp.Float("1e-3") * V),  # and V is the membrane potential
    ("2 zF", 2 * z * F),  # zF is z times F, not a zeptofarad
    ("exp(-V/(25 mV))", sp.exp(-40 * V)),
    # a unit after a power of ten belongs to the whole power
    ("10^2 mV", sp.Rational(1, 10)),
    ("-19*10^1 mV", sp.Rational(-190, 1000)),
    ("-19 * 10^(-2) volt", sp.Rational(-19, 100)),
    ("4*10^-3 M", sp.Rational(4, 1)),
    ("20 k\u03a9 cm^2", sp.Integer(2)),  # 20 kOhm cm^2 = 2 ohm m^2
    ("37 \u00b0C", sp.Rational(6203, 20)),  # 310.15 K
]


@pytest.mark.parametrize("text, expected", READINGS, ids=[r[0] for r in READINGS])
def test_reading_with_units(text, expected):
    assert parse_written(text, NAMES_Z).value == expected


def test_literals_are_kept_apart():
    written = parse_written("E_K + 61.5 mV log10(4/140)", NAMES)
    assert [lit.text for lit in written.literals] == ["4", "140", "61.5 mV"]
    assert [lit.unit for lit in written.literals] == [None, None, "mV"]
    assert written.with_numbers() == written.value
    five = written.literals[0]
    changed = written.with_numbers({five.symbol: sp.Rational(27, 5)})
    assert changed == S["E_K"] + sp.Rational(123, 2000) * sp.log(sp.Rational(27, 700)) / sp.log(10)


REFUSED = [
    ("61.5 mV mV", 9, "unit 'mV' is written twice"),
    ("5 mV/mV", 6, "unit 'mV' is written twice"),
    ("mV", 1, "unit 'mV' needs a number before it"),
    ("exp(5 mV)", 5, "the argument of exp must be a pure number, not a potential"),
    ("2^(3 mV)", 4, "an exponent must be a pure number, not a potential"),
    ("e^{-5 mV}", 4, "an exponent must be a pure number"),
    ("1e400 mV", 1, "number 1e400 is out of range"),
    ("5 mVolts", 3, "unknown unit or name 'mVolts'"),
    ("5 cm^2.5", 6, "a unit's power must be a whole number from 1 to 6"),
    ("5 cm^7", 6, "a unit's power must be a whole number from 1 to 6"),
    ("5 cm^x", 6, "a unit's power must be a whole number"),
    ("37 degC K", 4, "degC is a temperature scale"),
    ("5 degC^2", 3, "degC is a temperature scale"),
    ("5 (mV)^2", 3, "a power of a bracketed unit is not allowed"),
    ("2 3 mV", 3, "two numbers in a row"),
    ("4 RT", 3, "unknown unit or name 'RT'"),  # no R and T here: RT is no unit (pint: ronnatesla)
]


@pytest.mark.parametrize("text, column, message", REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_with_its_column(text, column, message):
    with pytest.raises(ParseError) as info:
        parse_written(text, {"K_o": K_o})
    assert message in info.value.message
    assert info.value.column == column


def test_dimensions_of_the_models_names_are_checked():
    s = setting("neuron")
    assert parse_written("g_K (V - E_K)", s.names, dimensions=s.dimensions).dim == of_unit("uA/cm^2")
    assert parse_written("RT/F", s.names, dimensions=s.dimensions).dim == of_unit("mV")
    assert parse_written("C_m/g_leak", s.names, dimensions=s.dimensions).dim == of_unit("ms")
    assert parse_written("E_K - 0.07 V", s.names, dimensions=s.dimensions).dim == of_unit("mV")
    with pytest.raises(ParseError, match="column 7: cannot subtract a pure number from a potential: they have "
                                         "different dimensions"):
        parse_written("E_K - 0.07", s.names, dimensions=s.dimensions)  # a bare number is a pure number
    with pytest.raises(ParseError, match="column 7: cannot add a concentration to a potential: they have different "
                                         "dimensions"):
        parse_written("E_K + K_o", s.names, dimensions=s.dimensions)
    with pytest.raises(ParseError, match="the argument of exp must be a pure number, not a potential"):
        parse_written("exp(V)", s.names, dimensions=s.dimensions)
    assert parse_written("exp(-F V/(R T))", s.names, dimensions=s.dimensions).dim == ()


def test_dimensions_are_named_as_a_physiologist_would():
    assert describe(of_unit("mM")) == "a concentration"
    assert describe(of_unit("mV")) == "a potential"
    assert describe(of_unit("uF/cm^2*mS/cm^2")) == "a capacitance per area times a conductance per area"
    assert describe(of_unit("ms"), article=False) == "time"
