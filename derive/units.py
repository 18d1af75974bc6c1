"""Quantities with units: "140 mM" -> an exact SI value, checked against a dimension.

vrest computes in SI throughout (V, S/m^2, F/m^2, A/m^2, m/s, mol/m^3 = mM, m^2,
m^3, s, K), so symbolic expressions need no unit factors. Conversion is done by
pint with exact rational arithmetic, so "140 mM" is exactly 140 mol/m^3 and
"37 degC" exactly 6203/20 K.
"""

from __future__ import annotations

import re
import tokenize
from fractions import Fraction
from functools import cache, lru_cache

from . import limits
from .errors import ModelError

__all__ = ["DIMENSIONS", "convert", "dimensionality", "parse_quantity", "unit_factor", "unit_name", "unit_parts",
           "value_hint"]

# Expected dimensions by name, each given by a reference unit of that dimension.
DIMENSIONS: dict[str, str] = {
    "concentration": "mM",
    "temperature": "K",
    "capacitance per area": "uF/cm^2",
    "conductance per area": "mS/cm^2",
    "current per area": "uA/cm^2",
    "permeability": "cm/s",
    "hydraulic permeability": "cm/s/Pa",
    "area": "um^2",
    "volume": "um^3",
    "amount": "fmol",
    "time": "s",
    "voltage": "mV",
}

_NOT_UNIT = re.compile(r"[^\w\s*/^().°%·-]")  # what a unit is written with (pint reads more, quietly)
_LONG_NUMBER = re.compile(r"\d{3}|\d[.eE]\d")  # in a unit: m^2 yes, m^1000 or m^1e9 no
_NUMBER = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(.*?)\s*$")


@lru_cache(maxsize=1)
def _registry():
    import pint  # imported on first use: it costs ~0.2 s

    return pint.UnitRegistry(non_int_type=Fraction, autoconvert_offset_to_baseunit=True)


@cache
def _to_base(unit: str) -> tuple[Fraction, Fraction, dict]:
    """(scale, offset, dimensionality) with value_SI = scale * number + offset."""
    import pint

    ureg = _registry()
    try:
        zero = ureg.Quantity(Fraction(0), unit).to_base_units()
        one = ureg.Quantity(Fraction(1), unit).to_base_units()
    except (pint.PintError, AttributeError, TypeError, ValueError, AssertionError, RecursionError,
            tokenize.TokenError, SyntaxError) as exc:  # pint parses units with Python's tokenizer
        raise ValueError(f"unknown unit {unit!r}") from exc
    return one.magnitude - zero.magnitude, zero.magnitude, dict(one.dimensionality)


def unit_parts(unit: str) -> tuple[Fraction, Fraction, dict]:
    """(scale, offset, dimensionality) of a unit: value_SI = scale * number + offset."""
    return _to_base(unit)


def unit_name(unit: str) -> str:
    """The units library's own name of a unit ("mV" -> "millivolt"); ValueError if unknown."""
    _to_base(unit)
    return str(_registry().get_name(unit))


def unit_factor(unit: str) -> Fraction:
    """SI value of one ``unit`` (no offset units): e.g. unit_factor("mV") = 1/1000."""
    scale, offset, _ = _to_base(unit)
    if offset:
        raise ValueError(f"unit {unit!r} has an offset; use convert()")
    return scale


def dimensionality(unit: str) -> dict:
    """The unit's dimensions as pint reports them, e.g. {'[length]': 1, '[time]': -1} for "cm/s"."""
    return _to_base(unit)[2]


def convert(value_si: float | Fraction, unit: str) -> float:
    """An SI value expressed in ``unit`` (e.g. 0.0712 V in "mV" -> 71.2)."""
    scale, offset, _ = _to_base(unit)
    return float((Fraction(value_si) - offset) / scale)


