"""Read the ``[channels.<name>]`` tables of a model file into Channels (keys in docs/model-format.md).

    [channels.Na]
    reversal = "50 mV"                      # or ion = "Na" (its Nernst or given reversal; GHK needs it)
    conductance = "120 mS/cm^2"             # or permeability = "..." (constant field, needs an ion)
    units = { V = "mV", t = "ms" }          # what V, times and rates mean in the expressions
    q10 = 3                                 # optional, with q10_reference (default: the model's temperature)
    q10_reference = "6.3 degC"
    open_fraction = "1/(1 + exp((V + 80)/25))"   # optional, instantaneous: V and concentrations
    [channels.Na.gates.m]
    power = 3
    alpha = "0.1*(V+40)/(1 - exp(-(V+40)/10))"   # 1/t ...
    beta = "4*exp(-(V+65)/18)"
    # inf = "...", tau = "..."                   # ... or steady state (1) and time constant (t)

Expressions go through the whitelisted parser of ``vrest verify`` (nothing is evaluated as code),
with V (and in open_fraction the concentrations X_i, X_o and reversal potentials E_X of the model's
ions) as the only names; their numbers are exact. They become SI expressions of the model's V, and
quotients 0/0 at a point (alpha_m at -40 mV) are written with exprel (derive.removable). A rate that is
negative, or not finite, somewhere in -150 mV to +100 mV is refused with the voltage named.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import sympy as sp

from . import limits
from .channels import Channel, Gate
from .constants import T, V
from .errors import ModelError
from .functions import NUMPY_FUNCTIONS
from .ions import Ion
from .laws import nernst
from .model import DT_10, Parameter
from .removable import with_exprel
from .units import DIMENSIONS, dimensionality, parse_quantity, unit_factor
from .verify.parse import FUNCTIONS, ParseError, parse_written

__all__ = ["CHANNEL_KEYS", "CHECK_RANGE", "GATE_KEYS", "check_channel_ion", "is_unit_parameter", "read_channels"]

CHANNEL_KEYS = {"ion", "reversal", "conductance", "permeability", "units", "gates", "open_fraction", "q10",
                "q10_reference", "description"}
GATE_KEYS = {"power", "alpha", "beta", "inf", "tau"}
_UNIT_KEYS = {"V": "voltage", "t": "time", "concentration": "concentration"}
_UNIT_PREFIX = {"V": "V_unit", "t": "t_unit", "concentration": "c_unit"}
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")
CHECK_RANGE = (-0.150, 0.100)  # V (SI): where rates must be finite and non-negative
_CHECK_POINTS = np.linspace(*CHECK_RANGE, 2501)  # every 0.1 mV


def is_unit_parameter(name: str) -> bool:
    """Whether ``name`` is one of a channel's unit parameters (V_unit_K: 1 mV), which no claim is about."""
    return any(name.startswith(f"{prefix}_") for prefix in _UNIT_PREFIX.values())


def _unknown(table: Mapping[str, Any], known: set[str], path: str) -> None:
    import difflib

    for key in table:
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(sorted(known))}"
            raise ModelError(f"{path}.{key}", table[key], f"unknown key{hint}")


def _units(spec: Mapping[str, Any], path: str, channel: str) -> dict[str, Parameter]:
    """One unit of V, t and concentration as the expressions use them: parameters V_unit_NAME,
    t_unit_NAME, c_unit_NAME (so every expression keeps its dimension in every export)."""
    table = spec.get("units")
    if not isinstance(table, dict):
        raise ModelError(f"{path}.units", table, 'expected a table such as { V = "mV", t = "ms" }: the units of V '
                         "and of time in the expressions" if table is not None else
                         'missing: say what the expressions mean, e.g. units = { V = "mV", t = "ms" }')
    _unknown(table, set(_UNIT_KEYS), f"{path}.units")
    factors = {}
    for key, dimension in _UNIT_KEYS.items():
        text = table.get(key, "mM" if key == "concentration" else None)
        if text is None:
            raise ModelError(f"{path}.units.{key}", None, "missing required key")
        where = f"{path}.units.{key}"
        if not isinstance(text, str):
            raise ModelError(where, text, f"expected a unit of {dimension} in quotes")
        try:
            right = dimensionality(text) == dimensionality(DIMENSIONS[dimension]) and unit_factor(text) > 0
        except ValueError:
            raise ModelError(where, text, f"unknown unit; expected a unit of {dimension}") from None
        if not right:
            raise ModelError(where, text, f"not a unit of {dimension}")
        symbol = sp.Symbol(f"{_UNIT_PREFIX[key]}_{channel}", positive=True)
        factors[key] = Parameter(symbol, sp.Rational(unit_factor(text)), text,
                                 f"one {text}: the unit of {dimension} in channel {channel}'s expressions")
    return factors


