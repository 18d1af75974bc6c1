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
from .pulses import period_ids, pulse_code, pulse_train

__all__ = ["export_system_brian2"]

# Brian2's own names in equations besides RESERVED: its units and constants can shadow a variable.
_BRIAN2_NAMES = ("second", "volt", "amp", "metre", "meter", "kilogram", "mole", "kelvin", "candela", "farad",
                 "siemens", "ohm", "coulomb", "joule", "watt", "hertz", "molar", "liter", "litre", "gram",
                 "kelvin", "radian", "N", "xi", "lastspike", "not_refractory", "dt", "t", "i")

_UNITS = ("Units: every variable is a dimensionless number, its value in SI (V, s, A/m2, mol/m3, ...), the "
          "file's values converted exactly: the file's formulas carry units in their constants, so Brian2 "
          "cannot check them; each rate d_<state> is per second, and time enters as t/second.")


# A kept pulse train: the run stops at each edge, restarts at t = 0 (Brian2 changes dt only there) with the model's
# time t_now = t + t_offset, and the pulse is taken at the middle of each interval (t_pulse): an rk4 step that starts
# on an edge would otherwise see the pulse on both sides of it (first order in DT: 0.017 mV on Hodgkin-Huxley).
_PULSE_NAMES = ("t_now", "t_offset", "t_pulse")


def context(system: OdeSystem, keep_stimulus: bool) -> dict:
    ctx = system_export(system, reserved=tuple(RESERVED) + _BRIAN2_NAMES + _PULSE_NAMES + tuple(keyword.kwlist),
                        keep_stimulus=keep_stimulus, time_id="t")
    code = pulse_code(system, ctx.ids) if keep_stimulus else None
    ids = dict(ctx.ids)
    ids[TIME] = "t_now" if code else "(t/second)"
    printer = VrestBrian2Printer({"symbol_names": ids})
    pulse = VrestBrian2Printer({"symbol_names": {**ids, TIME: "t_pulse"}})
    taken = set(ids.values())
    rate_ids = rates_named(ctx, taken)

    def quantity(q) -> str:
        if code and q.symbol == system.roles.stimulus:
            return pulse.doprint(pulse_train(system))
        return printer.doprint(q.math)

    return {
        "stimulus_code": code,
        "stimulus_periods": period_ids(system, ctx.ids),
        "id": ctx.id,
        "name_literal": repr(system.name),
        "script": f"{ctx.id}_brian2.py",
        "notes": notes(ctx, "Brian2", _UNITS),
        "parameters": [{"id": p.id, "value": float_text(p.value), "description": _one_line(p.description)}
                       for p in ctx.parameters],
        "states": [{"id": s.id, "start": float_text(s.value), "rate_id": rate_ids[s.symbol],
                    "rate": printer.doprint(s.math), "description": _one_line(s.description)} for s in ctx.states],
        "quantities": [{"id": q.id, "expr": quantity(q)} for q in ctx.quantities],
        "names": {e.id: e.name for e in ctx.states},
    }


def _one_line(text: str) -> str:
    return visible(" ".join(str(text).split()))


@system_exporter("brian2", "Brian2 script: one NeuronGroup, the model from the file's initial state")
def export_system_brian2(system: OdeSystem, keep_stimulus: bool = False) -> dict[str, str]:
    ctx = context(system, keep_stimulus)
    return {ctx["script"]: render("system_brian2.py.j2", **ctx)}
