"""``vrest derive`` of a built-in model or a TOML model file (codegen.cli.derive_cmd reads the arguments).

The derived quantities, and with ``--scenario`` what each of its steps does (the jump with the
amounts frozen, the new steady state): as a table, JSON, LaTeX or a Markdown report.
"""

from __future__ import annotations

import json
import math
import re
import textwrap
from pathlib import Path

import sympy as sp

from ..files import check_folder, write_atomic
from ..report import REPORT_SECTIONS, check_step_quantity, format_value, only_quantities, render_report
from ..state_note import state_note
from vrest.derive.builtin import resolve_model
from vrest.derive.derivation import Derivation, NotApplicable
from vrest.derive.errors import ModelError
from vrest.derive.latex import function_definitions, latex
from vrest.derive.plausibility import warn_results
from vrest.derive.quantities import Derivations, derive_all
from vrest.derive.units import convert


def quantity_json(derivation: Derivation) -> dict:
    """One quantity for scripts; with several resting states ``value`` is a list (one per state, in order of
    V) and ``stable`` says which are stable."""
    several = len(derivation.values) > 1
    out = {
        "value": [_finite(v) for v in derivation.display_values] if several else derivation.display_value,
        "unit": derivation.unit,
        "expression": derivation.expression_text,
        "latex": derivation.latex,
        "method": derivation.method,
        "description": derivation.description,
    }
    if derivation.stable:
        out["stable"] = list(derivation.stable) if several else derivation.stable[0]
    out.update(dict(derivation.data))
    return out


def _finite(value: float) -> float | None:
    """JSON has no NaN: a state without the quantity (no resonance) is null."""
    return value if math.isfinite(value) else None


def _check_scenario(model, name: str | None) -> None:
    """An unknown scenario name is one error line listing the known ones."""
    if name is not None and name not in {s.name for s in model.scenarios}:
        known = ", ".join(s.name for s in model.scenarios) or "none"
        raise ModelError("--scenario", name, f"unknown scenario of model {model.name} (known: {known})")


def change_json(model, change) -> dict:
    """A step's change for scripts: a set value in its parameter's unit, or a factor (unit "1")."""
    if change.operation == "scale":
        return {"key": change.key, "parameter": change.parameter, "operation": "scale", "value": float(change.value),
                "unit": "1"}
    unit = model.parameter(change.parameter).unit
    return {"key": change.key, "parameter": change.parameter, "operation": "set",
            "value": convert(change.value, unit), "unit": unit}


def _at_json(model, derivation: Derivation) -> dict:
    """{"at": {name: {"value", "unit"}}}: the values (those that differ from the file's) a result is evaluated at."""
    if not derivation.at:
        return {}
    out = {}
    for symbol, value in derivation.at:
        unit = model.parameter(symbol.name).unit if model.has(symbol.name) else "SI"
        out[symbol.name] = {"value": convert(value, unit) if unit not in ("SI", "1") else float(value), "unit": unit}
    return {"at": out}


def scenario_json(model, report) -> dict:
    return {
        "name": report.scenario.name,
        "description": report.scenario.description,
        "start": report.start,
        "steps": [{"step": step.number, "at": {"value": step.at, "unit": "s"},
                   "changes": [change_json(model, c) for c in step.changes],
                   "quantities": {qid: {**quantity_json(d), **_at_json(model, d)} for qid, d in step.quantities.items()},
                   "not_applicable": step.not_applicable} for step in report.steps],
    }


