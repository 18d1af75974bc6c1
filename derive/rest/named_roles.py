"""A membrane potential or a stimulus named by the user (--voltage, --stimulus), checked: a state in a unit
that is no voltage is refused; a stimulus that is a membrane current, or that no rate uses, is said."""

from __future__ import annotations

import warnings

import sympy as sp

from ..errors import ModelError, ModelWarning

__all__ = ["check_voltage_unit", "warn_odd_stimulus", "check_named_roles"]


def check_named_roles(system, voltage: str | None, stimulus: str | None) -> None:
    """The checks below for the roles a reader gave ``system`` from the names on the command line."""
    if voltage is not None:
        check_voltage_unit(system, voltage)
    if stimulus is not None and system.roles.stimulus is not None:
        warn_odd_stimulus(system, system.roles.stimulus, system.roles.voltage)


def warn_odd_stimulus(system, symbol, voltage) -> None:
    """A stimulus that is a membrane current (it depends on V), or that no rate uses, is said: what it removes."""
    used = any(_depends_on(system, state.rhs, symbol) for state in system.states)
    if not used:
        warnings.warn(f"--stimulus {symbol.name}: no rate of model {system.name} uses {symbol.name}, so setting it "
                      "to 0 changes nothing: the resting states are the model's own", ModelWarning, stacklevel=4)
    elif symbol in system.roles.currents or _depends_on(system, symbol, voltage):
        warnings.warn(f"--stimulus {symbol.name}: {symbol.name} depends on the membrane potential {voltage.name} (a "
                      "membrane current, not an injected one); it is set to 0 at rest, so the resting states are "
                      "those of the cell without it", ModelWarning, stacklevel=4)


def _depends_on(system, expression, target) -> bool:
    """Whether ``expression`` (a quantity's symbol, or a rate) depends on ``target``, directly or through the
    quantities it uses."""
    expressions = {q.symbol: q.expression for q in system.quantities}
    seen, todo = set(), list(sp.sympify(expression).free_symbols)
    while todo:
        current = todo.pop()
        if current == target:
            return True
        if current in seen or current not in expressions:
            continue
        seen.add(current)
        todo.extend(expressions[current].free_symbols)
    return False


def check_voltage_unit(system, name: str) -> None:
    """A state in a unit other than a voltage's is no membrane potential; one without a unit is refused too when
    another state has a voltage's unit (the file declares units)."""
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
    raise ModelError("--voltage", name, f"not a membrane potential: {has} ({listed})")
