"""Brian2 export: a runnable script with the model as one NeuronGroup of one cell.

The equations string holds V, the other states (ion amounts, volume) and the
named quantities as subexpressions, each with its SI unit; the namespace holds
every parameter as a Brian2 quantity in the coherent unit system of the other
exports (mV, mM, amol, um^3, fA/um^2, ...; coherent_units), so Brian2's own unit
checks cover every formula and the numbers stay near 1. GHK currents use
Brian2's exprel (exact at V = 0). A parameter some scenario changes is a constant
group variable instead; the script splits the run at each step's time and sets the
values the step changes.

Brian2 integrates with fixed steps, so the script uses rk4 with steps of at
most tau_m/steps_per_tau(model) and shortens them so that each requested time is
reached exactly. A V-only model (courses of ~10 tau_m) runs on the numpy target
(no compiler, no compile time) at tau_m/STEPS_PER_TAU, a model with gated channels at
tau_m/GATED_STEPS_PER_TAU (an action potential is much faster than tau_m at rest). A model
with ion amounts or a volume is stiff (pumpleak: tau_m = 1.9 ms, the ouabain course 3 h, and the
fastest time constant falls to 0.55 ms as the cell depolarises), so it runs on
the Cython target (~4 us a step against ~50 us for numpy; ~6 s compile once) at
tau_m/STIFF_STEPS_PER_TAU. Measured for pumpleak's 3 h ouabain course against
codegen.reference: tau_m/2 takes 1.1e7 steps, 46 s, largest deviation 5e-5 mV;
0.7 tau_m 32 s, 3e-4 mV; tau_m is unstable (rk4's limit 2.79 x 0.55 ms).
``steps_needed`` lets the cross-check decline runs that are still too long.
"""

from __future__ import annotations

import keyword
import math
import textwrap
from fractions import Fraction
from functools import lru_cache


from vrest.derive.constants import V
from vrest.derive.model import Model
from vrest.derive.quantities import Derivations
from vrest.derive.units import dimensionality

from .. import __version__
from ..escaping import visible
from ..printers import VrestBrian2Printer
from ..printers._common import float_text
from ..templating import render
from . import exporter
from ._mechanism import mechanism
from ._protocol import step_text
from .coherent_units import BASE, coherent_unit, to_coherent
from .ids import valid_id

__all__ = ["export_brian2", "context", "script_name", "max_step", "steps_needed", "steps_per_tau", "stiff",
           "target", "STEPS_PER_TAU", "STIFF_STEPS_PER_TAU", "GATED_STEPS_PER_TAU", "METHOD"]

METHOD = "rk4"
STEPS_PER_TAU = 20  # rk4: measured course error <= 1e-7 mV (tolerance 1e-3 mV); the cost is mostly per-run overhead
STIFF_STEPS_PER_TAU = 2  # rk4 on the Cython target for the hours-long courses (see the module docstring)
# A model with gated channels: an action potential's upstroke is far faster than tau_m at rest (hh: tau_m 0.86 ms,
# the sodium current's 1/(120 mS/cm^2 m^3 h) near 10 us), and at tau_m/20 rk4 missed hh's peak by 0.033 mV and 2 us
GATED_STEPS_PER_TAU = 200

# Names Brian2 gives a meaning in equations (group variables, functions, constants); a model symbol
# with one of them gets a "_" suffix. Brian2's unit names (mV, cm, ...) contain no "_", and every
# model symbol except R, F, T, V, r, Vol does, so no symbol can shadow a unit.
RESERVED = tuple(sorted({
    "t", "dt", "i", "N", "xi", "lastspike", "not_refractory", "t_in_timesteps", "timestep",
    "abs", "arccos", "arcsin", "arctan", "ceil", "clip", "cos", "cosh", "exp", "expm1", "exprel", "floor",
    "int", "log", "log10", "log1p", "poisson", "rand", "randn", "sign", "sin", "sinh", "sqrt", "tan", "tanh",
    "e", "pi", "inf", "True", "False", *keyword.kwlist,
}))