# A function name not followed by "(" (verify reads "ln x" as ln(x); a rate function is written with parentheses).
_BARE_CALL = re.compile(r"(?<![\w.])(" + "|".join(sorted(FUNCTIONS, key=len, reverse=True)) + r")\b\s*(?=[^\s(]|$)")
_ION_WORDS = re.compile(r"\b(E_[A-Za-z]\w*|[A-Z][a-z]?_[io])\b")  # E_K, K_o, Na_i: what an open_fraction may use


def _expression(text: Any, key: str, names: Mapping[str, tuple[sp.Symbol, sp.Expr]],
                notes: Mapping[str, str] | None = None) -> sp.Expr:
    """Parse ``text`` with ``names`` {name: (placeholder, SI replacement)}; numbers exact, no units. ``notes``: what
    to say of a name the expression may not use ({"m": "m is the gate ..."})."""
    if not isinstance(text, str):
        raise ModelError(key, text, "expected an expression in quotes, e.g. \"0.1*(V+40)/(1 - exp(-(V+40)/10))\"")
    placeholders = {name: placeholder for name, (placeholder, _) in names.items()}
    bare = _BARE_CALL.search(text)
    if bare:  # exp-(V + 55)/10 would read as exp(-(V + 55))/10, not what a missing parenthesis meant
        raise ModelError(key, text, f"cannot read the expression: column {bare.start() + 1}: {bare.group(1)} without "
                         f"parentheses: write {bare.group(1)}(...) (a model file's rate functions take theirs)")
    try:
        written = parse_written(text, placeholders)
    except ParseError as error:
        note = (notes or {}).get(error.token or "")  # the gate's own m, which the parser took for the metre too
        raise ModelError(key, text, f"cannot read the expression: {error}" if note is None else
                         f"cannot read the expression: column {error.column}: {note}") from None
    if isinstance(written, tuple):
        raise ModelError(key, text, "expected an expression, not an equation")
    with_unit = [lit for lit in written.literals if lit.unit is not None]
    if with_unit:
        raise ModelError(key, text, f"write plain numbers: {with_unit[0].text!r} has a unit, but the expression's "
                         "units are set by the channel's 'units' table")
    exact = written.with_numbers({lit.symbol: sp.Rational(lit.text) for lit in written.literals})
    return exact.xreplace({placeholder: si for placeholder, si in names.values()})


def _check_finite(expr: sp.Expr, key: str, text: str, what: str, positive: bool, unit: str,
                  values: Mapping[sp.Symbol, sp.Expr]) -> None:
    """Refuse a rate (or tau, inf, f; in the file's units) that is not finite, or negative, in CHECK_RANGE
    (at the file's concentrations and unit parameters, ``values``)."""
    _check_poles(expr, key, text, values)
    values = _sampled(expr, values)
    bad = ~np.isfinite(values) | ((values <= 0) if positive else (values < 0))
    if bad.any():  # the first non-finite point, else the worst one (not a rounding error at the edge)
        k = int(np.argmax(~np.isfinite(values))) if not np.isfinite(values).all() else int(np.argmin(values))
        where, value = float(_CHECK_POINTS[k]) * 1000, values[k]
        problem = (f"{value:g} {unit}".rstrip() if np.isfinite(value) else
                   "infinite (a division by zero, an exponential beyond the largest double, or the logarithm of 0)"
                   if np.isinf(value) else "not a number (the logarithm or square root of a negative number, or 0/0)")
        need = "positive" if positive else "non-negative"
        raise ModelError(key, text, f"{what} must be finite and {need} from {CHECK_RANGE[0] * 1000:g} to "
                         f"{CHECK_RANGE[1] * 1000:g} mV; at V = {where:.4g} mV it is {problem}")


