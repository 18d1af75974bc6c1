"""A Markdown derivation report with LaTeX ($...$, $$...$$) that MathJax renders.

Every quantity with its equation, value and unit, every step and every
assumption; the linearisation's time constants and the ouabain scenario when
the whole report is asked for. Layout only: the physics comes from derive/.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import sympy as sp

from vrest.derive.constants import V
from vrest.derive.derivation import Derivation, NotApplicable
from vrest.derive.errors import ModelError
from vrest.derive.latex import function_definitions, latex
from vrest.derive.model import Model
from vrest.derive.plausibility import warn_results
from vrest.derive.quantities import Derivations
from vrest.derive.registry import UNITS
from vrest.derive.units import convert

from .state_note import state_note

__all__ = ["render_report", "REPORT_SECTIONS", "check_latex", "check_step_quantity", "markdown_text", "only_quantities"]

REPORT_SECTIONS = ("time_constants", "ouabain")  # extra ids --quantity accepts besides the quantity ids

# Macros MathJax (TeX input, default packages) renders; sympy.latex emits only these for our expressions.
_GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "nu",
          "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega")
MATHJAX_MACROS = {
    "frac", "log", "ln", "exp", "left", "right", "cdot", "displaystyle", "operatorname", "mathrm", "sqrt",
    "partial", "quad", "text", "approx", "times", "infty", "to", "int", "mathtt", "begin", "end",
    "leq", "geq", "neq", "wedge", "vee", "neg",  # the conditions of a Piecewise (a file's rate functions)
    *_GREEK, *(g.capitalize() for g in _GREEK),  # a file's names: SymPy writes alpha_m, Xi (X inactivation) Greek
    "varepsilon", "vartheta", "varphi", "varpi", "varrho", "varsigma",
}


def check_latex(latex: str) -> list[str]:
    """Problems MathJax would have with ``latex``: unbalanced braces, unknown macros, double subscripts.

    Also what a Markdown renderer that runs before MathJax (marked, markdown-it, Python-Markdown with
    MathJax on the page) would change: a backslash before punctuation is a Markdown escape (``\\,``
    loses its backslash), ``*`` and a ``_`` after a non-alphanumeric can open emphasis (``}_{`` ...
    ``z_{`` becomes <em>).
    """
    problems = []
    depth = 0
    for char in latex:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            problems.append("a '}' closes nothing")
            break
    if depth > 0:
        problems.append("unclosed '{'")
    for macro in set(re.findall(r"\\([A-Za-z]+)", latex)) - MATHJAX_MACROS:
        problems.append(f"unsupported macro \\{macro}")
    if re.search(r"_\{[^{}]*\}_", latex):
        problems.append("double subscript")
    for escape in sorted(set(re.findall(r"\\[!-/:-@\[-`{-~]", latex))):
        problems.append(f"Markdown escape {escape}")
    if "*" in latex or re.search(r"(^|[^A-Za-z0-9])_", latex):
        problems.append("Markdown emphasis marker")
    return problems


def _latex(expr) -> str:
    text = latex(expr)
    problems = check_latex(text)
    if problems:  # never write what MathJax cannot show
        raise ValueError(f"LaTeX of {sp.sstr(expr)} has problems: {problems}")
    return text


def markdown_text(text: str, table_cell: bool = False) -> str:
    """Plain text (sentences from derive/ and model files) as Markdown that shows it verbatim.

    Backslash-escapes what would start emphasis (``K_o*exp(-F*V)``), code, math, a block at the line
    start, and ``|`` in a table cell; ``<`` before a letter (an HTML tag) becomes ``&lt;``. An ``_``
    between letters or digits (``K_i``) is never emphasis and stays as it is.
    """
    text = re.sub(r"[\\`*$]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])" + (r"|\|" if table_cell else ""),
                  lambda m: "\\" + m.group(), text)
    text = re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text)
    text = re.sub(r"^(\s*)([#>+-])", r"\1\\\2", text)  # a heading, quote or list marker
    return re.sub(r"^(\s*\d+)([.)])", r"\1\\\2", text)  # an ordered-list marker


def _display(latex: str, indent: str = "") -> str:
    """Display math on one line: ``$$`` fences on lines of their own would leave a TeX line starting
    with ``-`` or ``+`` to Markdown, which makes it a list item before MathJax sees it."""
    return f"{indent}$${latex}$$"


def format_value(derivation: Derivation, with_unit: bool = True) -> str:
    """The value(s) and unit; with several resting states each value of an unstable one is marked."""
    unit = "" if derivation.unit == "1" or not with_unit else f" {derivation.unit}"
    values = derivation.display_values
    marks = ([""] * len(values) if len(derivation.stable) != len(values) else
             ["" if stable else " (unstable)" for stable in derivation.stable])
    if len(values) == 1:  # "-59.5706 mV (unstable)": the unit with its number
        return f"{values[0]:.6g}{unit}{marks[0]}"
    return ", ".join(f"{v:.6g}{mark}" for v, mark in zip(values, marks)) + unit


def _value(derivation: Derivation) -> str:  # the one value a sentence names (the first stable state's)
    unit = "" if derivation.unit == "1" else f" {derivation.unit}"
    return f"{derivation.display_value:.6g}{unit}"


def _quantity_section(derivation: Derivation) -> list[str]:
    lines = [f"### `{derivation.id}`: {markdown_text(derivation.description)}", ""]
    lines += [_display(_latex(derivation.equation)), ""]
    where = " (the root of the equation above)" if derivation.method == "numeric root" else ""
    lines += [f"Value: **{format_value(derivation)}**{where}; method: {derivation.method}.", ""]
    if derivation.steps:
        lines += ["Steps:", ""]
        for number, step in enumerate(derivation.steps, start=1):
            # continuation lines indented 4 spaces: Python-Markdown needs 4 to keep them in the item
            lines += [f"{number}. {markdown_text(step.text)}", ""]
            if step.given:  # the substitutions and conditions that take the step before to this one
                lines += ["    using " + ", ".join(f"${_latex(relation)}$" for relation in step.given), ""]
            lines += [_display(_latex(step.equation), "    "), ""]
    if derivation.assumptions:
        lines += ["Assumptions:", ""]
        lines += [f"- {markdown_text(assumption)}" for assumption in derivation.assumptions]
        lines.append("")
    return lines


def _parameter_rows(model: Model) -> list[str]:
    lines = ["| symbol | value | unit | meaning |", "|---|---|---|---|"]
    for p in model.parameters:
        try:
            shown, unit = f"{convert(p.value, p.unit):.6g}", p.unit
        except Exception:  # noqa: BLE001 - a unit pint cannot show: fall back to SI
            shown, unit = f"{float(p.value):.6g}", "SI"
        unit, meaning = (markdown_text(text, table_cell=True) for text in (unit, p.description))
        lines.append(f"| ${_latex(p.symbol)}$ | {shown} | {unit} | {meaning} |")
    return lines + [""]


def _gate_modes(model: Model, ctx: Derivations) -> list[str]:
    """The modes of V and the gates at the resting state vrest simulate starts from (concentrations fixed)."""
    from vrest.derive.derivations.resting import states_at_rest

    try:
        states, chosen = states_at_rest(ctx)
    except NotApplicable as reason:
        return [f"No resting state to linearise about: {markdown_text(str(reason))}.", ""]
    names = ", ".join(f"${_latex(s.symbol)}$" for s in model.states)
    lines = [f"States {names}: V and the channels' gates (the concentrations are fixed). The Jacobian, derived "
             f"symbolically, at the resting state V = {states[chosen].V * 1e3:.6g} mV (where vrest simulate starts) "
             "has these eigenvalues; a deviation decays as exp(lambda t).", "",
             "| eigenvalue (1/s) | time constant |", "|---|---|"]
    for lam in sorted(states[chosen].eigenvalues, key=lambda v: (-v.real, v.imag)):
        tau = _seconds(-1 / lam.real) if lam.real < 0 else "none: it grows" if lam.real > 0 else "none"
        lines.append(f"| {lam.real:.6g}{f' {lam.imag:+.3g}i' if lam.imag else ''} | {tau} |")
    return lines + [""]


def _time_constants(model: Model, ctx: Derivations) -> list[str]:
    from vrest.derive.derivations.time_constants import linearise

    lines = ["## Time constants of the full model", ""]
    if not model.dynamic_ions and len(model.states) > 1:  # V and the gates: the resting state's eigenvalues
        return lines + _gate_modes(model, ctx)
    if not model.dynamic_ions:
        one = ("$\\tau_m$" if V not in model.pump_current.free_symbols else
               f"$\\tau_{{fast}}$ = {_value(ctx.get('tau_fast'))}, faster than the leaks' own $\\tau_m$")
        lines += ["V is the only state (no membrane area and cell volume): its one time constant is "
                  f"{one} = {_value(ctx.get('tau_m'))}.", ""]
        return lines
    try:
        lin = linearise(model)
    except NotApplicable as reason:
        return lines + [f"No linearisation: {markdown_text(str(reason))}.", ""]
    names = ", ".join(f"${_latex(s)}$" for s in lin.states)
    lines += [
        f"States {names}. The Jacobian $J = \\partial f/\\partial x$ is derived symbolically and evaluated at "
        "the steady state (with the pump on). Charge is conserved, so $J$ has one zero eigenvalue; eliminating "
        "$V$ by charge conservation removes it exactly and leaves $J_{red}$ "
        f"({len(lin.reduced_states)} x {len(lin.reduced_states)}).", "",
        "| eigenvalue (1/s) | time constant |", "|---|---|",
    ]
    for lam, tau in zip(lin.eigenvalues, lin.time_constants):
        lines.append(f"| {lam.real:.6g}{f' {lam.imag:+.3g}i' if lam.imag else ''} | {_seconds(tau)} |")
    fast = ctx.get("tau_fast").value  # the membrane's mode (with gates, not the fastest: a gate's may be)
    tau_m = ctx.get("tau_m").value
    pump = ("the slope conductance of the voltage-dependent pump, which $\\tau_m$ leaves out, and "
            if V in model.pump_current.free_symbols else "")
    lines += ["", f"The fast time constant $\\tau_{{fast}}$ = {_seconds(fast)} is the membrane's: "
              f"$\\tau_m = C_m/g_{{leak}}$ = {_seconds(tau_m)} at the steady state (relative difference "
              f"{abs(fast / tau_m - 1):.2g}; the linearisation keeps {pump}the small "
              "coupling of V to the amounts through the capacitor's charge, of relative size "
              "$C_m A R T/(F^2 \\mathrm{Vol}\\ c)$).", ""]
    return lines


def _seconds(value: float) -> str:
    return f"{value * 1e3:.6g} ms" if value < 1 else f"{value:.6g} s"


def _ouabain(model: Model, shown: dict[str, Derivation]) -> list[str]:
    """The ouabain section; a quantity the report has ``shown`` already is named with its value, not derived again."""
    from vrest.derive.derivations.ouabain import ouabain_report

    lines = ["## The ouabain scenario (pump blocked at t = 0)", ""]
    try:
        report = ouabain_report(model)
    except NotApplicable as reason:
        return lines + [f"Not applicable: {markdown_text(str(reason))}.", ""]
    for derivation in report.derivations:
        if derivation.id in shown:
            lines += [f"`{derivation.id}` = {derivation.display_value:.6g} {derivation.unit}, derived above.", ""]
            continue
        lines += _quantity_section(derivation) + _evaluated_at(model, derivation)
    lines += [f"- {markdown_text(note)}" for note in report.notes]
    return lines + [""]


def check_step_quantity(qid: str, known: list[str], scenario: str | None, model: Model) -> None:
    """A --quantity id must be a quantity id, or with --scenario one of its steps' (ModelError otherwise)."""
    from vrest.derive.derivations.scenario import STEP_QUANTITY_IDS

    if qid in known or (scenario is not None and qid in STEP_QUANTITY_IDS):
        return
    if qid in STEP_QUANTITY_IDS:
        names = ", ".join(s.name for s in model.scenarios) or "none in this model"
        raise ModelError("--quantity", qid, f"a quantity of a scenario's steps: give --scenario NAME ({names}) or "
                         "--protocol FILE.toml")
    steps = f"; with --scenario or --protocol also {', '.join(i for i in STEP_QUANTITY_IDS if i not in known)}"
    raise ModelError("--quantity", qid, f"unknown quantity (one of {', '.join(known)}{steps})")


def only_quantities(report, wanted: Iterable[str] | None):
    """The scenario report with only the ``wanted`` quantity ids in each step (all of them without)."""
    from dataclasses import replace

    if not wanted:
        return report
    keep = set(wanted)
    steps = tuple(replace(step, quantities={k: d for k, d in step.quantities.items() if k in keep},
                          not_applicable={k: r for k, r in step.not_applicable.items() if k in keep})
                  for step in report.steps)
    return replace(report, steps=steps)


def _scenario(model: Model, name: str, wanted: Iterable[str] | None = None, warned: set[str] | None = None
              ) -> list[str]:
    """Each step of scenario ``name``: its changes, then its derivations (derive.derivations.scenario); a result
    in ``warned`` (derive.plausibility.warn_results) is not warned again."""
    from vrest.derive.derivations.scenario import scenario_report

    report = only_quantities(scenario_report(model, name), wanted)
    scenario = report.scenario
    lines = [f"## Scenario `{scenario.name}`", ""]
    if scenario.description:
        lines += [markdown_text(scenario.description), ""]
    lines += [f"The first step starts from {markdown_text(report.start)}. On the time scale of $\\tau_m$ the ion "
              "amounts and the volume cannot move: V jumps to the root of the current balance at the new parameters "
              "(`V_jump`); then the cell settles at the new steady state (`V_ss`).", ""]
    for step in report.steps:
        warn_results(model, step.quantities.values(), f"scenario {name}, step {step.number} at {step.at:g} s: ",
                     warned)
        changes = "; ".join(markdown_text(_change(model, change)) for change in step.changes)
        lines += [f"### Step {step.number} at {step.at:g} s: {changes}", ""]
        for derivation in step.quantities.values():
            lines += ["#" + line if line.startswith("### ") else line for line in _quantity_section(derivation)]
            lines += _evaluated_at(model, derivation)
        lines += [f"- `{qid}` not applicable: {markdown_text(reason)}" for qid, reason in step.not_applicable.items()]
        lines.append("")
    return lines


def _evaluated_at(model: Model, derivation: Derivation) -> list[str]:
    if not derivation.at:
        return []
    return ["Evaluated at " + ", ".join(_value_at(model, symbol, value) for symbol, value in derivation.at)
            + " (the values that differ from the model file's).", ""]


def _value_at(model: Model, symbol: sp.Symbol, value: float) -> str:
    unit = model.parameter(symbol.name).unit if model.has(symbol.name) else {**UNITS, "V": "mV"}.get(symbol.name, "SI")
    shown = f"{convert(value, unit):.6g} {unit}" if unit not in ("SI", "1") else f"{value:.6g}"
    return f"${_latex(symbol)}$ = {shown}"


def _change(model: Model, change) -> str:
    if change.operation == "scale":
        return f"{change.key} scaled by {float(change.value):g}"
    unit = model.parameter(change.parameter).unit
    return f"{change.key} set to {convert(change.value, unit):g} {unit}"


def render_report(model: Model, quantity_ids: Iterable[str] | None = None, scenario: str | None = None) -> str:
    """The Markdown report; ``quantity_ids`` restricts it (ModelError for an unknown id); ``scenario`` adds
    what each step of that scenario does."""
    ctx = Derivations(model)
    known = ctx.ids()
    wanted = list(quantity_ids or [])
    for qid in wanted:
        if qid not in REPORT_SECTIONS:
            check_step_quantity(qid, known + list(REPORT_SECTIONS), scenario, model)
    selected = [qid for qid in known if not wanted or qid in wanted]
    lines = [f"# vrest derivation report: {model.name}", "", markdown_text(model.description), ""]
    if model.source:
        lines += [f"Source: {markdown_text(model.source)}", ""]
    lines += ["Sign convention: $V = \\phi_{in} - \\phi_{out}$; membrane currents and fluxes are positive outward. "
              "Values are computed in SI with 40-digit arithmetic and shown in the units given.", ""]
    lines += ["## Parameters", ""] + _parameter_rows(model)
    if selected:
        lines += ["## Derived quantities", ""]
    reasons, derived = {}, {}
    for qid in selected:
        try:
            derived[qid] = ctx.get(qid)
        except NotApplicable as reason:
            reasons[qid] = str(reason)
    warned: set[str] = set()
    warn_results(model, derived.values(), warned=warned)
    notes = state_note(model, derived)
    if notes:
        lines += ["Where each value is taken:", ""] + [f"- {markdown_text(note)}" for note in notes] + [""]
    for derivation in derived.values():
        lines += _quantity_section(derivation)
    if reasons:
        lines += ["## Not applicable", ""]
        lines += [f"- `{qid}`: {markdown_text(reason)}" for qid, reason in reasons.items()] + [""]
    if not wanted or "time_constants" in wanted:
        lines += _time_constants(model, ctx)
    if not wanted or "ouabain" in wanted:
        lines += _ouabain(model, derived)
    if scenario is not None:
        lines += _scenario(model, scenario, wanted, warned)
    return "\n".join(_with_definitions(lines)).rstrip() + "\n"


def _with_definitions(lines: list[str]) -> list[str]:
    """The report with vrest's own functions (exprel, exprel') defined after the sign convention, if it uses them."""
    definitions = function_definitions("\n".join(lines))
    if not definitions:
        return lines
    at = next(k for k, line in enumerate(lines) if line.startswith("Sign convention")) + 2
    shown = " and ".join(f"${definition}$" for definition in definitions)
    return [*lines[:at], f"Terms with a removable 0/0 (a GHK current at V = 0, a rate such as alpha_n at its 0/0 "
                         f"point) are written with {shown}: exact there.", "", *lines[at:]]
