"""LaTeX of vrest's expressions: SymPy's, with names of several subscript words kept apart.

SymPy prints ``K_half_Na`` as ``K_{half Na}``, which TeX runs together
into one italic word. Here every subscript word of more than one letter is
upright and the words are separated by a TeX space: ``K_{\\mathrm{half}\\ \\mathrm{Na}}``
(``\\ ``, not ``\\,``, because a Markdown renderer before MathJax keeps it: a backslash before
a space is no Markdown escape). Subscripts that are people's names are written as people write
them: ``V_{\\text{Mullins-Noda}}``.
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.printing.conventions import split_super_sub
from sympy.printing.latex import translate

__all__ = ["function_definitions", "latex", "symbol_latex"]

_EPONYMS = {"mullins": "Mullins", "noda": "Noda"}  # subscript words that are names, written as people write them

# vrest's own functions, as LaTeX defines them for a reader (derive.functions): the GHK current is
# written with exprel, exact at V = 0, and a slope conductance with its derivative exprel'.
_DEFINITIONS = (
    (r"\\operatorname\{exprel\}", r"\operatorname{exprel}(x) = \frac{e^{x} - 1}{x},\ \operatorname{exprel}(0) = 1"),
    (r"\\operatorname\{exprel\}'", (r"\operatorname{exprel}'(x) = \frac{d}{dx} \operatorname{exprel}(x) "
                                 r"= \frac{(x - 1) e^{x} + 1}{x^{2}},\ \operatorname{exprel}'(0) = \frac{1}{2}")),
)


def symbol_latex(symbol: sp.Symbol) -> str | None:
    """The LaTeX of a name with two or more subscript words, a name that is words (donnan_ratio: "donnan ratio",
    upright, not an italic "donnan" with the subscript "ratio"), a difference (dV_pump: Delta V_pump) or a gate's
    steady state (inf_m: m_infinity); else None
    (SymPy's own is right)."""
    name, supers, subs = split_super_sub(symbol.name)
    if supers:
        return None
    if name == "inf" and subs:  # a gate's steady state inf_w_M: w_{M,infinity}, as x_inf is written
        return translate(subs[0]) + "_{" + ",".join([*(_subscript(w) for w in subs[1:]), r"\infty"]) + "}"
    if _word(name):  # upright; \mathrm{volume_{ss}}, not \text{volume}_{ss}: a "_" after "}" opens Markdown emphasis
        return r"\text{" + " ".join([name, *subs]) + "}" if all(_word(w) for w in subs) else \
            r"\mathrm{" + name + "_{" + r"\ ".join(translate(w) for w in subs) + "}}"
    if re.fullmatch("d[A-Z]", name):
        difference = sp.Symbol("_".join([name[1], *subs]))
        return r"\Delta " + (symbol_latex(difference) or sp.latex(difference))
    if len(subs) < 2:
        return None
    if all(word in _EPONYMS for word in subs):  # V_mullins_noda: the Mullins-Noda potential
        return translate(name) + r"_{\text{" + "-".join(_EPONYMS[word] for word in subs) + "}}"
    return translate(name) + "_{" + r"\ ".join(_subscript(word) for word in subs) + "}"


def _subscript(word: str) -> str:
    """A subscript word: one letter italic, a Greek name its letter, a word upright."""
    return translate(word) if len(word) == 1 or translate(word) != word else rf"\mathrm{{{word}}}"


def _word(text: str) -> bool:
    """A word of three or more small letters that is no Greek letter's name (donnan, osmotic; not tau, not K)."""
    return len(text) >= 3 and text.isalpha() and text.islower() and translate(text) == text


def latex(expr, shown_as=symbol_latex, **options) -> str:
    """``sympy.latex(expr, **options)`` with each symbol as ``shown_as`` gives it (None: SymPy's own); by default the
    multi-word subscripts of ``symbol_latex``."""
    expr = sp.sympify(expr)
    names = {}
    for symbol in expr.free_symbols if isinstance(expr, sp.Basic) else ():
        shown = shown_as(symbol)
        if shown is not None:
            names[symbol] = shown
    return sp.latex(expr, symbol_names=names, ln_notation=True, **options)  # \log reads as log10 to many readers


def function_definitions(text: str) -> list[str]:
    """The LaTeX definitions of vrest's own functions that ``text`` (LaTeX) uses: exprel, exprel'."""
    return [definition for used, definition in _DEFINITIONS if re.search(used, text)]
