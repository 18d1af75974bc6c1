"""``vrest crosscheck MODEL``: export the model, run it in every installed simulator, compare with vrest."""

from __future__ import annotations

import tempfile
from pathlib import Path

from derive.builtin import resolve_model

from ..crosscheck import COURSE_TOLERANCE_MV, V_SS_TOLERANCE_MV, crosscheck


def register(subparsers) -> None:
    parser = subparsers.add_parser("crosscheck", help="run the model's exports in the installed simulators")
    parser.add_argument("model", help="a built-in model name or a TOML model file")
    parser.add_argument("-o", "--out", default=None, metavar="DIR",
                        help="keep the exported files here (default: a temporary directory)")
    parser.set_defaults(run=run)


def run(args) -> int:
    model = resolve_model(args.model)
    if args.out:
        rows = crosscheck(model, Path(args.out))
    else:
        with tempfile.TemporaryDirectory(prefix="vrest-crosscheck-") as directory:
            rows = crosscheck(model, Path(directory))
    header = ("simulator", "version", "V_ss (mV)", "|dV_ss| (mV)", "max |dV| course (mV)", "time (s)", "agrees")
    table = [header] + [(r.simulator, r.version, f"{r.v_ss_mv:.9f}", f"{r.v_ss_deviation_mv:.1e}",
                         f"{r.course_deviation_mv:.1e}", f"{r.seconds:.2f}", "yes" if r.agrees else "NO")
                        for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    print(f"{model.name}: deviations from vrest's own V_ss and scenario time course "
          f"(tolerances {V_SS_TOLERANCE_MV:g} mV and {COURSE_TOLERANCE_MV:g} mV)")
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return 0 if rows and all(r.agrees for r in rows) else 1
