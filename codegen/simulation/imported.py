"""Another tool's model file (CellML, SBML) as vrest runs it: read once, then from the cache.

The first call on a file reads it (Myokit), prepares the system at rest (derive.rest), generates its
numeric module (codegen.exporters.system_module: rhs, analytic Jacobian, quantities, rate factors) and
compiles it. An entry of the cache keeps the NumPy module, the shared library and plan.json: the
resting-state problem (names, units, start, gates, conservation inputs: derive.rest.problem), the
stimulus switch, the parameters' display units and what reading the file warned. A later call hashes
the file and loads the entry: no XML, no Myokit, no code generation; the engine runs on the compiled
module.

Keyed like vrest's own models' entries (codegen.simulation.cache.plan_key: the file's bytes, vrest's
version and sources, the compiler, its flags and the CPU), plus the --voltage and --stimulus names; the
files a CellML model imports are checked by SHA-256 on every hit. A damaged entry is rebuilt, never
trusted. Layout: $VREST_CACHE_DIR/imported/<key>/{plan.json, numeric.py, numeric.so}.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from vrest.derive.errors import ModelError, ModelWarning

from .cache import _sha256, plan_key, read_entry, store_entry
from .numeric import CModule, NoCompilerWarning, _numpy_module_at, cache_dir, compile_library

__all__ = ["ImportedPlan", "imported_plan", "SystemModule", "module_factors", "start_values"]

FORMAT = 4  # of plan.json (3: the file's own protocol steps; 4: each step's condition)
IMPORTED_FLAGS = ("-Og",)  # after C_FLAGS (-O3): the last -O counts


@dataclass(frozen=True)
class ImportedPlan:
    """What running one model file needs, with the module files it loads."""

    file: str  # the file's name, for messages
    problem: dict  # derive.rest.problem.RestProblem.to_json(), the stimulus switch among its parameters (0)
    stimulus: tuple[str, float] | None  # (parameter that switches the stimulus, its value when on)
    parameter_units: dict[str, str]  # display unit of every parameter of the module
    numpy_module: Path
    library: Path | None  # None: no C compiler (``warning`` says why)
    warning: str | None = None
    model_warnings: tuple[str, ...] = ()
    periods: tuple[str, ...] = ()  # the parameters that are the stimulus' period (derive.importers.stimulus_timing)
    steps: tuple = ()  # the file's own protocol (SBML events at fixed times): derive.system.OdeSystem.steps

    def module(self):
        """The numeric module (compiled when there is a library; the NumPy module otherwise)."""
        if self.warning:
            warnings.warn(self.warning, NoCompilerWarning, stacklevel=2)
        return _load(self.numpy_module, self.library)

    def rest_problem(self):
        from vrest.derive.rest.problem import RestProblem

        return RestProblem.from_json(self.problem)


class SystemModule(CModule):
    """The compiled module of a system (codegen.exporters.system_module): a CModule with the rate factors."""

    def __init__(self, library: Path, metadata) -> None:
        super().__init__(library, metadata)
        for attribute in ("VOLTAGE_INDEX", "STATE_SCALES", "STATE_UNITS", "STIMULUS", "FACTORED"):
            setattr(self, attribute, getattr(metadata, attribute))
        self._factors = self._array_function("vrest_factors", fast=False)

    def factors(self, y, p=None) -> np.ndarray:
        return self._call(self._factors, len(self.FACTORED), y, self.PARAMETER_VALUES if p is None else p)

    def point_factors(self, p):
        """factors(y) at one contiguous state for fixed parameters ``p``: one ctypes call (the engine's loop)."""
        params = np.ascontiguousarray(p, dtype=float)
        nf = len(self.FACTORED)
        out = np.empty(max(nf, 1))
        function, points = self._lib.vrest_point_factors, self._lib.vrest_factors_points
        function.argtypes = [ctypes.c_double, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        points.argtypes = [ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        function.restype = points.restype = None

        def factors(y):  # y (n,) or (n, N)
            y = np.ascontiguousarray(y, dtype=float)
            if y.ndim == 1:
                function(0.0, y.ctypes.data, out.ctypes.data, params.ctypes.data)
                return out[:nf].copy()
            flat = np.ascontiguousarray(y.reshape(len(y), -1))
            result = np.empty((nf, flat.shape[1]))
            points(flat.shape[1], flat.ctypes.data, params.ctypes.data, result.ctypes.data)
            return result.reshape((nf, *y.shape[1:]))

        factors.keepalive = (params, out)
        return factors


@lru_cache(maxsize=32)
def _load(numpy_path: Path, library: Path | None):
    metadata = _numpy_module_at(numpy_path)
    return metadata if library is None else SystemModule(library, metadata)


def module_factors(module, parameter_names, n_states: int):
    """(y, p) -> the rate factor of every state (1 where it has none), y (n,) or (n, N); None without any."""
    if not module.FACTORED:
        return None
    index = np.array([list(parameter_names).index(name) for name in module.PARAMETER_NAMES], dtype=int)
    rows = list(module.FACTORED)
    point: list = [None, None]  # (parameters' bytes, the compiled function for them): the engine calls it often

    def evaluate(y: np.ndarray, p: np.ndarray) -> np.ndarray:
        y = np.asarray(y, dtype=float)
        p = np.asarray(p, dtype=float)
        out = np.ones_like(y)
        if not hasattr(module, "point_factors"):  # the NumPy module broadcasts
            with np.errstate(all="ignore"):
                values = module.factors(list(y), list(p[index]))
            out[rows] = np.asarray(values, dtype=float).reshape((len(rows), *y.shape[1:]))
            return out
        key = p.tobytes()
        if point[0] != key:
            point[:] = [key, module.point_factors(p[index])]
        out[rows] = point[1](y)
        return out

    return evaluate


def _dependencies(path: Path) -> list[Path]:
    """The files a CellML model imports (checked to lie in its folder); none for other formats."""
    from vrest.derive.importers.cellml import imported_files

    return imported_files(path)


def _key(text: bytes, voltage: str | None, stimulus: str | None) -> str:
    return plan_key(text + b"\0" + json.dumps([voltage, stimulus]).encode())


def imported_plan(path: str | Path, voltage: str | None = None, stimulus: str | None = None) -> ImportedPlan:
    """The plan of the model file at ``path``: from the cache, else read, generated, compiled and stored.

    Bad files raise ModelError as the readers do; what reading the file warned is warned on every call.
    """
    path = Path(path)
    try:
        text = path.read_bytes()
    except OSError:  # the reader says what is wrong with the path
        text = None
    plan = None
    if text is not None:
        folder = cache_dir() / "imported" / _key(text, voltage, stimulus)
        plan = _read(folder, path)
    if plan is None:
        plan, document = _build(path, voltage, stimulus)
        if text is not None and path.read_bytes() == text:  # not a file that changed while it was read
            plan = _store(folder, plan, document) or plan
    plan = _named(plan, path.name)
    for message in plan.model_warnings:
        warnings.warn(message, ModelWarning, stacklevel=2)
    return plan


def _named(plan: ImportedPlan, name: str) -> ImportedPlan:
    """``plan`` speaking of the file as ``name``: an entry is keyed by content, so it may have been stored from a
    copy of the file under another name (the readers' warnings begin with the file's name)."""
    if plan.file == name:
        return plan
    stored = f"{plan.file}: "
    warned = tuple(f"{name}: {w.removeprefix(stored)}" if w.startswith(stored) else w for w in plan.model_warnings)
    return replace(plan, file=name, model_warnings=warned)


def _compiled(c_text: str) -> tuple[Path | None, str | None]:
    """(the C module's library, None), or (None, why it cannot be built)."""
    try:
        # -Og: a published model's Jacobian is thousands of lines of straight code, which -O3 compiles in 3 times
        # as long and makes no faster (O'Hara-Rudy: 2.6 s against 0.86 s; rates in 1.0 us, Jacobian in 2.1 us
        # either way; -O0 compiles in 0.4 s but evaluates 2.5 times slower)
        return compile_library(c_text, "numeric", IMPORTED_FLAGS), None
    except (FileNotFoundError, RuntimeError) as error:
        return None, f"vrest: cannot build the C module ({error}); using the NumPy module"


def _build(path: Path, voltage: str | None, stimulus: str | None) -> tuple[ImportedPlan, dict]:
    """(plan over the generated files, the plan.json document without files): the SymPy path."""
    from vrest.derive.importers.stimulus_timing import stimulus_periods
    from vrest.derive.rest import prepare, rest_problem
    from vrest.derive.rest.loader import load_system

    from ..exporters.system_module import system_code
    from .numeric import _digest, _write_once

    with warnings.catch_warnings(record=True) as read:
        warnings.simplefilter("always", ModelWarning)
        system = load_system(path, voltage=voltage, stimulus=stimulus)
    for other in read:
        if not issubclass(other.category, ModelWarning):
            warnings.warn_explicit(other.message, other.category, other.filename, other.lineno)
    model_warnings = tuple(dict.fromkeys(str(w.message) for w in read if issubclass(w.category, ModelWarning)))
    at_rest = prepare(system)
    with ThreadPoolExecutor(1) as compiler:  # the compiler runs while the NumPy module and the problem are made
        compiling = []
        code = system_code(system, at_rest, lambda c: compiling.append(compiler.submit(_compiled, c)))
        problem = rest_problem(at_rest)
        if code.stimulus is not None and code.stimulus[0] not in problem.parameters:  # the switch, off at rest
            problem = replace(problem, parameters=(*problem.parameters, code.stimulus[0]), p=(*problem.p, 0.0))
        numpy_path = _write_once(cache_dir() / _digest(code.numpy) / "numeric.py", code.numpy)
        library, warning = compiling[0].result()
    units = {p.name: p.unit for p in system.parameters}
    units.update({name: "" for name in code.parameters if name not in units})
    dependencies = [[str(d.relative_to(path.parent.resolve())), _sha256(d)] for d in _dependencies(path)]
    periods = stimulus_periods(system)
    plan = ImportedPlan(path.name, problem.to_json(), code.stimulus, units, numpy_path, library, warning,
                        model_warnings, periods, system.steps)
    document = {"format": FORMAT, "file": path.name, "problem": plan.problem,
                "stimulus": list(code.stimulus) if code.stimulus else None, "parameter_units": units,
                "warning": warning, "model_warnings": list(model_warnings), "periods": list(periods),
                "steps": [[name, at, [list(change) for change in changes], [list(c) for c in condition]]
                          for name, at, changes, condition in system.steps],
                "dependencies": dependencies}
    return plan, document


def _store(folder: Path, plan: ImportedPlan, document: dict) -> ImportedPlan | None:
    """Write the entry whole (codegen.simulation.cache.store_entry); the plan over its copies, or None."""
    return _read(folder, None) if store_entry(folder, plan.numpy_module, plan.library, document) else None


def _read(folder: Path, path: Path | None) -> ImportedPlan | None:
    """The plan stored in ``folder``, or None if it is missing, damaged, or a file the model imports changed."""
    entry = read_entry(folder, FORMAT)
    if entry is None:
        return None
    data, files = entry
    try:
        if path is not None:
            for name, digest in data["dependencies"]:
                if hashlib.sha256((path.parent / name).read_bytes()).hexdigest() != digest:
                    return None
        stimulus = data["stimulus"]
        plan = ImportedPlan(str(data["file"]), dict(data["problem"]),
                            None if stimulus is None else (str(stimulus[0]), float(stimulus[1])),
                            {str(k): str(v) for k, v in data["parameter_units"].items()}, files["numpy_module"],
                            files["library"], None if data["warning"] is None else str(data["warning"]),
                            tuple(str(w) for w in data["model_warnings"]), tuple(str(n) for n in data["periods"]),
                            tuple((str(name), float(at), tuple((str(p), float(v)) for p, v in changes),
                                   tuple((str(p), float(v)) for p, v in condition))
                                  for name, at, changes, condition in data["steps"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):  # any damage: rebuild
        return None
    if plan.numpy_module is None or (plan.library is None) != (plan.warning is not None):
        return None
    return plan


@dataclass(frozen=True)
class _State:  # what derive.rest.inputs.parse_state_value reads of a state
    name: str
    unit: str
    description: str = ""

    @property
    def symbol(self):
        return self


@dataclass(frozen=True)
class _States:  # ... and of a system
    name: str
    states: tuple[_State, ...]


def start_values(plan: ImportedPlan, items, key: str = "--start") -> dict[str, float]:
    """{state: SI value} from "NAME=VALUE" items, in the units of the file's states (derive.rest.inputs)."""
    from vrest.derive.rest.inputs import parse_start

    problem = plan.problem
    states = _States(problem["name"], tuple(_State(n, u) for n, u in zip(problem["states"], problem["units"])))
    return parse_start(items, states, key)
