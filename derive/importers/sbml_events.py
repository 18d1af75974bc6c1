"""SBML events that are the steps of a protocol: at a fixed time, set parameters to numbers.

An event whose trigger is ``time >= t1`` (or ``>``, or ``t1 <= time``), t1 a number after the start,
with no delay, and whose assignments each set a parameter (a constant of the system) to a number,
fires once, at t1: it is a protocol step, and `vrest simulate` runs it as one. The events of a file
are run all or none: where one is something else (a trigger on a state, a delay, an assignment to a
state or of an expression), none is, and the reader's warning says why. Times and values are the
file's numbers in its units, converted to SI here.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from ..errors import ModelError
from .si import Dimension, si_factor
from .xmlsafe import children, local_name

__all__ = ["timed_steps"]

_TIME = "http://www.sbml.org/sbml/symbols/time"
_LATER = {"geq": 0, "gt": 0, "leq": 1, "lt": 1}  # the relation: the operand that is time (time >= t1, t1 <= time)


def timed_steps(model, myokit_model, time_unit, names: Mapping[str, str]) -> tuple[tuple, str | None]:
    """((id, t in s, ((parameter, SI value), ...)) for each event, in time order, and None; or ((), why they are
    not run) when any event is no protocol step: a protocol with a step missing (a pulse whose end is
    delayed, say) would run a different experiment, so the events are run all or none. ``model``: the <model>
    element; ``time_unit``: the model's unit of time (a myokit.Unit); ``names``: {Myokit's qualified name of a
    parameter: vrest's name}."""
    by_id = {v.name(): v for v in myokit_model.variables(deep=True)}
    try:
        seconds = float(si_factor(Dimension.of(time_unit), "time"))
    except ModelError:
        return (), "the model's time has no unit of time"
    steps, set_at = [], {}
    for event in (e for e in model.iter() if local_name(e) == "event"):
        name = event.get("id") or event.get("name") or "?"
        step = _step(event, by_id, names, seconds)
        if isinstance(step, str):
            return (), f"{name} is not ({step})"
        for parameter, value in step[1]:
            if set_at.setdefault((step[0], parameter), value) != value:
                return (), f"two events set {parameter} to different values at t = {step[0]:.6g} s"
        steps.append((name, *step))
    return tuple(sorted(steps, key=lambda step: step[1])), None


def _step(event, by_id, names, seconds) -> tuple | str:
    """(t, changes) of one event, or why it is no protocol step."""
    if children(event, "delay"):
        return "it has a delay"
    trigger = _math(children(event, "trigger"))
    at = None if trigger is None else _time(trigger)
    if at is None:
        return "its trigger is not time >= a number, or time > a number"
    if at <= 0:
        return f"its trigger, time >= {at:g}, holds from the start: a step comes at a time after it"
    assignments = [e for e in event.iter() if local_name(e) == "eventAssignment"]
    if not assignments:
        return "it assigns nothing"
    changes = []
    for assignment in assignments:
        variable = by_id.get(assignment.get("variable", ""))
        if variable is None or variable.qname() not in names:
            return f"it sets {assignment.get('variable', '?')}, which is no parameter"
        value = _number(_math([assignment]))
        if value is None:
            return f"it sets {assignment.get('variable')} to something other than a number in its unit"
        try:
            factor = float(si_factor(Dimension.of(variable.unit()), variable.qname()))
        except ModelError:
            return f"the unit of {assignment.get('variable')} does not convert"
        changes.append((names[variable.qname()], value * factor))
    return at * seconds, tuple(changes)


def _math(parents) -> object | None:
    """The one expression of the <math> in the first of ``parents``, else None."""
    maths = [m for p in parents for m in p if local_name(m) == "math"]
    expressions = [e for e in maths[0] if isinstance(e.tag, str)] if maths else []
    return expressions[0] if len(expressions) == 1 else None


def _time(trigger) -> float | None:
    """t1 of a trigger time >= t1 (or >, or t1 <= time, <), else None."""
    parts = [e for e in trigger if isinstance(e.tag, str)] if local_name(trigger) == "apply" else []
    if len(parts) != 3 or local_name(parts[0]) not in _LATER:
        return None
    time, bound = (parts[1], parts[2]) if _LATER[local_name(parts[0])] == 0 else (parts[2], parts[1])
    if local_name(time) != "csymbol" or time.get("definitionURL", "").strip() != _TIME:
        return None
    return _number(bound)


def _number(element) -> float | None:
    """The value of a <cn> (real, integer, e-notation, rational) in the unit of what it sets, or of minus one;
    else None."""
    if element is None:
        return None
    if local_name(element) == "apply":
        parts = [e for e in element if isinstance(e.tag, str)]
        if len(parts) == 2 and local_name(parts[0]) == "minus":
            inner = _number(parts[1])
            return None if inner is None else -inner
        return None
    if local_name(element) != "cn" or any(key.split("}")[-1] == "units" for key in element.attrib):
        return None  # (a number in a unit of its own, Level 3's sbml:units: not read here, the event left out)
    kind = element.get("type", "real")
    texts = [(element.text or "").strip()] + [(sep.tail or "").strip() for sep in element if local_name(sep) == "sep"]
    try:
        if kind in ("real", "integer") and len(texts) == 1:
            return float(texts[0])
        if kind == "e-notation" and len(texts) == 2:
            return float(texts[0]) * 10.0 ** int(texts[1])
        if kind == "rational" and len(texts) == 2:
            return float(Fraction(int(texts[0]), int(texts[1])))
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    return None
