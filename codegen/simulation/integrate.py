"""Simulate a model from its pumped steady state (or its given state) through a scenario's steps.

The generated module (compiled C when possible) gives rhs and the analytic
Jacobian. SUNDIALS CVODE (from the scikit-sundae wheel) drives them from C
(codegen.simulation.cvode: no Python between steps, a batch loops in C); without it
SciPy's stiff solvers integrate. States span ~20 orders of magnitude
(V ~ 0.1 V, amounts ~ 1e-13 mol, volume ~ 1e-15 m^3), so the absolute tolerance
is per state, set from the starting magnitudes. A batch of parameter sets runs
as one ODE system with a block-diagonal sparse Jacobian. A scenario is a protocol of
steps (derive.schedule): each step starts a parameter segment, and both solvers take the
segments in one run (CVODE in one driver call, stopping exactly at each step time).

Tolerances: rtol (default RTOL = 1e-8) for every state, and an absolute tolerance per state of
atol (default rtol/100) times that state's magnitude at the start (V: at least 1 mV; for a batch
with one start per set, the median over the sets). Against a reference at rtol 1e-12 the default
keeps V within a few 1e-5 mV and every state within 1e-6 relative (pumpleak's ouabain jump:
2e-6 mV with CVODE); rtol 1e-10 within 1e-7 mV (6e-8 mV).
"""

from __future__ import annotations

import math
from fractions import Fraction
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from vrest.derive.errors import ModelError, ModelWarning
from vrest.derive.schedule import parameter_schedule

from ..progress import ProgressLine
from . import vanishing
from .numeric import load_numeric
from .state_sizes import typical_sizes
from .vanishing import explained

if TYPE_CHECKING:  # derive.model imports SymPy; simulate_module runs without it
    from vrest.derive.model import Model

__all__ = ["simulate", "simulate_module", "SimulationResult", "start_state", "START_CHOICES", "needs_steady_state",
           "refuse_injected_current", "MAX_RHS_CALLS", "RTOL", "REDUCED_RTOL", "ATOL_PER_RTOL", "tolerances"]

START_CHOICES = ("steady", "given")  # --start: the pumped steady state, or the model file's state
RTOL = 1e-8  # simulate's default relative tolerance (CVODE and the SciPy fallback)
REDUCED_RTOL = 1e-10  # simulate_reduced's (its steps are cheap; V is a root to 1e-14 at each)
ATOL_PER_RTOL = 1e-2  # the default atol: rtol/100, of each state's magnitude at the start
# The SciPy path's budget: evaluations of the right-hand side per run (a 3 h ouabain run takes ~2000).
MAX_RHS_CALLS = 200_000
# The SciPy path's first step (s). From a steady state dy/dt ~ 0, so LSODA's own guess is the whole first output
# interval: over a run of 1e10 s its explicit start then fails to converge. From 1 us it grows as it may.
FIRST_STEP = 1e-6


@dataclass(frozen=True)
class SimulationResult:
    """t (s, shape (nt,)), y (SI, shape (n_states, nt) or (n_states, batch, nt)) and what made them."""

    model: str
    scenario: str | None
    t: np.ndarray
    y: np.ndarray
    state_names: tuple[str, ...]
    quantities: Mapping[str, np.ndarray]  # every named quantity along the trajectory (SI)
    rtol: float | None = None  # the tolerances the run was held to (module docstring)
    atol: float | None = None  # per state: atol x its magnitude at the start (V: at least 1 mV)
    solver: str | None = None  # "CVODE BDF", "SciPy LSODA", ...

    def outputs(self) -> dict[str, tuple[str, np.ndarray]]:
        """The output columns of docs/model-format.md: V (mV), each gate (a fraction), each X_i (mM), volume (um^3)."""
        out = {"V": ("mV", self.y[0] * 1e3)}
        for k, name in enumerate(self.state_names):
            if k and name != "Vol" and not name.startswith("N_"):  # a gate of a channel: the fraction itself
                out[name] = ("1", self.y[k])
        for name, values in self.quantities.items():
            if name.endswith("_i") and name != "A_i":
                out[name] = ("mM", values)  # mol/m^3 = mM
        if "Vol" in self.state_names:
            out["volume"] = ("um^3", self.y[self.state_names.index("Vol")] * 1e18)
        elif "Vol" in self.quantities:
            out["volume"] = ("um^3", self.quantities["Vol"] * 1e18)
        return out


