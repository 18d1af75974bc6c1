"""Read the ``[scenario.<name>]`` tables of a model file into protocols of steps (docs/model-format.md).

A scenario is an ordered list of steps, each at a time ``at`` setting parameters to values with
units (``set``) or scaling them by factors (``scale``):

    [scenario.high_K]
    steps = [
      { at = "0 s",    set = { "ions.K.outside" = "20 mM", "ions.Na.outside" = "129 mM" } },
      { at = "10 min", set = { "ions.K.outside" = "4 mM",  "ions.Na.outside" = "145 mM" } },
    ]

The one-step form ``at`` + ``set``/``scale`` at the scenario's top level is the same as one step
(``set = { pump = 0 }`` is the ouabain scenario: ``pump`` takes a factor in either table). A
key names what the model file says (``ions.K.outside``); the step records the parameter behind
it (``K_o``), so simulation, derivations and every export read the same data. Each problem is
one ModelError naming the key path (steps counted from 1) and the value.
"""

from __future__ import annotations

import difflib
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy as sp

from . import limits
from .constants import A_i, C_m, L_p, T, Vol, area
from .errors import ModelError
from .model import N_A, Change, Model, ProtocolStep, Scenario
from .units import convert, parse_quantity, value_hint

__all__ = ["Target", "read_scenarios", "targets", "not_a_target", "STIMULUS_KEY"]

STIMULUS_KEY = "stimulus.current"  # the injected current a step sets (positive depolarises)

_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_SCENARIO_KEYS = {"description", "steps", "at", "set", "scale"}
_STEP_KEYS = {"at", "set", "scale"}


@dataclass(frozen=True)
class Target:
    """A model-file key whose value is one parameter: the dimension of a value, what it allows, and whether a
    scenario step may change it (``fixed``: why not). ``vrest sweep --vary`` reads the same table."""

    parameter: str
    dimension: str | None  # None: ``set`` takes a factor (only ``pump``)
    can_scale: bool = True
    sign: str = "positive"  # of a set value: "positive" (concentrations, temperature; factors > 0 too),
    # "nonnegative" (conductances, permeabilities, pump rates: 0 blocks) or "any" (a reversal potential)
    quantity: str | None = None  # the dimension of the parameter, when ``dimension`` is None (the pump's rate)
    fixed: str | None = None  # why a step cannot change it (a sweep may still vary it); None: a step can

    @property
    def range(self) -> str:
        """The dimension whose range (derive.limits) a value, set or scaled, must keep."""
        return self.dimension or self.quantity


_STATE = ("an inside concentration is the cell's own state (it follows the currents when the cell has an area and "
          "a volume): change the bath (outside) instead")
_MEMBRANE = "the membrane's capacitance, area, volume, water permeability and start are fixed"
_IMPERMEANT = "the trapped impermeant amount and its charge are fixed"
_PUMP_ONLY_RATE = "only the pump's rate changes in a step: scale = { pump = F }"
_CHANNEL = ("only a channel's conductance (or permeability) and a fixed reversal change in a step; its gates, units "
            "and Q10 are what the channel is")


