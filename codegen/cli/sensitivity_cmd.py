"""``vrest sensitivity MODEL --vary KEY=RANGE ... --quantity ID [--method sobol|morris] [--samples N]
[--json] [--plot FILE.png] [--engine local|dask] [--scheduler ADDRESS] [--workers N]``: global sensitivity
indices by SALib."""

from __future__ import annotations

import json
import sys

from vrest.derive.errors import ModelError

from .sweep_cmd import add_imported_options, check_before_work, resolve


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "sensitivity", help="global sensitivity of a quantity to model-file values (Sobol, Morris; SALib)",
        description="Which model-file values control a quantity most: Sobol indices (S1 first order, ST total, "
                    "with 95% confidence intervals) or Morris screening (mu*, sigma), by SALib over the ranges of "
                    "--vary (a log range is sampled evenly in ln of the value). Needs SALib: pip install "
                    "'vrest[sensitivity]'. The JSON: docs/model-format.md (vrest sensitivity).")
    parser.add_argument("model", help="a built-in model name, a TOML model file, or a CellML (.cellml) or SBML "
                        "(.xml, .sbml) file")
    parser.add_argument("--vary", action="append", required=True, metavar="KEY=RANGE",
                        help='a model-file key and its range, "LOW..HIGH UNIT [log]", e.g. '
                             '"ions.K.outside=2..20 mM log" (two or more)')
    parser.add_argument("--quantity", required=True, action="append", metavar="ID",
                        help="one vrest derive id, e.g. V_ss (a model with gated channels, a CellML or SBML "
                        "file: V_rest, slowest_tau, ...)")
    parser.add_argument("--method", choices=("sobol", "morris"), default="sobol", help="sobol (default) or morris")
    parser.add_argument("--samples", type=int, default=1024, metavar="N",
                        help="base samples (sobol: N (k+2) evaluations; a power of 2) or trajectories (morris: "
                             "N (k+1)); default 1024")
    parser.add_argument("--seed", type=int, default=0, help="seed of the design (default 0)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--plot", metavar="FILE", help="a bar plot of the indices with their intervals (PNG, SVG or "
                        "PDF as FILE ends in .png, .svg or .pdf)")
    parser.add_argument("--engine", choices=("local", "dask"), default="local", help="as for vrest sweep")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler (--engine dask)")
    parser.add_argument("--workers", type=int, metavar="N", help="worker processes (default: the cores)")
    add_imported_options(parser)
    parser.set_defaults(run=run)


def run(args) -> int:
    from ..sweep.imported import ImportedModel
    from ..sweep.indices import sensitivity

    check_before_work(args)
    given = ",".join(args.quantity)
    if len(args.quantity) > 1 or "," in given:
        raise ModelError("--quantity", given, "vrest sensitivity analyses one quantity: give one id (and run it "
                         "again for another)")
    args.quantity = given.strip()
    model = resolve(args)
    result = sensitivity(model, args.vary, args.quantity, args.method, args.samples, args.seed, engine=args.engine,
                         scheduler=args.scheduler, workers=args.workers, progress=True)
    note = dict(model.notes([args.quantity])).get(args.quantity) if isinstance(model, ImportedModel) else None
    if note:  # as vrest sweep and vrest rest: the file's capacitance scales the quantity
        print(f"vrest: note: {args.quantity}: {note}", file=sys.stderr)
    if args.plot:
        path = plot_indices(result, args.plot)
        print(path, file=sys.stderr if args.json else sys.stdout)
    if args.json:
        quantity = {"id": result.quantity, "unit": result.unit} | ({"note": note} if note else {})
        print(json.dumps({"model": result.model, "quantity": quantity,
                          "method": result.method, "evaluations": result.evaluations,
                          "keys": [{"key": k, "unit": u, "range": kind} for k, u, kind in result.keys],
                          "indices": result.indices}, indent=1))
    else:
        print(table(result))
    wide = _wide_intervals(result)
    if wide:
        import warnings

        from vrest.derive.errors import ModelWarning

        warnings.warn(wide, ModelWarning, stacklevel=2)
    return 0


def _index(value: float) -> str:
    """An index with 4 decimals; a value that rounds to 0 is 0.0000, not -0.0000."""
    text = f"{value:8.4f}"
    return text.replace("-0.0000", " 0.0000")


MORRIS_FEWEST = 10  # trajectories: fewer, and a bootstrap interval of mu* says nothing (2 gave 6.28 +- 0.51 for 9.03)


