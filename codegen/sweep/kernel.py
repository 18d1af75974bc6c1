"""The sweep kernel: one generated NumPy module that evaluates `vrest derive` quantities over arrays.

SymPy runs once per model, here: each quantity becomes either a closed form printed by the
NumPy printer (exprel-exact GHK), or the equations a vectorised solver needs (codegen.sweep.runtime):
the 1-D current balance and its V-derivative (bracketed Newton), the full steady state's
equations and Jacobian (damped Newton), the reduced Jacobian at the steady state (batched
eigenvalues), the Donnan balance in ln r_D, the two equations where the pump-leak steady
states end. The module's RECIPE says which rule computes each quantity; the source text and its
hash are what a worker receives (no SymPy objects).

The rules follow derive/: the closed/numeric choice of each quantity is the one its Derivation
made at the model's values, and the equations are the ones derive solves with mpmath.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from vrest.derive.constants import C_m, F, I_pump, R, T, V, Vol
from vrest.derive.derivation import Derivation, NoSteadyState, NotApplicable
from vrest.derive.model import Model
from vrest.derive.quantities import Derivations
from vrest.derive.derivations.pump_range import rate_unit
from vrest.derive.registry import UNITS
from vrest.derive.units import unit_factor
from vrest.derive.steady_state import charge, charge_conserved

from ..exporters._numeric import cse_block
from ..printers import NUMPY_PRELUDE, VrestNumPyPrinter

__all__ = ["Kernel", "build_kernel", "applicable_quantities"]

_ONE_D = ("V_ghk", "V_leak", "V_ss", "V_balance")  # zero-current potentials: closed or a 1-D root in V


@dataclass(frozen=True)
class Kernel:
    """The generated module's source and hash, with what it computes (ids, SI -> display units)."""

    model: str
    source: str
    digest: str
    quantities: tuple[str, ...]
    units: dict[str, str]
    parameters: tuple[str, ...]  # the inputs it reads, SI, by name


class _Source:
    """Python text of the kernel, one function at a time."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.states = tuple(s.symbol for s in model.states)
        self.printer = VrestNumPyPrinter({"symbol_names": {}})
        self.by_symbol = {p.symbol: p.name for p in model.parameters}
        self.valences = {ion.z: sp.Integer(ion.valence) for ion in model.ions}
        self.blocks: list[str] = []
        self.defined: set[str] = set()
        self.recipe: dict[str, tuple] = {}
        self.pump_max_unit: tuple[str, float] | None = None  # (display unit, its SI value) when pump_max is built

    def prepare(self, expr: sp.Expr) -> sp.Expr:
        """Named quantities expanded, valences as integers (structural, as in the numeric modules)."""
        return self.model.expand(sp.sympify(expr)).xreplace(self.valences)

    def input(self, name: str) -> sp.Symbol:
        """A runtime input besides the model's parameters (J_0), read from p by name."""
        symbol = sp.Symbol(name)
        self.by_symbol[symbol] = name
        return symbol

    def function(self, name: str, exprs: list[sp.Expr], arguments: str | tuple[sp.Symbol, ...] = (),
                 matrix: int = 0) -> str:
        """``def name(<arguments>, p)`` returning the exprs broadcast and stacked (or one array); once per name.

        ``arguments``: "x" (the model's states, stacked) or symbols, each an array argument.
        """
        if name in self.defined:
            return name
        self.defined.add(name)
        exprs = [self.prepare(e) for e in exprs]
        free = set().union(*[e.free_symbols for e in exprs])
        symbols = self.states if arguments == "x" else tuple(arguments)
        unknown = free - set(self.by_symbol) - set(symbols)
        if unknown:
            raise NotApplicable(f"{name}: symbols without values: {', '.join(sorted(map(str, unknown)))}")
        assignments, reduced = cse_block(exprs)
        # A state that is also a parameter of the static view (Vol) is the state in "x" functions.
        names = {symbol: f"p_{name}" for symbol, name in self.by_symbol.items()}
        names.update({a: f"x_{a.name}" for a in symbols})
        self.printer._settings["symbol_names"] = names
        printed = "x" if arguments == "x" else ", ".join(names[a] for a in symbols)
        lines = [f"def {name}({printed + ', ' if printed else ''}p):"]
        if arguments == "x":
            lines += [f"    x_{s.name} = x[{k}]" for k, s in enumerate(self.states) if s in free]
        lines += [f"    p_{n} = p[{n!r}]" for s, n in self.by_symbol.items() if s in free and s not in symbols]
        lines += [f"    {lhs.name} = {self.printer.doprint(rhs)}" for lhs, rhs in assignments]
        results = [self.printer.doprint(e) for e in reduced]
        if len(results) == 1 and not matrix:
            lines.append(f"    return _array({results[0]})")
        else:
            lines.append(f"    return _stack({', '.join(results)}{', ' if len(results) == 1 else ''})"
                         + (f".reshape(({matrix}, {matrix}, -1))" if matrix else ""))
        self.blocks.append("\n".join(lines))
        return name