@contextmanager
def needs_steady_state(model_name: str, hint: str = "`--start given` runs from the model file's own state instead",
                       what: str = "steady state") -> Iterator[None]:
    """A model without a steady state (or ``what``) to start from is bad input: one line saying so, and what to
    try."""
    from vrest.derive.derivation import NotApplicable

    try:
        yield
    except NotApplicable as reason:
        raise ModelError("model", model_name, f"no {what} to start from: {reason}; {hint}") from None


def start_state(model: Model, start: str = "steady") -> np.ndarray:
    """The state a run starts from (SI, in the module's state order; a fresh copy): "steady", the steady state
    with the pump on and zero net charge; "given", the file's concentrations and volume with V at
    membrane.initial_potential (else the current-balance root), keeping the charge they carry.

    What finding it warned (ModelWarning: a composition far from electroneutral) is said again on every call.
    A ModelError (see needs_steady_state) when the model has no steady state.
    """
    if start not in START_CHOICES:
        raise ModelError("--start", start, f"expected one of {', '.join(START_CHOICES)}")
    with (needs_steady_state(model.name) if start == "steady" else
          needs_steady_state(model.name, hint="membrane.initial_potential sets its V", what="given state")):
        state, said = _start_state(model, start)
    for message in said:
        warnings.warn(message, ModelWarning, stacklevel=2)
    return np.array(state)


@lru_cache(maxsize=16)
def _start_state(model: Model, start: str) -> tuple[tuple[float, ...], tuple[str, ...]]:
    """(state, its warnings), found once per model, start and process, like the loaded numeric module (the
    root finding costs ~40 ms)."""
    from vrest.derive.steady_state import initial_state, steady_state

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ModelWarning)
        state = steady_state(model) if start == "steady" else initial_state(model)
    for other in caught:  # only ModelWarnings are kept and repeated; anything else is said as it came
        if not issubclass(other.category, ModelWarning):
            warnings.warn_explicit(other.message, other.category, other.filename, other.lineno)
    said = tuple(dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, ModelWarning)))
    return tuple(float(state[s.symbol]) for s in model.states), said


@lru_cache(maxsize=16)
def _loaded(model: Model, backend: str):
    """The model's numeric module, loaded once per process (load_numeric hashes the generated source)."""
    return load_numeric(model, backend)


class ScenarioLike(Protocol):
    """What a scenario must say: derive.model.Scenario, or the cached copy of codegen.simulation.cache.

    ``steps``: each with ``at`` (s) and ``changes`` (``parameter``, ``operation`` "set" or "scale", ``value``
    SI or factor), as derive.schedule reads them.
    """

    name: str
    steps: Sequence[Any]


def find_scenario(scenarios: Sequence[ScenarioLike], model_name: str, name: str | None) -> ScenarioLike | None:
    """The scenario called ``name`` (None: none); an unknown name is a ModelError listing the known ones."""
    if name is None:
        return None
    for scenario in scenarios:
        if scenario.name == name:
            return scenario
    known = ", ".join(s.name for s in scenarios) or "none"
    raise ModelError("--scenario", name, f"unknown scenario of model {model_name} (known: {known})")


def tolerances(rtol: float | None, atol: float | None, default_rtol: float = RTOL) -> tuple[float, float]:
    """(rtol, atol) of a run: the defaults for None, each checked against derive.limits' "tolerance" range (a
    ModelError naming --rtol or --atol and the value otherwise)."""
    from vrest.derive import limits

    rtol = default_rtol if rtol is None else float(limits.check("--rtol", _number("--rtol", rtol), "tolerance", rtol))
    if atol is None:
        return rtol, rtol / (1 / ATOL_PER_RTOL)  # 1e-4 / 100 is 1e-06, where 1e-4 * 0.01 is 1.0000000000000002e-06
    return rtol, float(limits.check("--atol", _number("--atol", atol), "tolerance", atol))


