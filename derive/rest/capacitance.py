"""The capacitance that turns the slope of dV/dt into a slope conductance, as the file gives it, and one
line where it cannot be one cell's (or where there is none).

vrest follows the file: the conductance is C * -d(dV/dt)/dV with the file's C. A whole-cell C is noted
when it lies outside what one cell has (1 pF, a small cell, to 1 uF: a Xenopus oocyte, about 1.2 mm
across, has about 200 nF), or when, at 1 uF/cm^2, its membrane around the file's largest volume would
give a shape no cell has (volume/area outside 10 nm to 1 mm; a sphere's is radius/3, a ventricular
myocyte's about 1 um). No "right" value is guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..units import unit_parts

__all__ = ["CapacitanceUsed", "capacitance_used"]

SINGLE_CELL = (1e-12, 1e-6)  # F: whole-cell capacitances of single cells
SPECIFIC = 0.01  # F/m^2: 1 uF/cm^2, a biological membrane's
THICKNESS = (1e-8, 1e-3)  # m: volume/area of any cell's shape


@dataclass(frozen=True)
class CapacitanceUsed:
    name: str | None  # the file's name of it; None: none found
    value: float | None  # in ``unit``
    unit: str
    note: str  # "" or one line: why it is implausible for one cell, or why there is no conductance unit


def _dimensions(unit: str) -> dict | None:
    try:
        return unit_parts(unit)[2]
    except ValueError:
        return None


def _g(value: float) -> str:
    return f"{value:.6g}"


def capacitance_used(name: str | None, value_si: float | None, unit: str, has_currents: bool,
                     volumes: Sequence[tuple[str, float, str]]) -> CapacitanceUsed:
    """The capacitance ``name`` (SI ``value_si``, display ``unit``) and a note; ``volumes``: the file's
    constant volumes as (name, SI value, display unit)."""
    if name is None:
        why = ("the file gives its currents without units (and no capacitance with a unit of capacitance)"
               if not has_currents else "no membrane capacitance with a unit of capacitance in V's equation")
        return CapacitanceUsed(None, None, "", f"no slope conductance: {why}, so the slope of dV/dt cannot be "
                                              "turned into a conductance")
    if value_si is None:
        return CapacitanceUsed(name, None, unit, f"no slope conductance: the capacitance {name} is no finite "
                                                 "constant of the file")
    dims = _dimensions(unit) if unit else None
    scale, offset = (unit_parts(unit)[:2] if dims is not None else (1, 0))
    shown = (value_si - float(offset)) / float(scale)
    named = f"the capacitance {name} = {_g(shown)} {unit}".rstrip()
    if dims is None:
        return CapacitanceUsed(name, shown, unit, f"{named} has no unit vrest knows: the slope conductance is in SI")
    if dims != unit_parts("uF")[2]:
        return CapacitanceUsed(name, shown, unit, "")
    note = ""
    low, high = SINGLE_CELL
    if not low <= value_si <= high:
        note = (f"{named} is outside 1 pF to 1 uF, the range of single cells (a Xenopus oocyte has about 200 nF): "
                "the slope conductance (in proportion to it) and the input resistance (inversely) follow the "
                "file's value")
    elif volumes:
        v_name, v_si, v_unit = max(volumes, key=lambda item: item[1])
        area = value_si / SPECIFIC
        thickness = v_si / area
        v_shown = (v_si - float(unit_parts(v_unit)[1])) / float(unit_parts(v_unit)[0])
        if not THICKNESS[0] <= thickness <= THICKNESS[1]:
            note = (f"{named} and the file's largest volume, {v_name} = {_g(v_shown)} {v_unit}, cannot be one "
                    f"cell's ({area * 1e12:.3g} um^2 of membrane at 1 uF/cm^2 around it: volume/area "
                    f"{thickness * 1e6:.3g} um, where cells have 0.01 um to 1 mm): one of the two units is off in the "
                    "file; the slope conductance (in proportion to the capacitance) and the input resistance "
                    "(inversely) follow the file's values")
    return CapacitanceUsed(name, shown, unit, note)
