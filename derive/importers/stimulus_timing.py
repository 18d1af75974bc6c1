"""The period of an imported model's stimulus: the parameter a pulse train divides time by.

Files write a train of pulses as ``t - floor(t/period)*period`` (CellML's usual form, also with an offset:
``floor((t - start)/period)``) or as ``Mod(t, period)``; the parameters in the divisor of such a floor, or
the second argument of such a Mod, are the period. A period at or below 0 makes no train (floor(t/0) has no
value), so a value given for one is checked (derive.rest.inputs.check_parameter_sign)."""

from __future__ import annotations

import sympy as sp

from ..system import TIME, OdeSystem

__all__ = ["stimulus_periods"]


def stimulus_periods(system: OdeSystem) -> tuple[str, ...]:
    """The names of the parameters that are the period of ``system``'s stimulus (none without a pulse train)."""
    stimulus = system.roles.stimulus
    quantity = next((q for q in system.quantities if q.symbol == stimulus), None)
    if quantity is None:
        return ()
    expression = system.expand(quantity.expression)
    parameters = {p.symbol: p.name for p in system.parameters}
    found: set[str] = set()
    for atom in expression.atoms(sp.floor):
        argument = atom.args[0]
        if TIME in argument.free_symbols:
            divisor = sp.fraction(sp.together(argument))[1]
            found.update(parameters[s] for s in divisor.free_symbols if s in parameters)
    for atom in expression.atoms(sp.Mod):
        if TIME in atom.args[0].free_symbols:
            found.update(parameters[s] for s in atom.args[1].free_symbols if s in parameters)
    return tuple(sorted(found))
