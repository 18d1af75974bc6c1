"""--voltage and --stimulus: the membrane potential and the stimulus of a model that does not say which they are.

One declaration for every command that takes them (rest, simulate, export, sweep, sensitivity, derive), so that each
says the same (docs/model-format.md, "vrest rest").
"""

from __future__ import annotations

from vrest.derive.errors import ModelError

__all__ = ["add_role_options", "refuse_role_options"]


def add_role_options(parser) -> None:
    """Add --voltage NAME and --stimulus NAME to ``parser`` (a parser or an argument group)."""
    parser.add_argument("--voltage", metavar="NAME", help="the state that is the membrane potential, where the model "
                        "(a CellML or SBML file) does not say: its name or component.name")
    parser.add_argument("--stimulus", metavar="NAME", help="the parameter or quantity that is the stimulus current, "
                        "where the model (a CellML or SBML file) does not say: off (0) at rest")


def refuse_role_options(voltage: str | None, stimulus: str | None) -> None:
    """A vrest model knows its membrane potential and stimulus: --voltage or --stimulus given for one is refused,
    in the same words by every command that refuses them."""
    for option, value in (("--voltage", voltage), ("--stimulus", stimulus)):
        if value is not None:
            raise ModelError(option, value, "only for a CellML or SBML file")
