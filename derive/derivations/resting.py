"""Resting states of a model with gated channels, from the resting-state engine (derive.rest).

V_ss: every resting state in -150 mV to +60 mV (a root of the current with every gate at x_inf(V),
solved with the whole model), each with its stability; g_leak: the slope (input) conductance there,
the gates at steady state; tau_m = C_m/g_leak; the eigenvalues of the Jacobian with the gates; each
gated channel's window current at rest; and the quasi-active membrane (derive.quasi_active): the
instantaneous conductance, one RL branch per gate, the impedance Z(f) and its resonance. With several
resting states every quantity has one value per state, in order of V; ``value`` is the first stable
state's. Models without gates keep the closed forms of derivations.potentials and .conductance.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from ..channels import gate_steady
from ..constants import C_m, V, Vol, g_leak, tau_m
from ..derivation import (WORKING_DIGITS, Derivation, NoSteadyState, NotApplicable, Step, definitions, equation,
                          mp_function)
from ..quantities import Derivations
from ..quasi_active import QuasiActive, branch_conductance, branch_tau, instantaneous_conductance, quasi_active
from ..registry import quantity
from ..units import convert

__all__ = ["IMPEDANCE_FREQUENCIES", "is_gated", "resting_report"]

I_TOTAL = sp.Symbol("I_total", real=True)
IMPEDANCE_FREQUENCIES = tuple(float(f) for f in np.geomspace(0.1, 10000, 21))  # Hz: |Z(f)| in the JSON
_SIGNS = "V = phi_in - phi_out; currents positive outward"


def is_gated(model) -> bool:
    """A model with channels that have gates or an open fraction: its rest is found by the engine."""
    return any(not channel.is_leak for channel in model.channels)


def resting_report(ctx: Derivations):
    """The engine's RestReport of the model (computed once per model)."""
    from ..rest import model_rest_report  # here: derive.rest reads the cell description through derive.system

    return model_rest_report(ctx.model)


def states_at_rest(ctx: Derivations):
    """(all resting states, the index of the one ``value`` refers to): the first stable one."""
    report = resting_report(ctx)
    states = report.resting_states
    stable = [k for k, s in enumerate(states) if s.stable]
    if not stable:
        raise NoSteadyState(report.verdict)
    return states, stable[0]


def per_state(ctx: Derivations, each: list[float], chosen: int, **fields) -> dict:
    """Derivation fields for one value per resting state (``values``/``stable`` only when there are several)."""
    states, _ = states_at_rest(ctx)
    out = dict(value=each[chosen], **fields)
    if len(states) > 1:
        out.update(values=tuple(each), stable=tuple(s.stable for s in states))
    else:
        out.update(stable=(states[0].stable,))
    return out


def _gated_only(ctx: Derivations) -> None:
    if not is_gated(ctx.model):
        raise NotApplicable("the model has no gated channels: see V_ss, g_leak and tau_m")


def _gates_at_rest(model) -> tuple[sp.Eq, ...]:
    """Each gate at its steady state, in the rates' names: x = alpha/(alpha + beta), or x = inf."""
    out = []
    for channel in model.channels:
        for gate in channel.gates:
            inf = (gate.first_symbol / (gate.first_symbol + gate.second_symbol) if gate.form == "rates"
                   else gate.first_symbol)
            out.append(equation(gate.symbol, inf))
    return tuple(out)


def _steady_current(model) -> sp.Expr:
    """I_ss(V): the total current with every gate at x_inf(V), in V and the parameters."""
    return model.expand(I_TOTAL).xreplace({g.symbol: gate_steady(g) for c in model.channels for g in c.gates})


