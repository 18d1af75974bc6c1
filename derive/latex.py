"""LaTeX of vrest's expressions: SymPy's, with names of several subscript words kept apart.

SymPy prints ``V_mullins_noda`` as ``V_{mullins noda}``, which TeX runs together
into one italic word. Here every subscript word of more than one letter is
upright and the words are separated by a TeX space: ``V_{\\mathrm{mullins}\\ \\mathrm{noda}}``,
``K_{\\mathrm{half}\\ \\mathrm{Na}}``. ``\\ `` (not ``\\,``) because a Markdown
renderer before MathJax keeps it: a backslash before a space is no Markdown escape.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.conventions import split_super_sub
from sympy.printing.latex import translate

__all__ = ["latex", "symbol_latex"]


def symbol_latex(symbol: sp.Symbol) -> str | None:
    """The LaTeX of a name with two or more subscript words, else None (SymPy's own is right)."""
    name, supers, subs = split_super_sub(symbol.name)
    if len(subs) < 2 or supers:
        return None
    words = [translate(word) if len(word) == 1 or translate(word) != word else rf"\mathrm{{{word}}}"
             for word in subs]  # one letter italic, a Greek name its letter, a word upright
    return translate(name) + "_{" + r"\ ".join(words) + "}"


def latex(expr) -> str:
    """``sympy.latex(expr)`` with the multi-word subscripts of ``symbol_latex``."""
    expr = sp.sympify(expr)
    names = {}
    for symbol in expr.free_symbols if isinstance(expr, sp.Basic) else ():
        shown = symbol_latex(symbol)
        if shown is not None:
            names[symbol] = shown
    return sp.latex(expr, symbol_names=names)
