"""vrest rest on public CellML and SBML models against running them until they come to rest.

    python benchmarks/rest.py [--quick] [--write benchmarks/REST_RESULTS.md]

Two targets, each a ratio of times measured in the same run:

1. Warm `vrest rest FILE` (in one process, after a first call that fills the cache: the file is hashed,
   the cached plan and compiled module are loaded, the engine runs) on every model of tests/models,
   against vrest's own CVODE run (`vrest simulate FILE`'s solver and compiled module, loaded beforehand;
   rtol 1e-10) from the file's initial state, stimulus off, to the time after which V stays within
   1e-6 mV of the stable rest vrest found, the one the cell comes to from its start where there are several
   (found by a first, densely sampled run). Target: the run takes at least 10 times as long. A model whose
   start comes to no stable rest in the range (a pacemaker) has no run. A run that takes
   more than a minute without coming within 1e-6 mV is stopped there: its time is a lower bound.
   Beside them, two parts of the warm call: its run from the start that says where the cell goes (which
   of the stable states it comes to, or whether it beats beside one: derive.rest.follow, CVODE to within
   1e-3 of each state's size), and the floor of any engine that reports stability: the rest given, one
   Jacobian there in compiled code and its eigenvalues (LAPACK), nothing searched, nothing run. Where a
   tenth of the CVODE run to rest is shorter than the run that says where the cell goes, no speed-up of
   the rest of the call meets target 1 on that model.
2. Cold first call, whole process, empty cache: `vrest rest FILE` on the 41-state O'Hara-Rudy (2011)
   model (and Luo-Rudy 1991) against Myokit's import of the same file (`python -c` importing Myokit and
   reading the file). Target: within 10 times Myokit's. Median of 3 (--quick: one each).
"""

from __future__ import annotations

import vrest.codegen.cli  # noqa: F401, I001 - first: BLAS on one thread before NumPy loads, as the vrest command runs

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from run import best_of  # benchmarks/run.py: the shortest of repeated wall times

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "tests" / "models"
VREST = str(Path(sys.executable).with_name("vrest"))
TOLERANCE = 1e-9  # V: 1e-6 mV
RTOL = 1e-10
RUN_BUDGET = 60.0  # s of wall time for one CVODE run: a model that needs longer to come to rest gets a lower bound


def _models() -> list[str]:
    files = sorted(MODELS.glob("*.cellml")) + sorted(MODELS.glob("*.xml")) + sorted(MODELS.glob("cellml2/*.cellml"))
    return [str(f.relative_to(MODELS)) for f in files]


# the membrane potential of a file that names none (a unit of voltage or an annotation): `vrest rest --voltage`
VOLTAGE = {"BIOMD0000000378.xml": "V_membrane_amount"}


def _warm_rest(path: str, repeat: int):
    """(best time of a warm vrest rest, best time of its run from the start (the part that says where the cell goes:
    derive.rest.follow, timed inside the calls), its report)."""
    from vrest.codegen.cli.rest_cmd import resting_report
    from vrest.derive.rest import DEFAULT_RANGE, engine

    voltage = VOLTAGE.get(Path(path).name)
    report = resting_report(path, DEFAULT_RANGE, voltage=voltage)
    runs, follow = [], engine.follow

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return follow(*args, **kwargs)
        finally:
            runs.append(time.perf_counter() - started)

    engine.follow = timed
    try:
        warm = best_of(lambda: resting_report(path, DEFAULT_RANGE, voltage=voltage), repeat)
    finally:
        engine.follow = follow
    return warm, min(runs, default=float("nan")), report


