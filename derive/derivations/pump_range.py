"""The pump rates that hold a pump-leak cell at a finite steady volume, and pump_max where they end.

At a steady state every ion's leak balances its pump share, so each inside
concentration is an explicit function X_i(V, J) of V and the pump current J
(``pumpleak.balanced_concentrations``); water balance gives the impermeant concentration
A_i = osm_out - sum X_i, and the cell's net charge, the membrane capacitor's and no more
(C_m A V = F Vol (sum z_X X_i + z_A A_i) with Vol = N_A/A_i: the condition of the steady
state itself, derive.steady_state), leaves one equation in V for each J:

    h(V, J) = sum z_X X_i + z_A A_i - C_m A V A_i/(F N_A) = 0,   A_i = osm_out - sum X_i(V, J).

Dropping the capacitor's term (strict electroneutrality) would move pump_max by a relative
1e-5 or so, enough that rates just below it had no steady state.

A root is a physical steady state when every X_i > 0 and A_i > 0 (the volume
N_A/A_i is finite). As J grows, the branch of physical roots ends where

- A_i reaches 0: the volume grows without bound (ohmic leaks with a constant
  pump, Keener and Sneyd ch. 2; a pump proportional to Na_i, Kay 2017), or
- an X_i reaches 0: a constant pump takes out more Na than can leak in (with GHK
  leaks; the impermeant concentration stays positive there), or
- two roots merge (a fold).

The end is bracketed by bisection on "a physical root exists" (roots in V found
on a grid, then refined), then polished by Newton on the two equations that hold
there; the polished root counts only inside the bracket, so the degenerate root
J = 0, V = 0 (a salt-only bath's Donnan limit) is never taken for pump_max.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp
from scipy.optimize import brentq

from ..constants import A_i, C_m, F, I_pump, R, T, V, Vol, area, z_A
from ..derivation import (_MPMATH_FUNCTIONS, WORKING_DIGITS, Derivation, NoSteadyState, NotApplicable, Step, equation,
                          evaluate)
from ..functions import NUMPY_FUNCTIONS
from ..limits import RANGES
from ..model import N_A, Model
from ..pump_verdicts import PUMP_TOO_WEAK
from ..quantities import Derivations
from ..registry import quantity
from ..steady_state import charge_conserved, damped_newton, initial_state, scenario_values, steady_state
from . import pumpleak  # the module, not its names: pumpleak may still be loading (it imports quantities)

__all__ = ["PumpEdge", "pump_edge", "pump_rate_verdict", "swells_with_pump_off", "pump_is_off", "pump_substrates",
           "net_charge", "needs_conserved_charge", "CONCENTRATION_FLOOR", "emptied_words", "state_words", "emptied_steady_state", "with_values", "pump_excess", "rate_edge", "edge_words", "needs_pump_leak",
           "steady_impermeant"]

_VOLTS = np.linspace(-1.0, 1.0, 4000)  # |V| < 1 V; 0.5 mV apart, and V = 0 (a degenerate root) not on the grid
_LADDER = 60  # pump currents tried: the model's times 2^-60 ... 2^60
_BRACKET = 1e-13  # relative width at which the bisection stops


@dataclass(frozen=True)
class PumpEdge:
    """Where the physical steady states end as the pump current grows.

    kind: "volume" (A_i -> 0, the volume grows without bound), "ion" (``ion``'s
    inside concentration -> 0), "fold" (two steady states merge) or "range" (the steady state's V leaves the
    potentials searched, |V| < 1 V: no end of the states, the end of where vrest looks). SI values.
    """

    kind: str
    ion: str | None
    V: float
    current: float  # the pump current I_pump there (A/m^2)
    concentrations: dict[sp.Symbol, float]  # X_i and A_i there (mol/m^3)
    rate: float  # the pump's rate parameter there (I_pump or I_max); inf when it grows without bound


class _Reduced:
    """h(V, J), A_i and every X_i of the steady state at pump current J, as NumPy and mpmath functions."""

    def __init__(self, model: Model) -> None:
        needs_pump_leak(model)
        needs_conserved_charge(model)
        self.model = model
        # A fixed volume keeps A_i = N_A/Vol at its given value: only an inside concentration can end the states.
        self.fixed = model.volume_mode == "fixed"
        self.conc = pumpleak.balanced_concentrations(model)
        values = {k: v for k, v in model.dynamic_values.items() if k != I_pump}
        osm_out = model.osmolarities[1]
        impermeant = steady_impermeant(model)
        charge = net_charge(model, impermeant).xreplace(self.conc)
        self.osm_out = float(evaluate(osm_out, values))
        self.thermal = float(evaluate(R * T / F, values))
        self.symbols = [A_i] + list(self.conc)
        self.expressions = [e.xreplace(values) for e in [charge, impermeant, *self.conc.values()]]
        self.rate = pumpleak._rate_of_current(model, self.conc).xreplace(values)
        self._numpy = sp.lambdify((V, I_pump), self.expressions, modules=[NUMPY_FUNCTIONS, "numpy"])

    def _evaluate(self, volts, current: float) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # exp overflow: not physical
            rows = [np.broadcast_to(np.asarray(row, dtype=float), np.shape(volts))
                    for row in self._numpy(volts, current)]
        return np.array(rows) / self.osm_out

    def roots(self, current: float) -> list[tuple[float, np.ndarray]]:
        """Every root V of h(V, J) in |V| < 1 V with (A_i, X_i...)/osm_out there."""
        grid = self._evaluate(_VOLTS, current)
        h = grid[0]
        out = []
        for k in np.nonzero(np.isfinite(h[:-1]) & np.isfinite(h[1:]) & (np.sign(h[:-1]) != np.sign(h[1:])))[0]:
            v = brentq(lambda x: float(self._evaluate(x, current)[0]), _VOLTS[k], _VOLTS[k + 1], xtol=1e-15,
                       rtol=4 * np.finfo(float).eps)
            out.append((v, self._evaluate(v, current)[1:]))
        return out

    def physical(self, current: float) -> list[tuple[float, np.ndarray]]:
        """The roots with A_i > 0 (a finite volume) and no concentration negative (an ohmic leak's X_i, always
        positive, may underflow to 0)."""
        return [(v, c) for v, c in self.roots(current)
                if (self.fixed or c[0] > 0) and np.all(c >= 0) and np.all(np.isfinite(c))]


def steady_impermeant(model: Model) -> sp.Expr:
    """A_i at a steady state in V and I_pump: N_A/Vol for a fixed volume, else what water balance leaves,
    osm_out - sum X_i(V, I_pump)."""
    if model.volume_mode == "fixed":
        return N_A / Vol if model.impermeant else sp.Integer(0)
    return model.osmolarities[1] - sp.Add(*pumpleak.balanced_concentrations(model).values())


def needs_pump_leak(model: Model) -> None:
    """NotApplicable unless the model is a pump-leak cell whose amounts change: area and volume (fixed, or
    moving with water), a pump and, where water flows, impermeant anions to hold the volume."""
    if model.volume_mode == "fixed":
        if model.pump is None:
            raise NotApplicable("needs a [pump]: without one the steady state is a Donnan equilibrium")
        return
    if model.volume_mode == "none":
        raise NotApplicable("needs amounts that change: membrane.area and membrane.volume")
    pumpleak._needs_volume(model)


def net_charge(model: Model, impermeant: sp.Expr = A_i) -> sp.Expr:
    """The steady state's charge condition per volume (= 0): sum z_X X_i + z_A A_i minus the membrane capacitor's
    charge C_m A V/(F Vol), with Vol = N_A/A_i; ``impermeant`` stands for A_i."""
    salts = sp.Add(*[ion.valence * ion.inside for ion in model.dynamic_ions])
    return salts + z_A * impermeant - C_m * area * V * impermeant / (F * N_A)


def needs_conserved_charge(model: Model) -> None:
    if not charge_conserved(model):
        raise NotApplicable("needs every current carried by an ion with concentrations: an ion or a channel with a "
                            "fixed reversal potential carries a current that moves no amount, so the cell's charge "
                            "is not conserved and its steady states are not those of a pump-leak cell")


def _start(reduced: _Reduced, current: float) -> float | None:
    """A pump current with a physical steady state: ``current`` itself, else the nearest on a ladder of 2^k."""
    if current > 0 and reduced.physical(current):
        return current
    base = current if current > 0 else _reference_current(reduced.model)
    for k in range(1, _LADDER + 1):
        for trial in (base * 2.0**-k, base * 2.0**k):
            if reduced.physical(trial):
                return trial
    return None


def _reference_current(model: Model) -> float:
    """The pump current at the model's given concentrations (1 A/m^2 when it is 0)."""
    return abs(_given_current(model, model.values)) or 1.0