# Coherent unit id -> Brian2 unit expression (names from brian2.units.allunits).
_COHERENT = {
    "second": "second", "kelvin": "kelvin", "mV": "mvolt", "mM": "mmolar", "amol": "amole",
    "um3": "umetre**3", "um2": "umetre**2", "fA_per_um2": "famp/umetre**2",
    "pS_per_um2": "psiemens/umetre**2", "pF_per_um2": "pfarad/umetre**2", "um_per_s": "umetre/second",
    "um_per_s_per_Pa": "umetre/second/pascal", "fC_per_amol": "fcoulomb/amole",
    "J_per_mol_per_K": "joule/mole/kelvin",
}
_COHERENT_BASE = {"metre": "umetre", "gram": "mgram", "second": "second", "ampere": "famp", "mole": "amole",
                  "kelvin": "kelvin"}
# SI unit expressions for the equations' ": unit" parts, by coherent unit id.
_SI = {
    "dimensionless": "1", "second": "second", "kelvin": "kelvin", "mV": "volt", "mM": "mole/metre**3",
    "amol": "mole", "um3": "metre**3", "um2": "metre**2", "fA_per_um2": "amp/metre**2",
    "pS_per_um2": "siemens/metre**2", "pF_per_um2": "farad/metre**2", "um_per_s": "metre/second",
    "um_per_s_per_Pa": "metre/second/pascal", "fC_per_amol": "coulomb/mole", "J_per_mol_per_K": "joule/mole/kelvin",
}
_SI_BASE = {"metre": "metre", "gram": "kilogram", "second": "second", "ampere": "amp", "mole": "mole",
            "kelvin": "kelvin"}


def _product(parts: list[tuple[str, int]]) -> str:
    return "*".join(name if e == 1 else f"{name}**{e}" for name, e in parts) or "1"


def brian2_unit(unit: str) -> str:
    """Brian2 expression of the coherent unit with the dimension of ``unit`` (a pint string); "1" if none."""
    coherent = coherent_unit(unit)
    if coherent.id == "dimensionless":
        return "1"
    return _COHERENT.get(coherent.id) or _product([(_COHERENT_BASE[k], e) for k, e, _ in coherent.parts])


def si_unit(unit: str) -> str:
    """The SI unit of ``unit``'s dimension as Brian2 equations write it (e.g. "amp/metre**2")."""
    coherent = coherent_unit(unit)
    if coherent.id in _SI:
        return _SI[coherent.id]
    dims = dimensionality(unit)
    return _product([(_SI_BASE[kind], int(dims[dim])) for dim, kind, _ in BASE if dims.get(dim, 0)])


def _comment(text: str) -> list[str]:
    """``text`` as lines for '#' comments: one paragraph, so no line can leave the comment."""
    return textwrap.wrap(visible(" ".join(str(text).split())), 95)  # none for no text: no empty heading


def stiff(model: Model) -> bool:
    """Whether the model has slow states (ion amounts, volume) besides V: hours of model time at tau_m steps."""
    return bool(model.dynamic_ions) or model.volume_mode == "dynamic"


def target(model: Model) -> str:
    """Brian2's code generation target: Cython for stiff models (speed per step), numpy for the others."""
    return "cython" if stiff(model) else "numpy"


def steps_per_tau(model: Model) -> int:
    from vrest.derive.derivations.resting import is_gated

    if stiff(model):
        return STIFF_STEPS_PER_TAU
    return GATED_STEPS_PER_TAU if is_gated(model) else STEPS_PER_TAU


def max_step(model: Model) -> float:
    """The longest rk4 step (s) the script takes: tau_m / steps_per_tau(model), or 1/|lambda| of the fastest mode
    at rest where a gate is faster (rk4 is stable for |lambda dt| < 2.78: a 1 ms gate in a cell with tau_m = 10 ms
    and steps of tau_m/2 ran to NaN)."""
    return min(Derivations(model).get("tau_m").value / steps_per_tau(model), _fastest_time_constant(model))


@lru_cache(maxsize=16)  # the resting states of the model: the script's context and the cross-check ask often
def _fastest_time_constant(model: Model) -> float:
    """1/|lambda| of the fastest eigenvalue at the resting states of a gated model (inf: no gate, or no rest)."""
    from vrest.derive.derivation import NoSteadyState
    from vrest.derive.derivations.resting import is_gated, resting_report

    if not is_gated(model):
        return math.inf
    try:
        states = resting_report(Derivations(model)).resting_states
    except NoSteadyState:
        return math.inf
    fastest = max((abs(value) for state in states for value in state.eigenvalues), default=0.0)
    return 1 / fastest if fastest > 0 else math.inf


