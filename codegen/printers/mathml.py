"""MathML content printer for SBML Level 3 and CellML 2.0 (one class, two presets).

exprel and exprel' print as <piecewise> of exp only (exprel_guarded and its exprel'
twin), exact at 0. Every <cn> gets the units attribute the format wants
(``sbml:units`` / ``cellml:units``), and CellML floats use e-notation. The caller's
<math> element must declare the prefix: see SBML_L3V2_NS and CELLML_2_NS.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar
from xml.dom.minidom import Element

import sympy as sp
from sympy.printing.mathml import MathMLContentPrinter

from ._common import exprel_guarded, exprel_prime_guarded, float_text

__all__ = ["CELLML_2_NS", "MATHML_NS", "SBML_L3V2_NS", "VrestMathMLPrinter"]

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
SBML_L3V2_NS = "http://www.sbml.org/sbml/level3/version2/core"
CELLML_2_NS = "http://www.cellml.org/cellml/2.0#"
SBML_TIME_URL = "http://www.sbml.org/sbml/symbols/time"


class VrestMathMLPrinter(MathMLContentPrinter):
    """Content MathML fragments; units_attribute names the <cn> units attribute, or None."""

    _default_settings: ClassVar[dict[str, Any]] = {
        **MathMLContentPrinter._default_settings,
        "units_attribute": None,
        "number_units": "dimensionless",
        "e_notation": False,
        "time_csymbol": None,  # the Symbol that is SBML's time (printed as its <csymbol>), or None
        "numbers": {},  # placeholder Symbol -> (number, its units id): a number with a unit of its own
    }

    @classmethod
    def for_sbml(cls, **settings: Any) -> VrestMathMLPrinter:
        """SBML Level 3: <cn sbml:units="dimensionless">, plain decimal floats."""
        return cls({"units_attribute": "sbml:units", **settings})

    @classmethod
    def for_cellml(cls, **settings: Any) -> VrestMathMLPrinter:
        """CellML 2.0: units on every <cn> (required there), floats in e-notation."""
        return cls({"units_attribute": "cellml:units", "e_notation": True, **settings})

    def doprint(self, expr: sp.Expr) -> str:
        """The expression as one line of XML: deterministic, no XML declaration."""
        element = self._print(sp.sympify(expr))
        attribute = self._settings["units_attribute"]
        if attribute:
            cns = [element] if element.tagName == "cn" else []
            for cn in cns + list(element.getElementsByTagName("cn")):
                if not cn.hasAttribute(attribute):
                    cn.setAttribute(attribute, self._settings["number_units"])
        return element.toxml()

    def _print_Symbol(self, sym: sp.Symbol) -> Element:
        if sym in self._settings["numbers"]:  # the number as it prints alone, its <cn> with its own units
            value, units = self._settings["numbers"][sym]
            element = self._print(value)
            for cn in [element] if element.tagName == "cn" else element.getElementsByTagName("cn"):
                if self._settings["units_attribute"]:
                    cn.setAttribute(self._settings["units_attribute"], units)
            return element
        if sym == self._settings["time_csymbol"]:
            csymbol = self.dom.createElement("csymbol")
            csymbol.setAttribute("encoding", "text")
            csymbol.setAttribute("definitionURL", SBML_TIME_URL)
            csymbol.appendChild(self.dom.createTextNode("time"))
            return csymbol
        names: Mapping[sp.Symbol, str] = self._settings["symbol_names"] or {}
        ci = self.dom.createElement("ci")
        ci.appendChild(self.dom.createTextNode(names.get(sym, sym.name)))
        return ci

    def _print_Float(self, expr: sp.Float) -> Element:
        cn = self.dom.createElement("cn")
        if self._settings["units_attribute"]:  # first, so attributes read units then type
            cn.setAttribute(self._settings["units_attribute"], self._settings["number_units"])
        text = float_text(expr)
        if self._settings["e_notation"] and "e" in text:
            mantissa, exponent = text.split("e")
            cn.setAttribute("type", "e-notation")
            cn.appendChild(self.dom.createTextNode(mantissa))
            cn.appendChild(self.dom.createElement("sep"))
            cn.appendChild(self.dom.createTextNode(str(int(exponent))))
        else:
            cn.appendChild(self.dom.createTextNode(text))
        return cn

    def _print_NumberSymbol(self, expr: sp.Expr) -> Element:
        return self._print_Float(sp.Float(expr))

    def _print_exprel(self, expr: sp.Function) -> Element:
        return self._print(exprel_guarded(expr.args[0]))

    def _print_exprel_prime(self, expr: sp.Function) -> Element:
        return self._print(exprel_prime_guarded(expr.args[0]))
