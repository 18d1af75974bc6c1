"""Gated channels in the IR: Hodgkin-Huxley gates as states, an instantaneous open fraction, Q10.

A channel's current is  I = gbar * prod_x x^p * f(V, c) * (V - E)  (ohmic) or
P * prod_x x^p * f(V, c) * GHK(V)  (constant field), each gate obeying

    dx/dt = phi (alpha(V) (1 - x) - beta(V) x)     or     dx/dt = phi (x_inf(V) - x) / tau(V)

with phi = Q10^((T - T_ref)/10 K) the channel's temperature factor (1 without a Q10). Every
expression is SI (V in volts, rates in 1/s); the model file's units are converted on reading
(derive.channelfile). Symbol names, for a gate m of channel Na: the state m_Na, its rates
alpha_m_Na and beta_m_Na (or inf_m_Na and tau_m_Na), the current I_Na, the maximal conductance
g_Na (or permeability P_Na), a channel's own fixed reversal E_Na, the open fraction f_Na and the
temperature factor phi_Na.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

__all__ = ["QUANTITY_UNITS", "Channel", "Gate", "describe", "gate_steady", "gate_tau"]

# Display units of the channel quantities, by the prefix of their names.
QUANTITY_UNITS = (("alpha_", "1/ms"), ("beta_", "1/ms"), ("tau_", "ms"), ("inf_", "1"), ("phi_", "1"), ("f_", "1"))


@dataclass(frozen=True)
class Gate:
    """Gate ``name`` of channel ``channel``, raised to ``power`` in the current.

    form "rates": ``first`` is alpha(V), ``second`` beta(V) (1/s); form "steady": ``first`` is
    x_inf(V) (1), ``second`` tau(V) (s). Both at the channel's reference temperature.
    """

    channel: str
    name: str
    power: int
    form: str
    first: sp.Expr
    second: sp.Expr

    def _sym(self, prefix: str, **assumptions) -> sp.Symbol:
        return sp.Symbol(f"{prefix}{self.name}_{self.channel}", **assumptions)

    @property
    def symbol(self) -> sp.Symbol:  # the state, an open probability in [0, 1]
        return self._sym("", real=True)

    @property
    def first_symbol(self) -> sp.Symbol:
        return self._sym("alpha_" if self.form == "rates" else "inf_", real=True)

    @property
    def second_symbol(self) -> sp.Symbol:
        return self._sym("beta_" if self.form == "rates" else "tau_", real=True)

    @property
    def kinetics(self) -> tuple[tuple[sp.Symbol, sp.Expr], tuple[sp.Symbol, sp.Expr]]:
        """((alpha or inf symbol, expression), (beta or tau symbol, expression))."""
        return (self.first_symbol, self.first), (self.second_symbol, self.second)

    def rate(self, phi: sp.Expr = 1) -> sp.Expr:
        """dx/dt in the named rates: phi (alpha (1 - x) - beta x) or phi (x_inf - x)/tau."""
        x, a, b = self.symbol, self.first_symbol, self.second_symbol
        if self.form == "rates":
            return phi * (a * (1 - x) - b * x)
        return phi * (a - x) / b


def gate_steady(gate: Gate) -> sp.Expr:
    """x_inf(V) = alpha/(alpha + beta), or the given inf, as an expression of V."""
    if gate.form == "rates":
        return gate.first / (gate.first + gate.second)
    return gate.first


def gate_tau(gate: Gate, phi: sp.Expr = 1) -> sp.Expr:
    """tau_x(V) = 1/(phi (alpha + beta)), or tau/phi, as an expression of V (s)."""
    if gate.form == "rates":
        return 1 / (phi * (gate.first + gate.second))
    return gate.second / phi


@dataclass(frozen=True)
class Channel:
    """A channel: its ion (None: a fixed reversal of its own), law, gates, open fraction, Q10.

    ``law`` is "ohmic" (g_NAME (V - E)) or "ghk" (P_NAME times the GHK flux of ``ion``).
    ``open_fraction`` is f(V, concentrations), instantaneous (an inward rectifier's block), or None.
    ``q10`` says whether the channel has a temperature factor phi_NAME.
    """

    name: str
    ion: str | None
    law: str
    gates: tuple[Gate, ...] = ()
    open_fraction: sp.Expr | None = None
    q10: bool = False

    def _sym(self, prefix: str, **assumptions) -> sp.Symbol:
        return sp.Symbol(f"{prefix}{self.name}", **assumptions)

    @property
    def is_leak(self) -> bool:
        """No gates and no open fraction: a leak of fixed conductance (or permeability)."""
        return not self.gates and self.open_fraction is None

    @property
    def g(self) -> sp.Symbol:
        return self._sym("g_", positive=True)

    @property
    def P(self) -> sp.Symbol:
        return self._sym("P_", positive=True)

    @property
    def E(self) -> sp.Symbol:  # the channel's own reversal potential, when it has no ion
        return self._sym("E_", real=True)

    @property
    def I(self) -> sp.Symbol:  # noqa: E743 - the physics name
        return self._sym("I_", real=True)

    @property
    def f(self) -> sp.Symbol:
        return self._sym("f_", real=True)

    @property
    def phi(self) -> sp.Symbol:
        return self._sym("phi_", positive=True)

    @property
    def Q_10(self) -> sp.Symbol:
        return self._sym("Q_10_", positive=True)

    @property
    def T_ref(self) -> sp.Symbol:
        return self._sym("T_ref_", positive=True)

    @property
    def temperature_factor(self) -> sp.Expr:
        """phi_NAME when the channel has a Q10, else 1."""
        return self.phi if self.q10 else sp.Integer(1)

    @property
    def open_probability(self) -> sp.Expr:
        """prod x^p times f: the fraction of the channels open, in the named gates and f_NAME."""
        product = sp.Mul(*[g.symbol ** g.power for g in self.gates])
        return product * (self.f if self.open_fraction is not None else 1)


def describe(channels: tuple[Channel, ...], symbol: sp.Symbol) -> tuple[str, str] | None:
    """(display unit, description) of a channel's named quantity, or None if ``symbol`` is none."""
    for channel in channels:
        if symbol == channel.I:
            kind = "leak" if channel.is_leak else "current"
            return "uA/cm^2", f"{kind} of channel {channel.name} (outward)"
        if channel.q10 and symbol == channel.phi:
            return "1", f"temperature factor of channel {channel.name}'s gating, Q10^((T - T_ref)/10 K)"
        if channel.open_fraction is not None and symbol == channel.f:
            return "1", f"instantaneous open fraction of channel {channel.name}"
        for gate in channel.gates:
            what = {"alpha_": ("1/ms", "opening rate"), "beta_": ("1/ms", "closing rate"),
                    "inf_": ("1", "steady state"), "tau_": ("ms", "time constant")}
            for s in (gate.first_symbol, gate.second_symbol):
                if symbol == s:
                    unit, text = next(v for k, v in what.items() if s.name.startswith(k))
                    return unit, f"{text} of gate {gate.name} of channel {channel.name} (at the reference temperature)"
    return None
