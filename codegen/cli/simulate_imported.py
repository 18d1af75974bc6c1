"""``vrest simulate FILE.cellml|FILE.xml``: another tool's model with vrest's CVODE solver.

The file's generated, compiled module comes from the cache (codegen.simulation.imported), as for
``vrest rest FILE``. The run starts at the file's stable resting state (``--start steady``, found by
the rest engine from the file's initial state) or at the file's initial state (``--start given``); the
stimulus stays off unless ``--stimulus-on``, or ``--set`` or a protocol step sets its switch to 1. A
protocol changes the file's parameters by their names: ``--set NAME=VALUE`` from the start, and
``--protocol FILE.toml`` with steps in the shape of a vrest model's scenario (docs/model-format.md,
"vrest simulate FILE").
"""

from __future__ import annotations

import math
import tomllib
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from vrest.derive.errors import ModelError, ModelWarning
from vrest.derive.plausibility import ImplausibleResultWarning, trajectory_problems

from ..simulation.cache import CachedChange, CachedScenario, CachedStep
from ..simulation.imported import ImportedPlan, imported_plan

__all__ = ["run", "start_state", "read_protocol", "parameter_name", "parameter_value", "columns"]

DEFAULT_T_END = 1.0  # s: an action potential and its return, for a cardiac or neuron model


# Where a file's parameters come from (path, --voltage, --stimulus): read again only to explain a name the plan
# does not hold, or to find a component.variable name.
Source = tuple[str, str | None, str | None]

# Why a state cannot be set, in --set and in a protocol step alike.
STATE_HINT = ("--set and protocol steps change parameters; a run takes the state's value from --start: steady, its "
              "value at rest, or given, the file's initial value")


def parameter_value(plan: ImportedPlan, name: str, value: object, key: str) -> float:
    """The SI value of ``value`` ("0.5 mS/cm^2", or a number for a parameter without a unit) for parameter
    ``name`` of the file (its name in the plan: see parameter_name)."""
    units = plan.parameter_units
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ModelError(key, value, "expected '<number> <unit>' (or a number for a parameter without a unit)")
    if not isinstance(value, str):
        value = repr(value)
    from vrest.derive.rest.inputs import check_parameter_sign, parse_value

    number = parse_value(name, units[name], value, key, "parameter")
    check_parameter_sign(name, units[name], number, key, value, plan.periods)
    _check_switch(plan, name, number, key, value)
    return number


def parameter_name(plan: ImportedPlan, name: str, value: object, key: str, source: Source | None = None,
                   state_hint: str = STATE_HINT) -> str:
    """The plan's name of the parameter ``name`` names: its name as vrest derive FILE shows it, or component.variable
    (as vrest sweep takes them). Else a ModelError naming ``key`` and ``value`` that says what ``name`` is: a
    state, a value the file computes, or an unknown name (with the nearest)."""
    if name in plan.parameter_units:
        return name
    if plan.stimulus is not None and name.lower().endswith("_on"):  # the docs' I_stim_on, in a file that has another
        raise ModelError(key, value, f"not a parameter of {plan.file}: its stimulus' switch is {plan.stimulus[0]} "
                         "(vrest adds it: 0 off, 1 on; --stimulus-on sets it to 1)")
    if source is None:
        known = ", ".join(sorted(plan.parameter_units)[:12])
        raise ModelError(key, value, f"{name} is not a parameter of {plan.file} (parameters: {known}, ...)")
    from ..sweep.imported import load_imported

    path, voltage, stimulus = source
    model = load_imported(path, voltage=voltage, stimulus=stimulus)
    return model.parameter(name, option=key, value=value, verb="set", state_hint=state_hint).name


def set_parameters(plan: ImportedPlan, items, source: Source, state_hint: str = STATE_HINT) -> dict[str, float]:
    """{the plan's parameter name: SI value} of --set's "NAME=VALUE" items (a name as vrest derive FILE shows it,
    or component.variable)."""
    params: dict[str, float] = {}
    given_as: dict[str, tuple[str, str]] = {}
    for item in items:
        given, sep, text = item.partition("=")
        if not sep or not given.strip():
            raise ModelError("--set", item, "expected NAME=VALUE, e.g. 'g_K1=0.5 mS/cm^2'")
        where = f"--set {given.strip()}"
        name = parameter_name(plan, given.strip(), text.strip(), where, source, state_hint)
        if name in params:  # (also under its other name, component.variable)
            raise ModelError(where, text.strip(), f"{name} is set twice: give each parameter one --set")
        params[name] = parameter_value(plan, name, text.strip(), where)
        given_as[name] = (where, text.strip())
    _check_finite_start(plan, params, given_as)
    return params


