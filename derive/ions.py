"""An ion species and the symbols that belong to it (the names of docs/model-format.md)."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

__all__ = ["Ion"]


@dataclass(frozen=True)
class Ion:
    """Ion ``name`` (the model file's table name) with valence ``valence``.

    ``leak`` is "ohmic" (conductance g_X), "ghk" (permeability P_X) or "none" (only channels carry it);
    ``has_concentrations`` is False when only a fixed reversal potential is known.
    """

    name: str
    valence: int
    leak: str = "ohmic"
    has_concentrations: bool = True

    def _sym(self, prefix: str, suffix: str = "", **assumptions) -> sp.Symbol:
        return sp.Symbol(f"{prefix}{self.name}{suffix}", **assumptions)

    @property
    def inside(self) -> sp.Symbol:  # [X]_i
        return self._sym("", "_i", positive=True)

    @property
    def outside(self) -> sp.Symbol:  # [X]_o
        return self._sym("", "_o", positive=True)

    @property
    def amount(self) -> sp.Symbol:  # Vol [X]_i, the state when concentrations vary
        return self._sym("N_", positive=True)

    @property
    def z(self) -> sp.Symbol:
        return self._sym("z_", integer=True, nonzero=True)

    @property
    def g(self) -> sp.Symbol:
        return self._sym("g_", positive=True)

    @property
    def P(self) -> sp.Symbol:
        return self._sym("P_", positive=True)

    @property
    def E(self) -> sp.Symbol:
        return self._sym("E_", real=True)

    @property
    def I(self) -> sp.Symbol:  # noqa: E743 - the physics name
        return self._sym("I_", real=True)

    @property
    def symbols(self) -> tuple[sp.Symbol, ...]:
        """Every symbol the ion owns: X_i, X_o, N_X, z_X, g_X, P_X, E_X, I_X."""
        return (self.inside, self.outside, self.amount, self.z, self.g, self.P, self.E, self.I)
