"""The ODE-system layer: what every generic tool reads.

A cell description (derive.model.Model: ions, leaks, pump, channels, impermeants) builds
one with ``from_model``; an importer of another tool's model file (CellML, SBML) builds
one directly. It knows nothing of ions: states with their right-hand sides, parameters,
named quantities, scenarios, and roles (which state is the membrane potential, which
quantities are membrane currents, which parameter is the stimulus). Resting states and
their stability, simulation and numeric code, sweeps and exports read this layer, so an
imported model gets all of them.

Conventions: every value is SI (time in s, V in volts), exact where the source was exact;
``unit`` fields are the display units (as in model files: "mV", "mM", "fmol", "um^3", ...).
A right-hand side or quantity may use states, parameters, earlier quantities and ``TIME``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING

import sympy as sp

from .channels import QUANTITY_UNITS as CHANNEL_UNITS
from .constants import C_m, F, I_pump, I_stim, V, area, z_A
from .model import N_A, Parameter, Scenario, State

if TYPE_CHECKING:
    from .model import Model

__all__ = ["TIME", "Quantity", "Roles", "OdeSystem", "from_model", "reached"]

TIME = sp.Symbol("t", real=True)  # s; only imported models use it (a stimulus that depends on time)


@dataclass(frozen=True)
class Quantity:
    """A named algebraic quantity: ``symbol = expression``, shown in ``unit``."""

    symbol: sp.Symbol
    expression: sp.Expr
    unit: str = ""
    description: str = ""

    @property
    def name(self) -> str:
        return self.symbol.name


@dataclass(frozen=True)
class Roles:
    """What the generic tools need to know beyond the equations.

    voltage: the state that is the membrane potential (V, volts).
    currents: the quantities (or parameters, e.g. a constant pump current) that are membrane
    currents, for reports: outward positive times ``sign`` (an applied current the file writes inward
    positive has sign -1); ``unnamed``: V's equation holds current terms written inline, in no named one.
    stimulus: the parameter that is an injected current, set to 0 at rest; None if there is none.
    capacitance: the membrane capacitance the V equation divides by (per area or whole cell, in
    the currents' own terms), so that a slope conductance is -capacitance * d(dV/dt)/dV; None if unknown.
    """

    voltage: sp.Symbol
    currents: tuple[sp.Symbol, ...] = ()
    stimulus: sp.Symbol | None = None
    capacitance: sp.Expr | None = None
    signs: tuple[int, ...] = ()  # per current: -1 where it enters V's rate as +I/C (inward positive); (): all +1
    unnamed: sp.Expr = sp.Integer(0)  # V's outward current terms no named current holds (inline in the file)

    def sign(self, index: int) -> int:
        return self.signs[index] if self.signs else 1


@dataclass(frozen=True)
class OdeSystem:
    """d state/dt = rhs for each state; parameters constant between scenario steps."""

    name: str
    description: str
    source: str
    states: tuple[State, ...]
    parameters: tuple[Parameter, ...]
    roles: Roles
    quantities: tuple[Quantity, ...] = ()  # dependency order: each uses only earlier ones
    scenarios: tuple[Scenario, ...] = field(default=())
    # the protocol a file defines (SBML events at fixed times): ((event id, t in s, ((parameter, SI value), ...),
    # condition), ...), a condition () or ((parameter, SI value),): derive.importers.sbml_events
    steps: tuple = ()
    events: tuple[str, ...] = ()  # the ids of every event of the file, run as steps or not: no export holds them

    @cached_property
    def values(self) -> dict[sp.Symbol, sp.Expr]:
        """Every parameter's SI value by symbol."""
        return {p.symbol: p.value for p in self.parameters}

    @cached_property
    def state_symbols(self) -> tuple[sp.Symbol, ...]:
        return tuple(s.symbol for s in self.states)

    @cached_property
    def voltage_index(self) -> int:
        """Position of the membrane potential among the states."""
        return self.state_symbols.index(self.roles.voltage)

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)

    def quantity(self, name: str) -> Quantity:
        for q in self.quantities:
            if q.name == name:
                return q
        raise KeyError(name)

    def expand(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` with every named quantity replaced by its definition (states, parameters, TIME remain)."""
        for q in reversed(self.quantities):
            expr = expr.xreplace({q.symbol: q.expression})
        return expr

    @cached_property
    def _definitions(self) -> dict[sp.Symbol, sp.Expr]:
        return {q.symbol: q.expression for q in self.quantities}

    def reached(self, roots, off: sp.Symbol | None = None) -> frozenset:
        """``roots`` (symbols) and every symbol they use through the definitions of the quantities among them;
        ``off`` (the stimulus, 0 at rest) left out, and what only it uses."""
        return reached(roots, self._definitions, off)

    def rhs(self) -> Mapping[sp.Symbol, sp.Expr]:
        """The right-hand sides in states, parameters and TIME only."""
        return {s.symbol: self.expand(s.rhs) for s in self.states}

    def jacobian(self) -> sp.Matrix:
        """d rhs_i / d state_j, symbolic."""
        rhs = self.rhs()
        return sp.Matrix([rhs[s] for s in self.state_symbols]).jacobian(list(self.state_symbols))


def reached(roots, definitions: Mapping[sp.Symbol, sp.Expr], off: sp.Symbol | None = None) -> frozenset:
    """``roots`` and every symbol they use through ``definitions`` ({quantity: its expression}), ``off`` left out
    with what only it uses."""
    seen, todo = set(), list(roots)
    while todo:
        symbol = todo.pop()
        if symbol not in seen and symbol != off:
            seen.add(symbol)
            todo.extend(getattr(definitions.get(symbol), "free_symbols", ()))
    return frozenset(seen)


# Display units of a cell description's named quantities, by the prefix of their names.
_QUANTITY_UNITS = (("E_", "mV"), ("I_", "uA/cm^2"), ("N_", "fmol")) + CHANNEL_UNITS


def _display_unit(model: Model, symbol: sp.Symbol) -> str:
    if model.has(symbol.name):  # an algebraic symbol that is a parameter in the static view: X_i, A_i, Vol
        return model.parameter(symbol.name).unit
    return next((unit for prefix, unit in _QUANTITY_UNITS if symbol.name.startswith(prefix)), "")


def _given_states(model: Model) -> tuple[State, ...]:
    """The model's states; when charge is conserved and the file gives no initial potential, V starts where
    `vrest simulate --start given` starts it, at the root of the current balance at the file's concentrations,
    with no net charge beyond the capacitor's (Kay 2017), the condition the model's steady state is found with:
    the capacitor's charge C_m A V is taken from the most abundant ion inside (a change of about 1e-5 of its
    amount). It started at the charge-difference potential of the given amounts, 0 mV for a neutral composition,
    with the gates open there: a bistable cell went from there to its depolarised state."""
    from .derivation import NoSteadyState
    from .steady_state import charge_conserved, initial_state  # here: steady_state reads the cell description

    states = model.states
    if model.initial_potential is not None or not charge_conserved(model):
        return states
    given = {s.symbol: s.initial for s in states if s.initial is not None}
    bulk = sp.Add(*[ion.valence * given[ion.amount] for ion in model.dynamic_ions])
    if model.impermeant:
        bulk += (z_A * N_A).xreplace(model.values)
    capacitor = (C_m * area).xreplace(model.values) / model.values[F]  # mol per volt
    try:
        potential = sp.nsimplify(initial_state(model)[V])
    except NoSteadyState:  # no current balance at the file's concentrations: the charge-difference potential
        return tuple(replace(s, initial=bulk / capacitor) if s.symbol == V else s for s in states)
    carrier = max(model.dynamic_ions, key=lambda ion: abs(ion.valence * given[ion.amount]))
    initial = {V: potential, carrier.amount: given[carrier.amount] + (capacitor * potential - bulk) / carrier.valence}
    return tuple(replace(s, initial=initial[s.symbol]) if s.symbol in initial else s for s in states)


def from_model(model: Model) -> OdeSystem:
    """The ODE system of a cell description: its dynamic view (amounts and volume as states
    where the cell has them, concentrations as quantities N_X/Vol)."""
    algebraic = [Quantity(s, e, _display_unit(model, s), model.parameter(s.name).description
                          if model.has(s.name) else "") for s, e in model.algebraic]
    named = [Quantity(s, e, _display_unit(model, s)) for s, e in model.quantities]
    currents = (model.leak_currents + tuple(c.I for c in model.channels if not c.is_leak)
                + ((I_pump,) if model.pump is not None else ()))
    stimulus = I_stim if model.stimulus else None
    return OdeSystem(
        name=model.name,
        description=model.description,
        source=model.source,
        states=_given_states(model),
        parameters=model.dynamic_parameters,
        roles=Roles(voltage=V, currents=currents, stimulus=stimulus, capacitance=C_m),
        quantities=tuple(algebraic + named),
        scenarios=model.scenarios,
    )
