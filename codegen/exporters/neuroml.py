"""NeuroML2 + LEMS export: the whole mechanism as one LEMS ComponentType, and a LEMS simulation.

``<model>.nml`` is a NeuroML2 document (schema-valid, ``jnml -validate`` clean)
holding a ComponentType that extends ``baseCellMembPot``: a point cell whose
state is v and, when the model has them, the ion amounts and the volume. Every
constant is a Parameter with its LEMS dimension, every named quantity
(E_X, I_X, I_pump, I_leak, I_total) a DerivedVariable, exposed for recording;
GHK's exprel is a ConditionalDerivedVariable exact at v = 0 (VrestLemsPrinter).
``LEMS_<model>.xml`` includes the NeuroML2 core types and the .nml file, sets
every parameter value in SI units (LEMS computes in SI, so no value is scaled:
a factor-1000 error cannot hide in a conversion), and runs the ouabain time
course with fixed-step Euler, dt = tau_m/4000, over 10 tau_m.

Scenarios are events: a dimensionless state ``<scenario>_factor`` starts at 1
and an OnCondition ``t .geq. <scenario>_at`` sets it to ``<scenario>_pump_scale``;
the pump rate is multiplied by their product, ``pump_scale``. jnml and PyLEMS test
conditions after each Euler step, so the switch acts one step (dt) after ``at``;
started from the pumped steady state, the run is then the exact course delayed by dt.
"""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from vrest.derive import laws
from vrest.derive.constants import C_m, V
from vrest.derive.functions import exprel, exprel_prime
from vrest.derive.model import Model
from vrest.derive.quantities import Derivations
from vrest.derive.units import dimensionality

from .. import __version__
from ..escaping import xml_comment
from ..printers import VrestLemsPrinter
from ..printers._common import exprel_guarded, exprel_prime_guarded, float_text
from ..templating import render
from . import exporter
from ._mechanism import I_TOTAL, PUMP_SCALE, mechanism
from .ids import valid_id

__all__ = ["export_neuroml", "context", "lems_dimension", "file_names", "lems_quantity", "STEPS_PER_TAU", "COURSE_TAUS"]

# Names LEMS or the NeuroML core types give a meaning to (t is time; v the exposed potential).
RESERVED = ("t", "v", "id", "type", "name", "exp", "log", "sqrt", "abs", "sin", "cos", "tan", "sinh", "cosh",
            "tanh", "ceil", "H", "random", "spike")
# v_dev = v - v_ref is recorded beside v: jnml writes single-precision floats (7 digits: 4e-6 mV of
# -77 mV), and a small difference keeps nano-volt resolution. v_ref has no effect on the dynamics.
RECORDING = ("v_ref", "v_dev")
STEPS_PER_TAU = 4000  # Euler steps per membrane time constant in the simulation file
COURSE_TAUS = 10  # the simulation file runs the scenario over this many tau_m

# NeuroMLCoreDimensions.xml: exponents (m, l, t, i, k, n) -> (dimension, its SI unit symbol).
_LEMS_BASE = ("[mass]", "[length]", "[time]", "[current]", "[temperature]", "[substance]")
_LEMS_LETTERS = ("m", "l", "t", "i", "k", "n")
_CORE: dict[tuple[int, ...], tuple[str, str | None]] = {
    (0, 0, 0, 0, 0, 0): ("none", None),
    (0, 0, 1, 0, 0, 0): ("time", "s"),
    (0, 0, -1, 0, 0, 0): ("per_time", "per_s"),
    (1, 2, -3, -1, 0, 0): ("voltage", "V"),
    (-1, -2, 3, 1, 0, 0): ("per_voltage", "per_V"),
    (-1, -2, 3, 2, 0, 0): ("conductance", "S"),
    (-1, -4, 3, 2, 0, 0): ("conductanceDensity", "S_per_m2"),
    (-1, -2, 4, 2, 0, 0): ("capacitance", "F"),
    (-1, -4, 4, 2, 0, 0): ("specificCapacitance", "F_per_m2"),
    (0, 0, 1, 1, 0, 0): ("charge", "C"),
    (0, 0, 1, 1, 0, -1): ("charge_per_mole", "C_per_mol"),
    (0, 0, 0, 1, 0, 0): ("current", "A"),
    (0, -2, 0, 1, 0, 0): ("currentDensity", "A_per_m2"),
    (0, 1, 0, 0, 0, 0): ("length", "m"),
    (0, 2, 0, 0, 0, 0): ("area", "m2"),
    (0, 3, 0, 0, 0, 0): ("volume", "m3"),
    (0, -3, 0, 0, 0, 1): ("concentration", "mol_per_m3"),
    (0, 0, 0, 0, 0, 1): ("substance", "mol"),
    (0, 1, -1, 0, 0, 0): ("permeability", "m_per_s"),
    (0, 0, 0, 0, 1, 0): ("temperature", "K"),
    (1, 2, -2, 0, -1, -1): ("idealGasConstantDims", "J_per_K_per_mol"),
}


