"""``--vary KEY=SPEC``: which values one model-file key takes in a sweep.

SPEC is a range with a unit and a count, linear or logarithmic, or a list:

    "1..100 mM log 41"      41 values from 1 to 100 mM, evenly spaced in log
    "0..2 uA/cm^2 21"       21 values, evenly spaced
    "3, 5.4, 10 mM"         these three (the unit after the last applies to all)
    "0..2 11"               a factor (the key ``pump``: no unit)

Units are read like model-file values (derive.units: the key's dimension is checked);
values are kept in the unit as written (for output) and converted to SI for the physics.
With ``--samples`` a range needs no count: the samples are drawn from it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from vrest.derive import limits
from vrest.derive.errors import ModelError
from vrest.derive.model import Model
from vrest.derive.protocol import STIMULUS_KEY, Target, not_a_target, targets
from vrest.derive.units import DIMENSIONS, parse_quantity, unit_parts

from .imported import ImportedModel
from .ranges import RangeValues, decimal_places

__all__ = ["Dimension", "Values", "parse_vary", "read_spec", "lookup"]

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_RANGE = re.compile(rf"^\s*({_NUMBER})\s*\.\.\s*({_NUMBER})\s*(.*?)\s*$")
_ITEM = re.compile(rf"^\s*({_NUMBER})\s*(.*?)\s*$")
_SCALES = {"log": "log", "lin": "linear", "linear": "linear"}


@dataclass(frozen=True)
class Dimension:
    """One varied key: its values (grid) or range (samples), in ``unit``; SI = si_scale * value + si_offset.

    ``kind``: "linear" or "log" (a range) or "list". ``factor``: the value multiplies the parameter's
    given value (the key ``pump``), unit "1".
    """

    key: str
    parameter: str
    unit: str
    kind: str
    low: float
    high: float
    values: tuple[float, ...] | RangeValues  # the grid values in ``unit``: a list's, or a range's computed on
    # demand (a long axis is never held as a list); ranges only sampled: empty
    si_scale: float = 1.0
    si_offset: float = 0.0
    factor: bool = False
    nonnegative: bool = False  # no value below SI 0 (a concentration, a conductance, a temperature in K)

    @property
    def log(self) -> bool:
        return self.kind == "log"

    def to_si(self, values: np.ndarray) -> np.ndarray:
        """Values in ``unit`` as SI (for a factor: the factor itself)."""
        return np.asarray(values, dtype=float) * self.si_scale + self.si_offset

    def from_unit_cube(self, u: np.ndarray) -> np.ndarray:
        """Samples u in [0, 1) mapped onto the range (evenly in log for a log range), in ``unit``."""
        if self.log:
            return np.exp(np.log(self.low) + u * (np.log(self.high) - np.log(self.low)))
        return self.low + u * (self.high - self.low)


def parse_vary(model: Model | ImportedModel, text: str, sampled: bool = False) -> Dimension:
    """``KEY=SPEC`` as a Dimension; a ModelError naming ``--vary`` and the text when anything is wrong."""
    if "=" not in text:
        raise ModelError("--vary", text, "expected KEY=SPEC, e.g. 'ions.K.outside=1..100 mM log 41'")
    key, spec = (part.strip() for part in text.split("=", 1))
    if isinstance(model, ImportedModel):  # a CellML or SBML file: its own parameters, in its units
        return model.dimension(key, spec, sampled)
    return read_spec(key, lookup(model, key, "--vary"), spec, sampled, model)


def lookup(model: Model, key: str, where: str) -> Target:
    """The Target of ``key`` in the model-file key table that scenario steps read too (derive.protocol.targets);
    a ModelError naming ``where`` (the option) with the reason or the nearest key otherwise."""
    known = targets(model)
    known.pop(STIMULUS_KEY, None)  # off at rest: no quantity and no steady state depends on it
    if key == STIMULUS_KEY:  # any model: a protocol's pulse gives one without a stimulus of its own a current too
        raise ModelError(where, key, "the injected current is no key a sweep varies: off at rest, no quantity depends "
                         "on it, and in a scenario or protocol its steps set it (a pulse of another size is another "
                         "protocol file)")
    if key in known:
        return known[key]
    reason = not_a_target(model, key, verb="vary")
    if reason:
        raise ModelError(where, key, f"not a key of model {model.name}: {reason}")
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"keys of model {model.name}: {', '.join(known)}"
    raise ModelError(where, key, f"not a key of model {model.name} that a sweep can vary; {hint}")


def read_spec(key: str, target: Target, spec: str, sampled: bool = False, model: Model | None = None,
              values: Values | None = None) -> Dimension:
    """The Dimension of ``key`` (its ``target``) for the text ``spec`` (see the module docstring); ``model`` gives
    the direction a constant pump's current must have. ``values`` reads each value where the key is not a
    model-file key (a parameter of an imported model, in its file's unit)."""
    where = f"--vary {key}"
    values = values or _values(key, target, model)
    match = _RANGE.match(spec)
    if match:
        low, high, rest = match.groups()
        if rest.startswith("."):  # '1..5..7 mM 3'
            raise ModelError(where, spec, f"a range has two ends, not three; {_usage(values)}")
        words = rest.split()
        count = None
        if words and re.fullmatch(r"\d+", words[-1]):
            count = int(words.pop())
        elif words and re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", words[-1]):
            raise ModelError(where, spec, f"the count {words[-1]} is no whole number of values (at least 2), e.g. "
                                          "'... 21'")
        kind = "linear"
        if words and words[-1].lower() in _SCALES:
            kind = _SCALES[words.pop().lower()]
        unit = " ".join(words)
        return _range(key, target, values, spec, where, low, high, unit, kind, count, sampled)
    if ".." in spec:  # a range whose end is no number ('1..inf mM 3'), not the list '1.' of the unit '.inf mM 3'
        low, _, high = spec.partition("..")
        end, text = ("lower", low) if not re.fullmatch(rf"\s*{_NUMBER}\s*", low) else ("upper", high.split()[0]
                                                                                        if high.split() else "")
        raise ModelError(where, spec, f"the {end} end {text.strip()!r} is not a finite number; {_usage(values)}")
    if "," in spec or _ITEM.match(spec):
        return _list(key, target, values, spec, where, sampled)
    raise ModelError(where, spec, _usage(values))


@dataclass(frozen=True)
class Values:
    """How a key's values are read: ``read(number, unit) -> (SI value, SI scale, SI offset)`` of one value as
    written (ModelError with the problem otherwise), and the unit that examples in messages show."""

    read: Callable[[str, str], tuple[Fraction, float, float]]
    example: str = ""


def _usage(values: Values) -> str:
    example = values.example
    return (f"expected a range 'LOW..HIGH {example} [log] COUNT' or a list 'A, B, C {example}'").replace("  ", " ")


def _values(key: str, target: Target, model: Model | None) -> Values:
    """A model-file key's values, read as the model file's value of the key is read (its dimension, its range in
    derive.limits; a constant pump's current in the direction its stoichiometry moves charge)."""
    pump = None if model is None else model.pump
    if pump is not None and pump.form == "constant" and target.parameter == pump.rate.name and target.dimension:
        from vrest.derive.pumpfile import constant_current

        def read(text):
            return constant_current(text, key, dict(pump.stoichiometry), pump.charge_per_cycle)
    elif target.sign == "nonnegative":  # a conductance, a permeability, a pump's rate: 0 blocks, as in a scenario step
        def read(text):
            number, _ = parse_quantity(text, key, target.dimension, check=False)
            if number > 0:  # a negative value is refused by _check_sign
                limits.check(key, number, target.dimension, text)
            return number
    else:
        def read(text):
            return parse_quantity(text, key, target.dimension)[0]

    def value(number: str, unit: str) -> tuple[Fraction, float, float]:
        if target.dimension is None:
            if unit not in ("", "1"):
                raise ModelError(key, number, f"a factor on the model's value takes no unit (not {unit!r})")
            return limits.check(key, Fraction(number), "factor", number), 1.0, 0.0
        if not unit:
            raise ModelError(key, number, f"a unit is required: a {target.dimension} such as "
                             f"'{DIMENSIONS[target.dimension]}'")
        value = read(f"{number} {unit}")  # first: it names an unknown unit or a wrong dimension
        scale, offset, _ = unit_parts(unit)
        return value, float(scale), float(offset)

    return Values(value, "" if target.dimension is None else DIMENSIONS[target.dimension])


def _unit(values: Values, number: str, unit: str, spec: str, where: str) -> tuple[Fraction, float, float]:
    """(SI value, SI scale, SI offset) of ``number unit``; a ModelError naming ``where`` and the whole SPEC."""
    try:
        return values.read(number, unit)
    except ModelError as error:
        raise ModelError(where, spec, error.problem) from None


def _check_sign(target: Target, value: Fraction, spec: str, where: str) -> None:
    what = target.dimension or "factor"
    if target.sign == "positive" and value <= 0:
        raise ModelError(where, spec, f"every value must be positive (a {what})")
    if target.sign == "nonnegative" and value < 0:
        raise ModelError(where, spec, f"no value may be negative (a {what}; 0 blocks)")


def _range(key: str, target: Target, values: Values, spec: str, where: str, low_text: str, high_text: str, unit: str,
           kind: str, count: int | None, sampled: bool) -> Dimension:
    low_si, scale, offset = _unit(values, low_text, unit, spec, where)
    high_si, _, _ = _unit(values, high_text, unit, spec, where)
    low, high = Fraction(low_text), Fraction(high_text)
    for value in (low_si, high_si):
        _check_sign(target, value, spec, where)
    if low >= high:
        raise ModelError(where, spec, "the range must go from a lower to a higher value")
    if kind == "log" and (low <= 0 or offset != 0):
        raise ModelError(where, spec, "a log range needs positive values in a unit without an offset (not degC)")
    grid_values: tuple[float, ...] | RangeValues = ()
    if sampled and count is not None:  # it would be ignored: the samples say how many values
        raise ModelError(where, spec, f"samples are drawn from the whole range: leave out the count {count} "
                                      "(--samples says how many points)")
    if not sampled:
        if count is None:
            raise ModelError(where, spec, "how many values? end the range with a count, e.g. '... 21'")
        if count < 2:
            raise ModelError(where, spec, "a range needs a count of at least 2 (give one value as a list: 'A unit')")
        decimals = decimal_places(low, high, count) if kind != "log" else None  # the decimals, else linspace's
        grid_values = RangeValues(float(low), float(high), count, kind == "log", decimals)
    return Dimension(key, target.parameter, unit or "1", kind, float(low), float(high), grid_values, scale, offset,
                     target.dimension is None, target.sign != "any")


def _list(key: str, target: Target, values: Values, spec: str, where: str, sampled: bool) -> Dimension:
    if sampled:
        raise ModelError(where, spec, "samples are drawn from ranges (--samples, vrest sensitivity): give "
                                      "'LOW..HIGH unit' instead of a list")
    items = [_ITEM.match(item) for item in spec.split(",")]
    if any(item is None for item in items):
        raise ModelError(where, spec, _usage(values))
    units = {unit for _, unit in (item.groups() for item in items) if unit}
    if len(units) > 1:
        raise ModelError(where, spec, f"give the list in one unit (found {', '.join(sorted(units))})")
    unit = units.pop() if units else ""
    numbers = [Fraction(item.group(1)) for item in items]
    scale = offset = 0.0
    for item in items:
        try:
            value, scale, offset = _unit(values, item.group(1), unit, spec, where)
        except ModelError as error:  # one value, and a number in its unit: '4:10:3 mM', '4 to 10 mM' meant a range
            if len(items) > 1 or not re.search(r"(?:^|[^A-Za-z^\d.])\d", unit):
                raise
            raise ModelError(where, spec, f"{error.problem}; {_usage(values)}") from None
        _check_sign(target, value, spec, where)
    if len(set(numbers)) != len(numbers):
        raise ModelError(where, spec, "a value is listed twice")
    listed = tuple(float(n) for n in numbers)
    return Dimension(key, target.parameter, unit or "1", "list", min(listed), max(listed), listed, scale,
                     offset, target.dimension is None, target.sign != "any")
