"""Writing output files whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from vrest.derive.errors import ModelError

__all__ = ["write_atomic"]


def write_atomic(path: str | Path, content: str | bytes, key: str = "output") -> Path:
    """Write ``content`` to ``path`` via a temporary file and a rename.

    A reader never sees a half-written file, and a failure leaves nothing behind.
    An unwritable path raises ModelError naming ``key`` and the path.
    """
    path = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise ModelError(key, str(path), f"cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        os.unlink(tmp)
        raise ModelError(key, str(path), f"cannot write: {exc.strerror or exc}") from None
    return path
