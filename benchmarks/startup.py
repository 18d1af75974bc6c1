"""Start-up of the vrest command: whole processes against an empty Python's, measured in the same run.

    python benchmarks/startup.py [--repeat N]

Each command runs as a fresh process (``python -m vrest.codegen ...``, as the ``vrest`` script does) in turn
with ``python -c pass``, N times (default 9) after one unmeasured run of each (which also fills the cache
of the warm runs); the table gives the medians of CPU time (user + system) and wall time, and the median
of the pairwise CPU ratio to ``python -c pass``. Warm: the CellML file's plan and compiled module are in
a cache of this run's own (VREST_CACHE_DIR), so the run loads them instead of reading the file.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "tests" / "models"
COMMANDS = (
    ("vrest --help", ["--help"]),
    ("vrest rest --help", ["rest", "--help"]),
    ("warm vrest rest luo_rudy_1991.cellml", ["rest", str(MODELS / "luo_rudy_1991.cellml")]),
    ("warm vrest rest hodgkin_huxley_squid_axon_model_1952_modified.cellml",
     ["rest", str(MODELS / "hodgkin_huxley_squid_axon_model_1952_modified.cellml")]),
    ("vrest derive (default model)", ["derive"]),
)


def _run(argv: list[str], env: dict) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one process ``python argv``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, *argv], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall


def measure(repeat: int) -> list[tuple[str, float, float, float]]:
    """(command, median CPU ms, median wall ms, median CPU ratio to python -c pass) for each command."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="vrest-bench-cache-") as cache:
        env = {**os.environ, "VREST_CACHE_DIR": cache}
        floor = ["-c", "pass"]
        for label, argv in COMMANDS:
            command = ["-m", "vrest.codegen", *argv]
            _run(command, env), _run(floor, env)  # unmeasured: fills the cache, warms the file system
            pairs = [(_run(command, env), _run(floor, env)) for _ in range(repeat)]
            rows.append((label, statistics.median(a[0] for a, _ in pairs) * 1e3,
                         statistics.median(a[1] for a, _ in pairs) * 1e3,
                         statistics.median(a[0] / b[0] for a, b in pairs)))
        pairs = [_run(floor, env) for _ in range(repeat)]
        rows.append(("python -c pass", statistics.median(p[0] for p in pairs) * 1e3,
                     statistics.median(p[1] for p in pairs) * 1e3, 1.0))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9, help="measured runs of each command (default 9)")
    args = parser.parse_args()
    lines = ["| command | CPU (median) | wall (median) | CPU / python -c pass (median of pairs) |", "|---|---|---|---|"]
    for label, cpu, wall, ratio in measure(args.repeat):
        lines.append(f"| {label} | {cpu:.0f} ms | {wall:.0f} ms | {ratio:.1f} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
