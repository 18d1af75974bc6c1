"""Potentials: Nernst E_X, the GHK voltage, the leak and pumped steady states, the pump shift.

A potential has a closed form when the current balance is linear in V (ohmic
leaks: the chord-conductance equation) or when every permeant ion is
monovalent (the GHK log form). Otherwise it is the numeric root of the
balance, which is unique: every leak current increases with V.
"""

from __future__ import annotations

import dataclasses

import mpmath
import sympy as sp

from .. import laws
from ..constants import F, I_pump, R, T, V, Vol, g_leak
from ..derivation import (CURRENT_BALANCE, Derivation, NotApplicable, Step, definitions, equation, evaluate,
                          monotone_root, mp_function)
from ..quantities import Derivations
from ..registry import UNITS, quantity

__all__ = ["zero_current_potential", "balance_step", "balance_id"]

_SIGNS = "V = phi_in - phi_out; currents positive outward"


@quantity("E_<ion>")
def nernst_potential(ctx: Derivations, quantity_id: str) -> Derivation:
    model = ctx.model
    ion = next(ion for ion in model.ions if f"E_{ion.name}" == quantity_id)
    if not ion.has_concentrations:
        value = model.values[ion.E]
        return Derivation(quantity_id, ion.E, float(value), "mV", f"reversal potential of {ion.name} (given)",
                          method="given")
    expression = laws.nernst(ion.z, ion.outside, ion.inside)
    steps = (
        Step(f"At equilibrium the electrochemical potential of {ion.name} is the same on both sides: "
             f"R T ln {ion.name}_i + z F V = R T ln {ion.name}_o at V = E_{ion.name}",
             equation(R * T * sp.log(ion.inside) + ion.z * F * ion.E, R * T * sp.log(ion.outside))),
        Step(f"Solve for E_{ion.name}", equation(ion.E, expression)),
    )
    return Derivation(
        quantity_id, expression, float(evaluate(expression, model.values)), "mV",
        f"Nernst potential of {ion.name}", assumptions=(_SIGNS, "ideal dilute solutions"), steps=steps,
    )


def balance_step(current: sp.Expr) -> Step:
    """The law every zero-current potential starts from: the sum of the named currents is zero."""
    names = " + ".join(sp.sstr(term) for term in sp.Add.make_args(current))
    return Step(f"Current balance (currents positive outward): {names} = 0", equation(current, 0))


def _leak_names(model, expanded_ions) -> str:
    kinds = {ion.leak for ion in expanded_ions}
    laws_text = {"ohmic": "ohmic leaks I_X = g_X (V - E_X)",
                 "ghk": "GHK leaks I_X = P_X z_X F (X_i - X_o e^(-u_X))/exprel(-u_X), u_X = z_X F V/(R T)"}
    return " and ".join(laws_text[k] for k in sorted(kinds))


def zero_current_potential(ctx: Derivations, quantity_id: str, current: sp.Expr, description: str,
                           assumptions: tuple[str, ...]) -> Derivation:
    """The V at which ``current`` (a sum of named leak currents, maybe + I_pump) vanishes.

    Closed form when the expanded current is linear in V, numeric root otherwise.
    """
    model = ctx.model
    # Expand I_X but keep E_X and I_pump as names, so the closed form reads like a textbook
    # (not a voltage-dependent pump's I_pump: its V must be solved for).
    keep = {ion.E for ion in model.ions} | ({I_pump} if V not in model.pump_current.free_symbols else set())
    expanded = current
    for symbol, definition in reversed(model.quantities):
        if symbol not in keep:
            expanded = expanded.xreplace({symbol: definition})
    first = balance_step(current)
    if expanded.is_polynomial(V) and sp.degree(expanded, V) == 1:
        slope = sp.expand(expanded).coeff(V)
        rest = sp.expand(expanded - slope * V)
        closed = sp.together(sp.collect(sp.expand(-rest / slope), I_pump))  # slope V + rest = 0 (sp.solve: slower)
        value = evaluate(model.expand(closed), model.values)
        steps = (
            first,
            Step("Insert the ohmic leaks I_X = g_X (V - E_X)", equation(expanded, 0),
                 given=definitions(model.quantities, current, keep)),
            Step("Collect the terms in V on the left", equation(slope * V, sp.collect(-rest, I_pump))),
            Step("Solve for V: divide by the total conductance (positive)", equation(V, closed)),
        )
        return Derivation(quantity_id, closed, float(value), UNITS[quantity_id], description,
                          assumptions=assumptions + ("ohmic (chord conductance) leaks",), steps=steps)
    balance = model.expand(expanded)
    root = monotone_root(mp_function(balance, V, model.values), what=CURRENT_BALANCE, unit=" V")
    ions = [ion for ion in model.ions if ion.I in current.free_symbols]
    inserted = "Insert the " + _leak_names(model, ions)
    if I_pump in current.free_symbols and model.pump is not None and model.pump.current != I_pump:
        inserted += " and the pump current law"
    steps = (first, Step(inserted + "; every leak current increases with V, so there is one root, found "
                         "numerically", equation(balance, 0), given=definitions(model.quantities, current)))
    return Derivation(quantity_id, balance, float(root), UNITS[quantity_id], description, method="numeric root",
                      assumptions=assumptions + ("unique root: every leak current increases with V",), steps=steps)


