"""The SUNDIALS 7 libraries of the scikit-sundae wheel, opened so that only vrest's driver sees them.

Why this wheel: it is the maintained PyPI package that ships SUNDIALS as ordinary shared
libraries exporting the C API (libsundials_core and libsundials_cvode, the latter with the
serial vector and dense solver built in) for Linux, macOS and Windows on every Python from
3.11 (README, "The fast solver"). vrest uses its libraries, not its Python API.

NEURON and libRoadRunner carry their own CVODE, with the same function names
(N_VNew_Serial, N_VLinearSum, CVodeCreate, ...) in the process's global symbol scope.
The wheel's libraries are therefore opened RTLD_LOCAL | RTLD_DEEPBIND (glibc): their own
calls between each other resolve inside the wheel first, and the driver gets every function
as a pointer from these handles (``address``), never by name through the dynamic linker.

``load()`` checks what it opened before anything runs: the version (SUNDIALSGetVersionNumber,
major 7) and the size of ``sunindextype`` (a probe: SUNDlsMat_denseGETRF writes two pivots
into an array of that type). Any problem is a SundialsUnavailable with one line that says why.
"""

from __future__ import annotations

import ctypes
import importlib.metadata
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

__all__ = ["Sundials", "SundialsUnavailable", "load", "DISTRIBUTION", "MAJOR"]

DISTRIBUTION = "scikit-sundae"
MAJOR = 7  # the driver declares the SUNDIALS 7 API
_LIBRARY = re.compile(r"^(lib)?sundials_(core|cvode)([-.].*)?\.(so(\.\d+)*|dylib|dll)$")


class SundialsUnavailable(RuntimeError):
    """The SUNDIALS libraries are missing or not the ones the driver was written for."""


@dataclass(frozen=True)
class Sundials:
    """The opened libraries: version, index type (C spelling) and the handle symbols are looked up in."""

    version: str
    index_type: str  # "int32_t" or "int64_t"
    cvode_path: Path
    _handle: ctypes.CDLL = field(repr=False)

    def address(self, name: str) -> int:
        """Address of the SUNDIALS function ``name`` in these libraries (SundialsUnavailable if absent)."""
        try:
            return ctypes.cast(getattr(self._handle, name), ctypes.c_void_p).value
        except AttributeError:
            raise SundialsUnavailable(f"{self.cvode_path.name} has no function {name}") from None


def _wheel_libraries() -> dict[str, Path]:
    """{"core": path, "cvode": path} of the installed wheel's libraries."""
    try:
        distribution = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise SundialsUnavailable(f"the {DISTRIBUTION} package (SUNDIALS) is not installed: "
                                  f"pip install {DISTRIBUTION}") from None
    found = {}
    for file in distribution.files or ():
        match = _LIBRARY.match(Path(str(file)).name)
        if match:
            found.setdefault(match.group(2), Path(distribution.locate_file(file)))
    if "cvode" not in found:
        raise SundialsUnavailable(f"the {DISTRIBUTION} package ships no libsundials_cvode library")
    return found


def _open(path: Path) -> ctypes.CDLL:
    mode = ctypes.RTLD_LOCAL | getattr(os, "RTLD_DEEPBIND", 0) | getattr(os, "RTLD_NOW", 0)
    if hasattr(os, "add_dll_directory"):  # Windows: the library's own dependencies sit beside it
        os.add_dll_directory(str(path.parent))
    try:
        return ctypes.CDLL(str(path), mode=mode)
    except OSError as error:
        raise SundialsUnavailable(f"cannot load {path.name}: {error}") from None


def _version(handle: ctypes.CDLL) -> tuple[int, int, int, str]:
    major, minor, patch = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
    label = ctypes.create_string_buffer(64)
    function = handle.SUNDIALSGetVersionNumber
    function.restype = ctypes.c_int
    function.argtypes = [ctypes.c_void_p] * 4 + [ctypes.c_int]
    if function(ctypes.byref(major), ctypes.byref(minor), ctypes.byref(patch), label, len(label)) != 0:
        raise SundialsUnavailable("SUNDIALSGetVersionNumber failed")
    return major.value, minor.value, patch.value, label.value.decode(errors="replace")


def _index_type(handle: ctypes.CDLL) -> str:
    """sunindextype's C type, from the pivots SUNDlsMat_denseGETRF writes for [[0, 1], [1, 0]].

    The pivots are (1, 1); written as 64-bit integers they fill the two slots of ``pivots``, as
    32-bit integers they fill the first slot only (1 + 2**32 on a little-endian machine).
    The sizes are passed as 64-bit values: a 32-bit callee reads their low halves, the same numbers.
    """
    columns = [(ctypes.c_double * 2)(0.0, 1.0), (ctypes.c_double * 2)(1.0, 0.0)]
    matrix = (ctypes.POINTER(ctypes.c_double) * 2)(*[ctypes.cast(c, ctypes.POINTER(ctypes.c_double))
                                                      for c in columns])
    pivots = (ctypes.c_int64 * 2)(-1, -1)
    function = handle.SUNDlsMat_denseGETRF
    function.restype = ctypes.c_int32
    function.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]
    function(matrix, 2, 2, pivots)
    if list(pivots) == [1, 1]:
        return "int64_t"
    if list(pivots) == [1 + (1 << 32), -1]:
        return "int32_t"
    raise SundialsUnavailable(f"cannot tell the size of sunindextype (probe gave {list(pivots)})")


@lru_cache(maxsize=1)
def load() -> Sundials:
    """The wheel's SUNDIALS, opened and checked (cached per process); SundialsUnavailable if unusable."""
    libraries = _wheel_libraries()
    if "core" in libraries:  # opened first, so that cvode's dependency on it is this copy
        _open(libraries["core"])
    handle = _open(libraries["cvode"])
    try:
        major, minor, patch, label = _version(handle)
    except AttributeError:
        raise SundialsUnavailable(f"{libraries['cvode'].name} has no SUNDIALSGetVersionNumber "
                                  f"(SUNDIALS older than 6)") from None
    version = f"{major}.{minor}.{patch}{'-' + label if label else ''}"
    if major != MAJOR:
        raise SundialsUnavailable(f"SUNDIALS {version} from {DISTRIBUTION}, but vrest's driver is written for "
                                  f"SUNDIALS {MAJOR}.x")
    return Sundials(version, _index_type(handle), libraries["cvode"], handle)
