"""Read a model file (TOML; every key, unit and error is in docs/model-format.md) into a Model.

Every problem raises one ModelError naming the key path and the value; an
unknown key comes with the nearest known key as a suggestion. The pump table is
read by derive.pumpfile, the scenarios (protocols of steps) by derive.protocol.
"""

from __future__ import annotations

import difflib
import re
import sys
import warnings
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import sympy as sp

from . import limits
from .bath import warn_unbalanced_bath
from .channelfile import check_channel_ion, read_channels
from .constants import CODATA_2018, A_i, C_m, F, I_stim, L_p, R, T, Vol, area, z_A
from .errors import ModelError, ModelWarning
from .ions import Ion
from .model import B_o, N_A, Model, Parameter
from .plausibility import MEMBRANE_THICKNESS, enclosable_volume
from .protocol import STIMULUS_KEY, read_scenarios
from .pumpfile import PUMP_KEYS, read_pump
from .reserved_names import check_ion_names
from .units import parse_quantity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["load_model", "mentions_stimulus", "model_from_text", "model_from_dict", "with_stimulus"]

_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_ION_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")

_KEYS: dict[str, tuple[set[str], set[str]]] = {  # section: (required, optional)
    "": ({"model", "membrane"}, {"ions", "channels", "pump", "impermeant", "bath", "scenario"}),
    "model": ({"name", "temperature"}, {"description", "source"}),
    "membrane": ({"capacitance"}, {"area", "volume", "water_permeability", "initial_potential"}),
    "ion": ({"valence"}, {"inside", "outside", "conductance", "permeability", "reversal", "description"}),
    "pump": (set(), PUMP_KEYS),
    "impermeant": ({"valence"}, {"concentration", "amount"}),
    "bath": ({"impermeant"}, set()),
}


