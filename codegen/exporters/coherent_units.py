"""A coherent, well-scaled unit system for the XML exports (SBML, CellML).

vrest computes in SI, where a cell's numbers span 1e-18 (volumes in m^3) to 1e5
(F). The exports use instead the coherent system built on

    length um, mass mg, time s, current fA, amount amol, temperature K,

in which voltages are mV, concentrations mM (amol/um^3), amounts amol, volumes
um^3, current densities fA/um^2, capacitances pF/um^2, F = 96.485... fC/amol and
R = 8.314... J/(mol K). Because the system is coherent (mV fC = aJ, Pa = aJ/um^3,
pS mV = fA), every equation of the IR holds in it unchanged: no conversion
factor appears in any exported formula, so none can be wrong by 1000. Each
value is converted exactly from SI (``to_coherent``), and each unit is declared
from its dimension (``coherent_unit``), so the declared unit and the number
always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from vrest.derive.units import dimensionality

__all__ = ["BASE", "CoherentUnit", "coherent_unit", "to_coherent"]

# (pint dimension, SI base unit kind, decimal exponent of the coherent base unit).
# mass: 1 mg = 1e-3 g, and SBML/CellML build mass on the gram.
BASE: tuple[tuple[str, str, int], ...] = (
    ("[length]", "metre", -6),
    ("[mass]", "gram", -3),
    ("[time]", "second", 0),
    ("[current]", "ampere", -15),
    ("[substance]", "mole", -18),
    ("[temperature]", "kelvin", 0),
)
_SI_SCALE = {"gram": 3}  # the SI base unit of mass is the kilogram = 1e3 g

# Readable names for the dimensions vrest uses, by exponents of (L, M, T, I, N, Theta).
_NAMES: dict[tuple[int, ...], str] = {
    (0, 0, 0, 0, 0, 0): "dimensionless",
    (0, 0, 1, 0, 0, 0): "second",
    (0, 0, 0, 0, 0, 1): "kelvin",
    (2, 1, -3, -1, 0, 0): "mV",
    (-3, 0, 0, 0, 1, 0): "mM",
    (0, 0, 0, 0, 1, 0): "amol",
    (3, 0, 0, 0, 0, 0): "um3",
    (2, 0, 0, 0, 0, 0): "um2",
    (-2, 0, 0, 1, 0, 0): "fA_per_um2",
    (-4, -1, 3, 2, 0, 0): "pS_per_um2",
    (-4, -1, 4, 2, 0, 0): "pF_per_um2",
    (1, 0, -1, 0, 0, 0): "um_per_s",
    (2, -1, 1, 0, 0, 0): "um_per_s_per_Pa",
    (0, 0, 1, 1, -1, 0): "fC_per_amol",
    (2, 1, -2, 0, -1, -1): "J_per_mol_per_K",
}


@dataclass(frozen=True)
class CoherentUnit:
    """One unit of the coherent system: its id, its SI factor and its base-unit factors."""

    id: str
    factor: Fraction  # SI value of one of this unit
    parts: tuple[tuple[str, int, int], ...]  # (base kind, exponent, decimal scale of the base)

    @property
    def builtin(self) -> bool:
        """True for units SBML and CellML predefine (no definition is written)."""
        return self.id in ("dimensionless", "second", "kelvin")


@lru_cache(maxsize=None)
def coherent_unit(unit: str) -> CoherentUnit:
    """The coherent unit of the same dimension as ``unit`` (a pint unit string, e.g. "uA/cm^2")."""
    dims = dimensionality(unit)
    exponents = tuple(int(dims.get(dim, 0)) for dim, _, _ in BASE)
    if any(Fraction(dims.get(dim, 0)) != e for (dim, _, _), e in zip(BASE, exponents)):
        raise ValueError(f"unit {unit!r} has a fractional dimension")
    factor = Fraction(1)
    parts = []
    for (_, kind, scale), e in zip(BASE, exponents):
        if e:
            factor *= Fraction(10) ** ((scale - _SI_SCALE.get(kind, 0)) * e)
            parts.append((kind, e, scale))
    name = _NAMES.get(exponents) or "u_" + "_".join(
        f"{kind}{e}".replace("-", "m") for (_, kind, _), e in zip(BASE, exponents) if e)
    return CoherentUnit(name, factor, tuple(parts))


def to_coherent(value_si, unit: str) -> float:
    """An exact SI value expressed in the coherent unit of ``unit``'s dimension."""
    return float(Fraction(value_si) / coherent_unit(unit).factor)