def _exact(ctx: Derivations) -> list[tuple[float, float]] | None:
    """(V, slope conductance) of each resting state to WORKING_DIGITS, or None when other states move with V
    (concentrations: the engine's values are the answer). The engine's V starts mpmath's root of I_ss(V), and
    the slope is dI_ss/dV there: values that do not depend on the machine's last bits."""
    model = ctx.model
    if model.dynamic_ions:
        return None

    def compute():
        states, _ = states_at_rest(ctx)
        current = _steady_current(model)
        f = mp_function(current, V, model.values)
        slope = mp_function(sp.diff(current, V), V, model.values)
        out = []
        with mpmath.workdps(WORKING_DIGITS):
            for state in states:
                v = mpmath.findroot(f, mpmath.mpf(state.V), tol=mpmath.mpf(10) ** (-2 * WORKING_DIGITS + 10))
                out.append((float(v), float(slope(v))))
        return out

    return ctx.shared("exact", compute)


def gated_potential(ctx: Derivations) -> Derivation:
    """V_ss of a gated model (called by derivations.potentials)."""
    model = ctx.model
    states, chosen = states_at_rest(ctx)
    named = dict(model.quantities)[I_TOTAL]  # the total current in the named currents
    balance = _steady_current(model)
    at_rest = _gates_at_rest(model)
    rates = sp.Add(*[relation.rhs for relation in at_rest])  # the rates' definitions are inserted too
    steps = (
        Step("At a resting state nothing changes: the currents balance (outward positive)", equation(named, 0)),
        Step("Insert the channel laws with every gate at its steady state x_inf(V) = alpha/(alpha + beta): one "
             "equation in V, whose roots in -150 mV to +60 mV are found numerically and each solved with the whole "
             "model", equation(balance, 0), given=at_rest + definitions(model.quantities, named + rates)),
    )
    count = len(states)
    description = ("resting state: every gate at x_inf(V), zero net current" if count == 1 else
                   f"{count} resting states in order of V, each stable unless marked (value: the most negative "
                   "stable one, where vrest simulate starts): every gate at x_inf(V), zero net current")
    if model.dynamic_ions:  # the same balance at the file's concentrations is V_balance
        description += ", every ion amount and the volume steady too (the full model's steady state)"
    exact = _exact(ctx)
    each = [s.V for s in states] if exact is None else [v for v, _ in exact]
    return Derivation("V_ss", balance, **per_state(ctx, each, chosen), unit="mV",
                      description=description, method="numeric root", in_names=named,
                      assumptions=(_SIGNS, "gates depend on V only", ("stability from the eigenvalues of the "
                                   "Jacobian with the gates"), resting_report(ctx).verdict),
                      steps=steps, at=_gates_at(ctx))


def _at_rest(ctx: Derivations) -> tuple[tuple[sp.Symbol, float], ...]:
    """V and every gate at the first stable resting state (SI): where a quantity of it is evaluated."""
    states, chosen = states_at_rest(ctx)
    return ((V, states[chosen].V),) + _gates_at(ctx)


def _gates_at(ctx: Derivations) -> tuple[tuple[sp.Symbol, float], ...]:
    """Every gate at the chosen resting state and, where they move, the concentrations and volume there."""
    from .pumpleak import steady_volume  # here: pumpleak imports the quantities driver

    states, chosen = states_at_rest(ctx)
    model = ctx.model
    rest = states[chosen].states
    out = [(g.symbol, rest[g.symbol.name]) for c in model.channels for g in c.gates]
    if model.dynamic_ions:
        volume = steady_volume(model, {s.symbol: rest[s.symbol.name] for s in model.states})
        out += [(ion.inside, rest[ion.amount.name] / volume) for ion in model.dynamic_ions] + [(Vol, volume)]
    return tuple(out)


