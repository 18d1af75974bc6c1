"""A kept stimulus that is a pulse train (a quantity of time and parameters alone): its expression, its NumPy code
and the parameters that are its period, for run scripts that stop at each pulse's edges (a fixed or adaptive step
over an edge would miss it or smear it: templates/stimulus_edges.py.j2)."""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from vrest.derive.importers.stimulus_timing import stimulus_periods
from vrest.derive.system import TIME, OdeSystem

from ...printers import VrestNumPyPrinter

__all__ = ["period_ids", "pulse_code", "pulse_train"]


def pulse_train(system: OdeSystem) -> sp.Expr | None:
    """The stimulus written out in time and parameters; None where it is no such quantity (no stimulus, or one
    that depends on a state)."""
    quantity = next((q for q in system.quantities if q.symbol == system.roles.stimulus), None)
    if quantity is None:
        return None
    expr = system.expand(quantity.expression)
    parameters = {p.symbol for p in system.parameters}
    if TIME not in expr.free_symbols or not expr.free_symbols <= parameters | {TIME}:
        return None
    return expr


def pulse_code(system: OdeSystem, ids: Mapping[sp.Symbol, str]) -> str | None:
    """The pulse train as a NumPy expression in ``t`` (s) and ``p`` (the run script's PARAMETERS, by id)."""
    expr = pulse_train(system)
    if expr is None:
        return None
    names = {s: f'p["{ids[s]}"]' for s in expr.free_symbols if s != TIME} | {TIME: "t"}
    return VrestNumPyPrinter({"symbol_names": names}).doprint(expr)


def period_ids(system: OdeSystem, ids: Mapping[sp.Symbol, str]) -> list[str]:
    """The ids of the parameters that are the pulse train's period."""
    periods = stimulus_periods(system)
    return [ids[p.symbol] for p in system.parameters if p.name in periods]
