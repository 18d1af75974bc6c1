"""Conservation laws of an ODE system, found numerically: every c with c . f(y) = 0 for all y.

When the membrane equation and the concentration equations are driven by the same currents
(C_m dV/dt = -sum I, d N_X/dt = -I_X A/(z F), ...) a combination of states is constant (the
total charge); total calcium across buffers, total occupancy of a Markov channel likewise. Each
law gives the Jacobian a zero eigenvalue and makes the equilibria a family; the member the cell
reaches is fixed by the law's value at the start.

Found as the left null space of the right-hand side sampled at random states around the start
(rows scaled to unit size, so units do not matter), then checked at fresh random states: a
combination kept is zero there to rounding, relative to the size of its terms.

Rapid buffering makes a law nonlinear: with d[Ca]/dt = b([Ca]) (fluxes), b = 1/(1 + B K/(K + [Ca])^2),
the charge carried by calcium is that of total(Ca) = integral of d[Ca]/b([Ca]) (free plus bound),
not of [Ca]. The rate of such a state is b(x) g(y) with b depending on x alone (a "rate factor",
derive.rest.problem); the laws of the rescaled rates g = f/b are found the same way, and
sum c_i total_i(x_i) is conserved, total_i(x) = integral of dx/b_i(x) from 0 (or from the start
where b_i vanishes at 0), computed by Gauss-Legendre quadrature.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import cached_property

import numpy as np

from .bound import Bound
from .problem import RestProblem

__all__ = ["ConservedQuantity", "Law", "find_laws", "solving_largest"]

_NULL = 1e-10  # singular value (relative) below which a direction counts as conserved
_CHECK = 1e-9  # |c . f| relative to sum |c_i f_i| allowed at the check points
_NOISE = 1e-9  # a scaled coefficient this much below the largest is rounding


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
    """A conservation law in the engine's terms: sum_i c_i q_i(y_i) = value, q_i(y) = y for a linear term and
    total_i(y) for a rate-factored one (``nonlinear``); ``pivot`` the state it solves for."""

    c: np.ndarray
    pivot: int
    value: float
    quantity: ConservedQuantity | None = field(default=None, compare=False)  # None: a constraint of the engine
    nonlinear: tuple[int, ...] = ()
    totals: Callable[[np.ndarray, tuple[int, ...]], np.ndarray] | None = field(default=None, compare=False, repr=False)
    factor: Callable[[np.ndarray], np.ndarray] | None = field(default=None, compare=False, repr=False)

    @cached_property
    def _terms(self) -> tuple[list[int], np.ndarray, list[int], np.ndarray]:
        """(linear terms' states, their coefficients, nonlinear terms' states, theirs): amount runs in Newton's loop."""
        linear = [i for i in np.flatnonzero(self.c) if i not in self.nonlinear]
        return linear, self.c[linear], list(self.nonlinear), self.c[list(self.nonlinear)]

    def amount(self, y: np.ndarray) -> float:
        """sum_i c_i q_i(y_i)."""
        linear, c_linear, nonlinear, c_nonlinear = self._terms
        total = float(c_linear @ y[linear])
        if nonlinear:
            total += float(c_nonlinear @ self.totals(y, self.nonlinear))
        return total

    def gradient(self, y: np.ndarray) -> np.ndarray:
        """d amount / dy: c_i, divided by the rate factor b_i(y_i) for a nonlinear term."""
        if not self.nonlinear:
            return self.c
        _, _, nonlinear, c_nonlinear = self._terms
        out = self.c.copy()
        out[nonlinear] = c_nonlinear / self.factor(y)[nonlinear]
        return out


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


def _rates(bound: Bound, points: np.ndarray, factored: tuple[int, ...]) -> np.ndarray:
    """The rates at finite points, divided by the rate factors of the ``factored`` states."""
    values = bound.f(points)
    if factored:
        with np.errstate(all="ignore"):
            values[list(factored)] /= bound.factors(points)[list(factored)]
    return values[:, np.all(np.isfinite(values), axis=0)]