def _derivation(ctx: Derivations, quantity_id: str) -> Derivation | None:
    """The Derivation at the model's values; None when it has no value there (NoSteadyState)."""
    try:
        return ctx.get(quantity_id)
    except NoSteadyState:
        return None


def applicable_quantities(model: Model, among: list[str] | None = None) -> tuple[list[str], dict[str, str]]:
    """(ids a sweep can evaluate for ``model``, {id: reason} for those the model lacks what they need), of
    ``among`` (default: every id of the model)."""
    ctx = Derivations(model)
    ids, reasons = [], {}
    for quantity_id in (among if among is not None else ctx.ids()):
        try:
            _structure(model, ctx, quantity_id)
            ids.append(quantity_id)
        except NotApplicable as reason:
            reasons[quantity_id] = str(reason)
    return ids, reasons


def _structure(model: Model, ctx: Derivations, quantity_id: str) -> None:
    """Raise NotApplicable (not NoSteadyState) when the model lacks what ``quantity_id`` needs."""
    if model.channels and not quantity_id.startswith("E_"):  # the kernels know the leaks' currents only
        raise NotApplicable("a sweep of a model with channels evaluates only the Nernst potentials; run vrest derive "
                            "(or vrest rest) at each value")
    if quantity_id == "pump_max":
        from vrest.derive.derivations.pump_range import needs_conserved_charge, needs_pump_leak

        needs_pump_leak(model)
        needs_conserved_charge(model)
        return
    if quantity_id == "tau_fast":
        raise NotApplicable("no vectorised rule in vrest sweep yet: vrest derive gives it for one parameter set")
    _derivation(ctx, quantity_id)


def _balance_current(model: Model, quantity_id: str) -> sp.Expr:
    """The current whose zero defines V_ghk, V_leak, V_ss (fixed concentrations) or V_balance."""
    ions = [ion for ion in model.ions if quantity_id != "V_ghk" or ion.leak == "ghk"]
    current = sp.Add(*[ion.I for ion in ions])
    if quantity_id in ("V_ss", "V_balance") and model.pump is not None:
        current += I_pump
    return current


def _one_d(src: _Source, ctx: Derivations, quantity_id: str) -> None:
    derivation = _derivation(ctx, quantity_id)
    if derivation is not None and derivation.method in ("closed form", "given"):
        src.recipe[quantity_id] = ("closed", src.function(f"closed_{quantity_id}", [derivation.expression]))
        return
    balance = src.prepare(_balance_current(src.model, quantity_id))
    name = src.function(f"balance_{quantity_id}", [balance, sp.diff(balance, V)], (V,))
    src.recipe[quantity_id] = ("root", name)


