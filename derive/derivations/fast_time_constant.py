"""tau_fast: how fast V relaxes to its steady state, from the Jacobian of the full model.

tau_m = C_m/g_leak counts the leaks only. Every current that depends on V slows or speeds
the relaxation: a voltage-dependent pump (luo_rudy_1994) adds its slope conductance
dI_pump/dV, so V relaxes with C_m/(g_leak + dI_pump/dV), a few per cent faster than tau_m.
With V the only state that is the one eigenvalue of the membrane equation, a closed form.
With ion amounts (and a volume) it is an eigenvalue of the linearisation that tau_slow reads
(time_constants.linearise): the membrane's mode, V moving while the amounts barely do, which
also holds the small coupling through the capacitor's charge. That mode is the one V takes
part in most (its participation factor |l_V r_V| / |l . r|, l and r the mode's left and right
eigenvectors of the full Jacobian; Perez-Arriaga, Verghese and Schweppe 1982). It is usually
the fastest, but not always: with Na_i near 1e-8 mM an ohmic Na+ leak empties and refills the
cell's Na+ 46000 times faster than V relaxes.
"""

from __future__ import annotations

import mpmath
import sympy as sp

from ..constants import C_m, V
from ..derivation import WORKING_DIGITS, Derivation, NotApplicable, Step, equation, evaluate
from ..model import Model
from ..quantities import Derivations
from ..registry import quantity
from .resting import at_each_steady_state
from .time_constants import jacobian, linearise, linearise_at, scaled_matrix

__all__ = ["lambda_fast", "tau_fast_symbol"]

lambda_fast = sp.Symbol("lambda_fast", negative=True)  # the membrane's eigenvalue (1/s)
tau_fast_symbol = sp.Symbol("tau_fast", positive=True)
_SIGNS = "V = phi_in - phi_out; currents positive outward"


@quantity("tau_fast")
def fast_time_constant(ctx: Derivations) -> Derivation:
    model = ctx.model
    steady = ctx.get("V_ss")  # without one, its reason, found once
    if model.channels and len(model.states) > 1 and not model.dynamic_ions:
        raise NotApplicable("gated channels: V relaxes together with the gates, in several modes; their rates are in "
                            "eigenvalues (and the membrane's own time constant is tau_m)")
    if not model.dynamic_ions:
        return _membrane_only(model, steady)
    lin = linearise(model)
    fastest = _membrane_mode(model, lin)
    several = at_each_steady_state(ctx, -1 / fastest.real, lambda point: -1 / _membrane_mode(
        model, linearise_at(model, point)).real)
    steps = (
        Step("Linearise the full model dx/dt = f(x) about its steady state: a deviation decays as a sum of "
             "exp(lambda t), lambda the eigenvalues of the Jacobian (the zero of charge conservation removed, as "
             "for tau_slow). lambda_fast is the membrane's: the mode V takes part in most (V relaxing while the "
             "ion amounts barely move), usually the one farthest from 0", equation(lambda_fast * tau_fast_symbol, -1)),
        Step("Solve for tau_fast", equation(tau_fast_symbol, -1 / lambda_fast)),
    )
    pairs = ", ".join(f"{-1 / lam.real:.6g} s" for lam in lin.eigenvalues)
    return Derivation("tau_fast", -1 / lambda_fast, unit="ms", **several,
                      description="time constant of the membrane's mode of the full model, -1/lambda_fast: how fast "
                      "V relaxes to the steady state (the slope of every current, the pump's too, with the "
                      "capacitor's coupling to the amounts)", method="numeric",
                      assumptions=(_SIGNS, "linearisation of the full model about its steady state with the pump on",
                                   f"time constants -1/Re(lambda) of the Jacobian's eigenvalues: {pairs}"),
                      steps=steps)


def _membrane_mode(model: Model, lin) -> complex:
    """The eigenvalue of lin (J_red's) whose mode V takes part in most, by the full Jacobian's eigenvectors."""
    from ..steady_state import scenario_values

    states, full = jacobian(model)
    voltage = states.index(V)
    with mpmath.workdps(WORKING_DIGITS):
        values, left, right = mpmath.eig(scaled_matrix(full, states, lin.point, scenario_values(model, 1)),
                                          left=True, right=True)
        n = len(values)
        share = [abs(left[i, voltage] * right[voltage, i]) / abs(sum(left[i, k] * right[k, i] for k in range(n)))
                 for i in range(n)]
        full_values = [complex(v) for v in values]
    # J's eigenvalues are J_red's and the zero of charge conservation, which belongs to none of them.
    best, best_share = lin.eigenvalues[-1], -1.0
    for lam in lin.eigenvalues:
        i = min(range(n), key=lambda k: abs(full_values[k] - lam))
        if float(share[i]) > best_share:
            best, best_share = lam, float(share[i])
    return best


def _membrane_only(model: Model, steady: Derivation) -> Derivation:
    """V the only state: C_m/tau_fast = d(I_leak + I_pump)/dV at V_ss."""
    total = model.expand(sp.Symbol("I_total", real=True))
    slope = sp.diff(total, V)
    expression = C_m / slope
    point = {**model.values, V: sp.Float(steady.value, 17)}
    value = float(evaluate(expression, point))
    steps = (
        Step("Membrane equation C_m dV/dt = -I_total(V), every current with its dependence on V (the pump's too). "
             "Near V_ss, I_total = (dI_total/dV) (V - V_ss) to first order, so a deviation decays as "
             "exp(-t/tau_fast) with C_m/tau_fast = dI_total/dV", equation(C_m / tau_fast_symbol, slope)),
        Step("Solve for tau_fast", equation(tau_fast_symbol, expression)),
    )
    if model.pump is None:
        currents = "every current"
    else:
        currents = "every current, the pump's too" + ("" if V in model.pump_current.free_symbols else
                                                       " (its current does not depend on V: tau_fast = tau_m)")
    several = {}
    if steady.values:  # one value per resting state, as V_ss
        each = [float(evaluate(expression, {**model.values, V: sp.Float(v, 17)})) for v in steady.values]
        several = dict(values=tuple(each), stable=steady.stable)
    return Derivation("tau_fast", expression, value, "ms",
                      f"how fast V relaxes to V_ss: C_m over the slope conductance of {currents}, at V_ss",
                      method="closed form" if V not in slope.free_symbols else "numeric", **several,
                      assumptions=(_SIGNS, "linearisation of the membrane equation about V_ss",
                                   "V is the only state (no concentration dynamics)"),
                      steps=steps, at=((V, steady.value),) if V in slope.free_symbols else ())
