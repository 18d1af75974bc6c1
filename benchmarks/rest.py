"""vrest rest against running a model until it comes to rest: times and ratios from one run.

    python benchmarks/rest.py [--quick] [--write benchmarks/REST_RESULTS.md]

1. Warm `vrest rest` (in one process, after a first call; the file is read again each time) on
   each public model of tests/models that rests, against integrating the same imported equations
   from the file's initial state until V is within 1e-6 mV of that rest (SciPy BDF with the analytic
   Jacobian, rtol 1e-10; building the functions excluded). vrest's own CVODE driver runs vrest's
   models only, so it appears in group 2.
2. The built-in pumpleak: warm `vrest rest pumpleak` against vrest's CVODE run (`vrest simulate`'s
   solver, compiled module loaded beforehand) from the state vrest rest starts from to within
   1e-6 mV of the rest.
3. Cold first call, whole process: `vrest rest FILE` on the 41-state O'Hara-Rudy (2011) model
   (and Luo-Rudy 1991) against Myokit's import of the same file (`python -c` importing Myokit and
   reading the file), median of 3 (--quick: one, and O'Hara-Rudy left out).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from run import best_of  # benchmarks/run.py: the shortest of repeated wall times

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
MODELS = ROOT / "tests" / "models"
VREST = str(Path(sys.executable).with_name("vrest"))

STABLE = ("luo_rudy_1991.cellml", "beeler_reuter_model_1977.cellml",
          "hodgkin_huxley_squid_axon_model_1952_modified.cellml", "cellml2/luo_rudy_1991.cellml",
          "BIOMD0000000020.xml")


def _warm_rest(spec: str, repeat: int) -> tuple[float, float]:
    """(best time of vrest rest's work on MODEL ``spec``, V at rest in volts) after one warm-up call."""
    from vrest.codegen.cli.rest_cmd import resting_report
    from vrest.derive.rest import DEFAULT_RANGE

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = resting_report(spec, DEFAULT_RANGE)
        seconds = best_of(lambda: resting_report(spec, DEFAULT_RANGE), repeat)
    (state,) = [s for s in report.resting_states if s.stable]
    return seconds, state.V


def _time_to_rest(times: np.ndarray, v: np.ndarray, v_rest: float) -> float:
    """The first time after which V stays within 1e-6 mV of ``v_rest``."""
    outside = np.flatnonzero(np.abs(v - v_rest) >= 1e-9)
    if outside.size and outside[-1] == len(v) - 1:
        raise RuntimeError("the run did not come to rest")
    return float(times[outside[-1] + 1]) if outside.size else float(times[0])


def _scipy_to_rest(name: str, v_rest: float, repeat: int) -> tuple[float, float]:
    """(best time of a BDF run from the file's initial state until within 1e-6 mV of the rest, that time)."""
    from scipy.integrate import solve_ivp
    from test_import_rest import _numeric, _read

    system = _read(MODELS / name)
    f, jac = _numeric(system)
    y0 = np.array([float(s.initial) for s in system.states])
    v = system.voltage_index
    atol = 1e-14 * np.where(y0 != 0, np.abs(y0), 1.0)
    atol[v] = 1e-13  # volts (1e-10 mV): V may start at 0 (a displacement from rest)

    def run(t_end: float, t_eval=None):
        with np.errstate(all="ignore"):
            return solve_ivp(lambda t, y: f(y), (0.0, t_end), y0, method="BDF", jac=lambda t, y: jac(y),
                             rtol=1e-10, atol=atol, t_eval=t_eval)

    probe = run(20.0, np.linspace(0.0, 20.0, 200001))
    t_rest = _time_to_rest(probe.t, probe.y[v], v_rest)
    return best_of(lambda: run(t_rest), repeat), t_rest


def _cvode_to_rest(name: str, v_rest: float, repeat: int) -> tuple[float, float]:
    """(best time of vrest's CVODE run from the state vrest rest starts from (so with the same conserved
    charge) until within 1e-6 mV of the rest, that time)."""
    from vrest.codegen.simulation.integrate import simulate
    from vrest.derive.builtin import resolve_model
    from vrest.derive.rest import load_system

    model = resolve_model(name)
    y0 = [float(s.initial) for s in load_system(name).states]
    t_end = 3 * 3600.0
    times = np.linspace(0.0, t_end, 100001)
    probe = simulate(model, times=times, y0=y0, rtol=1e-10, solver="cvode")
    v = probe.y[probe.state_names.index("V")]
    t_rest = _time_to_rest(times, v, v_rest)
    return best_of(lambda: simulate(model, times=[0.0, t_rest], y0=y0, rtol=1e-10, solver="cvode"),
                   repeat), t_rest


def _process(argv: list[str], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--write", metavar="FILE")
    args = parser.parse_args()
    repeat = 1 if args.quick else 3
    rows = []

    for name in STABLE:
        rest_time, v_rest = _warm_rest(str(MODELS / name), repeat)
        run_time, t_rest = _scipy_to_rest(name, v_rest, repeat)
        group = f"{name} (rest {v_rest * 1e3:.6f} mV)"
        rows.append((group, "warm vrest rest", rest_time, 1.0))
        rows.append((group, f"SciPy BDF to within 1e-6 mV ({t_rest:.3g} s of model time)", run_time,
                     run_time / rest_time))
        print(rows[-2], rows[-1], flush=True)

    for name in ("pumpleak",):
        rest_time, v_rest = _warm_rest(name, repeat)
        try:
            run_time, t_rest = _cvode_to_rest(name, v_rest, repeat)
            label = f"vrest's CVODE run from the same start to within 1e-6 mV ({t_rest:.3g} s of model time)"
        except Exception as exc:  # noqa: BLE001 - the table says why there is no number
            run_time, label = float("nan"), f"vrest's CVODE run: {exc}"
        group = f"built-in {name} (rest {v_rest * 1e3:.6f} mV)"
        rows.append((group, "warm vrest rest", rest_time, 1.0))
        rows.append((group, label, run_time, run_time / rest_time))
        print(rows[-2], rows[-1], flush=True)

    cold = ["luo_rudy_1991.cellml"] + ([] if args.quick else ["ohara_rudy_2011_endo.cellml"])
    for name in cold:
        path = str(MODELS / name)
        myokit_time = _process([sys.executable, "-c", "import sys, myokit.formats; "
                                "myokit.formats.importer('cellml').model(sys.argv[1])", path], repeat)
        rest_time = _process([VREST, "rest", path], repeat)
        group = f"cold process, {name}"
        rows.append((group, "Myokit: import and read the file", myokit_time, 1.0))
        rows.append((group, "vrest rest FILE (first call)", rest_time, rest_time / myokit_time))
        print(rows[-2], rows[-1], flush=True)

    lines = ["# vrest rest benchmarks (python benchmarks/rest.py)", "",
             "| benchmark | implementation | time | ratio to the first row of its group |", "|---|---|---|---|"]
    lines += [f"| {g} | {i} | {t * 1e3:.3g} ms | {r:.3g} |" for g, i, t, r in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        Path(args.write).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
