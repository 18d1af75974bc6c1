"""Pieces every printer shares: the guarded forms of exprel and exprel', renaming, floats.

exprel(x) = (exp(x) - 1)/x and exprel'(x) = ((x - 1) exp(x) + 1)/x^2 are 0/0 at x = 0.
Targets without expm1 print them as a Taylor series below a threshold and the closed
form above it. exprel' cancels twice (error about 4 eps / x^2 from exp alone), so its
series reaches further out, to |x| < 0.1, where the closed form is good to ~4e-14;
ten Horner terms leave a truncation error below 5e-18 there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from vrest.derive.functions import (  # the guarded forms live with the function; printers share them
    EXPREL_COEFFS,
    EXPREL_PRIME_COEFFS,
    EXPREL_PRIME_SERIES_BELOW,
    EXPREL_SERIES_BELOW,
    exprel_guarded,
    exprel_prime_closed,
    exprel_prime_guarded,
    horner,
)

__all__ = [
    "EXPREL_COEFFS",
    "EXPREL_PRIME_COEFFS",
    "EXPREL_PRIME_SERIES_BELOW",
    "EXPREL_SERIES_BELOW",
    "exprel_guarded",
    "exprel_prime_closed",
    "exprel_prime_guarded",
    "horner",
]


def float_text(value: Any) -> str:
    """Shortest text that reads back as the same double (repr), e.g. '1e-12', '96485.33212'."""
    return repr(float(value))


_LLONG_MAX = 2**63 - 1  # an integer constant beyond long long has no C type


class RenamingMixin:
    """Print a Symbol under the name given in the ``symbol_names`` setting, else as-is."""

    _settings: dict[str, Any]

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        names: Mapping[sp.Symbol, str] = self._settings["symbol_names"] or {}
        name = names.get(expr)
        return name if name is not None else super()._print_Symbol(expr)  # type: ignore[misc]

    def _print_Float(self, expr: sp.Float) -> str:
        return float_text(expr)

    def _print_Integer(self, expr: sp.Integer) -> str:
        """An integer beyond long long as a double constant: a published rate's 4*10^24 has no C type (GCC
        truncates it with only a warning, in vrest's C and in the C NEURON and Brian2 make of their code),
        and every quantity here is a double anyway."""
        n = int(expr)
        return f"{n}.0" if abs(n) > _LLONG_MAX else str(n)
