"""NEURON NMODL export: a density mechanism plus a Python run script.

The mechanism computes every leak current from the model's own concentrations
(parameters, or amounts over volume when they change) and hands NEURON the sum
as a NONSPECIFIC_CURRENT: with ``USEION k READ ek`` NEURON would supply its own
default ek unless ion_style were set, so no USEION is used and no NEURON ion
default can enter. Inside, quantities are in the coherent unit system of the
XML exports (mV, mM, amol, um^3, fA/um^2; coherent_units), so every formula of
the IR holds unchanged; only two checked conversion factors appear: fA/um^2 ->
mA/cm^2 for i, and per second -> per ms (NEURON's time) in each DERIVATIVE
line. ``modlunit`` checks both. T is celsius + 273.15, so the run script sets
``h.celsius`` from the model (NEURON's default is 6.3 degC). Scenarios live in the run
script: at each step's time it stops CVODE, sets the parameters the step changes (every
parameter is a RANGE variable; a temperature step sets h.celsius) and restarts.
"""

from __future__ import annotations

from fractions import Fraction


from vrest.derive.constants import C_m, T, V, ZERO_CELSIUS
from vrest.derive.model import Model

from .. import __version__
from ..escaping import visible
from ..printers import NMODL_FUNCTIONS, VrestNmodlPrinter
from ..printers._common import float_text
from ..templating import render
from . import exporter
from ._mechanism import mechanism
from ._protocol import step_text
from .coherent_units import coherent_unit, to_coherent
from .ids import valid_id

__all__ = ["export_nmodl", "nmodl_unit", "nocmodl_default", "suffix"]

# Names NEURON or NMODL give a meaning to; a model symbol with one of them gets a "_" suffix.
RESERVED = ("v", "i", "t", "dt", "celsius", "area", "diam", "cm", "L", "nseg", "FARADAY", "PI",
            "if", "else", "while", "FUNCTION", "PROCEDURE", "LOCAL", "TABLE", "exprel", "exprel_prime",
            "rates", "states")

# Coherent unit id -> modlunit unit text (the UNITS block declares the prefixed names).
_UNITS = {
    "dimensionless": "1", "second": "s", "kelvin": "kelvin", "mV": "mV", "mM": "mM", "amol": "amol",
    "um3": "um3", "um2": "um2", "fA_per_um2": "fA/um2", "pS_per_um2": "pS/um2", "pF_per_um2": "pF/um2",
    "um_per_s": "um/s", "um_per_s_per_Pa": "um/s-pascal", "fC_per_amol": "fC/amol",
    "J_per_mol_per_K": "joule/mole-kelvin",
}
_BASE_NAMES = {"metre": "um", "gram": "mg", "second": "s", "ampere": "fA", "mole": "amol", "kelvin": "kelvin"}

# SI value of NEURON's current density unit mA/cm^2, and of its time unit ms.
_MA_PER_CM2 = Fraction(10)
_MS = Fraction(1, 1000)


def nmodl_unit(unit: str) -> str:
    """modlunit text of the coherent unit with the dimension of ``unit`` (a pint string)."""
    coherent = coherent_unit(unit)
    if coherent.id in _UNITS:
        return _UNITS[coherent.id]
    up = [f"{_BASE_NAMES[k]}{e if e != 1 else ''}" for k, e, _ in coherent.parts if e > 0]
    down = [f"{_BASE_NAMES[k]}{-e if e != -1 else ''}" for k, e, _ in coherent.parts if e < 0]
    return "-".join(up or ["1"]) + ("/" + "-".join(down) if down else "")


def nocmodl_default(text: str) -> str | None:
    """What nocmodl keeps of a PARAMETER default written as ``text`` (it prints defaults with %g: 6 significant
    digits) where that is not the value itself, else None: the template's INITIAL restores the exact value."""
    kept = f"{float(text):g}"
    return kept if float(kept) != float(text) else None