def parse_quantity(text: object, key: str, dimension: str, check: bool = True) -> tuple[Fraction, str]:
    """Parse "<number> <unit>" for ``key``; return (exact SI value, unit as written).

    Raises ModelError naming the key, the value and the expected dimension when
    the text is not a quantity, the unit is unknown or has the wrong dimension.
    With ``check``, the value must lie in the key's range (derive.limits: refused
    outside what can be physical, a warning outside what is usual for a cell).
    """
    expected = DIMENSIONS[dimension]
    if not isinstance(text, str):
        raise ModelError(
            key, text, f"expected a string '<number> <unit>' with a unit of {dimension} (e.g. '1 {expected}')"
        )
    match = _NUMBER.match(text)
    if not match:
        raise ModelError(key, text, f"expected '<number> <unit>', a {dimension} such as '1 {expected}'")
    number, unit = match.groups()
    if not unit:
        example = f"{number} {expected}" if not _kelvin_hint(dimension, number, "K") else f"{number} degC"
        raise ModelError(key, text, f"a unit is required: a {dimension} such as '{example}'")
    _check_sizes(key, text, number, unit)
    try:
        scale, offset, dims = _to_base(unit)
    except ValueError:
        raise ModelError(key, text, f"unknown unit {unit!r}; expected a {dimension} such as '{expected}'") from None
    if dims != _to_base(expected)[2]:
        hint = f"; did you mean '{number} deg{unit}'?" if dimension == "temperature" and unit in ("C", "F") else ""
        raise ModelError(key, text, f"unit {unit!r} is not a {dimension} (such as '{expected}'){hint}")
    value = scale * _exact(number) + offset
    if check:
        limits.check(key, value, dimension, text, _kelvin_hint(dimension, number, unit))
    return value, unit


def _check_sizes(key: str, text: str, number: str, unit: str) -> None:
    """Bounded work: no number of thousands of digits, no unit nested a thousand deep."""
    if len(number) > limits.COUNTS["number characters"]:
        raise ModelError(key, text, f"a number of {len(number)} characters: at most "
                         f"{limits.COUNTS['number characters']} (no measurement has more digits)")
    depth = nesting = 0
    for character in unit:
        nesting += {"(": 1, ")": -1}.get(character, 0)
        depth = max(depth, nesting)
        if nesting < 0:
            break
    if nesting != 0:
        raise ModelError(key, text, f"unit {unit!r} has unbalanced parentheses")
    odd = _NOT_UNIT.search(unit)
    if odd:
        raise ModelError(key, text, f"unit {unit!r} holds {odd.group()!r}: a unit is names, numbers, spaces and "
                         "* / ^ ( ) . -")
    if len(unit) > limits.COUNTS["unit characters"] or depth > limits.COUNTS["unit nesting"]:
        raise ModelError(key, text, f"a unit of {len(unit)} characters nested {depth} deep: at most "
                         f"{limits.COUNTS['unit characters']} characters and {limits.COUNTS['unit nesting']} "
                         "levels of parentheses")
    if _LONG_NUMBER.search(unit):
        raise ModelError(key, text, f"unit {unit!r} holds a number such as 100, 2.5 or 1e9: units have "
                         "small whole powers, e.g. 'um^3'")


def _exact(number: str) -> Fraction:
    """The number as an exact fraction; beyond 1e+-400 (outside every range) a stand-in of that size."""
    mantissa, _, exponent = number.lower().partition("e")
    bound = limits.COUNTS["exponent"]
    if exponent and abs(int(exponent)) > bound and Fraction(mantissa) != 0:
        size = Fraction(10) ** (bound + 1 if int(exponent) > 0 else -bound - 1)
        return -size if mantissa.startswith("-") else size
    return Fraction(number)


def value_hint(text: object, dimension: str) -> str:
    """The hint parse_quantity gives a value it range-checks ("37 K": "did you mean '37 degC'?"), for a caller that
    checks the range itself."""
    match = _NUMBER.match(text) if isinstance(text, str) else None
    return _kelvin_hint(dimension, *match.groups()) if match else ""


def _kelvin_hint(dimension: str, number: str, unit: str) -> str:
    """For "37 K": the same number in degC, which a living cell may well have."""
    if dimension != "temperature" or unit != "K":
        return ""
    temperature = limits.RANGES["temperature"]
    as_celsius = _exact(number) + Fraction("273.15")
    if temperature.si(temperature.usual_low) <= as_celsius <= temperature.si(temperature.usual_high):
        return f"did you mean '{number} degC'?"
    return ""