def _cvode_to_rest(path: str, v_rest: float, repeat: int) -> tuple[float, float, float, bool]:
    """(best time of vrest's CVODE run from the file's initial state until V stays within 1e-6 mV of ``v_rest``,
    that model time (s), |V - v_rest| at its end (V), whether it got there). A run that takes more than
    RUN_BUDGET of wall time without getting there ends the search: its time is a lower bound (False)."""
    from vrest.codegen.simulation.imported import imported_plan
    from vrest.codegen.simulation.integrate import simulate_module

    module = imported_plan(path, VOLTAGE.get(Path(path).name)).module()
    y0, v = np.array(module.STATE_VALUES), module.VOLTAGE_INDEX

    def run(times):
        return simulate_module(module, module.MODEL, (), y0, None, times, rtol=RTOL, solver="cvode")

    t_end = 10.0
    while True:  # the first time after which V stays within the tolerance, on a grid of 1e5 intervals
        times = np.linspace(0.0, t_end, 100001)
        started = time.perf_counter()
        course = run(times).y[v]
        took = time.perf_counter() - started
        outside = np.flatnonzero(np.abs(course - v_rest) >= TOLERANCE)
        if not outside.size or outside[-1] < len(times) - 1000:
            break
        if took > RUN_BUDGET:
            return took, t_end, abs(course[-1] - v_rest), False
        if t_end >= 1e6:
            raise RuntimeError(f"{path}: not within 1e-6 mV of the rest after {t_end:g} s")
        t_end *= 10
    t_rest = float(times[outside[-1] + 1]) if outside.size else 0.0
    final = run(np.array([0.0, t_rest])).y[v, -1]
    repeat = 1 if took > RUN_BUDGET / 10 else repeat  # a run of many seconds: one is measurement enough
    return best_of(lambda: run(np.array([0.0, t_rest])), repeat), t_rest, abs(final - v_rest), True


def _floor(path: str, rest, repeat: int) -> float:
    """Best time (s) of one compiled Jacobian at the rest ``rest`` (a RestingState) and its eigenvalues: what any
    engine that reports stability must do once it has the rest, each call timed over 100 to resolve microseconds."""
    from vrest.codegen.simulation.imported import imported_plan

    module = imported_plan(path, VOLTAGE.get(Path(path).name)).module()
    jacobian = module.point_functions(np.array(module.PARAMETER_VALUES, dtype=float))[1]
    y = np.array(list(rest.states.values()), dtype=float)
    return best_of(lambda: [np.linalg.eigvals(jacobian(0.0, y)) for _ in range(100)], repeat) / 100


