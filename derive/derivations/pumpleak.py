"""The pump-leak steady state with volume: steady volume and the range of pump rates with a finite one.

At a steady state every ion's leak balances its pump share, so each inside
concentration is an explicit function of V and the pump current J (the leak
laws are linear in X_i): X_i(V, J). Water balance and electroneutrality then
fix the impermeant concentration A_i = osm_out - sum X_i and V. The volume is
Vol = N_A / A_i: finite while A_i > 0. With only salts in the bath A_i -> 0 as
J -> 0 (the Donnan state has no finite volume) and again at the largest pump
rate pump_max (Tosteson and Hoffman 1960; Keener and Sneyd ch. 2; Kay 2017).
At pump_max the cell holds no impermeant concentration: electroneutral salt
solution, isosmotic with the bath, with every ion's flux balanced.
"""

from __future__ import annotations

from collections.abc import Sequence

import mpmath
import sympy as sp

from ..constants import A_i, I_pump, V, Vol, z_A
from ..derivation import _MPMATH_FUNCTIONS, WORKING_DIGITS, Derivation, NoSteadyState, NotApplicable, Step, evaluate
from ..model import N_A, Model
from ..quantities import Derivations
from ..registry import quantity
from ..steady_state import damped_newton, initial_state, steady_state

__all__ = ["pump_rate_symbol", "balanced_concentrations", "pump_max_point", "steady_curve", "steady_volume"]

_SIGNS = "V = phi_in - phi_out; currents positive outward"


def _needs_volume(model: Model) -> None:
    if model.volume_mode not in ("dynamic", "instant"):
        raise NotApplicable("needs volume dynamics (membrane.area, membrane.volume and membrane.water_permeability)")
    if model.pump is None:
        raise NotApplicable("needs a [pump]: without one the steady state is a Donnan equilibrium")
    if not model.impermeant:
        raise NotApplicable("needs impermeant anions inside ([impermeant]) to hold a volume")


def pump_rate_symbol(model: Model) -> sp.Symbol:
    """The pump's rate parameter: I_pump for a constant pump, I_max for a saturating one."""
    return model.parameter("I_pump" if model.has("I_pump") else "I_max").symbol


def balanced_concentrations(model: Model) -> dict[sp.Symbol, sp.Expr]:
    """X_i(V, I_pump) for every dynamic ion: the root of leak + pump share = 0 (linear in X_i)."""
    out = {}
    for ion in model.dynamic_ions:
        balance = model.leak_current(ion) + model.pump_share(ion)
        solutions = sp.solve(balance, ion.inside)
        if len(solutions) != 1:
            raise NotApplicable(f"the flux balance of {ion.name} does not give one inside concentration")
        out[ion.inside] = solutions[0]
    return out


def _rate_of_current(model: Model, concentrations: dict) -> sp.Expr:
    """The pump's rate parameter that gives pump current I_pump at the balanced concentrations."""
    rate = pump_rate_symbol(model)
    if rate == I_pump:
        return I_pump
    return I_pump * rate / model.pump_current.xreplace(concentrations)