def load_model(path: str | Path) -> Model:
    """Read the model file at ``path``."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size <= limits.COUNTS["file bytes"]:
            text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ModelError("MODEL", str(path), f"cannot be read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ModelError("", None, f"model file {str(path)!r} is not UTF-8 text") from None
    except ValueError:  # a NUL character in the path
        raise ModelError("MODEL", str(path), "cannot be read: not a valid path") from None
    if size > limits.COUNTS["file bytes"]:
        raise ModelError("", None, f"model file {str(path)!r} has {size} bytes: more than the "
                         f"{limits.COUNTS['file bytes']} vrest reads (a model file is a few kilobytes)")
    return model_from_text(text, origin=str(path))


def model_from_text(text: str, origin: str = "<model>") -> Model:
    if len(text) > limits.COUNTS["file bytes"]:
        raise ModelError("", None, f"{origin} has {len(text)} characters: more than the "
                         f"{limits.COUNTS['file bytes']} vrest reads (a model file is a few kilobytes)")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        if text.lstrip("\ufeff \t\r\n").startswith("<"):  # a CellML or SBML file under another name
            raise ModelError("", None, f"{origin} is an XML file, not a vrest model (TOML): vrest reads a CellML "
                             "file named .cellml and an SBML file named .xml or .sbml") from None
        raise ModelError("", None, f"{origin} is not valid TOML: {exc}") from None
    except ValueError as exc:  # an integer of more than 4300 digits
        raise ModelError("", None, f"{origin} is not a model file vrest reads: {exc}") from None
    except RecursionError:
        raise ModelError("", None, f"{origin} is not a model file vrest reads: its tables or arrays are "
                         "nested too deep") from None
    return model_from_dict(data)


def _check_keys(table: Any, section: str, path: str) -> Mapping[str, Any]:
    if not isinstance(table, dict):
        raise ModelError(path, table, "expected a table")
    required, optional = _KEYS[section]
    known = required | optional
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(sorted(known))}"
            raise ModelError(_join(path, key), table[key], f"unknown key{hint}")
    for key in sorted(required):
        if key not in table:
            raise ModelError(_join(path, key), None, "missing required key")
    return table


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _positive(table: Mapping[str, Any], key: str, path: str, dimension: str, symbol: sp.Symbol,
              description: str) -> Parameter:
    value, unit = parse_quantity(table[key], _join(path, key), dimension)
    if value <= 0:
        raise ModelError(_join(path, key), table[key], f"must be positive (a {dimension})")
    return Parameter(symbol, sp.Rational(value), unit, description)


def _valence(value: Any, key: str, integer: bool = True) -> int | float:
    """An ion's valence (an integer), or the impermeant's mean charge (any real number) when not ``integer``."""
    kinds = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise ModelError(key, value, "valence must be a non-zero integer" if integer else
                         "valence must be a non-zero number (the mean charge per impermeant particle, e.g. -1 or "
                         "-0.85)")
    if value == 0 or value != value:
        raise ModelError(key, value, "valence must be non-zero (an uncharged solute carries no current)")
    limits.check(key, value, "valence" if integer else "impermeant valence", value)
    return value


def _name(value: Any, key: str, pattern: re.Pattern, rule: str, longest: str = "name characters") -> str:
    """A name that becomes ids and file names: the whole of it matches ``pattern``, and it is short."""
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ModelError(key, value, rule)
    limits.check_count(key, len(value), longest, value)
    return value


def _text(table: Mapping[str, Any], key: str, path: str) -> str:
    """Free text (description, source): printable, lines and tabs allowed, bounded in length."""
    value = table.get(key, "")
    if not isinstance(value, str):
        raise ModelError(_join(path, key), value, "expected text in quotes")
    odd = next((c for c in value if not c.isprintable() and c not in "\n\t"), None)
    if odd is not None:
        raise ModelError(_join(path, key), value, f"contains the control character {odd!r}; write plain text")
    limits.check_count(_join(path, key), len(value), "text characters")
    return value


def model_from_dict(data: Mapping[str, Any]) -> Model:
    """Build a Model from parsed TOML data, checking every key.

    Unusual values (derive.limits) warn once the whole file is read: a refused file gets its one line only.
    """
    with warnings.catch_warnings(record=True) as noted:
        warnings.simplefilter("always")
        model = _model_from_dict(data)
    for note in noted:
        warnings.warn_explicit(note.message, note.category, note.filename, note.lineno)
    return model


def _model_from_dict(data: Mapping[str, Any]) -> Model:
    _check_keys(data, "", "")
    meta = _check_keys(data["model"], "model", "model")
    name = _name(meta["name"], "model.name", _IDENTIFIER, "must be an identifier: a letter, then letters, digits or _")
    description, source = _text(meta, "description", "model"), _text(meta, "source", "model")
    temperature = _positive(meta, "temperature", "model", "temperature", T, "absolute temperature")
    params: list[Parameter] = [
        Parameter(R, CODATA_2018[R], "J/(mol*K)", "molar gas constant (CODATA 2018)"),
        Parameter(F, CODATA_2018[F], "C/mol", "Faraday constant (CODATA 2018)"),
        Parameter(temperature.symbol, temperature.value, "K", temperature.description),
    ]

    membrane = _check_keys(data["membrane"], "membrane", "membrane")
    params.append(_positive(membrane, "capacitance", "membrane", "capacitance per area", C_m,
                            "specific membrane capacitance"))
    volume_mode = _read_volume(membrane, params)
    initial_potential = None
    if "initial_potential" in membrane:
        value, _ = parse_quantity(membrane["initial_potential"], "membrane.initial_potential", "voltage")
        initial_potential = sp.Rational(value)

    if "ions" not in data and "channels" not in data:
        raise ModelError("ions", None, "missing required key: give [ions.<name>] tables (leaks), [channels.<name>] "
                         "tables, or both")
    _check_channel_ions(data.get("channels"), data.get("ions"))
    ions = _read_ions(data["ions"], params, _carried(data.get("channels"))) if "ions" in data else []
    by_name = {ion.name: ion for ion in ions}
    pump = read_pump(_check_keys(data["pump"], "pump", "pump"), by_name, params) if "pump" in data else None
    channels = read_channels(data["channels"], by_name, params) if "channels" in data else ()
    stimulus = mentions_stimulus(data.get("scenario"))
    if stimulus:
        params.append(STIMULUS_PARAMETER)
    impermeant = "impermeant" in data
    if impermeant:
        _read_impermeant(data["impermeant"], params)
    bath = "bath" in data
    if bath:
        table = _check_keys(data["bath"], "bath", "bath")
        params.append(_positive(table, "impermeant", "bath", "concentration", B_o,
                                "impermeant solute in the bath"))
    model = Model(
        name=name,
        description=description,
        source=source,
        ions=tuple(ions),
        parameters=tuple(params),
        pump=pump,
        impermeant=impermeant,
        bath_impermeant=bath,
        volume_mode=volume_mode,
        initial_potential=initial_potential,
        channels=channels,
        stimulus=stimulus,
    )
    model = replace(model, scenarios=read_scenarios(data.get("scenario", {}), model))
    warn_unbalanced_bath(model)
    _warn_uncarried_currents(model)
    return model


def _warn_uncarried_currents(model: Model) -> None:
    """A ModelWarning for each channel with a reversal potential of its own in a cell whose amounts move."""
    if not model.dynamic_ions:
        return
    for channel in model.channels:
        if channel.ion is None:
            warnings.warn(f"channel {channel.name} has a reversal potential of its own: its current moves no ion "
                          "amount, so the cell's charge is not conserved, and at a steady state of the amounts that "
                          f"current must vanish (V = E_{channel.name} if it is the only one); give it an ion "
                          f"(channels.{channel.name}.ion) to let its current move that ion", ModelWarning,
                          stacklevel=3)


def _read_volume(membrane: Mapping[str, Any], params: list[Parameter]) -> str:
    has_area, has_volume = "area" in membrane, "volume" in membrane
    if has_area != has_volume:
        given, missing = ("area", "volume") if has_area else ("volume", "area")
        raise ModelError(f"membrane.{missing}", None,
                         f"missing: membrane.{given} is given, and concentration dynamics need both")
    if not has_area:
        if "water_permeability" in membrane:
            raise ModelError("membrane.water_permeability", membrane["water_permeability"],
                             "needs membrane.area and membrane.volume")
        return "none"
    params.append(_positive(membrane, "area", "membrane", "area", area, "membrane area"))
    params.append(_positive(membrane, "volume", "membrane", "volume", Vol, "cell volume (initial)"))
    _check_shape(membrane, float(params[-2].value), float(params[-1].value))
    water = membrane.get("water_permeability")
    if water is None:
        return "fixed"
    if water == "instant":
        return "instant"
    key = "membrane.water_permeability"
    try:
        params.append(_positive(membrane, "water_permeability", "membrane", "hydraulic permeability", L_p,
                                "hydraulic water permeability"))
    except ModelError as exc:
        raise ModelError(key, water, f"{exc.problem}, or \"instant\"") from None
    return "dynamic"


def _check_shape(membrane: Mapping[str, Any], area_si: float, volume_si: float) -> None:
    """A closed membrane of area A holds at most a sphere's volume, and a cell is thicker than its membrane."""
    largest = enclosable_volume(area_si)
    if volume_si > largest * (1 + 1e-12):
        raise ModelError("membrane.volume", membrane["volume"],
                         f"more than a membrane of area {membrane['area']!r} can enclose (a sphere holds "
                         f"{largest * 1e18:.6g} um^3)")
    thickness = 2 * volume_si / area_si
    if thickness < MEMBRANE_THICKNESS:
        raise ModelError("membrane.area", membrane["area"],
                         f"with membrane.volume = {membrane['volume']!r} the cell would be at most "
                         f"{thickness * 1e9:.3g} nm thick (2 volume / area), thinner than its own membrane (5 nm)")