def _given_current(model: Model, values) -> float:
    """The pump current at ``values``; a voltage-dependent pump's at the given state's V."""
    current = model.pump_current
    if V in current.free_symbols:
        current = current.xreplace({V: sp.Float(initial_state(model)[V], 17)})
    return float(evaluate(current, values))


def _bisect(reduced: _Reduced, low: float, high: float) -> tuple[float, float]:
    """Narrow [low, high] (a physical steady state at low, none at high) to relative width _BRACKET."""
    while high / low - 1 > _BRACKET:
        middle = math.sqrt(low * high)
        if reduced.physical(middle):
            low = middle
        else:
            high = middle
    return low, high


def pump_edge(model: Model) -> PumpEdge | None:
    """The upper end of the pump currents with a physical steady state (None: none up to 2^60 times the
    model's); NoSteadyState when no pump current has one."""
    reduced = _Reduced(model)
    given = _reference_current(model)
    low = _start(reduced, given)
    if low is None:
        raise NoSteadyState(f"no pump current between {given * 2.0**-_LADDER * 100:.3g} and "
                            f"{given * 2.0**_LADDER * 100:.3g} uA/cm^2 gives a steady state with a finite volume "
                            "and every concentration positive")
    high = low
    for _ in range(_LADDER):
        high *= 2
        if not reduced.physical(high):
            break
        low = high
    else:
        return None
    low, high = _bisect(reduced, low, high)
    return _polish(reduced, low, high)


