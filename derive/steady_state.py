"""The steady state of the full dynamic model (V, ion amounts, volume) by damped Newton.

Charge is conserved: C_m A dV/dt = F sum z_X dN_X/dt, so the V equation is a
combination of the amount equations and the Jacobian is singular: the steady
states form a family, one for each net charge Q = C_m A V - F (sum z_X N_X + z_A N_A).
A cell carries no net charge beyond its membrane capacitor's (Kay 2017's
charge-difference condition, V = F (sum z_X N_X + z_A N_A) / (C_m A)), so the
steady state is the member with Q = 0, whatever the start: the V equation is
replaced by Q = 0, and the model file's concentrations are only where the search
starts. A composition far from electroneutral (more than ELECTRONEUTRALITY_MM of
net charge inside) gets a ModelWarning naming the imbalance. When an ion has a
fixed reversal potential instead of concentrations its current moves no amount,
charge is not conserved, and the V equation itself is kept.
Newton from a start far from the steady state can crawl or stall (a weak pump: the cell settles
near its Donnan state, several times the given volume); pseudo-transient continuation then follows
the model's own motion towards rest before Newton finishes.
Arithmetic is mpmath at WORKING_DIGITS, variables and equations scaled by the
starting magnitudes, so the answer is exact to double precision.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from functools import lru_cache

import mpmath
import sympy as sp

from .constants import A_i, C_m, F, I_pump, V, Vol, area, z_A
from .derivation import WORKING_DIGITS, NoSteadyState, NotApplicable, _MPMATH_FUNCTIONS, as_numbers
from .errors import ModelWarning
from .gated import gate_steady_states, gated, start_potential
from .model import N_A, Model, Scenario
from .pump_verdicts import PUMP_TOO_WEAK
from .schedule import parameter_schedule

__all__ = ["steady_state", "continued_steady_state", "initial_state", "pump_alone_moves", "scenario_values", "protocol_values", "charge", "charge_conserved", "charge_condition",
           "inside_charge", "check_electroneutral", "damped_newton", "pseudo_transient", "ELECTRONEUTRALITY_MM",
           "hypotonic_donnan"]

ELECTRONEUTRALITY_MM = 1  # net charge (mM) inside above which the file's composition is "far from electroneutral"


def scenario_values(model: Model, pump_scale: sp.Expr = 1) -> dict[sp.Symbol, sp.Expr]:
    """The dynamic model's parameter values with the pump rate multiplied by ``pump_scale``."""
    values = dict(model.dynamic_values)
    if model.pump is not None and model.pump.rate in values:
        values[model.pump.rate] = values[model.pump.rate] * sp.nsimplify(pump_scale)
    return values


def protocol_values(model: Model, scenario: Scenario) -> list[tuple[sp.Rational, dict[sp.Symbol, sp.Expr]]]:
    """[(t_from, the dynamic model's parameter values in force from t_from on)]: the file's from t = 0,
    then those after each step of ``scenario`` (derive.schedule)."""
    symbols = {p.name: p.symbol for p in model.dynamic_parameters}
    base = {p.name: p.value for p in model.dynamic_parameters}
    return [(sp.Rational(at), {symbols[name]: value for name, value in values.items()})
            for at, values in parameter_schedule(scenario.steps, base)]


def charge(model: Model) -> sp.Expr:
    """Net charge of the cell (C): capacitor charge minus the bulk charge of the amounts."""
    bulk = sp.Add(*[ion.valence * ion.amount for ion in model.dynamic_ions])
    if model.impermeant:
        bulk += z_A * N_A
    return C_m * area * V - F * bulk


def charge_conserved(model: Model) -> bool:
    """Whether C_m A V - F (sum z_X N_X + z_A N_A) is constant: every current moves amounts that are states."""
    carried = {ion.name for ion in model.dynamic_ions}
    return (bool(model.dynamic_ions) and all(ion.has_concentrations for ion in model.ions)
            and all(channel.ion in carried for channel in model.channels))


