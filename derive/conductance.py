"""The leak (slope) conductance at the steady state and the membrane time constant.

g_leak = d(sum I_X)/dV at V_ss: for ohmic leaks the sum of the g_X, for GHK
leaks the derivative of the GHK currents (the slope, not the chord conductance).
"""

from __future__ import annotations

import sympy as sp

from .constants import C_m, V
from .derivation import Derivation, evaluate
from .quantities import Derivations
from .registry import quantity


@quantity("g_leak")
def leak_conductance(ctx: Derivations) -> Derivation:
    model = ctx.model
    steady = ctx.get("V_ss")
    slope = sp.Add(*[sp.diff(model.leak_current(ion), V) for ion in model.ions])
    values = dict(model.values)
    values[V] = sp.Float(steady.value, 17)
    value = float(evaluate(slope, values))
    description = "total leak slope conductance d(sum I_X)/dV at V_ss"
    if V not in slope.free_symbols:
        return Derivation("g_leak", slope, value, "mS/cm^2", description, assumptions=("ohmic leaks: slope = chord",))
    return Derivation("g_leak", slope, value, "mS/cm^2", description + " (evaluated at V = V_ss)", method="numeric",
                      assumptions=("slope (not chord) conductance of the GHK leaks", "evaluated at V = V_ss"))


@quantity("tau_m")
def membrane_time_constant(ctx: Derivations) -> Derivation:
    model = ctx.model
    g = ctx.get("g_leak")
    expression = C_m / g.expression
    value = float(model.values[C_m]) / g.value
    return Derivation("tau_m", expression, value, "ms", "membrane time constant C_m / g_leak at V_ss",
                      method=g.method, assumptions=g.assumptions)