def run_model(args) -> int:
    """``vrest derive`` of a built-in model or a TOML model file."""
    for option, given in (("--json", args.json), ("--latex", args.latex)):
        if args.report and given:  # one output: a script asking for JSON would get the report's path
            raise ModelError(option, None, "not with --report, which writes the report to a file and prints its path")
    if args.report:  # before any work: a model file's name, a missing folder, then a name that is not Markdown's
        check_folder(args.report, "--report")
        suffix = Path(args.report).suffix.lower()
        if suffix not in (".md", ".markdown"):  # Markdown under r.png or r.html would open as something it is not
            what = f"a {suffix} file" if suffix else "no file type"
            raise ModelError("--report", args.report, f"{what}: vrest writes the report as Markdown; end the name "
                             "in .md")
    if args.protocol:  # an experiment in its own file, derived as one of the model's scenarios
        from .model_protocol import PROTOCOL, model_protocol, refuse_both

        refuse_both(args)
        model, _ = model_protocol(args.model, args.protocol)
        args.scenario = PROTOCOL
    else:
        model = resolve_model(args.model)
    _check_scenario(model, args.scenario)
    if args.report:
        path = write_atomic(args.report, render_report(model, args.quantity, args.scenario), "--report")
        print(path)
        return 0
    derived, reasons = _derive(model, args.quantity, args.scenario)
    warned: set[str] = set()  # a step's result the same as one warned before is not warned again
    warn_results(model, derived.values(), warned=warned)
    report = None
    if args.scenario is not None:
        from vrest.derive.derivations.scenario import scenario_report

        from ..simulation.integrate import needs_steady_state

        run = f"--protocol {args.protocol}" if args.protocol else f"--scenario {args.scenario}"
        with needs_steady_state(model.name, f"a scenario's steps start from it; `vrest simulate {run} "
                                "--start given` runs it from the model file's own state"):
            report = only_quantities(scenario_report(model, args.scenario), args.quantity)
        for step in report.steps:
            warn_results(model, step.quantities.values(),
                         f"scenario {args.scenario}, step {step.number} at {step.at:g} s: ", warned)
    if args.json:
        document = {
            "model": model.name,
            "quantities": {qid: quantity_json(d) for qid, d in derived.items()},
            "not_applicable": reasons,
        }
        if report is not None:
            document["scenario"] = scenario_json(model, report)
        print(json.dumps(document, indent=2))
    elif args.latex:
        print(_latex(model, derived, report))
    else:
        print(_table(model, derived, reasons))
        if report is not None:
            print(_scenario_table(model, report))
    return 0


def _derive(model, wanted: list[str] | None, scenario: str | None = None
            ) -> tuple[dict[str, Derivation], dict[str, str]]:
    """Every quantity, or only the ``wanted`` ids (in the contract's order; ModelError for an unknown id).

    With a scenario a wanted id may also be one of its steps' (V_jump): those are kept in its steps."""
    if not wanted:
        return derive_all(model)
    ctx = Derivations(model)
    known = ctx.ids()
    for qid in wanted:
        if qid in REPORT_SECTIONS:
            raise ModelError("--quantity", qid, "a section of the --report only")
        check_step_quantity(qid, known, scenario, model)
    derived, reasons = {}, {}
    for qid in (q for q in known if q in wanted):
        try:
            derived[qid] = ctx.get(qid)
        except NotApplicable as reason:
            reasons[qid] = str(reason)
    return derived, reasons


def _table(model, derived: dict[str, Derivation], reasons: dict[str, str]) -> str:
    title = model.name + (f": {model.description}" if model.description else "")
    lines = [title, "Sign convention: V = phi_in - phi_out; currents positive outward.", ""]
    lines += _rows(derived)
    notes = state_note(model, derived)
    if notes:
        lines.append("")
        for note in notes:  # "K_i = 102 mM" kept on one line
            kept = re.sub(r"(\S+) = (\S+) (\S+)", lambda m: "\xa0".join((m[1], "=", m[2], m[3])), note)
            lines += [line.replace("\xa0", " ") for line in textwrap.wrap(kept, 120, subsequent_indent="  ")]
    if reasons:
        lines += ["", "not applicable:"]
        lines += [f"  {qid}: {reason}" for qid, reason in reasons.items()]
    return "\n".join(lines).rstrip("\n")  # no rows: only the scenario's steps were asked for


def _change_text(model, change) -> str:
    item = change_json(model, change)
    if change.operation == "scale":
        return f"{change.key} x {item['value']:g}"
    celsius = f" ({item['value'] - 273.15:.6g} degC)" if item["unit"] == "K" else ""  # as a file writes it: 27 degC
    return f"{change.key} = {item['value']:g} {item['unit']}{celsius}"