def _sampled(expr: sp.Expr, values: Mapping[sp.Symbol, sp.Expr]) -> np.ndarray:
    """``expr`` at every point of _CHECK_POINTS (NaN or inf where it is not finite), the ``values`` as numbers: put
    in exactly, SymPy turns exp(V/12 - E_K/12) with E_K = RT/F ln(K_o/K_i) into a power of K_o/K_i with a rational
    exponent of many digits, and some K_o (3.08817 mM) kept it computing that power for ever."""
    numbers = {symbol: float(sp.sympify(value).evalf(30)) for symbol, value in values.items()}
    f = sp.lambdify([V, *numbers], expr, modules=[NUMPY_FUNCTIONS, "numpy"])
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.broadcast_to(np.asarray(f(_CHECK_POINTS, *numbers.values()), dtype=float), _CHECK_POINTS.shape)


def _check_poles(expr: sp.Expr, key: str, text: str, values: Mapping[sp.Symbol, sp.Expr]) -> None:
    """Refuse a divisor that vanishes in CHECK_RANGE (a true pole: the removable ones are exprel by now)."""
    for power in expr.atoms(sp.Pow):
        if not (power.exp.is_number and power.exp < 0 and V in power.base.free_symbols):
            continue
        divisor = power.base.args[0] if isinstance(power.base, sp.Abs) else power.base  # |x| vanishes where x does
        base = _sampled(divisor, values)
        crossing = np.flatnonzero((base[:-1] * base[1:] <= 0) & np.isfinite(base[:-1]) & np.isfinite(base[1:]))
        if crossing.size:
            where = float(_CHECK_POINTS[crossing[0]: crossing[0] + 2].mean()) * 1000
            units = {u: 1 for u in power.base.free_symbols if u.name.startswith(tuple(_UNIT_PREFIX.values()))}
            shown = sp.sstr(power.base.xreplace(units).evalf(6))  # V in the channel's own unit, as the user wrote it
            raise ModelError(key, text, f"divides by zero at V = {where:.3g} mV (the divisor {shown}, V in the "
                             "channel's units, vanishes there, and the numerator does not)")


def _gate(channel: str, name: str, spec: Any, path: str, units: Mapping[str, Parameter], names) -> Gate:
    _name(name, path, "a gate name must be a letter followed by letters or digits (e.g. m, h, n)")
    if not isinstance(spec, dict):
        raise ModelError(path, spec, "expected a table with power and alpha/beta or inf/tau")
    _unknown(spec, GATE_KEYS, path)
    power = limits.check_number(f"{path}.power", spec.get("power", 1), "factor") if "power" in spec else 1
    forms = [form for form, keys in (("rates", ("alpha", "beta")), ("steady", ("inf", "tau")))
             if any(k in spec for k in keys)]
    if len(forms) != 1:
        raise ModelError(path, None, "give alpha and beta (rates), or inf and tau (steady state and time constant)"
                         + ("; both forms are given" if forms else "; neither is given"))
    keys = ("alpha", "beta") if forms[0] == "rates" else ("inf", "tau")
    for key in keys:
        if key not in spec:
            raise ModelError(f"{path}.{key}", None, f"missing required key (with {' and '.join(keys)})")
    t, expressions = units["t"], []
    values = {p.symbol: p.value for p in units.values()}
    alone = "are functions of V alone"
    notes = {name: f"{name} is the gate itself (a state): its {' and '.join(keys)} {alone}; vrest writes d{name}/dt "
                   "from them"}
    written_words = " ".join(str(spec.get(k, "")) for k in keys)
    notes |= {word: f"{word} is not for a gate: its {' and '.join(keys)} {alone} (an open_fraction may use the "
                    "ions' X_i, X_o and E_X)" for word in _ION_WORDS.findall(written_words)}
    for key in keys:
        written = _expression(spec[key], f"{path}.{key}", names, notes)
        # alpha, beta in 1/t; tau in t; inf a fraction
        expr = with_exprel({"alpha": written / t.symbol, "beta": written / t.symbol, "tau": written * t.symbol,
                            "inf": written}[key], [V])
        unit = {"alpha": f"1/{t.unit}", "beta": f"1/{t.unit}", "tau": t.unit, "inf": ""}[key]
        _check_finite(with_exprel(written, [V]), f"{path}.{key}", spec[key], key, positive=key == "tau", unit=unit,
                      values=values)
        expressions.append(expr)
    if forms[0] == "steady":
        _check_at_most_one(expressions[0], f"{path}.inf", spec["inf"], values)
    return Gate(channel, name, int(power), forms[0], *expressions)


