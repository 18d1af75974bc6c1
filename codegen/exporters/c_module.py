"""The generated C99 module: the same functions as the NumPy module, over arrays.

C from VrestCPrinter (exprel through C_PRELUDE); codegen.numeric compiles it with
the system compiler and loads it with ctypes behind the NumPy module's signature.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from vrest.derive.model import Model

from ..c_flags import C_FLAGS
from ..escaping import c_comment
from ..printers import C_PRELUDE, VrestCPrinter
from ..templating import render
from .systems.si_units import si_text
from . import exporter
from ._numeric import cse_block, numeric_spec

__all__ = ["export_c", "c_source", "c_file_name"]


def c_file_name(model: Model) -> str:
    return f"{model.name}_numeric.c"


def _block(printer: VrestCPrinter, spec, exprs: Sequence[sp.Expr]) -> dict:
    """C statements computing ``exprs``: const locals for the symbols used, CSE temporaries, results."""
    assignments, reduced = cse_block(list(exprs), prefix="c_", varying=spec.state_symbols)
    used = set().union(*[e.free_symbols for e in exprs]) if exprs else set()
    body = [f"const double {s.name} = y[{i}];" for i, s in enumerate(spec.state_symbols) if s in used]
    body += [f"const double {s.name} = p[{i}];" for i, s in enumerate(spec.parameter_symbols) if s in used]
    body += [f"const double {lhs.name} = {printer.doprint(rhs)};" for lhs, rhs in assignments]
    return {"body": body, "results": [printer.doprint(e) for e in reduced]}


def c_source(model: Model) -> str:
    """The text of the generated C file for ``model``."""
    spec = numeric_spec(model)
    printer = VrestCPrinter()
    return render(
        "c_module.c.j2",
        name=model.name,
        file=c_file_name(model),
        flags=" ".join(C_FLAGS),
        prelude=C_PRELUDE,
        n_states=len(spec.states),
        n_parameters=len(spec.parameters),
        states=[{"name": s.name, "value": repr(s.value), "unit": s.si_unit,
                 "description": c_comment(s.description)} for s in spec.states],
        parameters=[{"name": q.name, "value": repr(q.value), "unit": si_text(q.unit),
                     "description": c_comment(q.description)} for q in spec.parameters],
        rhs=_block(printer, spec, spec.rhs),
        jacobian=_block(printer, spec, list(spec.jacobian)),
        all_quantities=_block(printer, spec, [expr for _, expr in spec.quantities]),
        quantities=[{"name": name, "expression": c_comment(text), "block": _block(printer, spec, [expr])}
                    for (name, expr), text in zip(spec.quantities, spec.definitions)],
    )


@exporter("c", "C99 source: rhs, analytic Jacobian, quantities over arrays (compiled by codegen.numeric)")
def export_c(model: Model) -> dict[str, str]:
    return {c_file_name(model): c_source(model)}
