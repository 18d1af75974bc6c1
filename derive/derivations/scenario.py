"""What each step of a scenario does: the instantaneous jump and the new steady state.

A step changes parameters at its time t_k. On the time scale of tau_m the ion amounts and the
volume cannot move, so V jumps (within a few tau_m) to the root of the current balance at the
new parameters with the amounts frozen at their values just before the step: a closed form
for ohmic leaks (the chord-conductance equation), a numeric root otherwise. Slowly the amounts
follow, and the cell settles at the steady state of the full model at the new parameters (zero
net charge, derive.steady_state). A model without concentration dynamics has only V: its jump
is its new steady state. The state just before step k comes from integrating the full model
through the earlier steps (SciPy Radau, analytic Jacobian, rtol 1e-10), from the steady state
with the file's parameters.

Quantity ids per step: V_before, V_jump, dV_jump, tau_m (C_m over the leaks' slope conductance
at V_jump: how fast V makes the jump when the pump does not depend on V; a luo_rudy_1994 pump's
slope makes it a few per cent faster), V_ss and, with volume dynamics, volume_ss.
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass, replace

import numpy as np
import sympy as sp

from ..bath import scenario_bath_imbalances
from ..constants import A_i, C_m, I_pump, I_stim, V, Vol, area
from ..derivation import Derivation, NotApplicable, Step, equation, evaluate
from ..errors import ModelWarning
from ..functions import NUMPY_FUNCTIONS
from ..gated import balance_roots, stable_root, v_and_gates_only
from ..model import Change, Model, Parameter, Scenario
from ..quantities import Derivations
from ..steady_state import continued_steady_state, protocol_values, steady_state
from .potentials import zero_current_potential
from .resting import is_gated
from .time_constants import lambda_slow, linearise_at

__all__ = ["StepResult", "ScenarioReport", "scenario_report", "STEP_QUANTITY_IDS", "integrate_full", "model_at"]

STEP_QUANTITY_IDS = ("V_before", "V_jump", "dV_jump", "tau_m", "V_ss", "volume_ss", "tau_slow")
RTOL = 1e-10
_SIGNS = "V = phi_in - phi_out; currents positive outward"
I_TOTAL = sp.Symbol("I_total", real=True)


@dataclass(frozen=True)
class StepResult:
    """Step ``number`` (from 1) at ``at`` (s): its changes, its derived quantities, and why others are missing."""

    number: int
    at: float
    changes: tuple[Change, ...]
    quantities: dict[str, Derivation]
    not_applicable: dict[str, str]


@dataclass(frozen=True)
class ScenarioReport:
    scenario: Scenario
    start: str  # what the first step starts from
    steps: tuple[StepResult, ...]


def integrate_full(model: Model, start: dict[sp.Symbol, float], values: dict[sp.Symbol, sp.Expr],
                   t_span: tuple[float, float]) -> dict[sp.Symbol, float]:
    """The full model's state at t_span[1] from ``start`` at t_span[0], parameters ``values`` (SciPy Radau)."""
    from scipy.integrate import solve_ivp

    if t_span[1] <= t_span[0]:
        return dict(start)
    states = [s.symbol for s in model.states]
    rhs = [sp.sympify(model.rhs()[s]).xreplace(values) for s in states]
    modules = [NUMPY_FUNCTIONS, "numpy"]
    f = sp.lambdify([states], rhs, modules=modules)
    jac = sp.lambdify([states], sp.Matrix(rhs).jacobian(states), modules=modules)
    y0 = np.array([start[s] for s in states], dtype=float)
    scale = np.where(y0 == 0.0, 1e-3, np.abs(y0))
    solution = solve_ivp(lambda t, y: np.asarray(f(y), dtype=float), t_span, y0, method="Radau", rtol=RTOL,
                         atol=RTOL * 1e-2 * scale, jac=lambda t, y: np.asarray(jac(y), dtype=float))
    if not solution.success:
        raise NotApplicable(f"the integration to t = {t_span[1]:g} s failed: {solution.message}")
    return {s: float(solution.y[i, -1]) for i, s in enumerate(states)}


def _inside(model: Model, state: dict[sp.Symbol, float], values: dict[sp.Symbol, sp.Expr]) -> dict[sp.Symbol, float]:
    """The inside concentrations (and A_i, Vol) of a state of the full model: N_X / Vol."""
    point = {**values, **{s: sp.Float(v, 17) for s, v in state.items()}}
    out = {}
    for symbol, definition in model.algebraic:  # Vol first when it is algebraic
        value = float(sp.sympify(definition).xreplace(point).evalf(17))
        out[symbol] = value
        point[symbol] = sp.Float(value, 17)
    if Vol in state:
        out[Vol] = state[Vol]
    return out