def lems_dimension(unit: str) -> tuple[str, str | None, tuple[int, ...]]:
    """(LEMS dimension name, SI unit symbol or None if dimensionless, exponents m l t i k n) of a pint unit."""
    dims = dimensionality(unit)
    exponents = tuple(int(dims.get(d, 0)) for d in _LEMS_BASE)
    if any(Fraction(dims.get(d, 0)) != e for d, e in zip(_LEMS_BASE, exponents)) or set(dims) - set(_LEMS_BASE):
        raise ValueError(f"unit {unit!r} has no LEMS dimension")
    if exponents in _CORE:
        name, si = _CORE[exponents]
        return name, si, exponents
    name = "vrest_" + "_".join(f"{c}{e}".replace("-", "m") for c, e in zip(_LEMS_LETTERS, exponents) if e)
    return name, f"{name}_SI", exponents


def file_names(model: Model) -> tuple[str, str, str]:
    """(NeuroML file, LEMS simulation file, its output file of t and v)."""
    ident = valid_id(model.name)
    return f"{ident}.nml", f"LEMS_{ident}.xml", f"{ident}_v.dat"


def lems_quantity(value_si: float, unit: str) -> str:
    """An SI value as a LEMS quantity text, e.g. '0.01F_per_m2' (no unit when dimensionless)."""
    _, si, _ = lems_dimension(unit)
    return float_text(value_si) + (si or "")


def _text(text: str) -> str:
    """One line of free text, safe inside an XML comment ("--" is not allowed there)."""
    return xml_comment(" ".join(str(text).split()))


def _guarded(expr: sp.Expr) -> list[tuple[sp.Expr, sp.Expr]]:
    """``expr`` with exprel written as its guarded pair and lifted to the top: [(a, c), (b, not c)].

    PyLEMS needs a condition on every Case, so the second case gets the negated condition.
    """
    folded = sp.piecewise_fold(expr.replace(exprel, exprel_guarded).replace(exprel_prime, exprel_prime_guarded))
    if not isinstance(folded, sp.Piecewise) or len(folded.args) != 2 or folded.args[1].cond != sp.true \
            or any(value.has(sp.Piecewise) for value, _ in folded.args):
        raise ValueError(f"{expr} is not one guarded pair of cases; LEMS cannot write it without nesting")
    (first, condition), (second, _) = folded.args
    return [(first, condition), (second, condition.negated)]


