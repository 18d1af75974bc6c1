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

import numpy as np
import sympy as sp

from ..constants import V
from ..derivation import NotApplicable
from ..functions import NUMPY_FUNCTIONS
from ..model import Model

__all__ = ["ReducedModel", "reduced_model", "integrate_reduced"]


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
        others = "V and its channels' gates are the only states" if len(model.states) > 1 else "V is the only state"
        raise NotApplicable(f"needs concentration dynamics (a membrane area and a cell volume): without them {others}, "
                            "nothing slow for V to follow, and the reduced model is just V = V_ss")
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



def integrate_reduced(model: Model, start: dict[sp.Symbol, float], segments, times: np.ndarray,
                      rtol: float = 1e-10, atol: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Integrate the reduced model: (slow states (n_slow, nt), slaved V (nt,)) at ``times`` (SI).

    ``start`` is the state at the first segment's t_from; ``segments`` lists (t_from, parameter values)
    in time order: the values in force from t_from on (a scenario switches the pump at its time). V solves the current balance at each instant (brentq:
    the balance increases with V, so its root is unique). Each slow state's absolute tolerance is ``atol``
    (default rtol/100) times its size at the start.
    """
    from scipy.integrate import solve_ivp
    from scipy.optimize import brentq

    reduced = reduced_model(model)
    slow = reduced.states
    x = np.array([start[s] for s in slow], dtype=float)
    atol = (rtol / 100 if atol is None else atol) * np.abs(x)
    states, voltages = np.empty((len(slow), len(times))), np.empty(len(times))
    ends = [t for t, _ in segments[1:]] + [np.inf]
    for (t_from, values), t_next in zip(segments, ends):
        modules = [NUMPY_FUNCTIONS, "numpy"]
        balance = sp.lambdify([V, slow], reduced.constraint.xreplace(values), modules=modules)
        rates = sp.lambdify([V, slow], [reduced.rhs[s].xreplace(values) for s in slow], modules=modules)

        def slaved(y, balance=balance):
            try:
                return brentq(lambda v: balance(v, y), -1.0, 1.0, xtol=1e-15, rtol=1e-14)
            except ValueError:  # no sign change: the balance has no root between -1 V and +1 V
                raise NotApplicable("the reduced model has no potential between -1 V and +1 V that balances "
                                    f"the currents at {np.array2string(np.asarray(y), precision=4)}") from None

        here = (times >= t_from) & (times < t_next)
        t0, t1 = float(t_from), min(t_next, float(times[-1]))
        if t1 < t0:
            continue
        grid = np.unique(np.concatenate([[t0], times[here], [t1]]))
        if t1 > t0:
            sol = solve_ivp(lambda t, y, rates=rates, slaved=slaved: rates(slaved(y), y), (t0, t1), x,
                            method="LSODA", rtol=rtol, atol=atol, t_eval=grid)
            if not sol.success:
                raise NotApplicable(f"the reduced model's integration failed: {sol.message}")
            path = sol.y
        else:
            path = x[:, None]
        if here.any():
            states[:, here] = path[:, np.searchsorted(grid, times[here])]
            voltages[here] = [slaved(states[:, k]) for k in np.flatnonzero(here)]
        x = path[:, -1]
    return states, voltages
