"""The default tolerance of ``vrest verify`` for a claim written with numbers, without SymPy or mpmath:
``vrest verify --help`` names it, and derive.verify.tolerance builds its Tolerance from it."""

from __future__ import annotations

__all__ = ["DEFAULT_RELATIVE", "DEFAULT_TEXT"]

DEFAULT_RELATIVE = 0.01  # a fraction of the correct value: 1 %
DEFAULT_TEXT = f"{DEFAULT_RELATIVE * 100:g}%"  # "1%", as --tolerance takes it