def _number(key: str, value: object) -> Fraction | float:
    """The number as written (the double 0.1 is 0.1, not the binary fraction just above it: 0.1 is allowed)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
        raise ModelError(key, value, "expected a number")
    return Fraction(repr(float(value))) if math.isfinite(value) else float(value)


def _checked(scenarios: Sequence[ScenarioLike], model_name: str, scenario: str | None,
             times: Sequence[float] | np.ndarray | None, t_end: float | None,
             solver: str) -> tuple[ScenarioLike | None, np.ndarray]:
    """(the chosen scenario, the output times) after checking the arguments of a simulation."""
    if solver not in ("auto", "cvode", "scipy"):
        raise ValueError(f"solver must be 'auto', 'cvode' or 'scipy', not {solver!r}")
    chosen = find_scenario(scenarios, model_name, scenario)
    if times is None:
        end = t_end if t_end is not None else 1.0
        times = np.linspace(0.0, end, 201)
    times = np.asarray(times, dtype=float)
    if (times.ndim != 1 or times.size == 0 or not np.all(np.isfinite(times)) or np.any(times < 0)
            or np.any(np.diff(times) < 0)):
        raise ModelError("--times", list(times.ravel()), "times must be non-negative and increasing")
    return chosen, times


def _parameters(module, params: Mapping[str, Any] | None) -> tuple[list[np.ndarray], int]:
    """Parameter rows (scalars or length-B arrays) with the overrides applied, and the batch size B."""
    rows = [np.asarray(v, dtype=float) for v in module.PARAMETER_VALUES]
    batch = 1
    for name, value in (params or {}).items():
        if name not in module.PARAMETER_NAMES:
            raise ModelError("params", name, f"not a parameter of the model (one of {', '.join(module.PARAMETER_NAMES)})")
        value = np.asarray(value, dtype=float)
        if value.ndim > 1 or (value.ndim == 1 and batch > 1 and value.size != batch):
            raise ModelError("params", name, "each parameter is a scalar or a 1-D array of one common length")
        batch = max(batch, value.size if value.ndim == 1 else 1)
        rows[module.PARAMETER_NAMES.index(name)] = value
    return rows, batch


class _Progress(ProgressLine):
    """Prints model time reached on stderr (codegen.progress: after the first second, in place on a terminal).

    Counts the right-hand side's evaluations too: past MAX_RHS_CALLS the run stops and says so.
    """

    def __init__(self, t_end: float, enabled: bool, name: str = "") -> None:
        super().__init__()
        self.t_end, self.enabled, self.name = t_end, enabled, name
        self.calls = 0

    def __call__(self, t: float) -> None:
        self.calls += 1
        if self.calls > MAX_RHS_CALLS:
            raise ModelError("model", self.name, f"the solver gave up at t = {t:.6g} s of {self.t_end:.6g} s "
                             f"after {MAX_RHS_CALLS} evaluations of its rates in Python (SciPy's path, where no C "
                             "compiler or CVODE is at hand): the model changes on time scales far shorter than the "
                             "run, or the run holds many events (a paced run); ask for a shorter run (--t-end), or "
                             "run it where a C compiler is installed (CVODE has no such limit)")
        if self.enabled and self.due():
            fraction = t / self.t_end if self.t_end > 0 else 1.0
            self.show(f"vrest simulate: t = {t:.4g} s of {self.t_end:.4g} s ({100 * fraction:3.0f}%)")


def _system(module, p: list[np.ndarray], n: int, batch: int, progress: _Progress):
    """rhs and Jacobian on the flat state x (state-major: x[k*B + b]) for solve_ivp."""
    shape = (n,) if batch == 1 else (n, batch)

    def rhs(t, x):
        progress(t)
        return module.rhs(t, x.reshape(shape), p).reshape(-1)

    if batch == 1 and hasattr(module, "point_functions"):
        point_rhs, point_jac = module.point_functions([float(np.asarray(v)) for v in p])

        def fast_rhs(t, x):
            progress(t)
            return point_rhs(t, x)

        return fast_rhs, point_jac
    if batch == 1:
        def jac(t, x):
            return module.jacobian(t, x, p)

        return rhs, jac
    rows = (np.arange(n)[:, None, None] * batch + np.arange(batch)[None, None, :]) * np.ones((1, n, 1), dtype=int)
    cols = (np.arange(n)[None, :, None] * batch + np.arange(batch)[None, None, :]) * np.ones((n, 1, 1), dtype=int)
    rows, cols = rows.reshape(-1), cols.reshape(-1)
    from scipy import sparse  # only the SciPy fallback needs SciPy (its import costs ~0.4 s)

    def jac_sparse(t, x):
        values = module.jacobian(t, x.reshape(shape), p).reshape(-1)
        return sparse.csc_matrix((values, (rows, cols)), shape=(n * batch, n * batch))

    return rhs, jac_sparse


def _along(module, y: np.ndarray, p: list[np.ndarray], batch: int) -> dict[str, np.ndarray]:
    """Every named quantity along a trajectory (batch parameters broadcast against time)."""
    rows = [np.asarray(row)[:, None] if batch > 1 and np.ndim(row) == 1 else row for row in p]
    return module.quantities(list(y), rows)


def simulate(model: Model, scenario: str | None = None, times: Sequence[float] | np.ndarray | None = None,
             params: Mapping[str, Any] | None = None, *, t_end: float | None = None, y0: Sequence[float] | None = None,
             start: str = "steady", rtol: float = RTOL, atol: float | None = None, backend: str = "c",
             progress: bool = False, solver: str = "auto", threads: int | None = None) -> SimulationResult:
    """Integrate ``model`` from ``start`` (start_state: "steady" or "given"; or ``y0``) and return the states
    at ``times`` (s), held to ``rtol`` and ``atol`` (module docstring; atol None: rtol/100).

    ``params`` overrides parameters (SI) from t = 0; 1-D arrays of one length B run B
    parameter sets together (y then has shape (n_states, B, nt)). The scenario's steps
    set or scale parameters from their times on (a factor multiplies the value the run
    started with). ``solver``:
    "cvode" (compiled, needs a C compiler and SUNDIALS from scikit-sundae), "scipy", or "auto" (CVODE
    when possible; otherwise SciPy, after one SolverFallbackWarning saying why);
    ``threads``: how many threads CVODE splits a batch over (default: the cores, >= 16 sets each).
    """
    _checked(model.scenarios, model.name, scenario, times, t_end, solver)  # fail before generating code
    tolerances(rtol, atol)
    with needs_steady_state(model.name):
        module = _loaded(model, backend)
    start = np.asarray(y0, dtype=float) if y0 is not None else start_state(model, start)
    with explained(model):
        return simulate_module(module, model.name, model.scenarios, start, scenario, times, params, t_end=t_end,
                               rtol=rtol, atol=atol, progress=progress, solver=solver, threads=threads,
                               parameter_units={p.name: p.unit for p in model.parameters})


def refuse_injected_current(scenario) -> None:
    """A scenario (derive's or the cache's) that injects a current cannot run in the reduced model: ModelError."""
    if scenario is not None and any(change.parameter == "I_stim" and change.value != 0
                                    for step in scenario.steps for change in step.changes):
        which = "the protocol" if scenario.name == "protocol" else f"scenario {scenario.name}"
        raise ModelError("--reduced", None, f"{which} injects a current (stimulus.current), which the reduced model "
                         "cannot take: with C_m -> 0 no capacitor holds its charge and no ion is named to carry it "
                         "(V would stay where the concentrations put it); run without --reduced")


def simulate_reduced(model: Model, scenario: str | None = None,
                     times: Sequence[float] | np.ndarray | None = None, start: str = "steady",
                     rtol: float | None = None, atol: float | None = None) -> SimulationResult:
    """The time-scale-separated model (C_m -> 0, V slaved to the concentrations) from ``start`` (start_state),
    held to ``rtol`` (None: REDUCED_RTOL) and ``atol`` (None: rtol/100) as ``simulate``.

    The slow states follow their own equations; V solves the current balance at each instant
    (derive.reduced). Slower per step than ``simulate`` (Python callbacks); for comparison runs.
    """
    import sympy as sp

    from vrest.derive.derivation import NotApplicable
    from vrest.derive.derivations.reduced import integrate_reduced
    from vrest.derive.steady_state import protocol_values, scenario_values

    chosen, times = _checked(model.scenarios, model.name, scenario, times, None, "scipy")
    refuse_injected_current(chosen)
    rtol, atol = tolerances(rtol, atol, REDUCED_RTOL)
    first = dict(zip([s.symbol for s in model.states], start_state(model, start)))
    segments = [(0.0, scenario_values(model))]
    if chosen is not None:
        segments = [(float(at), values) for at, values in protocol_values(model, chosen)]
    try:
        slow, voltage = integrate_reduced(model, first, segments, times, rtol, atol)
    except NotApplicable as reason:
        raise ModelError("--reduced", model.name, str(reason)) from None
    names = tuple(s.symbol.name for s in model.states)
    y = np.vstack([voltage, slow])
    _finite("the run", model.name, times, y)
    point = {s.symbol: y[i] for i, s in enumerate(model.states)}
    quantities = {}
    for symbol, definition in model.algebraic:
        value = sp.lambdify(list(point), definition.xreplace(model.dynamic_values), "numpy")(*point.values())
        point[symbol] = np.broadcast_to(value, times.shape)
        quantities[symbol.name] = point[symbol]
    return SimulationResult(model.name, scenario, times, y, names, quantities, rtol, atol,
                            "SciPy LSODA (reduced model: V slaved)")


def simulate_module(module, model_name: str, scenarios: Sequence[ScenarioLike], start: np.ndarray,
                    scenario: str | None = None, times: Sequence[float] | np.ndarray | None = None,
                    params: Mapping[str, Any] | None = None, *, t_end: float | None = None, rtol: float = RTOL,
                    atol: float | None = None, progress: bool = False, solver: str = "auto",
                    threads: int | None = None, parameter_units: Mapping[str, str] | None = None) -> SimulationResult:
    """``simulate`` on a loaded numeric module (codegen.numeric) from the state ``start``: needs no SymPy.

    ``start`` is one state (n_states,), or one per parameter set (batch, n_states). ``parameter_units`` (the
    unit each parameter is shown in) serves the message of a failed run, which names the parameters that differ
    from the module's (in SI without it)."""
    chosen, times = _checked(scenarios, model_name, scenario, times, t_end, solver)
    rtol, atol_factor = tolerances(rtol, atol)
    p, batch = _parameters(module, params)
    n = len(module.STATE_NAMES)
    start = np.asarray(start, dtype=float)
    if start.ndim == 2 and batch == 1 and start.shape[0] > 1:  # several starts, every parameter common to them
        batch = start.shape[0]
        p = [np.broadcast_to(row, (batch,)).copy() if row.ndim == 0 else row for row in p]
    if start.ndim == 2:  # one start per parameter set (batch, n_states): a sweep's steady states
        x = start.T.reshape(-1)
        typical = np.median(np.abs(start), axis=0)
    else:
        x = np.repeat(start[:, None], batch, axis=1).reshape(-1) if batch > 1 else start.copy()
        typical = np.abs(start)
    scale = np.maximum(typical, 1e-3 * typical.max() if n == 1 else 0)
    if hasattr(module, "STATE_UNITS"):  # a file's state: not far below its unit's others (Decker 2009's inactivated
        scale = np.array(typical_sizes(scale, module.STATE_UNITS))  # Na+ channels start at 1e-15: resolved to 1e-25)
    if hasattr(module, "STATE_SCALES"):  # a state that starts at 0: the size the module gives it
        scale = np.where(typical > 0, scale, module.STATE_SCALES)
    v = getattr(module, "VOLTAGE_INDEX", 0)  # V comes first in vrest's own modules
    scale[v] = max(typical[v], 1e-3)  # V: 1 mV floor
    state_atol = atol_factor * scale
    segments = _segments(module, p, chosen)
    if solver != "scipy" and _cvode_ready(module, solver):
        method = "CVODE BDF"
        y = _run_cvode(module, segments, start, state_atol, rtol, times, batch, threads, parameter_units)
    else:
        method = "SciPy LSODA" if batch == 1 else "SciPy BDF"
        y = _run_scipy(module, segments, x, np.repeat(state_atol, batch), rtol, times, n, batch, model_name,
                       progress)
    _finite("the run", model_name, times, y)
    vanishing.check(module, model_name, segments, times, y, rtol, state_atol)
    quantities = _quantities(module, y, segments, times, batch)
    for name, values in quantities.items():
        _finite(name, model_name, times, values)
    return SimulationResult(model_name, scenario, times, y, tuple(module.STATE_NAMES), quantities, rtol, atol_factor,
                            method)


