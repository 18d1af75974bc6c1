"""Load a model's generated numeric module: compiled C (ctypes) or plain NumPy.

``load_numeric(model, backend="c")`` returns a module-like object with the same
attributes either way: STATE_NAMES, STATE_VALUES, PARAMETER_NAMES,
PARAMETER_VALUES, QUANTITY_NAMES, ``rhs(t, y, p)``, ``jacobian(t, y, p)``,
``quantities(y, p)`` and one function per quantity, all broadcasting like NumPy.
Generated files and shared libraries are cached by content hash (and compiler,
flags and CPU for the library) under $VREST_CACHE_DIR or $XDG_CACHE_HOME/vrest.
Without a C compiler, a NoCompilerWarning says so and the NumPy module is used.
``numeric_files`` (needs SymPy) and ``load_files`` (does not) split the two steps,
so a caller that remembers the file paths can load the module without SymPy.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Sequence
from functools import cache, lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from ..c_flags import C_FLAGS

__all__ = ["load_numeric", "numeric_files", "load_files", "cache_dir", "compile_library", "toolchain",
           "NoCompilerWarning", "CModule", "C_FLAGS"]


class NoCompilerWarning(UserWarning):
    """No working C compiler: the NumPy module is used instead."""


def cache_dir() -> Path:
    """$VREST_CACHE_DIR, else $XDG_CACHE_HOME/vrest, else ~/.cache/vrest: a folder vrest can write.

    A VREST_CACHE_DIR it cannot write is an error; a default it cannot write (a read-only home, as on many
    compute nodes) gives a warning and a temporary folder for this process, removed at its end.
    """
    chosen = os.environ.get("VREST_CACHE_DIR") or None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return _checked_cache(chosen, base)


@cache
def _checked_cache(chosen: str | None, base: str) -> Path:
    from vrest.derive.errors import ModelError, ModelWarning
    from vrest.derive.home_folders import temporary_folder

    path = Path(chosen) if chosen else Path(base) / "vrest"
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            return path
    except OSError as error:
        reason = "a file, not a folder" if path.is_file() else error.strerror or str(error)
    if chosen:
        raise ModelError("VREST_CACHE_DIR", chosen, f"cannot write there ({reason}): vrest keeps the models it "
                         "compiles in this folder; name a folder it can write")
    fallback = Path(temporary_folder("vrest-cache-"))
    warnings.warn(f"cannot write vrest's cache folder {path} ({reason}): the models compiled in this run are kept "
                  f"in {fallback} and removed at its end; set VREST_CACHE_DIR to a folder vrest can write to keep "
                  "them", ModelWarning, stacklevel=2)
    return fallback


def _digest(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:20]


def _write_once(path: Path, text: str) -> Path:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    return path


def _import_file(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@lru_cache(maxsize=32)
def _numpy_module_at(path: Path) -> ModuleType:
    return _import_file(path, f"vrest_generated_{path.stem}_{path.parent.name}")


def _compiler() -> str | None:
    for candidate in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


@lru_cache(maxsize=4)
def _compiler_identity(compiler: str) -> str:
    """Compiler version and CPU: a library built with -march=native only runs where it was built."""
    version = subprocess.run([compiler, "--version"], capture_output=True, text=True, check=False).stdout
    cpu = ""
    try:
        cpu = next((line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags")), "")
    except OSError:
        pass
    return "\n".join([version, platform.machine(), platform.system(), cpu])


@lru_cache(maxsize=32)
def compile_library(source: str, name: str, extra: Sequence[str] = (), libraries: Sequence[str] = ()) -> Path:
    """Build (or find in the cache) the shared library of ``source``; raise RuntimeError on failure.

    ``extra`` flags and ``libraries`` (-l...) join C_FLAGS; all of them key the cache.
    """
    compiler = _compiler()
    if compiler is None:
        raise FileNotFoundError("no C compiler found (set CC, or install gcc or clang)")
    flags = [*C_FLAGS, *extra]
    key = _digest(source, compiler, " ".join(flags), " ".join(libraries), _compiler_identity(compiler))
    folder = cache_dir() / key
    library = folder / f"{name}{'.dll' if sys.platform == 'win32' else '.so'}"
    if library.exists():
        return library
    c_file = _write_once(folder / f"{name}.c", source)
    fd, tmp = tempfile.mkstemp(prefix=f".{library.name}.", dir=folder)
    os.close(fd)
    result = subprocess.run([compiler, *flags, "-o", tmp, str(c_file), *libraries, "-lm"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        os.unlink(tmp)
        raise RuntimeError(f"{compiler} failed on {c_file}:\n{result.stderr.strip()}")
    os.replace(tmp, library)
    return library


def toolchain() -> str:
    """What a model's library depends on besides its source: compiler, flags, version, CPU ("" without one)."""
    compiler = _compiler()
    return "" if compiler is None else f"{compiler}\n{' '.join(C_FLAGS)}\n{_compiler_identity(compiler)}"


