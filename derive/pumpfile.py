"""Read the ``[pump]`` table of a model file into a Pump (the keys are in docs/model-format.md).

Three rate laws, each times optional factors:

- constant: ``current`` = I_pump;
- saturating: ``max_current`` = I_max times one activation per site, Na inside and K outside,
  ``(c/(c + K_half))^n`` (``binding = "independent"``, the default) or the Hill form
  ``c^n/(c^n + K_half^n) = 1/(1 + (K_half/c)^n)`` (``binding = "hill"``), exponents ``hill_Na``, ``hill_K`` (default: the
  stoichiometry's counts, 3 and 2);
- proportional: ``rate_per_Na`` = lambda_pump: Na efflux lambda [Na]_i, so the cycle flux is
  lambda [Na]_i / n_Na and I_pump = q F lambda [Na]_i / n_Na (Gabbiani & Cox, Mathematics for
  Neuroscientists, the NaKrest model: K influx lambda [Na]_i / r).

Factors: ``q10`` (with ``q10_reference``, default the model's temperature) multiplies the rate by
Q_10^((T - T_ref)/10 K); ``voltage_dependence = "luo_rudy_1994"`` by Luo & Rudy's f_NaK(V).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import sympy as sp

from . import laws, limits
from .constants import I_pump, T, r
from .errors import ModelError, shown
from .ions import Ion
from .model import DT_10, Parameter, Pump
from .units import parse_quantity

__all__ = ["read_pump", "constant_current", "PUMP_KEYS", "RATE_KEYS", "NA_K_ATPASE", "Q_10", "T_ref", "dT_10",
           "lambda_pump", "Q10_FACTOR"]

NA_K_ATPASE = {"Na": 3, "K": -2}
# The three rate laws, by the key that gives the rate: (form, parameter symbol, dimension, description).
RATE_KEYS = {
    "current": ("constant", I_pump, "current per area", "pump current (outward), constant"),
    "max_current": ("saturating", sp.Symbol("I_max", positive=True), "current per area", "maximal pump current"),
    "rate_per_Na": ("proportional", sp.Symbol("lambda_pump", positive=True), "permeability",
                    "pump rate per [Na]_i: Na efflux lambda_pump [Na]_i"),
}
PUMP_KEYS = set(RATE_KEYS) | {"K_half_Na", "K_half_K", "hill_Na", "hill_K", "binding", "stoichiometry", "q10",
                              "q10_reference", "voltage_dependence"}
VOLTAGE_FORMS = ("none", "luo_rudy_1994")
BINDINGS = ("independent", "hill")

Q_10 = sp.Symbol("Q_10", positive=True)  # pump rate factor per 10 K
T_ref = sp.Symbol("T_ref", positive=True)  # temperature at which the pump rate is the file's
dT_10 = DT_10  # the 10 K of the Q10 definition (keeps the exponent unit-free)
Q10_FACTOR = Q_10 ** ((T - T_ref) / dT_10)  # the rate's factor at temperature T
lambda_pump = RATE_KEYS["rate_per_Na"][1]
I_pump0 = sp.Symbol("I_pump0", positive=True)  # a constant pump's current before its factors
Na_o_LR = sp.Symbol("Na_o_LR", positive=True)  # 67.3 mM in Luo & Rudy's sigma


def _positive(table: Mapping[str, Any], key: str, dimension: str, symbol: sp.Symbol, description: str) -> Parameter:
    from .modelfile import _positive as positive  # the reader's one check of positive quantities

    return positive(table, key, "pump", dimension, symbol, description)


def _number(value: Any, key: str, what: str) -> sp.Rational:
    """A positive number within its key's range (derive.limits.RANGES)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ModelError(key, value, f"expected a positive number: {what}")
    limits.check_number(key, value, "factor", integer=False)
    return sp.Rational(str(value))


def _exponent(value: Any, key: str) -> sp.Number:
    """A Hill exponent: an integer stays one; any other as a Float, so every export prints it as one number
    (a Rational 3/2 would print as a division, which SBML's unit check cannot follow)."""
    number = _number(value, key, "the exponent of the site's activation")
    return number if number.is_Integer else sp.Float(str(value))


