"""The current balance at rest of any ODE system (an imported model's above all), in V.

With every gate at its steady state (a gate: a state whose rate is linear in itself with
coefficients that depend on V and parameters only, x_inf = -f(x=0) / (df/dx)) and every other
state but V held at its resting value, the membrane currents add up to a function of V alone:
    I_total(V) = sum of the currents = 0 at a resting state.
The result keeps the model's own names: the sum of its currents, each current's definition and
the definitions it uses, each gate's steady state; values at the resting states come from the
resting-state engine. A file whose currents carry no units has no term vrest can tell for a
current: the balance is then V's own rate with its sign turned (0 = -dV/dt, outward positive).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..system import TIME, OdeSystem

__all__ = ["CurrentBalance", "current_balance"]


@dataclass(frozen=True)
class CurrentBalance:
    """0 = total (a sum of current names) with ``definitions`` and the gates at ``steady_gates``."""

    total: sp.Expr  # the sum of the currents, in their names (outward positive, SI)
    definitions: tuple[tuple[sp.Symbol, sp.Expr], ...]  # quantities used, each in the names of those before it
    steady_gates: tuple[tuple[sp.Symbol, sp.Expr], ...]  # gate = x_inf(V), in quantity names
    held: tuple[sp.Symbol, ...]  # states other than V and the gates: held at their resting values
    in_v: sp.Expr  # total with everything expanded: a function of V, the held states and parameters
    from_rate: bool = False  # no currents identified (no units): total is -dV/dt, V's rate with its sign turned


def _in_v_only(expr: sp.Expr, system: OdeSystem, allowed: set) -> bool:
    return system.expand(expr).free_symbols <= allowed


def _uses(symbols, system: OdeSystem, stimulus) -> set[sp.Symbol]:
    """The quantities ``symbols`` name, and those they use in turn (the stimulus left out: it is 0)."""
    definitions = {q.symbol: q.expression for q in system.quantities}
    needed: set[sp.Symbol] = set()
    pending = list(symbols)
    while pending:
        symbol = pending.pop()
        if symbol in needed or symbol not in definitions or symbol == stimulus:
            continue
        needed.add(symbol)
        pending.extend(definitions[symbol].free_symbols)
    return needed


def current_balance(system: OdeSystem) -> CurrentBalance:
    """The current balance of ``system`` (its roles.currents) with the gates at their steady state."""
    v = system.roles.voltage
    stimulus = system.roles.stimulus
    parameters = {p.symbol for p in system.parameters}
    zero = {stimulus: sp.Integer(0)} if stimulus is not None else {}
    gates: dict[sp.Symbol, sp.Expr] = {}
    for state in system.states:
        x = state.symbol
        if x == v:
            continue
        rate = state.rhs.xreplace(zero)
        expanded = system.expand(rate)
        slope = sp.diff(expanded, x)
        if x in slope.free_symbols or x not in expanded.free_symbols:
            continue
        a, b = rate.xreplace({x: 0}), sp.diff(rate, x)  # in the file's names (alpha, beta, ...)
        if x in system.expand(a).free_symbols:  # x inside a named quantity (an SBML species' h_amount/size)
            a, b = expanded.xreplace({x: 0}), slope
        if not _in_v_only(a, system, parameters | {v}) or not _in_v_only(slope, system, parameters | {v}):
            continue
        gates[x] = sp.simplify(-a / b) if sp.count_ops(a) + sp.count_ops(b) < 60 else -a / b
    roles = system.roles
    currents = list(roles.currents)
    if currents:  # each outward positive (an applied current written inward positive turned), and inline terms
        total = sp.Add(*(roles.sign(k) * c for k, c in enumerate(currents))) + roles.unnamed
    else:  # nothing current-like (currents without units): V's own rate, outward positive
        total = sp.together(sp.expand(-next(s.rhs for s in system.states if s.symbol == v).xreplace(zero)))
        currents = sorted(total.free_symbols - {v, TIME}, key=lambda s: s.name)
    needed = _uses([*currents, *(s for e in gates.values() for s in e.free_symbols)], system, stimulus)
    used = tuple((q.symbol, q.expression) for q in system.quantities if q.symbol in needed)
    held = tuple(s.symbol for s in system.states if s.symbol != v and s.symbol not in gates and
                 any(s.symbol in e.free_symbols for _, e in used))
    in_v = system.expand(total).xreplace(zero)
    steady = {x: system.expand(x_inf) for x, x_inf in gates.items()}
    in_v = in_v.xreplace(steady).xreplace({TIME: 0})
    return CurrentBalance(total, used, tuple(gates.items()), held, in_v, not system.roles.currents)
