"""What a check needs besides the expressions: ranges, definitions, units."""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass, field

import sympy as sp

from ..constants import V
from ._definitions import substitute
from ._numeric import Range
from .diagnose import Context
from .dimensions import Dim
from .implicit import Substituted
from .result import Value
from .tolerance import DEFAULT_TOLERANCE, Tolerance

__all__ = ["Problem", "substitute"]

_MAX_ROUNDS = 20


@dataclass(frozen=True)
class Problem:
    """The setting of a verification.

    ranges: symbol -> (low, high, log_scale), the physiological sampling range.
    definitions: named quantities (E_K, I_Na, g_leak, ...) -> their expressions;
        a defined name in user text stands for its definition.
    reference: a point tried first (the model's values), so that a
        counterexample is shown at familiar numbers when there is one.
    units: unit of each symbol's value (by name); result_unit: of the result.
    fixed: symbols with one exact value in this setting (a model's valences,
        its coupling ratio r); substituted after definitions. Slips are
        looked for before fixing, so "3:2 ratio dropped" still shows.
    convert: (SI value, unit) -> value in that unit, for counterexamples.
    dimensions: the unit dimension of each symbol (None or absent: unknown).
    unit_for: the unit to show values of a dimension in (the model's own).
    tolerance: how close a claim written with numbers must be.
    constants: fixed symbols that formulas shown to the user keep as symbols (R, F).
    rest: V at rest as a function of the parameters (an expression or a
        target): where a quantity is meant at the steady state, V is this.
    targets: symbols of quantities without a formula (a numeric root, a value
        known at the model's values only) -> their numeric targets.
    known: the numbers a claim's literals may stand for (see numbers.py).
    resting: symbols of quantities defined at the steady state (g_leak, tau_m with
        GHK leaks): V in their formula is the resting potential, never free.
    steady: where the concentrations move, the full steady state: V (= V_ss) and the
        inside concentrations there (the file's are a start near it); {} elsewhere.
    """

    ranges: Mapping[sp.Symbol, Range]
    definitions: Mapping[sp.Symbol, sp.Expr] = field(default_factory=dict)
    context: Context = field(default_factory=Context)
    reference: Mapping[sp.Symbol, float] | None = None
    units: Mapping[str, str] = field(default_factory=dict)
    result_unit: str | None = None
    timeout: float = 2.0
    fixed: Mapping[sp.Symbol, sp.Expr] = field(default_factory=dict)
    convert: Callable[[float, str], float] | None = None
    dimensions: Mapping[sp.Symbol, Dim | None] = field(default_factory=dict)
    unit_for: Callable[[Dim], str] | None = None
    tolerance: Tolerance = DEFAULT_TOLERANCE
    constants: frozenset[sp.Symbol] = frozenset()
    rest: object | None = None  # Side
    rest_name: str = "V_ss"  # what V at rest is called (V_balance where the concentrations move)
    targets: Mapping[sp.Symbol, object] = field(default_factory=dict)
    known: Callable[[], Sequence[object]] | None = None
    resting: Container[sp.Symbol] = frozenset()
    steady: Mapping[sp.Symbol, float] = field(default_factory=dict)

    def shown(self, expr: sp.Expr) -> sp.Expr:
        """expr expanded for showing: fixed values substituted, but not those of the constants (R, F)."""
        keep = {s: v for s, v in self.fixed.items() if s not in self.constants}
        return self.expand(expr, fix=False).xreplace(keep)

    def unit_of(self, dim: Dim | None) -> str | None:
        """The unit values of this dimension are shown in (None: unknown or no units here)."""
        if dim is None or self.unit_for is None:
            return None
        return self.unit_for(dim)

    def show(self, value_si: float, unit: str | None) -> Value:
        """An SI value as a Value in unit (12 significant digits: 0.035, not 0.034999999999999996)."""
        value = float(value_si)
        if self.convert is not None and unit:
            value = self.convert(value, unit)
        return Value(float(f"{value:.12g}"), unit)

    def at_rest(self, side, rest: bool = True):
        """side with V at rest and every quantity without a formula at its numeric target (never an input).

        rest=False: V stays free (both sides of a comparison are functions of V).
        """
        if not isinstance(side, sp.Basic):
            return side
        used: list[tuple[sp.Symbol, object]] = []
        if rest and V in side.free_symbols and self.rest is not None:
            used.append((V, self.rest))
        for s in sorted(side.free_symbols - {V}, key=lambda s: s.name):
            if s in self.targets:
                used.append((s, self.targets[s]))
        return Substituted(side, tuple(used)) if used else side

    def expand(self, expr: sp.Expr, fix: bool = True) -> sp.Expr:
        """Substitute definitions until only primitive symbols remain (then fixed values)."""
        for _ in range(_MAX_ROUNDS):
            new = substitute(expr, self.definitions)
            if new == expr:
                return new.xreplace(dict(self.fixed)) if fix else new
            expr = new
        raise ValueError("definitions refer to each other in a cycle")