def _finite(what: str, model_name: str, times: np.ndarray, values: np.ndarray) -> None:
    """A result with NaN or infinity is refused, never returned as an answer."""
    bad = ~np.isfinite(values)
    if bad.any():
        t = times[np.nonzero(bad.reshape(-1, times.size).any(axis=0))[0][0]]
        raise ModelError("model", model_name, f"{what} is not finite from t = {t:.6g} s on: the model's "
                         "equations break down there (an amount, the volume or a rate overflows); check its values")


def _quantities(module, y: np.ndarray, segments: list[tuple[float, list[np.ndarray]]], times: np.ndarray,
                batch: int) -> dict[str, np.ndarray]:
    """Every named quantity along the trajectory, each time with the parameters in force then (from a
    switch time on: that segment's)."""
    in_force = np.searchsorted([at for at, _ in segments[1:]], times, side="right")
    quantities: dict[str, np.ndarray] = {}
    for k, (_, rows) in enumerate(segments):
        chosen = in_force == k
        if not chosen.any():
            continue
        for name, values in _along(module, y[..., chosen], rows, batch).items():
            if name not in quantities:
                quantities[name] = np.empty(y.shape[1:])
            quantities[name][..., chosen] = values
    return quantities


def _segments(module, p: list[np.ndarray], chosen: ScenarioLike | None) -> list[tuple[float, list[np.ndarray]]]:
    """[(start time (s), parameter rows in force from then on), ...], in time order: the rows of ``p`` from
    t = 0, then one segment per step of the scenario (derive.schedule; a factor scales the row in ``p``, so
    a batch stays a batch). A step at t = 0 leaves the first segment empty; both solvers take that, and
    steps after the last output time.
    """
    if chosen is None:
        return [(0.0, p)]
    base = dict(zip(module.PARAMETER_NAMES, p))
    try:
        schedule = parameter_schedule(chosen.steps, base)
    except KeyError as error:
        raise ModelError("--scenario", chosen.name, f"changes a parameter the numeric module lacks ({error})") from None
    return [(float(at), [np.asarray(values[name], dtype=float) for name in module.PARAMETER_NAMES])
            for at, values in schedule]


