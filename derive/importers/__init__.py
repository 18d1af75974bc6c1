"""Other tools' model files as vrest ODE systems: CellML 1.0, 1.1 and 2.0, and SBML.

The parsing is done by Myokit (its CellML and SBML readers build expression trees from the
MathML; nothing in a file is evaluated as code), after the file has been read safely
(no DOCTYPE, no entities, no network, nothing outside the model's folder). The result is an
OdeSystem in SI with roles (membrane potential, stimulus, capacitance, currents), so every
generic tool of vrest works on it.
"""

from __future__ import annotations

from pathlib import Path

from ..system import OdeSystem
from .cellml import read_cellml
from .sbml import read_sbml

__all__ = ["read_cellml", "read_sbml", "read_model_file", "READERS"]

READERS = {".cellml": read_cellml, ".xml": read_sbml, ".sbml": read_sbml}


def read_model_file(path: str | Path, *, voltage: str | None = None, stimulus: str | None = None) -> OdeSystem:
    """The ODE system of a .cellml, .sbml or .xml (SBML) file."""
    path = Path(path)
    reader = READERS[path.suffix.lower()]
    return reader(path, voltage=voltage, stimulus=stimulus)
