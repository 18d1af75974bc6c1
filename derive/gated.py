"""The steady-state current of a model with gated channels: every gate at x_inf(V).

A resting state of a gated model has each gate at its steady state x_inf(V) (gates depend on V
alone), so its potential is a root of the steady-state current I_ss(V) = I_total(V, x_inf(V)).
There may be several (a bistable cell). ``balance_roots`` finds every root in a voltage range
(a fine scan for sign changes, each refined to WORKING_DIGITS); ``start_potential`` picks the one
a simulation starts from when the file gives none: the most negative stable root (the eigenvalues of
the linearised V and gates all decaying), derive's V_ss; failing one, the most negative root where
I_ss rises with V (dI_ss/dV > 0, necessary for a stable rest under current clamp).
"""

from __future__ import annotations

from collections.abc import Mapping

import mpmath
import numpy as np
import sympy as sp

from .channels import gate_steady
from .constants import I_stim, V
from .derivation import _MPMATH_FUNCTIONS, WORKING_DIGITS, NoSteadyState, as_numbers
from .functions import NUMPY_FUNCTIONS
from .model import Model

__all__ = ["V_RANGE", "balance_roots", "gate_steady_states", "gated", "pump_off_path", "stable_root", "start_potential",
           "steady_current", "v_and_gates_only"]

V_RANGE = (-0.150, 0.060)  # V (SI): where resting states are looked for
_SCAN_POINTS = 4201  # every 0.05 mV over V_RANGE


def gated(model: Model) -> bool:
    """Whether the model has gates (states besides V, amounts and volume)."""
    return any(channel.gates for channel in model.channels)


def gate_steady_states(model: Model) -> dict[sp.Symbol, sp.Expr]:
    """{gate state: x_inf(V)} (the temperature factor cancels from x_inf)."""
    return {gate.symbol: gate_steady(gate) for channel in model.channels for gate in channel.gates}


def steady_current(model: Model) -> sp.Expr:
    """I_ss(V): the total membrane current with every gate at x_inf(V), in V and parameters."""
    total = model.expand(sp.Symbol("I_total", real=True))
    return total.xreplace(gate_steady_states(model))


def balance_roots(model: Model, values: Mapping[sp.Symbol, sp.Expr] | None = None,
                  v_range: tuple[float, float] = V_RANGE) -> list[float]:
    """Every root of I_ss(V) + I_pump - I_stim = 0 in ``v_range`` (SI), at ``values`` (default: the model's)."""
    values = dict(model.values if values is None else values)
    current = steady_current(model) - (I_stim if model.stimulus else 0)
    fixed = sp.sympify(current).xreplace(as_numbers({k: v for k, v in values.items() if k != V}))
    if fixed.free_symbols - {V}:
        names = ", ".join(sorted(s.name for s in fixed.free_symbols - {V}))
        raise NoSteadyState(f"the steady-state current depends on {names}, not only on V")
    fast = sp.lambdify(V, fixed, modules=[NUMPY_FUNCTIONS, "numpy"])
    grid = np.linspace(*v_range, _SCAN_POINTS)
    with np.errstate(all="ignore"):
        sampled = np.broadcast_to(np.asarray(fast(grid), dtype=float), grid.shape)
    exact = sp.lambdify(V, fixed, modules=[_MPMATH_FUNCTIONS, "mpmath"])
    roots = []
    with mpmath.workdps(WORKING_DIGITS):
        for k in range(len(grid) - 1):
            a, b = sampled[k], sampled[k + 1]
            if a == 0:
                roots.append(float(grid[k]))
            elif np.isfinite(a) and np.isfinite(b) and a * b < 0:
                root = mpmath.findroot(exact, (mpmath.mpf(grid[k]), mpmath.mpf(grid[k + 1])), solver="anderson")
                roots.append(float(root))
    return roots