def _cvode_ready(module, solver: str) -> bool:
    """Whether CVODE can run ``module`` (compiled C and SUNDIALS present); "cvode" insists."""
    from . import cvode

    if not hasattr(module, "point_rhs"):
        if solver == "cvode":
            raise ModelError("solver", "cvode", "CVODE needs the compiled C module, and no C compiler was found; "
                             "use solver='scipy'")
        return False
    if cvode.driver() is None and solver == "cvode":
        raise ModelError("solver", "cvode", f"CVODE is not available ({cvode.unavailable_reason()}); "
                         "use solver='scipy'")
    return cvode.driver() is not None


def _run_cvode(module, segments: list[tuple[float, list[np.ndarray]]], start: np.ndarray, atol: np.ndarray,
               rtol: float, times: np.ndarray, batch: int, threads: int | None,
               units: Mapping[str, str] | None = None) -> np.ndarray:
    """The trajectory from the compiled CVODE driver, shaped like the SciPy path's."""
    from . import cvode

    params = np.empty((len(segments), batch, len(module.PARAMETER_NAMES)))
    for s, (_, rows) in enumerate(segments):
        for k, row in enumerate(rows):
            params[s, :, k] = row
    switch_times = [at for at, _ in segments[1:]]
    grid = times if times[0] == 0.0 else np.concatenate([[0.0], times])
    try:
        out = cvode.integrate(module, params, switch_times, start, atol, rtol, grid, threads)
    except cvode.CvodeError as error:
        if error.parameter_set < 0:  # no run to speak of (CVODE missing, no memory)
            raise ModelError("model", module.MODEL, str(error)) from None
        raise vanishing.SolverGaveUp(module.MODEL, failure_message(module, segments, error, batch, units, rtol),
                                     _by_name(module, _segment_at(segments, error.reached)) if batch == 1 else None
                                     ) from None
    out = out[:, grid.size - times.size:, :]  # (batch, nt, n)
    return out[0].T if batch == 1 else out.transpose(2, 0, 1)


