"""The quasi-active membrane: a gated model linearised about a resting state (Mauro, Conti & Dodge
1970; Koch 1984).

For small deviations at fixed concentrations, a gate x of channel c obeys
tau_x d(dx)/dt = x_inf'(V) dV - dx, so its share of the current responds to dV through the
admittance G_x/(1 + i w tau_x), G_x = (dI_c/dx)(dx_inf/dV): a resistance r_x = 1/G_x in series
with an inductance L_x = tau_x r_x (negative for a regenerative gate such as Na activation).
The membrane is C_m, the instantaneous conductance g_inst = dI_total/dV at fixed gates, and one
such branch per gate, all in parallel:

    Y(f) = i w C_m + g_inst + sum_x G_x/(1 + i w tau_x),    Z(f) = 1/Y(f),   w = 2 pi f.

Z(0) = 1/g_leak (the slope conductance with the gates at steady state). |Z| peaks at a non-zero
frequency (resonance) when the branches are inductive enough. Closed forms are SymPy expressions
of V, the gates and the parameters; values SI (S/m^2, ohm m^2, H m^2), exact to double precision.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp
from scipy.optimize import brentq, minimize_scalar

from .channels import Channel, Gate, gate_steady, gate_tau
from .constants import C_m, V
from .derivation import WORKING_DIGITS, evaluate
from .model import Model

__all__ = [
    "Branch",
    "QuasiActive",
    "branch_conductance",
    "branch_tau",
    "instantaneous_conductance",
    "point_values",
    "quasi_active",
]

I_TOTAL = sp.Symbol("I_total", real=True)


def instantaneous_conductance(model: Model) -> sp.Expr:
    """g_inst = d I_total/dV with every gate held: the leaks, the open channels and their open fractions."""
    return sp.diff(model.expand(I_TOTAL), V)


def branch_conductance(model: Model, channel: Channel, gate: Gate) -> sp.Expr:
    """G_x = (dI_c/dx)(dx_inf/dV) = 1/r_x, in V, the gates and the parameters."""
    return sp.diff(model.expand(channel.I), gate.symbol) * sp.diff(gate_steady(gate), V)


def branch_tau(model: Model, channel: Channel, gate: Gate) -> sp.Expr:
    """tau_x(V) with the channel's temperature factor, in V and the parameters."""
    return gate_tau(gate, model.expand(channel.temperature_factor))


@dataclass(frozen=True)
class Branch:
    """One gate's RL branch at a resting state (SI): G = 1/r (S/m^2), tau (s)."""

    channel: str
    gate: str
    conductance: float
    tau: float

    @property
    def resistance(self) -> float:  # ohm m^2; infinite when the gate does not act at rest
        return float("inf") if self.conductance == 0 else 1 / self.conductance

    @property
    def inductance(self) -> float:  # H m^2
        return float("inf") if self.conductance == 0 else self.tau / self.conductance