def _check_finite_start(plan: ImportedPlan, params: dict[str, float], given_as: dict[str, tuple[str, str]]) -> None:
    """Refuse --set values with which the file's rates at its initial state are no finite numbers where the file's
    own values give finite ones (Luo-Rudy's PR_NaK = -0.5: E_K the logarithm of a negative number), naming the
    first quantity, in the order the file computes them, that is not finite."""
    from ..simulation.numeric import _numpy_module_at

    numeric = _numpy_module_at(plan.numpy_module)

    def not_finite(values: dict[str, float]) -> str | None:
        p = np.array(numeric.PARAMETER_VALUES, dtype=float)
        for name, value in values.items():
            p[numeric.PARAMETER_NAMES.index(name)] = value
        with np.errstate(all="ignore"):
            if np.isfinite(numeric.rhs(0.0, numeric.STATE_VALUES, p)).all():
                return None
            computed = numeric.quantities(numeric.STATE_VALUES, p)
        return next((name for name, value in computed.items() if not np.isfinite(value).all()), "a rate")

    if not params or not_finite({}) is not None or (quantity := not_finite(params)) is None:
        return
    name = next((name for name in params if not_finite({name: params[name]}) is not None), next(iter(params)))
    raise ModelError(*given_as[name], f"with this value {quantity} is not a finite number at the file's initial state "
                     "(a logarithm of a number <= 0, a division by zero or an overflow), so the model has no rates "
                     "there")


def _file_value(plan: ImportedPlan, name: str) -> float:
    """The file's SI value of parameter ``name`` (as the numeric module has it)."""
    from ..simulation.numeric import _numpy_module_at

    numeric = _numpy_module_at(plan.numpy_module)
    return float(numeric.PARAMETER_VALUES[numeric.PARAMETER_NAMES.index(name)])


def in_unit(plan: ImportedPlan, name: str, value: float) -> tuple[float, str]:
    """(the SI ``value`` of parameter ``name`` in the unit vrest shows it in, that unit): "(SI)" for a unit the
    units library cannot read (or one with an offset), "" for none."""
    from vrest.derive.units import unit_factor

    unit = plan.parameter_units[name]
    try:
        return (value / float(unit_factor(unit)), unit) if unit else (value, "")
    except ValueError:
        return value, "(SI)"


def _shown(plan: ImportedPlan, name: str, value: float) -> str:
    """The SI ``value`` of parameter ``name`` in the unit vrest shows it in."""
    number, unit = in_unit(plan, name, value)
    return f"{number:g} {unit}".rstrip()


def _stimulus_quantity(plan: ImportedPlan) -> str | None:
    """The file's stimulus when it is a quantity (a pulse train in time) behind the switch parameter, else None."""
    from ..simulation.numeric import _numpy_module_at

    return _numpy_module_at(plan.numpy_module).STIMULUS_QUANTITY if plan.stimulus is not None else None


def _check_switch(plan: ImportedPlan, name: str, value: float, key: str, given: object) -> None:
    """The switch of a stimulus quantity multiplies the file's pulse train: 0 (off) or 1 (on), nothing between."""
    if value not in (0.0, 1.0) and plan.stimulus is not None and name == plan.stimulus[0]:
        quantity = _stimulus_quantity(plan)
        if quantity is not None:
            raise ModelError(key, given, f"the switch of the stimulus {quantity} is 0 (off) or 1 (on); the pulses' "
                             "amplitude is one of the file's parameters")


