"""``vrest sweep MODEL --vary KEY=SPEC [--vary ...] [--quantity ID,...] [--scenario NAME --times T1,...]
[--samples N --method grid|random|lhs|sobol] [--out FILE] [--plot FILE.png] [--engine local|dask]
[--scheduler ADDRESS] [--json]``."""

from __future__ import annotations

import json
import sys
import warnings

import numpy as np

from vrest.derive.errors import ModelError, ModelWarning

_SPEC_HELP = ('KEY=SPEC: a model-file key and its values, a range "LOW..HIGH UNIT [log] COUNT" or a list '
              '"A, B, C UNIT", e.g. "ions.K.outside=1..100 mM log 41" (repeat for a grid)')


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "sweep", help="a model's quantities (or a scenario's states) over a grid or samples of model-file values",
        description="Evaluate `vrest derive` quantities (closed forms and numeric roots, by generated vectorised "
                    "code) at every point of a grid or a sample of model-file values; with --scenario, the "
                    "states at --times of that scenario started at each point's steady state. Of a model with "
                    "gated channels (and of a CellML or SBML file) the resting state as vrest rest finds it at "
                    "each point, or its Nernst potentials E_X alone. A point where a quantity does not exist holds "
                    "null (NaN), counted with its reason.",
        epilog="KEY is a key of the model file, from the table scenario steps read, with the values a step "
               "cannot change as well: model.temperature, membrane.capacitance, membrane.area, membrane.volume, "
               "membrane.water_permeability, ions.X.inside, ions.X.outside, ions.X.conductance, "
               "ions.X.permeability, ions.X.reversal, channels.NAME.conductance, channels.NAME.permeability, "
               "channels.NAME.reversal, pump.current, pump.max_current, pump.rate_per_Na, "
               "pump.K_half_Na, pump.K_half_K, impermeant.concentration, impermeant.amount, bath.impermeant, or "
               "pump (a factor on the pump's rate), as far as the model has them. --json prints {\"model\", "
               "\"method\", \"dims\": [{\"key\", \"unit\", \"values\"}], \"quantities\": {ID: {\"unit\", "
               "\"values\"}}, \"missing\"} with values nested in the order of the dims (a sampled sweep: one dim "
               "\"sample\" and the points under \"samples\"; a scenario sweep: a last dim \"t\" and \"states\"). "
               "--out writes CSV, Parquet or NetCDF by the extension, into a temporary file renamed at the end: an "
               "interrupt or a failing chunk leaves no file. Progress goes to stderr. Every key, SPEC, the JSON and "
               "the files: docs/model-format.md (vrest sweep).")
    parser.add_argument("model", help="a built-in model name, a TOML model file, or a CellML (.cellml) or SBML "
                        "(.xml, .sbml) file")
    parser.add_argument("--vary", action="append", required=True, metavar="KEY=SPEC", help=_SPEC_HELP)
    parser.add_argument("--quantity", action="append", metavar="ID,...",
                        help="the vrest derive ids to evaluate (default: every one the model has); of a model "
                        "with gated channels: V_rest, resting_states, stable_states, slope_conductance, "
                        "input_resistance, slowest_tau (default: all), or its E_X alone; of a CellML or SBML "
                        "file those, and any state or quantity the file computes (E_K), at the rest")
    parser.add_argument("--scenario", metavar="NAME", help="simulate this scenario from each point's steady state")
    parser.add_argument("--protocol", metavar="FILE.toml", help="simulate the experiment of this file (what a "
                        "[scenario.NAME] table of the model file holds) from each point's steady state, as --scenario "
                        "does")
    parser.add_argument("--times", metavar="T1,T2,...", help='output times of the scenario or protocol with units: a '
                        'list, e.g. "0 s,1 min,1 h", or COUNT evenly spaced from FIRST to LAST, e.g. "0..1 h 61"')
    parser.add_argument("--samples", type=int, metavar="N", help="draw N points from the ranges instead of a grid")
    parser.add_argument("--method", choices=("grid", "random", "lhs", "sobol"),
                        help="grid (default), or how --samples are drawn (default sobol)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the samples (default 0)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="machine-readable output: dims and nested values")
    output.add_argument("--out", metavar="FILE", help="write .csv, .parquet or .nc (NetCDF), chunk by chunk")
    parser.add_argument("--plot", metavar="FILE", help="1-D: each quantity against the key; 2-D: heat maps (PNG, SVG "
                        "or PDF as FILE ends in .png, .svg or .pdf)")
    parser.add_argument("--engine", choices=("local", "dask"), default="local",
                        help="local: this machine's cores (default); dask: Dask distributed")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="a Dask scheduler, e.g. tcp://host:8786 (--engine dask; default: a LocalCluster)")
    parser.add_argument("--workers", type=int, metavar="N", help="worker processes (default: the cores)")
    add_imported_options(parser)
    parser.set_defaults(run=run)


