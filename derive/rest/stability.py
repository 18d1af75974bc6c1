"""Stability of an equilibrium: eigenvalues of the full Jacobian, the conservation directions removed;
and the slope conductance there.

With conservation laws C (k x n), C J = 0, so J maps everything into null(C): its eigenvalues are
those of J restricted to null(C) (Q^T J Q for an orthonormal basis Q of null(C)) and k zeros,
which belong to moving along the family of equilibria and say nothing about stability.
"""

from __future__ import annotations

import numpy as np

from .conservation import Law

__all__ = ["eigenvalues", "is_stable", "slowest_tau", "slope_conductance", "ZERO_TO_ROUNDING"]

# An eigenvalue whose real part is within this fraction of the largest |eigenvalue| of zero is zero to rounding
# (a direction along a family of equilibria); below it, decaying. One threshold for both: an eigenvalue of a
# stiff model that is neither (ten Tusscher with a whole cell's capacitance: -8.4e-6 /s beside -1.3e6 /s, and
# exact to 1e-15 of the largest) would be called neither stable nor neutral.
ZERO_TO_ROUNDING = 1e-12


def eigenvalues(jacobian: np.ndarray, laws: list[Law], scale: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Eigenvalues (1/s) of ``jacobian`` at the equilibrium ``y`` on the states the laws leave free
    (each law's gradient there is a left null vector of J), largest real part first."""
    j = jacobian * scale[None, :] / scale[:, None]  # similar to J: same eigenvalues, better conditioned
    if laws:
        c = np.array([law.gradient(y) * scale for law in laws])
        _, _, vt = np.linalg.svd(c, full_matrices=True)
        q = vt[len(laws):].T
        j = q.T @ j @ q
    values = np.linalg.eigvals(j) if j.size else np.zeros(0, dtype=complex)
    values = values.astype(complex)
    return values[np.lexsort((-values.imag, -values.real))]


def is_stable(values: np.ndarray) -> bool:
    if len(values) == 0:
        return True
    return bool(np.all(values.real < -ZERO_TO_ROUNDING * np.abs(values).max()))


def slowest_tau(values: np.ndarray) -> float:
    """1 / min |Re lambda| (s); inf when an eigenvalue has no real part."""
    if len(values) == 0:
        return float("nan")
    smallest = np.abs(values.real).min()
    return float("inf") if smallest == 0 else float(1 / smallest)


def slope_conductance(jacobian: np.ndarray, voltage: int, eliminated, capacitance: float | None) -> float | None:
    """-C d(dV/dt)/dV with every gate (and linear group) at its steady state, the other states held (SI:
    S/m^2 or S): the gates add d(dV/dt)/dx dx_inf/dV to the instantaneous slope."""
    if capacitance is None:
        return None
    try:
        slope = eliminated.slope(jacobian, voltage)
    except np.linalg.LinAlgError:
        return None
    return float(-capacitance * slope) if np.isfinite(slope) else None