def start_potential(model: Model, values: Mapping[sp.Symbol, sp.Expr] | None = None) -> float:
    """The most negative stable root of the steady-state current, else the most negative one where it rises
    with V (module docstring); stability is judged at the model's own values only."""
    given_values = values is None
    values = dict(model.values if values is None else values)
    roots = balance_roots(model, values)
    current = steady_current(model)
    numbers = as_numbers({k: v for k, v in values.items() if k != V})
    slope = sp.lambdify(V, sp.diff(sp.sympify(current).xreplace(numbers), V),
                        modules=[_MPMATH_FUNCTIONS, "mpmath"])
    with mpmath.workdps(WORKING_DIGITS):
        rising = [v for v in roots if slope(mpmath.mpf(v)) > 0]
    if rising and given_values and v_and_gates_only(model):  # a rising root can still oscillate away (Hopf)
        rising = [v for v in rising if stable_root(model, v)] or rising
    if not rising:
        low, high = (f"{x * 1000:g} mV" for x in V_RANGE)
        raise NoSteadyState(f"the steady-state current (every gate at x_inf) has no root where it rises with V "
                            f"between {low} and {high}" + (f"; roots at {', '.join(f'{v * 1000:.6g}' for v in roots)} "
                                                           "mV, each unstable" if roots else ""))
    return rising[0]


def pump_off_path(model: Model, v_start: float, steps: int = 400) -> tuple[float | None, float, float]:
    """The rest with the pump at each fraction s of its rate, followed from s = 1 (``v_start``, SI) down to 0:
    (V at s = 0, 0, V there), or (None, s, V) where the branch ends at a fold first (its slope dI_ss/dV reaches 0,
    or Newton finds no root near the last one): s and V at the fold, to 1e-12 of the pump. The concentrations as
    given."""
    rate = model.pump.rate
    numbers = as_numbers({k: v for k, v in model.values.items() if k not in (V, rate)})
    current = sp.sympify(steady_current(model)).xreplace(numbers)
    f = sp.lambdify((V, rate), current, modules=[NUMPY_FUNCTIONS, "numpy"])
    slope = sp.lambdify((V, rate), sp.diff(current, V), modules=[NUMPY_FUNCTIONS, "numpy"])
    full = float(model.values[rate])

    def settle(v: float, s: float) -> float | None:
        """Newton from the last rest v at the fraction s: the rest there, or None (no rising root within 2 mV)."""
        x = v
        for _ in range(50):
            step = f(x, full * s) / slope(x, full * s)
            x -= step
            if not np.isfinite(x) or abs(x - v) > 0.002:
                return None
            if abs(step) <= 1e-15 + 1e-12 * abs(x):
                return x if slope(x, full * s) > 0 else None
        return None

    v, held = float(v_start), 1.0
    with np.errstate(all="ignore"):
        for s in np.linspace(1.0, 0.0, steps + 1)[1:]:
            x = settle(v, float(s))
            if x is None:  # the fold lies between s and held: bisect for it
                lost = float(s)
                while held - lost > 1e-12:
                    mid = (held + lost) / 2
                    x = settle(v, mid)
                    if x is None:
                        lost = mid
                    else:
                        v, held = x, mid
                return None, held, v
            v, held = x, float(s)
    return v, 0.0, v


def v_and_gates_only(model: Model) -> bool:
    gates = set(gate_steady_states(model))
    return all(s.symbol == V or s.symbol in gates for s in model.states)


def stable_root(model: Model, v: float) -> bool:
    """Whether every eigenvalue of the linearised V and gates decays at the root ``v`` (gates at x_inf(v))."""
    from .quasi_active import quasi_active  # here: quasi_active reads the channels this module serves

    with mpmath.workdps(WORKING_DIGITS):
        at = {V: mpmath.mpf(v)}
        state = {"V": v} | {x.name: float(sp.sympify(inf).xreplace(as_numbers(model.values)).xreplace(at)
                                          .evalf(WORKING_DIGITS))
                            for x, inf in gate_steady_states(model).items()}
    return bool(np.all(quasi_active(model, state).eigenvalues().real < 0))
