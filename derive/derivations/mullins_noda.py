"""The Mullins-Noda potential: pump fluxes balance the passive GHK fluxes of Na+ and K+.

At a steady state every ion's passive flux is cancelled by its pump flux; a
pump that moves r Na+ out per K+ in therefore makes the passive fluxes obey
J_Na = -r J_K. With GHK fluxes this solves in closed form (Mullins LJ, Noda K
(1963) J Gen Physiol 47:117):

    V = (R T / F) ln((r P_K K_o + P_Na Na_o) / (r P_K K_i + P_Na Na_i))
"""

from __future__ import annotations

import sympy as sp

from .. import laws
from ..constants import F, R, T, V, r
from ..derivation import Derivation, NotApplicable, Step, equation, evaluate
from ..quantities import Derivations
from ..registry import quantity

__all__ = ["mullins_noda"]


def _ions(ctx: Derivations):
    """(K, Na) with GHK leaks and a pump moving both; NotApplicable with the reason otherwise."""
    model = ctx.model
    named = {ion.name: ion for ion in model.ions}
    needs = "needs GHK (permeability) leaks of K and Na with concentrations"
    missing = [name for name in ("K", "Na") if name not in named]
    if missing:
        raise NotApplicable(f"{needs}; the model has no ion {' or '.join(missing)}")
    for ion in (named["K"], named["Na"]):
        if not ion.has_concentrations:
            raise NotApplicable(f"{needs}; {ion.name} has no concentrations (a fixed reversal potential)")
        if ion.leak != "ghk":
            raise NotApplicable(f"{needs}; " + (f"{ion.name} has a conductance (an ohmic leak)" if ion.leak == "ohmic"
                                                else f"{ion.name} has no leak of its own (only channels carry it)"))
        if ion.valence != 1:
            raise NotApplicable(f"needs monovalent K and Na; {ion.name} has valence {ion.valence}")
    if model.pump is None or model.pump.coupling_ratio is None:
        raise NotApplicable("needs a pump that moves Na out and K in ([pump.stoichiometry] Na > 0, K < 0)")
    if not model.has("r"):
        raise NotApplicable("the model has no coupling ratio parameter r")
    return named["K"], named["Na"]


def _flux(ion) -> sp.Expr:
    """Passive GHK flux (mol/(m^2 s), outward) of a monovalent cation: I_X / (z F)."""
    return laws.ghk_current(ion.P, 1, ion.inside, ion.outside) / F


@quantity("V_mullins_noda")
def mullins_noda(ctx: Derivations) -> Derivation:
    K, Na = _ions(ctx)
    model = ctx.model
    w = sp.exp(-F * V / (R * T))
    numerator = r * K.P * K.outside + Na.P * Na.outside
    denominator = r * K.P * K.inside + Na.P * Na.inside
    expression = R * T / F * sp.log(numerator / denominator)
    steps = (
        Step("At steady state each ion's pump flux cancels its passive flux, and the pump moves r Na+ out per "
             "K+ in, so the passive fluxes J_X = I_X/(z_X F) obey J_Na = -r J_K",
             equation(Na.I / (Na.z * F), -r * K.I / (K.z * F))),
        Step("Insert the GHK fluxes J_X = P_X (X_i - X_o e^(-u))/exprel(-u), u = F V/(R T)",
             equation(_flux(Na), -r * _flux(K)),
             given=(equation(Na.z, 1), equation(K.z, 1), equation(Na.I, _flux(Na) * F), equation(K.I, _flux(K) * F))),
        Step("Both fluxes carry the factor u/(1 - e^(-u)) > 0; divide it out",
             equation(Na.P * (Na.inside - Na.outside * w), -r * K.P * (K.inside - K.outside * w))),
        Step("Collect the terms in e^(-u)", equation(numerator * w, denominator)),
        Step("Take logarithms: the Mullins-Noda equation", equation(V, expression)),
    )
    ratio = model.values[r]
    value = float(evaluate(expression, model.values))
    others = _left_out(ctx, value)
    description = "Mullins-Noda potential: pump fluxes balance the passive GHK fluxes with coupling ratio r"
    if others:
        description += f"; leaves out {', '.join(name for name, _ in others)}"
    off = _off_equilibrium(others, value)
    return Derivation(
        "V_mullins_noda", expression, value, "mV", description,
        assumptions=(
            "V = phi_in - phi_out; fluxes positive outward",
            "constant field (GHK) leaks of K and Na",
            f"coupling ratio r = {ratio} Na+ out per K+ in, from the pump's stoichiometry",
            "steady state: the pump's Na and K fluxes cancel the passive ones exactly",
            _others_assumption(others, value),
        ),
        steps=steps,
        caveat=(f"not this cell's rest: it leaves out {', '.join(off)}, whose {', '.join(off.values())} "
                f"{'is' if len(off) == 1 else 'are'} not V" if off else None),
    )


def _left_out(ctx: Derivations, value: float) -> list[tuple[str, float | None]]:
    """The model's ions other than K and Na, each with its Nernst potential (None where it has no concentrations)."""
    out = []
    for ion in ctx.model.ions:
        if ion.name not in ("K", "Na"):
            out.append((ion.name, ctx.get(f"E_{ion.name}").value if ion.has_concentrations else None))
    return out


def _off_equilibrium(others: list[tuple[str, float | None]], value: float) -> dict[str, str]:
    """{"Cl": "E_Cl = -60.04 mV"} for each other ion whose Nernst potential is more than 1 mV from the Mullins-Noda
    V: it carries a net current there."""
    return {name: f"E_{name} = {e * 1000:.4g} mV" for name, e in others if e is not None and abs(e - value) > 1e-3}


def _others_assumption(others: list[tuple[str, float | None]], value: float) -> str:
    """The formula counts K and Na only: another ion must carry no net current, passively distributed (E_X = V);
    said with how far each is from it at the model's values."""
    if not others:
        return "K and Na are the only permeant ions"
    names = ", ".join(name for name, _ in others)
    text = f"the other ions ({names}) carry no net current: passively distributed, E_X = V"
    off = _off_equilibrium(others, value)
    if off:
        text += f"; not so at the model's values ({', '.join(off.values())}, against {value * 1000:.4g} mV)"
    return text