def _factor(value: object, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ModelError(key, value, "a factor is a finite number >= 0")
    return float(value)


def _changes(plan: ImportedPlan, table: dict, key: str, source: Source | None = None) -> tuple[CachedChange, ...]:
    from vrest.derive.rest.inputs import BEYOND, check_parameter_sign

    changes = []
    for operation in ("set", "scale"):
        entries = table.get(operation, {})
        if not isinstance(entries, dict):
            raise ModelError(f"{key}.{operation}", entries, "expected a table: NAME = value")
        for given, value in entries.items():
            where = f"{key}.{operation}.{given}"
            name = parameter_name(plan, given, value, where, source)
            if any(c.parameter == name for c in changes):
                raise ModelError(where, value, "one step changes a parameter once")
            if operation == "set":
                changes.append(CachedChange(name, "set", parameter_value(plan, name, value, where)))
            else:
                factor = _factor(value, where)
                _check_switch(plan, name, factor, where, value)
                scaled = factor * _file_value(plan, name)
                if not math.isfinite(scaled):
                    raise ModelError(where, value, f"the factor takes {name} (in SI units) {BEYOND}")
                makes = f"the factor makes {name} {_shown(plan, name, scaled)}"  # the limits judge that, not the factor
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    try:
                        check_parameter_sign(name, plan.parameter_units[name], scaled, where, value, plan.periods)
                    except ModelError as error:
                        raise ModelError(where, value, f"{makes}, {error.problem}") from None
                for warning in caught:  # "steps[1].scale.gK = 1000000.0 is above 1000 mS/cm^2": the value it makes is
                    text = str(warning.message).replace(f"{where} = {value!r} is ", f"{where} = {value!r}: {makes}, ",
                                                        1)
                    warnings.warn(type(warning.message)(text), stacklevel=2)
                changes.append(CachedChange(name, "scale", factor))
    if not changes:
        raise ModelError(key, table, "a step changes nothing: give set = { NAME = value } and/or "
                         "scale = { NAME = factor }")
    return tuple(changes)


def protocol_table(path: str) -> dict:
    """The TOML table of the protocol file ``path``; one line naming --protocol where it cannot be read."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ModelError("--protocol", path, f"cannot be read ({error.strerror or error})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ModelError("--protocol", path, f"not a TOML file: {str(error).splitlines()[0]}") from None


def read_protocol(plan: ImportedPlan, path: str, source: Source | None = None) -> CachedScenario:
    """The protocol in the TOML file ``path``: ``steps = [{at = "1 s", set = {...}, scale = {...}}, ...]``, or the
    one-step form (``at``, ``set``, ``scale`` at the top; ``at`` defaults to "0 s"); ``description`` optional.
    An error names the file: "--protocol FILE: steps[1].set.NAME = ...", as for a vrest model."""
    data = protocol_table(path)
    with naming_the_protocol(path, "--protocol"):
        return _protocol(plan, path, data, source)


@contextmanager
def naming_the_protocol(path: str, prefix: str):
    """Errors and warnings of reading the protocol file ``path`` name it, "--protocol FILE: steps[1]...", in place
    of the key ``prefix`` the reader gives them ("--protocol", or "scenario.protocol" for a vrest model)."""
    name = f"--protocol {Path(path).name}"

    def renamed(text: str) -> str:
        rest = text.removeprefix(prefix).lstrip(".").strip()
        return f"{name}: {rest}" if rest else name

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        except ModelError as error:
            raise ModelError(renamed(error.key), error.value, error.problem) from None
    for warning in caught:  # each about the file's contents; a file that is refused shows the refusal only
        warnings.warn(type(warning.message)(renamed(str(warning.message))), stacklevel=3)


def _protocol(plan: ImportedPlan, path: str, data: dict, source: Source | None) -> CachedScenario:
    from .simulate_cmd import _duration

    unknown = sorted(set(data) - {"description", "steps", "at", "set", "scale"})
    if unknown:
        raise ModelError(f"--protocol {unknown[0]}", data[unknown[0]], "unknown key; the keys are description, "
                         "steps, or the one-step at, set and scale")
    if "steps" in data and data.keys() & {"at", "set", "scale"}:
        raise ModelError("--protocol", path, "give either steps or the one-step keys at, set, scale, not both")
    one_step = {"at": data.get("at", "0 s"), **{k: data[k] for k in ("set", "scale") if k in data}}
    tables = data["steps"] if "steps" in data else [one_step]
    if not isinstance(tables, list) or not tables:
        raise ModelError("--protocol steps", tables, "expected an array of step tables")
    steps, last = [], -1.0
    for number, table in enumerate(tables, start=1):
        key = f"steps[{number}]"
        if not isinstance(table, dict):
            raise ModelError(key, table, "expected a table with at, set and/or scale")
        extra = sorted(set(table) - {"at", "set", "scale"})
        if extra:
            raise ModelError(f"{key}.{extra[0]}", table[extra[0]], "unknown key; a step has at, set and scale")
        if "at" not in table:
            raise ModelError(f"{key}.at", None, "every step needs its time, e.g. at = \"1 s\"")
        if not isinstance(table["at"], str):
            raise ModelError(f"{key}.at", table["at"], "expected a time with a unit, e.g. \"1 s\"")
        at = _duration(table["at"], f"{key}.at")
        if at <= last:
            raise ModelError(f"{key}.at", table["at"], "times increase strictly from step to step")
        last = at
        steps.append(CachedStep(at, _changes(plan, table, key, source)))
    return CachedScenario(Path(path).stem, tuple(steps))


def file_protocol(plan: ImportedPlan, params: dict[str, float]) -> CachedScenario | None:
    """The protocol the file defines (SBML events at fixed times, derive.importers.sbml_events) where the parameters
    (the file's, with ``params`` in place) meet each step's condition (vrest's own export: scenario = N), else None;
    events at the same time are one step."""
    from vrest.derive.file_steps import active_steps

    by_time: dict[float, list[CachedChange]] = {}
    for _, at, changes, _ in active_steps(plan.steps, lambda name: params.get(name, _file_value(plan, name))):
        by_time.setdefault(at, []).extend(CachedChange(name, "set", value) for name, value in changes)
    steps = tuple(CachedStep(at, tuple(changes)) for at, changes in sorted(by_time.items()))
    return CachedScenario("events", steps) if steps else None


def _warn_no_event_selected(plan: ImportedPlan, params: dict[str, float]) -> None:
    """Warn a run in which no event of the file fires: every one waits for a value (scenario = N) the run's is not."""
    from vrest.derive.file_steps import by_condition

    asked = sorted({name for _, _, _, condition in plan.steps for name, _ in condition})
    shown = ", ".join(f"{name} = {params.get(name, _file_value(plan, name)):g}" for name in asked)
    warnings.warn(f"no event of {plan.file} fires with {shown}: the run has no steps (its events: "
                  f"{by_condition(plan.steps)})", ModelWarning, stacklevel=3)


EDGE_GRID = 10**6  # intervals in which the run is cut to look at the stimulus, at least: see edge_intervals
PER_PERIOD = 2000  # and at least this many in each period of a pulse train (a 1 ms pulse in 1 s: 4 points on it)
ON_PULSE = 4  # and at least this many on the narrowest pulse (or gap) those find, where they find any
MOST_POINTS = 10**8  # and at most this many (about 5 s of NumPy): a pulse shorter than t_end / MOST_POINTS is missed


def edge_intervals(t_end: float, periods: list[float]) -> int:
    """Into how many intervals the run is cut to look at the stimulus: EDGE_GRID, more where the run holds many
    periods of a pulse train (3000 s of 1 Hz pacing with 1 ms pulses: 6e6, so that no pulse falls between two)."""
    shortest = min((p for p in periods if p > 0), default=math.inf)
    return int(min(MOST_POINTS, max(EDGE_GRID, math.ceil(PER_PERIOD * t_end / shortest))))


def stimulus_edges(plan: ImportedPlan, module, params: dict, t_end: float, t_start: float = 0.0,
                   length: tuple[str, str] = ("--t-end", "")) -> list[float]:
    """The times in (t_start, t_end] at which the stimulus switches (a pulse's start and end), to double precision.

    A solver from rest takes long steps and could step over a pulse of a few ms: each edge becomes a point
    where the run stops and restarts. Found on the times of edge_intervals, then by bisection; where the pulses
    (or gaps) found are narrower than ON_PULSE of those intervals, again on intervals a quarter of the narrowest
    (a 0.2 ms pulse at 1 Hz for 300 s lay between two of 10^6 points at 0.3 ms in a third of the periods). A run too
    long to find each pulse in MOST_POINTS is refused, naming ``length`` (the option that gave the run's length, its
    text): its pulses would be missed, and the cell's rest returned for a paced run."""
    from ..simulation.numeric import _numpy_module_at

    numeric = _numpy_module_at(plan.numpy_module)
    name = numeric.STIMULUS_QUANTITY
    span = t_end - t_start
    if name is None or span <= 0:
        return []
    p = [params.get(k, v) for k, v in zip(numeric.PARAMETER_NAMES, numeric.PARAMETER_VALUES)]
    y = list(numeric.STATE_VALUES)

    def value(t):
        with np.errstate(all="ignore"):
            return np.broadcast_to(np.asarray(numeric.stimulus(t, y, p), dtype=float), np.shape(t))

    periods = [float(p[numeric.PARAMETER_NAMES.index(n)]) for n in plan.periods]
    count = edge_intervals(span, periods)
    shortest = min((q for q in periods if q > 0), default=math.inf)
    if shortest < PER_PERIOD * span / MOST_POINTS:
        raise ModelError(*length, f"the run holds {span / shortest:.6g} periods of the stimulus' pulse train (one "
                         f"every {shortest:.4g} s), too many to find each pulse (at most {MOST_POINTS // PER_PERIOD}):"
                         f" run at most {MOST_POINTS * shortest / PER_PERIOD:.4g} s, or without the stimulus")
    edges = _edges_on(value, t_start, span, count)
    narrowest = float(np.diff(edges).min()) if len(edges) > 1 else math.inf
    if 0 < narrowest < ON_PULSE * span / count:
        finer = math.ceil(ON_PULSE * span / narrowest * (1 - 1e-12))  # (the edges found are rounded: 5e4 s of 2 ms
        if finer > MOST_POINTS:  # pulses asked for 100000001 points)
            raise ModelError(*length, f"the stimulus' pulses (or gaps) of {narrowest:.3g} s are too short to find "
                             f"each one in a run of {span:.4g} s: run at most {MOST_POINTS * narrowest / ON_PULSE:.4g}"
                             " s, or make the pulses longer")
        edges = _edges_on(value, t_start, span, min(finer, MOST_POINTS))
    return edges


def _edges_on(value, t_start: float, span: float, count: int) -> list[float]:
    """The edges of ``value`` in (t_start, t_start + span] that ``count`` equal intervals see, each by bisection."""
    edges = []
    for first in range(0, count, EDGE_GRID):  # in chunks: 1e8 times at once would take 800 MB
        grid = t_start + span * (np.arange(first, min(first + EDGE_GRID, count) + 1) / count)
        values = value(grid)
        for k in np.flatnonzero(values[1:] != values[:-1]):
            edges.append(_edge(value, grid[k], grid[k + 1]))
    return edges


def _edge(value, low: float, high: float) -> float:
    """The first time in (low, high] where ``value`` differs from its value at low, by bisection."""
    before = value(low)
    while np.nextafter(low, high) < high:
        middle = low + (high - low) / 2
        if middle in (low, high):
            break
        low, high = (middle, high) if value(middle) == before else (low, middle)
    return float(high)


def with_stimulus_edges(plan: ImportedPlan, module, scenario: CachedScenario | None, params: dict,
                        times, length: tuple[str, str] = ("--t-end", "")) -> CachedScenario:
    """``scenario`` (or none) with a step that changes nothing at each edge of the stimulus, each span between the
    scenario's steps with its own parameters (a step that moves the pulse train moves its edges); an edge within
    rounding of an output time or a step is that time (CVODE refuses a span of an ulp: CV_TOO_CLOSE)."""
    steps = list(scenario.steps) if scenario is not None else []
    taken = {step.at for step in steps}
    marks = np.unique(np.concatenate([np.asarray(times, dtype=float), sorted(taken)]))
    edges = []
    for t_start, t_stop, values in _spans(plan, steps, params, float(marks[-1])):
        edges += stimulus_edges(plan, module, values, t_stop, t_start, length)
    steps += [CachedStep(at, ()) for at in {_snapped(edge, marks) for edge in edges} if at not in taken]
    return CachedScenario(scenario.name if scenario is not None else "stimulus", tuple(sorted(steps,
                                                                                             key=lambda s: s.at)))


def warn_never_on(plan: ImportedPlan, on: dict, scenario: CachedScenario | None, t_start: float, t_end: float) -> None:
    """A stimulus switched on whose pulse train is 0 at the run's start and never switches in it (a pulse duration
    of 0 or less, a first pulse after the run's end): said, or the run looks like a cell that ignores its pacing."""
    from ..simulation.numeric import _numpy_module_at

    numeric = _numpy_module_at(plan.numpy_module)
    steps = scenario.steps if scenario is not None else ()
    if numeric.STIMULUS_QUANTITY is None or any(not step.changes for step in steps):
        return  # a current without a train (on is on), or the edges with_stimulus_edges found
    p = [on.get(k, v) for k, v in zip(numeric.PARAMETER_NAMES, numeric.PARAMETER_VALUES)]
    with np.errstate(all="ignore"):
        value = float(numeric.stimulus(t_start, list(numeric.STATE_VALUES), p))
    if value == 0.0:
        from ..plotting import time_axis

        unit, seconds = time_axis(t_end)  # the table's
        warnings.warn(f"the stimulus {numeric.STIMULUS_QUANTITY} is on, but 0 from t = {t_start / seconds:g} to "
                      f"{t_end / seconds:g} {unit}: "
                      "no pulse of its train starts or lasts in the run (see the file's pulse timing: a duration of "
                      "0 or less, a first pulse after the run's end, a period)", ModelWarning, stacklevel=2)


def _snapped(edge: float, marks: np.ndarray) -> float:
    """``edge``, or the time among ``marks`` (sorted) it lies within rounding of (0.1 s + 3 x 0.3 s is
    0.9999999999999999 s, an ulp before an output time of 1 s)."""
    k = int(np.searchsorted(marks, edge))
    for mark in marks[max(k - 1, 0):k + 1]:
        if abs(mark - edge) <= 64 * np.spacing(max(abs(mark), abs(edge))):
            return float(mark)
    return edge


def _spans(plan: ImportedPlan, steps: list[CachedStep], params: dict, t_end: float):
    """(start, end, parameters by name) of each span of the run between its steps: a step sets a value or scales the
    one at the start of the run (the file's, or --set's)."""
    from ..simulation.numeric import _numpy_module_at

    numeric = _numpy_module_at(plan.numpy_module)
    first = {k: params.get(k, v) for k, v in zip(numeric.PARAMETER_NAMES, numeric.PARAMETER_VALUES)}
    values, start = dict(first), 0.0
    for step in sorted(steps, key=lambda s: s.at):
        if step.at >= t_end:
            break
        if step.at > start:
            yield start, step.at, dict(values)
            start = step.at
        for change in step.changes:
            values[change.parameter] = change.value if change.operation == "set" else \
                change.value * first[change.parameter]
    yield start, t_end, values


def _switched_on(plan: ImportedPlan, params: dict, scenario: CachedScenario | None) -> bool:
    """Whether --set or a protocol step sets the stimulus switch to a value other than 0."""
    if plan.stimulus is None:
        return False
    switch = plan.stimulus[0]
    steps = scenario.steps if scenario is not None else ()
    return params.get(switch, 0.0) != 0.0 or any(c.parameter == switch and c.operation == "set" and c.value != 0.0
                                                 for step in steps for c in step.changes)


def _switch_at(plan: ImportedPlan, params: dict, scenario: CachedScenario | None, t: float) -> float:
    """The stimulus switch's value at time ``t``: --set's, then each protocol step at or before ``t`` (a step at 0 s
    that switches the stimulus on has it on at the start)."""
    if plan.stimulus is None:
        return 0.0
    switch = plan.stimulus[0]
    value = params.get(switch, 0.0)
    for step in (scenario.steps if scenario is not None else ()):
        for change in step.changes if step.at <= t else ():
            if change.parameter == switch:
                value = change.value if change.operation == "set" else value * change.value
    return value


def start_state(plan: ImportedPlan, module, start: str) -> np.ndarray:
    """The file's initial state ("given"), its stable resting state ("steady": with several, the one the cell
    comes to from its initial state) or the stable resting state nearest a potential ("-5.84 mV"): SI, in the
    module's order."""
    if start == "given":
        return np.array(module.STATE_VALUES, dtype=float)
    from vrest.derive.rest import DEFAULT_RANGE
    from vrest.derive.rest.inputs import POTENTIALS, is_potential, parse_value

    from ..simulation.imported_rest import rest_report

    try:
        near = None if start == "steady" else parse_value("V", "V", start, "--start", "potential")
    except ModelError:
        near = math.inf
    if near is not None and not is_potential(near):
        raise ModelError("--start", start, f"steady, given, or a potential with its unit within {POTENTIALS} (e.g. "
                         "'-80 mV')")
    # "steady": with several stable states, the one the cell comes to from its start (Pandit 2001: -81.68 mV)
    report = rest_report(plan, DEFAULT_RANGE, from_start=near is None)
    stable = [s for s in report.resting_states if s.stable]
    fate = report.from_start
    if len(stable) > 1 and near is None and fate is not None and fate.kind == "rests" and fate.index < len(stable):
        stable = [stable[fate.index]]
    if not stable:
        raise ModelError("--start", start, f"{plan.file} has no stable resting state to start from "
                         f"({report.verdict}); `--start given` runs from the file's initial state")
    if len(stable) > 1 and near is None:
        raise ModelError("--start", start, f"{plan.file} has {len(stable)} stable resting states and the cell comes "
                         f"to none of them from its initial state ({report.verdict}); a potential such as "
                         "'-80 mV' picks the stable state nearest it, `--start given` runs from the initial state")
    chosen = min(stable, key=lambda s: abs(s.V - near)) if near is not None else stable[0]  # a tie: the lower V
    if near is None and fate is not None and fate.kind in ("oscillates", "drifts"):  # (Zhang 2000 beats beside it)
        warnings.warn(f"--start steady: {plan.file}: {report.verdict}; the run starts at that stable state all the "
                      "same (`--start given` runs from the file's initial state)", ModelWarning, stacklevel=2)
    return np.array([chosen.states[name] for name in module.STATE_NAMES])


def columns(plan: ImportedPlan, result) -> dict[str, tuple[str, np.ndarray]]:
    """Every state in the file's display units (the membrane potential in mV)."""
    problem = plan.rest_problem()
    out = {}
    for k, (name, unit) in enumerate(zip(problem.states, problem.units)):
        if k == problem.voltage:
            unit = problem.voltage_unit
        if unit and unit not in problem.display:
            unit = "SI"  # a unit vrest cannot convert: the SI value
        out[name] = (unit, np.array([problem.shown(v, unit) for v in result.y[k]]))
    return out


def run(args) -> int:
    from .simulate_cmd import (
        _check_out,
        _times,
        _tolerance,
        figure_only,
        fine_times,
        print_run,
        warn_coarse,
        warn_figure_times,
        warn_unreached,
    )

    if args.scenario:
        raise ModelError("--scenario", args.scenario, "takes vrest's own models; for a CellML or SBML file give the "
                         "protocol with --protocol FILE.toml or --set NAME=VALUE")
    if args.reduced:
        raise ModelError("--reduced", None, "takes vrest's own models (the time-scale separated model, V slaved "
                         "to the amounts); a CellML or SBML file runs as the file writes it")
    if args.plot:  # a figure name vrest cannot write fails before the work
        from ..plotting import figure_path

        figure_path(args.plot, "--plot")
    if args.out:
        _check_out(args.out)
    given_times = args.times is not None or args.t_end is not None
    times = _times(args, None) if given_times else _times(args, DEFAULT_T_END)
    rtol, atol = _tolerance(args.rtol, "--rtol"), _tolerance(args.atol, "--atol")
    plan = imported_plan(args.model, args.voltage, args.stimulus)
    source = (args.model, args.voltage, args.stimulus)
    params = set_parameters(plan, args.set, source)
    if args.stimulus_on:
        if plan.stimulus is None:
            raise ModelError("--stimulus-on", plan.file, "the file has no stimulus vrest knows of: name it with "
                             "--stimulus NAME")
        if params.get(plan.stimulus[0], plan.stimulus[1]) != plan.stimulus[1]:  # the switch given twice
            raise ModelError(f"--set {plan.stimulus[0]}", params[plan.stimulus[0]], "not with --stimulus-on, which "
                             f"sets {plan.stimulus[0]} = {plan.stimulus[1]:g}: give one of them")
        params.setdefault(plan.stimulus[0], plan.stimulus[1])
    scenario = read_protocol(plan, args.protocol, source) if args.protocol else file_protocol(plan, params)
    events = f"the events of {plan.file}" if scenario is not None and not args.protocol else None  # those run
    if scenario is None and not args.protocol and plan.steps:
        _warn_no_event_selected(plan, params)
    if args.stimulus_on and _switch_at(plan, params, scenario, float(times[0])) != plan.stimulus[1]:
        raise ModelError("--protocol" if args.protocol else plan.file, args.protocol or None, "its step at the start "
                         f"sets {plan.stimulus[0]}, where --stimulus-on sets it to {plan.stimulus[1]:g}: give one of "
                         "them")
    if args.protocol and plan.steps:
        warnings.warn(f"--protocol {args.protocol}: it replaces the events of {plan.file} (the file's own protocol: "
                      f"{', '.join(step[0] for step in plan.steps[:8])})", ModelWarning, stacklevel=2)
    if scenario is not None:
        warn_unreached(f"protocol {args.protocol}" if args.protocol else f"the events of {plan.file}", scenario.steps,
                       float(times[-1]))
    module = plan.module()
    stimulated = args.stimulus_on or _switched_on(plan, params, scenario)
    on = {**params, plan.stimulus[0]: plan.stimulus[1]} if stimulated else {}  # the pulses, wherever switched on

    length = (("--times", args.times.split(",")[-1].strip()) if args.times is not None else
              ("--t-end", args.t_end or f"{DEFAULT_T_END:g} s"))

    def stepped(times):  # the steps and the stimulus' pulse edges (snapped to the output times)
        return with_stimulus_edges(plan, module, scenario, on, times, length) if stimulated else scenario

    start = start_state(plan, module, args.start)  # a start refused before any warning on the run
    run_scenario = stepped(times)
    if stimulated:
        warn_never_on(plan, on, run_scenario, float(times[0]), float(times[-1]))
    if figure_only(args):  # a figure shows what V does between outputs and steps
        finer = fine_times(times, run_scenario.steps if run_scenario is not None else ())
        times, run_scenario = (finer, stepped(finer)) if len(finer) > len(times) else (times, run_scenario)
    if run_scenario is not None and args.times is None:
        whose = [*(["the protocol's steps"] if args.protocol else [f"{plan.file}'s events"] if events else []),
                 *(["the stimulus' pulse edges"] if stimulated else [])]
        warn_coarse(run_scenario.steps, times, " and ".join(whose))
    scenario = run_scenario
    from ..simulation.integrate import simulate_module

    result = simulate_module(module, module.MODEL, [scenario] if scenario else [], start,
                             scenario.name if scenario else None, times, params, progress=True,
                             **({"rtol": rtol} if rtol is not None else {}), atol=atol,
                             parameter_units=plan.parameter_units)
    on_at_start = _switch_at(plan, params, scenario, float(result.t[0])) != 0.0
    shown = columns(plan, result)
    problem = plan.rest_problem()
    if problem.voltage_unit == "mV":  # a potential with a unit of voltage; a unitless one is no cell's to judge
        from ..plotting import time_axis

        for message in trajectory_problems(result.t, shown, None, voltage=problem.states[problem.voltage],
                                           time_unit=time_axis(float(result.t[-1]))):
            warnings.warn(message, ImplausibleResultWarning, stacklevel=2)
    warn_figure_times(args, times)
    plotted = _plot(args.plot, plan, result, shown, scenario, args.protocol, on_at_start) if args.plot else None
    print_run(args, {"model": result.model, "file": plan.file, "protocol": args.protocol or events, "start": args.start,
                     "stimulus": "on" if on_at_start else "off"}, result, shown)
    if plotted is not None:  # the path, as for vrest's own models; on stderr when stdout is JSON
        print(plotted, file=sys.stderr if args.json else sys.stdout)
    return 0


def _plot(path: str, plan: ImportedPlan, result, shown: dict, scenario, protocol: str | None, stimulated: bool):
    """The membrane potential against time, and below it the concentrations (one panel for each unit): the gates
    and other states are in --out's CSV. Each step and each edge of the stimulus' pulses a dotted line."""
    from ..plotting import plot_panels

    problem = plan.rest_problem()
    voltage = problem.states[problem.voltage]
    panels = [("V", [(voltage, *shown[voltage])])]
    amounts: dict[str, list] = {}
    for name, (unit, values) in shown.items():
        if name != voltage and (unit.endswith("M") or "mol/" in unit):  # mM, uM, mol/m^3: a concentration
            amounts.setdefault(unit, []).append((name, unit, values))
    panels += [("concentration", lines) for lines in amounts.values()]
    title = (plan.file + (f", protocol {Path(protocol).name}" if protocol else "")
             + (", stimulus on" if stimulated else ""))
    return plot_panels(result.t, panels, title, path, steps=[step.at for step in scenario.steps] if scenario else ())
