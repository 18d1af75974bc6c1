"""SBML events that are the steps of a protocol: at a fixed time, set parameters to numbers.

An event whose trigger is ``time >= t1`` (or ``>``, or ``t1 <= time``), t1 a number or a constant
parameter after the start (or at it, where the trigger is false before the start), with no delay, and
whose assignments each set a parameter (a constant of the system) to a number or to sums and products
of numbers and constant parameters, fires once, at t1: it is a protocol step, and `vrest simulate` runs
it as one. A trigger may also ask that a constant parameter equal a number (vrest's own export:
``scenario == 2 and time >= high_K_1_at``): the step keeps that condition, and a run takes it where the parameter
has that value (the file's, or one a run sets), so `--set scenario=2` runs the second scenario.
The events of a file are run all or none: where one is something else (a trigger on a state, a delay,
an assignment to a state), none is, and the reader's warning says why. Times and values are the file's
numbers in its units, converted to SI here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from fractions import Fraction

from ..errors import ModelError
from .si import Dimension, si_factor
from .xmlsafe import children, local_name

__all__ = ["timed_steps"]

_TIME = "http://www.sbml.org/sbml/symbols/time"
_LATER = {"geq": 0, "gt": 0, "leq": 1, "lt": 1}  # the relation: the operand that is time (time >= t1, t1 <= time)


def timed_steps(model, myokit_model, time_unit, names: Mapping[str, str]) -> tuple[tuple, str | None]:
    """((id, t in s, ((parameter, SI value), ...), condition) for each event, in time order, and None; or ((), why
    they are not run) when any event is no protocol step: a protocol with a step missing (a pulse whose end is
    delayed, say) would run a different experiment, so the events are run all or none. A condition is () or
    ((parameter, SI value),): the step is taken only where that parameter has that value
    (derive.file_steps.active_steps).
    ``model``: the <model> element; ``time_unit``: the model's unit of time (a myokit.Unit); ``names``: {Myokit's
    qualified name of a parameter: vrest's name}."""
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
            if set_at.setdefault((step[2], step[0], parameter), value) != value:
                return (), f"two events set {parameter} to different values at t = {step[0]:.6g} s"
        steps.append((name, *step))
    return tuple(sorted(steps, key=lambda step: step[1])), None


def _step(event, by_id, names, seconds) -> tuple | str:
    """(t, changes, condition) of one event, or why it is no protocol step."""
    if children(event, "delay"):
        return "it has a delay"
    triggers = children(event, "trigger")
    trigger = _math(triggers)
    constant = _constants(by_id, names)
    when = None if trigger is None else _when(trigger, constant, _condition(by_id, names))
    if when is None:
        return "its trigger is not time >= a number, or time > a number"
    at = when[0] * (seconds if when[1] is None else when[1])
    if at < 0 or (at == 0 and triggers[0].get("initialValue") != "false"):
        return f"its trigger, time >= {when[0]:g}, holds from the start: a step comes at a time after it"
    assignments = [e for e in event.iter() if local_name(e) == "eventAssignment"]
    if not assignments:
        return "it assigns nothing"
    changes = []
    for assignment in assignments:
        variable = by_id.get(assignment.get("variable", ""))
        if variable is None or variable.qname() not in names:
            return f"it sets {assignment.get('variable', '?')}, which is no parameter"
        value = _value(_math([assignment]), constant)
        if value is None:
            return f"it sets {assignment.get('variable')} to something other than a number in its unit"
        try:
            factor = float(si_factor(Dimension.of(variable.unit()), variable.qname()))
        except ModelError:
            return f"the unit of {assignment.get('variable')} does not convert"
        changes.append((names[variable.qname()], value * factor))
    return at, tuple(changes), when[2]


def _math(parents) -> object | None:
    """The one expression of the <math> in the first of ``parents``, else None."""
    maths = [m for p in parents for m in p if local_name(m) == "math"]
    expressions = [e for e in maths[0] if isinstance(e.tag, str)] if maths else []
    return expressions[0] if len(expressions) == 1 else None


def _constants(by_id, names) -> Callable[[object], tuple[float, float | None] | None]:
    """<ci> of a constant parameter -> (its value in its unit, that unit's SI factor or None where it has none);
    None for anything else."""
    def constant(element) -> tuple[float, float | None] | None:
        if local_name(element) != "ci":
            return None
        variable = by_id.get((element.text or "").strip())
        if variable is None or variable.qname() not in names or not variable.is_literal():
            return None
        try:
            factor = float(si_factor(Dimension.of(variable.unit()), variable.qname()))
        except ModelError:
            factor = None
        return float(variable.eval()), factor

    return constant


def _parts(element) -> list:
    return [e for e in element if isinstance(e.tag, str)] if local_name(element) == "apply" else []


def _when(trigger, constant, condition) -> tuple[float, float | None, tuple] | None:
    """(t1, its unit's SI factor, None: the model's time unit; the condition) of a trigger time >= t1 (or >, or
    t1 <= time, <), t1 a number or a constant parameter, alone (condition ()) or and-ed with a constant parameter
    == a number (condition ((parameter, SI value),)); else None."""
    parts = _parts(trigger)
    if parts and local_name(parts[0]) == "and" and len(parts) == 3:
        conditions = [condition(part) for part in parts[1:]]
        if (conditions[0] is None) == (conditions[1] is None):
            return None
        which = 0 if conditions[0] is not None else 1
        timed = _when(parts[2 - which], constant, condition)
        return None if timed is None or timed[2] else (*timed[:2], (conditions[which],))
    if len(parts) != 3 or local_name(parts[0]) not in _LATER:
        return None
    time, bound = (parts[1], parts[2]) if _LATER[local_name(parts[0])] == 0 else (parts[2], parts[1])
    if local_name(time) != "csymbol" or time.get("definitionURL", "").strip() != _TIME:
        return None
    number = _number(bound)
    at = (number, None) if number is not None else constant(bound)
    return None if at is None else (*at, ())


def _condition(by_id, names) -> Callable[[object], tuple[str, float] | None]:
    """<apply> of a constant parameter == a number (either way round) -> (vrest's name of the parameter, the number
    in SI); None for anything else."""
    constant = _constants(by_id, names)

    def condition(element) -> tuple[str, float] | None:
        parts = _parts(element)
        if len(parts) != 3 or local_name(parts[0]) != "eq":
            return None
        for name, number in ((parts[1], parts[2]), (parts[2], parts[1])):
            value, wanted = constant(name), _number(number, any_unit=True)
            if value is not None and wanted is not None:
                return names[by_id[name.text.strip()].qname()], wanted * (value[1] or 1.0)
        return None

    return condition


def _value(element, constant) -> float | None:
    """A number, a constant parameter (the unit of what it sets, as SBML's units require), or their sums,
    differences, products and quotients; else None."""
    if element is None:
        return None
    number = _number(element)
    if number is not None:
        return number
    parameter = constant(element)
    if parameter is not None:
        return parameter[0]
    parts = _parts(element)
    if len(parts) < 2:
        return None
    values = [_value(part, constant) for part in parts[1:]]
    if None in values:
        return None
    operator = local_name(parts[0])
    if operator == "times":
        return math.prod(values)
    if operator == "plus":
        return sum(values)
    if operator == "minus" and len(values) == 2:
        return values[0] - values[1]
    if operator == "divide" and len(values) == 2 and values[1] != 0:
        return values[0] / values[1]
    return None


def _number(element, any_unit: bool = False) -> float | None:
    """The value of a <cn> (real, integer, e-notation, rational) in the unit of what it sets, or of minus one;
    else None. ``any_unit``: also a number in a unit of its own (a count that a parameter is compared with)."""
    if element is None:
        return None
    if local_name(element) == "apply":
        parts = [e for e in element if isinstance(e.tag, str)]
        if len(parts) == 2 and local_name(parts[0]) == "minus":
            inner = _number(parts[1], any_unit)
            return None if inner is None else -inner
        return None
    if local_name(element) != "cn" or (not any_unit and any(key.split("}")[-1] == "units" for key in element.attrib)):
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
