"""The names a claim may use with a model, for `vrest verify --names`.

Parameters (with their values and units), the membrane potential V, the named
quantities (E_X, I_X, ...), the derived ids that apply to the model, the
functions, and how to write numbers with units.
"""

from __future__ import annotations

from ..constants import V
from ..derivation import NotApplicable
from .parse import FUNCTIONS
from .setting import Setting

__all__ = ["name_listing"]


def _value(setting: Setting, symbol) -> str:
    value = setting.values.get(symbol)
    if value is None:
        return ""
    unit = setting.units.get(symbol.name)
    shown = setting.problem.show(value, unit)
    return f" = {shown.value:g}" + (f" {unit}" if unit else "")


def name_listing(setting: Setting) -> list[str]:
    """Lines that list every name of the model a claim may use, grouped, with what each is."""
    model = setting.model
    lines = [f"Names in claims about model {model.name!r}:", "",
             "parameters (at the model's values):"]
    for p in model.parameters:
        lines.append(f"  {p.name:<14} {p.description}{_value(setting, p.symbol)}")
    lines += ["", "the membrane potential:",
              f"  {V.name:<14} membrane potential (a name, not the unit volt); at rest it is {setting.balance_id}"]
    quantities = [(s.name, e) for s, e in model.quantities if s != e]
    if quantities:
        lines += ["", "named quantities (each stands for the model's own expression):"]
        lines += [f"  {name:<14} {expr}" for name, expr in quantities]
    lines += ["", "derived quantities (an equation 'ID = ...' checks a formula or a value for it):"]
    for quantity_id in setting.derivations.ids():
        try:
            d = setting.derivations.get(quantity_id)
        except NotApplicable as reason:
            lines.append(f"  {quantity_id:<14} (does not apply: {reason})")
            continue
        lines.append(f"  {quantity_id:<14} {d.description} [{d.unit}]")
    states = [s for s in model.states if s.symbol != V]
    if states:
        lines += ["", "states:"] + [f"  {s.symbol.name:<14} {s.description} [{s.unit}]" for s in states]
    lines += ["", "concentrations may also be written [K]_o, [K+]_i, K_out, K_in, Ko, Ki",
              "functions: " + ", ".join(FUNCTIONS) + " (log and ln are natural logarithms; log10 is base 10)",
              "constants: pi, e; numbers may carry units: 61.5 mV, 96485 C/mol, 8.314 J/(mol K), 37 degC, 1 uF/cm^2"]
    return lines
