"""The one exception vrest raises for bad input."""

from __future__ import annotations

__all__ = ["ModelError", "ModelWarning"]


class ModelError(ValueError):
    """Bad input: names the key (a dotted path such as ``ions.K.inside``) and the value.

    The command line prints ``str(error)`` as one line and exits with code 2.
    """

    def __init__(self, key: str, value: object, problem: str) -> None:
        self.key = key
        self.value = value
        self.problem = problem
        shown = "" if value is None else f" = {value!r}"
        super().__init__(f"{key}{shown}: {problem}" if key else problem)


class ModelWarning(UserWarning):
    """A model that is valid but physically doubtful; the command line prints it once as ``vrest: warning: ...``."""
