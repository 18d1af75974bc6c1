"""What a check needs besides the expressions: ranges, definitions, units."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import sympy as sp

from ._definitions import substitute
from ._numeric import Range
from .diagnose import Context

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

    def expand(self, expr: sp.Expr, fix: bool = True) -> sp.Expr:
        """Substitute definitions until only primitive symbols remain (then fixed values)."""
        for _ in range(_MAX_ROUNDS):
            new = substitute(expr, self.definitions)
            if new == expr:
                return new.xreplace(dict(self.fixed)) if fix else new
            expr = new
        raise ValueError("definitions refer to each other in a cycle")