def charge_condition(model: Model) -> str:
    """What fixes the member of the family of steady states, in words (an assumption of V_ss and volume_ss)."""
    if charge_conserved(model):
        return "zero net charge beyond the membrane capacitor's (charge-difference condition)"
    return ("no charge condition: a current moves no amount (a fixed reversal potential), so the cell's charge is "
            "not conserved and the current balance holds instead")


def inside_charge(model: Model) -> sp.Expr:
    """Net charge concentration inside at the file's composition (SI, mol/m^3 = mM): sum z X_i + z_A A_i."""
    total = sp.Add(*[ion.valence * model.values[ion.inside] for ion in model.ions if ion.has_concentrations])
    if model.impermeant:
        total += model.values[z_A] * model.values[A_i]
    return total


def check_electroneutral(model: Model) -> None:
    """A ModelWarning when the file's inside composition carries more than ELECTRONEUTRALITY_MM of net charge."""
    net = inside_charge(model)
    if abs(net) <= ELECTRONEUTRALITY_MM:
        return
    terms = " ".join(f"{'+' if z * c >= 0 else '-'} {name}" for name, z, c in _charged(model))
    warnings.warn(f"model {model.name}: the inside composition carries {float(net):+g} mM of net charge "
                  f"(sum z c = {terms.lstrip('+ ')}), but a cell holds only its membrane capacitor's charge (about "
                  f"{_capacitor_mM(model):.2g} mM at 100 mV): the steady state is found with zero net charge "
                  "(Kay 2017's charge-difference condition), the file's concentrations are only its start "
                  "(vrest simulate --start given keeps them and their charge)", ModelWarning, stacklevel=3)


def _charged(model: Model):
    """(text, valence, concentration) of each charged solute inside: "140 K_i", "2 x 1 Ca_i", ..."""
    def text(z, c, name):
        return f"{abs(float(c)):g} {name}" if abs(z) == 1 else f"{abs(float(z)):g} x {float(c):g} {name}"

    for ion in model.ions:
        if ion.has_concentrations:
            c = model.values[ion.inside]
            yield text(ion.valence, c, f"{ion.name}_i"), ion.valence, c
    if model.impermeant:
        z, c = model.values[z_A], model.values[A_i]
        yield text(z, c, "impermeant"), z, c


def _capacitor_mM(model: Model) -> float:
    """The charge concentration (mM) of the membrane capacitor at 100 mV: C_m A (0.1 V) / (F Vol)."""
    from .constants import Vol

    return float(model.values[C_m] * model.values[area] / 10 / (model.values[F] * model.values[Vol]))


def steady_state(model: Model, pump_scale: sp.Expr = 1, start: Mapping[sp.Symbol, float] | None = None,
                 *, values: Mapping[sp.Symbol, sp.Expr] | None = None, explain: bool = True,
                 held: Mapping[sp.Symbol, float] | None = None, net_charge: float = 0.0) -> dict[sp.Symbol, float]:
    """{state symbol: SI value} at the steady state with the pump rate scaled by ``pump_scale``, or with the
    dynamic model's parameter ``values`` (a scenario step's: protocol_values).

    Zero net charge fixes the member of the family of steady states (module docstring). Newton starts
    from ``start`` (default: the given concentrations and volume, V the current-balance root).
    Raises NoSteadyState when Newton finds no physical (positive) steady state, with the physics' reason
    unless ``explain`` is False (a continuation's intermediate step: only its last failure is explained).
    ``net_charge`` (C): the cell's charge where charge is conserved, 0 unless an injected current added some
    (a scenario's pulse: A times the integral of I_stim).
    An amount that nothing moves (its ion's every leak blocked) keeps its value in ``held`` (a scenario step's: the
    state just before the step), else in ``start``.
    """
    if charge_conserved(model) and [s.symbol for s in model.states] != [V]:
        check_electroneutral(model)  # its warning each time, the computation below once
    if start is None and values is None and not net_charge:  # exports, cross-checks and reports ask for the same one
        state, failure = _steady_state_of(model, pump_scale, explain)
        if failure is not None:
            raise NoSteadyState(failure)
        return dict(state)
    return _steady_state(model, pump_scale, start, values, explain, held, net_charge=net_charge)