def _choice(table: Mapping[str, Any], key: str, choices: tuple[str, ...]) -> str:
    value = table.get(key, choices[0])
    if value not in choices:
        raise ModelError(f"pump.{key}", value, f"expected one of {', '.join(repr(c) for c in choices)}")
    return value


def _stoichiometry(table: Mapping[str, Any], ions: Mapping[str, Ion]) -> dict[str, int]:
    moved = table.get("stoichiometry", NA_K_ATPASE)
    if not isinstance(moved, dict) or not moved:
        raise ModelError("pump.stoichiometry", moved,
                         "expected a table of ions moved out per cycle, e.g. {Na = 3, K = -2}")
    for name, n in moved.items():
        key = f"pump.stoichiometry.{name}"
        if name not in ions:
            raise ModelError(key, n, f"the model has no ion {name!r} (its ions: {', '.join(ions)})")
        if isinstance(n, bool) or not isinstance(n, int) or n == 0:
            raise ModelError(key, n, "expected a non-zero integer: ions moved out per cycle (negative = in)")
        limits.check(key, n, "stoichiometry", n)
    return dict(moved)


def constant_current(text: Any, key: str, moved: Mapping[str, int], charge: int) -> Fraction:
    """A constant pump's current (SI): its sign is the direction its stoichiometry's charge moves (a pump that cycles
    forward), its size within the range of a current per area."""
    value, _ = parse_quantity(text, key, "current per area", check=False)
    if value * charge < 0:
        direction = "outward (positive)" if charge > 0 else "inward (negative)"
        raise ModelError(key, text, f"the pump would run backwards: the stoichiometry {dict(moved)} moves "
                         f"{charge:+d} charge per cycle out, so a pump that cycles forward carries an {direction} "
                         "current")
    limits.check(key, abs(value), "current per area", text)
    return value


def _needs_ion(ions: Mapping[str, Ion], name: str, key: str, value: Any, why: str) -> Ion:
    if name not in ions or not ions[name].has_concentrations:
        raise ModelError(key, value, f"{why} needs ion {name} with inside and outside concentrations")
    return ions[name]


def _saturation(table, ions, moved, params) -> sp.Expr:
    binding = _choice(table, "binding", BINDINGS)
    factor = sp.Integer(1)
    for ion_name, side, key, hill in (("Na", "inside", "K_half_Na", "hill_Na"), ("K", "outside", "K_half_K", "hill_K")):
        if key not in table:
            raise ModelError(f"pump.{key}", None, "missing required key for a saturating pump")
        ion = _needs_ion(ions, ion_name, f"pump.{key}", table[key], "a saturating pump")
        K_half = sp.Symbol(key, positive=True)
        params.append(_positive(table, key, "concentration", K_half, f"pump half-activation by {ion_name}"))
        default = abs(moved.get(ion_name, 0)) or 1
        n = _exponent(table[hill], f"pump.{hill}") if hill in table else sp.Integer(default)
        c = getattr(ion, side)
        # Both written with a dimensionless base, so a fractional exponent keeps every export's units checkable;
        # unevaluated, or SymPy would split (K/c)^1.5 into K^1.5 c^-1.5, which has no dimension in LEMS.
        if binding == "independent":
            factor *= sp.Pow(c / (c + K_half), n, evaluate=n.is_Integer)
        else:
            factor *= 1 / (1 + sp.Pow(K_half / c, n, evaluate=n.is_Integer))
    return factor


def _luo_rudy(ions: Mapping[str, Ion], params: list[Parameter]) -> sp.Expr:
    """f_NaK(V) = 1/(1 + 0.1245 e^(-0.1 F V/(R T)) + 0.0365 sigma e^(-F V/(R T))),
    sigma = (e^([Na]_o/67.3 mM) - 1)/7 (Luo & Rudy 1994, Circ Res 74:1071)."""
    na = _needs_ion(ions, "Na", "pump.voltage_dependence", "luo_rudy_1994", "Luo & Rudy's f_NaK")
    params.append(Parameter(Na_o_LR, sp.Rational("67.3"), "mM", "[Na]_o scale of Luo & Rudy's sigma (67.3 mM)"))
    u = laws.ghk_u(1)
    sigma = (sp.exp(na.outside / Na_o_LR) - 1) / 7
    return 1 / (1 + sp.Rational("0.1245") * sp.exp(-u / 10) + sp.Rational("0.0365") * sigma * sp.exp(-u))


