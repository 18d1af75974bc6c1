"""Stability of an equilibrium: eigenvalues of the full Jacobian, the conservation directions removed;
and the slope conductance there.

With conservation laws C (k x n), the states are tied: k of them (the pivots P, where C is largest) follow
from the others O, y_P = C_P^-1 (c - C_O y_O), and the equilibrium's eigenvalues are those of the reduced
Jacobian J_OO - J_OP C_P^-1 C_O, besides k zeros that belong to moving along the family of equilibria and
say nothing about stability. Eliminating the pivots keeps each entry where it was: a Jacobian whose entries
span 20 decades (a pump-leak cell almost empty of Na+) keeps its small eigenvalues accurate, where an
orthogonal basis of null(C) mixed the largest entries into every one.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from .conservation import Law

__all__ = ["eigenvalues", "is_stable", "is_neutral", "slowest_tau", "slope_conductance"]

# An eigenvalue is zero to rounding (a direction along a family of equilibria) when its real part lies within
# ten times its first-order rounding error, eps ||J||_F / s (s: the cosine of its left and right eigenvectors,
# small for an ill-conditioned eigenvalue; the LAPACK Users' Guide's bound for the nonsymmetric eigenproblem),
# unless it moves by less than 1/SURE_MARGIN of itself when every entry of J moves by its own rounding
# (PERTURBED times, each entry by 8 eps with a random sign). Over 3000 random matrices with a zero eigenvalue
# and eigenvalues over 14 decades, half of them graded, the first rule alone never missed the zero but called
# 43 % of the others zero too, accurate as LAPACK had them (the bound is in norm, and a graded matrix's small
# eigenvalues are far better determined than that); with the second, 0.8 %, and no zero was missed. A ratio to
# the largest |eigenvalue| does not work either: O'Hara-Rudy with 0.5 mM K+ outside rests at -149.3 mV with a
# slowest eigenvalue of -1.2e-3 /s beside gates at -1.5e9 /s; a pump-leak cell near its largest pump rate
# decays at -1.6e-9 /s beside -2737 /s, and one of fixed volume with 1e-12 mM Na+ inside at -5.6e-4 /s beside
# -1.8e20 /s. Each comes to rest.
ROUNDING_FACTOR = 10
SURE_MARGIN = 100
PERTURBED = 3


def eigenvalues(jacobian: np.ndarray, laws: list[Law], scale: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Eigenvalues (1/s) of ``jacobian`` at the equilibrium ``y`` on the states the laws leave free
    (each law's gradient there is a left null vector of J), largest real part first; a real part that is
    zero to rounding is 0."""
    j = jacobian * scale[None, :] / scale[:, None]  # similar to J: same eigenvalues, better conditioned
    c = np.array([law.gradient(y) * scale for law in laws]).reshape(len(laws), len(y))
    reduced = _reduced(j, c)
    if not reduced.size:
        return np.zeros(0, dtype=complex)
    values, left, right = scipy.linalg.eig(reduced, left=True, right=True)
    cosines = np.abs(np.sum(left.conj() * right, axis=0))  # both unit length
    with np.errstate(divide="ignore"):
        rounding = ROUNDING_FACTOR * np.finfo(float).eps * np.linalg.norm(reduced) / cosines
    values = values.astype(complex)
    doubtful = np.abs(values.real) <= rounding
    if doubtful.any():
        moved = _moved(j, c, values)
        doubtful &= ~(np.abs(values.real) > SURE_MARGIN * moved)
    values.real[doubtful] = 0.0
    return values[np.lexsort((-values.imag, -values.real))]


def _reduced(j: np.ndarray, c: np.ndarray) -> np.ndarray:
    """J on the states the laws (rows of ``c``) leave free: the pivots (QR with column pivoting) eliminated."""
    if not len(c):
        return j
    pivots = np.sort(scipy.linalg.qr(c, pivoting=True, mode="r")[1][:len(c)])
    others = np.setdiff1d(np.arange(len(j)), pivots)
    ties = np.linalg.solve(c[:, pivots], c[:, others])
    return j[np.ix_(others, others)] - j[np.ix_(others, pivots)] @ ties


def _moved(j: np.ndarray, c: np.ndarray, values: np.ndarray) -> np.ndarray:
    """How far each of ``values`` moves, at most, when every entry of J moves by 8 eps of itself (random signs,
    the same in every run)."""
    signs = np.random.default_rng(0)
    moved = np.zeros(len(values))
    for _ in range(PERTURBED):
        shaken = j * (1 + 8 * np.finfo(float).eps * signs.choice([-1.0, 1.0], size=j.shape))
        found = np.linalg.eigvals(_reduced(shaken, c))
        moved = np.maximum(moved, np.abs(values[:, None] - found[None, :]).min(axis=1))
    return moved


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