def _process(argv: list[str], repeat: int, fresh_cache: bool = False) -> float:
    samples = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="vrest-bench-") as cache:
            env = {**os.environ, "VREST_CACHE_DIR": cache} if fresh_cache else None
            start = time.perf_counter()
            subprocess.run(argv, check=True, capture_output=True, env=env)
            samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _show(rows) -> None:
    """Progress: each row as measured (the table comes at the end)."""
    for group, implementation, seconds, ratio in rows:
        took = "-" if seconds != seconds else f"{seconds * 1e3:.3g} ms"
        print(f"{group}: {implementation}: {took}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="each time measured once (else the best of 3; the "
                        "cold calls the median of 3), and the cold call on Luo-Rudy 1991 alone")
    parser.add_argument("--write", metavar="FILE", help="also write the summary and table (Markdown) to FILE")
    args = parser.parse_args()
    repeat = 1 if args.quick else 3
    rows, warm_met, warm_total, beyond_reach = [], [], 0, []
    warnings.simplefilter("ignore")  # the readers' notes (events or steps left out)
    from vrest.codegen.simulation.vanishing import SolverGaveUp

    for name in _models():
        path = str(MODELS / name)
        rest_time, fate_time, report = _warm_rest(path, repeat)
        stable = [s for s in report.resting_states if s.stable]
        fate = report.from_start  # the rest the cell comes to from its start: one of several (Pandit 2001), or none
        if fate is not None and fate.kind == "rests" and fate.index < len(stable):
            rest = stable[fate.index]
        else:
            rest = stable[0] if len(stable) == 1 and (fate is None or fate.kind == "unknown") else None
        if rest is None:
            group = f"{name} ({report.verdict.split(';')[0]})"
            rows.append((group, "warm vrest rest", rest_time, 1.0))
            rows.append((group, "vrest's CVODE run: none (from its start the cell comes to no stable rest in the "
                         "range)", float("nan"), float("nan")))
            _show(rows[-2:])
            continue
        v_rest = rest.V
        group = f"{name} (rest {v_rest * 1e3:.6f} mV)"
        rows.append((group, "warm vrest rest", rest_time, 1.0))
        try:
            run_time, t_rest, miss, reached = _cvode_to_rest(path, v_rest, repeat)
        except SolverGaveUp as error:  # Livshitz-Rudy: a state that starts at 1e-20 gets a tolerance of 1e-30
            rows.append((group, f"vrest's CVODE run: none ({str(error).split(':')[1].strip()})", float("nan"),
                         float("nan")))
            _show(rows[-2:])
            continue
        if reached:
            rows.append((group, f"vrest's CVODE run to within 1e-6 mV ({t_rest:.4g} s of model time; "
                         f"{miss * 1e3:.1e} mV off at its end)", run_time, run_time / rest_time))
        else:
            rows.append((group, f"vrest's CVODE run, stopped after {t_rest:.4g} s of model time still {miss * 1e3:.2g} mV "
                         f"off (time and ratio: at least)", run_time, run_time / rest_time))
        floor = _floor(path, rest, max(repeat, 3))
        part = "part of the warm call: its run from the start to where the cell goes (CVODE, to within 1e-3 of each state's size)"
        rows.append((group, part, fate_time, fate_time / rest_time))
        rows.append((group, "floor of any engine: one compiled Jacobian at this rest and its eigenvalues",
                     floor, floor / rest_time))
        warm_total += 1
        if run_time / rest_time >= 10:
            warm_met.append(name)
        if reached and run_time < 10 * fate_time:
            beyond_reach.append(name)
        _show(rows[-4:])

    cold_ratios = {}
    cold = ["luo_rudy_1991.cellml"] + ([] if args.quick else ["ohara_rudy_2011_endo.cellml"])
    for name in cold:
        path = str(MODELS / name)
        myokit_time = _process([sys.executable, "-c", "import sys, myokit.formats; "
                                "myokit.formats.importer('cellml').model(sys.argv[1])", path], repeat)
        rest_time = _process([VREST, "rest", path], repeat, fresh_cache=True)
        group = f"cold process, {name}"
        rows.append((group, "Myokit: import and read the file", myokit_time, 1.0))
        rows.append((group, "vrest rest FILE (first call, empty cache)", rest_time, rest_time / myokit_time))
        cold_ratios[name] = rest_time / myokit_time
        _show(rows[-2:])

    lines = ["# vrest rest benchmarks (python benchmarks/rest.py)", "",
             f"Target 1 (warm vrest rest at least 10x faster than vrest's CVODE run to the same rest): met on "
             f"{len(warm_met)} of {warm_total} models that rest ({', '.join(warm_met) or 'none'}). "
             f"Its run from the start alone (where the cell goes) takes more than a tenth of the CVODE run to rest "
             f"on {len(beyond_reach)} of them: with that run in the call, no speed-up of the search meets target 1 there.",
             "Target 2 (cold first call within 10x of Myokit's import): "
             + ", ".join(f"{name} {ratio:.2g}x ({'met' if ratio <= 10 else 'not met'})"
                         for name, ratio in cold_ratios.items()) + ".", "",
             "| benchmark | implementation | time | ratio to the first row of its group |", "|---|---|---|---|"]
    lines += [f"| {g} | {i} | {'-' if t != t else f'{t * 1e3:.3g} ms'} | {'-' if r != r else f'{r:.3g}'} |"
              for g, i, t, r in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        Path(args.write).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
