"""NEURON NMODL export of an ODE system: a density mechanism and a Python run script.

NEURON integrates the membrane potential itself (cm dv/dt = -i), so the mechanism hands it the
model's own dV/dt as a current: with cm = 1 uF/cm2 (the run script sets it),
i (mA/cm2) = -0.001 dV/dt (V/s), whatever capacitance and current units the file used; the
model's other states are NMODL STATEs. Inside, every value is SI as in the other exports of an
imported model (systems.context): V = 0.001 v, time = 0.001 t, and each rate (per second)
becomes per ms (NEURON's time) by the factor 0.001. NMODL has no conditional expression, so each
piecewise definition is computed by if/else statements into a variable of its own, named after
the quantity it belongs to (``<name>_case<n>``). nocmodl keeps 6 significant digits of a
PARAMETER default, so the run script sets every parameter to its exact value.
"""

from __future__ import annotations

import sympy as sp

from vrest.derive.system import TIME, OdeSystem

from ...escaping import visible
from ...printers import NMODL_FUNCTIONS, VrestNmodlPrinter
from ...printers._common import float_text
from ...templating import render
from ..nmodl import RESERVED, nocmodl_default
from . import system_exporter
from .context import lift_piecewise, system_export, unique_id
from .context import rate_ids as rates_named
from .notes import notes
from .pulses import period_ids, pulse_code

__all__ = ["export_system_nmodl"]

# NMODL becomes C++: a name of the C math library (j0, y1, gamma, ...) or a C++ keyword cannot be a variable.
_C_NAMES = ("j0", "j1", "jn", "y0", "y1", "yn", "gamma", "lgamma", "tgamma", "erf", "erfc", "exp", "expm1", "log",
            "log1p", "log2", "log10", "pow", "sqrt", "cbrt", "hypot", "sin", "cos", "tan", "asin", "acos", "atan",
            "atan2", "sinh", "cosh", "tanh", "fabs", "floor", "ceil", "fmod", "round", "trunc", "abs", "min",
            "max", "int", "double", "float", "char", "long", "short", "void", "return", "for", "do", "switch",
            "case", "default", "break", "continue", "struct", "union", "enum", "const", "static", "extern",
            "register", "signed", "unsigned", "sizeof", "typedef", "volatile", "goto", "auto", "class", "new",
            "delete", "this", "template", "namespace", "public", "private", "protected", "virtual", "operator",
            "friend", "inline", "bool", "true", "false", "try", "catch", "throw", "NAN", "INFINITY", "PI",
            "FARADAY", "R", "secondorder", "celsius", "ena", "ek", "eca", "nai", "nao", "ki", "ko", "cai", "cao")
# nocmodl declares <state>0 for each STATE: a state j or y would declare j0 or y0 (C's Bessel functions).
_RESERVED = tuple(RESERVED) + _C_NAMES + ("j", "y")

_UNITS = ("Units: SI inside the mechanism (V, s, A/m2, mol/m3, ...), the file's values converted exactly; "
          "NEURON's v (mV) and t (ms) enter as V = 0.001 v and time = 0.001 t, the rates leave per ms, and "
          "the current is i = -0.001 dV/dt (mA/cm2, with cm = 1 uF/cm2).")


def _statements(target: str, expr: sp.Expr, printer, taken: set[str], declared: list[str]) -> list[str]:
    """NMODL lines computing ``target = expr``, piecewise parts first as if/else blocks (their variables
    are added to ``declared``)."""
    lifted: list = []
    expr = lift_piecewise(expr, target, lifted)
    lines = []
    for symbol, pieces in lifted:
        ident = unique_id(symbol.name, taken)
        declared.append(ident)
        printer._settings["symbol_names"][symbol] = ident
        for k, (value, condition) in enumerate(pieces):
            assign = f"{ident} = {printer.doprint(value)}"
            if condition == sp.true:
                lines += ([f"{assign}"] if k == 0 else ["} else {", f"    {assign}"])
            else:
                lines += [f"{'if' if k == 0 else '} else if'} ({printer.doprint(condition)}) {{", f"    {assign}"]
        if len(pieces) > 1 or pieces[0][1] != sp.true:
            lines.append("}")
    lines.append(f"{target} = {printer.doprint(expr)}")
    return lines


def context(system: OdeSystem, keep_stimulus: bool) -> dict:
    ctx = system_export(system, reserved=_RESERVED, keep_stimulus=keep_stimulus, time_id="time_s")
    ids = dict(ctx.ids)
    printer = VrestNmodlPrinter({"symbol_names": ids})
    taken = set(ids.values()) | set(_RESERVED)
    lifted: list[str] = []
    rate_ids = rates_named(ctx, taken)
    lines = [f"{ids[TIME]} = (0.001)*t", f"{ctx.voltage.id} = (0.001)*v"]
    for q in ctx.quantities:
        lines += _statements(q.id, q.math, printer, taken, lifted)
    for state in ctx.states:
        lines += _statements(rate_ids[state.symbol], state.math, printer, taken, lifted)
    described = [(e.id, " ".join(visible(e.description).split())) for e in ctx.entries]
    return {
        "stimulus_code": pulse_code(system, ctx.ids) if keep_stimulus else None,
        "stimulus_periods": period_ids(system, ctx.ids),
        "id": ctx.id,
        "suffix": f"vrest_{ctx.id}",
        "notes": notes(ctx, "NMODL", _UNITS),
        "parameters": [{"id": p.id, "value": float_text(p.value), "kept": nocmodl_default(float_text(p.value))}
                       for p in ctx.parameters],
        "states": [{"id": s.id, "start": float_text(s.value), "rate": rate_ids[s.symbol]} for s in ctx.states
                   if s is not ctx.voltage],
        "voltage": {"id": ctx.voltage.id, "start_mV": float_text(ctx.voltage.value * 1000),
                    "rate": rate_ids[ctx.voltage.symbol]},
        "assigned": [ids[TIME], ctx.voltage.id] + [q.id for q in ctx.quantities] + lifted
        + [rate_ids[s.symbol] for s in ctx.states],
        "lines": lines,
        "described": described,
        "functions": NMODL_FUNCTIONS.rstrip("\n"),
        "state_names": {s.id: s.name for s in ctx.states},
    }


@system_exporter("nmodl", "NEURON NMODL density mechanism (.mod) and a Python run script")
def export_system_nmodl(system: OdeSystem, keep_stimulus: bool = False) -> dict[str, str]:
    ctx = context(system, keep_stimulus)
    return {f"{ctx['suffix']}.mod": render("system_nmodl.mod.j2", **ctx),
            f"{ctx['id']}_neuron.py": render("system_nmodl_run.py.j2", **ctx)}
