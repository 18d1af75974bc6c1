"""``vrest export FILE.cellml|FILE.xml --to numpy|c``: the numeric code of another tool's model file.

The same generated files vrest runs the model with (codegen.exporters.system_module): a NumPy module
to import, or C99 to compile (rhs, analytic Jacobian, the file's named quantities, rate factors), the
stimulus off by default.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from vrest.derive.errors import ModelError, ModelWarning

from ..files import write_all_atomic

__all__ = ["export_imported", "NUMERIC_FORMATS"]

NUMERIC_FORMATS = ("numpy", "c")


def export_imported(spec: str, to: str, out_dir: str | Path) -> list[Path]:
    """Write the numeric code of the model file ``spec`` in format ``to`` into ``out_dir``; the paths written."""
    if to not in NUMERIC_FORMATS:
        raise ModelError("--to", to, f"a CellML or SBML file exports to {' or '.join(NUMERIC_FORMATS)}")
    from vrest.derive.rest.loader import load_system

    from ..exporters.system_module import system_code, system_file_stem

    with warnings.catch_warnings(record=True) as read:
        warnings.simplefilter("always", ModelWarning)
        system = load_system(spec)
    for note in read:  # what reading the file said, once
        warnings.warn_explicit(note.message, note.category, note.filename, note.lineno)
    code = system_code(system)
    stem = system_file_stem(system)
    files = {"numpy": {f"{stem}.py": code.numpy}, "c": {f"{stem}.c": code.c}}[to]
    return write_all_atomic({Path(out_dir) / name: text for name, text in files.items()}, key="-o")
