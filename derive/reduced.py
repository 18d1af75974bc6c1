"""Time-scale separation: the reduced model with V slaved to the concentrations (C_m -> 0).

tau_m (ms) is far shorter than the rundown (s to h), so on the slow time scale
the capacitor is always charged: C_m dV/dt -> 0 leaves the current balance
I_total(V, N, Vol) = 0 as an algebraic equation for V at each instant. The
amounts and the volume keep their equations. Differentiating the constraint
along the flow gives V its own (slaved) equation:

    dV/dt = -(sum_k dI_total/dx_k * dx_k/dt) / (dI_total/dV).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .constants import V
from .derivation import NotApplicable
from .model import Model

__all__ = ["ReducedModel", "reduced_model"]


@dataclass(frozen=True)
class ReducedModel:
    """The slow states, their right-hand sides (with V in them), and V's defining constraint."""

    states: tuple[sp.Symbol, ...]
    rhs: dict[sp.Symbol, sp.Expr]
    constraint: sp.Expr  # I_total(V, states) = 0 fixes V
    V_closed: sp.Expr | None  # V from the constraint in closed form (ohmic leaks), else None
    dVdt: sp.Expr  # the slaved V's rate from differentiating the constraint


def reduced_model(model: Model) -> ReducedModel:
    """Derive the reduced ODE system of ``model`` (NotApplicable without concentration dynamics)."""
    if not model.dynamic_ions:
        raise NotApplicable("needs concentration dynamics (a membrane area and a cell volume): without them V "
                            "is the only state and the reduced model is just V = V_ss")
    full = model.rhs()
    states = tuple(s for s in full if s != V)
    # C_m dV/dt = -I_total: with C_m -> 0 the right side of dV/dt times -C_m must vanish.
    subs = dict(model.algebraic)
    constraint = model.expand(sp.Symbol("I_total", real=True))
    for _ in range(2):
        constraint = constraint.xreplace(subs)
    V_closed = None
    if constraint.is_polynomial(V) and sp.degree(constraint, V) == 1:
        V_closed = sp.solve(constraint, V)[0]
    rhs = {s: full[s] for s in states}
    rate = -sp.Add(*[sp.diff(constraint, s) * rhs[s] for s in states]) / sp.diff(constraint, V)
    return ReducedModel(states, rhs, constraint, V_closed, rate)