@lru_cache(maxsize=64)
def _steady_state_of(model: Model, pump_scale: sp.Expr, explain: bool) -> tuple[dict | None, str | None]:
    """(steady_state from the model's own start, None) or (None, why there is none): a Model is immutable, so the
    same model has the same answer."""
    try:
        return _steady_state(model, pump_scale, None, None, explain), None
    except NoSteadyState as reason:
        return None, str(reason)


def _steady_state(model: Model, pump_scale: sp.Expr, start: Mapping[sp.Symbol, float] | None,
                  values: Mapping[sp.Symbol, sp.Expr] | None, explain: bool,
                  held: Mapping[sp.Symbol, float] | None = None, resized: bool = False,
                  net_charge: float = 0.0) -> dict[sp.Symbol, float]:
    given = values
    values = dict(values) if values is not None else scenario_values(model, pump_scale)
    states = [s.symbol for s in model.states]
    if states == [V]:
        return {V: _voltage_only(model, values)}
    default_start = start is None and given is None and pump_scale == 1
    if start is None:
        try:
            start = initial_state(model)
        except NoSteadyState:  # no current balance at the file's concentrations: the engine's rest, if any
            start = _resting_start(model) if default_start and gated(model) else None
            if start is None:
                raise
    conserved = charge_conserved(model)
    rhs = model.rhs()
    alone = pump_alone_moves(model, values)
    if alone:
        raise NoSteadyState(alone)
    with mpmath.workdps(WORKING_DIGITS):
        scale = {s: abs(mpmath.mpf(start[s])) or mpmath.mpf(1) for s in states}
        scaled = {s: sp.Symbol(f"x_{s.name}") for s in states}
        to_scaled = {s: scaled[s] * sp.Float(str(scale[s]), WORKING_DIGITS) for s in states}
        equations = [(rhs[s] / sp.Float(str(scale[s]), WORKING_DIGITS)) for s in states if s != V]
        if conserved:  # Q = 0: the capacitor's charge is the cell's only net charge (or what a pulse injected)
            injected = sp.Float(repr(net_charge), WORKING_DIGITS)
            equations.append((charge(model) - injected) / _charge_scale(model, values, start))
        else:
            equations.append(rhs[V] * values[C_m] / _current_scale(model, values))
        equations = [sp.sympify(e).xreplace(as_numbers(values)).xreplace(to_scaled) for e in equations]
        # An amount nothing moves (its ion's every leak and channel blocked, no pump share) is conserved too: it
        # stays what it was at the start (a step's, the state before it), and the other states settle around it.
        amounts = [s for s in states if s != V]
        kept = {s: sp.Float(str(mpmath.mpf((held or start)[s]) / scale[s]), WORKING_DIGITS) for s in amounts}
        equations = [kept[amounts[i]] - scaled[amounts[i]] if i < len(amounts) and e == 0 else e
                     for i, e in enumerate(equations)]
        unknowns = [scaled[s] for s in states]
        jacobian = sp.Matrix(equations).jacobian(unknowns)
        f = sp.lambdify(unknowns, equations, modules=[_MPMATH_FUNCTIONS, "mpmath"])
        jac = sp.lambdify(unknowns, jacobian, modules=[_MPMATH_FUNCTIONS, "mpmath"])
        x0 = [mpmath.mpf(start[s]) / scale[s] for s in states]
        positive = [s != V for s in states]
        try:
            x = damped_newton(f, jac, x0, positive=positive)
        except NoSteadyState as reason:
            # Newton from a start far from the steady state (a weak pump: a far larger, Donnan-like cell) can
            # crawl or stall; the model's own motion towards rest gets there.
            rates = [states.index(s) for s in states if s != V]  # the state each equation but the last is the rate of
            x = pseudo_transient(f, jac, x0, positive, rates)
            sized = _isosmotic(start, rhs, values) if x is None and not resized else None
            if sized is not None:  # the given cell far from the size its impermeant gives it: from that size
                try:  # its reason is never said (the given start's is): not explained, which takes seconds
                    return _steady_state(model, pump_scale, sized, given, False, held or start, resized=True,
                                         net_charge=net_charge)
                except NoSteadyState:
                    pass  # the reason from the given start is said
            if x is None and default_start and gated(model):
                x = _from_resting_state(model, f, jac, [scale[s] for s in states], positive)
            if x is None:
                if not explain:
                    raise NoSteadyState(str(reason)) from None
                raise NoSteadyState(_explain(model, pump_scale if given is None else None, reason, values)) from None
        if default_start and gated(model) and not _stable_at(model, float(x[states.index(V)] * scale[V])):
            # Newton from the file's state reached an unstable equilibrium (a pacemaker's, the saddle between two
            # rests): the steady state is the most negative stable one, and a model with none has no steady state
            x = _from_resting_state(model, f, jac, [scale[s] for s in states], positive)
            if x is None:
                from .rest import model_rest_report

                raise NoSteadyState(model_rest_report(model).verdict)
        state = {s: float(x[i] * scale[s]) for i, s in enumerate(states)}
        if not all(math.isfinite(v) for v in state.values()):  # beyond double range: no answer to print
            shown = ", ".join(f"{symbol.name} = {value:g}" for symbol, value in state.items())
            raise NoSteadyState(f"the steady state is beyond double precision ({shown})")
        return state


