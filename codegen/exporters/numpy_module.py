"""The generated NumPy module: rhs, analytic Jacobian and named quantities of one model.

Plain NumPy, no SymPy at run time: ``import <model>_numeric`` costs only NumPy's import.
Subexpressions are shared with ``sympy.cse``; exprel prints through NUMPY_PRELUDE.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from vrest.derive.model import Model

from ..escaping import python_docstring, visible
from ..printers import NUMPY_PRELUDE, VrestNumPyPrinter
from ..templating import render
from . import exporter
from ._numeric import cse_block, numeric_spec
from ._numpy_fast import fast_function

__all__ = ["export_numpy", "numpy_module_name", "numpy_source"]


def numpy_module_name(model: Model) -> str:
    return f"{model.name}_numeric"


def _block(printer: VrestNumPyPrinter, spec, exprs: Sequence[sp.Expr]) -> dict:
    """Python lines computing ``exprs``: unpack the symbols used, CSE temporaries, results."""
    assignments, reduced = cse_block(list(exprs), varying=spec.state_symbols)
    used = set().union(*[e.free_symbols for e in exprs]) if exprs else set()
    body = [f"{s.name} = y[{i}]" for i, s in enumerate(spec.state_symbols) if s in used]
    body += [f"{s.name} = p[{i}]" for i, s in enumerate(spec.parameter_symbols) if s in used]
    body += [f"{lhs.name} = {printer.doprint(rhs)}" for lhs, rhs in assignments]
    return {"body": body, "results": [printer.doprint(e) for e in reduced]}


def _fast(spec, name: str, expr: sp.Expr) -> list[str]:
    """The chunked fast path of one V-dependent quantity (none for the others: they are scalars)."""
    v = spec.state_symbols[0]
    if v not in expr.free_symbols:
        return []
    unpack = [f"{s.name} = y[{i}]" for i, s in enumerate(spec.state_symbols) if i > 0]
    unpack += [f"{s.name} = p[{i}]" for i, s in enumerate(spec.parameter_symbols)]
    return fast_function(f"_{name}_fast", [expr], v, unpack)


def numpy_source(model: Model) -> str:
    """The text of the generated module for ``model``."""
    spec = numeric_spec(model)
    printer = VrestNumPyPrinter()
    quantity_exprs = [expr for _, expr in spec.quantities]
    every = _block(printer, spec, quantity_exprs)
    return render(
        "numpy_module.py.j2",
        name=model.name,
        description=python_docstring(model.description),
        prelude=NUMPY_PRELUDE,
        states=[{**vars(s), "value": repr(s.value), "scale": repr(abs(s.value) or 1.0),
                 "shown_unit": "" if s.unit == "1" else s.unit} for s in spec.states],
        start=spec.start,
        parameters=[{**vars(p), "value": repr(p.value), "description": visible(p.description)}
                    for p in spec.parameters],
        rhs=_block(printer, spec, spec.rhs),
        jacobian=_block(printer, spec, list(spec.jacobian)),
        all_quantities={"body": every["body"], "named": list(zip([n for n, _ in spec.quantities], every["results"]))},
        quantities=[{"name": name, "expression": text, "block": _block(printer, spec, [expr]),
                     "fast": _fast(spec, name, expr)}
                    for (name, expr), text in zip(spec.quantities, spec.definitions)],
    )


@exporter("numpy", "Python module (NumPy): rhs, analytic Jacobian, quantities, vectorised")
def export_numpy(model: Model) -> dict[str, str]:
    return {f"{numpy_module_name(model)}.py": numpy_source(model)}
