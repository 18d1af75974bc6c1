"""A RestReport for people (a table) and for scripts (JSON, docs/model-format.md), in display units.

Everything shown comes from the report and its RestProblem (names, units, SI factors): no SymPy,
no units library, so a warm run prints quickly.
"""

from __future__ import annotations

import math

from .engine import RestingState, RestReport
from .problem import RestProblem

__all__ = ["report_json", "report_text"]


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _state_json(problem: RestProblem, state: RestingState) -> dict:
    g = state.slope_conductance
    units = dict(problem.shown_currents)
    return {
        "V": problem.shown(state.V, problem.voltage_unit),
        "stable": state.stable,
        "states": {name: {"unit": unit, "value": problem.shown(state.states[name], unit)}
                   for name, unit in zip(problem.states, problem.units)},
        "eigenvalues": {"unit": "1/s", "values": [[v.real, v.imag] for v in state.eigenvalues]},
        "slowest_tau": {"unit": "s", "value": _finite(state.slowest_tau)},
        "slope_conductance": {"unit": problem.conductance_unit,
                              "value": None if g is None else _finite(problem.shown(g, problem.conductance_unit))},
        "input_resistance": {"unit": problem.resistance_unit,
                             "value": None if not g else _finite(problem.shown(1 / g, problem.resistance_unit))},
        "currents": {name: {"unit": units[name], "value": problem.shown(value, units[name])}
                     for name, value in state.currents},
    }


def _seconds(t: float) -> dict:
    """A model time to 12 digits: the runs' spans double from 0.1 s, and 0.1 + 0.2 is 0.30000000000000004."""
    return {"unit": "s", "value": float(f"{t:.12g}")}


def _fate_json(report: RestReport, unit: str) -> dict | None:
    """What the model does from its start (derive.rest.follow), V in ``unit``; None where it was not followed."""
    fate, problem = report.from_start, report.problem
    if fate is None or fate.kind == "unknown":
        return None
    out: dict = {"kind": fate.kind, "t": _seconds(fate.t)}
    if fate.kind == "rests":  # at a stable state in the range, or at the one outside it
        stable = [s.V for s in report.resting_states if s.stable]
        out["V"] = problem.shown(stable[fate.index] if fate.index < len(stable) else report.rest_outside_range, unit)
    elif fate.kind == "oscillates":
        out["V_low"], out["V_high"] = problem.shown(fate.low, unit), problem.shown(fate.high, unit)
    else:
        out["V"] = problem.shown(fate.high, unit)
        out["rate"] = {"unit": f"{unit}/s", "value": problem.shown(fate.rate, unit) - problem.shown(0.0, unit)}
    return out


def _stopped_json(report: RestReport) -> dict | None:
    """Where and why the run from the start failed (from_start is null then); None where it did not fail."""
    fate = report.from_start
    if fate is None or fate.kind != "unknown":
        return None
    below_zero = None if fate.state is None else report.problem.states[fate.state]
    return {"t": _seconds(fate.t), "why": f"{below_zero} falls to 0" if below_zero else fate.why,
            "below_zero": below_zero}


def report_json(report: RestReport) -> dict:
    """The JSON document of ``vrest rest --json`` (docs/model-format.md)."""
    problem = report.problem
    unit = problem.voltage_unit
    currents = {name: {"unit": current_unit, "values": [problem.shown(dict(s.currents)[name], current_unit)
                                                        for s in report.resting_states]}
                for name, current_unit in problem.shown_currents}
    return {
        "model": report.system,
        "range": {"unit": unit, "values": [problem.shown(v, unit) for v in report.v_range]},
        "verdict": report.verdict,
        "resting_states": [_state_json(problem, s) for s in report.resting_states],
        "rest_outside_range": (None if report.rest_outside_range is None else
                               problem.shown(report.rest_outside_range, unit)),
        "from_start": _fate_json(report, unit),
        "from_start_stopped": _stopped_json(report),
        "conserved": [{"name": c.name, "combination": c.description.split(" = ")[0], "value": c.display_value,
                       "unit": c.unit, "coefficients": c.coefficients} for c in report.conserved],
        "currents": currents,
        "capacitance": {"name": problem.capacitance_name, "value": problem.capacitance_value,
                        "unit": problem.capacitance_unit, "note": problem.capacitance_note or None},
        "applied_currents": [problem.currents[k] for k in problem.applied_currents],
    }


def _applied(problem: RestProblem, state) -> list[tuple[str, float, str]]:
    """(name, value as shown, unit) of each applied current (RestProblem.applied_currents) at ``state``."""
    units = dict(problem.shown_currents)
    values = dict(state.currents)
    names = [problem.currents[k] for k in problem.applied_currents]
    return [(name, problem.shown(values[name], units[name]), units[name]) for name in names]


