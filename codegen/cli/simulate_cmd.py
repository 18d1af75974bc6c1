"""``vrest simulate MODEL [--scenario NAME] [--start steady|given] [--t-end D] [--times T1,...] [--reduced]
[--rtol R] [--atol A] [--json | --out CSV] [--plot PNG]`` (docs/model-format.md, "vrest simulate").

A model seen before runs from codegen.simulation.cache: NumPy, ctypes and the
compiled module only, no SymPy, SciPy or pint (their imports alone cost ~1 s).
"""

from __future__ import annotations

import itertools
import math
import re
import sys
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np

from vrest.derive import limits
from vrest.derive.builtin import is_other_format
from vrest.derive.errors import ModelError, ModelWarning
from vrest.derive.plausibility import ImplausibleResultWarning, trajectory_problems

from ..plotting import time_axis
from ..simulation.integrate import REDUCED_RTOL, RTOL  # NumPy, which every run needs; no SymPy


def register(subparsers) -> None:
    parser = subparsers.add_parser("simulate", help="simulate a model from its steady state through a scenario",
                                   description="Simulate a model through a scenario's steps; the JSON output and "
                                   "the scenario format are in docs/model-format.md.")
    # A value such as -5.84mV (--start) is a value, not an option: argparse takes only -5.84 for a number
    parser._negative_number_matcher = re.compile(r"^-(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*[^\W\d_]*$")
    parser.add_argument("model", help="a built-in model name, a TOML model file, or a CellML (.cellml) or SBML "
                        "(.xml, .sbml) file")
    parser.add_argument("--scenario", metavar="NAME", help="a scenario of the model, e.g. ouabain")
    parser.add_argument("--start", default="steady", metavar="steady|given|V",
                        help="steady: the steady state with the pump on and zero net charge (default; of a CellML "
                        "or SBML file, its stable resting state, and with several the one the cell comes to from "
                        "the file's start); given: the model file's concentrations and volume with V = "
                        "membrane.initial_potential (of a file: its initial state); a potential such as '-5.84 mV' "
                        "(CellML and SBML files): the file's stable resting state nearest it")
    parser.add_argument("--t-end", metavar="DURATION", help='end time with a unit, e.g. "3 h", from 1 ps to 1e11 s '
                        '(default: 1 h with concentration dynamics, else 50 ms, after the scenario\'s last step)')
    parser.add_argument("--times", metavar="T1,T2,...", help=f"{TIMES_HELP}; the run ends at the last (with --t-end "
                        "too, none may lie beyond it)")
    parser.add_argument("--reduced", action="store_true", help="the time-scale separated model (V slaved)")
    parser.add_argument("--rtol", metavar="R", help=f"relative tolerance of every state, {_RANGE} (default "
                        f"{RTOL:g}; with --reduced {REDUCED_RTOL:g}): against a reference at 1e-12 the default "
                        "keeps V within a few 1e-5 mV where it moves slower than about 10 mV/ms (on an action "
                        "potential's upstroke up to a few 1e-4 mV) and every state within 1e-6 relative, 1e-10 within "
                        "1e-7 mV (a paced cardiac cell's repolarisation: 1e-6 mV)")
    parser.add_argument("--atol", metavar="A", help=f"absolute tolerance of each state as a fraction of its size at "
                        f"the start (V's size: at least 1 mV; a file's state without a unit, such as a channel "
                        f"occupancy: at "
                        f"least 1e-3; a file's other state: at least 1e-3 of the median size at the start of the "
                        f"states that share its unit), "
                        f"{_RANGE} (default R/100)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="machine-readable output (docs/model-format.md)")
    output.add_argument("--out", metavar="FILE.csv", help="write the trajectory as CSV (the name ends in .csv)")
    parser.add_argument("--plot", metavar="FILE", help="plot V, concentrations and volume into FILE, its format from "
                        "the suffix: .png, .svg or .pdf; each step of the scenario or protocol a dotted line (a "
                        "CellML or SBML file's run: V and its concentrations; every state: --out FILE.csv). Alone, "
                        "its run has at least 10001 times; with --json or --out it draws their times (--times for "
                        "more)")
    imported = parser.add_argument_group("CellML and SBML files")
    parser.add_argument("--protocol", metavar="FILE.toml", help="an experiment in its own file: steps that set or "
                        "scale parameters, as a [scenario.NAME] table of a vrest model (its keys: ions.K.outside, "
                        "pump, ...), or by name in a CellML or SBML file (docs/model-format.md)")
    imported.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                          help="a parameter of the file from t = 0, with its unit (e.g. 'g_K1=0.5 mS/cm^2'; "
                          "repeatable; NAME as vrest derive FILE shows it, or component.variable); with --start "
                          "steady the run starts at the rest of the file's own values, "
                          "as a protocol step at 0 s would")
    imported.add_argument("--stimulus-on", action="store_true", help="the file's stimulus on (it is off by default). "
                          "The default start is the cell's unpaced rest, its concentrations run down to it (ten "
                          "Tusscher 2006's Ca_SR 0.19 of the file's 3.6 mM): for the file's own, usually paced, "
                          "state, --start given")
    from .role_options import add_role_options

    add_role_options(imported)
    parser.set_defaults(run=run)


