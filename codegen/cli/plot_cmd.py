"""``vrest plot MODEL iv|pump [-o FILE]``: I-V curves, and steady volume and V against pump rate.

The figure is PNG, SVG or PDF as the file name's suffix says, deterministic and written whole
(codegen.plotting); codegen.cli.plot_figures computes and draws it.
"""

from __future__ import annotations

import sys

from vrest.derive.builtin import DEFAULT_MODEL, resolve_model
from vrest.derive.errors import ModelError

__all__ = ["register", "run"]

_KINDS = ("iv", "pump")


def register(subparsers) -> None:
    parser = subparsers.add_parser("plot", help="plot I-V curves (iv) or the pump-leak steady state (pump)",
                                   description="Plot a model's leak I-V curves (iv) or its pump-leak steady volume "
                                   "and V against the pump rate (pump), as PNG, SVG or PDF.")
    parser.add_argument("model", nargs="?", default=DEFAULT_MODEL,
                        help=f"a built-in model name or a TOML model file (default: {DEFAULT_MODEL})")
    parser.add_argument("kind", metavar="{iv,pump}", help="iv: leak I-V curves; pump: volume and V against pump rate")
    parser.add_argument("-o", "--output", metavar="FILE", help="the figure to write, its format from the suffix: "
                        ".png, .svg or .pdf (default: MODEL_KIND.png)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from vrest.derive.derivation import NotApplicable

    from ..plotting import figure_path, pyplot, save_figure
    from .plot_figures import figure_iv, figure_pump  # NumPy, SymPy, SciPy, the derivations: not for --help

    if args.kind not in _KINDS:  # checked here, not by argparse: the model and the kind swapped get a hint
        swapped = f"; did you mean `vrest plot {args.kind} {args.model}`?" if args.model in _KINDS else ""
        raise ModelError("plot", args.kind, f"expected iv or pump after the model{swapped}")
    if args.output:  # a name vrest cannot write is refused before any work
        figure_path(args.output, "-o")
    model = resolve_model(args.model)
    path = figure_path(args.output or f"{model.name}_{args.kind}.png", "-o")
    plt = pyplot(path, "-o")
    try:
        fig = (figure_iv if args.kind == "iv" else figure_pump)(plt, model)
    except NotApplicable as reason:
        print(f"vrest: error: cannot plot {args.kind} for {model.name}: {reason}", file=sys.stderr)
        return 2
    fig.tight_layout()
    print(save_figure(fig, path, "-o", dpi="figure"))
    return 0
