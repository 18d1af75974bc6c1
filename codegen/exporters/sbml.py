"""SBML Level 3 Version 2 export: parameters with rate and assignment rules, the scenarios as events.

Everything is a <parameter> (no species or compartments: the model has no
reactions), in the coherent units of coherent_units, with a unit definition for
each. V, the ion amounts N_X and the volume have rate rules; concentrations,
Nernst potentials, currents and the pump's per-ion currents are assignment rules.
GHK's exprel prints as a <piecewise> exact at V = 0 (VrestMathMLPrinter).
"""

from __future__ import annotations

from markupsafe import Markup

from vrest.derive.model import Model

from ..printers import MATHML_NS, SBML_L3V2_NS, VrestMathMLPrinter
from ..printers._common import float_text
from ..templating import render
from . import exporter
from .xml_model import XmlModel, xml_model

__all__ = ["export_sbml", "render_sbml", "VREST_NS"]

VREST_NS = "https://vrest.readthedocs.io/ns/export/1"


def render_sbml(context: XmlModel) -> str:
    """The SBML text of an XmlModel context (separate from export_sbml so tests can alter the context)."""
    printer = VrestMathMLPrinter.for_sbml(symbol_names=context.ids)
    return render("sbml.xml.j2", m=context, math=lambda expr: Markup(printer.doprint(expr)),
                  number=float_text, mathml_ns=MATHML_NS, sbml_ns=SBML_L3V2_NS, vrest_ns=VREST_NS)


@exporter("sbml", "SBML Level 3 Version 2 (libRoadRunner, COPASI, tellurium, ...)")
def export_sbml(model: Model) -> dict[str, str]:
    return {f"{model.name}.sbml.xml": render_sbml(xml_model(model))}
