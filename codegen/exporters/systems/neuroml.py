"""NeuroML 2 / LEMS export of an ODE system: a point cell ComponentType and a LEMS run of it.

``<id>.nml`` holds the model as one ComponentType extending baseCellMembPot, so NeuroML tools see
a cell with a membrane potential ``v`` (voltage); ``LEMS_<id>.xml`` sets every parameter to its
value, runs one cell from the file's initial state and records every state and rate. As in the
other exports of an imported model (systems.context) the values are SI and dimensionless (the
file's formulas carry units in their constants): V = v/VOLT, time = t/SEC, and each rate d_<state>
is per second (TimeDerivative value/SEC; for v, value*VOLT/SEC). jnml refuses, and PyLEMS reads one
step late, a derived variable that uses a ConditionalDerivedVariable, so each rate is written in its
TimeDerivative with the named quantities expanded (states and parameters only), its piecewise parts
as ConditionalDerivedVariables of states and parameters (a piecewise part inside another folded into
it, so that no ConditionalDerivedVariable uses another); the named quantities that need no piecewise
part are derived variables too, for reading (the notes name the others).
"""

from __future__ import annotations

import sympy as sp

from vrest.derive.functions import exprel, exprel_guarded, exprel_prime, exprel_prime_guarded
from vrest.derive.removable import with_exprel
from vrest.derive.system import TIME, OdeSystem

from ...escaping import visible
from ...printers import VrestLemsPrinter
from ...printers._common import float_text
from ...templating import render
from . import system_exporter
from .context import _doubles, lift_piecewise, system_export, unique_id
from .notes import notes

__all__ = ["export_system_neuroml"]

# LEMS/NeuroML names: baseCellMembPot's v, LEMS's t, the unit constants, attributes of a Component, functions.
_RESERVED = ("v", "t", "SEC", "VOLT", "time_s", "id", "type", "name", "neuroLexId", "metaid", "exp", "log", "sqrt",
             "sin", "cos", "tan", "sinh", "cosh", "tanh", "abs", "ceil", "floor", "H", "random", "pow")

_UNITS = ("Units: every variable is dimensionless, its value in SI (V, s, A/m2, mol/m3, ...), the file's "
          "values converted exactly: the file's formulas carry units in their constants. v (voltage) is "
          "VOLT times the model's V; each rate d_<state> is per second, and time enters as t/SEC.")


def context(system: OdeSystem, keep_stimulus: bool) -> dict:
    ctx = system_export(system, reserved=_RESERVED, keep_stimulus=keep_stimulus, time_id="time_s")
    ids = dict(ctx.ids)
    # V and time written out in the formulas: a derived variable used by a conditional one is read a step late
    # by PyLEMS.
    # LEMS's own names, as symbols no model name can equal (a space), printed as v, VOLT, t, SEC: a variable of
    # the file called v (or t) is another variable, renamed by system_export.
    lems_names = {sp.Symbol(f"{name} (LEMS)", real=True): name for name in ("v", "VOLT", "t", "SEC")}
    ids.update(lems_names)
    v, volt, t, sec = lems_names
    written_out = {ctx.voltage.symbol: v / volt, TIME: t / sec}
    variables = set(system.state_symbols) | {TIME}
    definitions = {q.symbol: q.math for q in ctx.quantities}

    def expanded(expr: sp.Expr) -> sp.Expr:
        for q in reversed(ctx.quantities):
            expr = expr.xreplace({q.symbol: definitions[q.symbol]})
        expr = _doubles(with_exprel(expr, variables)).xreplace(written_out)
        expr = expr.replace(exprel, exprel_guarded).replace(exprel_prime, exprel_prime_guarded)
        return expr.replace(_nested, sp.piecewise_fold)

    printer = VrestLemsPrinter({"symbol_names": ids})
    lifted: list = []
    rates = {s.symbol: expanded(s.math) for s in ctx.states}
    rates = {symbol: lift_piecewise(rate, f"{ids[symbol]}_rate", lifted) for symbol, rate in rates.items()}
    taken = set(ids.values())
    for symbol, _ in lifted:
        ids[symbol] = unique_id(symbol.name, taken)
    conditionals = [{"id": ids[symbol], "cases": [(printer.doprint(c), printer.doprint(v)) for v, c in _exclusive(pieces)]}
                    for symbol, pieces in lifted]
    rates = {symbol: printer.doprint(rate) for symbol, rate in rates.items()}
    readable, left_out, out = [], [], set()
    for q in ctx.quantities:  # in dependency order: a quantity that uses one left out is left out too
        if q.math.has(sp.Piecewise) or q.math.has(exprel) or q.math.free_symbols & out:
            left_out.append(q.id)
            out.add(q.symbol)
        else:
            readable.append({"id": q.id, "value": VrestLemsPrinter({"symbol_names": ids}).doprint(q.math)})
    lines = notes(ctx, "NeuroML/LEMS", _UNITS)
    if left_out:
        lines.append(f"Named quantities with piecewise parts, written into the rates instead: {', '.join(left_out)}.")
    voltage = ctx.voltage
    return {
        "id": ctx.id,
        "component_type": f"{ctx.id}_cell",
        "nml_file": f"{ctx.id}.nml",
        "lems_file": f"LEMS_{ctx.id}.xml",
        "output_file": f"{ctx.id}.dat",
        "notes": lines,
        "parameters": [{"id": p.id, "value": float_text(p.value), "description": _one_line(p.description)}
                       for p in ctx.parameters],
        "voltage": {"id": voltage.id, "rate": rates[voltage.symbol], "start": f"{float_text(voltage.value)}V"},
        "states": [{"id": s.id, "start": float_text(s.value), "rate": rates[s.symbol],
                    "description": _one_line(s.description)} for s in ctx.states if s is not voltage],
        "quantities": readable,
        "conditionals": conditionals,
        "names": {s.id: s.name for s in ctx.states},
    }


def _nested(expr: sp.Expr) -> bool:
    """A Piecewise with a Piecewise in a value: folded into one, since PyLEMS reads a ConditionalDerivedVariable
    that another one uses a step late (at the first step, as computed before the OnStart values were set)."""
    return isinstance(expr, sp.Piecewise) and any(value.has(sp.Piecewise) for value, _ in expr.args)


def _exclusive(pieces) -> list[tuple[sp.Expr, sp.Expr]]:
    """The cases of a piecewise definition, each with a condition (PyLEMS needs one on every case) that
    excludes the earlier ones: (value_k, c_k and not c_1 ... and not c_(k-1)); LEMS has no negation, so
    each negation is pushed onto the relations (x < a becomes x >= a)."""
    out, earlier = [], []
    for value, condition in pieces:
        negated = [sp.to_nnf(sp.Not(c)) for c in earlier]
        out.append((value, sp.And(*negated, condition) if condition != sp.true else sp.And(*negated)))
        earlier.append(condition)
    return out


def _one_line(text: str) -> str:
    return visible(" ".join(str(text).split()))


@system_exporter("neuroml", "NeuroML 2 point cell (LEMS ComponentType) and a LEMS simulation (jnml, PyLEMS)")
def export_system_neuroml(system: OdeSystem, keep_stimulus: bool = False) -> dict[str, str]:
    ctx = context(system, keep_stimulus)
    return {ctx["nml_file"]: render("system_neuroml.nml.j2", **ctx),
            ctx["lems_file"]: render("system_neuroml_LEMS.xml.j2", **ctx)}