def _check_at_most_one(expr: sp.Expr, key: str, text: str, values) -> None:
    """Refuse a steady state above 1 (a fraction of gates open), naming where it is largest."""
    inf = _sampled(expr, values)  # finite: _check_finite has seen it
    if (inf > 1).any():
        k = int(np.argmax(inf))
        raise ModelError(key, text, f"{key.rsplit('.', 1)[-1]} must be at most 1 (a fraction) from "
                         f"{CHECK_RANGE[0] * 1000:g} to {CHECK_RANGE[1] * 1000:g} mV; at V = "
                         f"{float(_CHECK_POINTS[k]) * 1000:.4g} mV it is {inf[k]:g}")


def _name(value: str, key: str, rule: str) -> None:
    if not _NAME.fullmatch(value):
        raise ModelError(key, value, rule)
    limits.check_count(key, len(value), "ion name characters", value)


def read_channels(table: Any, ions: Mapping[str, Ion], params: list[Parameter]) -> tuple[Channel, ...]:
    """The Channels of the ``[channels]`` tables; appends their parameters to ``params``."""
    if not isinstance(table, dict) or not table:
        raise ModelError("channels", table, "expected at least one [channels.<name>] table")
    limits.check_count("channels", len(table), "channels")
    taken = {p.name for p in params}
    channels = []
    for name, spec in table.items():
        path = f"channels.{name}"
        _name(name, path, "a channel name must be a letter followed by letters or digits (e.g. Na, Kdr, NaP)")
        if name in ions:
            raise ModelError(path, None, f"ion {name} has the same name: name the channel differently (e.g. "
                             f"{name}T or {name}dr), so that g_{name}, I_{name} and E_{name} stay unambiguous")
        if not isinstance(spec, dict):
            raise ModelError(path, spec, "expected a table")
        _unknown(spec, CHANNEL_KEYS, path)
        channels.append(_channel(name, spec, path, ions, params, taken))
    return tuple(channels)


def _channel(name: str, spec: Mapping[str, Any], path: str, ions: Mapping[str, Ion], params: list[Parameter],
             taken: set[str]) -> Channel:
    from .modelfile import _positive, _text  # the reader's checks of positive quantities and free text

    _text(spec, "description", path)
    ion = _ion(spec, path, ions)
    has_g, has_p = "conductance" in spec, "permeability" in spec
    if has_g == has_p:
        raise ModelError(path, None, "give exactly one of 'conductance' (ohmic) or 'permeability' (GHK)"
                         + ("; both are given" if has_g else "; neither is given"))
    if has_p and (ion is None or not ion.has_concentrations):
        raise ModelError(f"{path}.permeability", spec["permeability"], "a GHK permeability needs 'ion' naming an "
                         "ion with inside and outside concentrations")
    gates_table = spec.get("gates", {})
    if not isinstance(gates_table, dict):
        raise ModelError(f"{path}.gates", gates_table, "expected a table of gates, e.g. [channels.Na.gates.m]")
    limits.check_count(f"{path}.gates", len(gates_table), "gates")
    expressions = bool(gates_table) or "open_fraction" in spec
    if "units" in spec and not expressions:
        raise ModelError(f"{path}.units", spec["units"], "the channel has no gates and no open_fraction to apply "
                         "units to")
    channel = Channel(name, ion.name if ion else None, "ghk" if has_p else "ohmic")
    new: list[Parameter] = []
    if ion is None:
        value, unit = parse_quantity(spec["reversal"], f"{path}.reversal", "voltage")
        new.append(Parameter(channel.E, sp.Rational(value), unit, f"reversal potential of channel {name} (given)"))
    if has_p:
        new.append(_positive(spec, "permeability", path, "permeability", channel.P,
                             f"permeability of channel {name}, all gates open"))
    else:
        new.append(_positive(spec, "conductance", path, "conductance per area", channel.g,
                             f"maximal conductance of channel {name}, all gates open"))
    gates, fraction = (), None
    if expressions:
        units = _units(spec, path, name)
        v_names = {"V": (sp.Dummy("V"), V / units["V"].symbol)}
        gates = tuple(_gate(name, gate, gspec, f"{path}.gates.{gate}", units, v_names)
                      for gate, gspec in gates_table.items())
        if "open_fraction" in spec:
            fraction = _open_fraction(spec["open_fraction"], f"{path}.open_fraction", units, ions, params)
        used = set().union(*[g.first.free_symbols | g.second.free_symbols for g in gates],
                           fraction.free_symbols if fraction is not None else set())
        new += [p for p in units.values() if p.symbol in used]
    q10 = _q10(spec, path, channel, params, new)
    for parameter in new:
        if parameter.name in taken:
            raise ModelError(path, None, f"its parameter {parameter.name} is already a name of the model: rename "
                             "the channel")
        taken.add(parameter.name)
    params.extend(new)
    return Channel(name, channel.ion, channel.law, gates, fraction, q10)