def _isosmotic(start: Mapping[sp.Symbol, float], rhs: Mapping[sp.Symbol, sp.Expr],
               values: Mapping[sp.Symbol, sp.Expr]) -> dict[sp.Symbol, float] | None:
    """``start`` with its volume, and every amount with it (the concentrations stay the file's), scaled until water
    stops moving: the size the fixed impermeant amount gives the cell. Newton and the model's own motion from the
    file's 178.9 um^3 found no steady state for 5000 mM of impermeant, a cell of 6113 um^3; None without a volume,
    or where no size stops the water."""
    if Vol not in start or Vol not in rhs:
        return None
    flow = sp.sympify(rhs[Vol]).xreplace(as_numbers(values))
    amounts = [s for s in start if s not in (V, Vol)]
    with mpmath.workdps(WORKING_DIGITS):
        water = sp.lambdify(sp.Symbol("k"), flow.xreplace({V: start[V], Vol: start[Vol] * sp.Symbol("k"),
                                                          **{s: start[s] * sp.Symbol("k") for s in amounts}}),
                            modules=[_MPMATH_FUNCTIONS, "mpmath"])
        low, high = -15 * math.log(10), 15 * math.log(10)  # 1e-15 to 1e15 times the file's volume
        sign = mpmath.sign(water(mpmath.exp(low)))
        if sign == 0 or sign == mpmath.sign(water(mpmath.exp(high))):
            return None
        for _ in range(100):  # bisection in log k: a start, 1e-16 relative is more than Newton needs
            middle = (low + high) / 2
            low, high = (middle, high) if mpmath.sign(water(mpmath.exp(middle))) == sign else (low, middle)
        factor = math.exp((low + high) / 2)
    return {**start, Vol: start[Vol] * factor, **{s: start[s] * factor for s in amounts}}


def pump_alone_moves(model: Model, values: Mapping[sp.Symbol, sp.Expr]) -> str | None:
    """Why there is no steady state where the pump moves an ion that no leak or channel carries back (its every
    leak blocked): nothing balances its pump flux, so its amount falls to 0 (moved out: Na+) or grows without bound
    (moved in: K+); None where that is not so."""
    if model.pump is None:
        return None
    rhs, values = model.rhs(), {**model.values, **values}
    moved = dict(model.pump.stoichiometry)
    numbers, idle = as_numbers(values), as_numbers({**values, model.pump.rate: 0})
    for ion in model.dynamic_ions:
        rate = sp.sympify(rhs[ion.amount])
        if not moved.get(ion.name) or rate.xreplace(idle) != 0 or rate.xreplace(numbers) == 0:
            continue
        out = moved[ion.name] > 0
        where = (f"{ion.name}_i falls towards 0: no steady state holds {ion.name}+ inside" if out else
                 f"the cell gathers {ion.name} without bound: no steady state")
        return (f"no leak carries {ion.name} (its every leak blocked) and the pump moves it {'out' if out else 'in'}, "
                f"so nothing balances its pump flux: {where}")
    return None


