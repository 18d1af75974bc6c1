"""The ouabain thought experiment: the pump is blocked at t = 0.

Instantly (on the time scale tau_m) V loses the pump's direct shift: it jumps
by -dV_pump towards V_leak with time constant tau_m, the concentrations not yet
moved. Slowly the leaks run the gradients down: the end state is the steady
state of the full model with the pump off (V -> 0 when no impermeant charge is
trapped, the Donnan equilibrium when it is). The reduced model (V slaved to the
concentrations) is compared with the full one by integrating both (SciPy).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp

from .. import laws
from ..constants import V, Vol
from ..derivation import Derivation, NotApplicable, Step, definitions, equation
from ..functions import NUMPY_FUNCTIONS
from ..model import Model
from ..quantities import Derivations
from .potentials import balance_id
from .resting import is_gated

__all__ = ["OuabainReport", "Rundown", "ouabain_report", "rundown"]

JUMP = sp.Symbol("Delta_V_ouabain", real=True)


@dataclass(frozen=True)
class OuabainReport:
    """The analytic pieces (Derivations) and the statements that have no single value (reasons)."""

    derivations: tuple[Derivation, ...]
    notes: tuple[str, ...]


def _jump(ctx: Derivations) -> Derivation:
    """-dV_pump where the ouabain run starts: at the steady state's concentrations when they move (the run
    starts there, not at the file's), at the file's otherwise (they are the steady state's)."""
    from .scenario import model_at
    from .where import steady_concentrations

    try:
        start = steady_concentrations(ctx.model, ctx.get("V_ss"))
    except NotApplicable:  # no steady state: the file's concentrations are all there is
        start = ()
    inside = {symbol: value for symbol, value in start if symbol != Vol}
    where = "the same concentrations"
    if inside:
        ctx = Derivations(model_at(ctx.model, {}, inside))
        where = "the steady state's concentrations (where the run starts; not the file's)"
    shift = ctx.get("dV_pump")
    dV = sp.Symbol("dV_pump", real=True)
    balance = sp.Symbol(balance_id(ctx.model), real=True)
    gated = is_gated(ctx.model)
    # with gated channels the balance without the pump has the gates at x_inf(V) too, not the leaks' V_leak
    target, words = ((sp.Symbol("V_without_pump", real=True), "the current balance without it, every gate at "
                      "x_inf(V)") if gated else (sp.Symbol("V_leak", real=True), "the leaks' own zero-current "
                                                   "potential V_leak"))
    steps = (
        Step(f"Just after the block the concentrations have not moved: V relaxes from the current balance with the "
             f"pump ({balance}) to {words}, at {where}", equation(JUMP, target - balance)),
        Step(f"{balance} - {target} is the pump's direct shift dV_pump there", equation(JUMP, -dV),
             given=(equation(dV, balance - target),)),
    )
    assumptions = ("the pump current vanishes at once; concentrations unchanged during the jump",
                   f"V approaches {target} as V and the gates relax (the resting state's eigenvalues)" if gated else
                   "V approaches V_leak exponentially with time constant tau_m")
    if inside:
        assumptions += ("the run starts at the steady state of the full model, where the current balance with the "
                        "pump is V_ss",)
    at = tuple(inside.items()) + ((dV, shift.value),) if inside else ()  # dV_pump there, not the file's
    relaxes = "V relaxes with the gates: the time constants of the full model" if gated else "relaxes with tau_m"
    return Derivation("Delta_V_ouabain", -dV, -shift.value, "mV",
                      f"instant depolarisation when the pump is blocked ({relaxes})",
                      method="closed form" if shift.method == "closed form" else "numeric",
                      assumptions=assumptions, steps=steps, at=at)


def _end_state(ctx: Derivations, late: dict | None) -> tuple[Derivation | None, str]:
    """The pump-off steady state, by Newton from the late state of the rundown integration."""
    from ..steady_state import steady_state
    from .pumpleak import steady_volume

    model = ctx.model
    if not model.dynamic_ions:
        stays = "the current balance without the pump (gates at x_inf(V))" if is_gated(model) else "V_leak"
        return None, ("the model has no concentration dynamics (no membrane area and volume): after the jump V stays "
                      f"at {stays}; a real cell's gradients would run down towards V = 0, or towards the Donnan "
                      "potential with impermeant anions")
    try:
        end = steady_state(model, pump_scale=0, start=late)
    except NotApplicable as reason:
        return None, f"the rundown has no end state: {reason}"
    if model.impermeant:
        kind = "Donnan equilibrium (impermeant anions inside): every permeant ion at one Nernst potential"
        try:
            donnan = ctx.get("V_donnan")
            kind += (f"; at the given (fixed) volume the Donnan potential would be {donnan.display_value:.6g} mV, "
                     "the volume change moves it")
        except NotApplicable:
            pass
    else:
        kind = "gradients gone: with no impermeant charge the concentrations equalise and V -> 0"
    ion = model.dynamic_ions[0]
    nernst = laws.nernst(ion.z, ion.outside, ion.inside)
    steps = (
        Step(f"At the end state the pump is off and no amount changes, dN_X/dt = -A_m I_X/(z_X F) = 0: every "
             f"permeant ion's leak current vanishes, e.g. {ion.name}'s", equation(ion.I, 0)),
        Step(f"Insert the leak law of {ion.name}", equation(model.leak_current(ion), 0),
             given=definitions(model.quantities, ion.I)),
        Step(f"It vanishes only at the Nernst potential: V is E_{ion.name} at the end state's concentrations "
             f"({ion.name}_i = N_{ion.name}/Vol there)", equation(V, nernst)),
    )
    volume = steady_volume(model, end)
    at = tuple((other.inside, end[other.amount] / volume) for other in model.dynamic_ions)
    derivation = Derivation("V_end_ouabain", nernst, end[V], "mV",
                            "end state of the rundown: steady state of the full model with the pump off",
                            method="numeric", assumptions=(kind, "steady state of V, amounts and volume by Newton "
                                                           "from the end of the integrated rundown, with the charge "
                                                           "of the pumped steady state"),
                            steps=steps, at=at)
    return derivation, kind


@dataclass(frozen=True)
class Rundown:
    """Full and reduced model integrated through the ouabain scenario (SI)."""

    states: tuple[sp.Symbol, ...]
    t: np.ndarray
    full: np.ndarray  # (n_states, nt)
    V_reduced: np.ndarray
    t_fast: float

    @property
    def max_error(self) -> float:
        """max |V_full - V_reduced| (V) after the fast transient."""
        return float(np.max(np.abs(self.full[0] - self.V_reduced)))

    @property
    def late(self) -> dict[sp.Symbol, float]:
        return {s: float(self.full[i, -1]) for i, s in enumerate(self.states)}


def rundown(model: Model, t_end: float | None = None) -> Rundown:
    """Integrate the full and the reduced model from the pumped steady state with the pump off from t = 0.

    t_end defaults to 200 tau_slow (the rundown is slower than the pumped relaxation).
    """
    from ..steady_state import scenario_values, steady_state
    from .reduced import integrate_reduced, reduced_model
    from .time_constants import jacobian

    ctx = Derivations(model)
    reduced = reduced_model(model)
    start = steady_state(model, pump_scale=1)
    values = scenario_values(model, 0)
    states, J = jacobian(model)
    if t_end is None:
        t_end = 200 * ctx.get("tau_slow").value
    modules = [NUMPY_FUNCTIONS, "numpy"]
    full_rhs = sp.lambdify([states], [model.rhs()[s].xreplace(values) for s in states], modules=modules)
    full_jac = sp.lambdify([states], J.xreplace(values), modules=modules)
    y0 = np.array([start[s] for s in states])
    scale = np.abs(y0)
    t_fast = 20 * ctx.get("tau_m").value
    times = np.concatenate([np.linspace(t_fast, 100 * t_fast, 50), np.geomspace(100 * t_fast, t_end, 200)[1:]])
    full = solve_ivp(lambda t, y: full_rhs(y), (0, t_end), y0, method="Radau", jac=lambda t, y: full_jac(y),
                     rtol=1e-10, atol=1e-12 * scale, t_eval=times)
    slow = reduced.states
    _, v_red = integrate_reduced(model, {s: start[s] for s in slow}, [(0.0, values)], times)
    if not full.success:
        raise NotApplicable(f"integration failed: {full.message}")
    return Rundown(states, full.t, full.y, v_red, t_fast)


def ouabain_report(model: Model) -> OuabainReport:
    """Everything the report says about the ouabain scenario (NotApplicable without a pump)."""
    if model.pump is None:
        raise NotApplicable("the model has no [pump] to block")
    ctx = Derivations(model)
    # a gated cell's relaxation is its eigenvalues' (the report's time constants), not tau_m alone
    derivations = [_jump(ctx)] + ([] if is_gated(model) else [ctx.get("tau_m")])
    notes = []
    run = None
    if model.dynamic_ions:
        try:
            run = rundown(model)
        except NotApplicable as reason:
            notes.append(f"rundown not integrated: {reason}")
    end, note = _end_state(ctx, run.late if run is not None else None)
    if end is not None:
        derivations.append(end)  # the note is among its assumptions: said once
    else:
        notes.insert(0, note)
    if run is not None:
        notes.append(f"reduced model (V slaved to the concentrations, C_m -> 0) against the full model, both "
                     f"integrated (SciPy Radau/LSODA, rtol 1e-10) from the pumped steady state with the pump off: "
                     f"max |V_full - V_reduced| = {run.max_error * 1e3:.3g} mV for {run.t_fast:.3g} s <= t <= "
                     f"{run.t[-1]:.4g} s (after the fast transient of 20 tau_m); V at the end "
                     f"{run.full[0, -1] * 1e3:.6g} mV")
    return OuabainReport(tuple(derivations), tuple(notes))
