"""One line of progress on stderr for long work (vrest sweep, sensitivity, simulate).

On a terminal the line is rewritten in place, at most 5 times a second. Elsewhere (a log file, a pipe, a
batch job's output) each update is a line of its own, at most one every 10 s: no carriage returns that would
make one long line of a log. Nothing is shown in the first second.
"""

from __future__ import annotations

import sys
import time

__all__ = ["ProgressLine"]

QUIET_FIRST = 1.0  # s before the first line
ON_A_TERMINAL = 0.2  # s between updates of the line in place
IN_A_LOG = 10.0  # s between lines written to a file or a pipe


class ProgressLine:
    """The progress line of one piece of work: ask ``due()``, then ``show(text)``; ``done()`` at its end."""

    def __init__(self) -> None:
        self.start = self.last = self.now = time.monotonic()
        self.shown = False

    def due(self, final: bool = False) -> bool:
        """Whether an update is to be shown now (``final``: the last one, shown once the first second is past)."""
        self.now = time.monotonic()  # the time of the update, for its text
        if self.now - self.start <= QUIET_FIRST:
            return False
        wait = ON_A_TERMINAL if _terminal() else IN_A_LOG
        return final or not self.shown or self.now - self.last > wait

    def show(self, text: str) -> None:
        self.last, self.shown = self.now, True
        if _terminal():
            print(f"\r{text}   ", end="", file=sys.stderr, flush=True)
        else:
            print(text, file=sys.stderr, flush=True)

    def done(self) -> None:
        """End the line rewritten in place (a log's lines are ended already)."""
        if self.shown and _terminal():
            print(file=sys.stderr)


def _terminal() -> bool:
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())