def _temperature_factor(table: Mapping[str, Any], params: list[Parameter]) -> sp.Expr:
    if "q10" not in table:
        if "q10_reference" in table:
            raise ModelError("pump.q10_reference", table["q10_reference"], "needs pump.q10")
        return sp.Integer(1)
    params.append(Parameter(Q_10, _number(table["q10"], "pump.q10", "the pump rate's factor per 10 K"), "1",
                            "pump Q10: rate factor per 10 K"))
    if "q10_reference" in table:
        params.append(_positive(table, "q10_reference", "temperature", T_ref,
                                "temperature at which the pump rate has its given value"))
    else:
        model_t = next(p for p in params if p.symbol == T)
        params.append(Parameter(T_ref, model_t.value, "K", "temperature at which the pump rate has its given value "
                                "(the model's temperature)"))
    params.append(Parameter(dT_10, sp.Integer(10), "K", "the 10 K step of the Q10 definition"))
    return Q10_FACTOR


def read_pump(table: Any, ions: Mapping[str, Ion], params: list[Parameter]) -> Pump:
    """The Pump of a ``[pump]`` table (already checked for unknown keys); appends its parameters."""
    moved = _stoichiometry(table, ions)
    charge = laws.pump_charge_per_cycle(moved, {name: ion.valence for name, ion in ions.items()})
    given = [key for key in RATE_KEYS if key in table]
    if len(given) != 1:
        raise ModelError("pump", None, "give exactly one of 'current' (constant pump), 'max_current' (saturating "
                         "pump) or 'rate_per_Na' (Na efflux proportional to [Na]_i)"
                         + (f"; {' and '.join(given)} are given" if given else "; none is given"))
    (key,) = given
    if charge == 0:
        raise ModelError(f"pump.{key}", table[key],
                         f"the stoichiometry {shown(moved)} moves no net charge, so the pump carries no current; "
                         "an electrogenic pump is required")
    form, rate, dimension, description = RATE_KEYS[key]
    for other in ("K_half_Na", "K_half_K", "hill_Na", "hill_K", "binding"):
        if other in table and form != "saturating":
            raise ModelError(f"pump.{other}", table[other], "applies to a saturating pump ('max_current') only")
    factors = _temperature_factor(table, params)
    voltage = _choice(table, "voltage_dependence", VOLTAGE_FORMS)
    if voltage == "luo_rudy_1994":
        factors *= _luo_rudy(ions, params)
    if form == "constant" and factors != 1:
        rate = I_pump0
        named = [name for name, given in (("Q10", "q10" in table), ("voltage", voltage != "none")) if given]
        description += f", before its {' and '.join(named)} factor{'s' if len(named) > 1 else ''}"
    if form == "constant":
        value = constant_current(table[key], f"pump.{key}", moved, charge)
        _, unit = parse_quantity(table[key], f"pump.{key}", dimension, check=False)
        params.append(Parameter(rate, sp.Rational(value), unit, description))
        current = rate
    else:
        params.append(_positive(table, key, dimension, rate, description))
        if form == "saturating":
            current = rate * _saturation(table, ions, moved, params)
        else:
            na = _needs_ion(ions, "Na", f"pump.{key}", table[key], "a pump proportional to [Na]_i")
            if moved.get("Na", 0) <= 0:
                raise ModelError(f"pump.{key}", table[key], "a pump proportional to [Na]_i must move Na out "
                                 "(pump.stoichiometry.Na > 0)")
            current = laws.pump_current_proportional(rate, na.inside, moved["Na"], charge)
    pump = Pump(form, tuple(moved.items()), current * factors, charge, rate)
    if pump.coupling_ratio is not None:
        params.append(Parameter(r, pump.coupling_ratio, "1", "pump coupling ratio: Na out per K in"))
    return pump