def _null_space(bound: Bound, start, scale, voltage, v_range, factored, rng) -> np.ndarray | None:
    """A basis (rows) of the c with c . g = 0 at sample points, g the (factor-divided) rates; None: too few points."""
    n = len(start)
    values = _rates(bound, _samples(start, scale, voltage, v_range, 2 * n + 8, rng), factored)
    if values.shape[1] < n + 2:
        return None
    # A state that never changes (Priebe 1998's overload trackers, whose rates are 0 times a term) is its own
    # law, set apart: in the decomposition, rounding in a state whose rates are 1e-133 would swamp it.
    still = np.all(values == 0, axis=1)
    moving = np.flatnonzero(~still)
    if not moving.size:  # nothing moves (a lone leak of conductance 0): each state is its own law
        return np.eye(n)
    values = values[moving]
    largest = np.max(np.abs(values), axis=1)
    size = largest * np.sqrt(np.mean((values / largest[:, None]) ** 2, axis=1))  # RMS; squares of 1e-193 underflow
    _, sigma, vt = np.linalg.svd((values / size[:, None]).T, full_matrices=True)
    sigma = np.concatenate([sigma, np.zeros(len(moving) - len(sigma))])
    null = np.zeros((int(still.sum()) + int(np.sum(sigma <= _NULL * max(sigma[0], 1e-300))), n))
    null[np.arange(still.sum()), np.flatnonzero(still)] = 1.0
    null[still.sum():, moving] = vt[sigma <= _NULL * max(sigma[0], 1e-300)] / size[None, :]
    return null


def _holds(c: np.ndarray, check: np.ndarray) -> bool:
    """c . g is zero at every check point, to rounding relative to its terms."""
    terms = np.abs(c[:, None] * check)
    return not np.any(np.abs(c @ check) > _CHECK * np.maximum(terms.sum(axis=0), 1e-300))


def find_laws(problem: RestProblem, bound: Bound, start: np.ndarray, scale: np.ndarray,
              v_range: tuple[float, float]) -> list[Law]:
    """The conservation laws, in reduced row-echelon form over the scaled states (each solves for one
    state, its pivot, never the membrane potential while another state will do): the linear ones,
    then those in the totals of rate-factored states."""
    voltage = problem.voltage
    rng = np.random.default_rng(20240601)
    laws: list[Law] = []
    null = _null_space(bound, start, scale, voltage, v_range, (), rng)
    if null is not None and len(null):
        check = _rates(bound, _samples(start, scale, voltage, v_range, len(start) + 4, rng), ())
        for c, pivot in _laws_of(null, scale, voltage, check):
            laws.append(Law(c, pivot, float(c @ start), _describe(problem, c, pivot, float(c @ start))))
    factored = tuple(i for i in problem.factored if i != voltage)
    if not factored:
        return laws
    null = _null_space(bound, start, scale, voltage, v_range, factored, rng)
    if null is None or not len(null):
        return laws
    check = _rates(bound, _samples(start, scale, voltage, v_range, len(start) + 4, rng), factored)
    taken = {law.pivot for law in laws}
    totals = _totals(bound, start, factored)
    for c, pivot in _laws_of(null, scale, voltage, check, factored):
        nonlinear = tuple(i for i in factored if c[i] != 0)
        if pivot not in factored or pivot in taken or not nonlinear:
            continue  # linear (found above)
        law = Law(c, pivot, 0.0, None, nonlinear, totals, bound.factors)
        value = law.amount(start)
        law = Law(c, pivot, value, _describe(problem, c, pivot, value, nonlinear), nonlinear, totals, bound.factors)
        laws.append(law)
        taken.add(pivot)
    return solving_largest(laws, start, voltage)


def solving_largest(laws: list[Law], start: np.ndarray, voltage: int) -> list[Law]:
    """Each law solving for its largest term at ``start`` (K+ in a charge law, not a buffered calcium): where
    the charge moves between ions, that state changes least in proportion. Newton's solution is the same
    whichever state a law solves for; its steps are not, nor its precision: a state a law solves for is known
    only to the rounding of the law's largest term."""
    out: list[Law] = []
    for law in laws:
        size = np.abs(law.c * start)
        size[voltage] = 0.0
        pivot = law.pivot
        for k in np.argsort(-size, kind="stable"):
            if size[k] == 0:
                break
            pivots = [*(kept.pivot for kept in out), int(k)]
            block = np.array([kept.c[pivots] for kept in [*out, law]])
            if np.linalg.matrix_rank(block) == len(pivots):  # the laws still fix their states together
                pivot = int(k)
                break
        out.append(replace(law, pivot=pivot))
    return out


