"""Results no cell can reach: a potential beyond what a membrane withstands, a volume its membrane cannot enclose.

Input values are checked where they enter (derive.limits); a result worked out from them can still be
absurd (a pump of 1e4 uA/cm^2 gives V_ss = -91 V) or out of reach (a steady volume larger than the
membrane's fixed area can enclose). Such a result is shown as computed, with one warning line that
says why no cell gets there. The potential ranges are derive.limits' "voltage" ranges; the largest
volume is the sphere's, as for a model file's own volume. Pure Python, like derive.limits: the
cached `vrest simulate` uses it without SymPy.
"""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

from .errors import ModelWarning
from .limits import RANGES

__all__ = ["ImplausibleResultWarning", "MEMBRANE_THICKNESS", "enclosable_volume", "potential_problem", "volume_problem",
           "warn", "warn_results", "trajectory_problems"]


class ImplausibleResultWarning(ModelWarning):
    """A result outside what a cell can reach: shown as computed, with the reason."""


def enclosable_volume(area_si: float) -> float:
    """The largest volume (m^3) a closed membrane of area ``area_si`` (m^2) holds: a sphere's, A^1.5/(6 sqrt(pi))."""
    return float(area_si) ** 1.5 / (6 * math.sqrt(math.pi))


def potential_problem(name: str, value_si: float) -> str | None:
    """Why a potential ``name`` of ``value_si`` volts is no cell's, or None: beyond the range a membrane
    withstands (limits' refusal band), or beyond what living cells show (its usual band)."""
    limits = RANGES["voltage"]
    mV = float(value_si) * 1000
    low, high = float(limits.low), float(limits.high)
    shown = f"{name} = {mV:.6g} mV"
    if not low <= mV <= high:
        reason = limits.too_low if mV < low else limits.too_high
        return (f"{shown} is outside the physical range {limits.allowed} ({reason}): the model's values do not "
                "describe a cell")
    usual_low, usual_high = float(limits.usual_low), float(limits.usual_high)
    if not usual_low <= mV <= usual_high:
        side = f"below {limits.show(limits.usual_low)}" if mV < usual_low else f"above {limits.show(limits.usual_high)}"
        return f"{shown} is {side}, beyond what living cells show ({limits.usual}): check the model's values"
    return None


MEMBRANE_THICKNESS = 5e-9  # m: a lipid bilayer's; a cell is thicker


def volume_problem(name: str, volume_si: float, area_si: float, start: bool = False) -> str | None:
    """Why a volume ``name`` (m^3) is out of reach for a membrane of area ``area_si`` (m^2), or None: more than a
    sphere of that area holds, or so little that the cell would be thinner than its membrane (2 volume / area, as
    a model file's own volume is checked); ``start``: the volume a run starts at, not one it gets to."""
    largest, area = enclosable_volume(area_si), float(Fraction(area_si))
    shown = f"{name} = {float(volume_si) * 1e18:.6g} um^3"
    if float(volume_si) > largest * (1 + 1e-9):
        outcome = "no cell of that area is this large" if start else \
            "with its area fixed the cell would burst, or have to add membrane, before it got there"
        return (f"{shown} is more than a membrane of area {area * 1e12:.6g} um^2 can enclose (a sphere holds "
                f"{largest * 1e18:.6g} um^3): {outcome}")
    thickness = 2 * float(volume_si) / area
    if thickness < MEMBRANE_THICKNESS:
        return (f"{shown} with a membrane of area {area * 1e12:.6g} um^2 is a cell at most {thickness * 1e9:.3g} nm "
                "thick (2 volume / area), thinner than its own membrane (5 nm): the model's values describe no cell")
    return None


def warn(problem: str | None) -> None:
    """Warn ``problem`` (an ImplausibleResultWarning, one line) when there is one."""
    if problem:
        warnings.warn(problem, ImplausibleResultWarning, stacklevel=2)


def warn_results(model, derivations, label: str = "", warned: set[str] | None = None) -> None:
    """Warn each potential (mV; not a shift dV_...) and each volume (um^3) among ``derivations`` (of ``model``)
    that no cell can reach; ``label`` goes before each name ("scenario high_K, step 1: "). A problem already in
    ``warned`` is the same result warned before (a washout step back at the file's steady state): not again;
    each problem warned is added to it."""
    from .constants import area

    for derivation in derivations:
        values = [v for v in (derivation.values or (derivation.value,)) if v is not None]  # each steady state's
        for k, value in enumerate(values):
            name = derivation.id if len(values) == 1 else f"{derivation.id} (steady state {k + 1} of {len(values)})"
            if derivation.unit == "mV" and not derivation.id.startswith(("dV_", "Delta_")):
                problem = potential_problem(name, value)
            elif derivation.unit == "um^3" and area in model.values:
                problem = volume_problem(name, value, model.values[area])
            else:
                continue
            if problem and (warned is None or problem not in warned):
                warn(label + problem)
                if warned is not None:
                    warned.add(problem)


def trajectory_problems(t, columns, area_si: float | None, voltage: str = "V",
                        time_unit: tuple[str, float] = ("s", 1.0)) -> list[str]:
    """What no cell can reach along a run: its membrane potential (column ``voltage``, mV) at its most extreme,
    and its volume (column "volume", um^3) at its largest, beyond what the membrane of area ``area_si`` (m^2)
    encloses, and at its smallest, thinner than the membrane. Times (``t`` in s) in ``time_unit`` (unit, seconds
    in one), the unit of the run's table and figure."""
    unit, seconds = time_unit

    def at(time: float, digits: str = "g") -> str:
        return f"t = {time / seconds:{digits}} {unit}"

    problems = []
    if voltage in columns:
        values = columns[voltage][1]
        k = max(range(len(values)), key=lambda i: abs(float(values[i])))
        problems.append(potential_problem(f"{voltage} at {at(float(t[k]))}", float(values[k]) / 1000))
    if "volume" in columns and area_si is not None:
        values = [float(v) * 1e-18 for v in columns["volume"][1]]
        k = max(range(len(values)), key=lambda i: values[i])
        largest = enclosable_volume(area_si) * (1 + 1e-9)
        problem = volume_problem(f"the volume at {at(float(t[k]))}", values[k], area_si, start=k == 0) \
            if values[k] > largest else None
        first = next(i for i, v in enumerate(values) if v > largest) if problem else 0
        if first > 0 and first != k:  # when it got there: linearly between the two outputs around it
            a, b = values[first - 1], values[first]
            when = float(t[first - 1]) + (largest - a) / (b - a) * (float(t[first]) - float(t[first - 1]))
            problem += f"; it passes {enclosable_volume(area_si) * 1e18:.6g} um^3 at about {at(when, '.4g')}"
        problems.append(problem)
        j = min(range(len(values)), key=lambda i: values[i])  # (no sphere's problem here: the largest would have it)
        problems.append(volume_problem(f"the volume at {at(float(t[j]))}", values[j], area_si, start=j == 0)
                        if values[j] <= largest else None)
    return [problem for problem in problems if problem]