def targets(model: Model) -> dict[str, Target]:
    """Every key of ``model``'s file that stands for one parameter, in the file's order: what a sweep may vary;
    a scenario step may change those whose ``fixed`` is None."""
    out: dict[str, Target] = {"model.temperature": Target("T", "temperature", can_scale=False),
                              "membrane.capacitance": Target(C_m.name, "capacitance per area", fixed=_MEMBRANE)}
    if model.has(area.name):
        out["membrane.area"] = Target(area.name, "area", fixed=_MEMBRANE)
        out["membrane.volume"] = Target(Vol.name, "volume", fixed=_MEMBRANE)
    if model.has(L_p.name):
        out["membrane.water_permeability"] = Target(L_p.name, "hydraulic permeability", fixed=_MEMBRANE)
    for ion in model.ions:
        path = f"ions.{ion.name}"
        if ion.has_concentrations:
            out[f"{path}.inside"] = Target(ion.inside.name, "concentration", fixed=_STATE)
            out[f"{path}.outside"] = Target(ion.outside.name, "concentration")
        else:
            out[f"{path}.reversal"] = Target(ion.E.name, "voltage", can_scale=False, sign="any")
        if ion.leak == "ghk":
            out[f"{path}.permeability"] = Target(ion.P.name, "permeability", sign="nonnegative")
        elif ion.leak == "ohmic":
            out[f"{path}.conductance"] = Target(ion.g.name, "conductance per area", sign="nonnegative")
    for channel in model.channels:
        path = f"channels.{channel.name}"
        if channel.ion is None:
            out[f"{path}.reversal"] = Target(channel.E.name, "voltage", can_scale=False, sign="any")
        if channel.law == "ghk":
            out[f"{path}.permeability"] = Target(channel.P.name, "permeability", sign="nonnegative")
        else:
            out[f"{path}.conductance"] = Target(channel.g.name, "conductance per area", sign="nonnegative")
    if model.stimulus:
        out[STIMULUS_KEY] = Target("I_stim", "current per area", can_scale=False, sign="any")
    if model.pump is not None:
        rate = model.pump.rate.name
        key, dimension = {"constant": ("current", "current per area"), "saturating": ("max_current", "current per area"),
                          "proportional": ("rate_per_Na", "permeability")}[model.pump.form]
        out["pump"] = Target(rate, None, sign="nonnegative", quantity=dimension)
        out[f"pump.{key}"] = Target(rate, dimension, sign="any" if model.pump.form == "constant" else "nonnegative")
        for name in ("K_half_Na", "K_half_K"):
            if model.has(name):
                out[f"pump.{name}"] = Target(name, "concentration", fixed=_PUMP_ONLY_RATE)
    if model.impermeant:
        for key, symbol, dimension in (("concentration", A_i, "concentration"), ("amount", N_A, "amount")):
            if model.has(symbol.name):
                out[f"impermeant.{key}"] = Target(symbol.name, dimension, fixed=_IMPERMEANT)
    if model.bath_impermeant:
        out["bath.impermeant"] = Target("B_o", "concentration")
    return out


def not_a_target(model: Model, key: str, verb: str = "change") -> str | None:
    """Why ``key``, a key of the model-file format, stands for no parameter of ``model`` (the ion has the other
    leak law or no concentrations, the model has no pump, ...), naming the key to ``verb`` instead; None when
    the format has no such key."""
    parts = key.split(".")
    ions = {ion.name: ion for ion in model.ions}
    if parts[0] == "ions" and len(parts) == 3 and parts[1] in ions:
        ion, what = ions[parts[1]], parts[2]
        reasons = {
            "valence": "a valence is what the ion is",
            "inside": f"ion {ion.name} has a fixed reversal potential and no concentrations: {verb} "
                      f"ions.{ion.name}.reversal",
            "outside": f"ion {ion.name} has a fixed reversal potential and no concentrations: {verb} "
                       f"ions.{ion.name}.reversal",
            "reversal": f"ion {ion.name} has concentrations, so its reversal potential follows them",
            "conductance": f"ion {ion.name} has a GHK permeability: {verb} ions.{ion.name}.permeability",
            "permeability": f"ion {ion.name} has an ohmic conductance: {verb} ions.{ion.name}.conductance",
        }
        return reasons.get(what)
    if parts[0] == "pump" and model.pump is None:
        return "the model has no [pump]"
    channels = {channel.name: channel for channel in model.channels}
    if parts[0] == "channels" and len(parts) == 3 and parts[1] not in channels:
        close = [name for name in channels if name.lower() == parts[1].lower()] or \
            difflib.get_close_matches(parts[1], list(channels), n=1)
        hint = f"; did you mean '{'.'.join([parts[0], close[0], parts[2]])}'?" if close else ""
        return f"the model has no channel {parts[1]} (its channels: {', '.join(channels) or 'none'}){hint}"
    if parts[0] == "channels" and len(parts) == 3 and parts[2] in ("conductance", "permeability"):
        law = channels[parts[1]].law  # the one of the two the channel has is the one that changes
        if (parts[2] == "conductance") == (law == "ghk"):
            has, key = ("a GHK permeability", "permeability") if law == "ghk" else ("an ohmic conductance",
                                                                                  "conductance")
            return f"channel {parts[1]} has {has}: {verb} channels.{parts[1]}.{key}"
    if parts[0] == "bath" and not model.bath_impermeant:
        return "the model has no [bath] impermeant solute"
    if key in ("model.name", "model.description", "model.source"):
        return "not a physical quantity"
    return None