def ghk_log_steps(ions, expression: sp.Expr) -> tuple[Step, ...]:
    """From zero net GHK current of monovalent ions to the log form, as on paper."""
    current = sp.Add(*[ion.I for ion in ions])
    inserted = sp.Add(*[laws.ghk_current(ion.P, ion.valence, ion.inside, ion.outside) for ion in ions])
    w = sp.exp(-F * V / (R * T))
    low = sp.Add(*[ion.P * (ion.inside if ion.valence > 0 else ion.outside) for ion in ions])
    high = sp.Add(*[ion.P * (ion.outside if ion.valence > 0 else ion.inside) for ion in ions])
    return (
        balance_step(current),
        Step("Insert the GHK currents I_X = P_X z_X F (X_i - X_o e^(-u_X))/exprel(-u_X), u_X = z_X F V/(R T), "
             "with z = +1 for cations and -1 for anions", equation(inserted, 0),
             given=tuple(equation(ion.I, laws.ghk_current(ion.P, ion.valence, ion.inside, ion.outside))
                         for ion in ions)),
        Step("With u = F V/(R T) every term carries the factor F u/(1 - e^(-u)) > 0 (an anion's term rewritten "
             "with e^(-u) by multiplying its numerator and denominator by -e^(-u)); divide it out",
             equation(low - high * w, 0)),
        Step("Solve for the exponential", equation(w, low / high)),
        Step("Take logarithms: the GHK voltage equation", equation(V, expression)),
    )


def _ghk_log_form(ctx: Derivations, quantity_id: str, ions, description: str) -> Derivation:
    model = ctx.model
    expression = laws.ghk_voltage((ion.P, ion.valence, ion.inside, ion.outside) for ion in ions)
    return Derivation(
        quantity_id, expression, float(evaluate(expression, model.values)), "mV", description,
        assumptions=(_SIGNS, "constant field (GHK)", "monovalent ions only: the log form exists",
                     "zero net leak current; pump ignored"),
        steps=ghk_log_steps(ions, expression),
    )


@quantity("V_ghk")
def ghk_potential(ctx: Derivations) -> Derivation:
    model = ctx.model
    ions = [ion for ion in model.ions if ion.leak == "ghk"]
    if not ions:
        names = ", ".join(ion.name for ion in model.ions if ion.leak == "ohmic")
        raise NotApplicable(f"needs permeabilities; ions {names} give conductances" if names else
                            "needs ions with GHK (permeability) leaks; the model has none")
    description = "GHK voltage equation: zero net current of the permeability (GHK) leaks"
    if laws.all_monovalent(ion.valence for ion in ions):
        return _ghk_log_form(ctx, "V_ghk", ions, description)
    divalent = ", ".join(f"{ion.name} (z = {ion.valence})" for ion in ions if abs(ion.valence) != 1)
    return zero_current_potential(
        ctx, "V_ghk", sp.Add(*[ion.I for ion in ions]), description,
        (_SIGNS, "constant field (GHK)", f"no log form with {divalent}: numeric root of the zero-current condition"),
    )


@quantity("V_leak")
def leak_potential(ctx: Derivations) -> Derivation:
    model = ctx.model
    description = "zero-current potential of the leaks alone (pump ignored)"
    leaks = model.leak_currents
    if not leaks:
        raise NotApplicable("the model has no leak: every ion is carried by gated channels only")
    if all(ion.leak == "ghk" for ion in model.ions) and laws.all_monovalent(ion.valence for ion in model.ions) \
            and len(leaks) == len(model.ions):
        return _ghk_log_form(ctx, "V_leak", model.ions, description)
    return zero_current_potential(ctx, "V_leak", sp.Add(*leaks), description,
                                  (_SIGNS, "zero net leak current; pump ignored"))