def _applied_note(problem: RestProblem, state) -> str:
    """The resting states are held by a current the file applies: said, with how to turn it off."""
    said = ", ".join(f"{name} = {_g(value, 5)} {unit}".rstrip() for name, value, unit in _applied(problem, state))
    first = problem.currents[problem.applied_currents[0]]
    return (f"note: the resting states above are held with {said} (outward positive) on: a current the file adds "
            f"to dV/dt that depends on no state (an applied current), kept as the file sets it; --stimulus {first} "
            "turns it off")


def _g(value: float, digits: int = 6) -> str:
    return f"{value + 0.0:.{digits}g}"  # + 0.0: an exact -0.0 prints as 0


def _eigenvalue(v: complex) -> str:
    if v.imag == 0:
        return _g(v.real, 4)
    return f"{_g(v.real, 4)} {'+' if v.imag > 0 else '-'} {_g(abs(v.imag), 4)}i"


def _with_unit(value: float, unit: str, digits: int = 5) -> str:
    return f"{_g(value, digits)} {unit or '(SI)'}"


def _unit_header(problem: RestProblem) -> str:
    if problem.conductance_unit:
        return f" ({problem.conductance_unit})"
    return " (SI)" if problem.capacitance_name else ""  # none at all: the note below says why


def _capacitance(problem: RestProblem) -> str:
    """Which capacitance turned the slope of dV/dt into the conductance, as the file gives it."""
    if problem.capacitance_name is None:
        return ""
    value = "" if problem.capacitance_value is None else f" = {_g(problem.capacitance_value)}"
    unit = f" {problem.capacitance_unit}" if problem.capacitance_unit else ""
    return f" (with the file's capacitance {problem.capacitance_name}{value}{unit})"


def report_text(report: RestReport) -> str:
    """The table ``vrest rest`` prints."""
    problem = report.problem
    v_unit, g_unit, r_unit = problem.voltage_unit, problem.conductance_unit, problem.resistance_unit
    low, high = (problem.shown(v, v_unit) for v in report.v_range)
    lines = [f"{report.system}: resting states with V between {_g(low)} and {_g(high)} {v_unit}".rstrip(),
             report.verdict, ""]
    if report.resting_states:
        lines.append(f"  {'#':>2}  {'V (' + v_unit + ')' if v_unit else 'V':>12}  {'stable':6}  {'slowest tau (s)':>15}"
                     f"  {'slope conductance' + _unit_header(problem):>28}")
    for k, state in enumerate(report.resting_states, 1):
        g = state.slope_conductance
        shown_g = _g(problem.shown(g, g_unit), 5) if g is not None else "-"
        lines.append(f"  {k:>2}  {problem.shown(state.V, v_unit):>12.6f}  {'yes' if state.stable else 'no':6}  "
                     f"{_g(state.slowest_tau, 4) if state.stable else '-':>15}  {shown_g:>28}")  # approached: stable
    units = dict(problem.shown_currents)
    fate = report.from_start
    stable = [s for s in report.resting_states if s.stable]
    reached = stable[fate.index] if fate is not None and fate.kind == "rests" and fate.index < len(stable) else None
    for k, state in enumerate(report.resting_states, 1):
        lines += ["", f"resting state {k}: V = {_g(problem.shown(state.V, v_unit), 9)}{' ' * bool(v_unit)}{v_unit}, "
                  f"{'stable' if state.stable else 'unstable'}"]
        if state is reached:  # how far the rest lies from the start: Corrias 2011's Na_i falls from 6.7 to 0.48 mM
            lines.append(f"  near it from the start state by t = {_g(fate.t, 4)} s of model time (every state within "
                         "1e-3 of its size, V's 150 mV, a gate's 1)")
        shown = ", ".join(f"{name} = {_g(problem.shown(state.states[name], unit))}"
                          f"{' ' + unit if unit not in ('', '1') else ''}"  # a fraction (a gate) has no unit
                          for name, unit in zip(problem.states, problem.units))
        lines.append(f"  states: {shown}")
        lines.append(f"  eigenvalues (1/s): {', '.join(_eigenvalue(v) for v in state.eigenvalues) or '-'}")
        g = state.slope_conductance
        if g:
            # the capacitance beside the conductance it gives (C times the slope of dV/dt), not the resistance
            lines.append(f"  slope conductance: {_with_unit(problem.shown(g, g_unit), g_unit)}{_capacitance(problem)}, "
                         f"input resistance {_with_unit(problem.shown(1 / g, r_unit), r_unit)}")
        if problem.capacitance_note:  # said in full once, for the first state
            lines.append(f"  note: {problem.capacitance_note}" if k == 1 else "  note: on the file's capacitance, as "
                         "for resting state 1")
        if state.currents:
            lines.append("  currents at rest (outward positive): " + ", ".join(
                f"{name} {_g(problem.shown(value, units[name]), 5)} {units[name]}".rstrip()
                for name, value in state.currents))
    if report.resting_states and problem.applied_currents:
        lines += ["", _applied_note(problem, report.resting_states[0])]
    if report.conserved:
        lines += ["", "conserved (values from the start state):"]
        lines += [f"  {c.name}: {c.description}" for c in report.conserved]
    return "\n".join(lines)
