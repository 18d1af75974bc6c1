"""Run a symbolic computation with a hard time limit.

SymPy's simplify, cancel or series can take unbounded time on unlucky input,
and a Python thread cannot be stopped. So the work runs in a forked child
process that is killed when its time is up; the caller then falls back to
numeric sampling. Where fork is unavailable the work is skipped (None).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

__all__ = ["run_limited"]


def _child(conn: Connection, fn: Callable[..., Any], args: tuple) -> None:
    try:
        conn.send(("ok", fn(*args)))
    except Exception as exc:  # noqa: BLE001 - any failure is reported, never hangs the parent
        conn.send(("error", repr(exc)))
    finally:
        conn.close()


def run_limited(fn: Callable[..., Any], *args: Any, timeout: float) -> Any | None:
    """fn(*args) computed within timeout seconds, or None (time out, error, no fork)."""
    if timeout <= 0 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(sender, fn, args), daemon=True)
    proc.start()
    sender.close()
    result = None
    try:
        if receiver.poll(timeout):
            status, value = receiver.recv()
            result = value if status == "ok" else None
    except (EOFError, OSError):
        result = None
    finally:
        receiver.close()
        if proc.is_alive():
            proc.kill()
        proc.join()
    return result