def _current_balance(ctx: Derivations, quantity_id: str, description: str) -> Derivation:
    """The V at which the leaks and the pump carry no net current, the concentrations at their given values."""
    model = ctx.model
    if _gated(model):
        return _gated_balance(ctx, quantity_id, "current balance I_total = 0, every gate at x_inf(V), with the "
                              "concentrations held at their given values (where vrest simulate --start given starts)")
    if model.pump is None:
        leak = ctx.get("V_leak")
        return Derivation(quantity_id, leak.expression, leak.value, "mV", f"{description}: the model has no pump, "
                          "so V_leak", method=leak.method, assumptions=leak.assumptions, steps=leak.steps)
    return zero_current_potential(
        ctx, quantity_id, sp.Add(*[ion.I for ion in model.ions]) + I_pump, description,
        (_SIGNS, "current balance sum I_X + I_pump = 0", "concentrations held at their given values"),
    )


@quantity("V_ss")
def steady_potential(ctx: Derivations) -> Derivation:
    from .resting import gated_potential, is_gated  # here: resting imports the quantities driver

    if is_gated(ctx.model):
        return gated_potential(ctx)
    if ctx.model.dynamic_ions:
        return _full_steady_potential(ctx)
    return _current_balance(ctx, "V_ss", "steady state of the current balance I_leak + I_pump = 0")


@quantity("V_balance")
def balance_potential(ctx: Derivations) -> Derivation:
    if not ctx.model.dynamic_ions:
        raise NotApplicable("the concentrations are fixed (no membrane area and volume), so V_ss is this current "
                            "balance")
    return _current_balance(ctx, "V_balance", "current balance I_leak + I_pump = 0 with the concentrations held at "
                            "their given values (the model's concentrations move: V_ss is the full steady state)")


def _full_steady_potential(ctx: Derivations) -> Derivation:
    """V at the steady state of the full model (V, ion amounts, volume): where ``vrest simulate`` starts."""
    from ..steady_state import charge_condition, steady_state  # here: steady_state imports quantities, which imports us
    from .pump_range import emptied_words
    from .pumpleak import steady_volume

    model = ctx.model
    state = steady_state(model)
    volume = steady_volume(model, state)
    concentrations = {ion.inside: state[ion.amount] / volume for ion in model.dynamic_ions}
    current = sp.Add(*[ion.I for ion in model.ions]) + (I_pump if model.pump is not None else 0)
    in_amounts = {ion.inside: ion.amount / Vol for ion in model.dynamic_ions}
    balance = model.expand(current).xreplace(in_amounts)
    steps = (
        Step("At the steady state of the full model no amount changes, dN_X/dt = -A_m (I_X + pump share)/(z_X F) "
             "= 0, and so no charge: the currents balance", equation(current, 0)),
        Step("Insert the leak laws" + (" and the pump current" if model.pump is not None else "") + " at the steady "
             "state's inside concentrations X_i = N_X/Vol; the amounts N_X and the volume solve the full steady "
             "state (Newton), so V is a numeric root", equation(balance, 0),
             given=definitions(model.quantities, current) + tuple(equation(k, v) for k, v in in_amounts.items())),
    )
    water = ("water in osmotic balance (ideal solutions, every particle counts once)"
             if model.volume_mode in ("dynamic", "instant") else "the volume fixed at its given value")
    at = [(ion.amount, state[ion.amount]) for ion in model.dynamic_ions] + [(Vol, volume)]
    at += list(concentrations.items())
    emptied = emptied_words(concentrations)
    return Derivation(
        "V_ss", balance, state[V], "mV",
        "steady state of the full model: V, every ion amount and the volume constant (where vrest simulate "
        "starts)" + (f"; there {emptied}" if emptied else ""), method="numeric root",
        assumptions=(_SIGNS, "every ion's leak balances its pump share (steady amounts)", water,
                     charge_condition(model),
                     "bath concentrations held at their given values"),
        steps=steps, at=tuple(at),
    )


def balance_id(model) -> str:
    """The id of the current balance with the given concentrations: V_ss when they are fixed, else V_balance."""
    return "V_balance" if model.dynamic_ions else "V_ss"


def _gated(model) -> bool:
    from .resting import is_gated  # here: resting imports the quantities driver

    return is_gated(model)


