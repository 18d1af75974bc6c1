"""Drive a compiled model with SUNDIALS CVODE: no Python between solver steps.

SciPy's solvers call Python at every step (~600 steps for a 3 h ouabain run), which
costs ~10-20x the arithmetic. Here a small C driver (templates/cvode_driver.c.j2),
compiled once and cached like the model modules, calls the model's compiled
``vrest_point_rhs``/``vrest_point_jacobian`` through function pointers from CVODE
(BDF, Newton, analytic Jacobian, per-state atol). A batch is integrated in blocks of 16
parameter sets, each block one CVODE system with a block-diagonal Jacobian and an error
norm that is the largest of the sets' own norms (each set held to its own tolerance); the
blocks are shared out across threads. Measured on 1000 pump rates of pumpleak, this is
~1.6x faster than one CVODE instance per set (reused with CVodeReInit) on the same threads.

SUNDIALS comes from the scikit-sundae wheel (codegen/simulation/sundials.py): the
driver is compiled without SUNDIALS headers or libraries and receives the SUNDIALS
functions as pointers. ``driver()`` returns None, with one SolverFallbackWarning saying
why, when they are missing or do not pass the checks (version, index size, a probe
solve); codegen.simulation then falls back to SciPy. VREST_SOLVER=scipy skips CVODE.
"""

from __future__ import annotations

import ctypes
import math
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from . import sundials
from .numeric import CModule, _digest, _write_once, cache_dir, compile_library

__all__ = ["driver", "integrate", "watched_run", "unavailable_reason", "Driver", "CvodeError", "SolverFallbackWarning",
           "WatchedRun"]

# CVODE's steps per call (its mxstep): on reaching it, the driver calls CVODE again from where it stopped, as
# long as each call moves model time forward and the steps between two output times stay within
# max(MAX_STEPS, STEPS_PER_SECOND * the interval's length in model time (s)). The slowest of vrest's test
# models, ten Tusscher firing on its own at K_o = 0.3 mM, takes ~4000 steps per second of model time: the
# budget is ~100x that, and a run that uses it up costs some seconds of computing per second of model time.
MAX_STEPS = 500_000
STEPS_PER_SECOND = 500_000
_STALLED = -102  # the driver's code: CVODE's MAX_STEPS steps of one call did not move model time forward


class CvodeError(RuntimeError):
    """CVODE failed on one parameter set: CVODE's name for the flag, the set's index, the time it reached (s)."""

    def __init__(self, message: str, flag: str = "", parameter_set: int = -1, reached: float = math.nan,
                 stalled: bool = False) -> None:
        super().__init__(message)
        self.flag, self.parameter_set, self.reached, self.stalled = flag, parameter_set, reached, stalled

    @property
    def said(self) -> str:
        """What the flag means, in words (CVODE's documentation of its return flags)."""
        if self.stalled:
            return stalled_words()
        if self.flag == "CV_TOO_MUCH_WORK":
            return too_much_work_words()  # with the numbers in force
        return FLAG_WORDS.get(self.flag, f"CVODE returned {self.flag}")


def too_much_work_words(own_parameters: bool = False) -> str:
    """The step budget in words, with the numbers in force; ``own_parameters``: the run has the model's own values
    (the stimulus aside), so they are not what to check."""
    likely = ("with the model's own values, a rate of the file that jumps where a state crosses a threshold, as "
              "one where dV/dt passes 150 mV/ms: the solver crosses it only in steps short enough for the absolute "
              "tolerance of the state whose rate jumps"
              if own_parameters else "a model that fires or oscillates much faster, e.g. with parameters far from "
              "the model's own: check them")
    return (f"it took more than {STEPS_PER_SECOND} steps per second of model time (and at least {MAX_STEPS}) "
            f"between two output times, far more than a firing cell needs ({likely}; a looser tolerance (--rtol, "
            "or --atol alone) takes fewer steps)")


def stalled_words() -> str:
    """A solver that no longer moves model time forward, in words."""
    return (f"its last {MAX_STEPS} steps did not move model time forward (its step is too small to change t: the "
            "solution changes faster than it can follow)")


