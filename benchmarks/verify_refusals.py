"""How fast `vrest verify` refuses bad input: the whole process, against the floor of starting it.

    python benchmarks/verify_refusals.py [--repeat 3]

Each refusal must exit 2 with one line on stderr well within 2 s; the table gives
the median wall time of the process and its ratio to the floor (the interpreter
importing vrest's command line, measured in the same run).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

BAD = [
    ["E_K = 61.5 mV mV"],
    ["E_K = mV mV"],
    ["E_K = 61.5 mVolts log10(K_o/K_i)"],
    ["E_K = 61.5 mV exp(2 mV)"],
    ["E_K = 2^(3 mV)"],
    ["E_K = 1e400 mV"],
    ["E_K = RT/F ln(K_o/K_i) + K_o"],
    ["E_K = -95 mV", "--tolerance", "0.1 mM"],
]
_COMMAND = [sys.executable, "-m", "vrest.codegen"]


def wall(command: list[str], repeat: int, expect: int) -> float:
    """Median wall time (s) of the process; checks its exit code and one-line stderr."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != expect or (expect == 2 and done.stderr.count("\n") != 1):
            raise SystemExit(f"{command}: exit {done.returncode}, stderr {done.stderr!r}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    floor = wall([sys.executable, "-c", "import vrest.codegen.cli"], repeat, 0)
    print(f"{'vrest verify ...':60} {'s':>6} {'x floor':>8}")
    print(f"{'(floor: import vrest.codegen.cli)':60} {floor:6.2f} {1:8.2f}")
    for args in BAD:
        t = wall([*_COMMAND, "verify", *args], repeat, 2)
        print(f"{' '.join(args):60} {t:6.2f} {t / floor:8.2f}")


if __name__ == "__main__":
    main()