_PRECISE = np.polynomial.legendre.leggauss(112)
_QUICK = np.polynomial.legendre.leggauss(48)
_SPAN = 16 * np.log(10.0)  # the log rule's nodes cover 16 decades below the amount


def path_laws(laws: list[Law], bound: Bound, start: np.ndarray) -> list[Law]:
    """The laws as the path at fixed V holds them: buffered totals by a quicker rule (48 nodes evenly in x, up
    to 7e-5 off where an amount lies far above its buffer's dissociation constant). Its points are only
    starting guesses: Newton on the whole system holds the precise laws."""
    return [replace(law, totals=_totals(bound, start, law.nonlinear, quick=True)) if law.nonlinear else law
            for law in laws]


def _totals(bound: Bound, start: np.ndarray, factored: tuple[int, ...], quick: bool = False):
    """(y, states) -> total_i(y_i) for each of ``states``: the integral of dx/b_i(x) from 0 (from the start
    where 1/b_i is not finite at 0), every state's quadrature in one evaluation (b_i depends on x_i alone).

    From 0 to a positive amount, Gauss-Legendre in log x over 16 decades below it (the rest, f(0) times its
    width): a buffer whose dissociation constant (0.25 uM) lies far below the amount (50 uM) makes 1/b steep
    near 0, which nodes spread evenly in x miss (48 of them: 7e-5 off). Within 4e-14 of the closed form of
    a single buffer, x + B x/(K + x), for K/x from 3e-7 to 1e9. ``quick``: 48 nodes evenly in x."""
    at_zero = start.copy()
    at_zero[list(factored)] = 0.0
    b = bound.factors(at_zero)
    anchors = np.where(np.isfinite(b) & (b != 0), 0.0, start)
    with np.errstate(divide="ignore"):
        inverse_at_zero = np.where(anchors == 0, 1.0 / b, 0.0)
    nodes, node_weights = _QUICK if quick else _PRECISE
    at_nodes = np.repeat(start[:, None], len(nodes), axis=1)

    def totals(y: np.ndarray, states: tuple[int, ...]) -> np.ndarray:
        index = list(states)
        low, high = anchors[index], y[index]
        half = (high - low) / 2
        points = at_nodes.copy()
        points[index] = ((high + low) / 2)[:, None] + half[:, None] * nodes
        weights = half[:, None] * node_weights
        below = 0.0
        logged = np.zeros(len(index), dtype=bool) if quick else (low == 0) & (high > 0)
        if logged.any():
            rows = np.array(index)[logged]
            in_log = np.exp(np.log(high[logged])[:, None] - (_SPAN / 2) * (1 - nodes))
            points[rows] = in_log
            weights[logged] = in_log * (_SPAN / 2) * node_weights
            below = np.where(logged, inverse_at_zero[index] * np.where(logged, high, 0.0) * np.exp(-_SPAN), 0.0)
        with np.errstate(divide="ignore"):  # a trial state where a factor is 0: an infinite total, refused
            inverse = 1.0 / bound.factors(points)[index]
        return (inverse * weights).sum(axis=1) + below

    return totals


def _echelon(rows: np.ndarray, voltage: int, first: tuple[int, ...] = (),
             clean: bool = True) -> list[tuple[np.ndarray, int]]:
    """Gauss-Jordan with complete pivoting (largest scaled coefficient), V last: [(row, pivot)], row[pivot] = 1.
    Columns in ``first`` are pivots while any row has a coefficient there; ``clean``: coefficients below
    _NOISE of the row's largest (scaled) are taken for rounding and set to 0."""
    rows = rows.copy()
    out_pivots = []
    for r in range(len(rows)):
        candidates = np.abs(rows[r:]).copy()
        if candidates.shape[1] > voltage and np.any(np.delete(candidates, voltage, axis=1) > 1e-12 * candidates.max()):
            candidates[:, voltage] = 0  # solve for V only when nothing else is in the law
        if first:
            preferred = np.zeros_like(candidates)
            preferred[:, list(first)] = candidates[:, list(first)]
            if preferred.max() > 1e-12 * candidates.max():
                candidates = preferred
        i, j = np.unravel_index(np.argmax(candidates), candidates.shape)
        rows[[r, r + i]] = rows[[r + i, r]]
        rows[r] /= rows[r, j]
        for k in range(len(rows)):
            if k != r:
                rows[k] -= rows[k, j] * rows[r]
        out_pivots.append(j)
    for row in rows if clean else ():
        row[np.abs(row) < _NOISE * np.abs(row).max()] = 0.0  # rounding left by the elimination, not a term
    return list(zip(rows, out_pivots))