# CVODE's return flags, as its documentation explains them, in the user's terms.
FLAG_WORDS = {
    "CV_TOO_MUCH_WORK": too_much_work_words(),  # CvodeError.said says it with the numbers in force
    "CV_TOO_MUCH_ACC": "it could not reach the accuracy asked for",
    "CV_ERR_FAILURE": "its error test failed again and again, down to the smallest step (the solution changes "
                      "faster than it can follow)",
    "CV_CONV_FAILURE": "its Newton iteration did not converge, again and again, down to the smallest step",
    "CV_LSETUP_FAIL": "the Jacobian could not be factored (not finite)",
    "CV_LSOLVE_FAIL": "the linear solve with the Jacobian failed",
    "CV_RHSFUNC_FAIL": "the rates could not be evaluated",
    "CV_FIRST_RHSFUNC_ERR": "the rates where it started (the run's start, or a step's) are no finite numbers (a state "
                            "or parameter outside the model's domain: a division by zero, or an exponential beyond "
                            "the largest double)",
    "CV_REPTD_RHSFUNC_ERR": "the rates were no finite numbers again and again, however short the step",
    "CV_UNREC_RHSFUNC_ERR": "the rates were no finite numbers and a shorter step did not help",
    "CV_ILL_INPUT": "a state or its tolerance became NaN or 0",
}


class SolverFallbackWarning(UserWarning):
    """CVODE cannot be used here: simulations run with SciPy instead (the message says why)."""


_POINT = ctypes.CFUNCTYPE(None, ctypes.c_double, ctypes.POINTER(ctypes.c_double), ctypes.POINTER(ctypes.c_double),
                          ctypes.POINTER(ctypes.c_double))


@dataclass(frozen=True)
class Driver:
    """The compiled driver with the SUNDIALS function table it runs on."""

    library: ctypes.CDLL
    table: ctypes.Array = field(repr=False)  # the addresses of vrest_sundials's fields, in order
    sundials: sundials.Sundials
    block_norm: bool  # a block's error norm is the largest per-set norm (else: weights scaled by sqrt(sets))

    def flag_name(self, flag: int) -> str:
        function = ctypes.cast(self.sundials.address("CVodeGetReturnFlagName"),
                               ctypes.CFUNCTYPE(ctypes.c_char_p, ctypes.c_long))
        return function(flag).decode()


@lru_cache(maxsize=1)
def _driver_source(index_type: str) -> str:
    """The driver's C source, rendered once per template text and index type and then read from the cache: a
    warm `vrest rest` runs the model under the driver without loading Jinja2."""
    from ..templating import render, templates_dir

    template = (templates_dir() / "cvode_driver.c.j2").read_text(encoding="utf-8")
    path = cache_dir() / "sources" / f"vrest_cvode_driver_{_digest(template, index_type)[:24]}.c"
    if path.is_file():
        return path.read_text(encoding="utf-8")
    source = render("cvode_driver.c.j2", index_type=index_type)
    try:
        _write_once(path, source)
    except OSError:  # an unwritable cache: the source is rendered again next time
        pass
    return source


def _build() -> Driver:
    """Open SUNDIALS, compile the driver for its index type, fill the function table, run the probe."""
    found = sundials.load()
    source = _driver_source(found.index_type)
    try:
        path = compile_library(source, "vrest_cvode_driver", extra=("-fopenmp",))
    except RuntimeError:  # a compiler without OpenMP (Apple's clang): one thread, the pragmas ignored
        path = compile_library(source, "vrest_cvode_driver")
    library = ctypes.CDLL(str(path))
    library.vrest_sundials_symbols.restype = ctypes.c_char_p
    names = library.vrest_sundials_symbols().decode().split()
    table = (ctypes.c_void_p * len(names))(*[found.address(name) for name in names])
    library.vrest_cvode_batch.restype = ctypes.c_int
    library.vrest_cvode_batch.argtypes = [
        ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_long, ctypes.c_int,
        ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_long, ctypes.c_void_p, ctypes.c_double,
        ctypes.c_long, ctypes.c_double, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p,
        ctypes.c_void_p]
    library.vrest_cvode_steps.restype = ctypes.c_int
    library.vrest_cvode_steps.argtypes = [
        ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p,
        ctypes.c_void_p, ctypes.c_double, ctypes.c_double, ctypes.c_double, ctypes.c_long, ctypes.c_int,
        ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_long), ctypes.c_int, ctypes.c_void_p,
        ctypes.c_void_p, ctypes.c_void_p]
    library.vrest_block_norm_available.restype = ctypes.c_int
    built = Driver(library, table, found, bool(library.vrest_block_norm_available(table)))
    _probe(built)
    return built


