"""Quantities with units: "140 mM" -> an exact SI value, checked against a dimension.

vrest computes in SI throughout (V, S/m^2, F/m^2, A/m^2, m/s, mol/m^3 = mM, m^2,
m^3, s, K), so symbolic expressions need no unit factors. Conversion is done by
pint with exact rational arithmetic, so "140 mM" is exactly 140 mol/m^3 and
"37 degC" exactly 6203/20 K.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import cache, lru_cache

from .errors import ModelError

__all__ = ["DIMENSIONS", "convert", "dimensionality", "parse_quantity", "unit_factor", "unit_name", "unit_parts"]

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
    except (pint.PintError, AttributeError, TypeError, ValueError, AssertionError) as exc:
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


def parse_quantity(text: object, key: str, dimension: str) -> tuple[Fraction, str]:
    """Parse "<number> <unit>" for ``key``; return (exact SI value, unit as written).

    Raises ModelError naming the key, the value and the expected dimension when
    the text is not a quantity, the unit is unknown or has the wrong dimension.
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
        raise ModelError(key, text, f"a unit is required: a {dimension} such as '{number} {expected}'")
    try:
        scale, offset, dims = _to_base(unit)
    except ValueError:
        raise ModelError(key, text, f"unknown unit {unit!r}; expected a {dimension} such as '{expected}'") from None
    if dims != _to_base(expected)[2]:
        raise ModelError(key, text, f"unit {unit!r} is not a {dimension} (such as '{expected}')")
    return scale * Fraction(number) + offset, unit