def _check_channel_ions(channels: Any, ions: Any) -> None:
    """Each channel's ``ion`` names an ion of the model (what else a channel table holds is read later)."""
    if not isinstance(channels, dict):
        return
    names = list(ions) if isinstance(ions, dict) else []
    for name, spec in channels.items():
        if isinstance(spec, dict) and "ion" in spec:
            check_channel_ion(spec["ion"], f"channels.{name}.ion", names)


def _carried(channels: Any) -> set[str]:
    """The ions some channel names (they need no leak of their own)."""
    if not isinstance(channels, dict):
        return set()
    return {spec["ion"] for spec in channels.values() if isinstance(spec, dict) and isinstance(spec.get("ion"), str)}


STIMULUS_PARAMETER = Parameter(I_stim, sp.Integer(0), "uA/cm^2", "injected stimulus current (positive depolarises); "
                               "0 unless a scenario step sets it")


def with_stimulus(model: Model) -> Model:
    """``model`` with an injected current I_stim, 0 until a step sets it (a protocol file's pulse on a model whose
    own scenarios inject none): what its file would give if one of its scenarios set it."""
    if model.stimulus:
        return model
    return replace(model, parameters=(*model.parameters, STIMULUS_PARAMETER), stimulus=True)


def mentions_stimulus(scenarios: Any) -> bool:
    """Whether a scenario step sets the stimulus (the model then has I_stim, 0 until a step sets it)."""
    if not isinstance(scenarios, dict):
        return False
    tables = []
    for scenario in scenarios.values():
        if isinstance(scenario, dict):
            steps = scenario.get("steps")
            tables += [scenario] + (list(steps) if isinstance(steps, list) else [])
    return any(isinstance(step, dict) and isinstance(step.get(kind), dict) and STIMULUS_KEY in step[kind]
               for step in tables for kind in ("set", "scale"))