def _model_id(model: Model) -> str:
    return valid_id(model.name)


def suffix(model: Model) -> str:
    """The mechanism's SUFFIX (insert name)."""
    return f"vrest_{_model_id(model)}"


def _comment(text: str) -> list[str]:
    """``text`` as NMODL ':' comment lines (no line can end the comment or start code)."""
    words = visible(" ".join(str(text).split())).split(" ")
    lines, line = [], ""
    for word in words:
        if line and len(line) + len(word) > 95:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + ([line] if line else [])


def context(model: Model) -> dict:
    mech = mechanism(model, RESERVED)
    ids = dict(mech.ids)
    ids[V] = "v"
    printer = VrestNmodlPrinter({"symbol_names": ids})
    parameters = [
        {"id": ids[s], "value": float_text(to_coherent(Fraction(repr(value)), unit)), "unit": nmodl_unit(unit),
         "description": " ".join(text.split())}  # the decimal the file wrote, converted exactly: F = 96.48533212
        for s, value, unit, text in mech.constants if s != T
    ]
    for p in parameters:
        p["kept"] = nocmodl_default(p["value"])
    states = [
        {"id": ids[s], "start": float_text(to_coherent(Fraction(value), unit)), "unit": nmodl_unit(unit),
         "rate": printer.doprint(rate), "description": text}
        for s, value, unit, text, rate in mech.states
    ]
    quantities = [{"id": ids[s], "expr": printer.doprint(e), "unit": nmodl_unit(unit)} for s, e, unit in mech.quantities]
    current_factor = coherent_unit("uA/cm^2").factor / _MA_PER_CM2
    return {
        "name": model.name,
        "suffix": suffix(model),
        "version": __version__,
        "description": _comment(model.description),
        "source": _comment(model.source),
        "start": _comment(mech.start_text),
        "celsius": float_text(float(model.values[T] - ZERO_CELSIUS)),
        "zero_celsius": float_text(ZERO_CELSIUS),
        "temperature_id": ids[T],
        "cm": float_text(Fraction(model.values[C_m]) * 100),  # F/m^2 -> uF/cm^2
        "v_start": float_text(mech.v_start * 1e3),
        "parameters": parameters,
        "states": states,
        "quantities": quantities,
        "i_total": ids[model.net_current],
        "current_factor": float_text(current_factor),
        "time_factor": float_text(_MS),
        "scenarios": _scenarios(model, mech.protocols, ids),
        "functions": NMODL_FUNCTIONS.rstrip("\n"),
        "ghk": any(ion.leak == "ghk" for ion in model.ions),
        "concentrations": any(ion.has_concentrations for ion in model.ions),
        "state_ids": {s: ids[s] for s, *_ in mech.states},
    }


def _scenarios(model: Model, protocols, ids) -> list[dict]:
    """Each scenario's steps as the run script applies them: {mechanism name or "celsius": value in its units}."""
    out = []
    for scenario in protocols.scenarios:
        steps = []
        for step in scenario.steps:
            values = {}
            for change in step.changes:
                if change.parameter == T:
                    values["celsius"] = float_text(float(change.resolved - ZERO_CELSIUS))
                else:
                    unit = model.parameter(change.parameter.name).unit
                    values[ids[change.parameter]] = float_text(to_coherent(Fraction(change.resolved), unit))
            steps.append({"at": float_text(step.at), "changes": values, "description": step_text(model, step)})
        out.append({"id": scenario.id, "name": scenario.name, "steps": steps})
    return out


@exporter("nmodl", "NEURON NMODL density mechanism (.mod) and a Python run script")
def export_nmodl(model: Model) -> dict[str, str]:
    ctx = context(model)
    return {
        f"{ctx['suffix']}.mod": render("nmodl.mod.j2", **ctx),
        f"{_model_id(model)}_neuron.py": render("nmodl_run.py.j2", **ctx),
    }
