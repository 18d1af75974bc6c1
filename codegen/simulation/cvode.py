"""Drive a compiled model with SUNDIALS CVODE: no Python between solver steps.

SciPy's solvers call Python at every step (~600 steps for a 3 h ouabain run), which
costs ~10-20x the arithmetic. Here a small C driver (templates/cvode_driver.c.j2),
compiled once and cached like the model modules, calls the model's compiled
``vrest_point_rhs``/``vrest_point_jacobian`` through function pointers from CVODE
(BDF, Newton, analytic Jacobian, per-state atol). A batch is integrated in blocks of
parameter sets side by side, one CVODE system per block with a block-diagonal
Jacobian (factored block by block) and an error norm that is the largest of the
sets' own norms, so each set is held to its own tolerance; blocks are split across
threads.

It needs SUNDIALS >= 6 headers and libraries (Debian/Ubuntu: ``apt-get install -y
libsundials-dev``). ``driver()`` returns None when they are missing; codegen.simulate
then falls back to SciPy.
"""

from __future__ import annotations

import ctypes
import os
from functools import lru_cache

import numpy as np

from .numeric import CModule, compile_library

__all__ = ["driver", "integrate", "CVODE_LIBRARIES", "CvodeError"]

# Linked statically with its symbols hidden: NEURON and libRoadRunner carry their own CVODE, and a
# process that loaded one of them first would otherwise bind our calls to its (different) CVODE.
CVODE_LIBRARIES = ("-Wl,--exclude-libs,ALL", "-l:libsundials_cvode.a", "-l:libsundials_nvecserial.a",
                   "-l:libsundials_sunlinsoldense.a", "-l:libsundials_sunmatrixdense.a")
MAX_STEPS = 500_000


class CvodeError(RuntimeError):
    """CVODE failed on one parameter set (the flag and CVODE's name for it)."""


@lru_cache(maxsize=1)
def _driver_source() -> str:
    from ..templating import render

    return render("cvode_driver.c.j2")


@lru_cache(maxsize=1)
def driver() -> ctypes.CDLL | None:
    """The compiled CVODE driver, or None without a compiler or SUNDIALS (cached per process)."""
    if os.environ.get("VREST_SOLVER", "").lower() == "scipy":
        return None
    try:
        library = compile_library(_driver_source(), "vrest_cvode_driver", extra=("-fopenmp",),
                                  libraries=CVODE_LIBRARIES)
    except (FileNotFoundError, RuntimeError):
        return None
    lib = ctypes.CDLL(str(library))
    lib.vrest_cvode_batch.restype = ctypes.c_int
    lib.vrest_cvode_batch.argtypes = [
        ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_long,
        ctypes.c_void_p, ctypes.c_void_p, ctypes.c_long, ctypes.c_double,
        ctypes.c_void_p, ctypes.c_long, ctypes.c_void_p, ctypes.c_double, ctypes.c_long,
        ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
    return lib


def _flag_name(flag: int) -> str:
    lib = driver()
    if lib is None:
        return f"flag {flag}"
    lib.vrest_cvode_flag_name.restype = ctypes.c_char_p
    lib.vrest_cvode_flag_name.argtypes = [ctypes.c_int]
    return lib.vrest_cvode_flag_name(flag).decode()


def integrate(module: CModule, p_before: np.ndarray, p_after: np.ndarray, t_switch: float, y0: np.ndarray,
              atol: np.ndarray, rtol: float, times: np.ndarray, threads: int | None = None) -> np.ndarray:
    """States at ``times`` for each parameter set: shape (batch, n_times, n_states).

    p_before/p_after: (batch, n_parameters), in force before/from ``t_switch``; y0: (batch or 1,
    n_states) at times[0]. Raises CvodeError if CVODE fails.
    """
    lib = driver()
    if lib is None:
        raise CvodeError("CVODE is not available")
    n, n_parameters = len(module.STATE_NAMES), len(module.PARAMETER_NAMES)
    p_before = np.ascontiguousarray(p_before, dtype=float)
    p_after = np.ascontiguousarray(p_after, dtype=float)
    y0 = np.ascontiguousarray(y0, dtype=float).reshape(-1, n)
    atol = np.ascontiguousarray(atol, dtype=float)
    times = np.ascontiguousarray(times, dtype=float)
    batch = p_before.shape[0]
    out = np.empty((batch, times.size, n))
    failed = ctypes.c_long(-1)
    if threads is None:
        threads = min(os.cpu_count() or 1, max(1, batch // 16))
    flag = lib.vrest_cvode_batch(module.point_rhs, module.point_jacobian, n, n_parameters, batch,
                                 p_before.ctypes.data, p_after.ctypes.data, n_parameters, t_switch,
                                 y0.ctypes.data, n if y0.shape[0] > 1 else 0, atol.ctypes.data, rtol, MAX_STEPS,
                                 times.size, times.ctypes.data, out.ctypes.data, threads, ctypes.byref(failed))
    if flag != 0:
        raise CvodeError(f"CVODE failed ({_flag_name(flag)}) on parameter set {failed.value}")
    return out
