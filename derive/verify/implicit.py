"""Quantities without a closed form, as numeric targets for verification.

A steady state with GHK leaks and a pump (V_ss) or a pump-leak volume is the
root x of balance(x, parameters) = 0. At each sample point the root is found
with mpmath (bracket, then a bracketing secant method) at 50 digits, so a
claimed formula can be compared with it point by point. Optionally a closed
form is added to the root (dV_pump = V_ss - V_leak).

A quantity defined at the steady state (g_leak and tau_m with GHK leaks, I_K at
rest) is a function of the parameters too: `Substituted` evaluates its
expression with V at the resting potential of the same point, so V is never an
input of its own. A quantity known only by its value (the full steady state of
a model whose concentrations move) is a `ValueOnly`, recomputed by the model
when the temperature changes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import mpmath
import sympy as sp

from ..constants import V
from ._numeric import DPS, Point, evaluate

__all__ = ["Implicit", "Substituted", "ValueOnly", "at_model_values_only", "known_state", "substituted", "value_at_state",
           "value_only_ids"]

_WIDEN = 16  # brackets from 1e-6 (relative, or V) to 4^15 times that


@dataclass(frozen=True)
class Implicit:
    """The root of balance = 0 in unknown (plus `plus`), near `guess`.

    positive: the unknown is positive (a volume): the bracket is widened by
    factors; otherwise by steps (a potential in volts).
    """

    balance: sp.Expr
    unknown: sp.Symbol
    guess: float
    positive: bool = False
    plus: sp.Expr = sp.S.Zero
    name: str = "the correct side"  # the quantity it is (V_ss), for the answer's words
    at_file: bool = False  # defined at the file's concentrations (V_balance): taken there beside a steady state's

    @property
    def free_symbols(self) -> set[sp.Symbol]:
        return (self.balance.free_symbols - {self.unknown}) | self.plus.free_symbols

    def _f(self, point: Point):
        def f(x: mpmath.mpf) -> mpmath.mpf:
            value = evaluate(self.balance, {**point, self.unknown: x})
            if value is None:
                raise ValueError("balance undefined")
            return value

        return f

    def _bracket(self, f) -> tuple[mpmath.mpf, mpmath.mpf] | None:
        """The narrowest of a widening series of brackets round the guess that holds a sign change: the root
        nearest the guess (a bistable cell's rest, not another equilibrium further off)."""
        g = mpmath.mpf(self.guess)
        step = mpmath.mpf("1e-6")  # relative for a positive unknown, volts for a potential
        for _ in range(_WIDEN):
            lo, hi = (g / (1 + step), g * (1 + step)) if self.positive else (g - step, g + step)
            if f(lo) * f(hi) <= 0:
                return lo, hi
            step *= 4
        return None

    def __call__(self, point: Point) -> mpmath.mpf | None:
        with mpmath.workdps(DPS):
            f = self._f(point)
            try:
                bracket = self._bracket(f)
                if bracket is None:
                    return None
                root = mpmath.findroot(f, bracket, solver="anderson", tol=mpmath.mpf(10) ** (-DPS + 5))
            except (ValueError, ZeroDivisionError):
                return None
            extra = evaluate(self.plus, point)
            return None if extra is None else root + extra


@dataclass(frozen=True)
class ValueOnly:
    """A quantity known only by its value at the model's parameters (e.g. the
    pump-leak steady volume, which needs the steady amounts N_X, or tau_slow):
    a claim can be compared with it at those values and nowhere else.

    recompute(changes) gives the value with some parameters changed ({T: 300}),
    for "exact at T"; None when it cannot be recomputed.
    """

    quantity_id: str
    value: float
    recompute: Callable[[Mapping[sp.Symbol, mpmath.mpf]], float | None] | None = None
    reference: Mapping[sp.Symbol, float] | None = None  # the model's values, to see what a point changes
    # The values some symbols take where the quantity is known, when they are not the model's: the steady
    # state's inside concentrations for V_ss of a cell whose concentrations move.
    state: Mapping[sp.Symbol, float] = field(default_factory=dict)
    potential: float | None = None  # V at that state (V_ss): a claim's V is taken there too, not at the file's rest

    @property
    def free_symbols(self) -> set[sp.Symbol]:
        return set()

    def __call__(self, point: Point) -> mpmath.mpf | None:
        """The value at the model's values, or recomputed where the point changes a parameter."""
        reference = {**(self.reference or {}), **self.state}
        changes = {s: v for s, v in point.items() if s in reference and abs(v - mpmath.mpf(reference[s])) >
                   mpmath.mpf(10) ** -12 * max(abs(v), 1)}
        if not changes:
            return mpmath.mpf(self.value)
        if self.recompute is None:
            return None
        value = self.recompute(changes)
        return None if value is None else mpmath.mpf(value)


@dataclass(frozen=True)
class Substituted:
    """expr with some symbols set, at each point, to the values of targets (V to the resting potential)."""

    expr: sp.Expr
    targets: tuple[tuple[sp.Symbol, object], ...]  # (symbol, Side) in the order they are evaluated

    @property
    def free_symbols(self) -> set[sp.Symbol]:
        out = self.expr.free_symbols - {s for s, _ in self.targets}
        for _, target in self.targets:
            out |= target.free_symbols  # type: ignore[attr-defined]
        return out

    def __call__(self, point: Point, given: Point | None = None) -> mpmath.mpf | None:
        """The value at ``point``; with ``given`` (the file's values, where ``point`` holds a steady state's
        concentrations) a quantity defined at the file's concentrations (V_balance) is taken there, V at rest not."""
        values = self.solved(point, given)
        return None if values is None else evaluate(self.expr, values)

    def solved(self, point: Point, given: Point | None = None) -> dict[sp.Symbol, mpmath.mpf] | None:
        """``point`` with each target's symbol at its value there (V at the resting potential); None where one is
        undefined."""
        values = dict(point)
        for symbol, target in self.targets:
            at = given if given is not None and getattr(target, "at_file", False) and symbol != V else values
            value = evaluate(target, at) if isinstance(target, sp.Basic) else target(at)  # type: ignore[operator]
            if value is None:
                return None
            values[symbol] = value
        return values


def substituted(expr, targets: Mapping[sp.Symbol, object]):
    """expr itself, or a Substituted when it holds a symbol of `targets` (only those it holds)."""
    if not isinstance(expr, sp.Basic):
        return expr
    used = [(s, t) for s, t in targets.items() if s in expr.free_symbols]
    return Substituted(expr, tuple(used)) if used else expr


def at_model_values_only(side) -> bool:
    """Is this side known at the model's values only (a ValueOnly, or something built on one)?"""
    if isinstance(side, ValueOnly):
        return True
    if isinstance(side, Substituted):
        return any(at_model_values_only(t) for _, t in side.targets)
    return False


def known_state(side) -> dict[sp.Symbol, float]:
    """The values of the symbols at the state where a side's ValueOnly quantities are known (see ValueOnly.state)."""
    if isinstance(side, ValueOnly):
        return {**side.state, **({V: side.potential} if side.state and side.potential is not None else {})}
    if isinstance(side, Substituted):
        return {s: v for _, t in side.targets for s, v in known_state(t).items()}
    return {}


def value_only_ids(side) -> list[str]:
    """The ids of the quantities known at the model's values only that a side is built on."""
    if isinstance(side, ValueOnly):
        return [side.quantity_id]
    if isinstance(side, Substituted):
        return [i for _, t in side.targets for i in value_only_ids(t)]
    return []


def value_at_state(side, point: Point, given: Point) -> mpmath.mpf | None:
    """``side`` at ``point`` (where a quantity known at the model's values only is known: a steady state's
    concentrations), but V_balance, the current balance at the file's concentrations, at ``given`` (the file's
    values), where it is defined: at the steady state's concentrations it would be V_ss."""
    if isinstance(side, Implicit) and side.at_file:
        return side(given)
    if isinstance(side, Substituted):
        return side(point, given)
    return evaluate(side, point) if isinstance(side, sp.Basic) else side(point)
