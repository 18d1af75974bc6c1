"""How fast `vrest verify` refuses bad input: the whole process, against the floor of starting it.

    python benchmarks/verify_refusals.py [--repeat 3]

Each refusal must exit 2 with one line on stderr well within 2 s; the table gives
the median wall time of the process and its ratio to the floor (the interpreter
importing vrest's command line, measured in the same run). A second table times
the parser on inputs built to be heavy (each refused) and the time limit of the
symbolic phase, in this process, against parsing one plain formula.
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
    ["E_K = exp(1000)*1 mV"],
    ["E_K = RT/F ln K_o/K_i"],
    ["E_k = RT/F ln(K_o/K_i)"],
    ["nothere.txt"],
]
HEAVY = ["9^9^9^9", "9**9**9**9", "(9^9)^(9^9)", "((V^8)^8)^8", "10^1001", "x" * 1_000_000, "V+" * 999_999 + "V",
         "(" * 1000 + "V" + ")" * 1000, "-" * 1999 + "V", "V^" * 999 + "V", "ln(" * 600 + "V" + ")" * 600, "9" * 100,
         "1e99999", "V" * 1999]
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


def in_process(repeat: int) -> None:
    """The parser on heavy input and the symbolic time limit, against parsing one formula."""
    import sympy as sp
    from vrest.derive.verify import ParseError, parse
    from vrest.derive.verify.equivalence import symbolic_zero

    names = {n: sp.Symbol(n, positive=True) for n in ("R", "T", "F", "K_o", "K_i", "g_K", "g_Na", "g_Cl", "P_K")}
    names["V"] = sp.Symbol("V", real=True)

    def best(work) -> float:
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            work()
            times.append(time.perf_counter() - start)
        return min(times)

    def refused(text: str) -> None:
        try:
            parse(text, names)
        except ParseError:
            return
        raise SystemExit(f"{text[:30]!r} was not refused")

    floor = best(lambda: parse("R*T/F*ln(K_o/K_i)", names))
    print(f"\n{'parse (in process)':60} {'s':>6} {'x floor':>8}")
    print(f"{'(floor: RT/F ln(K_o/K_i))':60} {floor:6.3f} {1:8.1f}")
    for text in HEAVY:
        t = best(lambda text=text: refused(text))
        label = text[:40] + (f"... ({len(text)} chars)" if len(text) > 40 else "")
        print(f"{label:60} {t:6.3f} {t / floor:8.1f}")
    a, b, c, d = (names[n] for n in ("g_K", "g_Na", "g_Cl", "P_K"))
    heavy = (a + b + c + d + 1) ** 40
    t = best(lambda: symbolic_zero(heavy - (a + b + c + d) ** 40, {}, timeout=0.3))
    print(f"{'symbolic phase cut at 0.3 s: (a+b+c+d+1)^40':60} {t:6.3f} {t / floor:8.1f}")


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
    in_process(repeat)


if __name__ == "__main__":
    main()
