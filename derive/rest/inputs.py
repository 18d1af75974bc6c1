"""What a user types for the engine: a voltage range and start values, with units, checked."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from .. import limits
from ..errors import ModelError
from ..limits import FRACTION_OPEN
from ..units import parse_quantity, unit_parts

if TYPE_CHECKING:
    from ..system import OdeSystem

__all__ = ["BEYOND", "POTENTIALS", "beyond_a_double", "check_file_value", "check_parameter_sign", "check_potential",
           "is_potential", "parse_range", "parse_start", "parse_state_value", "parse_value"]

_RANGE = re.compile(r"^\s*(\S+?(?:\s+\S+?)?)\s*(?:\.\.|to)\s*(\S+(?:\s+\S+)?)\s*$")  # '-100 mV..60 mV' too
_NUMBER = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(.*?)\s*$")

# What a parameter of another tool's file may be, told by its unit: a capacitance divides the rate of V (0 is
# no membrane), a conductance or permeability below 0 is a source of energy, not a channel (0 blocks it); a
# concentration is positive as in vrest's own model files (a Nernst potential takes its logarithm), and so are
# a volume, an area and an absolute temperature; so are the gas constant and Faraday's constant (a Nernst
# potential divides by F, RT/F sets the scale of every exponential in V). A whole-cell model's conductance per
# capacitance (nS/pF) has the unit of a rate (1/s), and no rate constant is below 0 either; so for a permeability
# per capacitance (L/F/s).
_SIGNS = (("F", "capacitance", "positive"), ("F/m^2", "capacitance per area", "positive"),
          ("K", "temperature", "positive"), ("S", "conductance", "blocks at 0"),
          ("S/m^2", "conductance per area", "blocks at 0"),
          ("1/s", "conductance per capacitance (nS/pF) or a rate", "blocks at 0"),
          ("m^3/F/s", "permeability per capacitance", "blocks at 0"),
          *((f"m^{3 * n}/mol^{n}/s", "rate constant", "blocks at 0") for n in (1, 2, 3)),  # per s and per mM^n
          ("m/s", "permeability", "blocks at 0"), ("mol/m^3", "concentration", "positive"),
          ("m^3", "volume", "positive"), ("m^2", "area", "positive"), ("mol", "amount", "nonnegative"),
          ("J/mol/K", "gas constant", "positive"), ("C/mol", "Faraday constant", "positive"))


_POSITIVE_STATES = (("mol/m^3", "a concentration"), ("mol", "an amount"), ("m^3", "a volume"))

# Kinds of derive.limits' table a parameter of another tool's file is checked against, told by its unit, as a
# value of vrest's own model files is: refused outside what is physical, warned of outside what cells have.
_RANGED = (("K", "temperature"), ("mol/m^3", "concentration"), ("S/m^2", "conductance per area"),
           ("m/s", "permeability"), ("F/m^2", "capacitance per area"), ("m^2", "area"), ("m^3", "volume"))


# A potential a membrane can hold (docs/limits.md's voltage range: beyond it a membrane breaks down)
POTENTIALS = f"{limits.RANGES['voltage'].low} mV to {limits.RANGES['voltage'].high} mV"


def is_potential(value: float) -> bool:
    """Whether ``value`` (V) lies within POTENTIALS."""
    voltage = limits.RANGES["voltage"]
    return voltage.si(voltage.low) <= value <= voltage.si(voltage.high)


def parse_range(values: Sequence[str], key: str = "--range") -> tuple[float, float]:
    """(low, high) in volts from "LO..HI UNIT", "LO UNIT..HI UNIT" or two values "LO UNIT" "HI UNIT"."""
    if any("..." in text for text in values):  # -150...60mV would read as -150 to .60 mV
        raise ModelError(key, " ".join(values), "expected 'LO..HI mV' with two dots (e.g. '-150..60 mV')")
    if any(text.count("..") > 1 for text in values):
        raise ModelError(key, " ".join(values), "expected two voltages 'LO..HI mV' (e.g. '-150..60 mV'), not three")
    if len(values) == 1:
        match = _RANGE.match(values[0])
        if not match:
            raise ModelError(key, values[0], "expected 'LO..HI mV' (e.g. '-150..60 mV') or two voltages")
        low, high = match.groups()
        unit = _NUMBER.match(high).group(2) if _NUMBER.match(high) else ""
        if _NUMBER.match(low) and not _NUMBER.match(low).group(2) and unit:
            low = f"{low} {unit}"
        pair = [low, high]
    elif len(values) == 2 and not any(_RANGE.match(text) for text in values):
        pair = list(values)
    else:
        raise ModelError(key, " ".join(values), "expected 'LO..HI mV' or two voltages 'LO mV' 'HI mV'")
    try:
        low, high = (float(parse_quantity(text.strip(), key, "voltage", check=False)[0]) for text in pair)
    except ModelError as error:  # name the whole range as the user typed it
        raise ModelError(key, " ".join(values), error.problem) from None
    except OverflowError:  # -1e400 mV: beyond a double, and far beyond a membrane
        raise ModelError(key, " ".join(values), f"a membrane potential lies within {POTENTIALS}") from None
    if not low < high:
        raise ModelError(key, " ".join(values), "the lower voltage must come first, and the two must differ")
    if high - low < 1e-9:  # -1e-300..1e-300 mV: a grid of no width (vrest finds a rest to 1e-6 mV)
        raise ModelError(key, " ".join(values), "the two ends must lie at least 1e-6 mV apart")
    if not (is_potential(low) and is_potential(high)):
        raise ModelError(key, " ".join(values), f"a membrane potential lies within {POTENTIALS}")
    return low, high


def parse_state_value(system: OdeSystem, name: str, text: str, key: str = "--start") -> float:
    """The SI value of ``text`` ("140 mM", "-80 mV", "0.3") for state ``name``, in a unit of its dimension."""
    states = {s.symbol.name: s for s in system.states}
    if name not in states:
        raise ModelError(f"{key} {name}", text, f"not a state of model {system.name} (states: {', '.join(states)})")
    value = parse_value(name, states[name].unit, text, f"{key} {name}", "state")
    if states[name].description.endswith(FRACTION_OPEN) and not 0 <= value <= 1:
        raise ModelError(f"{key} {name}", text, f"{name} is the open fraction of a gate: it lies within 0..1")
    dims = unit_parts(states[name].unit)[2] if states[name].unit else None
    if dims == unit_parts("V")[2] and not is_potential(value):  # as --range
        raise ModelError(f"{key} {name}", text, f"{name} is a potential: it lies within {POTENTIALS} (e.g. '-80 mV')")
    if value <= 0 and dims is not None:  # an amount of a substance, a volume: no cell starts with none of it
        kind = next((kind for reference, kind in _POSITIVE_STATES if dims == unit_parts(reference)[2]), None)
        if kind is not None:
            raise ModelError(f"{key} {name}", text, f"{name} is {kind}: it must be positive")
    for reference, kind in _RANGED:  # Cai = 1e6 mM: denser than any liquid, as a model file's value is refused
        if dims == unit_parts(reference)[2] and value > 0:
            limits.check(f"{key} {name}", Fraction(repr(value)), kind, text, warn=False)
    return value


def parse_value(name: str, unit: str, text: str, where: str, kind: str = "state") -> float:
    """The SI value of ``text`` for the ``kind`` (state, parameter) ``name`` whose unit is ``unit`` ("" for none);
    a ModelError names ``where``."""
    match = _NUMBER.match(text)
    if not match:
        raise ModelError(where, text, f"expected '<number> <unit>' such as '1 {unit}'" if unit not in ("", "1") else
                         "expected a number")
    number, given = match.groups()
    if not unit or (unit == "1" and not given):  # a fraction ("1") takes a plain number too
        if given:
            raise ModelError(where, text, f"the {kind} {name} has no unit in the file: give a plain number")
        if not math.isfinite(float(number)):
            raise ModelError(where, text, "must be a finite number")
        return float(number)
    if not given:
        raise ModelError(where, text, f"a unit is required, such as '{number} {unit}'")
    try:
        scale, offset, dims = unit_parts(given)
    except ValueError:
        raise ModelError(where, text, f"unknown unit {given!r}; expected a unit such as '{unit}'") from None
    if dims != unit_parts(unit)[2]:
        raise ModelError(where, text, f"unit {given!r} does not convert to {unit!r}, the unit of {name}")
    value = float(scale) * float(number) + float(offset)
    if not math.isfinite(value):
        if not math.isfinite(float(number)):
            raise ModelError(where, text, "must be a finite number")
        raise ModelError(where, text, beyond_a_double(number, scale))
    return value


def parse_start(items: Sequence[str], system: OdeSystem, key: str = "--start") -> dict[str, float]:
    """{state: SI value} from "NAME=VALUE" items."""
    out = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not name.strip():
            raise ModelError(key, item, "expected NAME=VALUE, e.g. 'Na_i=12 mM'")
        out[name.strip()] = parse_state_value(system, name.strip(), text, key)
    return out


BEYOND = "beyond the largest number vrest computes with (1.8e308)"


def beyond_a_double(number: str, scale: Fraction) -> str:
    """What is wrong with ``number`` of a unit whose SI value is ``scale``, where their product overflows."""
    si = Decimal(number) * Decimal(scale.numerator) / Decimal(scale.denominator)
    return f"is {si:.3g} in SI units, {BEYOND}"


def check_parameter_sign(name: str, unit: str, value: float, key: str, given: object,
                         periods: Collection[str] = ()) -> None:
    """ModelError when ``value`` (SI) of parameter ``name`` in ``unit`` is one its kind cannot take (_SIGNS, and
    derive.limits' table for the kinds of _RANGED, which warns of a value unusual for a cell);
    ``periods`` names the stimulus' period (derive.importers.stimulus_timing), which must be positive."""
    if not math.isfinite(value):  # a factor that overflows the file's value (scale = { g_Na = 1e306 })
        raise ModelError(key, given, f"{name} would be {BEYOND}")
    if name in periods and value <= 0:
        raise ModelError(key, given, f"{name} is the period of the stimulus: it must be positive")
    try:
        dims = unit_parts(unit)[2] if unit else None
    except ValueError:  # a unit the units library cannot read: nothing known of its kind
        dims = None
    if dims is None:
        return
    check_potential(name, dims, value, key, given)
    for reference, kind, sign in _SIGNS:
        if dims == unit_parts(reference)[2]:
            if sign == "positive" and value <= 0:
                raise ModelError(key, given, f"{name} is a {kind}: it must be positive")
            if sign != "positive" and value < 0:
                blocks = " (0 blocks it)" if sign == "blocks at 0" else ""
                raise ModelError(key, given, f"{name} is a {kind}: it must not be negative{blocks}")
            break
    for reference, kind in _RANGED:  # the table of ranges vrest's own model files are checked against
        if dims == unit_parts(reference)[2] and value != 0:  # (0 blocks a conductance or permeability)
            limits.check(key, Fraction(repr(float(value))), kind, given)
            return


def check_file_value(name: str, unit: str, value: float, key: str, given: object) -> None:
    """ModelError for a parameter of another tool's file that no cell can have: a capacitance of 0 or below (no
    membrane), or a positive value of a kind of _RANGED outside what is physical (no warning of unusual values,
    and no sign rules: a published model is what it is, and a parameter's unit does not always say its role)."""
    try:
        dims = unit_parts(unit)[2] if unit else None
    except ValueError:
        return
    if dims is None:
        return
    if dims in (unit_parts("F")[2], unit_parts("F/m^2")[2]) and value <= 0:
        raise ModelError(key, given, f"{name} is a capacitance: it must be positive (0 is no membrane)")
    check_potential(name, dims, value, key, given)
    for reference, kind in _RANGED:
        if dims == unit_parts(reference)[2] and value > 0:
            limits.check(key, Fraction(repr(float(value))), kind, given, warn=False)
            return


def check_potential(name: str, dims, value: float, key: str, given: object) -> None:
    """A parameter with a unit of voltage lies within POTENTIALS (E_L = -1e300 mV gave a 300-digit rest)."""
    if dims == unit_parts("V")[2] and not is_potential(value):
        raise ModelError(key, given, f"{name} is a potential: it lies within {POTENTIALS}")