_RANGE = f"from {limits.RANGES['tolerance'].allowed}"


# "<number> <unit>" with the common time units, read without pint (its import costs ~0.2 s); any other
# text goes to derive.units.parse_quantity, which knows every unit and words every error.
_SIMPLE_TIME = re.compile(r"([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?) ?(s|ms|us|ns|min|h)")
_SECONDS = {"s": Fraction(1), "ms": Fraction(1, 10**3), "us": Fraction(1, 10**6), "ns": Fraction(1, 10**9),
            "min": Fraction(60), "h": Fraction(3600)}


def _duration(text: str, key: str, kind: str = "time") -> float:
    """Seconds of a time argument, within derive.limits' range of ``kind`` ("time", or "duration": a run's length)."""
    return float(_seconds(text, key, kind))


def _seconds(text: str, key: str, kind: str = "time") -> Fraction:
    """_duration's value, exact."""
    match = _SIMPLE_TIME.fullmatch(text.strip())
    if match and len(match.group(1)) <= limits.COUNTS["number characters"]:
        value = Fraction(match.group(1)) * _SECONDS[match.group(2)]
    else:
        from vrest.derive.units import parse_quantity

        value, _ = parse_quantity(text.strip(), key, "time", check=False)
    if value < 0:
        raise ModelError(key, text, "must not be negative")
    if kind == "duration" and value == 0:
        raise ModelError(key, text, "must be positive")
    return Fraction(limits.check(key, value, kind, text))


TIMES_HELP = ('output times with units: a list, e.g. "0 s,10 ms,1 h", or COUNT evenly spaced from FIRST to LAST, '
              'e.g. "0..2 s 2001" (every ms)')
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_RANGE_FORM = 'a range of times is FIRST..LAST unit COUNT, e.g. "0..2 s 2001"'


def output_times(text: str, key: str = "--times") -> list[float]:
    """The increasing output times (s) of ``text``: a list "0 s,10 ms,1 h" or a range "0..2 s 2001"; the last
    within the range of a run's length (or 0)."""
    if not text.strip():
        raise ModelError(key, text, 'is empty: give times with units, e.g. "0 s,10 ms,1 h" or "0..2 s 2001"')
    if ".." in text and "," not in text:
        seconds = _time_range(text, key)
    else:
        items = text.split(",")
        if ".." in text:
            raise ModelError(key, text, 'a range is the whole of the times, e.g. "0..2 s 2001", not an item of a list')
        limits.check_count(key, len(items), "output times", text)
        seconds = [_seconds(t, key) for t in items]
        if any(b <= a for a, b in zip(seconds, seconds[1:])):
            raise ModelError(key, text, "times must be increasing")
    if seconds[-1] > 0:  # the last time is the run's length
        limits.check(key, seconds[-1], "duration", text)
    return [float(t) for t in seconds]