def gated_conductance(ctx: Derivations) -> Derivation:
    """g_leak of a gated model: the slope conductance dI_ss/dV with the gates at steady state."""
    states, chosen = states_at_rest(ctx)
    steady = ctx.get("V_ss")
    exact = _exact(ctx)
    slopes = [s.slope_conductance for s in states] if exact is None else [g for _, g in exact]
    if any(g is None for g in slopes):
        raise NotApplicable("the slope conductance needs the membrane capacitance")
    slope = sp.diff(steady.expression, V)
    steps = (Step("The slope (input) conductance is the derivative of the steady-state current I_ss(V) (every gate "
                  "at x_inf(V)): the instantaneous conductance plus each gate's share (dI/dx)(dx_inf/dV)",
                  equation(g_leak, slope)),)
    whole = " of the whole membrane, the pump's slope included" if _pump_has_slope(ctx.model) else ""
    return Derivation("g_leak", slope, **per_state(ctx, slopes, chosen), unit="mS/cm^2",
                      description=f"slope (input) conductance dI_ss/dV at V_ss{whole}, every gate at x_inf(V)",
                      method="numeric", in_names=_branches_sum(ctx),
                      assumptions=("slope, not chord, conductance", "gates at steady state",
                                   "evaluated at V = V_ss"), steps=steps, at=_at_rest(ctx))


def _pump_has_slope(model) -> bool:
    """Whether the pump's current depends on V (luo_rudy_1994): its slope is then part of a gated g_leak."""
    return model.pump is not None and sp.diff(model.pump_current, V) != 0


def _branches_sum(ctx: Derivations) -> sp.Expr:
    """g_inst + sum 1/r_x over the gates whose branch carries current: the slope conductance in the names of the
    quasi-active membrane's parts (what a person writes instead of dI_ss/dV expanded)."""
    total = sp.Symbol("g_inst", real=True)
    for channel in ctx.model.channels:
        for gate in channel.gates:
            name = f"r_{gate.name}_{channel.name}"
            try:
                ctx.get(name)
            except NotApplicable:  # (dI/dx)(dx_inf/dV) = 0: no branch, nothing to add
                continue
            total += 1 / sp.Symbol(name, real=True)
    return total


def gated_time_constant(ctx: Derivations) -> Derivation:
    model = ctx.model
    states, chosen = states_at_rest(ctx)
    g = ctx.get("g_leak")
    each = [float(model.values[C_m] / sp.Float(slope, 17)) for slope in g.values or (g.value,)]
    steps = (Step("Membrane time constant from the slope conductance with the gates at steady state",
                  equation(tau_m, C_m / g_leak)),
             Step("Insert the slope conductance g_leak", equation(tau_m, C_m / g.expression),
                  given=(equation(g_leak, g.expression),)))
    runaway = ("; negative at a state with a negative slope conductance (g_leak < 0): there it is no time constant "
               "of a relaxation, a deviation of V (gates at steady state) grows, by e in |tau_m|") if min(each) < 0 else ""
    whole = ", the pump's slope included" if _pump_has_slope(model) else ""
    return Derivation("tau_m", C_m / g.expression, **per_state(ctx, each, chosen), unit="ms",
                      description=f"membrane time constant C_m / g_leak at V_ss (gates at steady state{whole}){runaway}",
                      method="numeric", in_names=C_m / g_leak, assumptions=g.assumptions, steps=steps, at=g.at)


@quantity("eigenvalues")
def eigenvalues(ctx: Derivations) -> Derivation:
    """Every eigenvalue of the Jacobian (gates included) at each resting state; value: the largest real part."""
    _gated_only(ctx)
    states, chosen = states_at_rest(ctx)
    largest = [max(v.real for v in s.eigenvalues) for s in states]
    listed = [[[v.real, v.imag] for v in s.eigenvalues] for s in states]
    data = (("eigenvalues", {"unit": "1/s", "values": listed[0] if len(states) == 1 else listed}),)
    lambda_max = sp.Symbol("lambda_max", real=True)
    steps = (Step("Linearise the whole model (V, gates and any other state) about the resting state: a deviation "
                  "decays as the slowest of exp(lambda t) over the Jacobian's eigenvalues lambda, the one with the "
                  "largest real part", equation(sp.Symbol("eigenvalues", real=True), lambda_max)),)
    return Derivation("eigenvalues", lambda_max, **per_state(ctx, largest, chosen),
                      unit="1/s", description="eigenvalues of the Jacobian at V_ss, gates included (--json lists "
                      "them as [re, im]); value: the largest real part, negative when the state is stable",
                      method="numeric", assumptions=("linearisation about the resting state",
                                                     "conservation directions removed"), steps=steps, data=data)


