"""``vrest crosscheck MODEL``: export the model, run it in every installed simulator, compare with vrest."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from vrest.derive.builtin import resolve_model


def register(subparsers) -> None:
    parser = subparsers.add_parser("crosscheck", help="run the model's exports in the installed simulators",
                                   description="Export the model, run its steady state and every scenario in each "
                                   "installed simulator and compare with vrest's own answer (docs/model-format.md). "
                                   "A simulator that is not installed gets a \"not run\" row saying what to install.")
    parser.add_argument("model", help="a built-in model name or a TOML model file")
    parser.add_argument("-o", "--out", default=None, metavar="DIR",
                        help="keep the exported files here (default: a temporary directory)")
    parser.add_argument("--simulator", action="append", default=None, metavar="NAME",
                        help="run only this simulator (repeatable): libroadrunner (or roadrunner), libcellml, jnml "
                        "(or jneuroml), pylems, neuron or brian2 (default: every one)")
    parser.add_argument("--require-all", action="store_true",
                        help="exit code 1 when a simulator (of those chosen with --simulator, else any) is not "
                        "installed: without it, exit code 0 says only that every simulator that ran agrees (and "
                        "that one ran)")
    parser.set_defaults(run=run)


class _Progress:
    """Which simulator runs, on stderr (codegen.progress: after the first second; the table comes at the end)."""

    def __init__(self) -> None:
        from ..progress import ProgressLine

        self.line = ProgressLine()

    def starting(self, name: str, number: int, count: int) -> None:
        if self.line.due():
            elapsed = self.line.now - self.line.start
            self.line.show(f"vrest crosscheck: running {name} ({number} of {count}), {elapsed:.0f} s so far")

    def done(self) -> None:
        self.line.done()


def chosen_simulators(given: list[str] | None) -> list[str] | None:
    """The registered names of the simulators given by their first word, any case (None: every one); a ModelError
    names one that is not registered."""
    if given is None:
        return None
    from vrest.derive.errors import ModelError

    from ..crosscheck.check import SIMULATORS

    short = {name.split()[0].lower(): name for name in SIMULATORS}
    also = {"jneuroml": "jnml", "roadrunner": "libroadrunner"}  # the names the README uses too
    keys = [also.get(name.strip().lower(), name.strip().lower()) for name in given]
    unknown = next((name for name, key in zip(given, keys) if key not in short), None)
    if unknown is not None:
        raise ModelError("--simulator", unknown, f"not a simulator vrest runs; one of {', '.join(short)}")
    return [short[key] for key in keys]


def run(args) -> int:
    from ..crosscheck.check import crosscheck, make_job  # the exporters and simulators: not for --help
    from ..simulation.integrate import needs_steady_state

    chosen = chosen_simulators(args.simulator)
    if args.out:
        from ..files import check_output_folder

        check_output_folder(args.out)
    model = resolve_model(args.model)
    progress = _Progress()
    try:
        with needs_steady_state(model.name, "the simulators are compared from it"):
            job = make_job(model)
            if args.out:  # absolute before any runner changes directory: a relative path would then point elsewhere
                rows = crosscheck(model, Path(args.out).resolve(), chosen, progress.starting, job)
            else:
                with tempfile.TemporaryDirectory(prefix="vrest-crosscheck-") as directory:
                    rows = crosscheck(model, Path(directory), chosen, progress.starting, job)
    finally:  # the line rewritten in place ends before the table or an error
        progress.done()
    spikes = any(c.fires for c in job.courses)  # a course that fires: its peak compared
    sampled = not all(c.fires for c in job.courses)  # the others: compared at every output time
    header = ("simulator", "version", "V_ss (mV)", "|dV_ss| (mV)")
    header += ("max |dV| courses (mV)", "tolerance (mV)") if sampled else ()
    header += ("|dV| peak (mV)", "|dt| peak (ms)") if spikes else ()
    header += ("time (s)", "agrees", "note")
    table = [header] + [_cells(r, sampled, spikes) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    print(_title(model, job, sampled, spikes))
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    missing = [r.simulator for r in rows if r.status == "missing"]
    if missing:
        print(f"vrest crosscheck: not installed, so not run: {', '.join(missing)}; vrest's \"test\" extra installs "
              "every simulator (pip install \"vrest[test]\"; jnml also needs Java)", file=sys.stderr)
    ran = [r for r in rows if r.status not in ("unsuitable", "missing")]  # neither is a failure of the export
    if missing and args.require_all:
        print(f"vrest crosscheck: --require-all: {len(missing)} of {len(rows)} simulators not run", file=sys.stderr)
        return 1
    if not ran:
        print("vrest crosscheck: no simulator ran, so nothing was checked (exit code 1)", file=sys.stderr)
    return 0 if ran and all(r.agrees for r in ran) else 1


def _title(model, job, sampled: bool, spikes: bool) -> str:
    """What the table compares, with the tolerances."""
    from ..crosscheck.check import COURSE_TOLERANCE_MV, PEAK_TIME_TOLERANCE_MS, PEAK_V_TOLERANCE_MV, V_SS_TOLERANCE_MV

    def names(fired: bool) -> str:
        return ", ".join(c.scenario.name for c in job.courses if c.fires == fired)

    held = ", held for 20 ms" if job.excitable else ""
    text = f"{model.name}: deviations from vrest's own V_ss (tolerance {V_SS_TOLERANCE_MV:g} mV{held})"
    if spikes:
        text += (f" and, for the courses that fire ({names(True)}), the action potential's peak over the 20 ms after "
                 f"the start and after each step: its time (tolerance {PEAK_TIME_TOLERANCE_MS:g} ms) and V "
                 f"(tolerance {PEAK_V_TOLERANCE_MV:g} mV)")
    tolerance = f"(tolerance {COURSE_TOLERANCE_MV:g} mV, or a fixed-step method's error bound)"
    if sampled and not model.scenarios:
        text += f" and V over a run at rest (the model has no scenario) {tolerance}"
    elif sampled and job.excitable:
        text += (f"{'; for' if spikes else ' and, for'} the courses without a spike ({names(False)}), run until the "
                 f"slowest relaxation settles, V at every output time {tolerance}")
    elif sampled:
        text += f" and the time course of every scenario ({names(False)}) {tolerance}"
    return text


def _cells(row, sampled: bool = True, spikes: bool = False) -> tuple[str, ...]:
    """A table row; a simulator that did not run shows "-" for its numbers and the reason as its note."""
    numbers = 2 + 2 * sampled + 2 * spikes
    if row.status != "ran":
        agrees = "not run" if row.status in ("unsuitable", "missing") else "NO (failed)"
        return (row.simulator, row.version, *["-"] * numbers, f"{row.seconds:.2f}", agrees, row.reason)

    def number(value):
        return "-" if value is None else f"{value:.1e}"

    cells = (f"{row.v_ss_mv:.9f}", number(row.v_ss_deviation_mv))
    if sampled:
        tolerance = None if row.course_deviation_mv is None else row.course_tolerance_mv
        cells += (number(row.course_deviation_mv), number(tolerance))
    if spikes:
        cells += (number(row.peak_v_deviation_mv), number(row.peak_time_deviation_ms))
    return (row.simulator, row.version, *cells, f"{row.seconds:.2f}", "yes" if row.agrees else "NO", "")