def _read_ions(table: Any, params: list[Parameter], carried: set[str] = frozenset()) -> list[Ion]:
    if not isinstance(table, dict) or not table:
        raise ModelError("ions", table, "expected at least one [ions.<name>] table")
    limits.check_count("ions", len(table), "ions")
    for name in table:
        _name(name, f"ions.{name}", _ION_NAME, "an ion name must be a letter followed by letters or digits (e.g. "
              "Na, Ca)", "ion name characters")
    check_ion_names(table)
    ions = []
    for name, spec in table.items():
        path = f"ions.{name}"
        spec = _check_keys(spec, "ion", path)
        _text(spec, "description", path)
        valence = _valence(spec["valence"], f"{path}.valence")
        has_g, has_p = "conductance" in spec, "permeability" in spec
        if has_g == has_p and (has_g or name not in carried):
            raise ModelError(path, None, "give exactly one of 'conductance' (ohmic leak) or 'permeability' (GHK leak)"
                             + ("; both are given" if has_g else "; neither is given (an ion without a leak must be "
                                "carried by a channel)"))
        concentrations = [key for key in ("inside", "outside") if key in spec]
        if "reversal" in spec:
            if concentrations:
                raise ModelError(f"{path}.reversal", spec["reversal"],
                                 f"give either 'reversal' or inside/outside concentrations, not both "
                                 f"({path}.{concentrations[0]} is given)")
            if has_p:
                raise ModelError(f"{path}.reversal", spec["reversal"],
                                 "a fixed reversal potential works with an ohmic 'conductance' only; "
                                 "a GHK 'permeability' needs inside/outside concentrations")
        elif len(concentrations) < 2:
            missing = "outside" if "inside" in spec else "inside"
            raise ModelError(f"{path}.{missing}", None,
                             "missing required key: give inside and outside concentrations, or 'reversal'")
        leak = "ghk" if has_p else "ohmic" if has_g else "none"
        ion = Ion(name, valence, leak, "reversal" not in spec)
        params.append(Parameter(ion.z, sp.Integer(valence), "1", f"valence of {name}"))
        if ion.has_concentrations:
            params.append(_positive(spec, "inside", path, "concentration", ion.inside, f"[{name}] inside"))
            params.append(_positive(spec, "outside", path, "concentration", ion.outside, f"[{name}] outside"))
        else:
            value, unit = parse_quantity(spec["reversal"], f"{path}.reversal", "voltage")
            params.append(Parameter(ion.E, sp.Rational(value), unit, f"reversal potential of {name} (given)"))
        if has_p:
            params.append(_positive(spec, "permeability", path, "permeability", ion.P, f"{name} permeability"))
        elif has_g:
            params.append(_positive(spec, "conductance", path, "conductance per area", ion.g,
                                    f"{name} leak conductance"))
        ions.append(ion)
    return ions


def _read_impermeant(table: Any, params: list[Parameter]) -> None:
    table = _check_keys(table, "impermeant", "impermeant")
    valence = _valence(table["valence"], "impermeant.valence", integer=False)
    params.append(Parameter(z_A, sp.Rational(str(valence)), "1", "valence of the impermeant anions"))
    has_c, has_n = "concentration" in table, "amount" in table
    if has_c == has_n:
        raise ModelError("impermeant", None, "give exactly one of 'concentration' or 'amount'"
                         + ("; both are given" if has_c else "; neither is given"))
    volume = next((p for p in params if p.symbol == Vol), None)
    if has_c:
        conc = _positive(table, "concentration", "impermeant", "concentration", A_i, "impermeant anions inside")
        params.append(conc)
        if volume is not None:
            params.append(Parameter(N_A, conc.value * volume.value, "fmol", "impermeant amount inside"))
        return
    if volume is None:
        raise ModelError("impermeant.amount", table["amount"], "an amount needs membrane.volume; "
                         "give 'concentration' instead")
    amount = _positive(table, "amount", "impermeant", "amount", N_A, "impermeant amount inside")
    limits.check("impermeant.amount", amount.value / volume.value, "concentration", table["amount"],
                 "as the concentration amount / membrane.volume")
    params.append(amount)
    params.append(Parameter(A_i, amount.value / volume.value, "mM", "impermeant anions inside"))