def _exact(value: float) -> sp.Rational:
    return sp.Rational(repr(float(value)))


def model_at(model: Model, values: dict[sp.Symbol, sp.Expr], frozen: dict[sp.Symbol, float]) -> Model:
    """``model`` with the step's parameter ``values`` and the ``frozen`` inside concentrations as its given ones."""
    changed = {**values, **{s: _exact(v) for s, v in frozen.items()}}
    parameters = tuple(Parameter(p.symbol, changed.get(p.symbol, p.value), p.unit, p.description)
                       for p in model.parameters)
    return replace(model, parameters=parameters, scenarios=())


def _at(model: Model, changed: Model) -> tuple[tuple[sp.Symbol, float], ...]:
    """The symbols whose values differ between the file and ``changed`` (SI)."""
    return tuple((p.symbol, float(q.value)) for p, q in zip(model.parameters, changed.parameters) if p.value != q.value)


def _jump(model: Model, changed: Model, number: int, dynamic: bool) -> Derivation:
    current = (sp.Add(*[ion.I for ion in model.ions]) + (I_pump if model.pump is not None else 0)
               - (I_stim if model.stimulus else 0))  # an injected current (positive depolarises) balances too
    frozen = ("ion amounts and volume frozen at their values just before the step (they move on a time scale "
              "far longer than tau_m)" if dynamic else "no concentration dynamics: the concentrations are parameters")
    balance = "current balance sum I_X + I_pump = I_stim" if model.stimulus else "current balance sum I_X + I_pump = 0"
    root = zero_current_potential(Derivations(changed), "V_ss", current,
                                  f"V within a few tau_m after step {number}: root of the current balance at the new "
                                  "parameters", (_SIGNS, balance, frozen))
    return replace(root, id="V_jump", at=_at(model, changed))


def _time_constant(changed: Model, jump: Derivation) -> Derivation:
    """C_m / (sum dI_X/dV) at V_jump, the step's parameters and frozen concentrations: the jump's time constant."""
    slope = sp.Add(*[sp.diff(changed.leak_current(ion), V) for ion in changed.ions])
    point = {**changed.values, V: sp.Float(jump.value, 17)}
    value = float(C_m.xreplace(point).evalf(17) / evaluate(slope, point))
    expression = C_m / slope
    return Derivation("tau_m", expression, value, "ms", "membrane time constant C_m / g_leak at V_jump (slope "
                      "conductance of the leaks at the step's parameters; a voltage-dependent pump's slope not "
                      "counted)",
                      method="closed form" if V not in slope.free_symbols else "numeric",
                      assumptions=("linearisation of the leaks about V_jump; amounts frozen",),
                      steps=(Step("The leaks' slope conductance at V_jump sets how fast V approaches it (with a "
                                  "pump that does not depend on V)",
                                  equation(sp.Symbol("tau_m", positive=True), expression)),),
                      at=jump.at)


def _difference(jump: Derivation, before: float) -> Derivation:
    symbol = sp.Symbol("dV_jump", real=True)
    definition = sp.Symbol("V_jump", real=True) - sp.Symbol("V_before", real=True)
    difference = jump.value - before
    if abs(difference) <= 8 * sys.float_info.epsilon * abs(before):  # the same V, two ways rounded: no jump
        difference = 0.0
    return Derivation("dV_jump", definition, difference, "mV", "the jump: V_jump - V_before",
                      method="numeric", assumptions=jump.assumptions,
                      steps=(Step("Definition: the change of V within a few tau_m of the step", equation(symbol, definition)),))


