"""SBML Level 3 Version 2 and CellML 2.0 exports of an ODE system, in SI.

Both lay out the same flat model: parameters (constants with their SI values), states (with
their initial values and rates) and the named quantities as assignments in dependency order,
each in the SI unit of its dimension (si_units). SBML: everything is a <parameter> with rate and
assignment rules, time is SBML's csymbol. CellML: one component with a variable ``time``.
Removable singularities print as <piecewise> exact at 0 (VrestMathMLPrinter's exprel).
"""

from __future__ import annotations

from fractions import Fraction

from markupsafe import Markup

from vrest.derive.importers.cellml import OXMETA
from vrest.derive.system import TIME, OdeSystem

from ...escaping import xml_comment
from ...printers import MATHML_NS, SBML_L3V2_NS, VrestMathMLPrinter
from ...printers._common import float_text
from ...templating import render
from . import system_exporter
from .context import SystemExport, system_export
from .notes import notes
from .literal_units import with_number_units
from .si_units import exponents_of, si_unit, si_unit_of

__all__ = ["export_system_sbml", "export_system_cellml"]

_SI_TEXT = ("Units: SI (V, s, A/m2, F/m2, S/m2, mol/m3, ...), the file's values converted exactly; the "
            "formulas hold in SI.")


def _units(context: SystemExport, numbers: dict) -> list:
    used = {si_unit(e.unit) for e in context.entries} | {si_unit_of(dim) for _, dim in numbers.values()}
    return sorted((u for u in used if not u.builtin), key=lambda u: u.id)


def _formulas(context: SystemExport) -> tuple[dict, dict]:
    """(symbol -> its formula with placeholders for numbers with units, placeholder -> (number, units id)): a
    state's rate in its unit per second, a quantity's definition in its unit (literal_units)."""
    dims = {e.symbol: exponents_of(e.unit) for e in context.entries}
    per_second = exponents_of("1/s")
    targets = [(e, tuple(x + y for x, y in zip(dims[e.symbol], per_second))) for e in context.states]
    targets += [(e, dims[e.symbol]) for e in context.quantities]
    formulas, numbers = {}, {}
    for entry, target in targets:
        formulas[entry.symbol], found = with_number_units(entry.math, target, dims)
        numbers.update(found)
    return formulas, numbers


def _printer(context: SystemExport, sbml: bool) -> tuple[dict, dict, VrestMathMLPrinter]:
    formulas, numbers = _formulas(context)
    ids = {placeholder: (value, si_unit_of(dim).id) for placeholder, (value, dim) in numbers.items()}
    printer = (VrestMathMLPrinter.for_sbml(symbol_names=context.ids, time_csymbol=TIME, numbers=ids) if sbml else
               VrestMathMLPrinter.for_cellml(symbol_names=context.ids, numbers=ids))
    return formulas, numbers, printer


def _number(value) -> str:
    """A value as the double it is; an exponent that is an integer as an integer."""
    if isinstance(value, Fraction) and value.denominator == 1:
        return str(value.numerator)
    return float_text(value)


def _unit(entry) -> str:
    return si_unit(entry.unit).id


@system_exporter("sbml", "SBML Level 3 Version 2 (libRoadRunner, COPASI, tellurium, ...)")
def export_system_sbml(system: OdeSystem, keep_stimulus: bool = False) -> dict[str, str]:
    context = system_export(system, keep_stimulus=keep_stimulus)
    formulas, numbers, printer = _printer(context, sbml=True)
    roles = {context.voltage.id: "membrane_voltage"} | (
        {context.stimulus.id: "membrane_stimulus_current"} if context.stimulus is not None else {})
    text = render("system_sbml.xml.j2", m=context, notes=notes(context, "SBML", _SI_TEXT),
                  units=_units(context, numbers), unit=_unit, number=_number,
                  math=lambda entry: Markup(printer.doprint(formulas[entry.symbol])),
                  mathml_ns=MATHML_NS, sbml_ns=SBML_L3V2_NS, roles=roles, oxmeta=OXMETA)
    return {f"{context.id}.sbml.xml": text}


@system_exporter("cellml", "CellML 2.0 (OpenCOR, libcellml, Myokit, ...)")
def export_system_cellml(system: OdeSystem, keep_stimulus: bool = False) -> dict[str, str]:
    context = system_export(system, keep_stimulus=keep_stimulus)
    formulas, numbers, printer = _printer(context, sbml=False)
    text = render("system_cellml.xml.j2", m=context, notes=notes(context, "CellML", _SI_TEXT),
                  units=_units(context, numbers), unit=_unit, number=_number, time=context.ids[TIME],
                  math=lambda entry: Markup(printer.doprint(formulas[entry.symbol])), mathml_ns=MATHML_NS,
                  comment=lambda text: Markup(xml_comment(text)))
    return {f"{context.id}.cellml": text}
