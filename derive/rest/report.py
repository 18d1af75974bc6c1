"""A RestReport for people (a table) and for scripts (JSON, docs/model-format.md), in display units."""

from __future__ import annotations

import math

import sympy as sp

from ..system import OdeSystem
from ..units import convert, unit_parts
from .engine import RestingState, RestReport, voltage_unit

__all__ = ["report_json", "report_text", "conductance_units"]


def _in(value: float, unit: str) -> float:
    """An SI value in ``unit`` (the SI value itself when the unit is empty or unknown)."""
    if not unit:
        return value
    try:
        return convert(value, unit)
    except ValueError:
        return value


def _dims(unit: str) -> dict | None:
    try:
        return unit_parts(unit)[2] if unit else None
    except ValueError:
        return None


def _unit_of(system: OdeSystem, symbol: sp.Symbol) -> str:
    for q in system.quantities:
        if q.symbol == symbol:
            return q.unit
    for p in system.parameters:
        if p.symbol == symbol:
            return p.unit
    return ""


def conductance_units(system: OdeSystem) -> tuple[str, str]:
    """(slope conductance unit, input resistance unit): per area when the capacitance is per area,
    whole cell when it is a capacitance; ("", "") (SI) when the capacitance's unit is unknown."""
    capacitance = system.roles.capacitance
    dims = _dims(_unit_of(system, capacitance)) if isinstance(capacitance, sp.Symbol) else None
    if dims is not None and dims == _dims("uF/cm^2"):
        return "mS/cm^2", "kohm*cm^2"
    if dims is not None and dims == _dims("uF"):
        return "nS", "Mohm"
    return "", ""


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _state_json(system: OdeSystem, state: RestingState) -> dict:
    g_unit, r_unit = conductance_units(system)
    g = state.slope_conductance
    resistance = 1 / g if g not in (None, 0) else None
    return {
        "V": _in(state.V, voltage_unit(system)),
        "stable": state.stable,
        "states": {s.symbol.name: {"unit": s.unit, "value": _in(state.states[s.symbol.name], s.unit)}
                   for s in system.states},
        "eigenvalues": {"unit": "1/s", "values": [[v.real, v.imag] for v in state.eigenvalues]},
        "slowest_tau": {"unit": "s", "value": _finite(state.slowest_tau)},
        "slope_conductance": {"unit": g_unit, "value": _finite(_in(g, g_unit)) if g is not None else None},
        "input_resistance": {"unit": r_unit, "value": _finite(_in(resistance, r_unit)) if resistance else None},
        "currents": {name: {"unit": _unit_of(system, sp.Symbol(name, real=True)) or _current_unit(system, name),
                            "value": _in(value, _current_unit(system, name))} for name, value in state.currents},
    }


def _current_unit(system: OdeSystem, name: str) -> str:
    for symbol in system.roles.currents:
        if symbol.name == name:
            return _unit_of(system, symbol)
    return ""


def report_json(report: RestReport, system: OdeSystem) -> dict:
    """The JSON document of ``vrest rest --json`` (docs/model-format.md)."""
    v_unit = voltage_unit(system)
    currents = {}
    for symbol in system.roles.currents:
        unit = _unit_of(system, symbol)
        currents[symbol.name] = {"unit": unit, "values": [_in(dict(s.currents)[symbol.name], unit)
                                                          for s in report.resting_states]}
    return {
        "model": report.system,
        "range": {"unit": v_unit, "values": [_in(v, v_unit) for v in report.v_range]},
        "verdict": report.verdict,
        "resting_states": [_state_json(system, s) for s in report.resting_states],
        "conserved": [{"name": c.name, "combination": c.description.split(" = ")[0], "value": c.display_value,
                       "unit": c.unit, "coefficients": c.coefficients} for c in report.conserved],
        "currents": currents,
    }


def _g(value: float, digits: int = 6) -> str:
    return f"{value:.{digits}g}"


def _eigenvalue(v: complex) -> str:
    if v.imag == 0:
        return _g(v.real, 4)
    return f"{_g(v.real, 4)} {'+' if v.imag > 0 else '-'} {_g(abs(v.imag), 4)}i"


def report_text(report: RestReport, system: OdeSystem) -> str:
    """The table ``vrest rest`` prints."""
    v_unit = voltage_unit(system)
    g_unit, r_unit = conductance_units(system)
    low, high = (_in(v, v_unit) for v in report.v_range)
    lines = [f"{report.system}: resting states with V between {_g(low)} and {_g(high)} {v_unit}".rstrip(),
             report.verdict, ""]
    header = f"  {'#':>2}  {'V (' + v_unit + ')' if v_unit else 'V':>12}  {'stable':6}  {'slowest tau (s)':>15}" \
             f"  {'slope conductance' + (' (' + g_unit + ')' if g_unit else ' (SI)'):>28}"
    lines.append(header)
    for k, state in enumerate(report.resting_states, 1):
        g = state.slope_conductance
        lines.append(f"  {k:>2}  {_in(state.V, v_unit):>12.6f}  {'yes' if state.stable else 'no':6}  "
                     f"{_g(state.slowest_tau, 4):>15}  {(_g(_in(g, g_unit), 5) if g is not None else '-'):>28}")
    for k, state in enumerate(report.resting_states, 1):
        lines += ["", f"resting state {k}: V = {_g(_in(state.V, v_unit), 9)} {v_unit}, "
                  f"{'stable' if state.stable else 'unstable'}"]
        shown = ", ".join(f"{s.symbol.name} = {_g(_in(state.states[s.symbol.name], s.unit))}"
                          f"{' ' + s.unit if s.unit else ''}" for s in system.states)
        lines.append(f"  states: {shown}")
        lines.append(f"  eigenvalues (1/s): {', '.join(_eigenvalue(v) for v in state.eigenvalues) or '-'}")
        g_value = state.slope_conductance
        if g_value:
            lines.append(f"  slope conductance: {_g(_in(g_value, g_unit), 5)} {g_unit or '(SI)'}, input resistance "
                         f"{_g(_in(1 / g_value, r_unit), 5)} {r_unit or '(SI)'}")
        if state.currents:
            lines.append("  currents at rest (outward positive): " + ", ".join(
                f"{name} {_g(_in(value, _current_unit(system, name)), 5)} {_current_unit(system, name)}".rstrip()
                for name, value in state.currents))
    if report.conserved:
        lines += ["", "conserved (values from the start state):"]
        lines += [f"  {c.name}: {c.description}" for c in report.conserved]
    return "\n".join(lines)
