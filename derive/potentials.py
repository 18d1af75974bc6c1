"""Potentials: Nernst E_X, the GHK voltage, the leak and pumped steady states, the pump shift.

A potential has a closed form when the current balance is linear in V (ohmic
leaks: the chord-conductance equation) or when every permeant ion is
monovalent (the GHK log form). Otherwise it is the numeric root of the
balance, which is unique: every leak current increases with V.
"""

from __future__ import annotations

import mpmath
import sympy as sp

from . import laws
from .constants import I_pump, V
from .derivation import Derivation, NotApplicable, evaluate, monotone_root, mp_function
from .quantities import Derivations
from .registry import UNITS, quantity

__all__ = ["zero_current_potential"]

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
    return Derivation(
        quantity_id, expression, float(evaluate(expression, model.values)), "mV",
        f"Nernst potential of {ion.name}", assumptions=(_SIGNS, "ideal dilute solutions"),
    )


def zero_current_potential(ctx: Derivations, quantity_id: str, current: sp.Expr, description: str,
                           assumptions: tuple[str, ...]) -> Derivation:
    """The V at which ``current`` (a sum of named leak currents, maybe + I_pump) vanishes.

    Closed form when the expanded current is linear in V, numeric root otherwise.
    """
    model = ctx.model
    # Expand I_X but keep E_X and I_pump as names, so the closed form reads like a textbook.
    keep = {ion.E for ion in model.ions} | {I_pump}
    expanded = current
    for symbol, definition in reversed(model.quantities):
        if symbol not in keep:
            expanded = expanded.xreplace({symbol: definition})
    if expanded.is_polynomial(V) and sp.degree(expanded, V) == 1:
        solution = sp.solve(expanded, V)[0]
        closed = sp.together(sp.collect(sp.expand(solution), I_pump))
        value = evaluate(model.expand(closed), model.values)
        return Derivation(quantity_id, closed, float(value), UNITS[quantity_id], description,
                          assumptions=assumptions + ("ohmic (chord conductance) leaks",))
    balance = model.expand(expanded)
    root = monotone_root(mp_function(balance, V, model.values))
    return Derivation(quantity_id, balance, float(root), UNITS[quantity_id], description, method="numeric root",
                      assumptions=assumptions + ("unique root: every leak current increases with V",))


def _ghk_log_form(ctx: Derivations, quantity_id: str, ions, description: str) -> Derivation:
    model = ctx.model
    expression = laws.ghk_voltage((ion.P, ion.valence, ion.inside, ion.outside) for ion in ions)
    return Derivation(
        quantity_id, expression, float(evaluate(expression, model.values)), "mV", description,
        assumptions=(_SIGNS, "constant field (GHK)", "monovalent ions only: the log form exists",
                     "zero net leak current; pump ignored"),
    )


@quantity("V_ghk")
def ghk_potential(ctx: Derivations) -> Derivation:
    model = ctx.model
    ions = [ion for ion in model.ions if ion.leak == "ghk"]
    if not ions:
        names = ", ".join(ion.name for ion in model.ions)
        raise NotApplicable(f"needs permeabilities; ions {names} give conductances")
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
    if all(ion.leak == "ghk" for ion in model.ions) and laws.all_monovalent(ion.valence for ion in model.ions):
        return _ghk_log_form(ctx, "V_leak", model.ions, description)
    return zero_current_potential(ctx, "V_leak", sp.Add(*[ion.I for ion in model.ions]), description,
                                  (_SIGNS, "zero net leak current; pump ignored"))


@quantity("V_ss")
def steady_potential(ctx: Derivations) -> Derivation:
    model = ctx.model
    if model.pump is None:
        leak = ctx.get("V_leak")
        return Derivation("V_ss", leak.expression, leak.value, "mV", "steady state: the model has no pump, so V_leak",
                          method=leak.method, assumptions=leak.assumptions)
    return zero_current_potential(
        ctx, "V_ss", sp.Add(*[ion.I for ion in model.ions]) + I_pump,
        "steady state of the current balance I_leak + I_pump = 0",
        (_SIGNS, "current balance sum I_X + I_pump = 0", "concentrations held at their given values"),
    )


@quantity("dV_pump")
def pump_shift(ctx: Derivations) -> Derivation:
    model = ctx.model
    if model.pump is None:
        raise NotApplicable("the model has no [pump]")
    steady, leak = ctx.get("V_ss"), ctx.get("V_leak")
    description = "the pump's direct (electrogenic) shift V_ss - V_leak"
    if steady.method == leak.method == "closed form":
        closed = sp.factor(sp.simplify(steady.expression - leak.expression))
        value = evaluate(model.expand(closed), model.values)
        return Derivation("dV_pump", closed, float(value), "mV", description,
                          assumptions=steady.assumptions)
    difference = sp.Symbol("V_ss", real=True) - sp.Symbol("V_leak", real=True)
    value = mpmath.mpf(steady.value) - mpmath.mpf(leak.value)
    return Derivation("dV_pump", difference, float(value), "mV", description, method="numeric",
                      assumptions=steady.assumptions)