@dataclass(frozen=True)
class QuasiActive:
    """The linearised membrane at one resting state: C_m, g_inst and one branch per gate (SI)."""

    capacitance: float
    g_inst: float
    branches: tuple[Branch, ...]

    def admittance(self, f) -> np.ndarray:
        """Y(f) (S/m^2) at frequencies ``f`` (Hz)."""
        w = 2j * np.pi * np.asarray(f, dtype=float)
        y = w * self.capacitance + self.g_inst
        for b in self.branches:
            y = y + b.conductance / (1 + w * b.tau)
        return y

    def impedance(self, f) -> np.ndarray:
        """Z(f) = 1/Y(f) (ohm m^2)."""
        return 1 / self.admittance(f)

    def eigenvalues(self) -> np.ndarray:
        """Eigenvalues (1/s) of the linearised V-and-gates system, the zeros of Y: C dv/dt = -g_inst v - sum i_x,
        tau_x di_x/dt = G_x v - i_x (i_x the branch currents)."""
        n = len(self.branches)
        a = np.zeros((n + 1, n + 1))
        a[0, 0], a[0, 1:] = -self.g_inst / self.capacitance, -1 / self.capacitance
        for k, b in enumerate(self.branches, start=1):
            a[k, 0], a[k, k] = b.conductance / b.tau, -1 / b.tau
        return np.linalg.eigvals(a)

    @property
    def slope_conductance(self) -> float:
        """Y(0) = g_inst + sum G_x = g_leak (S/m^2)."""
        return self.g_inst + sum(b.conductance for b in self.branches)

    def resonance(self, low: float = 1e-3, high: float = 1e5) -> tuple[float, float] | None:
        """(f_res in Hz, |Z(f_res)|) where |Z| has its largest value at a frequency above 0, else None."""
        grid = np.geomspace(low, high, 801)
        magnitude = np.abs(self.impedance(grid))
        k = int(np.argmax(magnitude))
        zero = abs(1 / self.slope_conductance) if self.slope_conductance else np.inf
        if k == 0 or magnitude[k] <= zero * (1 + 1e-9):
            return None
        a, b = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
        slope_a, slope_b = self._admittance_slope(a), self._admittance_slope(b)
        if slope_a < 0 < slope_b:  # the root of d|Y|^2/df: full precision (|Z| is flat at its top, its argmax not)
            f = float(brentq(self._admittance_slope, a, b, xtol=1e-15 * a, rtol=4 * np.finfo(float).eps))
        else:
            found = minimize_scalar(lambda lf: -abs(self.impedance(np.exp(lf))), bounds=(np.log(a), np.log(b)),
                                    method="bounded", options={"xatol": 1e-12})
            f = float(np.exp(found.x))
        return f, float(abs(self.impedance(f)))

    def _admittance_slope(self, f: float) -> float:
        """d|Y|^2/dw at frequency ``f`` (Hz), w = 2 pi f, written out: Y = g_inst + sum G/(1 + i w tau) + i w C."""
        w = 2 * np.pi * f
        real, imag = self.g_inst, w * self.capacitance
        d_real, d_imag = 0.0, self.capacitance
        for branch in self.branches:
            g, tau = branch.conductance, branch.tau
            q = 1 + (w * tau) ** 2
            real += g / q
            imag -= g * w * tau / q
            d_real -= 2 * g * w * tau**2 / q**2
            d_imag -= g * tau * (1 - (w * tau) ** 2) / q**2
        return 2 * (real * d_real + imag * d_imag)


def point_values(model: Model, state: Mapping[str, float]) -> dict[sp.Symbol, sp.Expr]:
    """The model's parameter values with a resting state's values (SI, by state name), and the
    concentrations N_X/Vol at it where they move."""
    values: dict[sp.Symbol, sp.Expr] = dict(model.values)
    by_name = {s.symbol.name: s.symbol for s in model.states}
    for name, value in state.items():
        values[by_name[name]] = sp.Float(value, WORKING_DIGITS)
    for symbol, definition in model.algebraic:  # X_i = N_X/Vol, A_i, an instant volume
        values[symbol] = definition.xreplace(values)
    for symbol, definition in model.algebraic:
        values[symbol] = sp.sympify(values[symbol]).xreplace(values)
    return values


def quasi_active(model: Model, state: Mapping[str, float]) -> QuasiActive:
    """The quasi-active membrane of ``model`` at a resting state (SI values by state name)."""
    values = point_values(model, state)

    def at(expr: sp.Expr) -> float:
        with mpmath.workdps(WORKING_DIGITS):
            return float(evaluate(expr, values))

    branches = tuple(Branch(channel.name, gate.name, at(branch_conductance(model, channel, gate)),
                            at(branch_tau(model, channel, gate)))
                     for channel in model.channels for gate in channel.gates)
    return QuasiActive(float(model.values[C_m]), at(instantaneous_conductance(model)), branches)
