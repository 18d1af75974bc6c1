"""``vrest derive FILE.cellml`` (or an SBML file): the current balance at rest, in the file's names.

The closed form in V with the gates at steady state (derive.derivations.current_balance), each
name it uses defined below it, and its solutions: the resting states, with the currents there.
"""

from __future__ import annotations

import json
import math

from vrest.derive.constants import CODATA_2018, F, R
from vrest.derive.errors import ModelError
from vrest.derive.units import convert, dimensionality

from ..exporters.systems.si_units import si_text
from ..files import csv_number

__all__ = ["run_imported"]


def _shown(value_si: float, unit: str) -> float:
    return convert(value_si, unit) if unit else value_si


def _unit_of(system, symbol) -> str:
    for item in (*system.states, *system.quantities, *system.parameters):
        if item.symbol == symbol:
            return item.unit
    return ""


def _parameters(system, balance) -> list[tuple[str, float, str]]:
    """(name, SI value, SI unit) of each parameter the balance, its definitions and its gates use."""
    used = set().union(balance.total.free_symbols, *(e.free_symbols for _, e in balance.definitions),
                       *(e.free_symbols for _, e in balance.steady_gates))
    return [(p.name, float(p.value), si_text(p.unit)) for p in system.parameters if p.symbol in used]


_CONSTANTS = ((R, "the gas constant", "J/(mol*K)"), (F, "Faraday's constant", "C/mol"))


def _constant_notes(system) -> list[str]:
    """One line for each parameter with the unit of R or F whose value is that constant's times a power of
    ten other than 1: a file's unit slip (R in J/(kmol K) written as J/(mol K)), shown, not mended."""
    notes = []
    for parameter in system.parameters:
        try:
            dims = dimensionality(parameter.unit)
        except ValueError:
            continue
        for constant, what, unit in _CONSTANTS:
            true = float(CODATA_2018[constant])
            ratio = float(parameter.value) / true
            if dims != dimensionality(unit) or ratio <= 0:
                continue
            power = round(math.log10(ratio))
            if power and abs(ratio / 10.0 ** power - 1) < 1e-3:
                notes.append(f"{parameter.name} = {csv_number(float(parameter.value))} {si_text(parameter.unit)} is "
                             f"10^{power} x {what} ({true:.9g} {si_text(unit)}): the file's unit for it is off by "
                             "that factor; vrest uses the value as the file gives it (R T/F is right when R and F "
                             "are off alike)")
    return notes


def _what(balance) -> str:
    if balance.from_rate:
        return ("-dV/dt, the rate of V with its sign turned: the file gives its currents without units, so vrest "
                "cannot tell which terms are membrane currents")
    return "membrane currents, outward positive"


_CAPITAL_GREEK = {"Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"}


def _file_name(symbol) -> str | None:
    """A file's name as written (upright, underscores kept) where SymPy's reading of it would change what it says:
    several underscores (fast_sodium_current_m_gate_A is no 'fast' with a long subscript) or a capital Greek
    letter's name (LR91's gate Xi); None: SymPy's (g_Na as g with subscript Na, alpha_m as alpha_m)."""
    name = symbol.name
    base = name.split("_")[0]
    if name.count("_") > 1 or not base.isalpha() or any(part in _CAPITAL_GREEK for part in name.split("_")):
        return r"\mathrm{" + name.replace("_", r"\_") + "}"  # K1_infinity is no K with subscript "1 infinity"
    return None


def _latex(system, balance, verdict: str, volts: str, parameters) -> str:
    """The balance, its gates and its definitions as one LaTeX align* environment, in the file's names (SI)."""
    from vrest.derive.latex import function_definitions, latex

    def tex(expr) -> str:  # a thin space between factors: X Xi g_K is no "XXig_K"
        return latex(expr, shown_as=_file_name, mul_symbol=r"\,")

    rows = [("0", tex(balance.total))]
    rows += [(tex(x), tex(e)) for x, e in balance.steady_gates]
    rows += [(tex(s), tex(e)) for s, e in balance.definitions]
    body = " \\\\\n".join(f"  {left} &= {right}" for left, right in rows)
    text = (f"% vrest derive {system.name}: the current balance at rest ({_what(balance)}; SI: {volts}),\n"
            "% the gates at their steady state, and the quantities it names\n"
            f"\\begin{{align*}}\n{body}\n\\end{{align*}}")
    defined = function_definitions(text)
    notes = [f"% where ${d}$" for d in defined]
    notes += ["% with the file's values (SI):"] + [f"%   {name} = {csv_number(value)} {si}".rstrip()
                                                   for name, value, si in parameters]
    notes += [f"% solutions (vrest rest): {verdict}"]
    return "\n".join([text, *notes])