def _window_id(quantity_id: str) -> str:
    return quantity_id[len("I_window_"):]


@quantity("I_window_<channel>")
def window_current(ctx: Derivations, quantity_id: str) -> Derivation:
    """A gated channel's current at rest, every gate at x_inf(V_ss): its window current."""
    model = ctx.model
    channel = next(c for c in model.channels if c.name == _window_id(quantity_id))
    states, chosen = states_at_rest(ctx)
    each = [dict(s.currents)[channel.I.name] for s in states]
    expression = model.expand(channel.I).xreplace({g.symbol: gate_steady(g) for g in channel.gates})
    steps = (Step("The channel's current with every gate at its steady state x_inf(V)",
                  equation(sp.Symbol(quantity_id, real=True), expression)),)
    return Derivation(quantity_id, expression, **per_state(ctx, each, chosen), unit="uA/cm^2",
                      description=f"window current of channel {channel.name}: I_{channel.name} at V_ss with every gate "
                      "at x_inf(V) (outward positive)", method="numeric",
                      assumptions=(_SIGNS, "evaluated at V = V_ss"), steps=steps, at=((V, _at_rest(ctx)[0][1]),))


def _linearised(ctx: Derivations) -> list[QuasiActive]:
    """The quasi-active membrane at each resting state."""
    states, _ = states_at_rest(ctx)
    return ctx.shared("quasi_active", lambda: [quasi_active(ctx.model, s.states) for s in states])


_QUASI = ("linearisation about the resting state (small signals)", "concentrations held (the gates' time scale)")


@quantity("g_inst")
def instant_conductance(ctx: Derivations) -> Derivation:
    _gated_only(ctx)
    states, chosen = states_at_rest(ctx)
    each = [q.g_inst for q in _linearised(ctx)]
    g_inst = sp.Symbol("g_inst", real=True)
    expression = instantaneous_conductance(ctx.model)
    return Derivation("g_inst", expression, **per_state(ctx, each, chosen), unit="mS/cm^2",
                      description="instantaneous conductance dI_total/dV at V_ss with every gate held",
                      method="numeric", assumptions=_QUASI + ("evaluated at V = V_ss",),
                      steps=(Step("Differentiate the total current at fixed gates", equation(g_inst, expression)),),
                      at=_at_rest(ctx))


def _gate_of(ctx: Derivations, quantity_id: str):
    name = quantity_id[2:]
    for channel in ctx.model.channels:
        for gate in channel.gates:
            if f"{gate.name}_{channel.name}" == name:
                return channel, gate
    raise NotApplicable(f"no gate {name}")


@quantity("r_<gate>")
def branch_resistance(ctx: Derivations, quantity_id: str) -> Derivation:
    channel, gate = _gate_of(ctx, quantity_id)
    states, chosen = states_at_rest(ctx)
    k = [(b.channel, b.gate) for b in _linearised(ctx)[0].branches].index((channel.name, gate.name))
    each = [q.branches[k].resistance for q in _linearised(ctx)]
    if not all(np.isfinite(each)):
        raise NotApplicable(f"gate {gate.name} of channel {channel.name} carries no current change at rest "
                            "((dI/dx)(dx_inf/dV) = 0): no branch")
    expression = 1 / branch_conductance(ctx.model, channel, gate)
    r = sp.Symbol(quantity_id, real=True)
    return Derivation(quantity_id, expression, **per_state(ctx, each, chosen), unit="kohm*cm^2",
                      description=f"resistance of gate {gate.name}'s quasi-active branch (channel {channel.name}): "
                      f"1/((dI_{channel.name}/d{gate.symbol.name})(d{gate.name}_inf/dV)) at V_ss; negative for a "
                      "regenerative gate", method="numeric", assumptions=_QUASI + ("evaluated at V = V_ss",),
                      steps=(Step("Linearise the gate and its current about rest: the gate's share of the current "
                                  "responds to dV through a resistance r in series with an inductance",
                                  equation(r, expression)),), at=_at_rest(ctx))


