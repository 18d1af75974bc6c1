"""``vrest derive [MODEL] [--json] [--latex] [--report OUT.md] [--quantity ID ...]``: derived quantities."""

from __future__ import annotations

import json
import textwrap

import sympy as sp

from ..files import write_atomic
from ..report import REPORT_SECTIONS, render_report
from vrest.derive.builtin import DEFAULT_MODEL, resolve_model
from vrest.derive.derivation import Derivation, NotApplicable
from vrest.derive.errors import ModelError
from vrest.derive.latex import latex
from vrest.derive.quantities import Derivations, derive_all


def register(subparsers) -> None:
    parser = subparsers.add_parser("derive", help="derive closed-form results for a model")
    parser.add_argument("model", nargs="?", default=DEFAULT_MODEL,
                        help=f"a built-in model name or a TOML model file (default: {DEFAULT_MODEL})")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="machine-readable output (MODEL_FORMAT.md)")
    output.add_argument("--latex", action="store_true", help="the equations as LaTeX")
    parser.add_argument("--report", metavar="OUT.md",
                        help="write a Markdown report (LaTeX equations, steps, assumptions, values) to OUT.md")
    parser.add_argument("--quantity", action="append", metavar="ID",
                        help="only this quantity id (repeatable), in the table, --json, --latex or --report "
                             "(a report also takes time_constants, ouabain)")
    parser.set_defaults(run=run)


def quantity_json(derivation: Derivation) -> dict:
    return {
        "value": derivation.display_value,
        "unit": derivation.unit,
        "expression": derivation.expression_text,
        "latex": derivation.latex,
        "method": derivation.method,
        "description": derivation.description,
    }


def run(args) -> int:
    model = resolve_model(args.model)
    if args.report:
        path = write_atomic(args.report, render_report(model, args.quantity), "--report")
        print(path)
        return 0
    derived, reasons = _derive(model, args.quantity)
    if args.json:
        document = {
            "model": model.name,
            "quantities": {qid: quantity_json(d) for qid, d in derived.items()},
            "not_applicable": reasons,
        }
        print(json.dumps(document, indent=2))
    elif args.latex:
        print(_latex(model.name, derived))
    else:
        print(_table(model, derived, reasons))
    return 0


def _derive(model, wanted: list[str] | None) -> tuple[dict[str, Derivation], dict[str, str]]:
    """Every quantity, or only the ``wanted`` ids (in the contract's order; ModelError for an unknown id)."""
    if not wanted:
        return derive_all(model)
    ctx = Derivations(model)
    known = ctx.ids()
    for qid in wanted:
        if qid in REPORT_SECTIONS:
            raise ModelError("--quantity", qid, "a section of the --report only")
        if qid not in known:
            raise ModelError("--quantity", qid, f"unknown quantity (one of {', '.join(known)})")
    derived, reasons = {}, {}
    for qid in (q for q in known if q in wanted):
        try:
            derived[qid] = ctx.get(qid)
        except NotApplicable as reason:
            reasons[qid] = str(reason)
    return derived, reasons


def _format_value(derivation: Derivation) -> str:
    unit = "" if derivation.unit == "1" else f" {derivation.unit}"
    return f"{derivation.display_value:.6g}{unit}"


def _table(model, derived: dict[str, Derivation], reasons: dict[str, str]) -> str:
    lines = [f"{model.name}: {model.description}", "Sign convention: V = phi_in - phi_out; currents positive outward.", ""]
    width = max([len("quantity"), *map(len, derived)])
    values = {qid: _format_value(d) for qid, d in derived.items()}
    value_width = max([16, *map(len, values.values())])  # a long value widens the column, never shifts it
    lines.append(f"{'quantity':{width}}  {'value':>{value_width}}  closed form")
    for qid, derivation in derived.items():
        if derivation.method == "closed form":
            form = f"{qid} = {derivation.expression_text}"
        elif derivation.method == "numeric root":
            form = f"numeric root: {derivation.description} (no closed form; --json gives the equation)"
        elif derivation.method == "given":
            form = "given in the model"
        else:
            form = f"numeric: {derivation.description}"
        wrapped = textwrap.wrap(form, 100, subsequent_indent=" " * (width + value_width + 6)) or [""]
        lines.append(f"{qid:{width}}  {values[qid]:>{value_width}}  " + "\n".join(wrapped))
    if reasons:
        lines += ["", "not applicable:"]
        lines += [f"  {qid}: {reason}" for qid, reason in reasons.items()]
    return "\n".join(lines)


def _latex(name: str, derived: dict[str, Derivation]) -> str:
    rows = []
    for qid, derivation in derived.items():
        value = _format_value(derivation).replace(" ", r"\ \mathrm{", 1) + ("}" if derivation.unit != "1" else "")
        equation = derivation.latex
        if derivation.method == "numeric root":  # "... = 0" alone would not say which quantity it defines
            equation = f"{latex(sp.Symbol(qid))}:\\quad {equation}"
        rows.append(f"  {equation} &\\quad ({value}) \\\\")
    return "% vrest derive " + name + "\n\\begin{align*}\n" + "\n".join(rows) + "\n\\end{align*}"