def _resting_start(model: Model) -> dict[sp.Symbol, float] | None:
    """The most negative stable resting state the resting-state engine finds (derive.rest), else None: where a
    gated cell's current balance at the file's concentrations has no root, the full model may still rest (a
    persistent Na channel strong enough to depolarise the file's state, at rest once the amounts moved)."""
    from .rest import model_rest_report  # here: derive.rest reads the cell description through derive.system

    stable = [s for s in model_rest_report(model).resting_states if s.stable]
    return {s.symbol: stable[0].states[s.symbol.name] for s in model.states} if stable else None


def _stable_at(model: Model, v: float) -> bool:
    """Whether the equilibrium at V = ``v`` (V) is stable, as the resting-state engine finds it (derive.rest); True
    where the engine lists none there."""
    from .rest import model_rest_report  # here: derive.rest reads the cell description through derive.system

    there = [s for s in model_rest_report(model).resting_states if abs(s.V - v) <= 1e-9]
    return not there or there[0].stable


def unstable_given_state(model: Model) -> float | None:
    """V (V) of the unstable equilibrium the model's given state (initial_state) sits on, else None: a run from
    exactly there stays, its growing mode damped by the solver's implicit steps, where a cell would leave it."""
    from .rest import model_rest_report  # here: derive.rest reads the cell description through derive.system

    try:
        given = {symbol.name: value for symbol, value in initial_state(model).items()}
    except NoSteadyState:
        return None
    for state in model_rest_report(model).resting_states:
        if not state.stable and all(abs(value - given.get(name, math.inf)) <= 1e-9 * max(abs(value), 1e-3)
                                    for name, value in state.states.items()):
            return state.V
    return None


def _from_resting_state(model: Model, f, jac, scale: list, positive: list) -> list | None:
    """Newton from the most negative stable resting state the resting-state engine finds (derive.rest), the
    same member of the family (its start has zero net charge, derive.system); None without one. A gated cell
    can keep Newton and the continuation from the file's state away from its rest (two rests close by)."""
    from .rest import model_rest_report  # here: derive.rest reads the cell description through derive.system

    stable = [s for s in model_rest_report(model).resting_states if s.stable]
    if not stable:
        return None
    rest = stable[0].states
    try:
        return damped_newton(f, jac, [mpmath.mpf(rest[s.symbol.name]) / k for s, k in zip(model.states, scale)],
                             positive)
    except NoSteadyState:
        return None


def continued_steady_state(model: Model, values: Mapping[sp.Symbol, sp.Expr], known_values: Mapping[sp.Symbol, sp.Expr],
                           known: Mapping[sp.Symbol, float], depth: int = 8,
                           held: Mapping[sp.Symbol, float] | None = None,
                           net_charge: float = 0.0) -> dict[sp.Symbol, float]:
    """The steady state at ``values``, by continuation from ``known``, the steady state at ``known_values``.

    Newton from a far start can wander off (a bath step of 5x in K_o); each parameter moves along
    the straight line from its known value to its new one, the step halved where Newton fails.
    Raises NoSteadyState when even the shortest step fails, with the physics' reason at ``values``.
    """
    off = _pump_off_swells(model, values)
    if off:  # certain before any Newton step (which took 16 s of halved steps to fail)
        raise NoSteadyState(f"{off} (with no impermeant solute in the bath, the Donnan state has no finite volume)")
    alone = pump_alone_moves(model, values)
    if alone:  # as certain
        raise NoSteadyState(alone)
    try:
        return _continued(model, values, known_values, known, depth, held, net_charge)
    except NoSteadyState as reason:
        raise NoSteadyState(_explain(model, None, reason, values)) from None


def _continued(model: Model, values: Mapping[sp.Symbol, sp.Expr], known_values: Mapping[sp.Symbol, sp.Expr],
               known: Mapping[sp.Symbol, float], depth: int,
               held: Mapping[sp.Symbol, float] | None = None, net_charge: float = 0.0) -> dict[sp.Symbol, float]:
    try:
        return steady_state(model, values=values, start=known, explain=False, held=held, net_charge=net_charge)
    except NoSteadyState:
        if depth == 0:
            raise
    middle = {s: (known_values[s] + values[s]) / 2 for s in values}
    halfway = _continued(model, middle, known_values, known, depth - 1, held, net_charge)
    return _continued(model, values, middle, halfway, depth - 1, held, net_charge)