@quantity("L_<gate>")
def branch_inductance(ctx: Derivations, quantity_id: str) -> Derivation:
    channel, gate = _gate_of(ctx, quantity_id)
    states, chosen = states_at_rest(ctx)
    resistance = ctx.get(f"r_{quantity_id[2:]}")
    k = [(b.channel, b.gate) for b in _linearised(ctx)[0].branches].index((channel.name, gate.name))
    each = [q.branches[k].inductance for q in _linearised(ctx)]
    tau = branch_tau(ctx.model, channel, gate)
    r, inductance = sp.Symbol(f"r_{quantity_id[2:]}", real=True), sp.Symbol(quantity_id, real=True)
    tau_x = sp.Symbol(f"tau_{quantity_id[2:]}", positive=True)
    return Derivation(quantity_id, tau * resistance.expression, **per_state(ctx, each, chosen), unit="H*cm^2",
                      description=f"inductance of gate {gate.name}'s quasi-active branch (channel {channel.name}): "
                      f"tau r at V_ss, tau = {tau_x.name} the gate's time constant", method="numeric", in_names=tau_x * r,
                      assumptions=_QUASI + ("evaluated at V = V_ss",), at=_at_rest(ctx),
                      steps=(Step("The gate relaxes with its time constant: L = tau_x r", equation(inductance, tau_x * r)),
                             Step("Insert tau_x and r", equation(inductance, tau * resistance.expression),
                                  given=(equation(tau_x, tau), equation(r, resistance.expression)))))


def _impedance_expression(ctx: Derivations, f: sp.Symbol = sp.Symbol("f", positive=True)) -> sp.Expr:
    """|Z(f)| in the branch names: 1/|2 pi i f C_m + g_inst + sum 1/(r_x + 2 pi i f L_x)|."""
    w = 2 * sp.pi * sp.I * f
    admittance = w * C_m + sp.Symbol("g_inst", real=True)
    for channel in ctx.model.channels:
        for gate in channel.gates:
            name = f"{gate.name}_{channel.name}"
            admittance += 1 / (sp.Symbol(f"r_{name}", real=True) + w * sp.Symbol(f"L_{name}", real=True))
    return sp.Abs(1 / admittance, evaluate=False)


@quantity("Z_0")
def input_impedance(ctx: Derivations) -> Derivation:
    """|Z(0)| = 1/g_leak, with |Z(f)| at IMPEDANCE_FREQUENCIES in the JSON."""
    _gated_only(ctx)
    states, chosen = states_at_rest(ctx)
    linear = _linearised(ctx)
    each = [abs(1 / g) for g in ctx.get("g_leak").values or (ctx.get("g_leak").value,)]
    curves = [[convert(float(abs(z)), "kohm*cm^2") for z in q.impedance(IMPEDANCE_FREQUENCIES)] for q in linear]
    data = (("impedance", {"f": {"unit": "Hz", "values": list(IMPEDANCE_FREQUENCIES)}, "unit": "kohm*cm^2",
                           "values": curves[0] if len(states) == 1 else curves}),)
    g = ctx.get("g_leak")
    z_0 = sp.Symbol("Z_0", positive=True)
    steps = (Step("The impedance of C_m, g_inst and the branches r_x + i w L_x in parallel is |Z(f)| = "
                  f"{sp.sstr(_impedance_expression(ctx))}; at f = 0 each branch is its resistance, and g_inst + "
                  "sum 1/r_x is the slope conductance", equation(z_0, 1 / g_leak)),
             Step("Insert the slope conductance", equation(z_0, 1 / g.expression), given=(equation(g_leak, g.expression),)))
    negative = (", the input resistance 1/g_leak being negative at a state with g_leak < 0"
                if min(g.values or (g.value,)) < 0 else "")
    return Derivation("Z_0", 1 / g.expression, **per_state(ctx, each, chosen), unit="kohm*cm^2",
                      description="membrane impedance |Z(f)| of the quasi-active membrane (C_m, g_inst and one RL "
                      f"branch per gate in parallel) at f = 0, where it is |1/g_leak|{negative} (--json: |Z(f)| "
                      "from 0.1 Hz to 10 kHz)", method="numeric", in_names=1 / g_leak, assumptions=_QUASI, data=data, steps=steps,
                      at=_at_rest(ctx))


