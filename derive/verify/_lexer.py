"""Lexer for `vrest verify`: user text (plain math or a LaTeX subset) -> tokens.

The lexer is the first of two gates (the AST renderer in parse.py is the
second). It knows a closed set of token kinds; any other character is refused
with its column. Columns are 1-based and always refer to the user's text, even
after LaTeX clean-up, through a column map carried along with the string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["MAX_CHARS", "ParseError", "Tok", "lex"]

MAX_CHARS = 2000  # longest text accepted at all
MAX_NUMBER_DIGITS = 30  # digits in one numeric literal
MAX_EXPONENT_10 = 300  # |e| in 1e-300


class ParseError(ValueError):
    """User text that vrest refuses to read; names the token and its column."""

    def __init__(self, message: str, column: int | None = None, token: str | None = None, line: int | None = None):
        self.message = message
        self.column = column
        self.token = token
        self.line = line
        where = [f"line {line}"] if line is not None else []
        where += [f"column {column}"] if column is not None else []
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


@dataclass
class Tok:
    """One token. kind: NUM NAME FUNC OP POW LPAR RPAR EQ FRAC, and QTY (a number with its unit)."""

    kind: str
    text: str
    col: int
    space_before: bool = False
    closer: str = field(default="", repr=False)  # for LPAR: the bracket that closes it
    data: object = field(default=None, repr=False)  # for QTY: the Quantity


# Characters that stand for a unit's letters: 37 °C is 37 degC, 20 kΩ cm^2 is 20 kohm cm^2.
_UNICODE_WORDS = {"\u00b0": "deg", "\u2126": "ohm", "\u03a9": "ohm"}
# 1:1 replacements keep the column map trivial.
_UNICODE = {"\u2212": "-", "\u00d7": "*", "\u00b7": "*", "\u22c5": "*", "\u00f7": "/", "\u00b5": "u", "\u03bc": "u"}

_GREEK = ["alpha", "beta", "gamma", "delta", "Delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "phi", "varphi", "chi", "psi", "omega", "Omega"]
_FUNC_COMMANDS = ("ln", "log", "exp", "sqrt")
_SPACE_COMMANDS = (",", ";", ":", "!", " ", "quad", "qquad")
_TEXT_WRAPPERS = ("mathrm", "text", "textrm", "mathit", "operatorname", "mathsf", "rm")
_FRAC_MARK = "\x01"  # stands for \frac after clean-up; users cannot type it

_COMMAND = re.compile(r"\\([A-Za-z]+|[,;:! \\])")
_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# [K]_o, [K+]_i, [K^+]_o, [Ca^{2+}]_{in}, [Cl-]_out
_CONC = re.compile(
    r"\[\s*([A-Za-z][A-Za-z0-9]*?)\s*(?:\^?\{?\s*\d*\s*[+-]*\s*\}?)?\s*\]\s*_\s*"
    r"(?:\{\s*([A-Za-z]+)\s*\}|(in|out|i|o)(?![A-Za-z0-9]))"
)
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:_(?:\{[A-Za-z0-9 ]*\}|[A-Za-z0-9]+))*")


def _clean(text: str) -> tuple[str, list[int]]:
    """Resolve LaTeX commands that only rename or space; return text and column map."""
    out: list[str] = []
    cols: list[int] = []

    def put(s: str, col: int) -> None:
        out.extend(s)
        cols.extend([col] * len(s))

    i, n = 0, len(text)
    close_wrapper: list[int] = []  # brace depth at which a \mathrm{ group closes
    depth = 0
    while i < n:
        ch = _UNICODE.get(text[i], text[i])
        col = i + 1
        if ch in _UNICODE_WORDS:
            put(_UNICODE_WORDS[ch], col)
            i += 1
            continue
        if not (ch.isascii() and (ch.isprintable() or ch in "\t\n\r")):
            raise ParseError(f"character {text[i]!r} is not allowed", col, text[i])
        if ch == "{":
            depth += 1
        elif ch == "}":
            if close_wrapper and close_wrapper[-1] == depth:
                close_wrapper.pop()
                depth -= 1
                i += 1
                continue
            depth -= 1
        if ch != "\\":
            put(ch, col)
            i += 1
            continue
        m = _COMMAND.match(text, i)
        if not m:
            raise ParseError("a backslash must start a LaTeX command", col, "\\")
        name, end = m.group(1), m.end()
        if name in _SPACE_COMMANDS or name == "\\":
            put(" ", col)
        elif name in ("left", "right"):
            j = end
            while j < n and text[j] == " ":
                j += 1
            if j < n and text[j] == ".":
                end = j + 1  # invisible delimiter
            elif j < n and text[j] in "()[]":
                put(" " + text[j], col)
                end = j + 1
            else:
                raise ParseError(f"\\{name} must be followed by ( ) [ ] or .", col, "\\" + name)
        elif name in ("frac", "dfrac", "tfrac"):
            put(" " + _FRAC_MARK, col)
        elif name in ("cdot", "times"):
            put(" * ", col)
        elif name == "div":
            put(" / ", col)
        elif name in _FUNC_COMMANDS or name in _GREEK:
            # \tau_m -> tau_m; a space before keeps "2\ln" from gluing to a name
            put(" " + name if name in _FUNC_COMMANDS else name, col)
        elif name in _TEXT_WRAPPERS:
            j = end
            while j < n and text[j] == " ":
                j += 1
            if j >= n or text[j] != "{":
                raise ParseError(f"\\{name} must be followed by {{...}}", col, "\\" + name)
            depth += 1
            close_wrapper.append(depth)
            end = j + 1
        else:
            raise ParseError(f"unknown LaTeX command \\{name}", col, "\\" + name)
        i = end
    return "".join(out), cols


def _number_ok(text: str, col: int) -> None:
    mantissa, _, exp = text.lower().partition("e")
    digits = sum(c.isdigit() for c in mantissa.lstrip("0."))
    if digits > MAX_NUMBER_DIGITS:
        raise ParseError(f"number {text[:20]}... has too many digits", col, text)
    if exp and abs(int(exp)) > MAX_EXPONENT_10:
        raise ParseError(f"number {text} is out of range", col, text)


_SINGLE = {"+": "OP", "-": "OP", "*": "OP", "/": "OP", "^": "POW"}
_OPEN = {"(": ")", "[": "]", "{": "}"}


def lex(text: str) -> list[Tok]:
    """Split user text into tokens; refuse anything outside the grammar."""
    if len(text) > MAX_CHARS:
        raise ParseError(f"input is {len(text)} characters long; the limit is {MAX_CHARS}")
    s, cols = _clean(text)
    toks: list[Tok] = []
    i, n, space = 0, len(s), True
    while i < n:
        ch, col = s[i], cols[i]
        if ch in " \t\r\n&":  # & is LaTeX alignment
            space = True
            i += 1
            continue
        if ch == _FRAC_MARK:
            tok, i = Tok("FRAC", "\\frac", col), i + 1
        elif ch.isdigit() or (ch == "." and i + 1 < n and s[i + 1].isdigit()):
            m = _NUMBER.match(s, i)
            assert m is not None
            _number_ok(m.group(), col)
            tok, i = Tok("NUM", m.group(), col), m.end()
        elif ch == "[" and (m := _CONC.match(s, i)):
            sub = m.group(2) or m.group(3)
            tok, i = Tok("NAME", f"{m.group(1)}_{sub}", col), m.end()
        elif ch.isalpha():
            m = _NAME.match(s, i)
            assert m is not None
            word = re.sub(r"[{} ]", "", m.group())
            tok, i = Tok("NAME", word, col), m.end()
        elif s.startswith("**", i):
            tok, i = Tok("POW", "**", col), i + 2
        elif s.startswith("==", i):
            tok, i = Tok("EQ", "=", col), i + 2
        elif ch == "=":
            tok, i = Tok("EQ", "=", col), i + 1
        elif ch in _SINGLE:
            tok, i = Tok(_SINGLE[ch], ch, col), i + 1
        elif ch in _OPEN:
            tok, i = Tok("LPAR", ch, col, closer=_OPEN[ch]), i + 1
        elif ch in ")]}":
            tok, i = Tok("RPAR", ch, col), i + 1
        else:
            hint = " (names start with a letter)" if ch == "_" else ""
            raise ParseError(f"unexpected character {ch!r}{hint}", col, ch)
        tok.space_before = space
        space = False
        toks.append(tok)
    return toks