def run_imported(args) -> int:
    from vrest.derive.derivations.current_balance import current_balance
    from vrest.derive.rest import DEFAULT_RANGE, load_system

    from .rest_cmd import resting_report

    if args.scenario or args.report or args.quantity:
        option = next(o for o, v in (("--scenario", args.scenario), ("--report", args.report),
                                     ("--quantity", args.quantity)) if v)
        raise ModelError(option, None, "not for a CellML or SBML file: vrest derive gives its current balance at rest")
    system = load_system(args.model, voltage=args.voltage, stimulus=args.stimulus)
    balance = current_balance(system)
    report = resting_report(args.model, DEFAULT_RANGE, voltage=args.voltage, stimulus=args.stimulus)  # vrest rest's
    unit = next((_unit_of(system, c) for c in system.roles.currents if _unit_of(system, c)), "")
    parameters = _parameters(system, balance)
    notes = _constant_notes(system)
    problem = report.problem  # V in mV, or in the file's own numbers where it has no unit (Chay 1997)
    volts = "V in volts" if problem.voltage_unit else "V as the file gives it, without a unit"
    if not unit:  # a file without units (Myokit's HodgkinHuxley.xml): its rate constants are per ms, as written
        volts += "; a value the file gives no unit is its number as written"
    states = []
    for rest in report.resting_states:
        held = {s.name: {"unit": _unit_of(system, s), "value": _shown(rest.states[s.name], _unit_of(system, s))}
                for s in balance.held}
        units = dict(report.problem.shown_currents)
        currents = {name: {"unit": units[name], "value": _shown(value, units[name])} for name, value in rest.currents}
        states.append({"V": problem.shown(rest.V, problem.voltage_unit), "stable": rest.stable, "held": held,
                       "currents": currents})
    if args.json:
        print(json.dumps({
            "model": system.name,
            "current_balance": {"expression": str(balance.total),
                                "unit": "V/s" if balance.from_rate else si_text(unit) if unit else "SI",
                                "of": "rate of V" if balance.from_rate else "currents"},
            "gates": {str(x): str(e) for x, e in balance.steady_gates},
            "definitions": {str(s): str(e) for s, e in balance.definitions},
            "parameters": {name: {"unit": si, "value": value} for name, value, si in parameters},
            "held": [s.name for s in balance.held],
            "resting_states": states,
            "verdict": report.verdict,
            "notes": notes,
        }, indent=2))
        return 0
    if args.latex:
        print(_latex(system, balance, report.verdict, volts, parameters))
        return 0
    lines = [f"{system.name} ({system.source}): the current balance at rest",
             f"  0 = {balance.total}    ({_what(balance)}; equations in SI: {volts})"]
    if balance.steady_gates:
        lines.append("with the gates at their steady state:")
        lines += [f"  {x} = {e}" for x, e in balance.steady_gates]
    if balance.definitions:
        lines.append("where:")
        lines += [f"  {s} = {e}" for s, e in balance.definitions]
    if parameters:
        lines.append("with the file's values (SI):")
        lines += [f"  {name} = {csv_number(value)} {si}".rstrip() for name, value, si in parameters]
    lines += [f"note: {note}" for note in notes]
    if balance.held:
        starts = {s.symbol: s.initial for s in system.states}
        given = ", ".join(f"{s.name} = {_shown(float(starts[s]), _unit_of(system, s)):.6g} {_unit_of(system, s)}".rstrip()
                          for s in balance.held)
        lines.append(f"held at their resting values: {', '.join(s.name for s in balance.held)} (each resting "
                     f"state's, below; not the file's start, {given})")
    lines.append(f"solutions (vrest rest): {report.verdict}")
    for state in states:
        held = ", ".join(f"{n} = {h['value']:.6g} {h['unit']}".rstrip() for n, h in state["held"].items())
        currents = ", ".join(f"{n} {c['value']:.5g} {c['unit']}".rstrip() for n, c in state["currents"].items())
        lines.append(f"  V = {state['V']:.6f} {problem.voltage_unit}".rstrip()
                     + f" ({'stable' if state['stable'] else 'unstable'})"
                     + (f"; {held}" if held else "") + (f"; currents: {currents}" if currents else ""))
    print("\n".join(lines))
    return 0
