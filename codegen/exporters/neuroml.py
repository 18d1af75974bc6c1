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

Scenarios are events (exporters._protocol): a parameter some step changes is a
state variable (no time derivative) that starts at ``<p>_given``; the parameter
``scenario`` selects one scenario, and step j of scenario k is an OnCondition
``scenario .eq. k .and. protocol_step .eq. j-1 .and. t .geq. <s>_j_at`` that sets the
step's values (or ``<p>_given`` times its factors) and counts ``protocol_step`` on, so
each step fires once, in order. jnml tests conditions after each Euler step, so a
switch acts one step (dt) after its time there; started from the pumped steady state
with the first step at t = 0, the run is then the exact course delayed by dt.
"""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from vrest.derive.constants import V
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
from ._mechanism import mechanism
from ._protocol import step_text
from .ids import valid_id
from .neuroml_channels import ion_channels

__all__ = ["export_neuroml", "context", "lems_dimension", "file_names", "lems_quantity", "STEPS_PER_TAU", "COURSE_TAUS"]

# Names LEMS or the NeuroML core types give a meaning to (t is time; v the exposed potential).
RESERVED = ("t", "v", "id", "type", "name", "exp", "log", "sqrt", "abs", "sin", "cos", "tan", "sinh", "cosh",
            "tanh", "ceil", "H", "random", "spike")
# v_dev = v - v_ref is recorded beside v: jnml writes single-precision floats (7 digits: 4e-6 mV of
# -77 mV), and a small difference keeps nano-volt resolution. v_ref has no effect on the dynamics.
RECORDING = ("v_ref", "v_dev")
STEP_COUNTER = "protocol_step"  # state: the number of the selected scenario's steps done
UNITARY_CONDUCTANCE = "10pS"  # nominal single-channel conductance of the ionChannel elements (LEMS requires one)
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

    new_names(*RECORDING, STEP_COUNTER)
    printer = VrestLemsPrinter({"symbol_names": ids})
    dimensions: dict[str, tuple[str | None, tuple[int, ...]]] = {}

    def dimension(unit: str) -> str:
        name, si, exponents = lems_dimension(unit)
        dimensions[name] = (si, exponents)
        return name

    protocols = mech.protocols
    changed = [{"id": ids[s], "given": ids[protocols.given[s]], "dimension": dimension(unit)}
               for s, value, unit, text in mech.constants if s in protocols.given]
    parameters = [{"id": ids[protocols.given.get(s, s)], "dimension": dimension(unit),
                   "value": lems_quantity(value, unit), "description": _text(text)}
                  for s, value, unit, text in mech.constants]
    scenario_parameters, events = _protocol_parts(model, protocols, ids, dimension)
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
               "rate": printer.doprint(model.named_rate(V).xreplace(inline)),
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
    channels, channel_types, left_out = ion_channels(model, _ChannelPrinter(model, printer, ids, dimension), ident)
    new_names(*(c["id"] for c in channels), *(t["name"] for t in channel_types))
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
        "changed": changed, "scenario_parameters": scenario_parameters, "events": events,
        "selection": _text(protocols.selection_text()), "step_counter": STEP_COUNTER,
        "custom_dimensions": custom,
        "ion_channels": channels, "channel_types": channel_types, "unitary_conductance": UNITARY_CONDUCTANCE,
        "unitary_note": f"The model gives conductance densities only: conductance=\"{UNITARY_CONDUCTANCE}\" (a single "
                        "channel's, which LEMS requires) is nominal and matters only for a channelPopulation, not for a "
                        "channelDensity.",
        "channels_left_out": [_text(note) for note in left_out],
        "stoichiometry": stoichiometry,
        "v_ref": lems_quantity(mech.v_start, "V"), "v_ref_value": mech.v_start,
        "step": float_text(step), "length": float_text(COURSE_TAUS * tau_m + 2 * step),
        "unreached": _unreached(protocols, COURSE_TAUS * tau_m + 2 * step, step),
        "tau_m": float_text(tau_m), "steps_per_tau": STEPS_PER_TAU, "course_taus": COURSE_TAUS,
    }


def _unreached(protocols, length: float, step: float) -> str:
    """A sentence on the selected scenario's steps after the run's end (none: ""): the run is some tau_m long, a
    step minutes later would take Euler hundreds of millions of steps at this step."""
    if not protocols.scenarios:
        return ""
    scenario = protocols.scenarios[protocols.default - 1]
    late = [s for s in scenario.steps if float(s.at) > length]
    if not late:
        return ""
    target = max(float(s.at) for s in late) + length  # as long after the last step as the run is now
    steps = f"step {late[0].number}" if len(late) == 1 else f"steps {late[0].number}-{late[-1].number}"
    return (f"This run ends at {length:g} s, before {steps} of {scenario.name} (from {float(late[0].at):g} s): to "
            f"see the whole scenario set length to {target:g} s ({target / step:.3g} Euler steps at this step).")


class _ChannelPrinter:
    """What exporters.neuroml_channels needs to write a channel's own rate ComponentType in LEMS."""

    def __init__(self, model: Model, printer: VrestLemsPrinter, ids: dict, dimension) -> None:
        self.model, self.printer, self.ids, self.dimension = model, printer, ids, dimension

    def cases(self, expr: sp.Expr) -> list[tuple[str | None, str]]:
        """[(None, text)], or the two guarded cases (condition, text) when exprel occurs."""
        if expr.has(exprel, exprel_prime):
            return [(self.printer.doprint(c), self.printer.doprint(value)) for value, c in _guarded(expr)]
        return [(None, self.printer.doprint(expr))]

    def constant(self, symbol: sp.Symbol) -> dict:
        """A parameter as a LEMS Constant of the ComponentType (SI value with its unit)."""
        parameter = self.model.parameter(symbol.name)
        return {"name": self.ids[symbol], "dimension": self.dimension(parameter.unit),
                "value": lems_quantity(parameter.value, parameter.unit)}


