"""Numbers with units in user text: 61.5 mV, 96485 C/mol, 8.314 J/(mol K), 37 degC.

After a number, the words that follow it and are not the model's names form its
unit: unit words joined by '*', '/', a space or brackets, each with an optional
whole-number power (cm^2, s^-1). Each word alone is looked up by the units
library that reads model files (pint, exact fractions); the structure between
the words is read here, so no user text but one word of letters reaches pint.
The number and its unit become one QTY token holding the exact SI value and
the dimension.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from ..units import unit_name, unit_parts
from ._lexer import ParseError, Tok
from .dimensions import DIMENSIONLESS, Dim, mul, of_unit, power

__all__ = ["Quantity", "merge_units", "read_quantity", "unit_word"]

MAX_UNIT_POWER = 6
# Unit symbols: an SI prefix and a symbol (mV, uF, cm, mM, fmol, kohm), or a name
# the units library knows as written (volt, millivolt, kelvin, second). Other
# words pint would accept are too easily a product of names: RT (ronnatesla),
# Cl (clausius), Em (exameter), zF (zeptofarad).
_SYMBOL = re.compile(r"(?:[fpnumcdkM])?(?:V|A|S|F|C|M|mol|L|m|s|g|K|J|W|N|Pa|Hz|ohm)")
_WORDS = ("h", "hr", "min", "degC")
_NAME = re.compile(r"[a-z]{4,20}")
_NOT_UNITS = ("pi", "elementary_charge", "speed_of_light", "standard_gravity", "clausius")


@dataclass(frozen=True)
class Quantity:
    """A number with a unit: text as written, exact SI value, dimension."""

    text: str
    value: Fraction
    dim: Dim
    number: Fraction  # the number as written, without its unit
    unit: str


@lru_cache(maxsize=256)
def unit_word(word: str) -> tuple[Fraction, Fraction, Dim] | None:
    """(scale, offset, dimension) of one unit word, or None when it is not a unit here."""
    symbol = bool(_SYMBOL.fullmatch(word)) or word in _WORDS
    if not (symbol or _NAME.fullmatch(word)):
        return None
    try:
        scale, offset, _ = unit_parts(word)
        canonical = unit_name(word)
    except ValueError:
        return None
    if not symbol and canonical not in (word, word[:-1]):  # volts -> volt
        return None
    if "constant" in canonical or canonical in _NOT_UNITS:
        return None
    return scale, offset, of_unit(word)


class _Reader:
    """Reads one unit after a number, from token k on."""

    def __init__(self, toks: list[Tok], is_unit, k: int):
        self.toks, self.is_unit, self.k = toks, is_unit, k
        self.words: list[str] = []
        self.scale, self.offset, self.dim = Fraction(1), Fraction(0), DIMENSIONLESS

    def peek(self, offset: int = 0) -> Tok | None:
        j = self.k + offset
        return self.toks[j] if j < len(self.toks) else None

    def starts_factor(self, offset: int = 0) -> bool:
        t = self.peek(offset)
        if t is None:
            return False
        if t.kind == "NAME":
            return self.is_unit(t.text)
        if t.kind == "LPAR":
            inner = self.peek(offset + 1)
            return inner is not None and inner.kind == "NAME" and self.is_unit(inner.text)
        return False

    def unit(self, sign: int = 1) -> None:
        """factor ((* | / | space) factor)*"""
        self.factor(sign)
        while True:
            t = self.peek()
            if t is None:
                return
            if t.kind == "OP" and t.text in "*/" and self.starts_factor(1):
                self.k += 1
                self.factor(sign if t.text == "*" else -sign)
            elif t.space_before and self.starts_factor():
                self.factor(sign)
            else:
                return

    def factor(self, sign: int) -> None:
        t = self.toks[self.k]
        if t.kind == "LPAR":
            self.k += 1
            self.unit(sign)
            close = self.peek()
            if close is None or close.kind != "RPAR":
                raise ParseError("a unit in brackets must end with ')'", t.col, t.text)
            self.k += 1
            k = self._exponent()
            if k != 1:
                raise ParseError("a power of a bracketed unit is not allowed: write each unit's power", t.col, t.text)
            return
        word = t.text
        if word in self.words:
            raise ParseError(f"unit {word!r} is written twice", t.col, word)
        self.words.append(word)
        scale, offset, dim = unit_word(word)  # type: ignore[misc]  # starts_factor checked it
        self.k += 1
        k = self._exponent()
        if offset:
            if len(self.toks) > self.k and self._continues() or k != 1 or len(self.words) > 1 or sign != 1:
                raise ParseError(f"{word} is a temperature scale: it cannot be combined with other units", t.col, word)
            self.offset = offset
        self.scale *= scale ** (sign * k)
        self.dim = mul(self.dim, power(dim, Fraction(sign * k)))

    def _continues(self) -> bool:
        t = self.peek()
        return t is not None and (
            (t.kind == "OP" and t.text in "*/" and self.starts_factor(1)) or (t.space_before and self.starts_factor())
        )

    def _exponent(self) -> int:
        """An optional whole-number power after a unit: ^2, ^-1, **3, ^{2} (braces are brackets by now)."""
        t = self.peek()
        if t is None or t.kind != "POW":
            return 1
        self.k += 1
        bracket = self._take("LPAR")
        sign = -1 if self._take("OP", "-") else 1
        if not bracket and sign == 1:
            self._take("OP", "+")
        t = self.peek()
        if t is None or t.kind != "NUM" or not t.text.isdigit() or not 1 <= int(t.text) <= MAX_UNIT_POWER:
            col = t.col if t is not None else self.toks[self.k - 1].col
            raise ParseError(f"a unit's power must be a whole number from 1 to {MAX_UNIT_POWER}", col, t.text if t else None)
        self.k += 1
        if bracket and not self._take("RPAR"):
            raise ParseError("a unit's power must be a whole number", self.toks[self.k - 1].col)
        return sign * int(t.text)

    def _take(self, kind: str, text: str | None = None) -> bool:
        t = self.peek()
        if t is not None and t.kind == kind and (text is None or t.text == text):
            self.k += 1
            return True
        return False


def _unary_minus_before(out: list[Tok]) -> bool:
    """Is the last token a unary '-' (not a subtraction)?"""
    if not out or out[-1].kind != "OP" or out[-1].text != "-":
        return False
    before = out[-2] if len(out) > 1 else None
    return before is None or before.kind in ("OP", "LPAR", "EQ", "POW", "FRAC")


def _is_exponent(out: list[Tok], opened: dict[int, int]) -> bool:
    """Does the token just put in `out` end an exponent (the 2 of 10^2, the (-2) of 10^(-2))?"""
    last = len(out) - 1
    if out[last].kind == "RPAR":
        start = opened.get(last)
        return start is not None and start > 0 and out[start - 1].kind == "POW"
    before = out[last - 1] if last >= 1 else None
    if before is not None and before.kind == "OP" and before.text in "+-" and last >= 2:
        before = out[last - 2]
    return before is not None and before.kind == "POW"


def merge_units(toks: list[Tok], is_name) -> list[Tok]:
    """NUM followed by unit words -> one QTY token (its `data` a Quantity).

    After a power of ten (10^2 mV, 10^(-2) volt) the unit belongs to the whole
    power: it becomes a factor of its own, 1 mV.
    """

    def is_unit(word: str) -> bool:
        return not is_name(word) and unit_word(word) is not None

    out: list[Tok] = []
    stack: list[int] = []
    opened: dict[int, int] = {}  # index in out of a closing bracket -> of its opening one
    k = 0
    while k < len(toks):
        t = toks[k]
        reader = _Reader(toks, is_unit, k + 1)
        if t.kind in ("NUM", "RPAR") and reader.starts_factor():
            probe = [*out, t]
            if t.kind == "RPAR" and stack:
                opened[len(out)] = stack[-1]
            if _is_exponent(probe, opened):  # 10^2 mV: (10^2) * (1 mV)
                out.append(t)
                if t.kind == "RPAR" and stack:
                    stack.pop()
                reader.unit()
                unit_text = _unit_text(toks[k + 1 : reader.k])
                data = Quantity(f"1 {unit_text}", reader.scale + reader.offset, reader.dim, Fraction(1), unit_text)
                out += [Tok("OP", "*", toks[k + 1].col), Tok("QTY", data.text, toks[k + 1].col, data=data)]
                k = reader.k
                continue
        if t.kind != "NUM" or not reader.starts_factor():
            if t.kind == "LPAR":
                stack.append(len(out))
            elif t.kind == "RPAR" and stack:
                opened[len(out)] = stack.pop()
            out.append(t)
            k += 1
            continue
        reader.unit()
        number = Fraction(t.text)
        if reader.offset and _unary_minus_before(out):  # -5 degC is 268.15 K, not -278.15 K
            out.pop()
            number = -number
        unit_text = _unit_text(toks[k + 1 : reader.k])
        value = number * reader.scale + reader.offset
        data = Quantity(f"{'-' if number < 0 else ''}{t.text} {unit_text}", value, reader.dim, number, unit_text)
        out.append(Tok("QTY", data.text, t.col, t.space_before, data=data))
        k = reader.k
    return out


def _unit_text(toks: list[Tok]) -> str:
    return "".join((" " if x.space_before and j else "") + x.text for j, x in enumerate(toks))


def read_quantity(toks: list[Tok], is_name=lambda w: False) -> Quantity:
    """Exactly one number with a unit (e.g. a tolerance '0.1 mV')."""
    merged = merge_units(toks, is_name)
    if len(merged) != 1 or merged[0].kind != "QTY":
        raise ParseError("expected a number with a unit, such as '0.1 mV'")
    return merged[0].data  # type: ignore[return-value]
