"""CellML 2.0 export: one component, constants with initial values, ODEs and equations in MathML.

Same layout and coherent units as the SBML export (xml_model). CellML has no
events, so a scenario is a documented parameter pair: the pump rate is
``<rate>_given`` times a piecewise factor of time that switches to
``<scenario>_pump_scale`` at ``<scenario>_at``. Every <cn> carries
``cellml:units`` (e-notation for floats); GHK's exprel is a <piecewise> exact at V = 0.
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


def _scenario_split(context: XmlModel) -> tuple[list[Variable], list[Variable], str]:
    """Constants and assignments with the pump rate made a function of time by the scenarios."""
    constants, assignments = list(context.constants), list(context.assignments)
    rate = context.pump_rate
    if rate is None or not context.scenarios:
        return constants, assignments, ""
    given_symbol = sp.Symbol(f"{rate.symbol.name}_given")
    given_id = valid_id(f"{rate.id}_given")
    if given_id in context.ids.values():
        raise ValueError(f"{given_id} is already a name in the model")
    given = replace(rate, symbol=given_symbol, id=given_id, description=f"{rate.description} (without scenarios)")
    factor = sp.Mul(*[sp.Piecewise((s.scale.symbol, sp.Ge(TIME, s.at.symbol)), (1, True)) for s in context.scenarios])
    constants[constants.index(rate)] = given
    for s in context.scenarios:
        constants += [s.at, s.scale]
    timed = replace(rate, value=None, math=given_symbol * factor)
    return constants, [timed, *assignments], given_id


def render_cellml(context: XmlModel) -> str:
    constants, assignments, given_id = _scenario_split(context)
    names = {**context.ids, TIME: valid_id(TIME.name)}
    names.update({v.symbol: v.id for v in constants})
    printer = VrestMathMLPrinter.for_cellml(symbol_names=names)
    return render("cellml.xml.j2", m=context, constants=constants, assignments=assignments,
                  time=names[TIME], pump_rate=context.pump_rate.id if context.pump_rate else "",
                  pump_given=given_id, math=lambda expr: Markup(printer.doprint(expr)),
                  number=float_text, mathml_ns=MATHML_NS, comment=_comment)


@exporter("cellml", "CellML 2.0 (OpenCOR, libcellml, Myokit, ...)")
def export_cellml(model: Model) -> dict[str, str]:
    return {f"{model.name}.cellml": render_cellml(xml_model(model))}