def steps_needed(model: Model, seconds: float) -> int:
    """rk4 steps the script takes to cover ``seconds`` of model time."""
    return math.ceil(seconds / max_step(model))


def script_name(model: Model) -> str:
    return f"{valid_id(model.name)}_brian2.py"


def _value(value_si, unit: str) -> str:
    """A Python expression of the Brian2 quantity: the coherent value times its unit."""
    number = float_text(to_coherent(Fraction(value_si), unit))
    unit_text = brian2_unit(unit)
    return number if unit_text == "1" else f"{number} * {unit_text}"


def context(model: Model) -> dict:
    mech = mechanism(model, RESERVED)
    ids = mech.ids
    printer = VrestBrian2Printer({"symbol_names": ids})
    v_unit = "mV"
    states = [{"id": ids[V], "start": float_text(mech.v_start * 1e3), "unit": brian2_unit(v_unit),
               "coherent": v_unit, "si_unit": si_unit(v_unit), "rate": printer.doprint(model.named_rate(V)),
               "description": "membrane potential"}]
    states += [{"id": ids[s], "start": float_text(to_coherent(Fraction(value), unit)), "unit": brian2_unit(unit),
                "coherent": coherent_unit(unit).id, "si_unit": si_unit(unit), "rate": printer.doprint(rate),
                "description": " ".join(text.split())}
               for s, value, unit, text, rate in mech.states]
    exact = model.values
    changed = set(mech.protocols.changed)
    parameters = [{"id": ids[s], "value": _value(exact.get(s, value), unit), "description": " ".join(text.split())}
                  for s, value, unit, text in mech.constants if s not in changed]
    variables = [{"id": ids[s], "value": float_text(to_coherent(Fraction(exact[s]), unit)), "unit": brian2_unit(unit),
                  "si_unit": si_unit(unit), "description": " ".join(text.split())}
                 for s, value, unit, text in mech.constants if s in changed]
    quantities = [{"id": ids[s], "expr": printer.doprint(e), "si_unit": si_unit(unit)}
                  for s, e, unit in mech.quantities]
    expressions = [s["unit"] for s in states] + [p["value"] for p in parameters] + [v["unit"] for v in variables]
    units = {"second"} | {name for text in expressions for name in _names(text)}  # what the script imports
    tau_m = Derivations(model).get("tau_m").value
    return {
        "name": model.name,
        "name_literal": repr(model.name),
        "version": __version__,
        "script": script_name(model),
        "description": _comment(model.description),
        "source": _comment(model.source),
        "start": _comment(mech.start_text),
        "parameters": parameters,
        "states": states,
        "quantities": quantities,
        "variables": variables,
        "stoichiometry": " ".join(", ".join(f"{name} {n:+d}" for name, n in model.pump.stoichiometry).split())
        if model.pump else "",
        "scenarios": _scenarios(model, mech.protocols, ids),
        "units": sorted(units),
        "method": METHOD,
        "steps_per_tau": steps_per_tau(model),
        "target": target(model),
        "tau_m_ms": float_text(tau_m * 1e3),
        "max_dt": float_text(max_step(model)),
        "gate_limited": _fastest_time_constant(model) < tau_m / steps_per_tau(model),
        "times": [float_text(k * tau_m) for k in range(11)],
        "state_ids": {s: ids[s] for s, *_ in mech.states},
    }


def _scenarios(model: Model, protocols, ids) -> list[dict]:
    """Each scenario's steps as the script applies them: {group variable: value from then on, coherent units}."""
    out = []
    for scenario in protocols.scenarios:
        steps = [{"at": float_text(step.at), "description": " ".join(step_text(model, step).split()),
                  "changes": {ids[c.parameter]: float_text(to_coherent(Fraction(c.resolved),
                                                                      model.parameter(c.parameter.name).unit))
                             for c in step.changes}} for step in scenario.steps]
        out.append({"id": scenario.id, "name": scenario.name, "steps": steps})
    return out


def _names(expression: str) -> set[str]:
    """The Brian2 unit names in a value or unit expression (for the script's import line)."""
    words = expression.replace("*", " ").replace("/", " ").split()
    return {w for w in words if w.isidentifier()}


@exporter("brian2", "Brian2 script: one NeuronGroup, equations with units, a namespace, the scenarios")
def export_brian2(model: Model) -> dict[str, str]:
    return {script_name(model): render("brian2_model.py.j2", **context(model))}