def _polish(reduced: _Reduced, low: float, high: float) -> PumpEdge:
    """Classify the end bracketed by [low, high] and find it by Newton on the two equations that hold there."""
    below = reduced.physical(low)
    v_low, _ = min(below, key=lambda root: float(np.min(root[1])))
    nearby = [(v, c) for v, c in reduced.roots(high) if abs(v - v_low) < 1e-6]
    # Past the end the root lost what physical() asks: A_i > 0 or an X_i >= 0. The bracket can close on the end
    # itself, where A_i rounds to exactly 0 (a volume end at V ~ 0): that is the volume's end, not a fold.
    past = nearby[0][1].copy() if nearby else None
    if past is not None and reduced.fixed:
        past[0] = np.inf  # a fixed volume's A_i never ends the states
    if past is None and abs(v_low) > _VOLTS[-2]:  # the root went on beyond the grid's last interval
        concentrations = dict(zip(reduced.symbols, (float(c) for c in reduced._evaluate(v_low, low)[1:] *
                                                    reduced.osm_out)))
        return PumpEdge("range", None, v_low, low, concentrations, _rate_at(reduced, v_low, low, None))
    if past is None or not (past[0] <= 0 or np.any(past < 0)):
        kind, index = "fold", None
    else:  # the concentration that turned negative (argmin: A_i first on a tie at 0)
        index = int(np.argmin(past))
        kind = "volume" if index == 0 else "ion"
    symbol = reduced.symbols[index] if index is not None else None
    second = sp.diff(reduced.expressions[0], V) if kind == "fold" else reduced.expressions[1 + index]
    x, t = sp.symbols("x t", real=True)
    point = {V: x * reduced.thermal, I_pump: low * sp.exp(t)}
    # osm_out at WORKING_DIGITS: a double (15 digits) would round the exact coefficients it divides, and the sum
    # of salts and osm_out cancel at a volume end at V ~ 0.
    osm_out = sp.Float(reduced.osm_out, WORKING_DIGITS)
    equations = [reduced.expressions[0].xreplace(point) / osm_out, second.xreplace(point)]
    equations[1] = equations[1] / (osm_out if kind != "fold" else abs(
        float(sp.diff(reduced.expressions[0], V).xreplace({V: v_low, I_pump: low}))) or 1.0)
    f = sp.lambdify((x, t), equations, modules=[_MPMATH_FUNCTIONS, "mpmath"])
    jac = sp.lambdify((x, t), sp.Matrix(equations).jacobian([x, t]), modules=[_MPMATH_FUNCTIONS, "mpmath"])
    v, current = v_low, low
    with mpmath.workdps(WORKING_DIGITS):
        try:
            xx, tt = damped_newton(f, jac, [mpmath.mpf(v_low / reduced.thermal), mpmath.mpf(0)],
                                   positive=[False, False])
            polished_v, polished_j = float(xx * reduced.thermal), float(low * mpmath.exp(tt))
            # Only the end in the bracket counts: never a degenerate root elsewhere (J = 0, V = 0).
            if low * (1 - 1e-9) <= polished_j <= high * (1 + 1e-9) and abs(polished_v - v_low) < 1e-6:
                v, current = polished_v, polished_j
        except (NoSteadyState, OverflowError, ZeroDivisionError):
            pass  # the bisection's end is exact to _BRACKET
    values = reduced._evaluate(v, current)[1:] * reduced.osm_out
    concentrations = dict(zip(reduced.symbols, (float(c) for c in values)))
    if symbol is not None:
        concentrations[symbol] = 0.0
    rate = _rate_at(reduced, v, current, symbol)
    ion = symbol.name[:-2] if kind == "ion" else None
    return PumpEdge(kind, ion, v, current, concentrations, rate)


