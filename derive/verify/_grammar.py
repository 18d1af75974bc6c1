"""Token rewriting for `vrest verify`: LaTeX fractions, names, implicit products.

Input: tokens from _lexer. Output: a Python expression string made only of
placeholders (_v0, _n1, _f_log), the operators + - * / ** and parentheses,
plus a column map back to the user's text. The string is handed to ast.parse
and walked by the whitelisting renderer in parse.py; nothing is evaluated.

Reading rules (documented for users in parse.py):
- an unknown word is split greedily into known names: RT -> R T, zF -> z F;
- juxtaposition inside one word (no space: RT, 2F, zF) binds like a product in
  parentheses, so RT/zF = (R*T)/(z*F); across a space it is an ordinary product
  with ordinary precedence, so RT/F ln(x) = (R*T/F)*ln(x);
- a function name without parentheses takes the next operand: ln x, \\ln\\frac{a}{b}.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from itertools import pairwise

from ._lexer import ParseError, Tok
from ._quantity import Quantity, merge_units, unit_word

__all__ = ["MAX_DEPTH", "to_python"]

MAX_DEPTH = 40  # nesting of brackets
MAX_WORD = 64  # longest run of letters that is split into known names
_ATOMS = ("NUM", "QTY", "VAL")
_NUMBERS = ("NUM", "QTY")


def _match_brackets(toks: list[Tok]) -> dict[int, int]:
    """Index of each opening bracket -> index of its closing bracket."""
    stack: list[int] = []
    match: dict[int, int] = {}
    for k, t in enumerate(toks):
        if t.kind == "LPAR":
            stack.append(k)
            if len(stack) > MAX_DEPTH:
                raise ParseError("brackets nested too deeply", t.col, t.text)
        elif t.kind == "RPAR":
            if not stack:
                raise ParseError(f"unmatched {t.text!r}", t.col, t.text)
            o = stack.pop()
            if toks[o].closer != t.text:
                raise ParseError(f"{t.text!r} closes {toks[o].text!r} of column {toks[o].col}", t.col, t.text)
            match[o] = k
    if stack:
        t = toks[stack[-1]]
        raise ParseError(f"{t.text!r} is never closed", t.col, t.text)
    return match


def _no_indexing(toks: list[Tok]) -> None:
    """x[0] reads like Python indexing: refused (with a space, [ ] groups)."""
    for prev, t in pairwise(toks):
        if t.text == "[" and not t.space_before and prev.kind in ("NAME", "NUM", "RPAR"):
            raise ParseError("indexing with [ ] is not allowed (for grouping, use ( ) or a space)", t.col, "[")


def _rewrite_frac(toks: list[Tok]) -> list[Tok]:
    """\\frac{a}{b} -> ( ( a ) / ( b ) ); braces become parentheses."""
    _no_indexing(toks)
    match = _match_brackets(toks)
    extra: dict[int, list[Tok]] = {}
    out: list[Tok] = []
    for k, t in enumerate(toks):
        if t.kind == "FRAC":
            j = k + 1
            ok = j < len(toks) and toks[j].text == "{"
            k1 = match.get(j, -1)
            ok = ok and k1 + 1 < len(toks) and toks[k1 + 1].text == "{"
            if not ok:
                raise ParseError("\\frac needs {numerator}{denominator}", t.col, t.text)
            extra[k1] = [Tok("OP", "/", toks[k1].col)]
            extra[match[k1 + 1]] = [Tok("RPAR", ")", toks[match[k1 + 1]].col)]
            out.append(Tok("LPAR", "(", t.col, t.space_before, closer=")"))
            continue
        if t.kind == "LPAR":
            t = Tok("LPAR", "(", t.col, t.space_before, closer=")")
        elif t.kind == "RPAR":
            t = Tok("RPAR", ")", t.col, t.space_before)
        out.append(t)
        out.extend(extra.get(k, []))
    return out


def _splitter(known: Callable[[str], bool]) -> Callable[[str], tuple[str, ...] | None]:
    """Greedy split of a word into known names, longest prefix first."""

    @cache
    def split(word: str) -> tuple[str, ...] | None:
        if not word:
            return ()
        for cut in range(len(word), 0, -1):
            head = word[:cut]
            if known(head):
                rest = split(word[cut:])
                if rest is not None:
                    return (head, *rest)
        return None

    return split


# Names people type for what a model calls otherwise.
_INSTEAD = {
    "lg": "log10 (the base-10 logarithm; log and ln are natural)",
    "log_e": "ln", "lm": "ln", "Vm": "V (the membrane potential) or V_ss (the resting potential)",
    "V_m": "V (the membrane potential) or V_ss (the resting potential)",
    "V_rest": "V_ss (the resting potential)", "V_r": "V_ss (the resting potential)",
    "E_m": "V_ss (the resting potential)", "Em": "V_ss (the resting potential)", "E_rest": "V_ss (the resting potential)",
    "R_m": "1/g_leak (the specific membrane resistance)", "r_m": "1/g_leak (the specific membrane resistance)",
    "G_m": "g_leak", "g_m": "g_leak", "C": "C_m", "tau": "tau_m",
}


def _unit_spellings(word: str) -> list[str]:
    """The word with other capitals (mv -> mV, kOhm -> kohm) that are units."""
    variants = [word[:-1] + word[-1:].upper(), word.lower(), word[:1].lower() + word[1:].upper(), word.upper()]
    return [v for v in dict.fromkeys(variants) if v != word and unit_word(v) is not None][:1]


def suggestion(word: str, known: Iterable[str]) -> str:
    """' (did you mean X?)' for a near-miss name or unit, else ''."""
    known = list(known)
    instead = [option for option in _INSTEAD.get(word, "").split(" or ") if option and
               set(re.findall(r"[A-Za-z_]\w*", option.split(" (")[0])) <= set(known)]  # a gate's rate has no V_ss
    if instead:
        return f"; did you mean {' or '.join(instead)}?"
    valences = [k for k in known if k.startswith("z_")]
    if valences and (word == "z" or word[:1] == "z" and word[1:] in known):  # z, zF: a valence, but whose?
        return (f"; z alone is read only in a claim about one ion (E_K = ..., I_Na = ...), as that ion's valence: "
                f"here write {' or '.join(valences)}")
    same = [k for k in known if k.lower() == word.lower()]
    based = [k for k in known if "_" not in word and k.split("_")[0] == word][:3]  # n: hh's gate n_K
    head, _, tail = word.partition("_")
    siblings = [k for k in known if tail and k.partition("_")[0] == head and len(k.partition("_")[2]) == len(tail)]
    typos = [k for k in known if _one_edit(word, k)]  # exq: exp (difflib rates a short word's slip below 0.75)
    close = same or based or difflib.get_close_matches(word, known, n=3, cutoff=0.75) or siblings[:3] or typos[:3]
    units = _unit_spellings(word)
    options = [*close, *(f"the unit {u}" for u in units)]
    return f"; did you mean {' or '.join(options)}?" if options else ""


def _one_edit(word: str, other: str) -> bool:
    """Whether ``other`` is ``word`` with one letter changed, added or left out (both at least 3 letters)."""
    if min(len(word), len(other)) < 3 or abs(len(word) - len(other)) > 1 or word == other:
        return False
    short, long = sorted((word, other), key=len)
    k = next((k for k, (a, b) in enumerate(zip(short, long)) if a != b), len(short))
    return short[k + (len(short) == len(long)):] == long[k + 1:]


def _resolve(toks: list[Tok], is_value: Callable[[str], bool], is_func: Callable[[str], bool],
             known: Iterable[str] = ()) -> list[Tok]:
    """NAME -> VAL or FUNC tokens; unknown words are split into known names."""
    split = _splitter(lambda w: is_value(w) or is_func(w))
    out: list[Tok] = []
    for t in toks:
        if t.kind != "NAME":
            out.append(t)
            continue
        parts = (t.text,) if (is_value(t.text) or is_func(t.text)) else None
        if parts is None and len(t.text) <= MAX_WORD:
            parts = split(t.text)
        if parts is None:
            if unit_word(t.text) is not None:
                raise ParseError(f"unit {t.text!r} needs a number before it (e.g. 1 {t.text})", t.col, t.text)
            after_number = bool(out) and out[-1].kind in _NUMBERS
            what = "unit or name" if after_number else "name"
            raise ParseError(f"unknown {what} {t.text!r}{suggestion(t.text, known)}", t.col, t.text)
        offset = 0
        for p, part in enumerate(parts):
            kind = "FUNC" if is_func(part) and not is_value(part) else "VAL"
            out.append(Tok(kind, part, t.col + offset, t.space_before if p == 0 else False))
            offset += len(part)
    return out


def _operand_end(toks: list[Tok], k: int) -> int:
    """End (exclusive) of the operand starting at k, for a function without parentheses."""
    if k >= len(toks):
        raise ParseError("a function needs an argument", toks[-1].col, toks[-1].text)
    t = toks[k]
    if t.kind == "OP" and t.text in "+-":
        return _operand_end(toks, k + 1)
    if t.kind == "FUNC":
        end = _operand_end(toks, k + 1)
    elif t.kind == "LPAR":
        end = _close_of(toks, k) + 1
    elif t.kind in _ATOMS:
        end = k + 1
        while end < len(toks) and toks[end].kind in _ATOMS and not toks[end].space_before:
            end += 1
    else:
        raise ParseError(f"{t.text!r} cannot be a function's argument", t.col, t.text)
    if end < len(toks) and toks[end].kind == "POW":
        end = _operand_end(toks, end + 1)
    return end


def _close_of(toks: list[Tok], k: int) -> int:
    """Index of the bracket that closes the one at k (brackets already checked)."""
    depth = 0
    for j in range(k, len(toks)):
        depth += {"LPAR": 1, "RPAR": -1}.get(toks[j].kind, 0)
        if depth == 0:
            return j
    raise ParseError("bracket is never closed", toks[k].col, toks[k].text)


def _wrap_bare_calls(toks: list[Tok]) -> list[Tok]:
    """ln x -> ln ( x ): give every function call its parentheses."""
    k = 0
    while k < len(toks):
        t = toks[k]
        if t.kind == "FUNC" and (k + 1 >= len(toks) or toks[k + 1].kind != "LPAR"):
            end = _operand_end(toks, k + 1)
            col = toks[k + 1].col if k + 1 < len(toks) else t.col
            toks = [
                *toks[: k + 1],
                Tok("LPAR", "(", col, closer=")"),
                *toks[k + 1 : end],
                Tok("RPAR", ")", toks[end - 1].col),
                *toks[end:],
            ]
        k += 1
    return toks


def _insert_products(toks: list[Tok]) -> list[Tok]:
    """Make juxtaposition explicit; inside a word that follows '/', divide."""
    out: list[Tok] = []
    divide_word = False
    for t in toks:
        if out:
            prev = out[-1]
            tight = prev.kind in _ATOMS and t.kind in _ATOMS and not t.space_before
            if prev.kind in _NUMBERS and t.kind in _NUMBERS:
                raise ParseError("two numbers in a row", t.col, t.text)
            if prev.kind in (*_ATOMS, "RPAR") and t.kind in (*_ATOMS, "FUNC", "LPAR"):
                out.append(Tok("OP", "/" if tight and divide_word else "*", t.col))
            if t.kind in _ATOMS and not tight:
                divide_word = prev.kind == "OP" and prev.text == "/"
        out.append(t)
    return out


def to_python(
    toks: list[Tok],
    values: Mapping[str, object],
    funcs: Mapping[str, object],
    units: bool = True,
) -> tuple[str, list[int], list[str], list[str], list[Quantity]]:
    """Return (python text, column map, value names, numbers and quantities by placeholder).

    units: read words after a number that are not names as its unit (61.5 mV).
    """
    if not toks:
        raise ParseError("empty expression", 1)
    toks = _rewrite_frac(toks)
    if units:
        toks = merge_units(toks, lambda w: w in values or w in funcs)
    toks = _resolve(toks, lambda w: w in values, lambda w: w in funcs, [*values, *funcs])
    toks = _wrap_bare_calls(toks)
    _match_brackets(toks)
    toks = _insert_products(toks)
    pieces: list[str] = []
    cols: list[int] = []
    val_names: list[str] = []
    numbers: list[str] = []
    quantities: list[Quantity] = []
    for t in toks:
        if t.kind == "VAL":
            piece = f"_v{len(val_names)}"
            val_names.append(t.text)
        elif t.kind == "NUM":
            piece = f"_n{len(numbers)}"
            numbers.append(t.text)
        elif t.kind == "QTY":
            piece = f"_q{len(quantities)}"
            quantities.append(t.data)  # type: ignore[arg-type]
        elif t.kind == "FUNC":
            piece = f"_f_{t.text}"
        elif t.kind == "POW":
            piece = "**"
        elif t.kind in ("OP", "LPAR", "RPAR"):
            piece = t.text
        else:
            raise ParseError(f"{t.text!r} is not allowed here", t.col, t.text)
        pieces.append(piece + " ")
        cols.extend([t.col] * (len(piece) + 1))
    return "".join(pieces), cols, val_names, numbers, quantities
