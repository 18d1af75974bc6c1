"""The pump-leak steady state with volume: the steady volume and the balanced concentrations.

At a steady state every ion's leak (and channels) balances its pump share, so each
inside concentration is an explicit function of V and the pump current J (the leak laws
are linear in X_i, and so are the channels' with every gate at x_inf(V)): X_i(V, J).
Water balance and electroneutrality then fix the impermeant concentration A_i = osm_out
- sum X_i and V. The volume is Vol = N_A / A_i: finite while A_i > 0. With only salts in
the bath A_i -> 0 as J -> 0 (the Donnan state has no finite volume); pump_range finds
where the finite volumes end as the pump rate grows (pump_max; Tosteson and Hoffman
1960; Keener and Sneyd ch. 2; Kay 2017).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import sympy as sp

from ..constants import A_i, I_pump, Vol
from ..derivation import Derivation, NoSteadyState, NotApplicable, Step, equation
from ..gated import gate_steady_states
from ..model import N_A, Model
from ..quantities import Derivations
from ..registry import quantity
from ..steady_state import charge_condition, initial_state, steady_state
from .resting import at_each_steady_state

__all__ = ["pump_rate_symbol", "balanced_concentrations", "steady_curve", "steady_volume"]

_SIGNS = "V = phi_in - phi_out; currents positive outward"


def _needs_volume(model: Model) -> None:
    if model.volume_mode not in ("dynamic", "instant"):
        raise NotApplicable("needs volume dynamics (membrane.area, membrane.volume and membrane.water_permeability)")
    if model.pump is None:
        raise NotApplicable("needs a [pump]: without one the steady state is a Donnan equilibrium")
    if not model.impermeant:
        raise NotApplicable("needs impermeant anions inside ([impermeant]) to hold a volume")


def pump_rate_symbol(model: Model) -> sp.Symbol:
    """The pump's rate parameter: I_pump (constant), I_max (saturating), lambda_pump (proportional to [Na]_i),
    I_pump0 (a constant pump with temperature or voltage factors)."""
    return model.pump.rate


@lru_cache(maxsize=16)  # sympy.solve is slow; callers only read the result
def balanced_concentrations(model: Model) -> dict[sp.Symbol, sp.Expr]:
    """X_i(V, I_pump) for every dynamic ion: the root of leak + channels (gates at x_inf(V)) + pump share = 0,
    explicit where every current of the ion has one law (ohmic or GHK) and no open fraction depends on X_i."""
    gates = gate_steady_states(model)
    out = {}
    for ion in model.dynamic_ions:
        channels = _explicit_channels(model, ion, gates)
        balance = model.leak_current(ion) + channels + model.pump_share(ion)
        solutions = sp.solve(balance, ion.inside)
        if len(solutions) != 1:
            raise NotApplicable(f"the flux balance of {ion.name} does not give one inside concentration")
        # With a gate's x_inf(V) in the conductance SymPy writes X_o^a as log(X_o**a), which overflows in floats
        out[ion.inside] = sp.expand_log(solutions[0], force=True) if channels != 0 else solutions[0]
    return out


def _explicit_channels(model: Model, ion, gates: dict) -> sp.Expr:
    """The channels' current of ``ion`` with every gate at x_inf(V), or NotApplicable where the flux balance has
    no explicit X_i: ohmic and GHK currents mixed, or an open fraction that depends on the concentrations."""
    carrying = [channel for channel in model.channels if channel.ion == ion.name]
    laws = {channel.law for channel in carrying} | ({ion.leak} if ion.leak != "none" else set())
    if len(laws) > 1:
        raise NotApplicable(f"{ion.name} is carried by ohmic and GHK currents together: its flux balance gives "
                            f"{ion.name}_i only as a numeric root, not the explicit X_i(V, I_pump) this needs")
    current = model.expand(model.channel_current(ion)).xreplace(gates)
    for channel in carrying:
        opening = model.expand(channel.open_probability).xreplace(gates)
        if ion.inside in opening.free_symbols:
            raise NotApplicable(f"channel {channel.name}'s open fraction depends on {ion.name}_i: its flux balance "
                                f"gives {ion.name}_i only as a numeric root, not the explicit X_i(V, I_pump) this "
                                "needs")
    return current


def _rate_of_current(model: Model, concentrations: dict) -> sp.Expr:
    """The pump's rate parameter that gives pump current I_pump at the balanced concentrations."""
    rate = pump_rate_symbol(model)
    if rate == I_pump:
        return I_pump
    return I_pump * rate / model.pump_current.xreplace(concentrations)


