"""Verify hand derivations: safe parsing, equivalence, diagnosis, step chains.

The public entry point is ``verify(text, against=None, model=None, ...)`` (see
api.py); the pieces are usable on their own with any symbol table:
``parse`` (safe parser), ``compare`` (symbolic, then numeric equivalence),
``diagnose`` (the usual slips), ``check_steps`` and ``check_approximation``.
"""

from .api import setting, verify
from .approx import check_approximation, parse_limit
from .check import check_equation, check_expression
from .diagnose import Context, diagnose
from .equivalence import VerifyError, compare
from .parse import ParseError, parse, parse_equation, parse_expression, with_aliases
from .problem import Problem
from .result import Counterexample, Value, VerifyResult
from .steps import check_steps, read_steps

__all__ = [
    "Context",
    "Counterexample",
    "ParseError",
    "Problem",
    "Value",
    "VerifyError",
    "VerifyResult",
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
    "read_steps",
    "setting",
    "verify",
    "with_aliases",
]