def pump_max_point(model: Model) -> dict[str, mpmath.mpf]:
    """{"V", "I_pump", "rate"} where A_i = 0: the largest pump rate with a finite volume.

    Unknowns (V, t) with I_pump = J_ref exp(t), so the Donnan root I_pump = 0 of a
    salt-only bath is out of reach; Newton from V = 0 and a ladder of t.
    """
    _needs_volume(model)
    values = {k: v for k, v in model.dynamic_values.items() if k != I_pump}  # I_pump is an unknown here
    conc = balanced_concentrations(model)
    osm_out = model.osmolarities[1].xreplace(values)
    charge = sp.Add(*[ion.valence * conc[ion.inside] for ion in model.dynamic_ions])
    solutes = sp.Add(*[conc[ion.inside] for ion in model.dynamic_ions])
    t = sp.Symbol("t", real=True)
    j_ref = abs(evaluate(model.pump_current, model.values)) or mpmath.mpf(1)
    current = sp.Float(mpmath.nstr(j_ref, WORKING_DIGITS), WORKING_DIGITS) * sp.exp(t)
    equations = [(charge / osm_out).xreplace(values), (1 - solutes / osm_out).xreplace(values)]
    equations = [e.xreplace({I_pump: current}) for e in equations]
    f = sp.lambdify((V, t), equations, modules=[_MPMATH_FUNCTIONS, "mpmath"])
    jac = sp.lambdify((V, t), sp.Matrix(equations).jacobian([V, t]), modules=[_MPMATH_FUNCTIONS, "mpmath"])
    positive = [sp.lambdify((V, t), conc[ion.inside].xreplace(values).xreplace({I_pump: current}),
                            modules=[_MPMATH_FUNCTIONS, "mpmath"]) for ion in model.dynamic_ions]
    rate = sp.lambdify((V, t), _rate_of_current(model, conc).xreplace(values).xreplace({I_pump: current}),
                       modules=[_MPMATH_FUNCTIONS, "mpmath"])
    with mpmath.workdps(WORKING_DIGITS):
        for t0 in (0, 1, -1, 2, -2, 3, -3, 4, 5, 6):
            try:
                v, tt = damped_newton(f, jac, [mpmath.mpf(0), mpmath.mpf(t0)], positive=[False, False])
            except (NoSteadyState, OverflowError):
                continue
            if all(p(v, tt) > 0 for p in positive) and abs(v) < 1:
                return {"V": v, "I_pump": j_ref * mpmath.exp(tt), "rate": rate(v, tt)}
    if pump_rate_symbol(model) != I_pump:
        raise NotApplicable("no finite pump_max: the saturating pump's current falls as Na_i -> 0, so no pump rate "
                            "empties the cell of impermeant concentration; the steady volume stays finite for every "
                            "rate")
    raise NoSteadyState("no pump rate empties the cell of impermeant concentration with every concentration "
                        "positive: the pump would need a negative concentration first (its Na efflux exceeds what "
                        "can leak in)")


def steady_volume(model: Model, state: dict[sp.Symbol, float]) -> float:
    """The volume at a steady state of the full model (a state, algebraic when water is instant, or fixed)."""
    if Vol in state:
        return state[Vol]
    if model.volume_mode == "fixed":
        return float(model.values[Vol])
    definition = dict(model.algebraic)[Vol]
    return float(definition.xreplace(model.dynamic_values).xreplace({k: sp.Float(v, 17) for k, v in state.items()}))


def steady_curve(model: Model, scales: Sequence[float]) -> list[dict[sp.Symbol, float] | None]:
    """Full-model steady states at pump rates scaled by ``scales``, by continuation from the given state.

    Walks from scale 1 outwards in both directions, each solve starting at its
    neighbour's solution; None where no steady state exists (and beyond it).
    """
    _needs_volume(model)
    order = sorted(range(len(scales)), key=lambda k: scales[k])
    out: list[dict | None] = [None] * len(scales)
    upward = [k for k in order if scales[k] >= 1]
    downward = [k for k in reversed(order) if scales[k] < 1]
    for branch in (upward, downward):
        start, previous = initial_state(model), 1.0
        for k in branch:
            try:
                start = _continue(model, start, previous, scales[k])
            except NoSteadyState:
                break
            out[k], previous = start, scales[k]
    return out


def _continue(model: Model, start: dict, s_from: float, s_to: float, depth: int = 6) -> dict:
    """Steady state at pump scale s_to from the one at s_from, halving the step when Newton fails."""
    try:
        return steady_state(model, sp.nsimplify(s_to), start=start)
    except NoSteadyState:
        if depth == 0:
            raise
    middle = _continue(model, start, s_from, (s_from + s_to) / 2, depth - 1)
    return _continue(model, middle, (s_from + s_to) / 2, s_to, depth - 1)