_ARRAY_ARGS = [ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
_POINT_FUNCTION = ctypes.CFUNCTYPE(None, ctypes.c_double, ctypes.POINTER(ctypes.c_double),
                                   ctypes.POINTER(ctypes.c_double), ctypes.POINTER(ctypes.c_double))


class CModule:
    """The compiled module behind the NumPy module's signature (metadata comes from the NumPy module)."""

    backend = "c"

    def __init__(self, library: Path, metadata: ModuleType) -> None:
        self.library_path = library
        self._lib = ctypes.CDLL(str(library))
        for attribute in ("MODEL", "STATE_NAMES", "STATE_VALUES", "PARAMETER_NAMES", "PARAMETER_VALUES",
                          "QUANTITY_NAMES", "STATE_UNITS_SI"):
            setattr(self, attribute, getattr(metadata, attribute))
        self.STIMULUS = getattr(metadata, "STIMULUS", None)  # an imported model's: (switch parameter, value on)
        self._ns, self._np = len(self.STATE_NAMES), len(self.PARAMETER_NAMES)
        self._rhs = self._array_function("vrest_rhs")
        self._jacobian = self._array_function("vrest_jacobian", fast=False)
        self._quantities = self._array_function("vrest_quantities")
        # A module may leave out the function per quantity (QUANTITY_FUNCTIONS lists those it has).
        for index, quantity in enumerate(getattr(metadata, "QUANTITY_FUNCTIONS", self.QUANTITY_NAMES)):
            setattr(self, quantity, self._quantity_function(self._array_function(f"vrest_q{index}")))

    def _array_function(self, symbol: str, fast: bool = True):
        """(general loop, fast V-only loop or None): see VREST_ARRAY / VREST_VARRAY in the C."""
        function = getattr(self._lib, symbol)
        function.argtypes = _ARRAY_ARGS
        function.restype = None
        if not fast:
            return function, None
        varying = getattr(self._lib, f"{symbol}_v")
        varying.argtypes = [ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        varying.restype = None
        return function, varying

    @property
    def point_rhs(self) -> int:
        """Address of ``void f(double t, const double *y, double *dy, const double *p)`` for compiled solvers."""
        return ctypes.cast(self._lib.vrest_point_rhs, ctypes.c_void_p).value

    @property
    def point_jacobian(self) -> int:
        """Address of the row-major Jacobian with the same signature as point_rhs."""
        return ctypes.cast(self._lib.vrest_point_jacobian, ctypes.c_void_p).value

    def point_functions(self, p: Sequence[float]):
        """(rhs(t, y), jacobian(t, y)) for one contiguous state and fixed parameters.

        A solver calls these thousands of times: one ctypes call each, no broadcasting.
        """
        params = np.ascontiguousarray(p, dtype=float)
        dy, jac = np.empty(self._ns), np.empty((self._ns, self._ns))
        rhs_c, jac_c = self._lib.vrest_point_rhs, self._lib.vrest_point_jacobian
        for function in (rhs_c, jac_c):
            function.argtypes = [ctypes.c_double, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
            function.restype = None
        p_ptr, dy_ptr, jac_ptr = params.ctypes.data, dy.ctypes.data, jac.ctypes.data

        def rhs(t, y):
            y = np.ascontiguousarray(y, dtype=float)
            rhs_c(t, y.ctypes.data, dy_ptr, p_ptr)
            return dy.copy()

        def jacobian(t, y):
            y = np.ascontiguousarray(y, dtype=float)
            jac_c(t, y.ctypes.data, jac_ptr, p_ptr)
            return jac.copy()

        rhs.keepalive = jacobian.keepalive = (params, dy, jac)
        return rhs, jacobian

    def _call(self, functions, n_out: int, y: Sequence[Any], p: Sequence[Any]) -> np.ndarray:
        if len(y) != self._ns or len(p) != self._np:
            raise ValueError(f"expected {self._ns} states and {self._np} parameters, got {len(y)} and {len(p)}")
        function, varying = functions
        arrays = [np.asarray(a, dtype=float) for a in (*y, *p)]
        if varying is not None and all(a.size == 1 and a.ndim <= arrays[0].ndim for a in arrays[1:]):
            v = np.ascontiguousarray(arrays[0])  # the fast path: only V varies
            values = np.array([0.0] + [a.item() for a in arrays[1:]])  # y[0] unused: V[i] replaces it
            out = np.empty((n_out, v.size))
            varying(v.size, v.ctypes.data, values.ctypes.data, values[self._ns:].ctypes.data, out.ctypes.data)
            return out.reshape((n_out, *arrays[0].shape))
        shape = np.broadcast_shapes(*[a.shape for a in arrays])
        n = int(np.prod(shape, dtype=np.int64))
        flat, strides = [], []
        for a in arrays:
            if a.size == 1:
                flat.append(a.reshape(1))
                strides.append(0)
            elif a.shape == shape and a.flags.c_contiguous:
                flat.append(a.reshape(-1))
                strides.append(1)
            else:
                flat.append(np.ascontiguousarray(np.broadcast_to(a, shape)).reshape(-1))
                strides.append(1)
        pointers = (ctypes.c_void_p * len(flat))(*[a.ctypes.data for a in flat])
        stride_array = np.array(strides, dtype=np.int64 if ctypes.sizeof(ctypes.c_long) == 8 else np.int32)
        out = np.empty((n_out, n))
        function(n, ctypes.cast(pointers, ctypes.c_void_p), stride_array[: self._ns].ctypes.data,
                 ctypes.addressof(pointers) + self._ns * ctypes.sizeof(ctypes.c_void_p),
                 stride_array[self._ns:].ctypes.data, out.ctypes.data)
        return out.reshape((n_out, *shape))

    def rhs(self, t, y, p=None) -> np.ndarray:
        return self._call(self._rhs, self._ns, y, self.PARAMETER_VALUES if p is None else p)

    def jacobian(self, t, y, p=None) -> np.ndarray:
        flat = self._call(self._jacobian, self._ns * self._ns, y, self.PARAMETER_VALUES if p is None else p)
        return flat.reshape((self._ns, self._ns, *flat.shape[1:]))

    def quantities(self, y, p=None) -> dict[str, np.ndarray]:
        rows = self._call(self._quantities, len(self.QUANTITY_NAMES), y, self.PARAMETER_VALUES if p is None else p)
        return dict(zip(self.QUANTITY_NAMES, rows))

    def _quantity_function(self, function):
        def quantity(y, p=None):
            return self._call(function, 1, y, self.PARAMETER_VALUES if p is None else p)[0]

        return quantity


@lru_cache(maxsize=16)
def _sources(model) -> tuple[str, str]:
    """(NumPy source, C source) of ``model``: generated once per process."""
    from ..exporters.c_module import c_source
    from ..exporters.numpy_module import numpy_source

    return numpy_source(model), c_source(model)


def numeric_files(model, backend: str = "c", stacklevel: int = 2) -> tuple[Path, Path | None]:
    """(NumPy module file, compiled library or None) of ``model`` in the cache, generated/built if missing.

    The library is None for backend "numpy", and without a working compiler (NoCompilerWarning).
    """
    if backend not in ("c", "numpy"):
        raise ValueError(f"backend must be 'c' or 'numpy', not {backend!r}")
    numpy_text, c_text = _sources(model)
    # Paths from hashes only: a model's name (any text, in Python) never becomes a file name here.
    numpy_path = _write_once(cache_dir() / _digest(numpy_text) / "numeric.py", numpy_text)
    if backend == "numpy":
        return numpy_path, None
    try:
        return numpy_path, compile_library(c_text, "numeric")
    except (FileNotFoundError, RuntimeError) as error:
        warnings.warn(f"vrest: cannot build the C module ({error}); using the NumPy module", NoCompilerWarning,
                      stacklevel=stacklevel + 1)
        return numpy_path, None


def load_files(numpy_path: str | Path, library: str | Path | None = None):
    """The module over already generated files, without SymPy: a CModule over ``library``, else the NumPy module."""
    metadata = _numpy_module_at(Path(numpy_path))
    return metadata if library is None else _load_c(Path(library), metadata)


def load_numeric(model, backend: str = "c"):
    """The numeric module of ``model`` ("c": compiled, falling back to "numpy" without a compiler)."""
    return load_files(*numeric_files(model, backend, stacklevel=3))


@lru_cache(maxsize=32)
def _load_c(library: Path, metadata: ModuleType) -> CModule:
    return CModule(library, metadata)