def _rate_at(reduced: _Reduced, v: float, current: float, vanishing: sp.Symbol | None) -> float:
    """The pump's rate parameter at the end; inf when the pump current vanishes with the vanishing concentration."""
    model = reduced.model
    if pumpleak.pump_rate_symbol(model) == I_pump:
        return current
    current_at_zero = model.pump_current.xreplace({vanishing: 0}) if vanishing is not None else None
    if current_at_zero is not None and current_at_zero.xreplace(model.dynamic_values) == 0:
        return math.inf
    return float(evaluate(reduced.rate, {V: sp.Float(v, 17), I_pump: sp.Float(current, 17)}))


# The least concentration a cell can hold: less than one particle in a nanolitre (the bound vrest refuses a
# model file's concentrations at, derive.limits). mol/m^3 = mM.
CONCENTRATION_FLOOR = _FLOOR = float(RANGES["concentration"].si(RANGES["concentration"].low))
_FLOOR_TEXT = f"{RANGES['concentration'].low} mM (less than one particle in a nanolitre, the least concentration a cell holds)"
_CEILING = float(RANGES["concentration"].si(RANGES["concentration"].usual_high))
_CEILING_TEXT = f"{RANGES['concentration'].usual_high} mM (6 M: saturated NaCl, the most of any salt a cell lives in)"


def emptied_words(concentrations: Mapping[sp.Symbol, float]) -> str | None:
    """"Na_i = 3.62e-100 mM, below ...": the least inside concentration (SI, by X_i) when it is below the
    least a cell holds (an ohmic leak's X_i at steady state falls exponentially with the pump but never to 0),
    and the largest when it is above the most a solution can hold; None when every one lies between."""
    said = []
    symbol, value = min(concentrations.items(), key=lambda item: item[1], default=(None, math.inf))
    if value < _FLOOR:
        said.append(f"{symbol.name} = {value:.3g} mM, below {_FLOOR_TEXT}: a limit no cell reaches, the "
                    f"{symbol.name[:-2]} all but gone")
    symbol, value = max(concentrations.items(), key=lambda item: item[1], default=(None, -math.inf))
    if value > _CEILING:
        said.append(f"{symbol.name} = {value:.6g} mM, above {_CEILING_TEXT}")
    return "; ".join(said) or None


def state_words(model: Model, state: Mapping[sp.Symbol, float]) -> str | None:
    """emptied_words of the inside concentrations at ``state`` (the ion amounts, and the volume where it is a
    state; SI)."""
    volume = pumpleak.steady_volume(model, state)
    return emptied_words({ion.inside: state[ion.amount] / volume for ion in model.dynamic_ions})