def add_imported_options(parser) -> None:
    """--range, --voltage, --stimulus: for a CellML or SBML file, as vrest rest takes them."""
    group = parser.add_argument_group("a CellML or SBML file", "KEY is a parameter of the file: its name as vrest "
                                      "derive FILE shows it, or component.variable; quantities: V_rest, "
                                      "resting_states, stable_states, slope_conductance, input_resistance, "
                                      "slowest_tau (docs/model-format.md)")
    from .range_option import add_range_option

    add_range_option(group)
    from .role_options import add_role_options

    add_role_options(group)


def resolve(args):
    """MODEL with the options of a CellML or SBML file (codegen.sweep.imported.resolve_sweep_model)."""
    from vrest.derive.rest.inputs import parse_range

    from ..sweep.imported import is_imported, resolve_sweep_model

    if args.range and not is_imported(args.model):  # quoted as typed, before it becomes volts
        raise ModelError("--range", " ".join(args.range), "only for a CellML or SBML file")
    v_range = parse_range(args.range) if args.range else None
    return resolve_sweep_model(args.model, voltage=args.voltage, stimulus=args.stimulus, v_range=v_range)


def _ids(args) -> list[str] | None:
    if not args.quantity:
        return None
    ids = [q.strip() for text in args.quantity for q in text.split(",") if q.strip()]
    if not ids:  # --quantity "": not every quantity, as no --quantity gives
        raise ModelError("--quantity", ",".join(args.quantity), "names no quantity: give ids such as V_ss,E_K, or "
                         "leave --quantity out for every quantity")
    return ids


def _method(args) -> str:
    if args.method is None:
        return "sobol" if args.samples is not None else "grid"
    return args.method


def _times(args) -> list[float] | None:
    if args.scenario is None:
        if args.times:
            raise ModelError("--times", args.times, "needs --scenario or --protocol")
        return None
    if not args.times:
        option, value = ("--protocol", args.protocol) if args.protocol else ("--scenario", args.scenario)
        raise ModelError(option, value, "needs --times T1,T2,... (the output times)")
    from .simulate_cmd import output_times

    return output_times(args.times)


def _every_missing_extra(args) -> None:
    """An engine and an output format that each need an extra not installed: both named in one line (each alone
    is refused where it is used, with its own line)."""
    from pathlib import Path

    from ..extras import EXTRAS, install_line, missing_extras

    out = getattr(args, "out", None)
    wanted = ["dask"] if getattr(args, "engine", None) == "dask" else []
    wanted += {".parquet": ["parquet"], ".nc": ["netcdf"]}.get(Path(out).suffix.lower() if out else "", [])
    missing = missing_extras(wanted)
    if len(missing) > 1:
        what = " and ".join(EXTRAS[extra][0] for extra in missing)
        raise ModelError("--out", out, f"with --engine dask needs {what}: {install_line(','.join(missing))}")