def _explain(model: Model, pump_scale, reason: NoSteadyState, values) -> str:
    """Why Newton failed, in the physics' words; ``pump_scale`` None: at a scenario step's parameter ``values``."""
    if model.volume_mode in ("fixed", "dynamic", "instant") and model.pump is not None:
        from .derivations.pump_range import pump_rate_verdict  # here: pump_range imports this module

        off = _pump_off_swells(model, values) if pump_scale is None else None
        if off:
            return f"{off} ({reason})"
        verdict = pump_rate_verdict(model, values)
        if verdict:
            where = f" with the pump rate scaled by {pump_scale}" if pump_scale not in (None, 1) else ""
            return f"no steady state{where}: {verdict} ({reason})"
        shrinks = hypotonic_donnan(model, values)
        if shrinks:
            return f"no steady state: {shrinks} ({reason})"
    return str(reason)


def hypotonic_donnan(model: Model, values: Mapping[sp.Symbol, sp.Expr]) -> str | None:
    """Why a cell whose water follows the osmotic gradient shrinks away: its Donnan state (the pump off) is
    hypotonic, too little impermeant inside for the bath's impermeant solute (pumpleak with 1e-15 mM of it against
    the bath's 10 mM); None where it is not."""
    from .derivations.pump_range import with_values  # here: pump_range imports this module
    from .quantities import Derivations

    if not (model.impermeant and model.bath_impermeant and model.volume_mode in ("dynamic", "instant")):
        return None
    try:
        excess = Derivations(with_values(model, values)).get("osmotic_excess").value
    except NotApplicable:
        return None
    if not excess < 0:
        return None
    return (f"its Donnan state is hypotonic (osmotic_excess = {excess:.6g} mM: too little impermeant inside against "
            "the bath's impermeant solute), so the cell loses water with its pump off, and no state with the pump on "
            "was found: it shrinks away")


def _pump_off_swells(model: Model, values: Mapping[sp.Symbol, sp.Expr]) -> str | None:
    """Why there is no steady state at a scenario step's parameter ``values`` that block the pump of a cell that
    then swells without bound (impermeant anions inside, none in the bath); None where that is not so."""
    from .derivations.pump_range import pump_is_off, swells_with_pump_off  # here: pump_range imports this module

    if swells_with_pump_off(model) and pump_is_off(model, values):
        return f"no steady state with the pump off: {PUMP_TOO_WEAK}"
    return None


def initial_state(model: Model) -> dict[sp.Symbol, float]:
    """The model's given state: amounts and volume from the file; V is membrane.initial_potential when
    the file gives one, else the root of the current balance at the file's concentrations."""
    start = {s.symbol: float(s.initial) for s in model.states if s.initial is not None}
    if gated(model):  # gates at x_inf(V): V a root of the steady-state current (derive.gated)
        v = start_potential(model) if model.initial_potential is None else model.initial_potential
        start[V] = float(v)
        start.update({x: float(sp.sympify(inf).xreplace(as_numbers(model.values)).xreplace({V: sp.Float(v, WORKING_DIGITS)})
                               .evalf(WORKING_DIGITS)) for x, inf in gate_steady_states(model).items()})
    elif model.initial_potential is None:
        start[V] = _voltage_only(model, model.values)
    return start


def _voltage_only(model: Model, values: Mapping[sp.Symbol, sp.Expr]) -> float:
    """The root of the current balance in V. With a gated or open-fraction channel the current need not be
    monotone and may have several roots: the most negative stable one (rising with V), derive's V_ss."""
    from .derivation import CURRENT_BALANCE, monotone_root, mp_function

    if any(not channel.is_leak for channel in model.channels):
        return start_potential(model, values)
    balance = model.expand(sp.Symbol("I_total", real=True)).xreplace({I_pump: values.get(I_pump, I_pump)})
    return float(monotone_root(mp_function(balance, V, values), what=CURRENT_BALANCE, unit=" V"))


