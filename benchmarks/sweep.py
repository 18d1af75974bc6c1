"""vrest sweep benchmarks: one command, each target's ratio measured in the same run.

    python benchmarks/sweep.py [--quick]

1. V_ss of squid (GHK leaks and a pump: a numeric root) on a 1000 x 1000 grid of K_o and P_Na: the whole
   `vrest sweep ... --out grid.parquet` process against one whole `vrest derive squid` process (median of
   3 each); then V_ss at 100 random grid points against vrest derive (SymPy, mpmath) on the model file
   with those values. Target: <= 3x, agreement to 1e-9 relative.
2. A scenario sweep of 1e4 pumpleak ouabain runs (3 h, K_o from 2 to 8 mM, each run from its own steady
   state) against a loop of libRoadRunner over the same runs on the SBML export (each set to the same
   start state and K_o). Target: >= 3x faster.
3. A 2e4-run scenario sweep on a Dask LocalCluster of 2 one-thread workers against 1 worker (throughput),
   and its numbers against the local engine's. Target: >= 1.6x, equal to 1e-12 relative.
4. A 1e7-point quantity sweep of squid (V_ss, E_K) to Parquet: the peak memory of the process and its
   workers together (RSS sampled every 20 ms). Target: below 1 GB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from run import require  # noqa: E402 - benchmarks/run.py: stop when a peer is not installed
from vrest.codegen.sweep.api import make_plan  # noqa: E402
from vrest.codegen.sweep.scenario import run_scenario_sweep  # noqa: E402
from vrest.derive.builtin import builtin_text, resolve_model  # noqa: E402

VREST = [sys.executable, "-m", "vrest.codegen"]
TIMES = [0.0, 60.0, 600.0, 1800.0, 3600.0, 7200.0, 10800.0]


def _seconds(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def grid(side: int, repeat: int) -> list[str]:
    import pyarrow.parquet as pq

    from vrest.derive.modelfile import model_from_text
    from vrest.derive.quantities import Derivations

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "grid.parquet"
        sweep = [*VREST, "sweep", "squid", "--vary", f"ions.K.outside=1..100 mM log {side}", "--vary",
                 f"ions.Na.permeability=1e-9..1e-6 cm/s log {side}", "--quantity", "V_ss", "--out", str(out)]
        _seconds(sweep)  # warm: compiled caches, page cache
        swept = statistics.median(_seconds(sweep) for _ in range(repeat))
        derived = statistics.median(_seconds([*VREST, "derive", "squid"]) for _ in range(repeat))
        table = pq.read_table(out).to_pandas()
    rng = np.random.default_rng(1)
    worst = 0.0
    text = builtin_text("squid")
    for row in rng.choice(len(table), 100, replace=False):
        k_o, p_na, v_ss = table.iloc[row]
        changed = text.replace('outside = "20 mM"', f'outside = "{k_o!r} mM"').replace(
            'permeability = "4e-8 cm/s"', f'permeability = "{p_na!r} cm/s"')
        expected = Derivations(model_from_text(changed)).get("V_ss").display_value
        worst = max(worst, abs(v_ss - expected) / abs(expected))
    return [f"| V_ss of squid, {side} x {side} grid (K_o, P_Na) | whole `vrest sweep` process {swept:.2f} s | "
            f"`vrest derive squid` {derived:.2f} s | {swept / derived:.2f}x (target <= 3x); max rel. deviation from "
            f"vrest derive at 100 random points {worst:.1e} (target 1e-9) |"]


def _roadrunner_loop(model, plan, outcome) -> tuple[float, float]:
    """Seconds for looping libRoadRunner over the sweep's runs (same start states and K_o), and the largest
    relative deviation of V from the sweep's."""
    import roadrunner

    from vrest.codegen.exporters import render_files

    rr = roadrunner.RoadRunner(next(iter(render_files(model, "sbml").values())))
    rr.integrator.relative_tolerance = 1e-8
    rr.integrator.absolute_tolerance = 1e-10
    rr.timeCourseSelections = ["time", "V"]
    memory = outcome.memory
    k_o = memory.points[:, 0]
    start = {name: memory.values[name][:, 0] for name in ("V", "K_i", "Na_i", "Cl_i", "volume")}
    deviation = 0.0
    began = time.perf_counter()
    for i in range(len(k_o)):
        rr.resetAll()
        rr["K_o"] = float(k_o[i])
        volume = float(start["volume"][i])
        rr["Vol"] = volume
        for ion in ("K", "Na", "Cl"):
            rr[f"N_{ion}"] = float(start[f"{ion}_i"][i]) * volume  # mM um^3 = amol, the SBML's amount unit
        rr["V"] = float(start["V"][i])
        rr["I_max"] = 0.0  # ouabain from t = 0
        result = rr.simulate(times=TIMES)
        if i % 1000 == 0:
            v = np.asarray(result[:, 1])
            deviation = max(deviation, float(np.max(np.abs(v - memory.values["V"][i]) / np.abs(v))))
    return time.perf_counter() - began, deviation