def _time_range(text: str, key: str) -> list[Fraction]:
    """The times of "FIRST..LAST unit COUNT" (FIRST may carry the unit too: "0 s..2 s 3"; the unit may sit against
    its number: "0..2s 3")."""
    first, _, rest = text.partition("..")
    if rest.startswith(".") or not first.strip():
        raise ModelError(key, text, _RANGE_FORM)
    words = rest.split()
    last = words.pop(0) if words else ""
    glued = re.fullmatch(f"({_NUMBER})([^\\d.+-].*)", last) if not re.fullmatch(_NUMBER, last) else None
    if glued:
        last, words = glued.group(1), [glued.group(2), *words]
    if not re.fullmatch(_NUMBER, last):
        raise ModelError(key, text, f"the last time {last!r} is no number: {_RANGE_FORM}")
    count = _count(text, key, words[-1] if words else "")
    words.pop()
    if words and words[-1].lower() in ("log", "linear"):
        raise ModelError(key, text, "output times are evenly spaced: leave out the spacing (for times spread over "
                         'decades, list them: "1 ms,10 ms,100 ms,1 s")')
    unit = " ".join(words)
    if not unit:
        raise ModelError(key, text, 'the times need a unit, e.g. "0..2 s 2001"')
    ends = []
    for end, written in (("first", first.strip() if not re.fullmatch(_NUMBER, first.strip()) else
                          f"{first.strip()} {unit}"), ("last", f"{last} {unit}")):
        try:
            ends.append(_seconds(written, key))
        except ModelError as error:  # said of the range as given
            raise ModelError(key, text, f"the {end} time, {written}: {error.problem}") from None
    low, high = ends
    if high <= low:
        raise ModelError(key, text, "the range must go from an earlier to a later time")
    return [low + (high - low) * k / (count - 1) for k in range(count)]  # each the double nearest the exact time


def _count(text: str, key: str, word: str) -> int:
    """The COUNT of a range of times: a whole number (2001, 1e3), at least 2, at most the output times allowed."""
    count = Fraction(word) if re.fullmatch(_NUMBER, word) else None  # the pattern is one Fraction reads
    if count is None:
        raise ModelError(key, text, 'how many times? end the range with a count, e.g. "0..2 s 2001" (every ms)')
    if count.denominator != 1:
        raise ModelError(key, text, f"the count {word} is no whole number of times (at least 2), e.g. "
                         '"0..2 s 2001"')
    if count < 2:
        raise ModelError(key, text, 'a range needs a count of at least 2 (one time: give it alone, e.g. "2 s")')
    limits.check_count(key, int(count), "output times", text)
    return int(count)


def _tolerance(text: str | None, key: str) -> float | None:
    """A tolerance argument as a number within derive.limits' "tolerance" range (None: not given)."""
    if text is None:
        return None
    limits.check_count(key, len(text.strip()), "number characters", text)
    try:
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise ModelError(key, text, f"expected a number {_RANGE}, such as 1e-10") from None
    return float(limits.check(key, value, "tolerance", text))


def _times(args, default_t_end: float):
    import numpy as np

    for key, given in (("--times", args.times), ("--t-end", args.t_end)):
        if given is not None and not given.strip():
            raise ModelError(key, given, "is empty: give " + ('times with units, e.g. "0 s,10 ms,1 h"'
                                                              if key == "--times" else 'a duration, e.g. "3 h"'))
    if args.times:
        times = output_times(args.times)
        if args.t_end and times[-1] > _duration(args.t_end, "--t-end", "duration"):
            late = f"{times[-1]:g} s" if ".." in args.times else args.times.split(",")[-1].strip()
            raise ModelError("--times", args.times, f"{late} is beyond --t-end {args.t_end!r}: give a later --t-end, "
                             "or no --t-end (the run then ends at the last time)")
        return np.array(times)
    end = _duration(args.t_end, "--t-end", "duration") if args.t_end else default_t_end
    end = Fraction(repr(float(end))) if not isinstance(end, Fraction) else end
    return np.array([float(end * k / 400) for k in range(401)])  # 0.15 s / 400 steps: 0.15, not 0.15000000000000002