def _laws_of(null: np.ndarray, scale: np.ndarray, voltage: int, check: np.ndarray, first: tuple[int, ...] = ()):
    """(c, pivot) of each law of the null space that holds at the check points: each row as the elimination
    leaves it cleaned of rounding, else as it is (a term of a state that starts a billion times smaller than the
    law's largest, Pandit 2001's open RyR state P_O2 at 1e-10, is no rounding)."""
    scaled = null * scale[None, :]
    for (clean, pivot), (raw, _) in zip(_echelon(scaled, voltage, first), _echelon(scaled, voltage, first, False)):
        for c in (clean / scale, _in_rates(raw / scale, check)):
            if c[pivot] == 0:
                continue
            c = _snap(c / c[pivot])
            if np.all(np.isfinite(c)) and _holds(c, check):  # else a near-dependence at the sample points, not a law
                yield c, pivot
                break


def _in_rates(c: np.ndarray, check: np.ndarray) -> np.ndarray:
    """``c`` without the terms whose share of c . f at the check points is rounding (below _NOISE of the rest)."""
    terms = np.abs(c[:, None] * check)
    share = (terms / np.maximum(terms.sum(axis=0), 1e-300)).max(axis=1)
    return np.where(share < _NOISE, 0.0, c)


def _snap(c: np.ndarray) -> np.ndarray:
    """Coefficients that are simple fractions to rounding (1, -1, 2, 1/2, 2/3, ...) become exactly that."""
    out = c.copy()
    for i, value in enumerate(c):
        if value == 0 or not np.isfinite(value):
            continue
        simple = Fraction(float(value)).limit_denominator(12)
        if simple != 0 and abs(value - float(simple)) <= 1e-9 * abs(value):
            out[i] = float(simple)
    return out


def _describe(problem: RestProblem, c: np.ndarray, pivot: int, value: float,
              nonlinear: tuple[int, ...] = ()) -> ConservedQuantity:
    """The law in display units: each term in the unit of the pivot state, V last; total(X) for X with its
    rapidly buffered share."""
    unit = problem.units[pivot]

    def factor(u: str) -> float:  # SI per display unit (no offset units among amounts and voltages)
        return problem.display.get(u, (1.0, 0.0))[0]

    text = []
    for i in sorted(np.flatnonzero(c), key=lambda i: (i != pivot, i == problem.voltage, i)):
        k = c[i] * factor(problem.units[i]) / factor(unit)
        size = "" if abs(abs(k) - 1) < 1e-12 else f"{abs(k):.6g}*"
        name = f"total({problem.states[i]})" if i in nonlinear else problem.states[i]
        text.append(f"{'-' if k < 0 else '+'} {size}{name}")
    combination = " ".join(text)
    combination = combination[2:] if combination.startswith("+ ") else "-" + combination[2:]
    units = ", ".join(f"{problem.states[i]} in {problem.units[i]}" for i in np.flatnonzero(c) if problem.units[i])
    name = "charge" if c[problem.voltage] != 0 else f"total_{problem.states[pivot]}"
    display = value / factor(unit)
    if nonlinear:
        units += ("; " if units else "") + "total(X) = integral of dX / b(X), b(X) the factor of X's rate (X with " \
                                           "its rapidly buffered share)"
    description = f"{combination} = {display:.10g}{' ' + unit if unit else ''}" + (f" ({units})" if units else "")
    coefficients = {problem.states[i]: float(c[i]) for i in np.flatnonzero(c)}
    return ConservedQuantity(coefficients, value, description, name, unit, display)