def _protocol_parts(model: Model, protocols, ids, dimension) -> tuple[list[dict], list[dict]]:
    """(the selector, step times, values and factors as Parameters with SI values; one OnCondition per step)."""
    parameters = [{"id": ids[protocols.selector], "dimension": "none", "value": str(protocols.default),
                   "description": "scenario to run: 0 none, k the k-th scenario of the model"}]
    events = []
    for scenario in protocols.scenarios:
        for step in scenario.steps:
            parameters.append({"id": ids[step.at_symbol], "dimension": "time", "value": lems_quantity(step.at, "s"),
                               "description": f"time of step {step.number} of scenario {scenario.name}"})
            assignments = []
            for change in step.changes:
                unit = "1" if change.operation == "scale" else model.parameter(change.parameter.name).unit
                parameters.append({"id": ids[change.holder], "dimension": dimension(unit),
                                   "value": lems_quantity(change.value, unit),
                                   "description": f"{'factor on' if change.operation == 'scale' else 'value of'} "
                                                  f"{change.parameter.name} from step {step.number} of scenario "
                                                  f"{scenario.name}"})
                value = ids[change.holder]
                if change.operation == "scale":
                    value = f"{ids[protocols.given[change.parameter]]} * {value}"
                assignments.append((ids[change.parameter], value))
            # parenthesised: jLEMS gives .and. the precedence of the comparisons
            test = (f"({ids[protocols.selector]} .eq. {scenario.index}) .and. ({STEP_COUNTER} .eq. {step.number - 1}) "
                    f".and. (t .geq. {ids[step.at_symbol]})")
            events.append({"test": test, "assignments": assignments, "number": step.number,
                           "at_id": ids[step.at_symbol], "at": float(step.at), "scenario": scenario.index,
                           "description": _text(f"scenario {scenario.name}, step {step.number}: "
                                                f"{step_text(model, step)}")})
    return parameters, events


@exporter("neuroml", "NeuroML2 cell as a LEMS ComponentType (.nml) and a LEMS simulation (jnml, PyLEMS)")
def export_neuroml(model: Model) -> dict[str, str]:
    ctx = context(model)
    return {ctx["nml_file"]: render("neuroml.nml.j2", **ctx), ctx["lems_file"]: render("neuroml_LEMS.xml.j2", **ctx)}
