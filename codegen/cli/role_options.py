"""--voltage and --stimulus: the membrane potential and the stimulus of a model that does not say which they are.

One declaration for every command that takes them (rest, simulate, export, sweep, sensitivity), so that each
says the same (docs/model-format.md, "vrest rest").
"""

from __future__ import annotations

__all__ = ["add_role_options"]


def add_role_options(parser) -> None:
    """Add --voltage NAME and --stimulus NAME to ``parser`` (a parser or an argument group)."""
    parser.add_argument("--voltage", metavar="NAME", help="the state that is the membrane potential, where the model "
                        "(a CellML or SBML file) does not say: its name or component.name")
    parser.add_argument("--stimulus", metavar="NAME", help="the parameter or quantity that is the stimulus current, "
                        "where the model (a CellML or SBML file) does not say: off (0) at rest")