def emptied_steady_state(model: Model, values: Mapping[sp.Symbol, object]) -> str | None:
    """Why the steady state of the dynamic model at parameter ``values`` is out of a solver's reach: "the steady
    state vrest derive finds (V_ss = ...) has Na_i = ... mM, below ..." (or a concentration above 6 M); None when
    it has none or every concentration lies between."""
    try:
        at = with_values(model, values)
        state = steady_state(at)
    except (NotApplicable, NoSteadyState):
        return None
    words = state_words(at, state)
    return f"the steady state vrest derive finds (V_ss = {state[V] * 1000:.6g} mV) has {words}" if words else None


def pump_substrates(model: Model) -> tuple[sp.Symbol, ...]:
    """The inside concentrations a pump's rate multiplies a function of (none for a constant pump current)."""
    if model.pump is None or pumpleak.pump_rate_symbol(model) == I_pump:
        return ()
    return tuple(ion.inside for ion in model.dynamic_ions if ion.inside in model.pump_current.free_symbols)


def _starved_substrate(model: Model, edge: PumpEdge) -> tuple[sp.Symbol, float] | None:
    """A concentration the pump's rate depends on that lies below _FLOOR where the steady states end.

    Where they end only with such a concentration (ohmic leaks hold Na_i = Na_o exp(-(V + 3 I_pump/g_Na) F/RT)
    > 0 at every current, so a saturating pump needs I_max ~ I_pump (K_half/Na_i)^3 there), the rate found
    is set by a concentration no cell holds: it is not a rate, and no physical rate ends the steady states.
    A concentration that falls to 0 at the end itself (a constant pump's Na_i) is the end, not this.
    """
    vanishing = edge.ion
    for symbol in pump_substrates(model):
        value = edge.concentrations.get(symbol)
        if value is not None and symbol.name[:-2] != vanishing and value < _FLOOR:
            return symbol, value
    return None


def swells_with_pump_off(model: Model) -> bool:
    """Whether the cell swells without bound when its pump is off: impermeant anions inside, water that follows
    them and no impermeant solute in the bath (the Donnan state has no finite volume)."""
    return (model.pump is not None and bool(model.impermeant) and not model.bath_impermeant
            and model.volume_mode in ("dynamic", "instant"))


def pump_is_off(model: Model, values) -> bool:
    """Whether the pump's current is exactly 0 at the parameter ``values`` (a blocker, a rate scaled by 0)."""
    return model.pump is not None and _given_current(model, {**model.values, **values}) == 0


def with_values(model: Model, values: Mapping[sp.Symbol, object]) -> Model:
    """The model with the dynamic model's parameter ``values`` (a scenario step's, a run's; SI, exact or float)
    in place of its own."""
    from .scenario import model_at  # here: scenario imports steady_state, which imports this module

    exact = {s: v if isinstance(v, sp.Basic) else sp.Rational(repr(float(v))) for s, v in values.items()}
    return model_at(model, exact, {})


def pump_excess(model: Model, values: Mapping[sp.Symbol, object]) -> tuple[float, PumpEdge] | None:
    """(the pump's rate, where the steady states end) when the rate at the dynamic model's parameter ``values``
    is above pump_max of the model with those values; None when it is not, or when that model has no pump_max."""
    if model.pump is None or model.pump.rate not in values:
        return None
    edge = rate_edge(with_values(model, values))
    rate = float(values[model.pump.rate])
    return (rate, edge) if edge is not None and rate > edge.rate else None


def rate_edge(model: Model) -> PumpEdge | None:
    """Where the steady states end at a pump rate, above which the model has none; None where they do not end
    at a rate (a fold, the end of the potentials searched, no end, an end set by a starved substrate)."""
    try:
        edge = pump_edge(model)
    except (NotApplicable, NoSteadyState):
        return None
    if (edge is None or edge.kind in ("fold", "range") or not math.isfinite(edge.rate)
            or _starved_substrate(model, edge) is not None):
        return None
    return edge


def _millivolts(volts: float) -> str:
    """V in mV to 6 digits; 0 where it is rounding about 0 (a salt-only limit's V -> 0 gives -7e-40 mV)."""
    return "0" if abs(volts) < 1e-15 else f"{volts * 1000:.6g}"