def _check_out(text: str) -> None:
    """--out names a CSV file in a folder that exists: another suffix would be CSV text under a false name."""
    from ..files import check_folder

    suffix = Path(text).suffix
    if suffix.lower() != ".csv":
        what = f"a {suffix} file" if suffix else "no file type"
        raise ModelError("--out", text, f"{what}: vrest simulate writes CSV only; end the name in .csv")
    check_folder(text, "--out")


def run(args) -> int:
    from ..simulation.cache import simulation_plan

    if is_other_format(args.model):  # another tool's model file
        from .simulate_imported import run as run_imported

        return run_imported(args)
    from .role_options import refuse_role_options

    refuse_role_options(args.voltage, args.stimulus)
    if args.start not in ("steady", "given"):
        raise ModelError("--start", args.start, "steady or given for vrest's own models (a potential picks a "
                         "resting state of a CellML or SBML file)")
    files_only = ("applies to a CellML or SBML model only; a vrest model's parameters change in its scenarios "
                  "([scenario.NAME] in the model file, --scenario NAME) or in a protocol file (--protocol FILE.toml)")
    if args.set:
        raise ModelError("--set", args.set[0], files_only)  # the first as typed, not the list
    if args.stimulus_on:
        raise ModelError("--stimulus-on", None, files_only)  # a flag: no value to show
    from .model_protocol import refuse_both

    refuse_both(args)

    given_times = args.times is not None or args.t_end is not None
    times = _times(args, None) if given_times else None  # bad times fail before the model's work
    rtol, atol = _tolerance(args.rtol, "--rtol"), _tolerance(args.atol, "--atol")
    if args.plot:  # so does a figure name vrest cannot write
        from ..plotting import figure_path

        figure_path(args.plot, "--plot")
    if args.out:
        _check_out(args.out)
    model, label = None, f"scenario {args.scenario}"
    if args.protocol:  # an experiment in its own file, run as one of the model's scenarios
        from .model_protocol import PROTOCOL, model_protocol, with_protocol

        model, cached = model_protocol(args.model, args.protocol)
        plan = with_protocol(simulation_plan(args.model, stimulus=model.stimulus), cached)
        args.scenario, label = PROTOCOL, f"protocol {args.protocol}"
    else:
        plan = simulation_plan(args.model)
    if args.start == "given":
        _warn_unstable_start(args.model)
    scenario = next((s for s in plan.scenarios if s.name == args.scenario), None)
    if args.reduced:  # before the warnings about the run's times
        from ..simulation.integrate import refuse_injected_current

        refuse_injected_current(scenario)
    steps = scenario.steps if scenario is not None else ()
    if times is None:
        last = max((step.at for step in steps), default=0.0)  # the default run shows every step and what follows
        times = _times(args, Fraction(repr(plan.default_t_end)) + Fraction(repr(last)))
    for message in scenario.warnings if scenario is not None else ():
        warnings.warn(message, ModelWarning, stacklevel=2)
    warn_unreached(label, steps, float(times[-1]))
    if not args.times:
        times = fine_times(times, steps) if figure_only(args) else times  # a figure shows V between steps
        warn_coarse(steps, times, "the protocol's steps" if args.protocol else "the scenario's steps")
    if args.reduced:
        from vrest.derive.builtin import resolve_model

        from ..simulation.integrate import simulate_reduced

        result = simulate_reduced(model or resolve_model(args.model), args.scenario, times, args.start, rtol, atol)
    else:
        from ..simulation.vanishing import explained

        with explained(args.model):
            result = plan.simulate(args.scenario, times, args.start, progress=True,
                                   **({"rtol": rtol} if rtol is not None else {}), atol=atol)
    columns = result.outputs()
    from ..plotting import time_axis

    for problem in trajectory_problems(result.t, columns, plan.area, time_unit=time_axis(float(result.t[-1]))):
        warnings.warn(problem, ImplausibleResultWarning, stacklevel=2)
    plotted = None
    warn_figure_times(args, times)
    if args.plot:
        from ..plotting import plot_result

        plotted = plot_result(result, args.plot, steps=[step.at for step in steps], area=plan.area,
                              protocol=args.protocol)
    print_run(args, {"model": result.model, "scenario": None if args.protocol else result.scenario,
                     "protocol": args.protocol, "start": args.start}, result, columns)
    if plotted is not None:  # the path, as `vrest plot` prints it; on stderr when stdout is JSON
        print(plotted, file=sys.stderr if args.json else sys.stdout)
    return 0


