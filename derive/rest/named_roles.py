"""A membrane potential or a stimulus named by the user (--voltage, --stimulus), checked once for every command
(rest, simulate, export, sweep, sensitivity): a state in a unit that is no voltage is refused; a stimulus in a
unit that is no current is refused; a name that leaves a rate depending on time with the stimulus off is refused
with what is wrong with that name; a stimulus that is a membrane current, or that no rate uses, is said."""

from __future__ import annotations

import warnings

import sympy as sp

from ..errors import ModelError, ModelWarning
from ..system import TIME

__all__ = ["check_voltage_unit", "check_stimulus_unit", "warn_odd_stimulus", "check_named_roles", "stimulus_hint",
           "timed_currents", "uses"]


def check_named_roles(system, voltage: str | None, stimulus: str | None) -> None:
    """The checks below for the roles a reader gave ``system`` from the names on the command line (``voltage``
    and ``stimulus`` as the user wrote them: a name or component.name)."""
    if voltage is not None:
        check_voltage_unit(system, system.roles.voltage.name, given=voltage)
    if stimulus is not None and system.roles.stimulus is not None:
        check_stimulus_unit(system, system.roles.stimulus, stimulus)
    if voltage is not None or stimulus is not None:
        check_time_free(system, voltage, stimulus)
    if stimulus is not None and system.roles.stimulus is not None:
        warn_odd_stimulus(system, system.roles.stimulus, system.roles.voltage)


_CURRENT_UNITS = ("A", "A/m^2", "A/F")  # a current, per area, per capacitance (A/F = V/s)


def check_stimulus_unit(system, symbol, given: str) -> None:
    """A stimulus in a unit that is no current's (a conductance, a voltage, ...) is refused: it is no current."""
    from vrest.derive.units import unit_parts

    units = {p.name: p.unit for p in system.parameters} | {q.name: q.unit for q in system.quantities}
    unit = units.get(symbol.name, "")
    if not unit:
        return  # the file gives no unit: nothing to check
    try:
        dimension = unit_parts(unit)[2]
        currents = [unit_parts(u)[2] for u in _CURRENT_UNITS]
    except ValueError:
        return
    if dimension not in currents:
        kind = "parameter" if symbol.name in {p.name for p in system.parameters} else "quantity"
        raise ModelError("--stimulus", given, f"{symbol.name} is a {kind} in {unit}, not a current: name the "
                         "injected current (its unit: A, A/m^2 or A/F)")


def check_time_free(system, voltage: str | None, stimulus: str | None) -> None:
    """With the stimulus off, no rate may depend on time (a resting state needs that); when one does after the
    user named the roles, say what is wrong with the name given, and which current carries the time."""
    off = system.roles.stimulus
    carriers = _time_carriers(system, off)
    if not carriers:
        return
    where = ", ".join(carriers)
    currents = [c for c in timed_currents(system) if c != getattr(off, "name", None)]
    if currents:  # name the currents, not the clock they read (Myokit's ctime, Decker's past: times in ms)
        carriers, where = currents, ", ".join(currents)
    if stimulus is not None and off is not None:
        name = off.name
        if name in {p.name for p in system.parameters}:
            users = [c for c in carriers if _depends_on(system, c, off)]
            what = f"a parameter of {', '.join(users)}" if users else "a parameter"
            raise ModelError("--stimulus", stimulus, f"{name} is {what}, not the stimulus current: vrest turns the "
                             f"current itself off, the one that depends on time (name it: --stimulus {carriers[0]})")
        if not _depends_on(system, off, TIME):
            raise ModelError("--stimulus", stimulus, f"{name} does not depend on time: it is no stimulus (the "
                             f"{'currents that do' if len(carriers) > 1 else 'current that does'}: {where}; name "
                             f"{'one' if len(carriers) > 1 else 'it'}: --stimulus {carriers[0]})")
        raise ModelError("--stimulus", stimulus, f"with {name} off, {where} still depends on time: a resting state "
                         "needs rates free of time, and one stimulus is turned off")
    v_name = system.roles.voltage.name
    found = f"the stimulus {off.name}" if off is not None else "no stimulus"
    raise ModelError("--voltage", voltage, f"{found} in the rate of {v_name}, while {where} depends on time: is "
                     f"{v_name} the membrane potential? (else name the stimulus: --stimulus NAME)")