def edge_words(edge: PumpEdge) -> str:
    """What happens where the steady states end: "Na_i falls to 0: ..." or "the volume grows without bound"."""
    if edge.kind == "ion":
        return f"{edge.ion}_i falls to 0: the pump would take out more {edge.ion} than can leak in"
    return "the volume grows without bound"


def pump_rate_verdict(model: Model, values: Mapping[sp.Symbol, object]) -> str | None:
    """Why the dynamic model's parameter ``values`` (scenario_values: the pump rate scaled; a scenario step's)
    give no steady state with a finite volume: the pump is too weak (steady states lie at larger rates) or too
    strong (its rate above pump_max). None when they give one, or when no rate does."""
    try:
        at = with_values(model, values)
        reduced = _Reduced(at)
    except NotApplicable:
        return None
    excess = pump_excess(model, values)
    if excess is not None:
        rate, edge = excess
        symbol, unit = model.pump.rate, rate_unit(model)
        shown, limit = _distinct(rate * 100, edge.rate * 100)
        current = f" (I_pump = {edge.current * 100:.6g} uA/cm^2 there)" if symbol != I_pump else ""
        return (f"the pump is too strong: its rate {symbol.name} = {shown} {unit} is above pump_max, the {limit} "
                f"{unit} at which {edge_words(edge)}{current}")
    current = _given_current(at, at.values)
    if current > 0 and reduced.physical(current):
        return None
    found = _start(reduced, current)
    if found is None:
        return None
    if current <= 0 or found > current:
        return PUMP_TOO_WEAK
    edge = pump_edge(at)
    if edge is None or edge.kind == "fold":
        return "the pump is too strong: steady states exist only at smaller pump rates"
    if edge.kind == "range":
        return (f"the pump is too strong: above I_pump = {edge.current * 100:.6g} uA/cm^2 the steady state's V lies "
                f"beyond {edge.V * 1000:+.0f} mV")
    # Here the rate is below pump_max (a rate above it was named first), or no rate is too strong: a pump whose
    # current falls to 0 with Na_i (saturating) has a steady state at every rate, and its current at the given
    # Na_i is not the steady state's. Either way the pump is not what keeps the steady state away.
    return None


def _distinct(a: float, b: float) -> tuple[str, str]:
    """a and b with 6 significant digits, or as many more as it takes to tell them apart."""
    for digits in range(6, 17):
        shown = f"{a:.{digits}g}", f"{b:.{digits}g}"
        if shown[0] != shown[1]:
            break
    return shown


def _describe_bath(model: Model) -> str:
    if model.volume_mode == "fixed":
        return "the volume is fixed (no water_permeability): no water flows, whatever the rate"
    if model.bath_impermeant:
        return "the bath holds an impermeant solute, so the volume is finite for every rate in [0, pump_max)"
    return ("salt-only bath: the volume is finite for 0 < rate < pump_max and grows without bound as the rate falls "
            "to 0 (Donnan)")


def rate_unit(model: Model) -> str:
    """The display unit of the pump's rate: a current per area, or cm/s for a rate per [Na]_i."""
    return "cm/s" if model.pump is not None and model.pump.form == "proportional" else "uA/cm^2"