def check_before_work(args) -> None:
    """--workers, and a --plot or --out name vrest cannot write, are refused before any work (sweep and
    sensitivity)."""
    if args.workers is not None and args.workers < 1:
        raise ModelError("--workers", args.workers, "must be at least 1")
    _every_missing_extra(args)
    if getattr(args, "out", None):
        from ..files import check_folder

        check_folder(args.out, "--out")
    if args.plot:
        from ..plotting import figure_path

        figure_path(args.plot, "--plot")


def run(args) -> int:
    from ..sweep.api import bath_imbalances, held_amounts, make_plan, run_sweep
    from ..sweep.imported import ImportedModel

    check_before_work(args)
    model = resolve(args)
    if (args.scenario is not None or args.protocol) and isinstance(model, ImportedModel):
        option, value = ("--scenario", args.scenario) if args.scenario is not None else ("--protocol", args.protocol)
        raise ModelError(option, value, "a CellML or SBML model has no scenarios here: a sweep of it gives its "
                         "resting state")
    if args.protocol:  # an experiment in its own file, swept as one of the model's scenarios
        from .model_protocol import PROTOCOL, model_protocol, refuse_both

        refuse_both(args)
        model, _ = model_protocol(args.model, args.protocol)
        args.scenario = PROTOCOL
    plan = make_plan(model, args.vary, _method(args), args.samples, args.seed)
    times = _times(args)
    scenario = next((s for s in model.scenarios if s.name == args.scenario), None) if args.scenario else None
    if args.scenario is not None:  # refused before any warning on its steps
        from ..sweep.scenario import check_scenario_sweep

        check_scenario_sweep(model, args.scenario)
    if times is not None and scenario is not None:  # as vrest simulate says them: a step no point reaches, a bath
        from vrest.derive.bath import scenario_bath_imbalances  # a step leaves unbalanced (at the file's values)

        from .simulate_cmd import warn_unreached

        warn_unreached(f"protocol {args.protocol}" if args.protocol else f"scenario {args.scenario}", scenario.steps,
                       times[-1], "a later last time in --times")
        for message in scenario_bath_imbalances(model, scenario):
            warnings.warn(message, ModelWarning, stacklevel=2)
    keep = args.json or args.plot or not args.out
    options = dict(out=args.out, memory=bool(keep), engine=args.engine, scheduler=args.scheduler,
                   workers=args.workers, progress=True)
    try:
        if args.scenario is not None:
            if args.quantity:
                raise ModelError("--quantity", args.quantity[0], "a scenario sweep gives the states, not quantities")
            from ..sweep.scenario import run_scenario_sweep

            outcome = run_scenario_sweep(model, plan, args.scenario, times, **options)
        else:
            outcome = run_sweep(model, plan, _ids(args), **options)
    except KeyboardInterrupt:
        where = f"; nothing was written to {args.out}" if args.out else ""
        print(f"vrest: interrupted: the sweep was stopped{where}", file=sys.stderr)
        return 130
    for name, reasons in outcome.missing.items():
        for reason, count in reasons.items():
            print(f"vrest: {name}: no value at {count} of {plan.size} points: {reason}", file=sys.stderr)
    for note, names in _by_note(outcome.layout.notes).items():
        print(f"vrest: note: {', '.join(names)}: {note}", file=sys.stderr)
    for name, count in outcome.oversized.items():
        if count:
            print(f"vrest: warning: {name}: at {count} of {plan.size} points larger than the membrane's area can "
                  "enclose (a sphere's volume): with its area fixed the cell would burst, or have to add membrane, "
                  "before it got there", file=sys.stderr)
    for name, count in outcome.thin.items():
        if count:
            print(f"vrest: warning: {name}: at {count} of {plan.size} points a cell thinner than its membrane (2 "
                  "volume / area below 5 nm), as vrest derive warns of one: the model's values there describe no "
                  "cell", file=sys.stderr)
    for name, count in outcome.beyond.items():
        if count:
            print(f"vrest: warning: {name}: at {count} of {plan.size} points beyond -2000..2000 mV, what a membrane "
                  "withstands: the model's values there describe no cell", file=sys.stderr)
    for note in held_amounts(model, plan):
        print(f"vrest: note: {note}", file=sys.stderr)
    unbalanced, sentence = bath_imbalances(model, plan)
    if unbalanced:
        print(f"vrest: warning: at {unbalanced} of {plan.size} points the varied bath is not electroneutral. At the "
              f"most unbalanced point, {sentence}", file=sys.stderr)
    if args.plot:
        from ..sweep.plot import plot_sweep

        path = plot_sweep(outcome, args.plot, None if isinstance(model, ImportedModel) else model)
        print(path, file=sys.stderr if args.json else sys.stdout)
    if args.json:
        document = sweep_json(outcome)
        if args.protocol:
            document["protocol"] = args.protocol
        print(json.dumps(document, indent=1))
    elif args.out:
        print(outcome.path)
    else:  # with --plot too, as vrest sensitivity: the figure is an addition
        print(_table(outcome))
    return 0


