"""A model as the setting of a verification: names, definitions, ranges, units.

Decisions (documented for users in verify's docstring):

- names: every symbol of the model (parameters, states, V), its named
  quantities (E_X, I_X, I_leak, I_total, I_pump) and every derived quantity id
  that has a formula (V_leak, V_ss, dV_pump, g_leak, tau_m, donnan_ratio, ...),
  plus the aliases of docs/model-format.md ([X]_i, X_in, Xi, ...).
- a named quantity stands for the model's own expression: E_K in a claim is
  R*T*log(K_o/K_i)/(F*z_K), on both sides of every comparison. (A reversal
  potential given as a number is a parameter instead.)
- valences z_X, the coupling ratio r and the constants R and F (CODATA, exact)
  have one value in a model: they are fixed, not sampled; every other
  parameter is sampled log-uniformly within a factor 1.5 of the model's value
  (T within 10 degC of the model's, inside 0-45 degC), V in -120..60 mV. A side
  of the membrane that is electroneutral in the model stays so: its largest
  anion concentration follows the others (Cl_o = K_o + Na_o).
- every symbol has the dimension of its unit in the model file (V: mV; named
  quantities: of their expressions; derived ids: of their unit), and values
  are shown in the model's units (a permeability in cm/s if the file says so).
- quantities with no closed form (V_ss with GHK leaks and a pump, volume_ss)
  are compared numerically: their root is found at each sample point. A
  quantity defined at the steady state (g_leak, tau_m with GHK leaks) is a
  function of the parameters: V in it is the resting potential of the same
  parameters (`rest`), never an input. Where the concentrations move, the
  full steady state (V_ss, and g_leak, tau_m there) is known at the model's
  values only, and recomputed when the temperature changes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property

import sympy as sp

from .. import laws
from ..constants import A_i, V, Vol, z_A
from ..derivation import Derivation, NotApplicable
from ..model import Model
from ..quantities import Derivations
from ..units import convert
from ._numeric import Range, Ranges
from .diagnose import Context
from .dimensions import Dim, of_expr, of_unit, standard_unit
from .equivalence import Side, VerifyError
from .implicit import Implicit, ValueOnly
from .parse import with_aliases
from .problem import Problem

__all__ = ["Setting"]

_SPREAD = 1.5  # sample parameters within this factor of their value
_V_RANGE: Range = (-0.12, 0.06, False)  # volts
_T_RANGE: Range = (273.15, 318.15, False)  # kelvin: 0 to 45 degC
_T_SPREAD = 10.0  # kelvin around the model's temperature
_FIXED_PREFIXES = ("z_",)
_CONSTANTS = ("R", "F")  # exact (CODATA 2018): never varied
_LAW_STEPS = ("dT_10",)  # the 10 K of the Q10 law: fixed, and kept as its name in formulas shown (T/dT_10)
_FIXED_NAMES = ("r", *_LAW_STEPS, *_CONSTANTS)


def _display(value: float, unit: str) -> float:
    """An SI value in a display unit ("1" = dimensionless)."""
    return value if unit in ("1", "") else convert(value, unit)


def _range(name: str, value: float, unit: str | None = None) -> Range:
    """A temperature (T, and a pump's T_ref) within _T_SPREAD of its value; any other within a factor _SPREAD."""
    if name == "T" or unit == "K":
        low, high = value - _T_SPREAD, value + _T_SPREAD
        if _T_RANGE[0] <= value <= _T_RANGE[1]:  # a living cell's temperature: stay within 0-45 degC
            low, high = max(low, _T_RANGE[0]), min(high, _T_RANGE[1])
        return (low, high, False)
    if value > 0:
        return (value / _SPREAD, value * _SPREAD, True)
    if value < 0:
        return (value * _SPREAD, value / _SPREAD, False)
    return (-1.0, 1.0, False)


class _Definitions(Mapping):
    """The model's named quantities and derived ids -> expressions, derived on first use.

    A quantity the model has only numerically, or not at all, raises
    VerifyError with the reason when it is looked up.
    """

    def __init__(self, setting: Setting):
        from ..gated import gate_steady_states  # here: gated reads the model this module's Setting holds

        self._setting = setting
        self._quantities = {s: e for s, e in setting.model.quantities if s != e}
        # A gate at rest is at its steady state x_inf(V): a claim about the currents is one in V alone
        self._quantities.update(gate_steady_states(setting.model))
        ids = {setting.symbol(i): i for i in setting.derivations.ids()}
        self._ids = {s: i for s, i in ids.items() if s not in self._quantities}

    def __contains__(self, key: object) -> bool:
        return key in self._quantities or (key in self._ids and self._setting.has_formula(self._ids[key]))

    def __getitem__(self, key: sp.Symbol) -> sp.Expr:
        if key in self._quantities:
            return self._quantities[key]
        return self._setting.formula(self._ids[key])

    def __iter__(self) -> Iterator[sp.Symbol]:
        return iter([*self._quantities, *(s for s in self._ids if s in self)])

    def __len__(self) -> int:
        return len(list(iter(self)))


class _Targets(Mapping):
    """Derived ids without a formula -> their numeric targets (a root, or a value); derived on first use.

    An id that does not apply to the model is in it too: looking it up says why.
    """

    def __init__(self, setting: Setting):
        self._setting = setting
        quantities = {s for s, _ in setting.model.quantities}
        self._ids = {setting.symbol(i): i for i in setting.derivations.ids() if setting.symbol(i) not in quantities}

    def __contains__(self, key: object) -> bool:
        return key in self._ids and not self._setting.has_formula(self._ids[key])

    def __getitem__(self, key: sp.Symbol):
        if key not in self:
            raise KeyError(key)
        return self._setting.correct(self._ids[key])

    def __iter__(self) -> Iterator[sp.Symbol]:
        return iter([s for s in self._ids if s in self])

    def __len__(self) -> int:
        return len(list(iter(self)))


class _Resting:
    """Symbols of the derived ids whose formula is meant at the steady state (V at rest); derived on first use."""

    def __init__(self, setting: Setting):
        self._setting = setting

    def __contains__(self, key: object) -> bool:
        setting = self._setting
        if not isinstance(key, sp.Symbol) or key.name not in setting.derivations.ids():
            return False
        if not setting.has_formula(key.name) or setting.symbol(key.name) != key:
            return False
        return any(symbol == V for symbol, _ in setting.derivations.get(key.name).at)


class _Dimensions(Mapping):
    """Symbol -> dimension: of its unit, of its expression (E_K), or of its derived id's unit."""

    def __init__(self, setting: Setting):
        model = setting.model
        self._setting = setting
        self._units: dict[sp.Symbol, str] = {p.symbol: p.unit for p in model.parameters}
        self._units.update({st.symbol: st.unit for st in model.states})
        self._units[V] = "mV"
        self._quantities = {s: e for s, e in model.quantities if s != e}
        self._ids = {setting.symbol(i): i for i in setting.derivations.ids()}
        self._cache: dict[sp.Symbol, Dim | None] = {}

    def __getitem__(self, key: sp.Symbol) -> Dim | None:
        if key in self._cache:
            return self._cache[key]
        if key in self._units:
            dim = of_unit(self._units[key])
        elif key in self._quantities:
            self._cache[key] = None  # a definition that names itself stays unknown
            dim = of_expr(self._quantities[key], self)
        elif key in self._ids:
            try:
                dim = of_unit(self._setting.derivations.get(self._ids[key]).unit)
            except NotApplicable:
                dim = None
        else:
            raise KeyError(key)
        self._cache[key] = dim
        return dim

    def __iter__(self) -> Iterator[sp.Symbol]:
        return iter({**self._units, **self._quantities, **self._ids})

    def __len__(self) -> int:
        return len({**self._units, **self._quantities, **self._ids})


@dataclass
class Setting:
    """One model, read once: what `verify` needs to parse and compare."""

    model: Model
    derivations: Derivations = field(init=False)

    def __post_init__(self) -> None:
        self.derivations = Derivations(self.model)

    # -- quantities -----------------------------------------------------------

    def symbol(self, quantity_id: str) -> sp.Symbol:
        return self.model.symbols.get(quantity_id) or sp.Symbol(quantity_id, real=True)

    @cached_property
    def _parameters(self) -> set[sp.Symbol]:
        return {p.symbol for p in self.model.parameters}

    def _has_formula(self, d: Derivation) -> bool:
        """Closed form, or a function of V meant at V = V_ss (GHK g_leak, tau_m).

        Not at a steady state whose concentrations differ from the parameters'
        (a model whose concentrations move): that is a value, not a formula.
        """
        if d.method == "numeric root":
            return False
        if d.method in ("closed form", "given"):
            return True
        known = self._parameters | {V} | {s for s, _ in self.model.quantities}
        elsewhere = {k for k, _ in d.at} - {V}
        return d.expression.free_symbols <= known and not elsewhere

    def has_formula(self, quantity_id: str) -> bool:
        """Does the id stand for an expression of the parameters (False: a root, a value, or not applicable)?"""
        try:
            return self._has_formula(self.derivations.get(quantity_id))
        except NotApplicable:
            return False

    def unit(self, quantity_id: str) -> str:
        if quantity_id not in self.derivations.ids():
            return "1"
        try:
            return self.derivations.get(quantity_id).unit
        except NotApplicable:
            return "1"

    def _derivation(self, quantity_id: str) -> Derivation:
        try:
            return self.derivations.get(quantity_id)
        except NotApplicable as reason:
            raise VerifyError(f"{quantity_id} does not apply to model {self.model.name!r}: {reason}") from None

    def formula(self, quantity_id: str) -> sp.Expr:
        """The expression of a derived quantity; VerifyError when it has none."""
        d = self._derivation(quantity_id)
        if not self._has_formula(d):
            raise VerifyError(
                f"{quantity_id} has no closed form in model {self.model.name!r} ({d.method}); "
                f"compare with it as --against {quantity_id}"
            )
        return d.expression

    def correct(self, quantity_id: str) -> Side | ValueOnly:
        """The model's own value of quantity_id: an expression, or an Implicit root."""
        if quantity_id not in self.derivations.ids():
            ids = self.derivations.ids()
            same = [i for i in ids if i.lower() == quantity_id.lower()]  # E_k: E_K
            hint = f" (did you mean {same[0]}?)" if same else ""
            raise VerifyError(f"unknown quantity id {quantity_id!r}{hint}; one of: {', '.join(ids)}")
        d = self._derivation(quantity_id)
        if self._has_formula(d):
            return self.symbol(quantity_id)
        return self._implicit(d)

    def _implicit(self, d: Derivation) -> Implicit | ValueOnly:
        if d.method == "numeric root":
            unknown = V if V in d.expression.free_symbols else Vol
            balance = self._base_problem.expand(d.expression)
            if not balance.free_symbols - {unknown} <= self._parameters:
                return self._value_only(d)  # e.g. volume_ss needs the steady amounts N_X
            return Implicit(balance, unknown, d.value, positive=unknown != V, name=d.id,
                            at_file=d.id == self.balance_id and bool(self.model.dynamic_ions))
        # e.g. dV_pump = V_ss - V_leak with V_ss a numeric root
        for quantity_id in self.derivations.ids():
            s = self.symbol(quantity_id)
            if s not in d.expression.free_symbols:
                continue
            root = self._derivation(quantity_id)
            rest = d.expression - s
            inner = self._implicit(root) if root.method == "numeric root" else None
            plus = self._base_problem.expand(rest)  # V_leak with a Ca2+ leak is a root too: then known by value
            if isinstance(inner, Implicit) and s not in rest.free_symbols and plus.free_symbols <= self._parameters:
                return replace(inner, plus=plus, name=d.id)
        return self._value_only(d)

    def _value_only(self, d: Derivation) -> ValueOnly:
        # Where the concentrations move, the quantity is known at its steady state's (d.at), not the file's.
        inside = {ion.inside for ion in self.model.ions if ion.has_concentrations}
        state = {s: float(v) for s, v in d.at if s in self.values and s in inside}
        potential = self.steady_point.get(V) if state else None  # the steady state's V with its concentrations
        return ValueOnly(d.id, d.value, recompute=lambda changes: self._recompute(d.id, changes), reference=self.values,
                         state=state, potential=potential)

    def _recompute(self, quantity_id: str, changes: Mapping[sp.Symbol, object]) -> float | None:
        """The quantity's value with some parameters changed (the model derives it again), None if it has none."""
        key = (quantity_id, tuple(sorted((s.name, str(v)) for s, v in changes.items())))
        if key not in self._recomputed:
            parameters = {p.symbol for p in self.model.parameters}
            if not set(changes) <= parameters:
                return None
            changed = tuple(replace(p, value=sp.Rational(str(changes[p.symbol]))) if p.symbol in changes else p
                            for p in self.model.parameters)
            try:
                value: float | None = Derivations(replace(self.model, parameters=changed)).get(quantity_id).value
            except (NotApplicable, ArithmeticError, ValueError):
                value = None
            self._recomputed[key] = value
        return self._recomputed[key]

    @cached_property
    def _recomputed(self) -> dict:
        return {}

    # -- the resting potential and the quantities without a formula ------------

    @cached_property
    def rest(self) -> Side | None:
        """V at rest as a function of the parameters: the current balance at the given concentrations."""
        for quantity_id in (self.balance_id, "V_leak"):
            try:
                correct = self.correct(quantity_id)
            except VerifyError:
                continue
            if isinstance(correct, ValueOnly):
                return None
            return self._base_problem.expand(correct) if isinstance(correct, sp.Basic) else correct
        return None

    @cached_property
    def targets(self) -> Mapping[sp.Symbol, Side | ValueOnly]:
        """Derived ids without a formula (numeric roots, values) -> their numeric targets."""
        return _Targets(self)

    # -- the problem ----------------------------------------------------------

    @cached_property
    def values(self) -> dict[sp.Symbol, float]:
        out = {p.symbol: float(p.value) for p in self.model.parameters}
        for state in self.model.states:
            if state.initial is not None:
                out[state.symbol] = float(state.initial)
        return out

    @cached_property
    def units(self) -> dict[str, str]:
        out = {p.name: p.unit for p in self.model.parameters if p.unit != "1"}
        out.update({s.symbol.name: s.unit for s in self.model.states})
        return out

    @cached_property
    def definitions(self) -> Mapping[sp.Symbol, sp.Expr]:
        return _Definitions(self)

    @cached_property
    def dimensions(self) -> Mapping[sp.Symbol, Dim | None]:
        return _Dimensions(self)

    @cached_property
    def _display_units(self) -> dict[Dim, str]:
        """The model file's own unit for each dimension it uses (first one wins)."""
        out: dict[Dim, str] = {of_unit("mV"): "mV"}
        for p in self.model.parameters:
            if p.unit != "1":
                out.setdefault(of_unit(p.unit), p.unit)
        for state in self.model.states:
            out.setdefault(of_unit(state.unit), state.unit)
        return out

    def unit_for(self, dim: Dim) -> str:
        """The unit values of this dimension are shown in: the model's, else a physiologist's."""
        return self._display_units.get(dim) or standard_unit(dim)

    @cached_property
    def problem(self) -> Problem:
        """The setting of every check: ranges, definitions, units, V at rest, the numbers a claim may use."""
        from .numbers import known_numbers  # here: numbers reads a Setting

        return replace(self._base_problem, rest=self.rest, rest_name=self.balance_id, targets=self.targets,
                       known=lambda: known_numbers(self), resting=_Resting(self), steady=self.steady_point)

    @cached_property
    def steady_point(self) -> dict[sp.Symbol, float]:
        """V and the inside concentrations at the full steady state, where the concentrations move; else {}."""
        if not self.model.dynamic_ions:
            return {}
        try:
            d = self.derivations.get("V_ss")
        except NotApplicable:
            return {}
        inside = {ion.inside for ion in self.model.ions if ion.has_concentrations}
        return {V: float(d.value), **{s: float(v) for s, v in d.at if s in self.values and s in inside}}

    @cached_property
    def _base_problem(self) -> Problem:
        fixed, ranges = {}, {V: _V_RANGE}
        for p in self.model.parameters:
            if p.name.startswith(_FIXED_PREFIXES) or p.name in _FIXED_NAMES:
                fixed[p.symbol] = p.value
        units = {p.symbol: p.unit for p in self.model.parameters}
        for s, v in self.values.items():
            if s not in fixed:
                ranges[s] = _range(s.name, v, units.get(s))
        reference = dict(self.values)
        reference[V] = self._resting_potential()
        return Problem(
            ranges=Ranges(ranges, self._electroneutral(fixed)),
            definitions=self.definitions,
            context=Context(),
            reference=reference,
            units={**self.units, "V": "mV"},
            fixed=fixed,
            convert=_display,
            dimensions=self.dimensions,
            unit_for=self.unit_for,
            constants=frozenset(s for s in fixed if s.name in (*_CONSTANTS, *_LAW_STEPS)),
        )

    def _electroneutral(self, fixed: Mapping[sp.Symbol, sp.Expr]) -> dict[sp.Symbol, sp.Expr]:
        """For each side that the model keeps electroneutral: its largest anion as an expression of the others."""
        model, values = self.model, self.values
        inside = [(ion.inside, ion.valence) for ion in model.ions if ion.has_concentrations]
        outside = [(ion.outside, ion.valence) for ion in model.ions if ion.has_concentrations]
        if model.impermeant and A_i in values and z_A in fixed:
            inside.append((A_i, int(fixed[z_A])))
        out: dict[sp.Symbol, sp.Expr] = {}
        for side in (inside, outside):
            side = [(c, z) for c, z in side if c in values and c not in fixed]
            charge = sum(z * values[c] for c, z in side)
            total = sum(abs(z) * values[c] for c, z in side)
            anions = [(abs(z) * values[c], c, z) for c, z in side if z < 0]
            if not anions or total == 0 or abs(charge) > 1e-9 * total:
                continue
            _, follower, z = max(anions, key=lambda a: (a[0], a[1].name))
            out[follower] = -sp.Add(*[k * c for c, k in side if c != follower]) / z
        return out

    @property
    def balance_id(self) -> str:
        """The current balance with the pump at the given concentrations: V_ss, or V_balance when they move."""
        return "V_balance" if self.model.dynamic_ions else "V_ss"

    def _resting_potential(self) -> float:
        for quantity_id in (self.balance_id, "V_leak"):
            try:
                return self.derivations.get(quantity_id).value
            except NotApplicable:
                continue
        return -0.07

    def problem_for(self, quantity_id: str | None) -> Problem:
        """The problem with the unit of the result and the slips this quantity allows."""
        if quantity_id is None:
            return self.problem
        alternatives = {**self._chord_alternatives(quantity_id), **self._linearised(quantity_id),
                        **self._monovalent_log_form(quantity_id), **self._pump_left_out(quantity_id),
                        **self._divalent_left_out(quantity_id)}
        context = replace(self.problem.context, alternatives=alternatives)
        return replace(self.problem, result_unit=self.unit(quantity_id), context=context)

    def _linearised(self, quantity_id: str) -> dict[str, sp.Expr]:
        """With GHK leaks, V_leak - I_pump/g_leak is the pump's shift to first order only."""
        if self.model.pump is None or all(i.leak == "ohmic" for i in self.model.ions):
            return {}
        names = self.model.symbols
        shift = -names["I_pump"] / self.symbol("g_leak") if "I_pump" in names else None
        label = ("the linearised pump shift: -I_pump/g_leak is exact for ohmic leaks only; with GHK leaks it is the "
                 f"first-order shift, and {self.balance_id} solves I_leak(V) + I_pump = 0 exactly (as such it holds "
                 "with --approx 'I_pump -> 0' --to-order 1)")
        if shift is None:
            return {}
        if quantity_id in ("V_ss", "V_balance"):
            return {label: self.symbol("V_leak") + shift}
        if quantity_id == "dV_pump":
            return {label: shift}
        return {}

    def _pump_left_out(self, quantity_id: str) -> dict[str, sp.Expr]:
        """V_ss with a pump is not the leaks' zero-current voltage V_leak (GHK or chord formula)."""
        if quantity_id not in ("V_ss", "V_balance") or self.model.pump is None or "I_pump" not in self.model.symbols:
            return {}
        label = (f"the pump's current left out: that is V_leak, where the leaks alone carry no current; "
                 f"{quantity_id} solves I_leak(V) + I_pump = 0")
        return {label: self.symbol("V_leak")}

    def _monovalent_log_form(self, quantity_id: str) -> dict[str, sp.Expr]:
        """The GHK log form with a divalent ion counted as monovalent: a formula that does not exist."""
        ions = [i for i in self.model.ions if i.leak == "ghk"]
        divalent = [i for i in ions if abs(i.valence) != 1]
        if quantity_id not in ("V_ghk", "V_leak") or not divalent:
            return {}
        named = ", ".join(f"{i.name} (z = {i.valence})" for i in divalent)
        label = (f"a divalent ion has no GHK log form: with {named}, {quantity_id} is the root of the zero-current "
                 "condition (found numerically), not the monovalent log formula")
        weighted = ", ".join(f"{i.P} weighted by z^2 = {i.valence ** 2}" for i in divalent)
        weighted_label = f"a divalent ion has no GHK log form, not even with {weighted}"
        exact = [i for i in divalent if i.valence == 2]
        if exact:  # zero current: sum P (X_i - X_o w) + 4 P_X (X_i - X_o w^2)/(1 + w) = 0, w = exp(-F V/(R T))
            x = exact[0]
            weighted_label += (f": the weights that make it exact depend on V (4 {x.P}/(1 + exp(F V/(R T))) with "
                               f"{x.outside}, 4 {x.P}/(1 + exp(-F V/(R T))) with {x.inside})")
        weighted_label += f"; {quantity_id} is the root of the zero-current condition (found numerically)"
        return {label: laws.ghk_voltage((i.P, 1 if i.valence > 0 else -1, i.inside, i.outside) for i in ions),
                weighted_label: laws.ghk_voltage((i.P * i.valence ** 2, 1 if i.valence > 0 else -1, i.inside, i.outside)
                                                 for i in ions)}

    def _divalent_left_out(self, quantity_id: str) -> dict[str, sp.Expr]:
        """The zero-current potential without a divalent ion's term: the GHK log form of the monovalent ions left
        (a Ca2+ leak makes it a root found numerically, which no formula with a term left out can match)."""
        without_pump = quantity_id in ("V_ghk", "V_leak") or quantity_id == "V_ss" and self.model.pump is None
        ions = [i for i in self.model.ions if i.leak == "ghk"]
        divalent = [i for i in ions if abs(i.valence) != 1]
        if not without_pump or len(divalent) != 1 or len(ions) < 2 or len(ions) != len(self.model.ions):
            return {}
        x, rest = divalent[0], [i for i in ions if i is not divalent[0]]
        label = (f"the {x.name} term left out: that is the zero-current potential of {' and '.join(i.name for i in rest)} "
                 f"alone; {quantity_id} counts the current of {x.name} too (through {x.P})")
        return {label: laws.ghk_voltage((i.P, 1 if i.valence > 0 else -1, i.inside, i.outside) for i in rest)}

    def _chord_alternatives(self, quantity_id: str) -> dict[str, sp.Expr]:
        """g_leak and tau_m with chord instead of slope conductances (GHK leaks)."""
        if quantity_id not in ("g_leak", "tau_m") or all(i.leak == "ohmic" for i in self.model.ions):
            return {}
        chord = sp.Add(*[self.model.leak_current(i) / (V - self.model.expand(i.E)) for i in self.model.ions])
        if quantity_id == "g_leak":
            return {"chord vs slope conductance": chord}
        c_m = self.model.symbols["C_m"]
        return {"chord vs slope conductance": c_m / chord}

    # -- names ------------------------------------------------------------------

    @cached_property
    def names(self) -> dict[str, sp.Expr]:
        """Every symbol of the model and every quantity id (derived only when used)."""
        names: dict[str, sp.Expr] = dict(self.model.symbols)
        for quantity_id in self.derivations.ids():
            names.setdefault(quantity_id, self.symbol(quantity_id))
        return with_aliases(names)

    def names_for(self, quantity_id: str | None) -> dict[str, sp.Expr]:
        """Names, with z meaning the ion's valence when quantity_id is E_X or I_X."""
        names = self.names
        if quantity_id and quantity_id[:2] in ("E_", "I_"):
            z = self.model.symbols.get("z_" + quantity_id[2:])
            if z is not None and "z" not in names:
                names = {**names, "z": z}
        return names