def failure_message(module, segments: list[tuple[float, list[np.ndarray]]], error, batch: int,
                    units: Mapping[str, str] | None, rtol: float | None = None) -> str:
    """One line for a run CVODE gave up on: the model time reached, what CVODE said in words, and the parameters
    of that set in force then that differ from the module's own values, so the user knows what to change; a
    tolerance near double precision first, when it is the likelier cause."""
    at = error.reached if math.isfinite(error.reached) else 0.0
    in_force = _segment_at(segments, at)
    changed = []
    stimulus = getattr(module, "STIMULUS", None)  # (the switch of an imported model's stimulus, its value on)
    for name, row, own in zip(module.PARAMETER_NAMES, in_force, module.PARAMETER_VALUES):
        value = float(np.broadcast_to(row, (batch,))[error.parameter_set])
        if stimulus is not None and name == stimulus[0] and value == stimulus[1]:
            changed.append("the stimulus on")
        elif value != float(own):
            changed.append(f"{name} = {_shown(value, (units or {}).get(name), units is None)}")
    where = f" (parameter set {error.parameter_set} of {batch})" if batch > 1 else ""
    values = f"the parameters that differ from the model's: {', '.join(changed)}" if changed else \
        "every parameter at the model's own value"
    tight = (f"--rtol {rtol:g} asks for almost every digit a double holds (2.2e-16), which the solver may not "
             "reach: try 1e-10; " if rtol is not None and rtol < 1e-13 else "")
    said = error.said
    if error.flag == "CV_TOO_MUCH_WORK" and not error.stalled and set(changed) <= {"the stimulus on"}:
        from .cvode import too_much_work_words

        said = too_much_work_words(own_parameters=True)  # not "check your parameters": they are the file's
    return (f"the solver (CVODE) gave up at model time t = {at:.6g} s{where}: {tight}{said} ({error.flag}); "
            f"{values}")