def _warn_unstable_start(name: str) -> None:
    """A warning where the model's given state is an unstable equilibrium (a gated pacemaker at its current
    balance): the run shows it flat, where the cell fires from any disturbance."""
    from vrest.derive.builtin import resolve_model
    from vrest.derive.gated import gated
    from vrest.derive.steady_state import unstable_given_state

    model = resolve_model(name)
    v = unstable_given_state(model) if gated(model) else None
    if v is not None:
        warnings.warn(f"--start given is the unstable equilibrium at {v * 1e3:.6g} mV: the run stays there only "
                      "because nothing disturbs it (the solver damps the growing mode); the cell leaves it at any "
                      "disturbance (set membrane.initial_potential a little away from it)", ModelWarning, stacklevel=2)


def print_run(args, head: dict, result, columns) -> None:
    """The run as --json (``head``'s keys, then solver, t and states), --out CSV, or a table (unless --plot)."""
    import csv
    import io
    import json

    from ..files import csv_number, write_atomic

    # States to 15 significant digits, what a double carries through a change of unit: the given start's
    # 15.5 mM comes back as 15.5, not as the 15.499999999999998 of amount / volume.
    columns = {name: (unit, [float(f"{v:.15g}") for v in values]) for name, (unit, values) in columns.items()}
    if args.json:
        document = {
            **head,
            "solver": {"method": result.solver, "rtol": result.rtol, "atol": result.atol},
            "t": {"unit": "s", "values": [float(t) for t in result.t]},
            "states": {name: {"unit": unit, "values": values} for name, (unit, values) in columns.items()},
        }
        print(json.dumps(document, indent=1))
    elif args.out:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["t [s]"] + [_header(name, unit) for name, (unit, _) in columns.items()])
        for k, t in enumerate(result.t):
            writer.writerow([csv_number(t)] + [csv_number(values[k]) for _, values in columns.values()])
        print(write_atomic(args.out, buffer.getvalue(), key="--out"))
    elif not args.plot:
        print(_table(result.t, columns))


def warn_unreached(label: str, steps, t_end: float, later: str = "a later --t-end or --times") -> None:
    """A step of a scenario or protocol (``label``) after the run's end is said, with how to reach it (``later``)."""
    late = [(number, float(step.at)) for number, step in enumerate(steps, start=1) if step.at > t_end]
    if late:
        which = ", ".join(f"step {number} at {at:g} s" for number, at in late)
        warnings.warn(f"{label}: {which} {'is' if len(late) == 1 else 'are'} not reached: the run "
                      f"ends at {t_end:g} s (give {later} to run through "
                      f"{'it' if len(late) == 1 else 'them'})", ModelWarning, stacklevel=2)


def warn_figure_times(args, times) -> None:
    """A figure of the --times asked, fewer than its own: what V does between two of them is not drawn."""
    if args.plot and args.times and len(times) < FIGURE_TIMES:
        warnings.warn(f"--plot draws the run at the {len(times)} times of --times, joined by straight lines (what V "
                      f"does between two is not seen): without --times a figure of the run has at least "
                      f"{FIGURE_TIMES}", ModelWarning, stacklevel=2)


def figure_only(args) -> bool:
    """A figure is the run's only output and no --times were asked: its times are the figure's (fine_times)."""
    return bool(args.plot) and not args.times and not args.json and not args.out


FIGURE_TIMES = 10_001  # the least a figure's own run has


def fine_times(times, steps, most: int = 100_001, least: int = FIGURE_TIMES):
    """The default output times for a figure: at least ``least`` (Noble 1962's 2 s at 0.2 ms: its spikes' peaks
    drawn, not cut at 5 ms), and four between the two closest of ``steps`` (a 2 ms pulse's upstroke drawn, not
    stepped over), at most ``most`` in all; the steps' own times among them."""
    end = float(times[-1])
    if end <= 0:
        return times
    at = sorted({float(step.at) for step in steps if 0 <= float(step.at) <= end})
    gaps = [b - a for a, b in itertools.pairwise(at)]
    count = min(most - 1, max(least - 1, math.ceil(4 * end / min(gaps)) if gaps else 0))
    return np.union1d(np.linspace(0.0, end, count + 1), at)