def _current_scale(model: Model, values) -> sp.Float:
    """A typical membrane current density (A/m^2): 1 uA/cm^2, makes the current balance O(1)."""
    return sp.Float("0.01", WORKING_DIGITS)


def _charge_scale(model: Model, values, state) -> sp.Float:
    """Size of the bulk charge of one ion species: makes the charge equation O(1)."""
    bulk = max(abs(float(state[ion.amount])) for ion in model.dynamic_ions)
    return sp.Float(float(values[F]) * bulk, WORKING_DIGITS)


def pseudo_transient(f, jac, x, positive, rates, max_steps: int = 400) -> list | None:
    """A stable steady state reached from ``x`` by implicit Euler steps whose length grows as the rates fall
    (pseudo-transient continuation, Kelley & Keyes 1998), finished by damped Newton; None if it does not settle.

    Equation ``k`` of ``f`` is the rate of unknown ``rates[k]`` (scaled states: the scaled rhs), the
    equations after those are algebraic (the net charge, or the current balance) and hold at every step.
    Each step follows the model's motion towards rest, so it cannot wander to the far side of a
    1/Vol-shaped osmotic balance as a long Newton step can.
    """
    n = len(x)
    x = mpmath.matrix(x)
    g = mpmath.matrix(f(*x))
    j = mpmath.matrix(jac(*x))
    weight = [1 / max(max(abs(j[r, c]) for c in range(n)), mpmath.mpf(10) ** -300) for r in range(n)]
    merit = mpmath.norm(mpmath.matrix([weight[r] * g[r] for r in range(n)]))
    dt = 1 / max(_diagonal(j, rates))
    for _ in range(max_steps):
        system = -j
        for k, c in enumerate(rates):
            system[k, c] += 1 / dt
        try:
            step = _equilibrated_solve(system, g)
        except ZeroDivisionError:
            return None
        trial = x + step
        if not all(mpmath.isfinite(v) for v in step) or not all(trial[i] > 0 for i, p in enumerate(positive) if p):
            dt /= 4  # too long a step: an amount or the volume would leave the physical range
            if dt < mpmath.mpf(10) ** -300:
                return None
            continue
        g_trial = mpmath.matrix(f(*trial))
        trial_merit = mpmath.norm(mpmath.matrix([weight[r] * g_trial[r] for r in range(n)]))
        if trial_merit > 4 * merit:  # too long a step for the model's motion: shorter
            dt /= 4
            continue
        dt *= max(2, min(merit / max(trial_merit, mpmath.mpf(10) ** -300), 10))  # implicit Euler is stable
        x, g, merit = trial, g_trial, trial_merit
        j = mpmath.matrix(jac(*x))
        if mpmath.norm(step) < mpmath.mpf(10) ** -8 and dt * min(_diagonal(j, rates)) > 10 ** 6:
            try:  # the rates are small and the steps as long as Newton's: finish with Newton
                return damped_newton(f, jac, list(x), positive)
            except NoSteadyState:
                return None
    return None


def _diagonal(j, rates) -> list:
    """|d rate_k / d own unknown| of each rate that depends on its own unknown (a rate per time unit); [1] if none."""
    return [abs(j[k, c]) for k, c in enumerate(rates) if j[k, c] != 0] or [mpmath.mpf(1)]


def _equilibrated_solve(matrix, rhs):
    """matrix^-1 rhs, with the rows and then the columns of ``matrix`` scaled to largest entry 1 first.

    mpmath's LU calls a pivot below |matrix|_1 * eps singular: one huge row or column (an amount scaled to
    1 that has fallen to 1e-40 of its start, its log-shaped leak's derivative ~ 1/amount) would make every
    other pivot "singular" in a well-posed system. The scaling leaves the solution as it is.
    """
    n = matrix.rows
    a = [[matrix[r, c] for c in range(n)] for r in range(n)]
    rows = [max(abs(v) for v in row) or mpmath.mpf(1) for row in a]
    a = [[v / rows[r] for v in row] for r, row in enumerate(a)]
    columns = [max(abs(a[r][c]) for r in range(n)) or mpmath.mpf(1) for c in range(n)]
    a = [[v / columns[c] for c, v in enumerate(row)] for row in a]
    solution = lu_solve(a, [rhs[r] / rows[r] for r in range(n)])
    return mpmath.matrix([solution[c] / columns[c] for c in range(n)])


