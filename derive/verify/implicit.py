"""Quantities without a closed form, as numeric targets for verification.

A steady state with GHK leaks and a pump (V_ss) or a pump-leak volume is the
root x of balance(x, parameters) = 0. At each sample point the root is found
with mpmath (bracket, then a bracketing secant method) at 50 digits, so a
claimed formula can be compared with it point by point. Optionally a closed
form is added to the root (dV_pump = V_ss - V_leak).
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import sympy as sp

from ._numeric import DPS, Point, evaluate

__all__ = ["Implicit", "ValueOnly"]

_WIDEN = 12


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
        g = mpmath.mpf(self.guess)
        if self.positive:
            lo, hi = g / 2, g * 2
        else:
            lo, hi = g - mpmath.mpf("0.05"), g + mpmath.mpf("0.05")
        for _ in range(_WIDEN):
            if f(lo) * f(hi) <= 0:
                return lo, hi
            if self.positive:
                lo, hi = lo / 4, hi * 4
            else:
                lo, hi = lo - (hi - lo), hi + (hi - lo)
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
    a claim can be compared with it at those values and nowhere else."""

    quantity_id: str
    value: float

    @property
    def free_symbols(self) -> set[sp.Symbol]:
        return set()

    def __call__(self, point: Point) -> mpmath.mpf:
        """The value (meaningful at the model's values only)."""
        return mpmath.mpf(self.value)