@quantity("volume_ss")
def volume_ss(ctx: Derivations) -> Derivation:
    model = ctx.model
    _needs_volume(model)
    state = steady_state(model)
    conc = balanced_concentrations(model)
    osm_in, osm_out = model.osmolarities
    salts = sp.Add(*[ion.inside for ion in model.dynamic_ions])
    amounts = sp.Add(*[ion.amount for ion in model.dynamic_ions])
    steps = (
        Step("Water balance: at a steady state no water flows, so the inside osmolarity equals the bath's",
             sp.Eq(osm_in, osm_out)),
        Step("The impermeant amount N_A is fixed, so its concentration is N_A/Vol",
             sp.Eq(salts + N_A / Vol, osm_out), given=(sp.Eq(A_i, N_A / Vol),)),
        Step("Solve for the volume: finite while the salts leave room, osm_out > sum X_i (each X_i(V, I_pump) "
             "from its flux balance)", sp.Eq(Vol, N_A / (osm_out - salts))),
        Step("With X_i = N_X/Vol: the volume holds every particle at the bath's osmolarity (the amounts N_X "
             "those of the steady state)", sp.Eq(Vol, (amounts + N_A) / osm_out),
             given=tuple(sp.Eq(ion.inside, ion.amount / Vol) for ion in model.dynamic_ions)),
    )
    balances = "; ".join(f"{sp.sstr(k)} = {sp.sstr(v)}" for k, v in conc.items())
    return Derivation(
        "volume_ss", osm_in.xreplace({s: d for s, d in model.algebraic if s != Vol}) - osm_out,
        steady_volume(model, state), "um^3",
        "pump-leak steady-state volume: ion fluxes balanced by the pump, water in osmotic balance",
        method="numeric root",
        assumptions=(_SIGNS, "every ion's leak balances its pump share (steady amounts)",
                     f"so X_i(V, I_pump): {balances}",
                     "water in osmotic balance (ideal solutions, every particle counts once)",
                     "charge conserved from the given state (V from the capacitor charge)",
                     "bath concentrations held at their given values"),
        steps=steps, at=tuple((symbol, value) for symbol, value in state.items() if symbol != Vol),
    )


@quantity("pump_max")
def pump_max(ctx: Derivations) -> Derivation:
    model = ctx.model
    point = pump_max_point(model)
    conc = balanced_concentrations(model)
    osm_out = model.osmolarities[1]
    charge = sp.Add(*[ion.valence * conc[ion.inside] for ion in model.dynamic_ions])
    solutes = sp.Add(*[conc[ion.inside] for ion in model.dynamic_ions])
    rate = pump_rate_symbol(model)
    at_point = {**model.dynamic_values, V: sp.Float(mpmath.nstr(point["V"], WORKING_DIGITS), WORKING_DIGITS),
                I_pump: sp.Float(mpmath.nstr(point["I_pump"], WORKING_DIGITS), WORKING_DIGITS)}
    at = [(V, float(point["V"])), (I_pump, float(point["I_pump"])), (A_i, 0.0)]
    at += [(symbol, float(evaluate(c, at_point))) for symbol, c in conc.items()]
    if rate != I_pump:
        at.append((rate, float(point["rate"])))
    balanced = tuple(sp.Eq(symbol, c) for symbol, c in conc.items())
    no_impermeant = sp.Eq(A_i, 0, evaluate=False)  # A_i is positive: Eq would evaluate to False
    salt_charge = sp.Add(*[ion.valence * ion.inside for ion in model.dynamic_ions])
    osmotic = sp.Eq(model.osmolarities[0], osm_out)
    bath = ("the bath holds an impermeant solute, so the volume is finite for every rate in [0, pump_max)"
            if model.bath_impermeant else
            "salt-only bath: the volume is finite for 0 < rate < pump_max and grows without bound as the rate "
            "falls to 0 (Donnan) or rises to pump_max")
    return Derivation(
        "pump_max", osm_out - solutes,
        float(point["rate"]), "uA/cm^2",
        f"largest pump rate ({rate.name}) with a finite steady volume: the impermeant concentration N_A/Vol "
        f"falls to 0 there (V = {float(point['V']) * 1000:.6g} mV, I_pump = "
        f"{float(point['I_pump']) * 100:.6g} uA/cm^2)",
        method="numeric root",
        assumptions=(_SIGNS, "every ion's leak balances its pump share (steady amounts)",
                     "as Vol grows without bound A_i = N_A/Vol -> 0 and the capacitor's charge per volume -> 0",
                     bath),
        steps=(Step("Electroneutrality inside (the capacitor's charge is negligible)",
                    sp.Eq(salt_charge + z_A * A_i, 0)),
               Step("As the rate approaches pump_max the volume grows without bound, so the impermeant concentration "
                    "A_i = N_A/Vol falls to 0", sp.Eq(salt_charge, 0), given=(no_impermeant,)),
               Step("Every ion's leak balances its pump share, X_i = X_i(V, I_pump): condition A, an electroneutral "
                    "salt solution inside, fixes V for each pump current", sp.Eq(charge, 0), given=balanced),
               Step("Add condition B, the osmotic balance with A_i = 0, at the V of condition A: one equation for the "
                    "pump current; both hold at pump_max", sp.Eq(solutes, osm_out),
                    given=(osmotic, no_impermeant) + balanced)),
        at=tuple(at),
    )