def _steady(src: _Source) -> None:
    """The full model's steady state (derive.steady_state): every rhs but V's zero, and the cell's net charge
    zero (the V equation itself when an ion with a fixed reversal potential breaks charge conservation)."""
    model = src.model
    if "steady" in src.recipe:
        return
    rhs = model.rhs()
    conserved = charge_conserved(model)
    last = charge(model) if conserved else rhs[V] * C_m
    equations = [rhs[s] for s in src.states if s != V] + [last]
    jacobian = sp.Matrix(equations).jacobian(list(src.states))
    n = len(src.states)
    src.function("steady_residual", equations, "x")
    src.function("steady_jacobian", list(jacobian), "x", matrix=n)
    start = [V] + [ion.inside * Vol for ion in model.dynamic_ions]
    if Vol in src.states:
        start.append(Vol)
    src.function("steady_start", start, (V,))
    volume = Vol if Vol in src.states or model.volume_mode == "fixed" else dict(model.algebraic)[Vol]
    src.function("steady_volume", [volume], "x")
    inside = [model.expand(ion.inside) for ion in model.dynamic_ions]
    src.function("steady_inside", [sp.sympify(c).xreplace(dict(model.algebraic)).xreplace(dict(model.algebraic))
                                   for c in inside], "x")
    src.recipe["steady"] = ("steady", n, tuple(ion.inside.name for ion in model.dynamic_ions),
                            tuple(s.name for s in src.states), conserved)
    if _ends_at_pump_max(model):  # a point without a steady state is told whether its pump is above pump_max
        _pump_max(src)
    rate = _rate_that_swells_at_0(model)
    if rate is not None:  # ... or that its pump, off, lets the cell swell without bound
        src.recipe["swells_pump_off"] = ("swells_pump_off", rate)
    _pumped_leaks_recipe(src)


def _pumped_leaks_recipe(src: _Source) -> None:
    """A point where the pump moves an ion whose every leak the point blocks is told so (steady state, pump_max)."""
    leaks = _pumped_leaks(src.model)
    if leaks:
        src.recipe["pumped_leaks"] = ("pumped_leaks", leaks)


def _pumped_leaks(model: Model) -> tuple[tuple[str, bool], ...]:
    """(the leak parameter, g_X or P_X, whether the pump moves the ion out) of each ion the pump moves and no
    channel carries: at 0 nothing balances its pump flux (derive.steady_state's reason)."""
    if model.pump is None:
        return ()
    moved = {name: n > 0 for name, n in model.pump.stoichiometry if n}
    carried = {channel.ion for channel in model.channels}
    return tuple(((ion.P if ion.leak == "ghk" else ion.g).name, moved[ion.name]) for ion in model.dynamic_ions
                 if ion.name in moved and ion.name not in carried and ion.leak in ("ghk", "ohmic"))


def _ends_at_pump_max(model: Model) -> bool:
    """Whether the model's steady states end at a largest pump rate, pump_max (derive.derivations.pump_range)."""
    from vrest.derive.derivations.pump_range import needs_conserved_charge, needs_pump_leak

    if model.pump is None:
        return False
    try:
        needs_pump_leak(model)
        needs_conserved_charge(model)
    except NotApplicable:
        return False
    return True


def _rate_that_swells_at_0(model: Model) -> str | None:
    """The pump's rate parameter when the cell swells without bound with that rate 0 (impermeant anions inside,
    water that follows them, no impermeant solute in the bath: the Donnan state has no finite volume), else None."""
    from vrest.derive.derivations import pumpleak
    from vrest.derive.derivations.pump_range import swells_with_pump_off

    return pumpleak.pump_rate_symbol(model).name if swells_with_pump_off(model) else None


def _slope(src: _Source) -> str:
    """g_leak = d(sum I_X)/dV, as derive.derivations.conductance has it (V and the X_i are inputs)."""
    model = src.model
    slope = sp.Add(*[sp.diff(model.leak_current(ion), V) for ion in model.ions])
    return src.function("slope_leak", [slope], (V,))


def _donnan(src: _Source, ctx: Derivations, quantity_id: str) -> None:
    from vrest.derive.derivations.donnan import at_equilibrium, donnan_balance, r_D

    derivation = _derivation(ctx, quantity_id)
    if derivation is not None and derivation.method == "closed form":
        src.recipe[quantity_id] = ("closed", src.function(f"closed_{quantity_id}", [derivation.expression]))
        return
    model = src.model
    s = sp.Symbol("s")  # the unknown of the 1-D root: here ln r_D
    balance = donnan_balance(model).xreplace({r_D: sp.exp(s)})
    src.function("donnan_root", [balance, sp.diff(balance, s)], (s,))
    if quantity_id == "donnan_ratio":
        src.recipe[quantity_id] = ("donnan_ratio", "donnan_root")
    elif quantity_id == "V_donnan":
        src.recipe[quantity_id] = ("of_donnan", src.function("donnan_potential", [-R * T / F * s], (s,)))
    else:
        osm_in, osm_out = model.osmolarities
        excess = (osm_in - osm_out).xreplace({eq.lhs: eq.rhs for eq in at_equilibrium(model)})
        src.recipe[quantity_id] = ("of_donnan", src.function("donnan_excess", [excess.xreplace({r_D: sp.exp(s)})],
                                                               (s,)))