def steady_volume(model: Model, state: dict[sp.Symbol, float]) -> float:
    """The volume at a steady state of the full model (a state, algebraic when water is instant, or fixed)."""
    if Vol in state:
        return state[Vol]
    if model.volume_mode == "fixed":
        return float(model.values[Vol])
    definition = dict(model.algebraic)[Vol]
    return float(definition.xreplace(model.dynamic_values).xreplace({k: sp.Float(v, 17) for k, v in state.items()}))


def steady_curve(model: Model, scales: Sequence[float]) -> list[dict[sp.Symbol, float] | None]:
    """Full-model steady states at pump rates scaled by ``scales``, by continuation from the model's own.

    Walks from scale 1 outwards in both directions, each solve starting at its
    neighbour's solution; None where no steady state exists (and beyond it).
    """
    _needs_volume(model)
    order = sorted(range(len(scales)), key=lambda k: scales[k])
    out: list[dict | None] = [None] * len(scales)
    upward = [k for k in order if scales[k] >= 1]
    downward = [k for k in reversed(order) if scales[k] < 1]
    try:  # from the steady state at the model's own rate (a gated cell's Newton may need the engine's start)
        home = steady_state(model)
    except NoSteadyState:
        home = initial_state(model)
    from .pump_range import rate_edge  # here: pump_range imports this module

    rate = float(model.values[model.pump.rate]) if model.pump is not None else 0.0
    edge = rate_edge(model) if rate > 0 else None  # no steady state above its rate: no continuation to fail there
    limit = edge.rate / rate if edge is not None else math.inf
    for branch in (upward, downward):
        start, previous = home, 1.0
        for k in branch:
            if scales[k] > limit:
                break
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
    osm_in, osm_out = model.osmolarities
    salts = sp.Add(*[ion.inside for ion in model.dynamic_ions])
    amounts = sp.Add(*[ion.amount for ion in model.dynamic_ions])
    steps = (
        Step("Water balance: at a steady state no water flows, so the inside osmolarity equals the bath's",
             equation(osm_in, osm_out)),
        Step("The impermeant amount N_A is fixed, so its concentration is N_A/Vol",
             equation(salts + N_A / Vol, osm_out), given=(equation(A_i, N_A / Vol),)),
        Step("Solve for the volume: finite while the salts leave room, osm_out > sum X_i (each X_i(V, I_pump) "
             "from its flux balance)", equation(Vol, N_A / (osm_out - salts))),
        Step("With X_i = N_X/Vol: the volume holds every particle at the bath's osmolarity (the amounts N_X "
             "those of the steady state)", equation(Vol, (amounts + N_A) / osm_out),
             given=tuple(equation(ion.inside, ion.amount / Vol) for ion in model.dynamic_ions)),
    )
    try:
        balances = "so X_i(V, I_pump): " + "; ".join(f"{sp.sstr(k)} = {sp.sstr(v)}"
                                                       for k, v in balanced_concentrations(model).items())
    except NotApplicable:  # a flux balance with no explicit X_i: the Newton solve above holds it all the same
        balances = "each X_i a numeric root of its flux balance"
    return Derivation(
        "volume_ss", osm_in.xreplace({s: d for s, d in model.algebraic if s != Vol}) - osm_out,
        unit="um^3", **at_each_steady_state(ctx, steady_volume(model, state), lambda point: steady_volume(model, point)),
        description="pump-leak steady-state volume: ion fluxes balanced by the pump, water in osmotic balance",
        method="numeric root",
        assumptions=(_SIGNS, "every ion's leak balances its pump share (steady amounts)",
                     balances,
                     "water in osmotic balance (ideal solutions, every particle counts once)",
                     charge_condition(model),
                     "bath concentrations held at their given values"),
        steps=steps, at=tuple((symbol, value) for symbol, value in state.items() if symbol != Vol)
        + _steady_concentrations(model, state),
    )


def _steady_concentrations(model: Model, state: dict[sp.Symbol, float]) -> tuple[tuple[sp.Symbol, float], ...]:
    """X_i = N_X/Vol and A_i = N_A/Vol at a steady state: the concentrations the steps speak of."""
    volume = steady_volume(model, state)
    out = [(ion.inside, state[ion.amount] / volume) for ion in model.dynamic_ions]
    return tuple(out) + ((A_i, float(model.values[N_A]) / volume),)
