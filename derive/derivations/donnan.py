"""Donnan equilibrium: the end state of a cell whose only charged solutes that cannot cross are inside.

With no pump every permeant ion X (valence z) reaches its Nernst potential at
one common V, so X_i = X_o r_D^z with the Donnan ratio r_D = K_i/K_o = Cl_o/Cl_i
= exp(-F V/(R T)). Electroneutrality inside, sum z X_o r_D^z + z_A A_i = 0,
fixes r_D: a quadratic when every permeant ion is monovalent (closed form),
otherwise a polynomial whose left side increases strictly with r_D > 0
(derivative sum z^2 X_o r_D^(z-1) > 0), so its one positive root is found
numerically.
"""

from __future__ import annotations

import mpmath
import sympy as sp

from .. import laws
from ..constants import A_i, F, R, T, V, z_A
from ..derivation import Derivation, NoSteadyState, NotApplicable, Step, equation, evaluate, monotone_root
from ..model import Model
from ..quantities import Derivations
from ..registry import quantity

__all__ = ["r_D", "donnan_balance", "donnan_ratio_closed_form", "at_equilibrium"]

r_D = sp.Symbol("r_D", positive=True)  # the Donnan ratio K_i/K_o = Cl_o/Cl_i

_SIGNS = "V = phi_in - phi_out; r_D = exp(-F V/(R T)), so r_D > 1 when the inside is negative"


def _permeant(model: Model):
    """The permeant ions; NotApplicable when the model cannot have a Donnan equilibrium."""
    if not model.impermeant:
        raise NotApplicable("needs impermeant anions inside ([impermeant])")
    fixed = [ion.name for ion in model.ions if not ion.has_concentrations]
    if fixed:
        raise NotApplicable(f"ions {', '.join(fixed)} have a fixed reversal potential and no concentrations; "
                            "a Donnan equilibrium needs every permeant ion's concentrations")
    return model.ions


def _assumptions(model: Model) -> tuple[str, ...]:
    out = [
        _SIGNS,
        "no pump and no other transport: every permeant ion is at its Nernst potential",
        "fixed volume: the impermeant concentration A_i keeps its given value",
        "bath concentrations held at their given values (a large bath)",
        "bulk electroneutrality inside (the membrane capacitor's charge is negligible)",
        "ideal dilute solutions",
    ]
    charge_out = sum(ion.valence * model.values[ion.outside] for ion in model.ions)
    if charge_out != 0:
        out.append(f"the bath as given is not electroneutral (net {float(charge_out):g} mM of charge); "
                   "it is held anyway")
    return tuple(out)


def donnan_balance(model: Model) -> sp.Expr:
    """Inside charge density (mM) at Donnan equilibrium as a function of r_D: zero at the ratio."""
    return sp.Add(*[ion.valence * ion.outside * r_D ** ion.valence for ion in _permeant(model)]) + z_A * A_i


def at_equilibrium(model: Model) -> tuple[sp.Eq, ...]:
    """X_i = X_o r_D^z_X for every permeant ion: each at its Nernst potential, all at one V."""
    return tuple(equation(ion.inside, ion.outside * r_D ** ion.valence) for ion in model.ions)


def _electroneutrality(model: Model) -> Step:
    return Step("Electroneutrality inside: permeant ions and impermeant anions",
                equation(sp.Add(*[ion.valence * ion.inside for ion in model.ions]) + z_A * A_i, 0))


_EQUILIBRIUM = "Every permeant ion is at equilibrium at one V: X_i = X_o r_D^z_X with r_D = exp(-F V/(R T))"


def _sums(model: Model) -> tuple[sp.Expr, sp.Expr]:
    cations = sp.Add(*[ion.outside for ion in model.ions if ion.valence == 1])
    anions = sp.Add(*[ion.outside for ion in model.ions if ion.valence == -1])
    return cations, anions


def donnan_ratio_closed_form(model: Model) -> sp.Expr | None:
    """The positive root of C r^2 + z_A A_i r - An = 0 (monovalent ions), or None without one."""
    ions = _permeant(model)
    cations, anions = _sums(model)
    if any(abs(ion.valence) != 1 for ion in ions) or cations == 0 or anions == 0:
        return None
    return (-z_A * A_i + sp.sqrt(z_A ** 2 * A_i ** 2 + 4 * cations * anions)) / (2 * cations)


def _ratio_steps(model: Model, closed: sp.Expr) -> tuple[Step, ...]:
    cations, anions = _sums(model)
    quadratic = sp.expand(cations * r_D ** 2 + z_A * A_i * r_D - anions)
    return (
        _electroneutrality(model),
        Step(_EQUILIBRIUM, equation(donnan_balance(model), 0), given=at_equilibrium(model)),
        Step("Multiply by r_D > 0: a quadratic in r_D", equation(quadratic, 0)),
        Step("Its roots have product -(anions outside)/(cations outside) < 0, so exactly one is positive; "
             "only r_D > 0 gives positive concentrations X_o r_D^z", equation(r_D, closed)),
    )


