"""Linear conservation laws of an ODE system, found numerically: every c with c . f(y) = 0 for all y.

When the membrane equation and the concentration equations are driven by the same currents
(C_m dV/dt = -sum I, d N_X/dt = -I_X A/(z F), ...) a combination of states is constant (the
total charge); total calcium across buffers, total occupancy of a Markov channel likewise. Each
law gives the Jacobian a zero eigenvalue and makes the equilibria a family; the member the cell
reaches is fixed by the law's value at the start.

Found as the left null space of the right-hand side sampled at random states around the start
(rows scaled to unit size, so units do not matter), then checked at fresh random states: a
combination kept is zero there to rounding, relative to the size of its terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .evaluator import Bound
from .problem import RestProblem

__all__ = ["ConservedQuantity", "Law", "find_laws"]

_NULL = 1e-10  # singular value (relative) below which a direction counts as conserved
_CHECK = 1e-9  # |c . f| relative to sum |c_i f_i| allowed at the check points


@dataclass(frozen=True)
class ConservedQuantity:
    """sum_i coefficients[i] * state_i is constant in time; ``value`` its value at the start (SI).

    ``description`` writes the combination in the states' display units (the value in ``unit``,
    the unit of its leading state); ``name`` is "charge" when the membrane potential enters it,
    else "total_<leading state>".
    """

    coefficients: dict[str, float]
    value: float
    description: str
    name: str = ""
    unit: str = ""
    display_value: float = float("nan")


@dataclass(frozen=True)
class Law:
    """A conservation law in the engine's terms: coefficient vector (SI), the state it solves for."""

    c: np.ndarray
    pivot: int
    value: float
    quantity: ConservedQuantity | None = field(default=None, compare=False)  # None: a constraint of the engine


def _samples(start: np.ndarray, scale: np.ndarray, voltage: int, v_range, count: int, rng) -> np.ndarray:
    """``count`` random states near the start (same signs; V anywhere in the range): shape (n, count)."""
    n = len(start)
    out = np.empty((n, count))
    for i in range(n):
        if i == voltage:
            out[i] = rng.uniform(v_range[0], v_range[1], count)
        elif start[i] != 0:
            out[i] = start[i] * np.exp(rng.uniform(-0.3, 0.3, count))
        else:
            out[i] = scale[i] * rng.uniform(0.01, 0.2, count)
    return out


def _finite_columns(bound: Bound, points: np.ndarray) -> np.ndarray:
    values = bound.f(points)
    return values[:, np.all(np.isfinite(values), axis=0)]


def find_laws(problem: RestProblem, bound: Bound, start: np.ndarray, scale: np.ndarray,
              v_range: tuple[float, float]) -> list[Law]:
    """The conservation laws, in reduced row-echelon form over the scaled states (each solves for one
    state, its pivot, never the membrane potential while another state will do)."""
    n = len(start)
    voltage = problem.voltage
    rng = np.random.default_rng(20240601)
    values = _finite_columns(bound, _samples(start, scale, voltage, v_range, 2 * n + 8, rng))
    if values.shape[1] < n + 2:
        return []
    size = np.sqrt(np.mean(values**2, axis=1))
    size[size == 0] = 1.0  # a state that never changes: its own law
    _, sigma, vt = np.linalg.svd((values / size[:, None]).T, full_matrices=True)
    sigma = np.concatenate([sigma, np.zeros(n - len(sigma))])
    null = vt[sigma <= _NULL * max(sigma[0], 1e-300)]
    if len(null) == 0:
        return []
    basis = null / size[None, :]  # c with c . f = 0, back in the states' own units
    rows = _echelon(basis * scale[None, :], voltage)
    check = _finite_columns(bound, _samples(start, scale, voltage, v_range, n + 4, rng))
    laws = []
    for scaled, pivot in rows:
        c = scaled / scale
        c = _snap(c / c[pivot])
        terms = np.abs(c[:, None] * check)
        if np.any(np.abs(c @ check) > _CHECK * np.maximum(terms.sum(axis=0), 1e-300)):
            continue  # not conserved after all (a near-dependence at the sample points)
        laws.append(Law(c, pivot, float(c @ start), _describe(problem, c, pivot, float(c @ start))))
    return laws


def _echelon(rows: np.ndarray, voltage: int) -> list[tuple[np.ndarray, int]]:
    """Gauss-Jordan with complete pivoting (largest scaled coefficient), V last: [(row, pivot)], row[pivot] = 1."""
    rows = rows.copy()
    out_pivots = []
    for r in range(len(rows)):
        candidates = np.abs(rows[r:]).copy()
        if candidates.shape[1] > voltage and np.any(np.delete(candidates, voltage, axis=1) > 1e-12 * candidates.max()):
            candidates[:, voltage] = 0  # solve for V only when nothing else is in the law
        i, j = np.unravel_index(np.argmax(candidates), candidates.shape)
        rows[[r, r + i]] = rows[[r + i, r]]
        rows[r] /= rows[r, j]
        for k in range(len(rows)):
            if k != r:
                rows[k] -= rows[k, j] * rows[r]
        out_pivots.append(j)
    for row in rows:
        row[np.abs(row) < 1e-12 * np.abs(row).max()] = 0.0
    return list(zip(rows, out_pivots))


def _snap(c: np.ndarray) -> np.ndarray:
    """Coefficients that are whole numbers to rounding become exactly whole (1, -1, 2, ...)."""
    whole = np.round(c)
    near = (whole != 0) & (np.abs(c - whole) <= 1e-9 * np.maximum(np.abs(c), 1.0))
    return np.where(near, whole, c)


def _describe(problem: RestProblem, c: np.ndarray, pivot: int, value: float) -> ConservedQuantity:
    """The law in display units: each term in the unit of the pivot state, V last."""
    unit = problem.units[pivot]

    def factor(u: str) -> float:  # SI per display unit (no offset units among amounts and voltages)
        return problem.display.get(u, (1.0, 0.0))[0]

    text = []
    for i in sorted(np.flatnonzero(c), key=lambda i: (i != pivot, i == problem.voltage, i)):
        k = c[i] * factor(problem.units[i]) / factor(unit)
        size = "" if abs(abs(k) - 1) < 1e-12 else f"{abs(k):.6g}*"
        text.append(f"{'-' if k < 0 else '+'} {size}{problem.states[i]}")
    combination = " ".join(text)
    combination = combination[2:] if combination.startswith("+ ") else "-" + combination[2:]
    units = ", ".join(f"{problem.states[i]} in {problem.units[i]}" for i in np.flatnonzero(c) if problem.units[i])
    name = "charge" if c[problem.voltage] != 0 else f"total_{problem.states[pivot]}"
    display = value / factor(unit)
    description = f"{combination} = {display:.10g}{' ' + unit if unit else ''}" + (f" ({units})" if units else "")
    coefficients = {problem.states[i]: float(c[i]) for i in np.flatnonzero(c)}
    return ConservedQuantity(coefficients, value, description, name, unit, display)