def _steady(model: Model, point: dict[sp.Symbol, float], values: dict, number: int,
            injected: float = 0.0) -> list[Derivation]:
    """V_ss (and volume_ss) of the full model at the step's parameters: zero net charge (or the ``injected`` charge,
    C, of earlier pulses), every flux balanced."""
    inside = _inside(model, point, values)
    changed = model_at(model, values, inside)
    balance = changed.expand(I_TOTAL)
    charge = ("zero net charge beyond the membrane capacitor's (charge-difference condition)" if not injected else
              f"the net charge the injected current left in the cell, {injected * 1e12:.6g} pC (the cell's area "
              "times the integral of I_stim), beyond the membrane capacitor's")
    assumptions = (_SIGNS, "steady state of the full model (V, ion amounts" + (", volume" if Vol in point else "")
                   + ") at the step's parameters: every amount constant, no water flow", charge,
                   "bath concentrations held at their values in force")
    steps = (Step("At the steady state no amount changes, so every ion's leak balances its pump share and the "
                  "total current vanishes; with the steady concentrations inserted it fixes V", equation(balance, 0)),)
    # A pulse's charge moves the steady state (the family of steady states has one member per net charge): said in
    # the table and, for scripts, as the JSON's "net_charge"
    holding = f", holding the {injected * 1e12:.6g} pC an injected current left" if injected else ""
    data = (("net_charge", {"value": injected * 1e12, "unit": "pC"}),) if injected else ()
    out = [Derivation("V_ss", balance, point[V], "mV", f"steady state after step {number} (full model{holding}; "
                      "the steady concentrations and volume are the values it is evaluated at)",
                      method="numeric root", assumptions=assumptions, steps=steps, at=_at(model, changed), data=data)]
    if model.volume_mode in ("dynamic", "instant"):
        volume = inside.get(Vol, point.get(Vol))
        osm_in, osm_out = model.osmolarities
        out.append(Derivation("volume_ss", osm_in - osm_out, volume, "um^3",
                              f"steady volume after step {number}: water in osmotic balance at the new bath"
                              f"{holding}", method="numeric root", assumptions=assumptions,
                              steps=(Step("Water balance: no water flows at the steady state",
                                          equation(osm_in, osm_out)),),
                              at=_at(model, changed), data=data))
    return out


_SLOWEST_ASSUMPTIONS = (_SIGNS, ("linearisation of the full model (V, ion amounts, volume) about the step's steady "
                                 "state, V eliminated by charge conservation"),
                        "bath concentrations held at their values in force")


def _slowest(model: Model, point: dict[sp.Symbol, float], values: dict, number: int) -> Derivation:
    """tau_slow of the full model at the step's parameters and steady state (an amount the step leaves nothing to
    move adds none: derive.derivations.time_constants)."""
    changed = model_at(model, values, _inside(model, point, values))
    lin = linearise_at(changed, point)
    slowest = lin.eigenvalues[0]
    if slowest.real >= 0:
        raise NotApplicable(f"the steady state after step {number} is not stable: eigenvalue {slowest:.6g} 1/s")
    return Derivation("tau_slow", -1 / lambda_slow, -1 / slowest.real, "s", f"slowest time constant after step "
                      f"{number}: how fast the cell settles at the step's steady state, -1/lambda_slow",
                      method="numeric", assumptions=_SLOWEST_ASSUMPTIONS,
                      at=_at(model, changed))


GATED_REASON = ("gated channels: the gates move on the time scale of V, so V does not jump to a balance of fixed "
                "conductances; V_ss is where the step leads")


STEP_RANGE = (-0.25, 0.25)  # V: where a step's equilibrium is looked for when Newton does not reach one


def _gated_steady(model: Model, state: dict[sp.Symbol, float], values: dict, number: int) -> Derivation:
    """V_ss at the step's parameters for a gated model: the equilibrium Newton reaches from the state before the
    step (a stimulus included: the step's current held); where Newton reaches none and the states are V and the
    gates, the root of the current balance (gates at x_inf) in STEP_RANGE nearest the state before, stable first."""
    changed = model_at(model, values, {})
    found = "found by Newton from the state just before the step"
    try:
        v = float(steady_state(model, values=values, start=state)[V])
    except NotApplicable:
        if not v_and_gates_only(model):
            raise
        roots = balance_roots(model, values, v_range=STEP_RANGE)
        low, high = (f"{x * 1000:g} mV" for x in STEP_RANGE)
        if not roots:
            raise NotApplicable(f"no equilibrium with the step held: the currents (every gate at x_inf) balance "
                                f"nowhere between {low} and {high}") from None
        stable = [r for r in roots if stable_root(changed, r)] or roots
        v = min(stable, key=lambda r: abs(r - float(state[V])))
        found = (f"the root of the current balance (every gate at x_inf) between {low} and {high} nearest the state "
                 "before the step, where Newton from that state did not converge")
    balance = model.expand(model.net_current)
    # The eigenvalues of V and the gates (a held stimulus adds no slope); with ion amounts too: not judged here.
    stable = (stable_root(changed, v),) if v_and_gates_only(model) else ()
    where = ("" if stable != (False,) else "; unstable (an eigenvalue with a positive real part): with the step held "
             "the cell does not settle there (it oscillates, fires again and again, or moves to another state)")
    return Derivation("V_ss", balance, v, "mV", f"equilibrium after step {number} (gates at their steady "
                      f"states), {found}{where}", method="numeric root",
                      assumptions=(_SIGNS, "the step's parameters held"), stable=stable,
                      steps=(Step("Every rate zero at the step's parameters", equation(balance, 0)),), at=_at(model, changed))