@quantity("pump_max")
def pump_max(ctx: Derivations) -> Derivation:
    model = ctx.model
    edge = pump_edge(model)
    rate = pumpleak.pump_rate_symbol(model)
    ohmic = [ion.name for ion in model.dynamic_ions if ion.leak == "ohmic"
             and any(name == ion.name and n for name, n in model.pump.stoichiometry)]
    accepted = float(RANGES["current per area"].si(RANGES["current per area"].high))  # A/m^2
    beyond = edge is None or (edge.kind == "range" and edge.current > accepted)  # past any pump vrest takes
    if ohmic and beyond:  # g (V - E_X), E_X = (RT/zF) ln(X_o/X_i): unbounded as X_i -> 0
        raise NotApplicable(f"none: the ohmic leak of {ohmic[0]}, which the pump moves, balances any pump current "
                            f"(E_{ohmic[0]} grows without bound as {ohmic[0]}_i falls), so the steady states do not end "
                            f"at a largest pump rate: at a stronger pump their {ohmic[0]}_i is only smaller, soon below "
                            f"{_FLOOR_TEXT}")
    if edge is None:
        raise NotApplicable(f"none: a steady state with a finite volume exists for every pump current tried, up to "
                            f"{_reference_current(model) * 2.0**_LADDER * 100:.3g} uA/cm^2")
    if edge.kind == "range":
        raise NotApplicable(f"none found: no concentration falls to 0 and no two steady states merge up to "
                            f"I_pump = {edge.current * 100:.6g} uA/cm^2, where the steady state's V reaches "
                            f"{edge.V * 1000:.6g} mV, the end of the potentials searched (|V| < 1 V)")
    if math.isinf(edge.rate) and edge.kind != "ion":
        raise NotApplicable(f"none in double precision: the finite volumes end at I_pump = {edge.current * 100:.6g} "
                            f"uA/cm^2 (A_i -> 0), where the {model.pump.form} pump would need {rate.name} above "
                            f"1e308 {rate_unit(model)} (its Na_i is almost 0 there)")
    if math.isinf(edge.rate):
        raise NotApplicable(f"none: the {model.pump.form} pump's current falls to 0 as {edge.ion}_i -> 0, so no rate "
                            f"({rate.name}) takes {edge.ion}_i to 0 (where steady states exist, the pump current approaches "
                            f"{edge.current * 100:.6g} uA/cm^2 as {rate.name} grows)")
    starved = _starved_substrate(model, edge)
    if starved is not None:
        symbol, value = starved
        raise NotApplicable(
            f"none: the finite volumes end (I_pump = {edge.current * 100:.6g} uA/cm^2, V = {_millivolts(edge.V)} mV) "
            f"only where {symbol.name} would be {value:.3g} mM, below {_FLOOR_TEXT}; the "
            f"{model.pump.form} pump's {rate.name} there, {edge.rate * 100:.3g} {rate_unit(model)}, measures how small that "
            "concentration is, not a rate a cell has: no physical rate ends the steady states")
    if edge.kind == "fold":
        raise NotApplicable(f"the steady states end where two of them merge (I_pump = {edge.current * 100:.6g} "
                            f"uA/cm^2, V = {_millivolts(edge.V)} mV), not where a concentration vanishes; vrest derives "
                            "pump_max only for the latter")
    steps, expression = (_volume_steps if edge.kind == "volume" else _ion_steps)(model, edge)
    at = [(V, edge.V), (I_pump, edge.current), *edge.concentrations.items()]
    if rate != I_pump:
        at.append((rate, edge.rate))
    there = (f"V = {_millivolts(edge.V)} mV, I_pump = {edge.current * 100:.6g} uA/cm^2")
    if edge.kind == "volume":
        description = (f"largest pump rate ({rate.name}) with a finite steady volume: the impermeant concentration "
                       f"N_A/Vol falls to 0 there ({there})")
        why = "as Vol grows without bound A_i = N_A/Vol -> 0 and the capacitor's charge per volume -> 0"
    else:
        description = (f"largest pump rate ({rate.name}) with a steady state: {edge.ion}_i falls to 0 there, the pump "
                       f"taking out all the {edge.ion} that leaks in ({there}; the impermeant concentration "
                       f"{edge.concentrations[A_i]:.6g} mM, the volume "
                       f"{'fixed' if model.volume_mode == 'fixed' else 'finite'})")
        why = f"above pump_max the flux balance would need {edge.ion}_i < 0: no steady state at all"
    return Derivation(
        "pump_max", expression, float(edge.rate), rate_unit(model), description, method="numeric root",
        assumptions=(pumpleak._SIGNS, "every ion's leak balances its pump share (steady amounts)",
                     "zero net charge beyond the membrane capacitor's (charge-difference condition, as for V_ss)",
                     why, _describe_bath(model)),
        steps=steps, at=tuple(at),
    )


def _charge_and_salts(model: Model) -> tuple[sp.Expr, sp.Expr]:
    salt_charge = sp.Add(*[ion.valence * ion.inside for ion in model.dynamic_ions])
    salts = sp.Add(*[ion.inside for ion in model.dynamic_ions])
    return salt_charge, salts