def _scenario_table(model, report) -> str:
    scenario = report.scenario
    lines = ["", f"scenario {scenario.name}" + (f": {scenario.description}" if scenario.description else ""),
             f"starts from {report.start}"]
    for step in report.steps:
        lines += ["", f"step {step.number} at {step.at:g} s: " + ", ".join(_change_text(model, c) for c in step.changes)]
        lines += ["  " + line for line in _rows(step.quantities)]
        lines += [f"  {qid}: not applicable: {reason}" for qid, reason in step.not_applicable.items()]
    return "\n".join(lines)


def _rows(derived: dict[str, Derivation]) -> list[str]:
    """The table's header and one row per quantity: value and closed form (or what kind of root it is)."""
    if not derived:  # --quantity asked only for quantities of a scenario's steps
        return []
    lines = []
    width = max([len("quantity"), *map(len, derived)])
    values = {qid: format_value(d) for qid, d in derived.items()}
    value_width = max([16, *map(len, values.values())])  # a long value widens the column, never shifts it
    lines.append(f"{'quantity':{width}}  {'value':>{value_width}}  closed form")
    for qid, derivation in derived.items():
        if derivation.method == "closed form":
            form = f"{qid} = {derivation.expression_text}"
            if derivation.caveat:
                form += f" ({derivation.caveat})"
        elif derivation.method == "numeric root":
            form = f"numeric root: {derivation.description} (no closed form; --json gives the equation)"
        elif derivation.method == "given":
            form = "given in the model"
        else:
            form = f"numeric: {derivation.description}"
        indent = width + value_width + 4  # where the text column starts
        column = max(60, min(100, 140 - indent))  # its width: the table within 140 characters where the values allow
        wrapped = textwrap.wrap(form, column, subsequent_indent="  ") or [""]
        lines.append(f"{qid:{width}}  {values[qid]:>{value_width}}  " + ("\n" + " " * indent).join(wrapped))
    return lines


def _latex(model, derived: dict[str, Derivation], report=None) -> str:
    rows = [_latex_row(qid, derivation) for qid, derivation in derived.items()]
    for step in report.steps if report is not None else ():
        t = f"t_{{{step.number}}}"
        changes = ",\\ ".join(_latex_change(model, change) for change in step.changes)
        rows.append(f"  \\text{{step {step.number} at }} {t} = {step.at:g}\\ \\mathrm{{s}}:\\quad {changes} & \\\\")
        for qid, derivation in step.quantities.items():
            before = f"V_{{before}} = V({t}^{{-}})" if qid == "V_before" else None  # V just before the step
            rows.append(_latex_row(qid, derivation, before))
    rows += [f"  {definition} & \\\\" for definition in function_definitions("\n".join(rows))]
    return "% vrest derive " + model.name + "\n\\begin{align*}\n" + "\n".join(rows) + "\n\\end{align*}"


def _latex_change(model, change) -> str:
    """A step's change as LaTeX: K_{o} = 20\\ \\mathrm{mM}, or g_{K} \\times 0.1."""
    item = change_json(model, change)
    symbol = latex(sp.Symbol(change.parameter))
    if change.operation == "scale":
        return f"{symbol} \\times {item['value']:g}"
    unit = "" if item["unit"] == "1" else f"\\ \\mathrm{{{item['unit']}}}"
    return f"{symbol} = {item['value']:g}{unit}"


def _latex_row(qid: str, derivation: Derivation, equation: str | None = None) -> str:
    value = format_value(derivation, with_unit=False).replace(" (unstable)", r"\ \text{(unstable)}")
    value += rf"\ \mathrm{{{derivation.unit}}}" if derivation.unit != "1" else ""
    equation = equation or derivation.latex
    if derivation.method == "numeric root":  # "... = 0" alone would not say which quantity it defines
        equation = f"{latex(sp.Symbol(qid))}:\\quad {equation}"
    return f"  {equation} &\\quad ({value}) \\\\"