def warn_coarse(steps, times, whose: str = "the scenario's steps") -> None:
    """Evenly spaced default times farther apart than two of the scenario's (``whose``) steps: what V does between
    those steps (a pulse's action potential) can fall between two outputs, and the table's largest V with it."""
    at = sorted({float(step.at) for step in steps})
    gaps = [(b - a, a, b) for a, b in zip(at, at[1:])]
    spacing = float(times[1] - times[0]) if len(times) > 1 else 0.0
    smallest = min((gap for gap, _, _ in gaps), default=math.inf)
    if spacing > smallest * (1 + 1e-9):  # (pulses of 5 ms and outputs 5 ms apart, by rounding "more")
        gap, a, b = next(g for g in gaps if g[0] <= smallest * (1 + 1e-9))  # the first of the narrowest, by rounding
        warnings.warn(f"the output times are {spacing * 1e3:.3g} ms apart, more than the {gap * 1e3:.3g} ms between "
                      f"{whose} at {a * 1e3:g} ms and {b * 1e3:g} ms: what V does then can fall between "
                      "two outputs, the largest V too (give --times, or a shorter --t-end)", ModelWarning, stacklevel=3)


def _header(name: str, unit: str) -> str:
    """A column's header, NAME [UNIT]; the name alone for a state of a file that gives it no unit (not "m []")."""
    return f"{name} [{unit}]" if unit else name


def _table(t, columns) -> str:
    """About 20 rows of the run, and the rows of V's largest and smallest samples (a spike between two rows is
    not missed); times in the figure's unit (plotting.time_axis: ms for a run shorter than 2 s, then s, min, h).
    Each column as wide as its header or its longest
    value; a last line says how many of the run's times the rows show, when not all, and where V peaks."""
    step = max(1, len(t) // 20)
    rows = list(range(0, len(t), step)) + ([len(t) - 1] if (len(t) - 1) % step else [])
    v = next(iter(columns.values()))[1]  # V is the first column
    extremes = [int(np.argmax(v)), int(np.argmin(v))]
    added = [k for k in dict.fromkeys(extremes) if k not in rows and v[k] not in (v[r] for r in rows)]
    rows = sorted(rows + added)
    unit, seconds = time_axis(float(t[-1]))
    headers = [f"t [{unit}]"] + [_header(name, unit) for name, (unit, _) in columns.items()]
    cells = [[f"{t[k] / seconds:.6g}"] + [f"{values[k]:.6g}" for _, values in columns.values()] for k in rows]
    widths = [max([12 if i == 0 else 14, len(headers[i]), *(len(row[i]) for row in cells)])
              for i in range(len(headers))]
    lines = ["  ".join(h.rjust(w) for h, w in zip(headers, widths))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in cells]
    if len(rows) < len(t):
        low, high = int(np.argmin(v)), int(np.argmax(v))
        v_unit = " " + headers[1].split("[")[1][:-1] if "[" in headers[1] else ""  # a file's V without a unit: none
        extremes = (f"V is {v[low]:.6g}{v_unit} at all {len(t)} (to 6 digits)" if f"{v[low]:.6g}" == f"{v[high]:.6g}"
                    else f"V's smallest and largest of all {len(t)} among them: {v[low]:.6g}{v_unit} at t = "
                    f"{t[low] / seconds:.6g} {unit}, {v[high]:.6g}{v_unit} at t = {t[high] / seconds:.6g} {unit}")
        gap = float(np.diff(t).max())
        gap_unit, gap_seconds = time_axis(gap, at_least=1)  # 1.5 s, not 0.025 min
        lines.append(f"({len(rows)} of the run's {len(t)} times shown, {extremes}; the run's times are up to "
                     f"{gap / gap_seconds:.3g} {gap_unit} apart, and what V does between two is not seen: --times "
                     "gives more; --json or --out FILE.csv give them all)")
    return "\n".join(lines)