def _charge_steps(model: Model) -> tuple[Step]:
    """The steady state's charge condition per volume: C_m A V = F Vol (sum z X_i + z_A A_i) with Vol = N_A/A_i."""
    return (Step("Zero net charge beyond the membrane capacitor's, the condition of V_ss (charge-difference "
                 "condition): C_m A V = F Vol (sum z X_i + z_A A_i), divided by F Vol with Vol = N_A/A_i",
                 equation(net_charge(model), 0)),)


def _volume_steps(model: Model, edge: PumpEdge) -> tuple[tuple[Step, ...], sp.Expr]:
    """A_i -> 0: an electroneutral salt solution inside, isosmotic with the bath, every flux balanced."""
    conc = pumpleak.balanced_concentrations(model)
    osm_out = model.osmolarities[1]
    charge = sp.Add(*[ion.valence * conc[ion.inside] for ion in model.dynamic_ions])
    solutes = sp.Add(*[conc[ion.inside] for ion in model.dynamic_ions])
    salt_charge, _ = _charge_and_salts(model)
    balanced = tuple(equation(symbol, c) for symbol, c in conc.items())
    no_impermeant = equation(A_i, 0)
    osmotic = equation(model.osmolarities[0], osm_out)
    steps = (
        *_charge_steps(model),
        Step("As the rate approaches pump_max the volume grows without bound, so the impermeant concentration "
             "A_i = N_A/Vol falls to 0, and the capacitor's charge per volume with it", equation(salt_charge, 0),
             given=(no_impermeant,)),
        Step("Every ion's leak balances its pump share, X_i = X_i(V, I_pump): condition A, an electroneutral "
             "salt solution inside, fixes V for each pump current", equation(charge, 0), given=balanced),
        Step("Add condition B, the osmotic balance with A_i = 0, at the V of condition A: one equation for the "
             "pump current; both hold at pump_max", equation(solutes, osm_out),
             given=(osmotic, no_impermeant) + balanced),
    )
    return steps, osm_out - solutes


def _ion_steps(model: Model, edge: PumpEdge) -> tuple[tuple[Step, ...], sp.Expr]:
    """X_i -> 0 for the pumped ion: the pump current is then what that ion's leak carries in at X_i = 0."""
    conc = pumpleak.balanced_concentrations(model)
    ion = next(i for i in model.dynamic_ions if i.name == edge.ion)
    osm_out = model.osmolarities[1]
    _, salts = _charge_and_salts(model)
    impermeant = steady_impermeant(model)
    if model.volume_mode == "fixed":
        volume_step = "The volume is fixed (no water flows), so A_i = N_A/Vol keeps its given value; insert it"
    else:
        volume_step = "Water balance: no water flows, so A_i = osm_out - sum X_i; insert it"
    water = equation(A_i, impermeant)
    eliminated = net_charge(model, impermeant)
    vanished = eliminated.xreplace({ion.inside: 0})
    leak_at_zero = model.leak_current(ion).xreplace({ion.inside: 0})
    current = sp.solve(leak_at_zero + model.pump_share(ion), I_pump)[0]
    others = tuple(equation(symbol, c.xreplace({I_pump: current})) for symbol, c in conc.items() if symbol != ion.inside)
    final = vanished.xreplace({eq.lhs: eq.rhs for eq in others})
    balance = f"{ion.I}(V, 0) + {sp.sstr(model.pump_share(ion))}"
    steps = (
        *_charge_steps(model),
        Step(volume_step, equation(eliminated, 0), given=(water,)),
        Step(f"At pump_max {ion.name}_i falls to 0: the pump takes out all the {ion.name} that leaks in (for a "
             f"larger pump current the flux balance would need {ion.name}_i < 0)", equation(vanished, 0),
             given=(equation(ion.inside, 0),)),
        Step(f"{ion.name}'s flux balance with {ion.name}_i = 0, {balance} = 0, gives the pump "
             f"current its leak can feed at V; every other ion's leak balances its pump share, X_i = X_i(V, I_pump): "
             "one equation for V", equation(final, 0), given=(equation(I_pump, current),) + others),
    )
    return steps, final
