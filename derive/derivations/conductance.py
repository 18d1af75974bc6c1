"""The leak (slope) conductance at the steady state and the membrane time constant.

g_leak = d(sum I_X)/dV at V_ss: for ohmic leaks the sum of the g_X, for GHK
leaks the derivative of the GHK currents (the slope, not the chord conductance),
at the steady state's concentrations when they move.
"""

from __future__ import annotations

import sympy as sp

from ..constants import C_m, V, g_leak, tau_m
from ..derivation import Derivation, Step, equation, evaluate
from ..quantities import Derivations
from ..registry import quantity


@quantity("g_leak")
def leak_conductance(ctx: Derivations) -> Derivation:
    from .resting import gated_conductance, is_gated  # here: resting imports the quantities driver

    model = ctx.model
    if is_gated(model):
        return gated_conductance(ctx)
    steady = ctx.get("V_ss")
    slope = sp.Add(*[sp.diff(model.leak_current(ion), V) for ion in model.ions])
    # At the steady state: V_ss, and the concentrations there when they move (V_ss's ``at``).
    point = {V: steady.value, **{k: v for k, v in steady.at if k in model.values}}
    values = {**model.values, **{k: sp.Float(v, 17) for k, v in point.items()}}
    value = float(evaluate(slope, values))
    at = tuple((k, v) for k, v in point.items() if k in slope.free_symbols)
    description = "total leak slope conductance d(sum I_X)/dV at V_ss"
    evaluated = " (evaluated at V = V_ss)"
    if model.dynamic_ions:
        description += " and the steady state's concentrations"
        evaluated = ""
    leak = sp.Add(*[model.leak_current(ion) for ion in model.ions])
    steps = (
        Step("Definition: the leak (slope) conductance is the derivative of the total leak current "
             "I_leak = sum I_X with respect to V", equation(g_leak, sp.Derivative(leak, V))),
        Step("Differentiate each leak current", equation(g_leak, slope)),
    )
    if V not in slope.free_symbols:
        return Derivation("g_leak", slope, value, "mS/cm^2", description, assumptions=("ohmic leaks: slope = chord",),
                          steps=steps, at=at)
    return Derivation("g_leak", slope, value, "mS/cm^2", description + evaluated, method="numeric",
                      assumptions=("slope (not chord) conductance of the GHK leaks", "evaluated at V = V_ss"),
                      steps=steps, at=at)


@quantity("tau_m")
def membrane_time_constant(ctx: Derivations) -> Derivation:
    from .resting import gated_time_constant, is_gated

    model = ctx.model
    if is_gated(model):
        return gated_time_constant(ctx)
    g = ctx.get("g_leak")
    expression = C_m / g.expression
    value = float(model.values[C_m]) / g.value
    steps = (
        Step("Membrane equation C_m dV/dt = -(I_leak(V) + I_pump), the pump current held at its value at V_ss (a "
             "voltage-dependent pump's slope is counted by tau_fast). Near V_ss, I_leak(V) + I_pump = "
             "g_leak (V - V_ss) to first order, so a deviation decays as exp(-t/tau_m); inserting it gives "
             "C_m/tau_m = g_leak",
             equation(C_m / tau_m, g_leak)),
        Step("Solve for tau_m", equation(tau_m, C_m / g_leak)),
        Step("Insert the slope conductance g_leak", equation(tau_m, expression), given=(equation(g_leak, g.expression),)),
    )
    return Derivation("tau_m", expression, value, "ms", "membrane time constant C_m / g_leak at V_ss: the leaks' "
                      "slope only (how fast V relaxes, with a voltage-dependent pump's slope too, is tau_fast)",
                      method=g.method, in_names=C_m / g_leak, assumptions=g.assumptions + ("linearisation about V_ss; concentrations "
                                                                   "held fixed on the time scale of tau_m",),
                      steps=steps, at=g.at)
