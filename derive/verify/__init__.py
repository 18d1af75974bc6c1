"""Verify hand derivations: safe parsing, equivalence, diagnosis, step chains.

The public entry point is ``verify(text, against=None, model=None, ...)`` (see
api.py); the pieces are usable on their own with any symbol table:
``parse`` (safe parser), ``compare`` (symbolic, then numeric equivalence),
``diagnose`` (the usual slips), ``check_steps`` and ``check_approximation``.
A formula that holds only at rest or at the model's values is marked so
(``VerifyResult.holds_only``, ``.identity``: scope.py).
Numbers with units in user text are exact SI values with a dimension
(``parse_written``); a claim written with numbers is checked within a
``Tolerance`` at the model's values (DEFAULT_TOLERANCE: 1 %).
"""

from .api import setting, verify
from .approx import check_approximation, parse_limit
from .check import check_equation, check_expression
from .diagnose import Context, diagnose
from .equivalence import VerifyError, compare
from .parse import Literal, ParseError, Written, parse, parse_equation, parse_expression, parse_written, with_aliases
from .problem import Problem
from .result import Counterexample, Identity, Value, VerifyResult
from .steps import check_steps, read_steps
from .tolerance import DEFAULT_TOLERANCE, Tolerance, parse_tolerance

__all__ = [
    "DEFAULT_TOLERANCE",
    "Context",
    "Counterexample",
    "Identity",
    "Literal",
    "ParseError",
    "Problem",
    "Tolerance",
    "Value",
    "VerifyError",
    "VerifyResult",
    "Written",
    "check_approximation",
    "check_equation",
    "check_expression",
    "check_steps",
    "compare",
    "diagnose",
    "parse",
    "parse_equation",
    "parse_expression",
    "parse_limit",
    "parse_tolerance",
    "parse_written",
    "read_steps",
    "setting",
    "verify",
    "with_aliases",
]
