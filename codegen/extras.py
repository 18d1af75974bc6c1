"""The line that says how to install one of vrest's optional extras (pyproject.toml)."""

from __future__ import annotations

__all__ = ["install_line"]


def install_line(extra: str) -> str:
    """pip's command for ``extra``, from PyPI and from a source checkout (where the package is '.')."""
    return f"pip install 'vrest[{extra}]' (in a source checkout: pip install '.[{extra}]')"