def context(model: Model) -> dict:
    """Everything the two templates print: ids, dimensions, LEMS expressions, SI values."""
    mech = mechanism(model, RESERVED)
    ids = dict(mech.ids)
    ids[V] = "v"
    ident = valid_id(model.name)
    taken = set(ids.values())

    def new_names(*names: str) -> None:
        """Names the export adds must not be ids of the model."""
        clash = taken & set(names)
        if clash:
            raise ValueError(f"{sorted(clash)} already name a quantity of the model")
        taken.update(names)

    new_names(*RECORDING)
    scenarios = []
    for sid, at, scale, text in mech.scenarios:
        names = {"at": f"{sid}_at", "scale": f"{sid}_pump_scale", "factor": f"{sid}_factor"}
        new_names(*names.values())
        scenarios.append({**names, "at_value": lems_quantity(at, "s"), "scale_value": lems_quantity(scale, "1"),
                          "description": _text(text), "name": sid})

    printer = VrestLemsPrinter({"symbol_names": ids})
    dimensions: dict[str, tuple[str | None, tuple[int, ...]]] = {}

    def dimension(unit: str) -> str:
        name, si, exponents = lems_dimension(unit)
        dimensions[name] = (si, exponents)
        return name

    parameters = [{"id": ids[s], "dimension": dimension(unit), "value": lems_quantity(value, unit),
                   "description": _text(text)} for s, value, unit, text in mech.constants]
    # A quantity with exprel is a ConditionalDerivedVariable (its two cases lifted to the top); one that
    # uses such a quantity (I_leak, I_total with GHK) is written out where it is used, in the rates.
    derived, conditional, inline = [], set(), {}
    for s, e, unit in mech.quantities:
        e = sp.sympify(e).xreplace(inline)
        if e.has(sp.Piecewise, exprel, exprel_prime):
            cases = [(printer.doprint(c), printer.doprint(value)) for value, c in _guarded(e)]
            derived.append({"id": ids[s], "dimension": dimension(unit), "cases": cases})
            conditional.add(s)
        elif e.free_symbols & conditional:
            inline[s] = e
        else:
            derived.append({"id": ids[s], "dimension": dimension(unit), "value": printer.doprint(e)})
    states = [{"id": "v", "symbol": V, "unit": "V", "dimension": dimension("V"), "start": "v_start",
               "start_value": lems_quantity(mech.v_start, "V"),
               "rate": printer.doprint(laws.membrane_dVdt(I_TOTAL, C_m).xreplace(inline)),
               "description": "membrane potential"}]
    new_names("v_start")
    for s, value, unit, text, rate in mech.states:
        start = f"{ids[s]}_start"
        new_names(start)
        states.append({"id": ids[s], "symbol": s, "unit": unit, "dimension": dimension(unit), "start": start,
                       "start_value": lems_quantity(value, unit), "rate": printer.doprint(rate.xreplace(inline)),
                       "description": _text(text)})
    if printer.conditionals:
        raise ValueError(f"{model.name}: a conditional inside an expression; LEMS needs it lifted")
    custom = [{"name": name, "unit": si, **dict(zip(_LEMS_LETTERS, exponents))}
              for name, (si, exponents) in sorted(dimensions.items())
              if exponents not in _CORE]
    tau_m = Derivations(model).get("tau_m").value
    step = tau_m / STEPS_PER_TAU
    nml, lems, output = file_names(model)
    stoichiometry = ", ".join(f"{abs(n)} {name} {'out' if n > 0 else 'in'}"
                              for name, n in model.pump.stoichiometry) if model.pump else ""
    return {
        "name": model.name, "id": ident, "version": __version__,
        "description": _text(model.description), "source": _text(model.source),
        "start": _text(mech.start_text),
        "component_type": f"vrest_{ident}", "component": f"{ident}_cell", "network": f"{ident}_network",
        "nml_file": nml, "lems_file": lems, "output_file": output,
        "parameters": parameters, "states": states, "derived": derived,
        "inlined": [ids[s] for s in inline],
        "scenarios": scenarios, "custom_dimensions": custom,
        "pump_rate": ids[mech.pump_rate] if mech.pump_rate is not None else None,
        "pump_scale": ids[PUMP_SCALE],
        "stoichiometry": stoichiometry,
        "v_ref": lems_quantity(mech.v_start, "V"), "v_ref_value": mech.v_start,
        "step": float_text(step), "length": float_text(COURSE_TAUS * tau_m + 2 * step),
        "tau_m": float_text(tau_m), "steps_per_tau": STEPS_PER_TAU, "course_taus": COURSE_TAUS,
    }


@exporter("neuroml", "NeuroML2 cell as a LEMS ComponentType (.nml) and a LEMS simulation (jnml, PyLEMS)")
def export_neuroml(model: Model) -> dict[str, str]:
    ctx = context(model)
    return {ctx["nml_file"]: render("neuroml.nml.j2", **ctx), ctx["lems_file"]: render("neuroml_LEMS.xml.j2", **ctx)}