def _resonance(ctx: Derivations) -> list[tuple[float, float] | None]:
    return ctx.shared("resonance", lambda: [q.resonance() for q in _linearised(ctx)])


@quantity("f_res")
def resonance_frequency(ctx: Derivations) -> Derivation:
    _gated_only(ctx)
    states, chosen = states_at_rest(ctx)
    found = _resonance(ctx)
    if found[chosen] is None:
        others = [f"{states[k].V * 1000:.6g} mV ({'stable' if states[k].stable else 'unstable'}): {r[0]:.6g} Hz, "
                  f"|Z| {convert(r[1], 'kohm*cm^2'):.6g} kohm*cm^2" for k, r in enumerate(found) if r is not None]
        where = f" at the state V_ss gives ({states[chosen].V * 1000:.6g} mV)" if len(states) > 1 else ""
        raise NotApplicable(f"no resonance{where}: |Z(f)| is largest at f = 0 (the gates do not make the membrane "
                            "inductive enough)" + (f"; the other resting states resonate at {'; '.join(others)}"
                                                   if others else ""))
    each = [np.nan if r is None else r[0] for r in found]
    f_res, omega = sp.Symbol("f_res", positive=True), sp.Symbol("omega_res", positive=True)
    steps = (Step(f"The angular frequency omega_res > 0 where |Z| = {sp.sstr(_impedance_expression(ctx))} is largest "
                  "(d|Z|/df = 0, |Z| above |Z(0)|), found numerically", equation(2 * sp.pi * f_res, omega)),
             Step("In hertz", equation(f_res, omega / (2 * sp.pi))))
    return Derivation("f_res", omega / (2 * sp.pi), **per_state(ctx, each, chosen), unit="Hz",
                      description="resonance: the frequency f > 0 of the largest |Z(f)| of the quasi-active membrane "
                      "(null for a state without one)", method="numeric", assumptions=_QUASI, steps=steps)


@quantity("Z_res")
def resonance_impedance(ctx: Derivations) -> Derivation:
    resonance = ctx.get("f_res")
    _, chosen = states_at_rest(ctx)
    each = [np.nan if r is None else r[1] for r in _resonance(ctx)]
    peak = _impedance_expression(ctx, sp.Symbol("f_res", positive=True))
    steps = (Step("The impedance's magnitude at the resonance", equation(sp.Symbol("Z_res", positive=True), peak)),)
    return Derivation("Z_res", peak, **per_state(ctx, each, chosen), unit="kohm*cm^2",
                      description="|Z(f_res)|: the impedance at resonance", method="numeric",
                      assumptions=resonance.assumptions, steps=steps)


def at_each_steady_state(ctx: Derivations, value: float, of_state) -> dict:
    """Derivation fields: ``value``, at the steady state every run starts from, and where a cell with gated channels
    has several steady states (its concentrations moving), ``of_state(point)`` at each of the others ({state
    symbol: SI value})."""
    model = ctx.model
    if not is_gated(model):
        return {"value": value}
    states, chosen = states_at_rest(ctx)
    if len(states) == 1:
        return {"value": value}
    each = [value if k == chosen else of_state({s.symbol: rest.states[s.symbol.name] for s in model.states})
            for k, rest in enumerate(states)]
    return per_state(ctx, each, chosen)
