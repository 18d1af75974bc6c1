"""The generated numeric module of an ODE system read from another tool's file (CellML, SBML).

The same functions as a vrest model's NumPy and C modules (rhs, analytic Jacobian, named quantities),
from derive.rest's prepared system: every quantity of the file stays a named intermediate (a model of
41 states is never expanded into one huge tree), the Jacobian comes by the chain rule through them
(each derivative of a quantity one more intermediate), removable singularities are written with
exprel (exact at their 0/0 points). No ``sympy.cse`` on top: the file's own names already share the
subexpressions, and what is left (the same exp() in a rate and its derivative) the C compiler shares
(exp and log are pure under -fno-math-errno); on the 41-state O'Hara-Rudy model, sympy.cse took 9 s of
a cold call for 10-15% faster evaluation. Besides,
``factors`` gives the rate factor b(x) of each rapidly buffered state (derive.rest.prepared_problem).

The stimulus is a parameter of the module, 0 by default (off): a stimulus that is a quantity of the
file (a pulse train in time) is multiplied by a switch parameter named ``<stimulus>_on`` (1: on); a
stimulus that is a parameter keeps its name, with 0 as its default value (STIMULUS gives the name and
the value that switches it on).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import sympy as sp

from vrest.derive.model import Parameter
from vrest.derive.rest.evaluator import Prepared, prepare
from vrest.derive.rest.prepared_problem import rate_factors
from vrest.derive.system import OdeSystem, Quantity

from ..escaping import c_comment, python_docstring, visible
from ..printers import C_PRELUDE, NUMPY_PRELUDE, VrestCPrinter, VrestNumPyPrinter
from ..simulation.state_sizes import typical_sizes
from ..templating import render
from .systems.si_units import si_text

__all__ = ["SystemCode", "system_code", "stimulus_switch", "system_file_stem"]


@dataclass(frozen=True)
class SystemCode:
    """The two generated files of a system with what a caller needs to know about them."""

    name: str
    numpy: str  # the NumPy module's text
    c: str  # the C file's text
    parameters: tuple[str, ...]  # the module's parameters: the system's, then the stimulus switch if any
    stimulus: tuple[str, float] | None  # (parameter that switches the stimulus, its value when on)
    factored: tuple[int, ...]  # states with a rate factor, in the order ``factors`` returns them


def system_file_stem(system: OdeSystem) -> str:
    return f"{system.name}_numeric"


def stimulus_switch(system: OdeSystem) -> tuple[OdeSystem, tuple[str, float] | None]:
    """(the system with its stimulus behind a parameter, (that parameter, its value when on)).

    A stimulus parameter is its own switch (on: the file's value); a stimulus quantity q becomes
    q_on * q with a new parameter q_on (0 or 1)."""
    stimulus = system.roles.stimulus
    if stimulus is None:
        return system, None
    for p in system.parameters:
        if p.symbol == stimulus:
            return system, (p.name, float(p.value))
    quantity = next((q for q in system.quantities if q.symbol == stimulus), None)
    if quantity is None:
        return system, None
    taken = {p.name for p in system.parameters} | {q.name for q in system.quantities} | {s.symbol.name for s in
                                                                                          system.states}
    name = f"{stimulus.name}_on"
    while name in taken:
        name += "_"
    switch = sp.Symbol(name, real=True)
    quantities = tuple(replace(q, expression=switch * q.expression) if q is quantity else q for q in system.quantities)
    parameters = (*system.parameters, Parameter(switch, sp.Integer(0), "",
                                                f"1 switches the stimulus {stimulus.name} on, 0 off"))
    return replace(system, quantities=quantities, parameters=parameters), (name, 1.0)


@dataclass(frozen=True)
class _Block:
    body: list[str]
    results: list[str]


def _block(prepared: Prepared, outputs: Sequence[sp.Expr], printer, unpack, line, printed: dict) -> _Block:
    """Statements computing ``outputs``: the states, parameters and time they use, the intermediates, results."""
    assignments, reduced = prepared.intermediates(list(outputs)), [sp.sympify(e) for e in outputs]
    used = set().union(set(), *(e.free_symbols for _, e in assignments), *(sp.sympify(e).free_symbols for e in reduced))
    body = [unpack(s, f"y[{i}]") for i, s in enumerate(prepared.states) if s in used]
    body += [unpack(s, f"p[{j}]") for j, s in enumerate(prepared.parameters) if s in used]
    time = prepared.arguments[-1]
    if time in used:
        body.append(unpack(time, "t"))
    for symbol, expr in assignments:  # an intermediate is printed once for all four blocks
        if symbol not in printed:
            printed[symbol] = line(symbol, printer.doprint(expr))
        body.append(printed[symbol])
    return _Block(body, [printer.doprint(e) for e in reduced])


def _blocks(prepared: Prepared, factors: Sequence[sp.Expr], printer, unpack, line) -> dict:
    n = len(prepared.states)
    rows = prepared.jacobian_entries
    quantities = [prepared.names[q.symbol] for q in prepared.system.quantities]
    printed: dict[sp.Symbol, str] = {}
    stimulus = prepared.system.roles.stimulus
    return {
        "stimulus_block": _block(prepared, [prepared.names.get(stimulus, sp.Integer(0))], printer, unpack, line,
                                 printed),
        "rhs": _block(prepared, list(prepared.rhs), printer, unpack, line, printed),
        "jacobian": _block(prepared, [rows[i].get(j, sp.Integer(0)) for i in range(n) for j in range(n)], printer,
                           unpack, line, printed),
        "all_quantities": _block(prepared, quantities, printer, unpack, line, printed),
        "factors": _block(prepared, list(factors), printer, unpack, line, printed),
    }


def _scales(system: OdeSystem) -> list[float]:
    """The typical size of each state (SI) at the file's initial values, for absolute tolerances."""
    return typical_sizes([float(s.initial) if s.initial is not None else 0.0 for s in system.states],
                         [s.unit or "" for s in system.states])


def _si_note(system: OdeSystem) -> list[str]:
    """What the values are (lines of the module's header): SI, but a potential the file gives without a unit is
    its own numbers."""
    voltage = system.states[system.voltage_index]
    if voltage.unit:
        return ["Everything is SI (time in s, V in volts)."]
    return ["Values with a unit are SI (time in s); the file gives the membrane potential",
            f"{voltage.symbol.name} no unit: its values are the file's own numbers."]


def system_code(system: OdeSystem, at_rest: Prepared | None = None,
                c_ready: Callable[[str], object] | None = None) -> SystemCode:
    """The NumPy and C modules of ``system`` (its stimulus off by default, see the module docstring);
    ``at_rest``: prepare(system), when the caller has it. ``c_ready`` is given the C text as soon as it is
    written, before the NumPy module is (a caller can start the compiler meanwhile)."""
    switched, stimulus = stimulus_switch(system)
    code = prepare(switched, stimulus_off=False)
    at_rest = at_rest or prepare(system)  # the rate factors are those of the system at rest
    factors = rate_factors(at_rest)
    factored = tuple(sorted(factors))
    factor_exprs = [factors[i] for i in factored]  # canonical symbols: the same in both (the switch comes last)
    values = [float(v) for v in code.p]
    names = [p.name for p in switched.parameters]
    if stimulus is not None:
        values[names.index(stimulus[0])] = 0.0
    states = [{"name": s.symbol.name, "value": repr(float(s.initial) if s.initial is not None else 0.0),
               "unit": s.unit, "si_unit": si_text(s.unit), "description": visible(s.description),
               "scale": repr(scale)}
              for s, scale in zip(system.states, _scales(system))]
    parameters = [{"name": p.name, "value": repr(v), "unit": p.unit, "si_unit": si_text(p.unit),
                   "description": visible(p.description)}
                  for p, v in zip(switched.parameters, values)]
    context = {
        "name": system.name,
        "description": python_docstring(system.description or system.name),
        "source": visible(system.source),
        "states": states,
        "parameters": parameters,
        "quantities": [q.name for q in system.quantities],
        "voltage": system.voltage_index,
        "stimulus": stimulus,
        "stimulus_quantity": (system.roles.stimulus.name if stimulus is not None and
                              stimulus[0] != system.roles.stimulus.name else None),
        "factored": list(factored),
        "n_states": len(states),
        "n_parameters": len(parameters),
        "si_note": _si_note(system),
    }
    c_context = {**context, "description": c_comment(system.description or system.name),
                 "source": c_comment(system.source)}
    c_text = render("system_module.c.j2", prelude=C_PRELUDE,
                    **_blocks(code, factor_exprs, VrestCPrinter(),
                              lambda s, v: f"const double {s.name} = {v};",
                              lambda s, t: f"const double {s.name} = {t};"),
                    **c_context)
    if c_ready is not None:
        c_ready(c_text)
    numpy_text = render("system_module.py.j2", prelude=NUMPY_PRELUDE,
                        **_blocks(code, factor_exprs, VrestNumPyPrinter(),
                                  lambda s, v: f"{s.name} = {v}", lambda s, t: f"{s.name} = {t}"),
                        **context)
    return SystemCode(system.name, numpy_text, c_text, tuple(names), stimulus, factored)