def _numeric_ratio(model: Model) -> mpmath.mpf:
    """The one positive root of the (strictly increasing) inside charge as a function of r_D."""
    ions = _permeant(model)
    z_a = model.values[z_A]
    if z_a < 0 and not any(ion.valence > 0 for ion in ions):
        raise NoSteadyState("no Donnan equilibrium: impermeant anions inside and no permeant cation to balance them")
    if z_a > 0 and not any(ion.valence < 0 for ion in ions):
        raise NoSteadyState("no Donnan equilibrium: impermeant cations inside and no permeant anion to balance them")
    balance = donnan_balance(model).xreplace(model.values)
    f = sp.lambdify(r_D, balance, modules="mpmath")
    # In s = ln r_D the balance still increases; bracketing cannot leave the physical branch r_D > 0.
    return mpmath.exp(monotone_root(lambda s: f(mpmath.exp(s)), -1, 1, limit=200))


def _ratio(ctx: Derivations) -> Derivation:
    """The Donnan ratio derivation (shared by the three quantities through ctx.get)."""
    model = ctx.model
    closed = donnan_ratio_closed_form(model)
    ratios = [f"{ion.name}_i/{ion.name}_o" if ion.valence == 1 else f"{ion.name}_o/{ion.name}_i"
              for ion in _permeant(model) if abs(ion.valence) == 1]  # the model's own: no Cl where it has none
    description = f"Donnan ratio {' = '.join(ratios or ['r_D'])} at Donnan equilibrium (fixed volume)"
    if closed is not None:
        value = evaluate(closed, model.values)
        return Derivation("donnan_ratio", closed, float(value), "1", description,
                          assumptions=_assumptions(model), steps=_ratio_steps(model, closed))
    balance = donnan_balance(model)
    value = _numeric_ratio(model)
    divalent = ", ".join(f"{ion.name} (z = {ion.valence})" for ion in model.ions if abs(ion.valence) != 1)
    steps = (_electroneutrality(model), Step(_EQUILIBRIUM, equation(balance, 0), given=at_equilibrium(model)))
    return Derivation("donnan_ratio", balance, float(value), "1", description, method="numeric root",
                      assumptions=_assumptions(model) + (
                          f"no closed form with {divalent or 'only one sign of permeant charge'}: the left side "
                          "increases strictly with r_D > 0, so its one positive root is found numerically",),
                      steps=steps)


@quantity("donnan_ratio")
def donnan_ratio(ctx: Derivations) -> Derivation:
    return _ratio(ctx)


def _ratio_value(ratio: Derivation, model: Model) -> sp.Expr:
    """The ratio as an exact expression (closed form) or a 40-digit number (numeric root)."""
    if ratio.method == "closed form":
        return ratio.expression
    return sp.Float(mpmath.nstr(_numeric_ratio(model), 40), 40)


@quantity("V_donnan")
def donnan_potential(ctx: Derivations) -> Derivation:
    model = ctx.model
    ratio = ctx.get("donnan_ratio")
    nernst = -R * T / F * sp.log(r_D)
    description = "Donnan potential: the common Nernst potential of the permeant ions at Donnan equilibrium"
    ratio_expr = _ratio_value(ratio, model)
    value = evaluate(nernst.xreplace({r_D: ratio_expr}), model.values)
    ion = model.ions[0]
    steps = (
        Step(f"At Donnan equilibrium V is the Nernst potential of every permeant ion, e.g. {ion.name} "
             f"(z = {ion.valence})", equation(V, laws.nernst(ion.valence, ion.outside, ion.inside))),
        Step(f"With {ion.name}_i = {ion.name}_o r_D^z the concentrations cancel", equation(V, nernst),
             given=at_equilibrium(model)[:1]),
    )
    if ratio.method != "closed form":
        return Derivation("V_donnan", nernst, float(value), "mV", description, method="numeric",
                          assumptions=ratio.assumptions + ("r_D: the numeric root of donnan_ratio",), steps=steps)
    expression = nernst.xreplace({r_D: ratio.expression})
    steps += (Step("Insert the Donnan ratio", equation(V, expression), given=(equation(r_D, ratio.expression),)),)
    return Derivation("V_donnan", expression, float(value), "mV", description,
                      assumptions=ratio.assumptions, steps=steps)


@quantity("osmotic_excess")
def osmotic_excess(ctx: Derivations) -> Derivation:
    model = ctx.model
    ratio = ctx.get("donnan_ratio")
    osm_in, osm_out = model.osmolarities
    excess = osm_in - osm_out
    at_donnan = excess.xreplace({ion.inside: ion.outside * r_D ** ion.valence for ion in model.ions})
    description = "inside minus outside osmolarity at Donnan equilibrium: what drives water in"
    value = evaluate(at_donnan.xreplace({r_D: _ratio_value(ratio, model)}), model.values)
    assumptions = ratio.assumptions + ("every ion and impermeant particle counts once (ideal, osmotic "
                                       "coefficient 1)",) + (("the bath solute B_o counts outside",)
                                                             if model.bath_impermeant else ())
    lhs = sp.Symbol("osmotic_excess")
    steps = (
        Step("Osmolarity inside minus outside", equation(lhs, excess)),
        Step("At Donnan equilibrium X_i = X_o r_D^z_X", equation(lhs, at_donnan), given=at_equilibrium(model)),
    )
    if ratio.method != "closed form":
        return Derivation("osmotic_excess", at_donnan, float(value), "mM", description, method="numeric",
                          assumptions=assumptions + ("r_D: the numeric root of donnan_ratio",), steps=steps)
    expression = at_donnan.xreplace({r_D: ratio.expression})
    steps += (Step("Insert the Donnan ratio", equation(lhs, expression), given=(equation(r_D, ratio.expression),)),)
    return Derivation("osmotic_excess", expression, float(value), "mM", description,
                      assumptions=assumptions, steps=steps)