def _tau_slow(src: _Source) -> None:
    from vrest.derive.derivations.time_constants import reduced_jacobian

    _steady(src)
    reduced, matrix = reduced_jacobian(src.model)
    src.function("reduced_jacobian", list(matrix), "x", matrix=len(reduced))
    index = tuple(src.states.index(s) for s in reduced)
    src.recipe["tau_slow"] = ("tau_slow", "reduced_jacobian", index)


def _pump_max(src: _Source) -> None:
    """The two equations that hold where the physical steady states end, for each way they can end
    (derive.derivations.pump_range): the steady state's charge condition h(V, J) = 0 (zero net charge beyond
    the capacitor's) with A_i = 0 (the volume grows without bound) or with one X_i = 0; J the pump current,
    X_i(V, J) each ion's balanced concentration."""
    from vrest.derive.derivations import pumpleak
    from vrest.derive.derivations.pump_range import net_charge, pump_substrates, steady_impermeant

    model = src.model
    conc = pumpleak.balanced_concentrations(model)
    osm_out = model.osmolarities[1]
    impermeant = steady_impermeant(model)
    h = net_charge(model, impermeant).xreplace(conc)
    j = sp.Symbol("j")  # ln of the pump current over J_0, the current where the model's own steady states end
    scaled = {I_pump: src.input("J_0") * sp.exp(j)}
    kinds = ([("volume", impermeant)] if model.volume_mode != "fixed" else []) + [
        (ion.name, conc[ion.inside]) for ion in model.dynamic_ions]
    unknowns = [V, j]
    names = []
    for kind, vanishing in kinds:
        equations = [e.xreplace(scaled) / osm_out for e in (h, vanishing)]
        jacobian = sp.Matrix(equations).jacobian(unknowns)
        name = f"edge_{kind}"
        src.function(name, equations + list(jacobian), (V, j))
        names.append(kind)
    src.function("edge_concentrations", [e.xreplace(scaled) for e in [impermeant, *conc.values()]], (V, j))
    rate = pumpleak._rate_of_current(model, conc).xreplace(scaled)
    src.function("edge_rate", [rate], (V, j))
    # A pump whose current vanishes with an ion (a saturating pump's Na site) needs an infinite rate to take
    # that ion to 0 (derive.derivations.pump_range._rate_at).
    infinite = tuple(ion.name for ion in model.dynamic_ions
                     if sp.simplify(model.pump_current.xreplace({ion.inside: 0}).xreplace(model.dynamic_values)) == 0)
    # Rows of edge_concentrations (A_i first) the pump's rate depends on: below the least concentration a cell
    # holds there, the rate is not one (derive.derivations.pump_range._starved_substrate).
    substrates = tuple(1 + list(conc).index(s) for s in pump_substrates(model))
    src.recipe["pump_max"] = ("pump_max", infinite, pumpleak.pump_rate_symbol(model).name, _own_edge(model),
                              substrates)
    unit = rate_unit(model)
    src.pump_max_unit = (unit, float(unit_factor(unit)) if unit != "1" else 1.0)


def _own_edge(model: Model) -> tuple[str, float, float] | None:
    """(kind, V, pump current) where the model's own steady states end as the pump current grows: where
    the sweep's continuation starts; None when they do not end by a vanishing concentration."""
    from vrest.derive.derivations.pump_range import pump_edge

    try:
        edge = pump_edge(model)
    except NoSteadyState:
        return None
    if edge is None or edge.kind in ("fold", "range"):
        return None
    return ("volume" if edge.kind == "volume" else edge.ion), float(edge.V), float(edge.current)