def lu_solve(a: list[list], b: list) -> list:
    """a^-1 b by mpmath.lu_solve's own steps (Gauss with its pivot by the scaled rows, 10 bits more, a pivot below
    |a|_1 eps is singular: ZeroDivisionError), so the same numbers, on lists: mpmath's matrix class spends most of
    a Newton step of a small system indexing its entries."""
    n = len(a)
    a, b = [list(row) for row in a], list(b)
    with mpmath.workprec(mpmath.mp.prec + 10):
        tol = max(mpmath.fsum((a[r][c] for r in range(n)), absolute=True) for c in range(n)) * mpmath.mp.eps
        pivots = []
        for j in range(n - 1):
            biggest, pivot = 0, None
            for k in range(j, n):
                s = mpmath.fsum([abs(a[k][c]) for c in range(j, n)])
                if s <= tol:
                    raise ZeroDivisionError("matrix is numerically singular")
                current = 1 / s * abs(a[k][j])
                if current > biggest:
                    biggest, pivot = current, k
            if pivot is None or abs(a[pivot][j]) <= tol:
                raise ZeroDivisionError("matrix is numerically singular")
            a[j], a[pivot] = a[pivot], a[j]
            pivots.append(pivot)
            for i in range(j + 1, n):
                a[i][j] /= a[j][j]
                for k in range(j + 1, n):
                    a[i][k] -= a[i][j] * a[j][k]
        if abs(a[n - 1][n - 1]) <= tol:
            raise ZeroDivisionError("matrix is numerically singular")
        for k, pivot in enumerate(pivots):
            b[k], b[pivot] = b[pivot], b[k]
        for i in range(1, n):
            for j in range(i):
                b[i] -= a[i][j] * b[j]
        for i in range(n - 1, -1, -1):
            for j in range(i + 1, n):
                b[i] -= a[i][j] * b[j]
            b[i] /= a[i][i]
    return b


def damped_newton(f, jac, x, positive, max_steps: int = 200) -> list:
    """Damped Newton: halve the step until the residual falls and every positive unknown stays positive."""
    x = start = mpmath.matrix(x)
    residual = mpmath.norm(mpmath.matrix(f(*x)))
    for _ in range(max_steps):
        try:
            step = _equilibrated_solve(mpmath.matrix(jac(*x)), mpmath.matrix(f(*x)))
        except ZeroDivisionError:
            # Singular at the iterate, not at a steady state: that does not tell whether one exists.
            raise NoSteadyState("no steady state found: Newton reached a state where the linearised model is "
                                "singular") from None
        if not all(mpmath.isfinite(v) for v in step):
            raise NoSteadyState("no steady state found: Newton reached a state where the linearised model gives no "
                                "finite step")
        damping = mpmath.mpf(1)
        while True:
            trial = x - damping * step
            ok = all(trial[i] > 0 for i, p in enumerate(positive) if p)
            if ok:
                trial_residual = mpmath.norm(mpmath.matrix(f(*trial)))
                if trial_residual < residual or damping < mpmath.mpf(2) ** -30:
                    break
            damping /= 2
            if damping < mpmath.mpf(2) ** -40:
                raise NoSteadyState("no physical steady state: Newton cannot reduce the residual "
                                    "while keeping amounts and volume positive")
        x, residual = trial, trial_residual
        if mpmath.norm(damping * step) < mpmath.mpf(10) ** (-WORKING_DIGITS + 8):
            return list(x)
    emptied = any(p and start[i] > 0 and x[i] < mpmath.mpf("1e-15") * start[i] for i, p in enumerate(positive))
    why = ("an amount falls towards 0, below 1e-15 of its start: a steady state, if any, lies past what a cell can "
           "hold" if emptied else "the volume or an amount may grow without bound")
    raise NoSteadyState(f"no steady state found: Newton did not converge in {max_steps} steps ({why})")
