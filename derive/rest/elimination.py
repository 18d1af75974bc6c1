"""What can be eliminated at fixed V: the states whose rates are linear in them with coefficients that
depend on V only.

A gate (dx/dt = alpha(V)(1 - x) - beta(V) x, or (x_inf(V) - x)/tau(V)) is one such state: at fixed V
its only equilibrium is x_inf(V) = -a/b for dx/dt = a + b x, which is f(0) / (f(0) - f(1)) from
the right-hand side at x = 0 and x = 1: exact to rounding, and needing nothing but the evaluator.
The states of a Markov channel are a linear group: at fixed V, A(V) x + b(V) = 0, with the
channel's conservation law (its occupancies sum to 1) in place of one row; A's columns come from
the right-hand side at the unit vectors the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .bound import Bound

if TYPE_CHECKING:
    from .evaluator import Prepared

__all__ = ["linear_states", "Elimination", "elimination"]


def linear_states(prepared: Prepared) -> tuple[tuple[int, ...], tuple[tuple[int, ...], ...]]:
    """(gates, groups): single states, and groups of coupled states, whose rates depend on V and on
    states of the same kind only, linearly in the latter, and each on the state itself."""
    states = prepared.states
    voltage = prepared.system.voltage_index
    index = {s: i for i, s in enumerate(states)}
    uses = [{index[s] for s in prepared.depends(rhs) if s in index} - {voltage} for rhs in prepared.rhs]
    # Gates are fractions, without a unit. An ion amount of a cell of fixed volume is linear at fixed V too (a
    # GHK leak), but at "its steady state" its current would vanish: the slope conductance holds it instead.
    from ..units import dimensionality  # pint: on the symbolic path only

    fraction = [not s.unit or not dimensionality(s.unit) for s in prepared.system.states]
    kept = {i for i in range(len(states)) if i != voltage and i in uses[i] and fraction[i]}
    changed = True
    while changed:  # drop states that need a dropped state, until none does
        changed = False
        for i in sorted(kept):
            if not uses[i] <= kept:
                kept.discard(i)
                changed = True
    rows = prepared.jacobian_entries
    linear = set()
    for i in kept:  # linear: no coefficient d rate_i / d x_j depends on a state of the group
        inside = {states[j] for j in uses[i]}
        if all(not (prepared.depends(rows[i].get(j, 0)) & inside) for j in uses[i]):
            linear.add(i)
    while True:  # a nonlinear state makes those that use it slow too
        bad = {i for i in linear if not uses[i] <= linear}
        if not bad:
            break
        linear -= bad
    groups = _components(sorted(linear), uses)
    return tuple(g[0] for g in groups if len(g) == 1), tuple(g for g in groups if len(g) > 1)


def _components(members: list[int], uses: list[set[int]]) -> list[tuple[int, ...]]:
    """Connected components of the graph 'i uses j' over ``members``, each sorted, in order."""
    neighbours = {i: set() for i in members}
    for i in members:
        for j in uses[i]:
            if j != i and j in neighbours:
                neighbours[i].add(j)
                neighbours[j].add(i)
    seen: set[int] = set()
    out = []
    for i in members:
        if i in seen:
            continue
        stack, component = [i], set()
        while stack:
            k = stack.pop()
            if k not in component:
                component.add(k)
                stack.extend(neighbours[k] - component)
        seen |= component
        out.append(tuple(sorted(component)))
    return out


@dataclass(frozen=True)
class Elimination:
    """The gates, and the linear groups with the conservation laws within each (row in the group,
    coefficients over the group, value)."""

    gates: tuple[int, ...] = ()
    groups: tuple[tuple[int, ...], ...] = ()
    group_laws: tuple[tuple[tuple[int, np.ndarray, float], ...], ...] = ()

    @property
    def states(self) -> tuple[int, ...]:
        return tuple(sorted([*self.gates, *(i for g in self.groups for i in g)]))

    def steady(self, bound: Bound, y: np.ndarray) -> np.ndarray:
        """``y`` (shape (n,) or (n, N)) with every eliminated state at its steady state for the V in ``y``."""
        if not self.gates and not self.groups:
            return y
        gates = list(self.gates)
        zero = y.copy()
        zero[list(self.states)] = 0.0
        f0 = bound.f(zero)
        out = y.copy()
        width = max([1, *(len(g) for g in self.groups)])
        columns = []
        for k in range(width):  # member k of every group at 1, the gates at 1 the first time
            unit = zero.copy()
            if k == 0:
                unit[gates] = 1.0
            for group in self.groups:
                if k < len(group):
                    unit[group[k]] = 1.0
            with np.errstate(all="ignore"):  # a state far out (V = 212 V): rates of inf, a NaN column, refused later
                columns.append(bound.f(unit) - f0)
        with np.errstate(all="ignore"):
            if gates:
                out[gates] = -f0[gates] / columns[0][gates]
            for group, laws in zip(self.groups, self.group_laws):
                out[list(group)] = _solve_group(group, laws, f0, columns)
        return out

    def steady_point(self, bound: Bound, y: np.ndarray) -> np.ndarray:
        """One state ``y`` (shape (n,)) with every eliminated state at its steady state for its V."""
        return self.steady(bound, y[:, None])[:, 0]

    def slope(self, jacobian: np.ndarray, voltage: int) -> float:
        """d(dV/dt)/dV with every eliminated state at its steady state and the others held."""
        states = list(self.states)
        slope = jacobian[voltage, voltage]
        if not states:
            return float(slope)
        block = jacobian[np.ix_(states, states)].copy()
        right = -jacobian[states, voltage].copy()
        position = {s: k for k, s in enumerate(states)}
        for group, laws in zip(self.groups, self.group_laws):
            for row, c, _ in laws:
                k = position[group[row]]
                block[k] = 0.0
                block[k, [position[s] for s in group]] = c
                right[k] = 0.0
        derivative = np.linalg.solve(block, right)  # d x_eliminated / dV
        return float(slope + jacobian[voltage, states] @ derivative)


def _solve_group(group, laws, f0: np.ndarray, columns: list[np.ndarray]) -> np.ndarray:
    """A x = -b for one group (rows of its laws replaced), at every point at once."""
    m = len(group)
    a = np.stack([columns[k][list(group)] for k in range(m)], axis=1)  # (m, m) or (m, m, N)
    b = -f0[list(group)]
    for row, c, value in laws:
        a[row] = c[:, None] if a.ndim == 3 else c
        b[row] = value
    single = a.ndim == 2
    if single:
        a, b = a[..., None], b[..., None]
    stacked_a, stacked_b = np.moveaxis(a, 2, 0), b.T  # (N, m, m), (N, m)
    try:
        solution = np.linalg.solve(stacked_a, stacked_b[..., None])[..., 0]
    except np.linalg.LinAlgError:  # singular at some point (no steady state there): NaN at those only
        solution = np.full(stacked_b.shape, np.nan)
        for k in range(len(stacked_a)):
            try:
                solution[k] = np.linalg.solve(stacked_a[k], stacked_b[k])
            except np.linalg.LinAlgError:
                pass
    return solution[0] if single else solution.T


def elimination(gates: tuple[int, ...], groups: tuple[tuple[int, ...], ...], laws) -> Elimination:
    """The Elimination with each group's laws; a group a law ties to other states is not eliminated."""
    kept, kept_laws = [], []
    for group in groups:
        inside, tied = [], False
        for law in laws:
            support = set(np.flatnonzero(law.c))
            if support <= set(group) and not law.nonlinear:
                inside.append((group.index(law.pivot), law.c[list(group)], law.value))
            elif support & set(group) or (support <= set(group) and law.nonlinear):
                tied = True
        if not tied:
            kept.append(group)
            kept_laws.append(tuple(inside))
    return Elimination(tuple(gates), tuple(kept), tuple(kept_laws))
