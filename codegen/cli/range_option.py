"""--range: the voltage range of the resting states, one declaration for every command that takes it (rest, sweep,
sensitivity), so that each reads and explains it alike (docs/model-format.md, "vrest rest").

argparse alone cannot read it: its value may start with '-' (``-150..60mV`` looks like an option) and the
two-voltage form ``'-150 mV' '60 mV'`` would take any word after it (the model's name) as a third value.
``gather_range_values`` therefore collects the values first, before argparse sees the command line: the word after
--range (or an abbreviation argparse would take), then every further word that is a voltage, and hands them on as
one value.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Collection, Sequence

__all__ = ["RANGE_HELP", "add_range_option", "gather_range_values", "range_spellings"]

RANGE_HELP = ("the voltage range of the resting states: -150..60mV, '-150..60 mV', --range=-150..60mV or two "
              "voltages '-150 mV' '60 mV' (or -150mV 60mV); the lower first, a unit is required (default "
              "-150..60 mV)")

# Between values gathered for one --range: a character no command-line argument can hold.
_SEPARATOR = "\0"
# A word that is one voltage (or a number without its unit, refused later with vrest's own message).
_VOLTAGE = re.compile(r"^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*[^\W\d_]*\s*$")
_STARTS_WITH_MINUS_NUMBER = re.compile(r"^-[\d.]")
# A unit of voltage on its own, the word after a value typed without quotes (--range -100..-50 V)
_UNIT = re.compile(r"^[munkµ]?V$")


class _RangeValues(argparse.Action):
    """The gathered values as a list of the words the user typed."""

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, values.split(_SEPARATOR))


def add_range_option(parser) -> None:
    """Add --range to ``parser`` (a parser or an argument group): a list of one or two words, or None."""
    parser.add_argument("--range", action=_RangeValues, metavar="LO..HI", default=None, help=RANGE_HELP)


def range_spellings(option_strings: Collection[str]) -> set[str]:
    """--range and every abbreviation of it that argparse takes for it among ``option_strings`` (empty if the
    command has no --range)."""
    if "--range" not in option_strings:
        return set()
    return {"--range"[:n] for n in range(3, 8)
            if not any(other.startswith("--range"[:n]) for other in option_strings if other != "--range")}


def gather_range_values(argv: Sequence[str], spellings: Collection[str]) -> list[str]:
    """``argv`` with each --range (any of ``spellings``) and its values as the one argument ``--range=VALUES``.

    Its values: the next word unless it is an option (it may start with '-' and a digit or '.'), then every
    further word that is a voltage (``60mV``, ``'60 mV'``, ``-60``). Nothing after "--" changes.
    """
    gathered: list[str] = []
    words = list(argv)
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        name, equals, value = word.partition("=")
        if "--" in gathered or name not in spellings:
            gathered.append(word)
            continue
        values = [value] if equals else []
        if not equals and i < len(words) and words[i] != "--" \
                and (not words[i].startswith("-") or _STARTS_WITH_MINUS_NUMBER.match(words[i])):
            values.append(words[i])
            i += 1
        while values and i < len(words) and (_VOLTAGE.match(words[i]) or _UNIT.match(words[i])):
            if _UNIT.match(words[i]) and values[-1][-1:].isdigit():  # -100..-50 V unquoted: the unit of that value
                values[-1] = f"{values[-1]} {words[i]}"
            elif _UNIT.match(words[i]):
                break
            else:
                values.append(words[i])
            i += 1
        gathered.append(f"--range={_SEPARATOR.join(values)}" if values else word)
    return gathered
