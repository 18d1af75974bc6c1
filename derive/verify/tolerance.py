"""How close a claim with numbers must be: --tolerance 0.5% or --tolerance "0.1 mV".

A claim written with numbers (-95 mV, 61.5 mV log10(K_o/K_i), 26.7 mV ln(4/140))
is exact only by accident: it is checked within a tolerance instead. Without
one, DEFAULT_TOLERANCE applies: 1 % of the correct value, about what a hand
calculation with three significant figures keeps (61.5 for 61.54 is 0.07 %;
58 mV per decade at 37 C instead of 61.5 is 6 % off, and wrong).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mpmath

from ..claim_tolerance import DEFAULT_RELATIVE, DEFAULT_TEXT
from ._lexer import ParseError, lex
from ._quantity import read_quantity
from .dimensions import Dim, describe

__all__ = ["DEFAULT_RELATIVE", "DEFAULT_TOLERANCE", "Tolerance", "parse_tolerance"]

_PERCENT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*%\s*$")
_BARE = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*$")
_MAX_PERCENT = 100.0


@dataclass(frozen=True)
class Tolerance:
    """Relative (a fraction of the correct value) or absolute (an SI value of one dimension)."""

    relative: float | None = DEFAULT_RELATIVE
    absolute: float | None = None
    dim: Dim | None = None  # of an absolute tolerance
    text: str = DEFAULT_TEXT
    default: bool = True

    def applies_to(self, dim: Dim | None) -> bool:
        """An absolute tolerance applies to quantities of its own dimension only."""
        return self.absolute is None or dim is None or dim == self.dim

    def allows(
        self, claimed: mpmath.mpf, correct: mpmath.mpf, dim: Dim | None = None, scale: mpmath.mpf | None = None
    ) -> bool:
        """|claimed - correct| within the tolerance (the default relative one for other dimensions).

        A relative tolerance is a fraction of |correct|, or of `scale` where that
        is larger (the value at the model's values: a current that crosses zero
        where V is sampled is judged on its size at rest, not at its zero).
        """
        if self.absolute is not None and self.applies_to(dim):
            return bool(abs(claimed - correct) <= mpmath.mpf(self.absolute))
        relative = self.relative if self.relative is not None else DEFAULT_RELATIVE
        size = max(abs(correct), abs(scale)) if scale is not None else abs(correct)
        return bool(abs(claimed - correct) <= mpmath.mpf(relative) * size)

    def to_json(self, show: Callable[[float, Dim | None], dict[str, Any]] | None = None) -> dict[str, Any]:
        """{"text", "default", and "relative" (a fraction) or "absolute" ({"value", "unit"})}."""
        out: dict[str, Any] = {"text": self.text, "default": self.default}
        if self.absolute is None:
            out["relative"] = self.relative
        elif show is not None:
            out["absolute"] = show(self.absolute, self.dim)
        else:
            out["absolute"] = {"value": self.absolute, "unit": None}
        return out

    def describe(self) -> str:
        return self.text + (" (the default)" if self.default else "")


DEFAULT_TOLERANCE = Tolerance()


def parse_tolerance(text: str) -> Tolerance:
    """'0.5%' (relative), '0.1 mV' (absolute, a number with a unit) or '0.01' (absolute, for a pure number)."""
    m = _PERCENT.match(text)
    if m:
        percent = float(m.group(1))
        if not 0 < percent <= _MAX_PERCENT:
            raise ParseError(f"--tolerance {text!r}: a percentage must be above 0 and at most {_MAX_PERCENT:g}%")
        return Tolerance(relative=percent / 100, text=f"{percent:g}%", default=False)
    m = _BARE.match(text)
    if m:  # a pure number: for a quantity without unit (donnan_ratio)
        value = float(m.group(1))
        if not value > 0:
            raise ParseError(f"--tolerance {text!r}: an absolute tolerance must be above 0")
        return Tolerance(None, value, (), m.group(1), default=False)
    try:
        quantity = read_quantity(lex(text))
    except ParseError:
        raise ParseError(
            f"--tolerance {text!r}: give a percentage (0.5%) or a number with a unit (0.1 mV)"
        ) from None
    if quantity.value <= 0 or quantity.dim == ():
        raise ParseError(f"--tolerance {text!r}: an absolute tolerance is a positive number with a unit ({describe(quantity.dim)} given)")
    return Tolerance(None, float(quantity.value), quantity.dim, quantity.text, default=False)