def _ion(spec: Mapping[str, Any], path: str, ions: Mapping[str, Ion]) -> Ion | None:
    if ("ion" in spec) == ("reversal" in spec):
        raise ModelError(path, None, "give exactly one of 'ion' (the ion it carries) or 'reversal' (a fixed "
                         "reversal potential)" + ("; both are given" if "ion" in spec else "; neither is given"))
    if "reversal" in spec:
        return None
    check_channel_ion(spec["ion"], f"{path}.ion", ions)
    return ions[spec["ion"]]


def check_channel_ion(ion: Any, key: str, ions: Iterable[str]) -> None:
    """A channel's ``ion`` must be one of the model's ions (checked before the ions' own tables: a missing leak
    of an ion is then not blamed on the ion)."""
    ions = list(ions)
    if not isinstance(ion, str) or ion not in ions:
        raise ModelError(key, ion, f"the model has no ion of that name (its ions: {', '.join(ions) or 'none'})")


def _open_fraction(text: Any, key: str, units: Mapping[str, Parameter], ions: Mapping[str, Ion],
                   params: list[Parameter]) -> sp.Expr:
    volt, conc = units["V"].symbol, units["concentration"].symbol
    names: dict[str, tuple[sp.Symbol, sp.Expr]] = {"V": (sp.Dummy("V"), V / volt)}
    for ion in ions.values():
        if ion.has_concentrations:
            names[ion.inside.name] = (sp.Dummy(ion.inside.name), ion.inside / conc)
            names[ion.outside.name] = (sp.Dummy(ion.outside.name), ion.outside / conc)
        names[ion.E.name] = (sp.Dummy(ion.E.name), ion.E / volt)
    expr = with_exprel(_expression(text, key, names), [V])
    values = {p.symbol: p.value for p in [*params, *units.values()]}
    for ion in ions.values():  # E_X at the file's concentrations
        if ion.has_concentrations:
            values[ion.E] = nernst(ion.z, ion.outside, ion.inside).xreplace(values)
    _check_finite(expr, key, text, "open_fraction", positive=False, unit="", values=values)
    _check_at_most_one(expr, key, text, values)
    return expr


def _q10(spec: Mapping[str, Any], path: str, channel: Channel, params: list[Parameter],
         new: list[Parameter]) -> bool:
    from .modelfile import _positive

    if "q10" not in spec:
        if "q10_reference" in spec:
            raise ModelError(f"{path}.q10_reference", spec["q10_reference"], f"needs {path}.q10")
        return False
    value = limits.check_number(f"{path}.q10", spec["q10"], "factor", integer=False)
    new.append(Parameter(channel.Q_10, sp.Rational(value), "1", f"Q10 of channel {channel.name}'s gating"))
    what = f"temperature at which channel {channel.name}'s rates have their given values"
    if "q10_reference" in spec:
        new.append(_positive(spec, "q10_reference", path, "temperature", channel.T_ref, what))
    else:
        model_t = next(p for p in params if p.symbol == T)
        new.append(Parameter(channel.T_ref, model_t.value, "K", what + " (the model's temperature)"))
    if not any(p.symbol == DT_10 for p in params + new):
        new.append(Parameter(DT_10, sp.Integer(10), "K", "the 10 K step of the Q10 definition"))
    return True