def scenario(runs: int) -> list[str]:
    model = resolve_model("pumpleak")
    plan = make_plan(model, [f"ions.K.outside=2..8 mM {runs}"])
    run_scenario_sweep(model, make_plan(model, ["ions.K.outside=2..8 mM 16"]), "ouabain", TIMES)  # warm
    began = time.perf_counter()
    outcome = run_scenario_sweep(model, plan, "ouabain", TIMES)
    ours = time.perf_counter() - began
    theirs, deviation = _roadrunner_loop(model, plan, outcome)
    return [f"| ouabain scenario sweep of pumpleak, {runs} runs (K_o 2-8 mM, 3 h) | vrest sweep {ours:.2f} s "
            f"(steady states + CVODE, {os.cpu_count()} threads) | loop of libRoadRunner {theirs:.2f} s (max rel. "
            f"deviation of V {deviation:.1e}) | {theirs / ours:.1f}x faster (target >= 3x) |"]


def dask_scaling(runs: int) -> list[str]:
    from distributed import Client, LocalCluster

    model = resolve_model("pumpleak")
    plan = make_plan(model, [f"ions.K.outside=2..8 mM {runs}"])
    local = run_scenario_sweep(model, plan, "ouabain", TIMES)
    seconds = {}
    outcomes = {}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                Client(cluster):
            warm = make_plan(model, [f"ions.K.outside=2..8 mM {16 * workers}"])
            run_scenario_sweep(model, warm, "ouabain", TIMES, engine="dask", scheduler=cluster.scheduler_address)
            began = time.perf_counter()
            outcomes[workers] = run_scenario_sweep(model, plan, "ouabain", TIMES, engine="dask",
                                                   scheduler=cluster.scheduler_address)
            seconds[workers] = time.perf_counter() - began
    worst = max(float(np.max(np.abs(outcomes[2].memory.values[n] - local.memory.values[n])
                             / np.abs(local.memory.values[n]))) for n in local.memory.values)
    return [f"| Dask LocalCluster, {runs}-run ouabain sweep | 2 one-thread workers {seconds[2]:.2f} s | 1 worker "
            f"{seconds[1]:.2f} s | {seconds[1] / seconds[2]:.2f}x the throughput (target >= 1.6x); max rel. "
            f"deviation from the local engine {worst:.1e} (target 1e-12) |"]


def memory(points: int) -> list[str]:
    import psutil

    side = int(round(points ** 0.5))
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "big.parquet"
        argv = [*VREST, "sweep", "squid", "--vary", f"ions.K.outside=1..100 mM log {side}", "--vary",
                f"pump.current=0..2 uA/cm^2 {points // side}", "--quantity", "V_ss,E_K", "--out", str(out)]
        process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        parent = psutil.Process(process.pid)
        peak = 0
        began = time.perf_counter()
        while process.poll() is None:
            try:
                tree = [parent, *parent.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.02)
        seconds = time.perf_counter() - began
        size = out.stat().st_size
    return [f"| {side * (points // side):.2g}-point quantity sweep (V_ss, E_K of squid) to Parquet | peak memory of "
            f"the process and its workers {peak / 2**20:.0f} MiB | {seconds:.1f} s, file {size / 2**20:.0f} MiB | "
            f"target < 1 GB: {'met' if peak < 1e9 else 'missed'} |"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run, not the targets)")
    args = parser.parse_args()
    require("roadrunner", "distributed", "pyarrow")
    quick = args.quick
    rows = ["| benchmark | vrest | peer (same run) | ratio |", "|---|---|---|---|"]
    rows += grid(100 if quick else 1000, 1 if quick else 3)
    rows += scenario(500 if quick else 10_000)
    rows += dask_scaling(1000 if quick else 20_000)
    rows += memory(10**5 if quick else 10**7)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
