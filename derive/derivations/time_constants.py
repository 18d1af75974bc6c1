"""Time constants of the full model: linearise about the steady state, eigenvalues -> -1/lambda.

The states are x = (V, N_X..., Vol). Charge is conserved,
Q = C_m A V - F (sum z_X N_X + z_A N_A), so the Jacobian J = df/dx has one zero
eigenvalue (moving along the family of steady states with other charges). We
remove it exactly: in the coordinates (Q, N_X..., Vol) the Jacobian is block
triangular with a 0 for Q, and the rest is

    J_red = J[x, x] + J[x, V] (dV/dx),   dV/dN_X = F z_X / (C_m A),  dV/dVol = 0,

whose eigenvalues are J's other eigenvalues. J_red is symbolic; its
eigenvalues are taken in closed form for one or two states (never a slow
general `eigenvals`), numerically (mpmath, 40 digits) otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import mpmath
import sympy as sp

from ..constants import C_m, F, V, Vol, area
from ..derivation import _MPMATH_FUNCTIONS, WORKING_DIGITS, Derivation, NoSteadyState, NotApplicable, Step, equation
from ..model import Model
from ..quantities import Derivations
from ..registry import quantity
from .resting import at_each_steady_state

__all__ = ["Linearisation", "jacobian", "reduced_jacobian", "linearise", "linearise_at", "scaled_matrix",
           "lambda_slow", "tau_slow_symbol"]

lambda_slow = sp.Symbol("lambda_slow", negative=True)  # the eigenvalue nearest 0 (1/s)
tau_slow_symbol = sp.Symbol("tau_slow", positive=True)


@dataclass(frozen=True)
class Linearisation:
    """The linearised model at a steady state: symbolic J and J_red, numeric point and eigenvalues."""

    states: tuple[sp.Symbol, ...]
    jacobian: sp.Matrix
    reduced_states: tuple[sp.Symbol, ...]
    reduced_jacobian: sp.Matrix
    point: dict[sp.Symbol, float]  # the steady state
    eigenvalues: tuple[complex, ...]  # of J_red, slowest first (1/s)
    closed_form: tuple[sp.Expr, ...] | None  # the eigenvalues in closed form, when found

    @property
    def time_constants(self) -> tuple[float, ...]:
        """-1/Re(lambda) for each eigenvalue, slowest first (s)."""
        return tuple(-1 / lam.real for lam in self.eigenvalues)


def jacobian(model: Model) -> tuple[tuple[sp.Symbol, ...], sp.Matrix]:
    """The states and the symbolic Jacobian d rhs / d state of the full model."""
    rhs = model.rhs()
    states = tuple(rhs)
    return states, sp.Matrix([rhs[s] for s in states]).jacobian(states)


def reduced_jacobian(model: Model) -> tuple[tuple[sp.Symbol, ...], sp.Matrix]:
    """J_red: the Jacobian with V eliminated by charge conservation (the zero eigenvalue removed)."""
    states, J = jacobian(model)
    if states == (V,):
        return states, J
    valence = {ion.amount: ion.valence for ion in model.dynamic_ions}
    dV = sp.Matrix([[F * valence[s] / (C_m * area) if s in valence else 0 for s in states[1:]]])
    return states[1:], J[1:, 1:] + J[1:, 0] * dV


def _closed_eigenvalues(matrix: sp.Matrix) -> tuple[sp.Expr, ...] | None:
    """Eigenvalues of a 1x1 or 2x2 matrix from its trace and determinant (fast); None for larger ones."""
    if matrix.shape == (1, 1):
        return (matrix[0, 0],)
    if matrix.shape == (2, 2):
        trace, det = matrix.trace(), matrix.det(method="bareiss")
        root = sp.sqrt(trace ** 2 / 4 - det)
        return (trace / 2 + root, trace / 2 - root)
    return None


@lru_cache(maxsize=16)  # tau_slow, tau_fast and the report read the same one
def linearise(model: Model, pump_scale: sp.Expr = 1) -> Linearisation:
    """Linearise the full model about its steady state (with the pump rate scaled by ``pump_scale``).

    Raises NoSteadyState when there is no steady state or it is unstable.
    """
    from ..steady_state import steady_state

    lin = linearise_at(model, steady_state(model, pump_scale), pump_scale)
    unstable = [lam for lam in lin.eigenvalues if lam.real >= 0]
    if unstable:
        raise NoSteadyState(f"the steady state is not stable: eigenvalue {unstable[0]:.6g} 1/s has a real part >= 0")
    return lin


def linearise_at(model: Model, point: dict[sp.Symbol, float], pump_scale: sp.Expr = 1) -> Linearisation:
    """Linearise the full model about its steady state ``point`` (one of several: each state's SI value)."""
    return _linearise_at(model, tuple(point.items()), pump_scale)


@lru_cache(maxsize=16)  # tau_slow and tau_fast read the same one at each of several steady states
def _linearise_at(model: Model, items: tuple[tuple[sp.Symbol, float], ...], pump_scale: sp.Expr) -> Linearisation:
    from ..steady_state import scenario_values

    point = dict(items)
    states, J = jacobian(model)
    reduced, J_red = reduced_jacobian(model)
    values = scenario_values(model, pump_scale)
    with mpmath.workdps(WORKING_DIGITS):
        entries = _without_held(scaled_matrix(J_red, reduced, point, values))
        try:
            eigen = mpmath.eig(entries, left=False, right=False)
        except RuntimeError as failure:  # mpmath's QR iteration: "failed to converge after N steps"
            raise NotApplicable(f"the eigenvalues of the Jacobian at the steady state were not found "
                                f"({str(failure).splitlines()[0]})") from None
    eigenvalues = sorted((complex(lam) for lam in eigen), key=lambda lam: abs(lam.real))
    return Linearisation(states, J, reduced, J_red, point, tuple(eigenvalues), _closed_eigenvalues(J_red))


def scaled_matrix(matrix: sp.Matrix, states, point: dict, values: dict) -> mpmath.matrix:
    """``matrix`` (a Jacobian over ``states``) at the steady state ``point``, as mpmath numbers (call inside
    mpmath.workdps), scaled by the state magnitudes: D^-1 J D has the same eigenvalues, better conditioned."""
    at = {**values, **{s: sp.Float(repr(v), WORKING_DIGITS) for s, v in point.items()}}
    scale = [abs(point[s]) or 1.0 for s in states]
    entries = mpmath.matrix(len(states), len(states))
    for i in range(len(states)):
        for j in range(len(states)):
            value = sp.sympify(matrix[i, j]).xreplace(at).evalf(WORKING_DIGITS)
            if not value.is_Number:
                raise NotApplicable(f"the Jacobian entry {i},{j} did not evaluate to a number")
            entries[i, j] = mpmath.mpf(str(value)) * scale[j] / scale[i]
    return entries


def _without_held(entries: mpmath.matrix) -> mpmath.matrix:
    """``entries`` without the rows (and columns) of amounts nothing moves (a blocked leak's ion at a step or sweep
    point: its row is 0). Such an amount only keeps its value, an eigenvalue 0 that is no time constant; the others
    are the eigenvalues of what remains (expand the determinant along the zero row)."""
    n = entries.rows
    kept = [i for i in range(n) if any(entries[i, j] != 0 for j in range(n))]
    if len(kept) in (0, n):
        return entries
    out = mpmath.matrix(len(kept), len(kept))
    for a, i in enumerate(kept):
        for b, j in enumerate(kept):
            out[a, b] = entries[i, j]
    return out


def _describe(lin: Linearisation) -> str:
    pairs = ", ".join(f"{-1 / lam.real:.6g} s" for lam in lin.eigenvalues)
    return pairs


@quantity("tau_slow")
def slow_time_constant(ctx: Derivations) -> Derivation:
    model = ctx.model
    if not model.dynamic_ions:
        if model.channels and len(model.states) > 1:
            raise NotApplicable("needs concentration dynamics (a membrane area and a cell volume); the time constants "
                                "of V and the gates are in eigenvalues")
        raise NotApplicable("needs concentration dynamics (a membrane area and a cell volume): V is the only "
                            "state, and its one time constant is tau_m")
    ctx.get("V_ss")  # without a steady state, its reason, found once
    lin = linearise(model)
    slowest = lin.eigenvalues[0]
    several = at_each_steady_state(ctx, -1 / slowest.real, lambda point: -1 / linearise_at(model, point)
                                   .eigenvalues[0].real)
    assumptions = [
        "linearisation of the full model (V, ion amounts" + (", volume" if Vol in lin.states else "")
        + ") about its steady state with the pump on",
        "charge Q = C_m A V - F (sum z_X N_X + z_A N_A) is conserved: the Jacobian's zero eigenvalue "
        "(the family of steady states with other charges) is removed by eliminating V = V(Q, N)",
        f"time constants -1/Re(lambda) of the remaining eigenvalues: {_describe(lin)}",
    ]
    if any(abs(lam.imag) > 0 for lam in lin.eigenvalues):
        assumptions.append("complex eigenvalues: damped oscillations; the time constant is -1/Re(lambda)")
    steps = (
        Step("Linearise dx/dt = f(x) about the steady state x*: d(x - x*)/dt = J_red (x - x*). A deviation "
             "along the eigenvector of the eigenvalue nearest zero, lambda_slow, decays as exp(lambda_slow t) "
             "= exp(-t/tau_slow)", equation(lambda_slow * tau_slow_symbol, -1)),
        Step("Solve for tau_slow", equation(tau_slow_symbol, -1 / lambda_slow)),
    )
    method = "numeric"
    expression = -1 / lambda_slow
    if lin.closed_form is not None:
        assumptions.append("eigenvalues of J_red in closed form (trace and determinant), evaluated at the "
                           "numeric steady state")
    return Derivation("tau_slow", expression, unit="s", **several,
                      description="slowest time constant of the full model (concentration rundown), -1/lambda_slow",
                      method=method, assumptions=tuple(assumptions), steps=steps)
