"""``vrest export MODEL --to FORMAT [-o DIR]``: write a model for another simulator."""

from __future__ import annotations

from pathlib import Path

from vrest.derive.builtin import resolve_model
from vrest.derive.errors import ModelError

from ..exporters import export, format_names


def register(subparsers) -> None:
    parser = subparsers.add_parser("export", help="export a model to another simulator or to numeric code",
                                   description="Export a model, with every scenario step by step, for another "
                                   "simulator or as numeric code (what each format holds: docs/model-format.md).")
    parser.add_argument("model", help="a built-in model name, a TOML model file, or a CellML (.cellml) or SBML "
                        "(.xml, .sbml) file (numpy and c)")
    parser.add_argument("--to", required=True, metavar="FORMAT",
                        help="sbml, cellml, neuroml, nmodl, brian2, numpy, c, or all")
    parser.add_argument("-o", "--out", default=".", metavar="DIR", help="output directory (default: .)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from ..simulation.imported import IMPORTED_SUFFIXES

    if Path(args.model).suffix.lower() in IMPORTED_SUFFIXES:  # another tool's model file
        from .export_imported import export_imported

        for path in export_imported(args.model, args.to, args.out):
            print(path)
        return 0
    formats = format_names()
    if args.to != "all" and args.to not in formats:
        raise ModelError("--to", args.to, f"unknown format; one of: {', '.join(formats + ['all'])}")
    for path in export(resolve_model(args.model), args.to, args.out):
        print(path)
    return 0