def _fixed_in_a_run(key: str) -> str | None:
    """Why a key of a table whose values hold for the whole run cannot change in a step; None for a key the
    model-file format does not have (channels.M.conductence: a typo, answered with the nearest changeable key)."""
    from .channelfile import CHANNEL_KEYS
    from .modelfile import _KEYS

    parts = key.split(".")
    table = _KEYS.get(parts[0]) if len(parts) == 2 else None
    if not (parts[0] == "channels" and len(parts) >= 3 and parts[2] in CHANNEL_KEYS or table and parts[1] in
            table[0] | table[1] or parts[0] == "stimulus"):
        return None
    if parts[0] == "membrane" and len(parts) == 2:
        return _MEMBRANE
    if parts[0] == "impermeant":
        return _IMPERMEANT
    if parts[0] == "pump":
        return _PUMP_ONLY_RATE
    if parts[0] == "channels" and len(parts) >= 3:
        return _CHANNEL
    if parts[0] == "stimulus":
        return f"the stimulus is {STIMULUS_KEY}, a current per area (positive depolarises)"
    return None


def _target(model: Model, known: dict[str, Target], key: str, path: str, value: Any) -> Target:
    if key in known and known[key].fixed is None:
        return known[key]
    reason = known[key].fixed if key in known else not_a_target(model, key) or _fixed_in_a_run(key)
    if reason:
        raise ModelError(path, value, f"cannot change in a scenario step: {reason}")
    parts = key.split(".")
    ions = [ion.name for ion in model.ions]
    if len(parts) == 3 and parts[0] == "ions" and parts[1] not in ions:
        raise ModelError(path, value, f"the model has no ion {parts[1]} (its ions: {', '.join(ions)})")
    changeable = sorted(k for k, target in known.items() if target.fixed is None)
    close = difflib.get_close_matches(key, changeable, n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"changeable keys: {', '.join(changeable)}"
    raise ModelError(path, value, f"unknown key for a scenario step; {hint}")


def _factor(model: Model, value: Any, path: str, target: Target) -> sp.Rational:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise ModelError(path, value, "expected a number: the factor on the model file's value")
    if value < 0 or (target.sign == "positive" and value == 0):
        if target.sign == "positive":
            raise ModelError(path, value, f"the factor must be positive (a {target.dimension} must stay > 0)")
        raise ModelError(path, value, "the factor must be non-negative (0 blocks)")
    factor = limits.check_number(path, value, "factor", integer=False, zero=True)
    if factor:  # the scaled value stays within its quantity's range
        parameter = model.parameter(target.parameter)
        given = abs(Fraction(parameter.value.p, parameter.value.q))
        unit = parameter.unit
        limits.check(path, given * factor, target.range, value,
                     f"the factor times the model file's {target.parameter} ({convert(given, unit):g} {unit}) is "
                     f"{convert(given * factor, unit):g} {unit}", warn=False)
    return sp.Rational(str(value))


def _changes(model: Model, known: dict[str, Target], table: Any, operation: str, path: str) -> list[Change]:
    if not isinstance(table, dict) or not table:
        example = '"20 mM"' if operation == "set" else "2"
        raise ModelError(path, table, f'expected a table of keys to {operation}, e.g. {{ "ions.K.outside" = {example} }}')
    out = []
    for key, value in table.items():
        where = f"{path}.{key}"
        target = _target(model, known, key, where, value)
        if operation == "scale" or target.dimension is None:
            if not target.can_scale:
                raise ModelError(where, value, "takes a value with a unit, under set (it cannot be scaled)")
            out.append(Change(key, target.parameter, "scale", _factor(model, value, where, target)))
            continue
        out.append(Change(key, target.parameter, "set", sp.Rational(_value(model, value, where, target))))
    return out


def _value(model: Model, value: Any, where: str, target: Target) -> Fraction:
    """A value with a unit for ``target`` (SI): its sign, then its range (0 blocks without one)."""
    if target.parameter == "I_stim":  # either sign: positive depolarises
        number, _ = parse_quantity(value, where, target.dimension, check=False)
        limits.check(where, number, target.dimension, value)  # its own range: an electrode's, not a pump's
        return number
    if target.sign == "any" and target.dimension == "current per area":  # a constant pump's current
        from .pumpfile import constant_current

        return constant_current(value, where, dict(model.pump.stoichiometry), model.pump.charge_per_cycle)
    number, _ = parse_quantity(value, where, target.dimension, check=False)
    if target.sign == "positive" and number <= 0:
        limits.check(where, number, target.dimension, value)  # says the allowed range when it has one
        raise ModelError(where, value, f"must be positive (a {target.dimension})")
    if target.sign == "nonnegative" and number < 0:
        raise ModelError(where, value, f"must not be negative (a {target.dimension}; 0 blocks)")
    if number != 0:
        limits.check(where, number, target.dimension, value, value_hint(value, target.dimension))
    return number


def _step(model: Model, known: dict[str, Target], spec: Any, path: str, at_default: bool) -> ProtocolStep:
    if not isinstance(spec, dict):
        raise ModelError(path, spec, "expected a table { at = \"...\", set = {...}, scale = {...} }")
    keys = set(spec) - (_SCENARIO_KEYS - {"steps"} if at_default else _STEP_KEYS)
    if keys:
        key = sorted(keys)[0]
        close = difflib.get_close_matches(key, sorted(_STEP_KEYS), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(sorted(_STEP_KEYS))}"
        raise ModelError(f"{path}.{key}", spec[key], f"unknown key{hint}")
    if "at" not in spec and not at_default:
        raise ModelError(f"{path}.at", None, "missing required key: the time of the step, e.g. at = \"10 min\"")
    at = sp.Integer(0)
    if "at" in spec:  # its range (derive.limits) refuses a negative time: before the run starts
        value, _ = parse_quantity(spec["at"], f"{path}.at", "time")
        at = sp.Rational(value)
    if "set" not in spec and "scale" not in spec:
        raise ModelError(path, None, "a step changes nothing: give set = {...} and/or scale = {...}")
    changes = []
    for operation in ("set", "scale"):
        if operation in spec:
            changes += _changes(model, known, spec[operation], operation, f"{path}.{operation}")
    seen: dict[str, str] = {}
    for change in changes:
        written = f"{change.operation}.{change.key}"
        if change.parameter in seen:
            raise ModelError(f"{path}.{written}", None, f"changes the same parameter as {seen[change.parameter]} "
                             "in this step")
        seen[change.parameter] = written
    return ProtocolStep(at, tuple(changes))


def _scenario(model: Model, known: dict[str, Target], name: str, spec: Any) -> Scenario:
    from .modelfile import _name, _text  # the reader's checks of names and free text

    path = f"scenario.{name}"
    _name(name, path, _IDENTIFIER, "a scenario name must be an identifier: a letter, then letters, digits or _")
    if not isinstance(spec, dict):
        raise ModelError(path, spec, "expected a table")
    unknown = sorted(set(spec) - _SCENARIO_KEYS)
    if unknown:
        close = difflib.get_close_matches(unknown[0], sorted(_SCENARIO_KEYS), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(sorted(_SCENARIO_KEYS))}"
        raise ModelError(f"{path}.{unknown[0]}", spec[unknown[0]], f"unknown key{hint}")
    description = _text(spec, "description", path)
    one_step = sorted(set(spec) & {"at", "set", "scale"})
    if "steps" in spec:
        if one_step:
            raise ModelError(f"{path}.{one_step[0]}", spec[one_step[0]],
                             "give either steps = [...] or the one-step form (at, set, scale), not both")
        listed = spec["steps"]
        if not isinstance(listed, list) or not listed:
            raise ModelError(f"{path}.steps", listed, "expected a non-empty array of steps "
                             "[{ at = \"0 s\", set = {...} }, ...]")
        limits.check_count(f"{path}.steps", len(listed), "steps")
        steps = [_step(model, known, item, f"{path}.steps[{k}]", False) for k, item in enumerate(listed, start=1)]
    else:
        steps = [_step(model, known, {k: v for k, v in spec.items() if k != "description"}, path, True)]
    for k in range(1, len(steps)):
        if steps[k].at <= steps[k - 1].at:
            raise ModelError(f"{path}.steps[{k + 1}].at", listed[k].get("at"),
                             f"times must increase from step to step (step {k} is at {float(steps[k - 1].at):g} s)")
    _warn_warmed_pump(model, path if "steps" not in spec else f"{path}.steps", steps, "steps" in spec)
    return Scenario(name, tuple(steps), description)


def _warn_warmed_pump(model: Model, path: str, steps: list[ProtocolStep], listed: bool) -> None:
    """A temperature step with a pump that has a q10: its rate at the new temperature above what cells have is
    warned with its cause (37 -> 100 degC with q10 = 3 makes 0.75 uA/cm^2 759 uA/cm^2, and V -5151 mV)."""
    from .pumpfile import Q10_FACTOR, Q_10, T_ref
    from .schedule import parameter_schedule

    pump = model.pump
    if pump is None or Q_10 not in model.values or pump.form == "proportional":
        return
    band = limits.limits_for("pump.current", "current per area")
    base = {p.name: float(p.value) for p in model.parameters}
    living = limits.limits_for("model.temperature", "temperature")
    if not living.si(living.usual_low) <= base[T_ref.name] <= living.si(living.usual_high):
        return  # the file's temperature is warned (37 K for 37 degC): its scenarios' rates follow from that
    for k, (step, (_, values)) in enumerate(zip(steps, parameter_schedule(steps, base)[1:]), start=1):
        if not any(change.parameter == T.name for change in step.changes):
            continue
        rate = abs(float(values[pump.rate.name]))
        warmed = rate * float(Q10_FACTOR.xreplace({s: sp.Float(values[s.name]) for s in Q10_FACTOR.free_symbols}))
        if warmed > band.si(band.usual_high):
            where = f"{path}[{k}]" if listed else path
            warnings.warn(limits.UnusualValueWarning(
                f"{where}.set.model.temperature = '{float(values[T.name]) - 273.15:g} degC': the pump's q10 of "
                f"{values[Q_10.name]:g} makes its rate {warmed * 100:.3g} uA/cm^2 there ({rate * 100:g} uA/cm^2 at "
                f"{values[T_ref.name] - 273.15:g} degC), above {band.show(band.usual_high)}, unusual for a living "
                f"cell ({band.usual})"), stacklevel=2)


def read_scenarios(table: Any, model: Model) -> tuple[Scenario, ...]:
    """The scenarios of the ``[scenario]`` table for ``model`` (built without them)."""
    if not isinstance(table, Mapping):
        raise ModelError("scenario", table, "expected tables [scenario.<name>]")
    limits.check_count("scenario", len(table), "scenarios")
    known = targets(model)
    return tuple(_scenario(model, known, name, spec) for name, spec in table.items())