def _gated_balance(ctx: Derivations, quantity_id: str, description: str, pump: bool = True) -> Derivation:
    """The most negative root where it rises with V of the total current with every gate at x_inf(V), the
    concentrations at their given values; without the pump when ``pump`` is False."""
    from ..gated import start_potential, steady_current  # here: gated imports the derivation helpers

    model = ctx.model
    values = dict(model.values)
    if not pump:
        values[model.pump.rate] = 0
    balance = steady_current(model).xreplace({} if pump else {model.pump.rate: 0})
    step = Step("Every gate at its steady state x_inf(V): the total current is one function of V, whose most "
                "negative root where it rises with V (stable under current clamp) is found numerically",
                equation(balance, 0))
    return Derivation(quantity_id, balance, float(start_potential(model, values)), "mV", description,
                      method="numeric root", assumptions=(_SIGNS, "gates depend on V only",
                                                          "concentrations held at their given values"),
                      steps=(step,))


def _gated_pump_shift(ctx: Derivations) -> Derivation:
    """dV_pump of a gated model: the current balance with the pump minus without it, gates at x_inf(V)."""
    from ..gated import pump_off_path  # here: gated imports the derivation helpers

    words = "every gate at x_inf(V), the concentrations at their given values"
    with_pump = _gated_balance(ctx, "dV_pump", words)
    end, held, at = pump_off_path(ctx.model, with_pump.value)
    if end is None:  # a bistable cell's rest that the pump alone holds: no state without the pump to compare with
        raise NotApplicable(f"the resting state at {with_pump.value * 1000:.6g} mV has none without the pump to "
                            f"compare with: lowered, the pump takes it to a fold (at {at * 1000:.4g} mV, with "
                            f"{held:.3g} of the pump), where it ends; the cell's rest without the pump is another state")
    without = _gated_balance(ctx, "dV_pump", words, pump=False)
    if abs(end - without.value) > 1e-9:  # the state the rest with the pump becomes, not the most negative one
        without = dataclasses.replace(without, value=end)
    shift = sp.Symbol("dV_pump", real=True)
    step = Step("Definition: the pump's direct shift is the current balance with the pump minus the one without "
                f"it, {words}", equation(shift, sp.Symbol("V_with_pump", real=True) - sp.Symbol("V_without_pump",
                                                                                           real=True)))
    value = mpmath.mpf(with_pump.value) - mpmath.mpf(without.value)
    return Derivation("dV_pump", step.equation.rhs, float(value), "mV",
                      f"the pump's direct (electrogenic) shift: the current balance with the pump "
                      f"({with_pump.value * 1000:.6g} mV) minus without it ({without.value * 1000:.6g} mV), {words}",
                      method="numeric", assumptions=with_pump.assumptions, steps=(step,) + with_pump.steps)


@quantity("dV_pump")
def pump_shift(ctx: Derivations) -> Derivation:
    model = ctx.model
    if model.pump is None:
        raise NotApplicable("the model has no [pump]")
    if _gated(model):
        return _gated_pump_shift(ctx)
    balance = balance_id(model)
    steady, leak = ctx.get(balance), ctx.get("V_leak")
    description = f"the pump's direct (electrogenic) shift {balance} - V_leak"
    if balance != "V_ss":
        description += ", both at the given concentrations"
    shift = sp.Symbol("dV_pump", real=True)
    difference = sp.Symbol(balance, real=True) - sp.Symbol("V_leak", real=True)
    definition = Step(f"Definition: the pump's direct shift is the current balance with the pump ({balance}) minus "
                      "the zero-current potential of the leaks alone, at the same concentrations",
                      equation(shift, difference))
    if steady.method == leak.method == "closed form":
        closed = sp.factor(sp.simplify(steady.expression - leak.expression))
        value = evaluate(model.expand(closed), model.values)
        steps = (
            definition,
            Step(f"Insert the chord-conductance solutions for {balance} and V_leak",
                 equation(shift, steady.expression - leak.expression),
                 given=(equation(sp.Symbol(balance, real=True), steady.expression),
                        equation(sp.Symbol("V_leak", real=True), leak.expression))),
            Step("The g_X E_X terms cancel: dV_pump = -I_pump/g_leak with g_leak the total leak conductance",
                 equation(shift, closed)),
        )
        conductance = ctx.get("g_leak").expression
        named = -I_pump / g_leak if sp.simplify(closed * conductance + I_pump) == 0 else None
        return Derivation("dV_pump", closed, float(value), "mV", description,
                          assumptions=steady.assumptions, steps=steps, in_names=named)
    # A pump that carries no current shifts nothing: its balance is the leaks' own root, which two root
    # findings would give one rounding apart
    pumped = evaluate(model.expand(I_pump), {**model.values, V: sp.Float(steady.value, 17)})
    value = 0 if pumped == 0 else mpmath.mpf(steady.value) - mpmath.mpf(leak.value)
    return Derivation("dV_pump", difference, float(value), "mV", description, method="numeric",
                      assumptions=steady.assumptions, steps=(definition,))