def scenario_report(model: Model, name: str) -> ScenarioReport:
    """Each step of scenario ``name``: V_before, V_jump, dV_jump, V_ss, volume_ss (KeyError for an unknown name)."""
    scenario = model.scenario(name)
    for message in scenario_bath_imbalances(model, scenario):
        warnings.warn(message, ModelWarning, stacklevel=2)
    schedule = protocol_values(model, scenario)
    dynamic = bool(model.dynamic_ions)
    state = steady_state(model)
    steady, steady_values = dict(state), schedule[0][1]  # the last steady state found, and its parameters
    t = 0.0
    injected = 0.0  # C: the charge the pulses so far put into the cell, A times the integral of I_stim
    results = []
    for number, (step, (at, values), (_, previous)) in enumerate(
            zip(scenario.steps, schedule[1:], schedule[:-1]), start=1):
        quantities: dict[str, Derivation] = {}
        reasons: dict[str, str] = {}
        try:
            state = integrate_full(model, state, previous, (t, float(at)))
            if dynamic and model.stimulus:
                injected += float(previous.get(I_stim, 0) * previous[area]) * (float(at) - t)
            t = float(at)
            before = state[V]
            quantities["V_before"] = Derivation(
                "V_before", sp.Symbol("V", real=True), before, "mV", f"V just before step {number}",
                method="numeric", assumptions=(("the steady state with the file's parameters" if number == 1 else
                                                "the full model integrated through the earlier steps "
                                                f"(SciPy Radau, rtol {RTOL:g})"),))
            if is_gated(model):
                reasons.update({qid: GATED_REASON for qid in ("V_jump", "dV_jump", "tau_m")})
                try:
                    quantities["V_ss"] = _gated_steady(model, state, values, number)
                except NotApplicable as reason:
                    reasons["V_ss"] = str(reason)
                results.append(StepResult(number, float(at), step.changes, quantities, reasons))
                continue
            frozen = {s: v for s, v in _inside(model, state, values).items() if s not in (A_i, Vol)} if dynamic else {}
            changed = model_at(model, values, frozen)
            jump = _jump(model, changed, number, dynamic)
            quantities["V_jump"] = jump
            quantities["dV_jump"] = _difference(jump, before)
            quantities["tau_m"] = _time_constant(changed, jump)
            if dynamic and model.stimulus and values.get(I_stim, 0) != 0:
                moves = "adds" if values[I_stim] > 0 else "takes"
                reasons.update({qid: f"the injected current I_stim = {float(values[I_stim]) * 100:g} uA/cm^2 {moves} "
                                     f"charge {'to' if moves == 'adds' else 'from'} the cell for as long as it flows: "
                                     "no steady state then"
                                for qid in ("V_ss", "volume_ss") if qid == "V_ss" or model.volume_mode in
                                ("dynamic", "instant")})
            elif dynamic:
                # an amount the step leaves nothing to move keeps what the cell had just before it
                steady = continued_steady_state(model, values, steady_values, steady, held=state, net_charge=injected)
                steady_values = values
                for derivation in _steady(model, steady, values, number, injected):
                    quantities[derivation.id] = derivation
                try:
                    quantities["tau_slow"] = _slowest(model, steady, values, number)
                except NotApplicable as reason:
                    reasons["tau_slow"] = str(reason)
            else:
                quantities["V_ss"] = replace(jump, id="V_ss", description=f"steady state after step {number}: "
                                             "the jump's root (V relaxes to it with tau_m)")
        except NotApplicable as reason:
            reasons.update({qid: str(reason) for qid in STEP_QUANTITY_IDS if qid not in quantities})
        if not dynamic or model.volume_mode not in ("dynamic", "instant"):
            reasons.setdefault("volume_ss", "needs volume dynamics (membrane.area, membrane.volume and "
                               "membrane.water_permeability)")
        results.append(StepResult(number, float(at), step.changes, quantities, reasons))
    held = [words for words, holds in (("the pump on", model.pump is not None), ("zero net charge", dynamic)) if holds]
    start = "the steady state with the file's parameters" + (f" ({', '.join(held)})" if held else "")
    return ScenarioReport(scenario, start, tuple(results))
