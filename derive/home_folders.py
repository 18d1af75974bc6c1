"""Folders in a home vrest may not be able to write (a read-only home, as on many compute nodes and containers).

Myokit makes ~/.config/myokit when it is imported and matplotlib its settings folder; vrest keeps its compiled
models in ~/.cache/vrest. Where such a folder cannot be made, a temporary one serves the process and is removed at
its end.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

__all__ = ["can_make", "temporary_folder"]


def can_make(folder: str | os.PathLike) -> bool:
    """Whether ``folder`` is (or can be made) a folder this process can write."""
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK)


def temporary_folder(prefix: str) -> str:
    """A new temporary folder, removed when the process ends."""
    folder = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder
