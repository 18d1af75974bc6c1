"""vrest benchmarks: one command, a table of times and ratios measured in the same run.

    python benchmarks/run.py [--quick] [--write benchmarks/RESULTS.md]

1. Kernel: the current balance I_total (GHK K and Na, ohmic Cl, pump) on 1e6 and 1e7
   voltages: generated NumPy and C vs sympy.lambdify of the same expression, vs
   hand-written NumPy, vs the floor (one np.exp over the array). ns per element.
2. One ouabain run of pumpleak (3 h, rtol 1e-8) from the pumped steady state:
   codegen.simulate (compiled CVODE driver on the scikit-sundae wheel's SUNDIALS; the SciPy
   fallback too) vs solve_ivp (LSODA) on a lambdified rhs + Jacobian vs libRoadRunner (CVODE)
   on the SBML export. Model load/compilation excluded (done once before timing).
3. A batch of 1000 pump rates (I_max x 0.5..1.5, 1 h, no scenario): the same ways
   (vrest on all cores and on one thread).
4. Process start: the whole `vrest simulate ... --json` process, median wall time, with a
   warm cache (codegen.simulation.cache hit: no SymPy) and with an empty cache (SymPy,
   steady state, code generation and gcc), vs the floor `python -c "import numpy"`.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sympy as sp  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402

from vrest.codegen.simulation import cvode  # noqa: E402
from vrest.codegen.simulation.numeric import C_FLAGS, load_numeric  # noqa: E402
from vrest.codegen.printers import numpy_namespace  # noqa: E402
from vrest.codegen.simulation.integrate import simulate, start_state  # noqa: E402
from vrest.derive.builtin import resolve_model  # noqa: E402


def _lambdify_modules() -> list:
    """exprel/exprel' for lambdify (the NumPy prelude's helpers), then plain numpy."""
    helpers = numpy_namespace()
    return [{"exprel": helpers["_vrest_exprel"], "exprel_prime": helpers["_vrest_exprel_prime"]}, "numpy"]


def best_of(function, repeat: int) -> float:
    """Shortest wall time of ``repeat`` calls (s): the least disturbed measurement."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def kernels(sizes, repeat) -> list[tuple[str, str, float]]:
    model = resolve_model(str(ROOT / "benchmarks" / "kernel_model.toml"))
    c, npm = load_numeric(model, "c"), load_numeric(model, "numpy")
    p = dict(zip(npm.PARAMETER_NAMES, npm.PARAMETER_VALUES))
    expr = model.expand(sp.Symbol("I_total", real=True)).xreplace(
        {s: v for s, v in model.values.items() if s.name != "V"})
    V = sp.Symbol("V", real=True)
    lambdified = sp.lambdify(V, expr, modules=_lambdify_modules())
    R, F, T = p["R"], p["F"], p["T"]

    def hand(v):
        """Expert NumPy: GHK with u/expm1 guarded at 0, ohmic Cl, pump."""
        out = p["I_pump"] + p["g_Cl"] * (v - R * T / (-F) * np.log(p["Cl_o"] / p["Cl_i"]))
        u = F * v / (R * T)
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where(u == 0, 1.0, u / -np.expm1(-u))
        e = np.exp(-u)
        for ion in ("K", "Na"):
            out = out + p[f"P_{ion}"] * F * f * (p[f"{ion}_i"] - p[f"{ion}_o"] * e)
        return out

    rows = []
    for n in sizes:
        v = np.linspace(-0.1, 0.1, n)
        v[n // 2] = 0.0
        y = [v]
        reference = npm.I_total(y)
        for other in (c.I_total(y), hand(v)):
            assert np.allclose(other, reference, rtol=1e-9, atol=1e-12)
        for label, run in (("generated NumPy", lambda: npm.I_total(y)), ("generated C", lambda: c.I_total(y)),
                           ("sympy.lambdify", lambda: lambdified(v)), ("hand-written NumPy", lambda: hand(v)),
                           ("one np.exp (floor)", lambda: np.exp(v))):
            rows.append((f"I_total, 1e{int(np.log10(n))} V", label, best_of(run, repeat) / n * 1e9))
    return rows


def _lambdified_system(model, module):
    """rhs and Jacobian of the model lambdified with SymPy (the usual SciPy path), the module's parameters."""
    states = [s.symbol for s in model.states]
    valences = {ion.z: ion.valence for ion in model.ions}  # structural: folded in, as in the module
    rhs = [model.rhs()[s].xreplace(valences) for s in states]
    params = [model.parameter(name).symbol for name in module.PARAMETER_NAMES]
    modules = _lambdify_modules()
    f = sp.lambdify((states, params), rhs, modules=modules)
    j = sp.lambdify((states, params), sp.Matrix(rhs).jacobian(states), modules=modules)
    return f, j


def ouabain(repeat) -> list[tuple[str, str, float]]:
    model = resolve_model("pumpleak")
    times = np.linspace(0, 10800, 181)
    y0 = start_state(model)
    module = load_numeric(model, "c")
    p = np.array(module.PARAMETER_VALUES)
    off = p.copy()
    off[module.PARAMETER_NAMES.index("I_max")] = 0.0
    atol = 1e-10 * np.maximum(np.abs(y0), [1e-3, 0, 0, 0, 0])
    f, j = _lambdified_system(model, module)
    ours = simulate(model, "ouabain", times, y0=y0)
    solver = "CVODE driver" if cvode.driver() is not None else "SciPy LSODA"
    lam = solve_ivp(lambda t, y: f(y, off), (0, times[-1]), y0, method="LSODA", jac=lambda t, y: j(y, off),
                    t_eval=times, rtol=1e-8, atol=atol)
    rows = [("ouabain 3 h", f"vrest simulate (C rhs+jac, {solver})",
             best_of(lambda: simulate(model, "ouabain", times, y0=y0), repeat) * 1e3),
            ("ouabain 3 h", "vrest simulate, SciPy fallback (C rhs+jac, LSODA)",
             best_of(lambda: simulate(model, "ouabain", times, y0=y0, solver="scipy"), repeat) * 1e3),
            ("ouabain 3 h", "solve_ivp LSODA, lambdified rhs+jac",
             best_of(lambda: solve_ivp(lambda t, y: f(y, off), (0, times[-1]), y0, method="LSODA",
                                       jac=lambda t, y: j(y, off), t_eval=times, rtol=1e-8, atol=atol), repeat) * 1e3)]
    assert np.allclose(lam.y, ours.y, rtol=1e-5)
    rr = _roadrunner(model)
    if rr is not None:  # None: the model has no SBML export
        def run_rr():  # the SBML starts at the pumped steady state (coherent units: mV, amol, um^3)
            rr.resetAll()
            rr["I_max"] = 0.0
            return rr.simulate(0, times[-1], len(times))

        result = run_rr()
        v = np.asarray(result[:, result.colnames.index("[V]") if "[V]" in result.colnames else
                               result.colnames.index("V")])
        deviation = float(np.max(np.abs(v - 1e3 * ours.y[0]) / np.abs(1e3 * ours.y[0])))
        rows.append(("ouabain 3 h", f"libRoadRunner (CVODE), max rel. dev. of V {deviation:.1e}",
                     best_of(run_rr, repeat) * 1e3))
    return rows


def require(*modules: str) -> None:
    """Stop with one line, before any measuring, when a peer the benchmarks compare with is not installed."""
    import importlib

    missing = []
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        sys.exit(f"benchmarks: needs {', '.join(missing)} (the peers and extras they measure): pip install '.[test]'")


def _roadrunner(model):
    import roadrunner
    from vrest.codegen.exporters import render_files

    try:
        text = next(iter(render_files(model, "sbml").values()))
    except KeyError:
        return None
    rr = roadrunner.RoadRunner(text)
    rr.integrator.relative_tolerance = 1e-8
    rr.integrator.absolute_tolerance = 1e-10  # coherent units: V ~ 1e2 mV, amounts ~ 1e4 amol
    rr.timeCourseSelections = ["time", "V"]
    return rr


def batch(n, repeat) -> list[tuple[str, str, float]]:
    model = resolve_model("pumpleak")
    times = np.linspace(0, 3600, 13)
    y0 = start_state(model)
    module = load_numeric(model, "c")
    rates = float(module.PARAMETER_VALUES[module.PARAMETER_NAMES.index("I_max")]) * np.linspace(0.5, 1.5, n)
    k = module.PARAMETER_NAMES.index("I_max")
    f, j = _lambdified_system(model, module)
    atol = 1e-10 * np.maximum(np.abs(y0), [1e-3, 0, 0, 0, 0])

    def loop_lambdify():
        for rate in rates:
            p = np.array(module.PARAMETER_VALUES)
            p[k] = rate
            solve_ivp(lambda t, y: f(y, p), (0, times[-1]), y0, method="LSODA", jac=lambda t, y: j(y, p),
                      t_eval=times, rtol=1e-8, atol=atol)

    threads = os.cpu_count() or 1
    rows = [(f"batch of {n} pump rates, 1 h", f"vrest simulate (one batched call, {threads} threads)",
             best_of(lambda: simulate(model, None, times, params={"I_max": rates}, y0=y0), repeat) * 1e3),
            (f"batch of {n} pump rates, 1 h", "vrest simulate (one batched call, 1 thread)",
             best_of(lambda: simulate(model, None, times, params={"I_max": rates}, y0=y0, threads=1), repeat) * 1e3),
            (f"batch of {n} pump rates, 1 h", "loop of solve_ivp LSODA, lambdified", best_of(loop_lambdify, 1) * 1e3)]
    rr = _roadrunner(model)
    if rr is not None:
        def loop_rr():
            for rate in rates:
                rr.resetAll()
                rr["I_max"] = float(rate) * 1e3  # A/m^2 -> fA/um^2
                rr.simulate(0, times[-1], len(times))

        rows.append((f"batch of {n} pump rates, 1 h", "loop of libRoadRunner", best_of(loop_rr, 1) * 1e3))
    return rows


PROCESS_COMMANDS = (("simulate neuron", ["simulate", "neuron", "--json"]),
                    ("simulate pumpleak ouabain 3 h", ["simulate", "pumpleak", "--scenario", "ouabain", "--t-end",
                                                       "3 h", "--json"]))


def _process_seconds(argv: list[str], cache: str) -> float:
    """Wall time of one fresh ``python argv`` process with VREST_CACHE_DIR=cache (s)."""
    env = {**os.environ, "VREST_CACHE_DIR": cache}
    start = time.perf_counter()
    subprocess.run([sys.executable, *argv], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def process_start(repeat: int, cold_repeat: int) -> list[tuple[str, str, float]]:
    """Median wall time of whole `vrest simulate` processes: warm cache, empty cache, and the NumPy floor."""
    rows = []
    for label, argv in PROCESS_COMMANDS:
        group = f"process: vrest {label} --json"
        command = ["-m", "vrest.codegen", *argv]
        with tempfile.TemporaryDirectory(prefix="vrest-bench-cache-") as warm:
            _process_seconds(command, warm)  # fills the cache
            rows.append((group, f"warm cache (median of {repeat})",
                         statistics.median(_process_seconds(command, warm) for _ in range(repeat)) * 1e3))
        cold = []
        for _ in range(cold_repeat):
            with tempfile.TemporaryDirectory(prefix="vrest-bench-cache-") as empty:
                cold.append(_process_seconds(command, empty))
        rows.append((group, f"empty cache: SymPy + gcc (median of {cold_repeat})", statistics.median(cold) * 1e3))
        rows.append((group, f"floor: python -c 'import numpy' (median of {repeat})",
                     statistics.median(_process_seconds(["-c", "import numpy"], "") for _ in range(repeat)) * 1e3))
    return rows


def table(rows) -> str:
    lines = ["| benchmark | implementation | time | ratio to the first row of its group |", "|---|---|---|---|"]
    first: dict[str, float] = {}
    for group, label, value in rows:
        first.setdefault(group, value)
        unit = "ns/element" if group.startswith("I_total") else "ms"
        lines.append(f"| {group} | {label} | {value:.3g} {unit} | {value / first[group]:.2f} |")
    return "\n".join(lines)


def _cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        return next(line.split(":", 1)[1].strip() for line in lines if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def _solver() -> str:
    """Where CVODE came from (or why SciPy ran instead), and libRoadRunner's version."""
    built = cvode.driver()
    where = (f"SUNDIALS {built.sundials.version} from the scikit-sundae wheel" if built is not None
             else f"no CVODE ({cvode.unavailable_reason()})")
    import roadrunner

    return f"{where}, libRoadRunner {roadrunner.__version__}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    parser.add_argument("--write", metavar="FILE", help="also write the table as Markdown to FILE")
    args = parser.parse_args()
    require("roadrunner")
    sizes = [10**5] if args.quick else [10**6, 10**7]
    repeat = 2 if args.quick else 5
    rows = kernels(sizes, repeat) + ouabain(repeat) + batch(100 if args.quick else 1000, 1 if args.quick else 2)
    rows += process_start(5 if args.quick else 9, 1 if args.quick else 3)
    machine = f"{_cpu_model()}, {os.cpu_count()} cores (nproc), Python {platform.python_version()}, " \
              f"numpy {np.__version__}, sympy {sp.__version__}, {_solver()}, gcc flags {' '.join(C_FLAGS)}"
    text = f"Machine: {machine}\n\n{table(rows)}\n"
    print(text)
    if args.write:
        Path(args.write).write_text("# vrest benchmarks (python benchmarks/run.py)\n\n" + text, encoding="utf-8")


if __name__ == "__main__":
    main()
