"""CellML 2.0 export: one component, constants with initial values, ODEs and equations in MathML.

Same layout and coherent units as the SBML export (xml_model). CellML has no
events, so each parameter a scenario changes becomes a piecewise function of time:
the value (or ``<p>_given`` times the factor) of the latest step of the selected
scenario whose time has been reached, else ``<p>_given``.
Every <cn> carries ``cellml:units`` (e-notation for floats); GHK's exprel is a
<piecewise> exact at V = 0.
"""

from __future__ import annotations

from dataclasses import replace

import sympy as sp
from markupsafe import Markup

from vrest.derive.model import Model

from ..escaping import xml_comment
from ..printers import MATHML_NS, VrestMathMLPrinter
from ..printers._common import float_text
from ..templating import render
from . import exporter
from .ids import valid_id
from .xml_model import Variable, XmlModel, xml_model

__all__ = ["export_cellml", "render_cellml", "TIME"]

TIME = sp.Symbol("time")


def _comment(text: str) -> str:
    """Text safe inside an XML comment ("--" is not allowed there)."""
    return xml_comment(text)


def _protocol_split(context: XmlModel) -> tuple[list[Variable], list[Variable]]:
    """Constants and assignments with every changed parameter made a piecewise function of time."""
    protocols = context.protocols
    changed = set(protocols.changed)
    constants = [v for v in context.constants if v not in changed] + list(protocols.constants)
    timed = []
    for variable in protocols.changed:
        pieces = []
        for event in reversed(protocols.events):  # the latest step first: it wins while its time has passed
            for target, math in event.assignments:
                if target == variable:
                    condition = sp.And(sp.Eq(protocols.selector.symbol, event.index),
                                       sp.GreaterThan(TIME, event.at.symbol))
                    pieces.append((math, condition))
        given = sp.Symbol(f"{variable.symbol.name}_given")
        timed.append(replace(variable, value=None, math=sp.Piecewise(*pieces, (given, True))))
    return constants, timed + list(context.assignments)


def render_cellml(context: XmlModel) -> str:
    constants, assignments = _protocol_split(context)
    names = {**context.ids, TIME: valid_id(TIME.name)}
    names.update({v.symbol: v.id for v in constants})
    printer = VrestMathMLPrinter.for_cellml(symbol_names=names)
    return render("cellml.xml.j2", m=context, constants=constants, assignments=assignments,
                  time=names[TIME], math=lambda expr: Markup(printer.doprint(expr)),
                  number=float_text, mathml_ns=MATHML_NS, comment=_comment)


@exporter("cellml", "CellML 2.0 (OpenCOR, libcellml, Myokit, ...)")
def export_cellml(model: Model) -> dict[str, str]:
    return {f"{model.name}.cellml": render_cellml(xml_model(model))}
