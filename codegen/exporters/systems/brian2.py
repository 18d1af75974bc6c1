"""Brian2 export of an ODE system: a runnable script with the model as one NeuronGroup of one cell.

An imported model's formulas carry units in their constants (systems.context), so Brian2's unit
checks cannot apply to them: every variable is a dimensionless number, its value in SI, and each
state's rate is a subexpression ``d_<state>`` (per second) that the equation divides by ``second``
(time enters as ``t/second``). Brian2 has no conditional expression, so a piecewise definition is
int(condition) * value + (1 - int(condition)) * the rest (VrestBrian2Printer); both branches are
evaluated. The script runs the model from the file's initial state (rk4, fixed steps).
"""

from __future__ import annotations

import keyword

from vrest.derive.system import TIME, OdeSystem

from ...escaping import visible
from ...printers import VrestBrian2Printer
from ...printers._common import float_text
from ...templating import render
from ..brian2 import RESERVED
from . import system_exporter
from .context import rate_ids as rates_named
from .context import system_export
from .notes import notes

__all__ = ["export_system_brian2"]

# Brian2's own names in equations besides RESERVED: its units and constants can shadow a variable.
_BRIAN2_NAMES = ("second", "volt", "amp", "metre", "meter", "kilogram", "mole", "kelvin", "candela", "farad",
                 "siemens", "ohm", "coulomb", "joule", "watt", "hertz", "molar", "liter", "litre", "gram",
                 "kelvin", "radian", "N", "xi", "lastspike", "not_refractory", "dt", "t", "i")

_UNITS = ("Units: every variable is a dimensionless number, its value in SI (V, s, A/m2, mol/m3, ...), the "
          "file's values converted exactly: the file's formulas carry units in their constants, so Brian2 "
          "cannot check them; each rate d_<state> is per second, and time enters as t/second.")


def context(system: OdeSystem, keep_stimulus: bool) -> dict:
    ctx = system_export(system, reserved=tuple(RESERVED) + _BRIAN2_NAMES + tuple(keyword.kwlist),
                        keep_stimulus=keep_stimulus, time_id="t")
    ids = dict(ctx.ids)
    ids[TIME] = "(t/second)"
    printer = VrestBrian2Printer({"symbol_names": ids})
    taken = set(ids.values())
    rate_ids = rates_named(ctx, taken)
    return {
        "id": ctx.id,
        "name_literal": repr(system.name),
        "script": f"{ctx.id}_brian2.py",
        "notes": notes(ctx, "Brian2", _UNITS),
        "parameters": [{"id": p.id, "value": float_text(p.value), "description": _one_line(p.description)}
                       for p in ctx.parameters],
        "states": [{"id": s.id, "start": float_text(s.value), "rate_id": rate_ids[s.symbol],
                    "rate": printer.doprint(s.math), "description": _one_line(s.description)} for s in ctx.states],
        "quantities": [{"id": q.id, "expr": printer.doprint(q.math)} for q in ctx.quantities],
        "names": {e.id: e.name for e in ctx.states},
    }


def _one_line(text: str) -> str:
    return visible(" ".join(str(text).split()))


@system_exporter("brian2", "Brian2 script: one NeuronGroup, the model from the file's initial state")
def export_system_brian2(system: OdeSystem, keep_stimulus: bool = False) -> dict[str, str]:
    ctx = context(system, keep_stimulus)
    return {ctx["script"]: render("system_brian2.py.j2", **ctx)}
