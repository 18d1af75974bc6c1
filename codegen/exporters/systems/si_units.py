"""SI unit definitions for the XML exports (SBML, CellML) of an ODE system.

An imported model is exported in SI (see systems.context): each variable's unit is the SI unit
of its dimension, built from the SI base units with scale 0, so the declared unit and the
number always agree. Units both formats predefine (volt, ampere, farad, ...) are used by name;
the others get a definition with a readable id (A_per_m2, mol_per_m3, per_s, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from vrest.derive.units import dimensionality

__all__ = ["SiUnit", "exponents_of", "si_text", "si_unit", "si_unit_of"]

# pint dimension, SI base unit (SBML and CellML base kinds), symbol for ids.
_BASE = (("[mass]", "kilogram", "kg"), ("[length]", "metre", "m"), ("[time]", "second", "s"),
         ("[current]", "ampere", "A"), ("[substance]", "mole", "mol"), ("[temperature]", "kelvin", "K"),
         ("[luminosity]", "candela", "cd"))

# Exponents of kg, m, s, A, mol, K, cd -> a unit SBML Level 3 and CellML 2.0 both predefine.
_PREDEFINED = {
    (0, 0, 0, 0, 0, 0, 0): "dimensionless", (1, 0, 0, 0, 0, 0, 0): "kilogram", (0, 1, 0, 0, 0, 0, 0): "metre",
    (0, 0, 1, 0, 0, 0, 0): "second", (0, 0, 0, 1, 0, 0, 0): "ampere", (0, 0, 0, 0, 1, 0, 0): "mole",
    (0, 0, 0, 0, 0, 1, 0): "kelvin", (1, 2, -3, -1, 0, 0, 0): "volt", (-1, -2, 4, 2, 0, 0, 0): "farad",
    (-1, -2, 3, 2, 0, 0, 0): "siemens", (0, 0, 1, 1, 0, 0, 0): "coulomb", (1, 2, -2, 0, 0, 0, 0): "joule",
    (0, 0, -1, 0, 0, 0, 0): "hertz", (1, 2, -3, -2, 0, 0, 0): "ohm",
}
# Readable ids for the others that cell models use.
_NAMED = {
    (0, -2, 0, 1, 0, 0, 0): "A_per_m2", (-1, -4, 4, 2, 0, 0, 0): "F_per_m2", (-1, -4, 3, 2, 0, 0, 0): "S_per_m2",
    (0, -3, 0, 0, 1, 0, 0): "mol_per_m3", (1, 2, -4, -1, 0, 0, 0): "V_per_s", (0, 3, 0, 0, 0, 0, 0): "m3",
    (0, 2, 0, 0, 0, 0, 0): "m2", (1, 2, -2, 0, -1, -1, 0): "J_per_mol_per_K", (0, 0, 1, 1, -1, 0, 0): "C_per_mol",
    (0, -3, -1, 0, 1, 0, 0): "mol_per_m3_per_s",
    (0, 1, -1, 0, 0, 0, 0): "m_per_s", (0, 0, -1, 0, 1, 0, 0): "mol_per_s",
}


@dataclass(frozen=True)
class SiUnit:
    """One SI unit: its id, and (base kind, exponent) parts for a definition; ``builtin``: predefined."""

    id: str
    parts: tuple[tuple[str, Fraction], ...]
    builtin: bool


def _power(symbol: str, exponent: Fraction) -> str:
    magnitude = abs(exponent)
    text = str(magnitude.numerator) if magnitude.denominator == 1 else f"{magnitude.numerator}_{magnitude.denominator}"
    return symbol if magnitude == 1 else f"{symbol}{text}"


@lru_cache(maxsize=None)
def exponents_of(unit: str) -> tuple[Fraction, ...]:
    """The exponents of kg, m, s, A, mol, K, cd in ``unit`` (a unit string; "" is dimensionless)."""
    dims = dimensionality(unit) if unit else {}
    return tuple(Fraction(dims.get(dim, 0)).limit_denominator(1000) for dim, _, _ in _BASE)


def si_unit(unit: str) -> SiUnit:
    """The SI unit with the dimension of ``unit`` (a unit string; "" is dimensionless)."""
    return si_unit_of(exponents_of(unit))


@lru_cache(maxsize=None)
def si_unit_of(exponents: tuple[Fraction, ...]) -> SiUnit:
    """The SI unit with these exponents of kg, m, s, A, mol, K, cd."""
    parts = tuple((kind, e) for (_, kind, _), e in zip(_BASE, exponents) if e)
    key = tuple(int(e) if e.denominator == 1 else e for e in exponents)
    if key in _PREDEFINED:
        return SiUnit(_PREDEFINED[key], parts, True)
    if key in _NAMED:
        return SiUnit(_NAMED[key], parts, False)
    up = [_power(symbol, e) for (_, _, symbol), e in zip(_BASE, exponents) if e > 0]
    down = [_power(symbol, e) for (_, _, symbol), e in zip(_BASE, exponents) if e < 0]
    return SiUnit("_".join(up + [f"per_{d}" for d in down]) or "dimensionless", parts, False)


# How the SI units of cell models read in text (the numeric modules' STATE_UNITS_SI).
_TEXT = {"dimensionless": "", "volt": "V", "farad": "F", "siemens": "S", "coulomb": "C", "joule": "J",
         "hertz": "1/s", "ohm": "ohm", "A_per_m2": "A/m^2", "F_per_m2": "F/m^2", "S_per_m2": "S/m^2",
         "mol_per_m3": "mol/m^3", "V_per_s": "V/s", "m3": "m^3", "m2": "m^2", "J_per_mol_per_K": "J/(mol K)",
         "C_per_mol": "C/mol", "mol_per_m3_per_s": "mol/(m^3 s)", "m_per_s": "m/s", "mol_per_s": "mol/s"}
_SYMBOL = {"kilogram": "kg", "metre": "m", "second": "s", "ampere": "A", "mole": "mol", "kelvin": "K",
           "candela": "cd"}


# Derived units a text may factor out (exponents of kg, m, s, A, mol, K, cd), when that leaves fewer base units.
_DERIVED = (("V", (1, 2, -3, -1, 0, 0, 0)), ("F", (-1, -2, 4, 2, 0, 0, 0)), ("S", (-1, -2, 3, 2, 0, 0, 0)),
            ("C", (0, 0, 1, 1, 0, 0, 0)), ("J", (1, 2, -2, 0, 0, 0, 0)), ("ohm", (1, 2, -3, -2, 0, 0, 0)))


def _text_power(symbol: str, exponent: Fraction) -> str:
    return symbol + ("" if abs(exponent) == 1 else f"^{abs(exponent)}")


def _quotient(parts: list[tuple[str, Fraction]]) -> str:
    up = " ".join(_text_power(symbol, e) for symbol, e in parts if e > 0) or "1"
    down = [_text_power(symbol, e) for symbol, e in parts if e < 0]
    return up if not down else f"{up}/{down[0]}" if len(down) == 1 else f"{up}/({' '.join(down)})"


def _spelled(exponents: tuple[Fraction, ...]) -> list[tuple[str, Fraction]]:
    """The shortest (symbol, exponent) list for ``exponents``: the base units alone, or with one derived unit
    (V, F, S, C, J, ohm) to the power 1 or -1 factored out (kg m^5/(s^5 A^2) is m^3/(F s))."""
    symbols = [_SYMBOL[kind] for _, kind, _ in _BASE]

    def base(exps) -> list[tuple[str, Fraction]]:
        return [(symbol, e) for symbol, e in zip(symbols, exps) if e]

    best = base(exponents)
    for name, derived in _DERIVED:
        for sign in (1, -1):
            rest = base(tuple(e - sign * d for e, d in zip(exponents, derived)))
            if len(rest) + 1 < len(best):
                best = [(name, Fraction(sign))] + rest
    return best


def si_text(unit: str) -> str:
    """The SI unit of ``unit``'s dimension as text ("V", "mol/m^3", "m^3/(F s)", "" when dimensionless)."""
    si = si_unit(unit)
    if si.id in _TEXT:
        return _TEXT[si.id]
    if si.builtin:
        return _SYMBOL[si.id]
    exponents = dict(si.parts)
    return _quotient(_spelled(tuple(exponents.get(kind, Fraction(0)) for _, kind, _ in _BASE)))