def _by_name(module, rows: list[np.ndarray]) -> dict[str, float]:
    """{parameter name: SI value} of a single run's parameter ``rows``."""
    return {name: float(np.asarray(row).reshape(-1)[0]) for name, row in zip(module.PARAMETER_NAMES, rows)}


def _segment_at(segments: list[tuple[float, list[np.ndarray]]], at: float) -> list[np.ndarray]:
    """The parameter rows in force at model time ``at`` (the first segment's when it is not finite)."""
    at = at if math.isfinite(at) else 0.0
    return segments[max(k for k, (start, _) in enumerate(segments) if k == 0 or start <= at)][1]


def _shown(value: float, unit: str | None, si: bool) -> str:
    """``value`` (SI) in ``unit`` ("" for none), or marked SI where no unit is known."""
    from vrest.derive.units import unit_parts

    if si or unit is None:
        return f"{value:.6g} (SI)"
    if not unit:
        return f"{value:.6g}"
    try:
        scale, offset, _ = unit_parts(unit)
    except ValueError:
        return f"{value:.6g} (SI)"
    return f"{(value - float(offset)) / float(scale):.6g} {unit}"


def _run_scipy(module, segments: list[tuple[float, list[np.ndarray]]], x: np.ndarray, atol: np.ndarray, rtol: float,
               times: np.ndarray, n: int, batch: int, name: str, progress: bool) -> np.ndarray:
    """The trajectory from SciPy (LSODA for one parameter set, BDF with a sparse Jacobian for a batch)."""
    from scipy.integrate import solve_ivp
    t_end = float(times[-1])
    reporter = _Progress(t_end, progress, name)
    starts = [min(at, t_end) for at, _ in segments]  # a step after the last output time integrates nothing
    ends = starts[1:] + [t_end]
    columns = []
    try:
        for k, ((_, pk), t0, t1) in enumerate(zip(segments, starts, ends)):
            last = k == len(segments) - 1
            inside = times[(times >= t0) & ((times <= t1) if last else (times < t1))]
            if t1 <= t0:
                columns.extend([x] * len(inside))
                continue
            rhs, jac = _system(module, pk, n, batch, reporter)
            with warnings.catch_warnings(record=True) as caught:  # SciPy's warnings say why it failed, below
                warnings.simplefilter("always")
                solution = solve_ivp(rhs, (t0, t1), x, method="LSODA" if batch == 1 else "BDF", jac=jac,
                                     t_eval=np.unique(np.concatenate([inside, [t1]])), rtol=rtol, atol=atol,
                                     first_step=min(t1 - t0, FIRST_STEP))
            if not solution.success:
                said = "; ".join(dict.fromkeys(" ".join(str(w.message).split()) for w in caught))
                reached = float(solution.t[-1]) if len(solution.t) else t0
                raise vanishing.SolverGaveUp(name, f"the solver failed at t = {reached:.6g} s: "
                                             f"{solution.message}{f' ({said})' if said else ''}",
                                             _by_name(module, pk) if batch == 1 else None)
            columns.extend(solution.y[:, np.searchsorted(solution.t, inside)].T)
            x = solution.y[:, -1]
    finally:
        reporter.done()
    return np.array(columns).T.reshape((n, batch, len(times)) if batch > 1 else (n, len(times)))
