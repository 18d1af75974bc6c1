"""``vrest derive [MODEL] [--scenario NAME] [--json] [--latex] [--report OUT.md] [--quantity ID ...]
[--voltage NAME] [--stimulus NAME]``.

The derived quantities, and with ``--scenario`` what each of its steps does (the jump with the
amounts frozen, the new steady state). The JSON is described in docs/model-format.md.
"""

from __future__ import annotations

from vrest.derive.builtin import DEFAULT_MODEL, is_other_format
from vrest.derive.errors import ModelError


def register(subparsers) -> None:
    parser = subparsers.add_parser("derive", help="derive closed-form results for a model",
                                   description="Derive closed-form results for a model (model files and the JSON "
                                   "output: docs/model-format.md).")
    parser.add_argument("model", nargs="?", default=DEFAULT_MODEL,
                        help=f"a built-in model name or a TOML model file (default: {DEFAULT_MODEL}); for a CellML "
                        "or SBML file, its current balance at rest")
    parser.add_argument("--scenario", metavar="NAME",
                        help="also derive each step of this scenario: V just before it, the jump (amounts frozen) "
                        "and the new steady state")
    parser.add_argument("--protocol", metavar="FILE.toml",
                        help="the same for an experiment in its own file, written as a [scenario.NAME] table "
                        "(vrest's own models)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="machine-readable output (docs/model-format.md)")
    output.add_argument("--latex", action="store_true", help="the equations as LaTeX")
    parser.add_argument("--report", metavar="OUT.md",
                        help="write a Markdown report (LaTeX equations, steps, assumptions, values) to OUT.md")
    parser.add_argument("--quantity", action="append", metavar="ID",
                        help="only this quantity id (repeatable, or several separated by commas as for vrest sweep), in the table, --json, --latex or --report, the "
                             "scenario's steps included (with --scenario also a step's id: V_before, V_jump, "
                             "dV_jump; a report also takes time_constants, ouabain)")
    from .role_options import add_role_options

    add_role_options(parser)
    parser.set_defaults(run=run)


def run(args) -> int:
    if args.quantity:  # --quantity V_ss,E_K as vrest sweep takes it, or repeated
        args.quantity = [q.strip() for text in args.quantity for q in text.split(",") if q.strip()]
    if is_other_format(args.model):  # a CellML or SBML file: its current balance at rest
        from .derive_imported import run_imported

        if args.protocol:
            raise ModelError("--protocol", args.protocol, "vrest derive of a CellML or SBML file gives its current "
                             "balance at rest; run a protocol on it with vrest simulate FILE --protocol")

        return run_imported(args)
    from .role_options import refuse_role_options

    refuse_role_options(args.voltage, args.stimulus)
    from .derive_model import run_model  # SymPy and the derivations: not for --help

    return run_model(args)
