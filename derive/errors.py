"""The one exception vrest raises for bad input."""

from __future__ import annotations

import reprlib

__all__ = ["ModelError", "ModelWarning", "one_line"]

# Values are shown shortened: a model file may hold a 50 MB string or an array nested 900 deep.
_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 120
_SHORT.maxlong = 60
_SHORT.maxlevel = 3
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = 8


def one_line(text: str, limit: int = 2000) -> str:
    """``text`` on one line: control characters (newline, NUL, ...) escaped, at most ``limit`` characters."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _short(value: object) -> str:
    try:
        return _SHORT.repr(value)
    except (ValueError, RecursionError):  # an int beyond Python's 4300 digits of str()
        return f"<a {type(value).__name__} too large to show>"


class ModelError(ValueError):
    """Bad input: names the key (a dotted path such as ``ions.K.inside``) and the value.

    The command line prints ``str(error)`` as one line and exits with code 2.
    """

    def __init__(self, key: str, value: object, problem: str) -> None:
        self.key = key
        self.value = value
        self.problem = problem
        shown = "" if value is None else f" = {_short(value)}"
        name = one_line(key, 200)
        super().__init__(one_line(f"{name}{shown}: {problem}" if key else problem))


class ModelWarning(UserWarning):
    """A model that is valid but physically doubtful; the command line prints it once as ``vrest: warning: ...``."""