@_POINT
def _decay(t, y, out, p):  # dy/dt = -k y
    out[0] = -p[0] * y[0]


@_POINT
def _decay_jacobian(t, y, out, p):
    out[0] = -p[0]


def _probe(built: Driver) -> None:
    """Solve dy/dt = -k y through the whole chain, two sets as one block: k = 2 then 0.5 from t = 0.5,
    and k = 1 then 3, so y(1) = exp(-1.25) and exp(-2)."""
    params = np.array([[[2.0], [1.0]], [[0.5], [3.0]]])  # (segment, set, parameter)
    out = _run(built, ctypes.cast(_decay, ctypes.c_void_p).value, ctypes.cast(_decay_jacobian, ctypes.c_void_p).value,
               1, params, np.array([0.5]), np.ones((1, 1)), np.array([1e-12]), 1e-10, np.array([0.0, 1.0]), 1,
               steps=(500_000, 0.0))
    got, expected = out[:, -1, 0], np.exp([-1.25, -2.0])
    if not np.all(np.abs(got - expected) <= 1e-7):
        raise sundials.SundialsUnavailable(f"the probe solve with SUNDIALS {built.sundials.version} gave "
                                           f"{got.tolist()}, not exp(-1.25) and exp(-2)")


@lru_cache(maxsize=1)
def _driver_or_reason() -> tuple[Driver | None, str]:
    """(driver, "") or (None, why); the first call warns once when CVODE cannot be used."""
    if os.environ.get("VREST_SOLVER", "").lower() == "scipy":
        return None, "VREST_SOLVER=scipy"
    try:
        return _build(), ""
    except (sundials.SundialsUnavailable, CvodeError, FileNotFoundError, RuntimeError, OSError) as error:
        reason = str(error).splitlines()[0]
    warnings.warn(f"vrest: CVODE is not available ({reason}); simulating with SciPy", SolverFallbackWarning,
                  stacklevel=4)
    return None, reason


def driver() -> Driver | None:
    """The compiled CVODE driver (cached per process), or None: see unavailable_reason()."""
    return _driver_or_reason()[0]


def unavailable_reason() -> str:
    """Why driver() is None ("" when it is available)."""
    return _driver_or_reason()[1]


def _run(built: Driver, rhs: int, jacobian: int, n: int, params: np.ndarray, switch_times: np.ndarray,
         y0: np.ndarray, atol: np.ndarray, rtol: float, times: np.ndarray, threads: int,
         steps: tuple[int, float] | None = None) -> np.ndarray:
    """steps: (per call, per second of model time), MAX_STEPS and STEPS_PER_SECOND by default."""
    max_steps, steps_per_second = steps or (MAX_STEPS, STEPS_PER_SECOND)
    n_segments, batch, n_parameters = params.shape
    params = np.ascontiguousarray(params, dtype=float)
    switch_times = np.ascontiguousarray(switch_times, dtype=float).reshape(-1)
    if switch_times.size != n_segments - 1:
        raise ValueError(f"{n_segments} parameter segments need {n_segments - 1} switch times")
    y0 = np.ascontiguousarray(y0, dtype=float).reshape(-1, n)
    atol = np.ascontiguousarray(atol, dtype=float)
    times = np.ascontiguousarray(times, dtype=float)
    out = np.empty((batch, times.size, n))
    failed, failed_at = ctypes.c_long(-1), ctypes.c_double(math.nan)
    flag = built.library.vrest_cvode_batch(
        built.table, rhs, jacobian, n, n_parameters, batch, n_segments, switch_times.ctypes.data, params.ctypes.data,
        y0.ctypes.data, n if y0.shape[0] > 1 else 0, atol.ctypes.data, rtol, max_steps, steps_per_second, times.size,
        times.ctypes.data, out.ctypes.data, threads, ctypes.byref(failed), ctypes.byref(failed_at))
    if flag != 0:
        name = built.flag_name(-1 if flag == _STALLED else flag)  # CVODE returned CV_TOO_MUCH_WORK (-1) there
        raise CvodeError(f"CVODE failed ({name}) on parameter set {failed.value} at t = {failed_at.value:.6g} s", name,
                         failed.value, failed_at.value, stalled=flag == _STALLED)
    return out


