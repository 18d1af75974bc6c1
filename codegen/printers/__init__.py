"""Expression printers: SymPy expressions of the vrest IR as text for one target each.

Every printer knows exprel/exprel' (derive.functions) and prints a form exact at 0.
Printers hold expression syntax only; templates paste the preludes they name.
"""

from __future__ import annotations

from .brian2 import VrestBrian2Printer
from .c import C_PRELUDE, VrestCPrinter
from .lems import Conditional, VrestLemsPrinter, print_lems
from .mathml import CELLML_2_NS, MATHML_NS, SBML_L3V2_NS, VrestMathMLPrinter
from .nmodl import NMODL_FUNCTIONS, VrestNmodlPrinter
from .numpy import NUMPY_PRELUDE, VrestNumPyPrinter, numpy_namespace

__all__ = [
    "CELLML_2_NS",
    "C_PRELUDE",
    "MATHML_NS",
    "NMODL_FUNCTIONS",
    "NUMPY_PRELUDE",
    "PRINTERS",
    "SBML_L3V2_NS",
    "Conditional",
    "VrestBrian2Printer",
    "VrestCPrinter",
    "VrestLemsPrinter",
    "VrestMathMLPrinter",
    "VrestNmodlPrinter",
    "VrestNumPyPrinter",
    "numpy_namespace",
    "print_lems",
]

# Target name -> printer class; "sbml" and "cellml" are presets of the MathML printer,
# so build those with VrestMathMLPrinter.for_sbml() / .for_cellml() to get their units.
PRINTERS: dict[str, type] = {
    "numpy": VrestNumPyPrinter,
    "c": VrestCPrinter,
    "nmodl": VrestNmodlPrinter,
    "brian2": VrestBrian2Printer,
    "mathml": VrestMathMLPrinter,
    "lems": VrestLemsPrinter,
}
