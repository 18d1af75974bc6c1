"""The one exception vrest raises for bad input."""

from __future__ import annotations

import re
import reprlib

__all__ = ["ModelError", "ModelWarning", "one_line", "shown"]

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


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def shown(value: object, depth: int = 0) -> str:
    """``value`` as a model file writes it (TOML: ``{ Na = 3, K = -2 }``, ``true``, ``'20 mM'``), shortened."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list, tuple)):
        if depth >= _SHORT.maxlevel:
            return "{...}" if isinstance(value, dict) else "[...]"
        if isinstance(value, dict):
            items = [f"{key if _BARE_KEY.fullmatch(str(key)) else _short(str(key))} = {shown(item, depth + 1)}"
                     for key, item in list(value.items())[:_SHORT.maxdict]]
        else:
            items = [shown(item, depth + 1) for item in list(value)[:_SHORT.maxlist]]
        if len(value) > len(items):
            items.append("...")
        if isinstance(value, dict):
            return "{ " + ", ".join(items) + " }" if items else "{}"
        return "[" + ", ".join(items) + "]"
    return _short(value)


class ModelError(ValueError):
    """Bad input: names the key (a dotted path such as ``ions.K.inside``) and the value.

    The command line prints ``str(error)`` as one line and exits with code 2.
    """

    def __init__(self, key: str, value: object, problem: str) -> None:
        self.key = key
        self.value = value
        self.problem = problem
        written = "" if value is None else f" = {shown(value)}"
        name = one_line(key, 200)
        super().__init__(one_line(f"{name}{written}: {problem}" if key else problem))


class ModelWarning(UserWarning):
    """A model that is valid but physically doubtful; the command line prints it once as ``vrest: warning: ...``."""
