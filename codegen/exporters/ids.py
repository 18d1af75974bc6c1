"""Valid identifiers for every export format, from the names a user gave.

Model files already restrict ion names to letters and digits and the model name
to an identifier, so built-in and file models pass through unchanged. Models
built in Python may use any text (``Ion("Na+", 1)``, ``"K-leak"``, ``"my ion"``).
Every format vrest writes (SBML SId, CellML, NeuroML NmlId, NMODL, Brian2,
Python, C) accepts ``[A-Za-z][A-Za-z0-9_]*``, so one rule serves them all:

- ``+`` becomes ``_plus`` (``Na+`` -> ``Na_plus``, ``Ca2+`` -> ``Ca2_plus``);
- every other run of characters outside letters, digits and ``_`` becomes ``_``
  (``K-leak`` -> ``K_leak``, ``a<b`` -> ``a_b``); ``_`` runs collapse, ends are trimmed;
- a name that then starts with a digit (or is empty) gets the prefix ``id_``;
- a name equal to a reserved word of the target gets the suffix ``_``.

Two different names that become the same id are a ModelError naming both: we
never merge two quantities silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import sympy as sp

from vrest.derive.errors import ModelError
from vrest.derive.model import Model

__all__ = ["valid_id", "id_map", "symbol_ids"]

_INVALID = re.compile(r"[^A-Za-z0-9_]+")


def valid_id(name: str, reserved: Iterable[str] = ()) -> str:
    """``name`` as an identifier valid in every export format (see the module docstring)."""
    text = _INVALID.sub("_", name.replace("+", "_plus"))
    text = re.sub(r"_+", "_", text).strip("_")
    if not text or not text[0].isalpha():
        text = f"id_{text}" if text else "id"
    if text in set(reserved):
        text += "_"
    return text


def id_map(names: Iterable[str], reserved: Iterable[str] = ()) -> dict[str, str]:
    """{name: id} for distinct ``names``; a ModelError when two names collide."""
    reserved = set(reserved)
    out: dict[str, str] = {}
    taken: dict[str, str] = {}
    for name in names:
        if name in out:
            continue
        ident = valid_id(name, reserved)
        if ident in taken:
            raise ModelError("name", name, f"becomes the id {ident!r}, the same as {taken[ident]!r}; rename one of them")
        taken[ident] = name
        out[name] = ident
    return out


def symbol_ids(model: Model, extra: Iterable[sp.Symbol] = (), reserved: Iterable[str] = ()
               ) -> dict[sp.Symbol, str]:
    """{symbol: id} for every symbol of ``model`` (parameters, quantities, states) and ``extra``."""
    symbols: Mapping[str, sp.Symbol] = {**model.symbols, **{s.name: s for s in extra}}
    ids = id_map(symbols, reserved)
    return {symbol: ids[name] for name, symbol in symbols.items()}
