"""``vrest export MODEL --to FORMAT [-o DIR]``: write a model for another simulator."""

from __future__ import annotations

from pathlib import Path

from vrest.derive.builtin import is_other_format, resolve_model
from vrest.derive.errors import ModelError


def register(subparsers) -> None:
    parser = subparsers.add_parser("export", help="export a model to another simulator or to numeric code",
                                   description="Export a model, with every scenario step by step, for another "
                                   "simulator or as numeric code (what each format holds: docs/model-format.md). "
                                   "A model read from a CellML or SBML file is exported as vrest reads it, in SI, "
                                   "from its initial state, with the stimulus off unless --keep-stimulus. The NEURON and "
                                   "Brian2 exports of every model come with a run script (python <model>_neuron.py "
                                   "--help, after nrnivmodl; python <model>_brian2.py --help).")
    parser.add_argument("model", help="a built-in model name, a TOML model file, or a CellML (.cellml) or SBML "
                        "(.xml, .sbml) file")
    parser.add_argument("--to", required=True, metavar="FORMAT", type=str.lower,  # SBML as sbml
                        help="sbml, cellml, neuroml, nmodl, brian2, numpy, c, or all (any case)")
    parser.add_argument("-o", "--out", default=".", metavar="DIR", help="output directory (default: .)")
    parser.add_argument("--keep-stimulus", action="store_true",
                        help="a CellML or SBML file's stimulus current stays as the file defines it (default: off, "
                        "as at rest)")
    from .role_options import add_role_options

    add_role_options(parser)
    parser.set_defaults(run=run)


def run(args) -> int:
    from ..files import check_output_folder

    check_output_folder(args.out)
    if is_other_format(args.model):
        return _run_imported(args)
    from .role_options import refuse_role_options

    refuse_role_options(args.voltage, args.stimulus)
    if args.keep_stimulus:
        raise ModelError("--keep-stimulus", None, "only for a model read from a CellML or SBML file")
    from ..exporters import export, format_names

    formats = format_names()
    if args.to != "all" and args.to not in formats:
        raise ModelError("--to", args.to, f"unknown format; one of: {', '.join(formats + ['all'])}")
    for path in export(resolve_model(args.model), args.to, args.out):
        print(path)
    return 0


def _run_imported(args) -> int:
    from vrest.derive.rest.loader import load_system

    from ..exporters.systems import export_system, system_format_names

    formats = system_format_names()
    if args.to != "all" and args.to not in formats:  # before the file is read
        raise ModelError("--to", args.to, f"not a format for a model read from a file; one of: "
                         f"{', '.join(formats + ['all'])}")
    system = load_system(args.model, voltage=args.voltage, stimulus=args.stimulus)
    if args.keep_stimulus and system.roles.stimulus is None:  # as simulate --stimulus-on
        raise ModelError("--keep-stimulus", Path(args.model).name, "the file has no stimulus vrest knows of: name it "
                         "with --stimulus NAME")
    for path in export_system(system, args.to, args.out, keep_stimulus=args.keep_stimulus, source=args.model):
        print(path)
    if args.keep_stimulus and args.to in ("numpy", "c", "all"):
        _say_stimulus_switch(system)
    return 0


def _say_stimulus_switch(system) -> None:
    """--keep-stimulus cannot change the numeric code: its stimulus is a parameter the caller sets. Say which."""
    import warnings

    from vrest.derive.errors import ModelWarning

    from ..exporters.system_module import stimulus_switch

    switch = stimulus_switch(system)[1]
    if switch is not None:
        warnings.warn(f"--keep-stimulus: the numpy and c code keep the stimulus behind the parameter {switch[0]} "
                      f"(0 in PARAMETER_VALUES); set it to {switch[1]:g} to switch the stimulus on", ModelWarning,
                      stacklevel=2)