def timed_currents(system) -> list[str]:
    """The membrane currents of ``system`` that depend on time (through any of its quantities): where the stimulus
    is, when the reader found none or the user named another."""
    return [c.name for c in system.roles.currents if _depends_on(system, c, TIME)]


def stimulus_hint(system) -> str:
    """What to name with --stimulus where a rate depends on time and no stimulus was found."""
    currents = timed_currents(system)
    if not currents:
        return "name the stimulus, e.g. --stimulus NAME"
    if len(currents) == 1:
        return f"the current that depends on time: {currents[0]}; name it: --stimulus {currents[0]}"
    return f"currents that depend on time: {', '.join(currents)}; name the stimulus: --stimulus {currents[0]}"


def _time_carriers(system, off) -> list[str]:
    """The quantities (or states, whose rate holds time itself) through which a rate depends on time, with the
    quantity ``off`` (the stimulus, or None) taken as 0."""
    expressions = {q.symbol: q.expression for q in system.quantities}
    found: list[str] = []
    for state in system.states:
        seen, todo = set(), [(state.symbol.name, state.rhs)]
        while todo:
            name, expression = todo.pop()
            free = sp.sympify(expression).free_symbols
            if TIME in free and name not in found:
                found.append(name)
            for symbol in free:
                if symbol != off and symbol in expressions and symbol not in seen:
                    seen.add(symbol)
                    todo.append((symbol.name, expressions[symbol]))
    return found


def uses(system, symbol) -> bool:
    """Whether a rate of ``system`` depends on ``symbol``, directly or through its quantities."""
    return any(_depends_on(system, state.rhs, symbol) for state in system.states)


def warn_odd_stimulus(system, symbol, voltage) -> None:
    """A stimulus that is a membrane current (it depends on V), or that no rate uses, is said: what it removes."""
    if not uses(system, symbol):
        warnings.warn(f"--stimulus {symbol.name}: no rate of model {system.name} uses {symbol.name}, so setting it "
                      "to 0 changes nothing: the resting states are the model's own", ModelWarning, stacklevel=4)
    elif symbol in system.roles.currents or _depends_on(system, symbol, voltage):
        warnings.warn(f"--stimulus {symbol.name}: {symbol.name} depends on the membrane potential {voltage.name} (a "
                      "membrane current, not an injected one); it is set to 0 at rest, so the resting states are "
                      "those of the cell without it", ModelWarning, stacklevel=4)


def _depends_on(system, expression, target) -> bool:
    """Whether ``expression`` (a quantity's symbol or name, or a rate) depends on ``target``, directly or through
    the quantities it uses."""
    if isinstance(expression, str):
        expression = next((q.expression for q in system.quantities if q.name == expression), sp.Integer(0))
    return target in system.reached(sp.sympify(expression).free_symbols)


def check_voltage_unit(system, name: str, given: str | None = None) -> None:
    """A state in a unit other than a voltage's is no membrane potential; one without a unit is refused too when
    another state has a voltage's unit (the file declares units). ``name`` is the state's name in ``system``,
    ``given`` the name the user wrote (component.name, say), quoted in the refusal."""
    from vrest.derive.units import unit_parts

    volt = unit_parts("V")[2]

    def is_voltage(unit: str) -> bool:
        try:
            return bool(unit) and unit_parts(unit)[2] == volt
        except ValueError:
            return False

    units = {s.symbol.name: s.unit for s in system.states}
    voltages = [other for other, unit in units.items() if is_voltage(unit)]
    if is_voltage(units[name]) or (not units[name] and not voltages):
        return
    has = f"its unit is {units[name]!r}" if units[name] else "it has no unit"
    listed = f"states in a unit of voltage: {', '.join(voltages)}" if voltages else "no state has a unit of voltage"
    raise ModelError("--voltage", given or name, f"not a membrane potential: {has} ({listed})")