def _wide_intervals(result) -> str | None:
    """A warning when the design is too small for the indices to say anything: a Sobol interval wider than 0.1, a
    Morris interval of mu* wider than a fifth of mu* (for the keys with at least 1 % of the largest mu*: with
    heavy-tailed elementary effects, 64 trajectories put Luo-Rudy 1991's g_K1_max at 3.59 +- 1.43 mV where its
    mu* is 6.65 mV)."""
    if result.method == "sobol":
        widest = max(i[name] for i in result.indices.values() for name in ("S1_conf", "ST_conf"))
        if not widest > 0.1:
            return None
        return (f"the confidence intervals are wide (up to ± {widest:.2g}): the design is too small to rank the keys; "
                f"raise --samples (now {result.evaluations // (len(result.indices) + 2)})")
    trajectories = result.evaluations // (len(result.indices) + 1)
    if trajectories < MORRIS_FEWEST:  # a bootstrap over 2 trajectories: an interval that means nothing
        return (f"{trajectories} trajectories are too few for mu* or its interval to mean much; raise --samples "
                f"(to {MORRIS_FEWEST} or more)")
    largest = max(i["mu_star"] for i in result.indices.values())
    widest = max((i["mu_star_conf"] / i["mu_star"] for i in result.indices.values()
                  if i["mu_star"] > 0.01 * largest), default=0.0)
    if not widest > 0.2:
        return None
    return (f"the confidence intervals of mu* are wide (up to ± {widest:.0%} of mu*): the trajectories are too few "
            f"to rank the keys; raise --samples (now {trajectories})")


def table(result) -> str:
    """One row per key, largest total (or mu*) first."""
    lines = [f"{result.model}: sensitivity of {result.quantity} ({result.method}, {result.evaluations} evaluations)"]
    order = _ranked(result)
    if result.method == "sobol":
        lines.append(f"{'key':28}  {'S1':>16}  {'ST':>16}")
        for key in order:
            i = result.indices[key]
            lines.append(f"{key:28}  {_index(i['S1'])} ± {i['S1_conf']:<6.4f}  {_index(i['ST'])} ± {i['ST_conf']:<6.4f}")
        lines.append("(± : 95% confidence interval; S1 first order, ST total with interactions)")
    else:
        unit = "" if result.unit == "1" else f" [{result.unit}]"
        lines.append(f"{'key':28}  {'mu*' + unit:>22}  {'mu' + unit:>14}  {'sigma' + unit:>14}")
        for key in order:
            i = result.indices[key]
            lines.append(f"{key:28}  {i['mu_star']:11.5g} ± {i['mu_star_conf']:<8.3g}  {i['mu']:14.5g}  "
                         f"{i['sigma']:14.5g}")
        lines.append("(elementary effects over each key's whole range, in ln(value) for a log range; "
                     "± : 95% confidence interval)")
    return "\n".join(lines)


def _ranked(result) -> list[str]:
    """The keys, the largest total index (Sobol's ST, Morris's mu*) first."""
    index = "ST" if result.method == "sobol" else "mu_star"
    return sorted(result.indices, key=lambda k: -result.indices[k][index])


def plot_indices(result, path) -> str:
    from ..plotting import pyplot, save_figure

    plt = pyplot(path)
    keys = _ranked(result)  # top to bottom, as the table's rows
    fig, ax = plt.subplots(figsize=(7, 1.0 + 0.55 * len(keys) * (2 if result.method == "sobol" else 1)))
    y = range(len(keys))
    if result.method == "sobol":
        for shift, name, color in ((-0.18, "S1", "tab:blue"), (0.18, "ST", "tab:orange")):
            ax.barh([k + shift for k in y], [result.indices[key][name] for key in keys], height=0.34,
                    xerr=[result.indices[key][f"{name}_conf"] for key in keys], color=color, label=name, capsize=3)
        ax.set_xlabel("Sobol index (share of the variance)")
        ax.legend(loc="lower right")
    else:
        ax.barh(list(y), [result.indices[key]["mu_star"] for key in keys], height=0.5,
                xerr=[result.indices[key]["mu_star_conf"] for key in keys], capsize=3, color="tab:blue")
        ax.set_xlabel(f"Morris mu* ({result.unit})")
    ax.set_yticks(list(y), keys)
    ax.invert_yaxis()
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_title(f"{result.model}: sensitivity of {result.quantity} ({result.method}, {result.evaluations} "
                 "evaluations)")
    fig.tight_layout()
    return str(save_figure(fig, path))