def _quantity(src: _Source, ctx: Derivations, quantity_id: str) -> None:
    model = src.model
    if quantity_id in src.recipe:
        return
    if quantity_id.startswith("E_") or quantity_id in ("V_mullins_noda",):
        derivation = ctx.get(quantity_id)
        src.recipe[quantity_id] = ("closed", src.function(f"closed_{quantity_id}", [derivation.expression]))
    elif quantity_id == "V_ss" and model.dynamic_ions:
        _quantity(src, ctx, "V_balance")
        _steady(src)
        src.recipe[quantity_id] = ("steady_V",)
    elif quantity_id in _ONE_D:
        _one_d(src, ctx, quantity_id)
    elif quantity_id == "dV_pump":
        derivation = _derivation(ctx, quantity_id)
        if derivation is not None and derivation.method == "closed form":
            src.recipe[quantity_id] = ("closed", src.function("closed_dV_pump", [derivation.expression]))
        else:
            balance = "V_balance" if model.dynamic_ions else "V_ss"
            _quantity(src, ctx, balance)
            _quantity(src, ctx, "V_leak")
            src.recipe[quantity_id] = ("pump_shift", balance, "V_leak", src.function("pump_current", [I_pump], (V,)))
    elif quantity_id in ("g_leak", "tau_m"):
        _quantity(src, ctx, "V_ss")
        if quantity_id == "tau_m":
            _quantity(src, ctx, "g_leak")
        if "slope" not in src.recipe:
            src.recipe["slope"] = ("slope", _slope(src))
        src.recipe[quantity_id] = (quantity_id,)
    elif quantity_id in ("donnan_ratio", "V_donnan", "osmotic_excess"):
        _donnan(src, ctx, quantity_id)
    elif quantity_id == "volume_ss":
        _quantity(src, ctx, "V_balance")
        _steady(src)
        src.recipe[quantity_id] = ("volume_ss",)
    elif quantity_id == "tau_slow":
        _quantity(src, ctx, "V_balance")
        _tau_slow(src)
    elif quantity_id == "pump_max":
        _pump_max(src)
        _pumped_leaks_recipe(src)
    else:
        raise NotApplicable(f"{quantity_id}: no vectorised rule")


def _unit(model: Model, quantity_id: str) -> str:
    """The display unit of a quantity; pump_max is a rate in the pump's own unit (cm/s for a rate per [Na]_i)."""
    if quantity_id == "pump_max":
        return rate_unit(model)
    return UNITS["E_<ion>" if quantity_id.startswith("E_") else quantity_id]


@lru_cache(maxsize=16)
def build_kernel(model: Model, quantities: tuple[str, ...]) -> Kernel:
    """The kernel that evaluates ``quantities`` (ids of ``applicable_quantities``) for ``model``."""
    ctx = Derivations(model)
    src = _Source(model)
    for quantity_id in quantities:
        _quantity(src, ctx, quantity_id)
    units = {q: _unit(model, q) for q in quantities}
    header = (f'"""Sweep kernel of model {model.name}, generated by vrest: {", ".join(quantities)}. Do not edit."""\n\n'
              "import numpy\n\n" + NUMPY_PRELUDE + "\n\n" + _HELPERS)
    body = "\n\n\n".join(src.blocks)
    recipe = "RECIPE = {\n" + "".join(f"    {k!r}: {v!r},\n" for k, v in src.recipe.items()) + "}\n"
    parameters = tuple(p.name for p in model.parameters)
    base = "BASE = {\n" + "".join(f"    {p.name!r}: {float(p.value)!r},\n" for p in model.parameters) + "}\n"
    source = (f"{header}\n\nMODEL = {model.name!r}\nQUANTITIES = {quantities!r}\nPARAMETERS = {parameters!r}\n"
              f"PUMP_MAX_UNIT = {src.pump_max_unit!r}\n{base}{recipe}\n\n{body}\n")
    digest = hashlib.sha256(source.encode()).hexdigest()
    return Kernel(model.name, source, digest, quantities, units, parameters)


_HELPERS = '''\
def _array(value):
    return numpy.asarray(value, dtype=float)


def _stack(*items):
    """The items broadcast against each other and stacked on a new first axis."""
    return numpy.stack(numpy.broadcast_arrays(*[numpy.asarray(x, dtype=float) for x in items]))
'''
