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
from .constants import A_i, C_m, I_pump, L_p, T, V, Vol, area
from .ions import Ion

__all__ = ["Parameter", "Pump", "Change", "ProtocolStep", "Scenario", "State", "Model", "N_A", "B_o"]

N_A = sp.Symbol("N_A", positive=True)  # impermeant amount inside (constant)
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
        """Named quantities in dependency order: E_X, I_X, I_pump, I_leak, I_total."""
        out: list[tuple[sp.Symbol, sp.Expr]] = []
        for ion in self.ions:
            if ion.has_concentrations:
                out.append((ion.E, laws.nernst(ion.z, ion.outside, ion.inside)))
        for ion in self.ions:
            out.append((ion.I, self._leak_law(ion)))
        if self.pump is not None and self.pump.current != I_pump:
            out.append((I_pump, self.pump.current))
        leak = sp.Add(*[ion.I for ion in self.ions])
        out.append((sp.Symbol("I_leak", real=True), leak))
        out.append((sp.Symbol("I_total", real=True), leak + (I_pump if self.pump else 0)))
        return tuple(out)

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
        """I_X as a function of V and parameters (E_X expanded)."""
        return self.expand(ion.I)

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
        total = self.expand(sp.Symbol("I_total", real=True))
        states = [State(V, laws.membrane_dVdt(total, C_m), self.initial_potential, "mV", "membrane potential")]
        for ion in self.dynamic_ions:
            current = self.leak_current(ion) + self.pump_share(ion)
            rhs = laws.amount_rate(self.expand(current), ion.z, area)
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
