"""Stability of an equilibrium: eigenvalues of the full Jacobian, the conservation directions removed;
and the slope conductance there.

With conservation laws C (k x n), C J = 0, so J maps everything into null(C): its eigenvalues are
those of J restricted to null(C) (Q^T J Q for an orthonormal basis Q of null(C)) and k zeros,
which belong to moving along the family of equilibria and say nothing about stability.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from .conservation import Law

__all__ = ["eigenvalues", "is_stable", "is_neutral", "slowest_tau", "slope_conductance"]

# An eigenvalue is zero to rounding (a direction along a family of equilibria) when its real part lies within
# ten times its first-order rounding error, eps ||J||_F / s (s: the cosine of its left and right eigenvectors,
# small for an ill-conditioned eigenvalue; the LAPACK Users' Guide's bound for the nonsymmetric eigenproblem).
# Over 3000 random graded matrices with a zero eigenvalue, the computed one stayed below 0.006 of that bound;
# ten leaves room for the rounding of J's own entries. A ratio to the largest |eigenvalue| does not work:
# O'Hara-Rudy with 0.5 mM K+ outside rests at -149.3 mV with a slowest eigenvalue of -1.2e-3 /s beside gates at
# -1.5e9 /s (a ratio of 8e-13), 2600 times its rounding error (s = 0.73); a pump-leak cell near its largest pump
# rate decays at -1.6e-9 /s beside -2737 /s, 90 times its rounding error (s = 0.033). Both do come to rest.
ROUNDING_FACTOR = 10


def eigenvalues(jacobian: np.ndarray, laws: list[Law], scale: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Eigenvalues (1/s) of ``jacobian`` at the equilibrium ``y`` on the states the laws leave free
    (each law's gradient there is a left null vector of J), largest real part first; a real part that is
    zero to rounding is 0."""
    j = jacobian * scale[None, :] / scale[:, None]  # similar to J: same eigenvalues, better conditioned
    if laws:
        c = np.array([law.gradient(y) * scale for law in laws])
        _, _, vt = np.linalg.svd(c, full_matrices=True)
        q = vt[len(laws):].T
        j = q.T @ j @ q
    if not j.size:
        return np.zeros(0, dtype=complex)
    values, left, right = scipy.linalg.eig(j, left=True, right=True)
    cosines = np.abs(np.sum(left.conj() * right, axis=0))  # both unit length
    with np.errstate(divide="ignore"):
        rounding = ROUNDING_FACTOR * np.finfo(float).eps * np.linalg.norm(j) / cosines
    values = values.astype(complex)
    values.real[np.abs(values.real) <= rounding] = 0.0
    return values[np.lexsort((-values.imag, -values.real))]


def is_stable(values: np.ndarray) -> bool:
    return bool(np.all(values.real < 0))


def is_neutral(values: np.ndarray) -> bool:
    """An eigenvalue that is zero to rounding: a direction along which the equilibria continue."""
    return bool(np.any(values == 0))


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
