"""The Model IR: one immutable, symbolic description of a cell that everything reads.

A Model holds parameters (symbol, exact SI value, display unit, description),
the ions and the pump, the named algebraic quantities (E_X, I_X, I_pump, ...)
and, when the membrane has an area and the cell a volume, the state variables
with their ODE right-hand sides (V, the ion amounts N_X = Vol [X]_i, Vol).
Derivations read it; codegen prints it. Values are exact SymPy Rationals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp

from . import laws
from .channels import Channel
from .constants import A_i, C_m, I_pump, I_stim, L_p, T, V, Vol, area
from .ions import Ion
from .limits import FRACTION_OPEN

__all__ = ["Parameter", "Pump", "Change", "ProtocolStep", "Scenario", "State", "Model", "N_A", "B_o"]

N_A = sp.Symbol("N_A", positive=True)  # impermeant amount inside (constant)
I_TOTAL = sp.Symbol("I_total", real=True)  # the membrane current, outward
I_NET = sp.Symbol("I_net", real=True)  # I_total - I_stim: what charges the membrane when a stimulus is injected
DT_10 = sp.Symbol("dT_10", positive=True)  # the 10 K of a Q10 (a parameter, so an exponent stays unit-free)
B_o = sp.Symbol("B_o", positive=True)  # impermeant solute in the bath


@dataclass(frozen=True)
class Parameter:
    """A named constant with an exact SI value and the unit it is shown in."""

    symbol: sp.Symbol
    value: sp.Rational
    unit: str
    description: str

    @property
    def name(self) -> str:
        return self.symbol.name


@dataclass(frozen=True)
class Pump:
    """The Na+/K+-ATPase: ``current`` is I_pump as an expression of the parameters (and of V when
    the pump depends on voltage).

    ``stoichiometry`` lists ions moved out per cycle (negative = in), as data. ``rate`` is the
    parameter the current is proportional to (I_pump, I_max or lambda_pump, or I_pump0 when a
    temperature or voltage factor makes I_pump a quantity): a scenario's ``pump`` factor scales it.
    """

    form: str  # "constant", "saturating" or "proportional" (Na efflux = lambda_pump [Na]_i)
    stoichiometry: tuple[tuple[str, int], ...]
    current: sp.Expr
    charge_per_cycle: int
    rate: sp.Symbol = I_pump

    @property
    def coupling_ratio(self) -> sp.Rational | None:
        """r = Na out per K in (3/2 for the Na/K-ATPase), when the pump moves both."""
        moved = dict(self.stoichiometry)
        if moved.get("Na", 0) > 0 and moved.get("K", 0) < 0:
            return sp.Rational(moved["Na"], -moved["K"])
        return None


@dataclass(frozen=True)
class Change:
    """One parameter change of a protocol step: ``parameter`` is set to ``value`` (SI), or scaled by it.

    ``key`` is the model-file key it came from (``ions.K.outside``, ``pump``, ...). A factor
    multiplies the parameter's value in the model file, not the value in force, so 1 restores it.
    """

    key: str
    parameter: str
    operation: str  # "set" or "scale"
    value: sp.Rational


@dataclass(frozen=True)
class ProtocolStep:
    """The changes that take effect at time ``at`` (s) and hold until a later step changes them."""

    at: sp.Rational
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class Scenario:
    """An experiment as data: an ordered list of steps, each setting or scaling named parameters."""

    name: str
    steps: tuple[ProtocolStep, ...]
    description: str = ""

    @property
    def parameters(self) -> tuple[str, ...]:
        """The names of the parameters some step changes, in order of first appearance."""
        names: dict[str, None] = {}
        for step in self.steps:
            names.update({change.parameter: None for change in step.changes})
        return tuple(names)


@dataclass(frozen=True)
class State:
    """A state variable: d symbol/dt = rhs; ``initial`` None means "start at steady state"."""

    symbol: sp.Symbol
    rhs: sp.Expr
    initial: sp.Rational | None
    unit: str
    description: str


@dataclass(frozen=True)
class Model:
    name: str
    description: str
    source: str
    ions: tuple[Ion, ...]
    parameters: tuple[Parameter, ...]
    pump: Pump | None = None
    impermeant: bool = False  # trapped anions A_i with valence z_A inside
    bath_impermeant: bool = False  # uncharged solute B_o outside
    volume_mode: str = "none"  # "none" (no area/volume), "fixed", "dynamic", "instant"
    scenarios: tuple[Scenario, ...] = field(default=())
    initial_potential: sp.Rational | None = None  # V (SI) of the given state; None: the current-balance root
    channels: tuple[Channel, ...] = ()  # gated (or instantaneous) channels besides the leaks
    stimulus: bool = False  # an injected current I_stim (0 unless a scenario step sets it) drives V

    # -- parameters --------------------------------------------------------

    @cached_property
    def values(self) -> dict[sp.Symbol, sp.Rational]:
        """Every parameter's exact SI value by symbol."""
        return {p.symbol: p.value for p in self.parameters}

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)

    def has(self, name: str) -> bool:
        return any(p.name == name for p in self.parameters)

    @cached_property
    def symbols(self) -> dict[str, sp.Symbol]:
        """Every symbol a user may name, parameters and quantities, by name."""
        names = {p.name: p.symbol for p in self.parameters}
        names.update({s.name: s for s, _ in self.quantities})
        names.update({s.symbol.name: s.symbol for s in self.states})
        names[V.name] = V
        return names

    # -- named algebraic quantities -----------------------------------------

    @cached_property
    def quantities(self) -> tuple[tuple[sp.Symbol, sp.Expr], ...]:
        """Named quantities in dependency order: E_X, the channels' (phi, f, gate rates, I), I_X, I_pump,
        I_leak, I_total."""
        out: list[tuple[sp.Symbol, sp.Expr]] = []
        for ion in self.ions:
            if ion.has_concentrations:
                out.append((ion.E, laws.nernst(ion.z, ion.outside, ion.inside)))
        for channel in self.channels:
            out.extend(self._channel_quantities(channel))
        for ion in self.ions:
            if ion.leak != "none":
                out.append((ion.I, self._leak_law(ion)))
        if self.pump is not None and self.pump.current != I_pump:
            out.append((I_pump, self.pump.current))
        # A channel without gates or open fraction is a leak of fixed conductance (Hodgkin & Huxley's I_L).
        leak = sp.Add(*self.leak_currents)
        gated = sp.Add(*[channel.I for channel in self.channels if not channel.is_leak])
        out.append((sp.Symbol("I_leak", real=True), leak))
        out.append((I_TOTAL, leak + gated + (I_pump if self.pump else 0)))
        if self.stimulus:
            out.append((I_NET, I_TOTAL - I_stim))
        return tuple(out)

    @property
    def net_current(self) -> sp.Symbol:
        """The current that charges the membrane, outward: I_total, minus the stimulus when there is one."""
        return I_NET if self.stimulus else I_TOTAL

    def named_rate(self, state: sp.Symbol) -> sp.Expr | None:
        """The rate of V or of a gate written with the named quantities (as exports show it), else None:
        C_m dV/dt = -I_net; dx/dt = phi (alpha (1 - x) - beta x) or phi (inf - x)/tau."""
        if state == V:
            return laws.membrane_dVdt(self.net_current, C_m)
        for channel in self.channels:
            for gate in channel.gates:
                if gate.symbol == state:
                    return gate.rate(channel.temperature_factor)
        return None

    @cached_property
    def leak_currents(self) -> tuple[sp.Symbol, ...]:
        """The named leak currents: each ion's leak (I_X) and each channel without gates (I_L)."""
        return (tuple(ion.I for ion in self.ions if ion.leak != "none")
                + tuple(channel.I for channel in self.channels if channel.is_leak))

    def _channel_quantities(self, channel: Channel) -> list[tuple[sp.Symbol, sp.Expr]]:
        out: list[tuple[sp.Symbol, sp.Expr]] = []
        if channel.q10:
            out.append((channel.phi, laws.q10_factor(channel.Q_10, channel.T_ref, step=DT_10)))
        if channel.open_fraction is not None:
            out.append((channel.f, channel.open_fraction))
        for gate in channel.gates:
            out.extend(gate.kinetics)
        out.append((channel.I, self._channel_law(channel)))
        return out

    def _channel_law(self, channel: Channel) -> sp.Expr:
        ion = next((ion for ion in self.ions if ion.name == channel.ion), None)
        if channel.law == "ghk":
            return laws.ghk_current(channel.P * channel.open_probability, ion.z, ion.inside, ion.outside)
        return laws.ohmic_current(channel.g * channel.open_probability, channel.E if ion is None else ion.E)

    def channel_current(self, ion: Ion) -> sp.Expr:
        """The named currents of the channels that carry ``ion`` (0 if none does)."""
        return sp.Add(*[channel.I for channel in self.channels if channel.ion == ion.name])

    def ion_current(self, ion: Ion) -> sp.Expr:
        """The outward current of ``ion`` across the membrane in the named currents: its leak and its channels'."""
        return (ion.I if ion.leak != "none" else sp.Integer(0)) + self.channel_current(ion)

    def _leak_law(self, ion: Ion) -> sp.Expr:
        if ion.leak == "ghk":
            return laws.ghk_current(ion.P, ion.z, ion.inside, ion.outside)
        return laws.ohmic_current(ion.g, ion.E)

    def expand(self, expr: sp.Expr) -> sp.Expr:
        """Replace named quantities by their definitions until only parameters and V remain."""
        for symbol, definition in reversed(self.quantities):
            expr = expr.xreplace({symbol: definition})
        return expr

    def leak_current(self, ion: Ion) -> sp.Expr:
        """I_X as a function of V and parameters (E_X expanded); 0 for an ion without a leak."""
        return self.expand(ion.I) if ion.leak != "none" else sp.Integer(0)

    @cached_property
    def pump_current(self) -> sp.Expr:
        """I_pump as an expression of the parameters (0 without a pump)."""
        if self.pump is None:
            return sp.Integer(0)
        return self.pump.current

    def pump_share(self, ion: Ion) -> sp.Expr:
        """Outward current carried through the pump by ``ion`` (0 if the pump does not move it)."""
        if self.pump is None:
            return sp.Integer(0)
        n = dict(self.pump.stoichiometry).get(ion.name, 0)
        return laws.pump_ion_current(n, ion.valence, self.pump.charge_per_cycle, I_pump)

    # -- dynamics -------------------------------------------------------------

    @cached_property
    def dynamic_ions(self) -> tuple[Ion, ...]:
        """Ions whose inside amount changes in time (needs area and volume)."""
        if self.volume_mode == "none":
            return ()
        return tuple(ion for ion in self.ions if ion.has_concentrations)

    @cached_property
    def osmolarities(self) -> tuple[sp.Expr, sp.Expr]:
        """(inside, outside) osmolarity: every ion and impermeant particle counts once."""
        inside = sp.Add(*[ion.inside for ion in self.ions if ion.has_concentrations])
        outside = sp.Add(*[ion.outside for ion in self.ions if ion.has_concentrations])
        if self.impermeant:
            inside += A_i
        if self.bath_impermeant:
            outside += B_o
        return inside, outside

    @cached_property
    def algebraic(self) -> tuple[tuple[sp.Symbol, sp.Expr], ...]:
        """Definitions that hold in the dynamic model: [X]_i = N_X / Vol, A_i = N_A / Vol, ...

        In the static view these symbols are parameters; in the dynamic view they
        follow the states. ``instant`` water permeability makes Vol algebraic too.
        """
        out: list[tuple[sp.Symbol, sp.Expr]] = []
        if self.volume_mode == "instant":
            amounts = sp.Add(*[ion.amount for ion in self.dynamic_ions]) + (N_A if self.impermeant else 0)
            out.append((Vol, amounts / self.osmolarities[1]))
        for ion in self.dynamic_ions:
            out.append((ion.inside, ion.amount / Vol))
        if self.impermeant and self.volume_mode != "none":
            out.append((A_i, N_A / Vol))
        return tuple(out)

    @cached_property
    def states(self) -> tuple[State, ...]:
        """V always; N_X when the cell has area and volume; Vol when water moves."""
        total = self.expand(self.net_current)
        states = [State(V, laws.membrane_dVdt(total, C_m), self.initial_potential, "mV", "membrane potential")]
        for channel in self.channels:
            for gate in channel.gates:
                states.append(State(gate.symbol, self.expand(gate.rate(channel.temperature_factor)), None, "1",
                                    f"gate {gate.name} of channel {channel.name} {FRACTION_OPEN}"))
        for ion in self.dynamic_ions:
            rhs = laws.amount_rate(self.expand(self.ion_current(ion) + self.pump_share(ion)), ion.z, area)
            initial = self.values[ion.inside] * self.values[Vol]
            states.append(State(ion.amount, rhs, initial, "fmol", f"{ion.name} amount inside, Vol [{ion.name}]_i"))
        if self.volume_mode == "dynamic":
            osm_in, osm_out = self.osmolarities
            rhs = laws.water_flux(L_p, area, osm_in, osm_out, T)
            states.append(State(Vol, rhs, self.values[Vol], "um^3", "cell volume"))
        return tuple(states)

    def scenario(self, name: str) -> Scenario:
        for scenario in self.scenarios:
            if scenario.name == name:
                return scenario
        raise KeyError(name)

    @cached_property
    def dynamic_parameters(self) -> tuple[Parameter, ...]:
        """The parameters that stay constant in the dynamic model (not states, not algebraic)."""
        varying = {s.symbol for s in self.states} | {symbol for symbol, _ in self.algebraic}
        return tuple(p for p in self.parameters if p.symbol not in varying)

    @cached_property
    def dynamic_values(self) -> dict[sp.Symbol, sp.Rational]:
        return {p.symbol: p.value for p in self.dynamic_parameters}

    def rhs(self) -> Mapping[sp.Symbol, sp.Expr]:
        """The ODE right-hand sides in states and parameters only (algebraics substituted)."""
        subs = dict(self.algebraic)
        out = {}
        for state in self.states:
            expr = state.rhs
            for _ in range(2):  # Vol may itself be algebraic in the amounts
                expr = expr.xreplace(subs)
            out[state.symbol] = expr
        return out
