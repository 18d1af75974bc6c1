"""What can be eliminated at fixed V: gates, whose rate is linear in the gate alone with V-dependent
coefficients (dx/dt = alpha(V)(1 - x) - beta(V) x, or (x_inf(V) - x)/tau(V)).

At fixed V such a gate's only equilibrium is x_inf(V) = -a/b for dx/dt = a + b x; with the
right-hand side f_x evaluated at x = 0 and x = 1 that is f(0) / (f(0) - f(1)), exact to rounding
and needing nothing but the evaluator.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from .evaluator import Bound, Prepared

__all__ = ["gates", "steady_gates"]


def gates(prepared: Prepared) -> tuple[int, ...]:
    """Indices of the states that are gates: rate a function of V and the state itself, linear in it."""
    states = prepared.states
    voltage = prepared.system.voltage_index
    out = []
    for i, (symbol, rhs) in enumerate(zip(states, prepared.rhs)):
        if i == voltage:
            continue
        others = (rhs.free_symbols & set(states)) - {symbol, states[voltage]}
        if others or symbol not in rhs.free_symbols:
            continue
        if symbol in sp.diff(rhs, symbol).free_symbols:
            continue
        out.append(i)
    return tuple(out)


def steady_gates(bound: Bound, y: np.ndarray, gate_indices: tuple[int, ...]) -> np.ndarray:
    """``y`` (shape (n,) or (n, N)) with every gate at its steady state for the V in ``y``."""
    if not gate_indices:
        return y
    index = list(gate_indices)
    closed, opened = y.copy(), y.copy()
    closed[index], opened[index] = 0.0, 1.0
    f0 = bound.f(closed)[index]
    f1 = bound.f(opened)[index]
    out = y.copy()
    with np.errstate(all="ignore"):
        out[index] = f0 / (f0 - f1)
    return out