def integrate(module: CModule, params: np.ndarray, switch_times: Sequence[float], y0: np.ndarray, atol: np.ndarray,
              rtol: float, times: np.ndarray, threads: int | None = None) -> np.ndarray:
    """States at ``times`` for each parameter set: shape (batch, n_times, n_states).

    params: (n_segments, batch, n_parameters); segment s is in force from switch_times[s - 1]
    (times[0] for s = 0) on, so n_segments - 1 increasing switch times. y0: (batch or 1, n_states)
    at times[0]. Raises CvodeError if CVODE fails (or is not available).
    """
    built = driver()
    if built is None:
        raise CvodeError(f"CVODE is not available ({unavailable_reason()})")
    params = np.asarray(params, dtype=float)
    batch = params.shape[1]
    if threads is None:
        threads = min(os.cpu_count() or 1, max(1, batch // 16))
    return _run(built, module.point_rhs, module.point_jacobian, len(module.STATE_NAMES), params,
                np.asarray(switch_times, dtype=float), y0, atol, rtol, times, threads)


@dataclass(frozen=True)
class WatchedRun:
    """A run step by step (watched_run): ``t`` and ``v`` after each step, the states at the times asked for (rows),
    the end state; ``negative``: a state that must stay >= 0 fell below 0, and the run stopped there."""

    t: np.ndarray
    v: np.ndarray
    at: np.ndarray
    end: np.ndarray
    negative: bool


def watched_run(point_rhs: int, point_jacobian: int, params: np.ndarray, y0: np.ndarray, atol: np.ndarray, rtol: float,
                span: tuple[float, float], watch: int, max_steps: int, at: np.ndarray,
                nonnegative: np.ndarray | None = None) -> WatchedRun:
    """One run of a compiled model (its one-point functions' addresses) from ``y0`` over ``span`` (model time),
    every step kept: the state ``watch`` after each step (a spike's peak among them, as in SciPy's runs), and the
    whole state at the increasing times ``at`` within the span. Raises CvodeError (CV_TOO_MUCH_WORK after
    ``max_steps`` steps)."""
    built = driver()
    if built is None:
        raise CvodeError(f"CVODE is not available ({unavailable_reason()})")
    n = len(y0)
    y0, atol = np.ascontiguousarray(y0, dtype=float), np.ascontiguousarray(atol, dtype=float)
    params, at = np.ascontiguousarray(params, dtype=float), np.ascontiguousarray(at, dtype=float)
    mask = np.zeros(n, dtype=np.intc) if nonnegative is None else np.ascontiguousarray(nonnegative, dtype=np.intc)
    step_t, step_v = np.empty(max_steps), np.empty(max_steps)
    at_out, end, taken = np.empty((len(at), n)), np.empty(n), ctypes.c_long(0)
    flag = built.library.vrest_cvode_steps(
        built.table, point_rhs, point_jacobian, n, len(params), params.ctypes.data, y0.ctypes.data, atol.ctypes.data,
        rtol, span[0], span[1], max_steps, watch, mask.ctypes.data, step_t.ctypes.data, step_v.ctypes.data,
        ctypes.byref(taken), len(at), at.ctypes.data, at_out.ctypes.data, end.ctypes.data)
    if flag < 0:
        name = built.flag_name(flag)
        reached = step_t[taken.value - 1] if taken.value else span[0]
        raise CvodeError(f"CVODE failed ({name}) at t = {reached:.6g} s", name, reached=float(reached))
    return WatchedRun(step_t[:taken.value], step_v[:taken.value], at_out, end, negative=flag == 1)
