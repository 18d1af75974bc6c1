"""Substituting named quantities by their definitions, one round at a time."""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

__all__ = ["substitute"]


def substitute(expr: sp.Expr, definitions: Mapping[sp.Symbol, sp.Expr]) -> sp.Expr:
    """One round of definitions, looking up only the symbols expr contains.

    (definitions may be lazy: a model derives a quantity only when it is used.)
    """
    used = {s: definitions[s] for s in expr.free_symbols if s in definitions}
    return expr.xreplace(used) if used else expr
