"""The unit of a variable in another tool's model file: its dimension in SI base units, its SI
factor (value_SI = factor * value_in_file) and a unit to show it in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from ..errors import ModelError
from ..units import unit_parts

__all__ = ["Dimension", "KINDS", "si_factor", "display_unit"]

# Exponents of kg, m, s, A, K, cd, mol.
KINDS: dict[str, tuple[int, ...]] = {
    "dimensionless": (0, 0, 0, 0, 0, 0, 0),
    "time": (0, 0, 1, 0, 0, 0, 0),
    "voltage": (1, 2, -3, -1, 0, 0, 0),
    "current": (0, 0, 0, 1, 0, 0, 0),
    "current per area": (0, -2, 0, 1, 0, 0, 0),
    "current per capacitance": (1, 2, -4, -1, 0, 0, 0),  # A/F = V/s: currents some cardiac models divide by C_m
    "capacitance": (-1, -2, 4, 2, 0, 0, 0),
    "capacitance per area": (-1, -4, 4, 2, 0, 0, 0),
}
# The unit vrest's own models show a quantity of each dimension in, for a file's unit the units
# library cannot name as written (a prefix Myokit reads as a bare factor, as in amol or fA/um^2).
_CONVENTIONAL: dict[tuple[int, ...], str] = {
    (0, 0, 0, 0, 0, 0, 1): "fmol",  # amount
    KINDS["voltage"]: "mV",
    KINDS["current per area"]: "uA/cm^2",
    KINDS["capacitance per area"]: "uF/cm^2",
    (-1, -4, 3, 2, 0, 0, 0): "mS/cm^2",  # conductance per area
    (0, 1, -1, 0, 0, 0, 0): "cm/s",  # permeability
    KINDS["capacitance"]: "pF",  # a cell's: 185 pF for a ventricular myocyte
    KINDS["current"]: "pA",  # a cell's: nS (vrest's whole-cell conductance) times mV
    (0, 3, 0, 0, 0, 0, 0): "um^3",  # a cell's volume, as vrest's own models and the cardiac papers give it
}
_MEMBRANE = (KINDS["voltage"], KINDS["current per area"], KINDS["capacitance per area"])
# A whole cell's capacitance, current and volume in F, A and m^3 (as vrest's SI exports write them) read in
# numbers of 1e-10 and below: shown in the cell's units instead; a file's own prefixed unit (uF, pA, uL) stays.
_WHOLE_CELL = (KINDS["capacitance"], KINDS["current"], (0, 3, 0, 0, 0, 0, 0))
_PINT_DIMENSIONS = ("[mass]", "[length]", "[time]", "[current]", "[temperature]", "[luminosity]", "[substance]")
_SIMPLE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(?:[*/][A-Za-z0-9_]+(?:\^-?[0-9]+)?)*(?:\^-?[0-9]+)?$|^1/[A-Za-z0-9_/^]+$")


@dataclass(frozen=True)
class Dimension:
    """A file's unit: SI exponents, SI factor, the name the reader gives it; ``unknown`` when the file gives none."""

    exponents: tuple[Fraction, ...]
    factor: Fraction
    text: str
    unknown: bool = False

    @classmethod
    def of(cls, unit) -> Dimension:
        """From a myokit.Unit (gram-based exponents and a power-of-ten multiplier); None: no unit given."""
        if unit is None:
            return cls(tuple(Fraction(0) for _ in range(7)), Fraction(1), "", unknown=True)
        grams, *rest = (Fraction(x).limit_denominator(1000) for x in unit.exponents())
        power = unit.multiplier_log_10()
        exact = abs(power - round(power)) < 1e-9
        multiplier = Fraction(10) ** round(power) if exact else Fraction(repr(unit.multiplier()))
        text = str(unit).strip("[]")
        if grams.denominator == 1:
            return cls((grams, *rest), multiplier * Fraction(1, 1000) ** int(grams), text)
        # g^(1/2) and the like: 1000^-g is irrational, so the factor is the nearest double
        return cls((grams, *rest), Fraction(float(multiplier) * 1000.0 ** -float(grams)), text)

    def is_(self, kind: str) -> bool:
        return not self.unknown and self.exponents == tuple(Fraction(x) for x in KINDS[kind])


def si_factor(dimension: Dimension, where: str) -> sp.Rational:
    """SI value of one unit of ``dimension`` as an exact rational; fractional powers of ten are refused."""
    if dimension.factor <= 0:
        raise ModelError(where, dimension.text, "a unit with a factor that is not positive")
    return sp.Rational(dimension.factor.numerator, dimension.factor.denominator)


def _power(base: str, exponent: Fraction) -> str:
    return base if exponent == 1 else f"{base}^{exponent.numerator if exponent.denominator == 1 else float(exponent):g}"


def _si_text(exponents: tuple[Fraction, ...]) -> str:
    up = [_power(b, e) for b, e in zip(("kg", "m", "s", "A", "K", "cd", "mol"), exponents, strict=True) if e > 0]
    down = [_power(b, -e) for b, e in zip(("kg", "m", "s", "A", "K", "cd", "mol"), exponents, strict=True) if e < 0]
    text = "*".join(up) or ("1" if down else "")
    return text + "".join(f"/{d}" for d in down)


def display_unit(dimension: Dimension) -> str:
    """The unit to show a value in: mV, uA/cm^2 and uF/cm^2 for a voltage, a current and a capacitance per
    area; pF, pA and um^3 for a capacitance, a current and a volume the file gives in F, A and m^3; else the
    file's own where the units library reads it the same, else the conventional unit of its dimension
    (_CONVENTIONAL), else SI base units."""
    if dimension.unknown or dimension.is_("dimensionless"):
        return ""
    exponents = tuple(int(e) for e in dimension.exponents) if all(e.denominator == 1 for e in dimension.exponents) \
        else None
    if exponents in _MEMBRANE:  # one unit for every file's membrane potential, currents and capacitance per area
        return _CONVENTIONAL[exponents]  # (a file may give V, A/m^2, uA/mm^2, uF/mm^2)
    if exponents in _WHOLE_CELL and dimension.factor == 1:
        return _CONVENTIONAL[exponents]
    text = dimension.text
    if _SIMPLE.match(text):
        try:
            scale, offset, dims = unit_parts(text)
        except ValueError:
            scale = None
        if scale is not None and not offset and scale == dimension.factor and \
                tuple(Fraction(dims.get(d, 0)) for d in _PINT_DIMENSIONS) == dimension.exponents:
            return text
    conventional = _CONVENTIONAL.get(exponents)
    if conventional is not None:
        return conventional
    return _si_text(dimension.exponents)