def _by_note(notes) -> dict[str, list[str]]:
    """The variables of each note (one line for the slope conductance and the input resistance alike)."""
    grouped: dict[str, list[str]] = {}
    for name, note in notes:
        grouped.setdefault(note, []).append(name)
    return grouped


def _nested(array: np.ndarray, count: bool = False) -> list:
    """Nested lists with null for NaN (JSON has no NaN); a count's values as integers."""
    missing = np.isnan(array)
    if count:
        array = np.where(missing, 0, array).astype(np.int64).astype(object)
    return np.where(missing, None, array).tolist()


def sweep_json(outcome) -> dict:
    """The JSON document of a sweep held in memory (docs/model-format.md)."""
    from ..sweep.rest_points import COUNTS

    layout, memory = outcome.layout, outcome.memory
    if layout.grid is not None:
        dims = [{"key": k, "unit": u, "values": list(v)} for (k, u), v in zip(layout.keys, layout.grid)]
    else:
        dims = [{"key": "sample", "unit": "1", "values": list(range(layout.size))}]
    document: dict = {"model": layout.model, "method": layout.method, "dims": dims}
    if layout.scenario is not None:
        document["scenario"] = layout.scenario
    if layout.grid is None:
        document["samples"] = {k: {"unit": u, "values": memory.points[:, i].tolist()}
                               for i, (k, u) in enumerate(layout.keys)}
    if layout.times is not None:
        dims.append({"key": "t", "unit": "s", "values": list(layout.times)})
    section = "states" if layout.times is not None else "quantities"
    notes = dict(layout.notes)
    document[section] = {name: {"unit": unit, "values": _nested(memory.array(name), name in COUNTS)}
                         | ({"note": notes[name]} if name in notes else {}) for name, unit in layout.variables}
    document["missing"] = outcome.missing
    if outcome.not_applicable and layout.times is None:
        document["not_applicable"] = outcome.not_applicable
    return document


def _table(outcome, rows: int = 40) -> str:
    """About ``rows`` points: the varied keys, then each variable (the first time's with a scenario)."""
    layout, memory = outcome.layout, outcome.memory
    step = max(1, layout.size // rows)
    picked = list(range(0, layout.size, step))
    if picked[-1] != layout.size - 1:
        picked.append(layout.size - 1)
    headers = [f"{k} [{u}]" if u != "1" else k for k, u in layout.keys]
    headers += [f"{n} [{u}]" if u != "1" else n for n, u in layout.variables]
    cells = []
    for i in picked:
        row = [f"{v:.6g}" for v in memory.points[i]]
        for name, _ in layout.variables:
            value = memory.values[name][i]
            value = value[-1] if np.ndim(value) else value
            row.append("-" if np.isnan(value) else f"{value:.6g}")
        cells.append(row)
    widths = [max(12, len(h), *(len(r[k]) for r in cells)) for k, h in enumerate(headers)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(headers, widths))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in cells]
    if layout.times is not None:
        lines.append(f"(states at the last time, {layout.times[-1]:g} s; --json or --out give every time)")
    if len(picked) < layout.size:
        lines.append(f"({len(picked)} of {layout.size} points shown; --json or --out give all)")
    return "\n".join(lines)
