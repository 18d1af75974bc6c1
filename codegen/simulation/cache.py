"""What ``vrest simulate`` needs of a model, cached so that a warm run imports no SymPy.

Parsing a model, finding its pumped steady state and generating its code need SymPy
(with SciPy and pint, ~1 s of imports alone); integrating needs only NumPy, ctypes
and the compiled module. An entry holds the rest: the NumPy module (names and
defaults of parameters and states) and the compiled library (copied into the entry),
the start states (the pumped steady state and the file's given state), the scenarios'
steps, the default run length and the model's warnings. It is keyed by the
model file's text, vrest's version and sources, and the compiler, its flags and the
CPU, so any change to those builds a new entry. A missing, unreadable or corrupted
entry (checked by SHA-256 of its files and of plan.json's content) is rebuilt, never trusted.

Layout: $VREST_CACHE_DIR/simulate/<key>/{plan.json, numeric.py, numeric.so}: paths from hashes, never from names.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from vrest.derive.errors import ModelError, ModelWarning

from .. import __version__
from ..templating import templates_dir
from .numeric import NoCompilerWarning, cache_dir, load_files, toolchain
from .integrate import SimulationResult, simulate_module

__all__ = ["SimulationPlan", "CachedScenario", "CachedStep", "CachedChange", "simulation_plan", "model_text",
           "plan_key"]

FORMAT = 5  # of plan.json; bump when its fields change
_SOURCE_SUFFIXES = (".py", ".j2", ".toml")


@dataclass(frozen=True)
class CachedChange:
    parameter: str
    operation: str  # "set" or "scale"
    value: float  # SI value or factor


@dataclass(frozen=True)
class CachedStep:
    at: float  # s
    changes: tuple[CachedChange, ...]


@dataclass(frozen=True)
class CachedScenario:
    """A model scenario as codegen.simulate uses it (derive.model.Scenario without SymPy)."""

    name: str
    steps: tuple[CachedStep, ...]
    warnings: tuple[str, ...] = ()  # what running it warns before the run (a step that unbalances the bath)


@dataclass(frozen=True)
class SimulationPlan:
    """Everything a simulation of one model needs, with the module files it loads."""

    model: str
    scenarios: tuple[CachedScenario, ...]
    start: tuple[float, ...] | None  # the pumped steady state (SI), in the module's state order; None: none
    default_t_end: float  # s: 1 h with concentration dynamics, else 50 ms
    numpy_module: Path
    library: Path | None  # None: no C compiler (``warning`` says why)
    warning: str | None = None
    model_warnings: tuple[str, ...] = ()  # what reading the model and finding its start warned (ModelWarning),
    # said again on a hit
    given: tuple[float, ...] = ()  # the model file's state (--start given)
    no_steady: str | None = None  # why there is no steady state (``start`` None)
    no_given: str | None = None  # why there is no given state (``given`` empty: no current balance to start at)
    area: float | None = None  # membrane area (m^2) when the model has one: the largest volume it encloses

    def module(self):
        """The numeric module (compiled when there is a library); warns as load_numeric does without one."""
        if self.warning:
            warnings.warn(self.warning, NoCompilerWarning, stacklevel=2)
        return load_files(self.numpy_module, self.library)

    def simulate(self, scenario: str | None, times: np.ndarray, start: str = "steady",
                 **options: Any) -> SimulationResult:
        """vrest.codegen.simulation.simulate from ``start`` ("steady" or "given"), on the cached module."""
        from vrest.derive.errors import ModelError

        if start not in ("steady", "given"):
            raise ModelError("--start", start, "expected one of steady, given")
        if start == "steady" and self.start is None:
            raise ModelError("model", self.model, self.no_steady)
        if start == "given" and self.no_given is not None:
            raise ModelError("model", self.model, self.no_given)
        state = self.start if start == "steady" else self.given
        return simulate_module(self.module(), self.model, self.scenarios, np.array(state, dtype=float),
                               scenario, times, **options)


def model_text(spec: str) -> bytes | None:
    """The bytes of model ``spec`` as derive.builtin.resolve_model reads them, or None when it is neither a
    built-in model nor a readable file (resolve_model then reports the error)."""
    if re.fullmatch(r"\w+", spec):
        builtin = resources.files("vrest.derive").joinpath("models", f"{spec}.toml")
        if builtin.is_file():
            return builtin.read_bytes()
    try:
        return Path(spec).read_bytes()
    except (OSError, ValueError):
        return None


@lru_cache(maxsize=1)
def _sources_fingerprint() -> str:
    """Size and mtime of every vrest source and template: generated code changes with them. Once per process:
    the code that runs is the code imported at its start (a warm call would otherwise stat every file)."""
    roots = {name: Path(str(resources.files(f"vrest.{name}"))) for name in ("codegen", "derive")}
    roots["templates"] = templates_dir()
    entries = []
    for label, root in roots.items():
        for folder, subfolders, files in os.walk(root):
            subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
            for name in sorted(files):
                if name.endswith(_SOURCE_SUFFIXES):
                    stat = os.stat(os.path.join(folder, name))
                    entries.append(f"{label}:{os.path.relpath(os.path.join(folder, name), root)} {stat.st_size} "
                                   f"{stat.st_mtime_ns}")
    return "\n".join(entries)


def plan_key(text: bytes) -> str:
    """The entry key: model text, vrest version and sources, compiler, flags and CPU."""
    h = hashlib.sha256()
    for part in (text, __version__.encode(), _sources_fingerprint().encode(), toolchain().encode(),
                 str(FORMAT).encode()):
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()[:24]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _document_digest(document: dict) -> str:
    """SHA-256 of plan.json's content without its own digest: a damaged number is caught too."""
    rest = {k: v for k, v in document.items() if k != "digest"}
    return hashlib.sha256(json.dumps(rest, sort_keys=True).encode()).hexdigest()


def read_entry(folder: Path, format_: int) -> tuple[dict, dict[str, Path | None]] | None:
    """(plan.json's document, {"numpy_module": path, "library": path or None}) of the entry in ``folder``, or
    None if it is missing, of another format, or its document or files do not match their SHA-256."""
    try:
        data = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
        if data["format"] != format_ or data["digest"] != _document_digest(data):
            return None
        files = {}
        for role in ("numpy_module", "library"):
            entry = data["files"][role]
            if entry is None:
                files[role] = None
                continue
            name, digest = entry
            path = folder / name
            if Path(name).name != name or _sha256(path) != digest:
                return None
            files[role] = path
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # any damage: rebuild
        return None
    return data, files


def _read(folder: Path) -> SimulationPlan | None:
    """The plan stored in ``folder``, or None if it is missing, malformed or its files do not match."""
    entry = read_entry(folder, FORMAT)
    if entry is None:
        return None
    data, files = entry
    try:
        plan = SimulationPlan(
            model=str(data["model"]),
            scenarios=tuple(_scenario_from_json(s) for s in data["scenarios"]),
            start=None if data["start"] is None else tuple(float(v) for v in data["start"]),
            default_t_end=float(data["default_t_end"]),
            numpy_module=files["numpy_module"],
            library=files["library"],
            warning=None if data["warning"] is None else str(data["warning"]),
            model_warnings=tuple(str(w) for w in data["model_warnings"]),
            given=tuple(float(v) for v in data["given"]),
            no_steady=None if data["no_steady"] is None else str(data["no_steady"]),
            no_given=None if data["no_given"] is None else str(data["no_given"]),
            area=None if data["area"] is None else float(data["area"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # any damage: rebuild
        return None
    if plan.numpy_module is None or (plan.library is None) != (plan.warning is not None):
        return None
    return plan


def cached_scenario(scenario, model) -> CachedScenario:
    """A derive.model.Scenario of ``model`` as a plan runs it, with what running it warns."""
    return _scenario_from_json(_scenario_json(scenario, model))


def _scenario_from_json(data: dict) -> CachedScenario:
    steps = tuple(CachedStep(float(step["at"]), tuple(CachedChange(str(c["parameter"]), str(c["operation"]),
                                                                   float(c["value"])) for c in step["changes"]))
                  for step in data["steps"])
    return CachedScenario(str(data["name"]), steps, tuple(str(w) for w in data["warnings"]))


def _scenario_json(scenario, model=None) -> dict:
    """A derive.model.Scenario as plan.json stores it (floats), with what running it warns (given its ``model``)."""
    from vrest.derive.bath import scenario_bath_imbalances

    return {"name": scenario.name,
            "steps": [{"at": float(step.at),
                       "changes": [{"parameter": c.parameter, "operation": c.operation, "value": float(c.value)}
                                   for c in step.changes]} for step in scenario.steps],
            "warnings": scenario_bath_imbalances(model, scenario) if model is not None else []}


def _build(spec: str, stimulus: bool = False) -> tuple[SimulationPlan, dict]:
    """(plan over the shared cache files, the plan.json document without files): the SymPy path."""
    from vrest.derive.builtin import resolve_model
    from vrest.derive.constants import area
    from vrest.derive.modelfile import with_stimulus

    from .numeric import numeric_files
    from .integrate import needs_steady_state, start_state

    with warnings.catch_warnings(record=True) as read:
        warnings.simplefilter("always", ModelWarning)
        model = with_stimulus(resolve_model(spec)) if stimulus else resolve_model(spec)
    model_warnings = tuple(str(w.message) for w in read if issubclass(w.category, ModelWarning))
    try:
        with warnings.catch_warnings(record=True) as caught, needs_steady_state(model.name):
            warnings.simplefilter("always", NoCompilerWarning)
            warnings.simplefilter("always", ModelWarning)
            numpy_path, library = numeric_files(model, "c")
            try:  # no given state (no current balance at the file's concentrations): --start steady still runs
                given, no_given = tuple(float(v) for v in start_state(model, "given")), None
            except ModelError as error:
                given, no_given = (), error.problem
            try:
                start, no_steady = tuple(float(v) for v in start_state(model, "steady")), None
            except ModelError as error:  # no steady state: --start given still runs, --start steady says why
                start, no_steady = None, error.problem
            if start is None and given == ():
                raise ModelError("model", model.name, no_steady)
    except ModelError:  # no plan, but what reading the model warned is said (it may be why)
        for message in model_warnings:
            warnings.warn(message, ModelWarning, stacklevel=2)
        raise
    warning = next((str(w.message) for w in caught if issubclass(w.category, NoCompilerWarning)), None)
    model_warnings = tuple(dict.fromkeys(model_warnings + tuple(str(w.message) for w in caught
                                                                if issubclass(w.category, ModelWarning))))
    scenarios = [_scenario_json(s, model) for s in model.scenarios]
    default_t_end = 3600.0 if model.dynamic_ions else 0.05
    membrane = float(model.values[area]) if area in model.values else None
    plan = SimulationPlan(model.name, tuple(_scenario_from_json(s) for s in scenarios), start, default_t_end,
                          numpy_path, library, warning if library is None else None, model_warnings, given,
                          no_steady, no_given, membrane)
    document = {
        "format": FORMAT,
        "model": plan.model,
        "scenarios": scenarios,
        "start": None if start is None else list(start),
        "given": list(given),
        "no_steady": no_steady,
        "no_given": no_given,
        "area": membrane,
        "default_t_end": default_t_end,
        "warning": plan.warning,
        "model_warnings": list(model_warnings),
    }
    return plan, document


def _store(folder: Path, plan: SimulationPlan, document: dict) -> SimulationPlan | None:
    """Write the entry whole (a temporary folder renamed into place); the plan over its copies, or None."""
    return _read(folder) if store_entry(folder, plan.numpy_module, plan.library, document) else None


def store_entry(folder: Path, numpy_module: Path, library: Path | None, document: dict) -> bool:
    """Write an entry whole: copies of the module files and plan.json (``document`` with the files' SHA-256
    and its own digest), in a temporary folder renamed into place; False when the cache is not writable."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    except OSError:  # the cache is not writable: run without storing
        return False
    try:
        files = {}
        for role, source in (("numpy_module", numpy_module), ("library", library)):
            if source is None:
                files[role] = None
                continue
            shutil.copyfile(source, staging / source.name)
            files[role] = [source.name, _sha256(staging / source.name)]
        document = {**document, "files": files}
        document["digest"] = _document_digest(document)
        (staging / "plan.json").write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        if folder.exists():  # a corrupted entry
            shutil.rmtree(folder, ignore_errors=True)
        os.replace(staging, folder)
    except OSError:  # another process stored it first, or the disk is full
        shutil.rmtree(staging, ignore_errors=True)
    return True


def simulation_plan(spec: str, stimulus: bool = False) -> SimulationPlan:
    """The plan of model ``spec`` (a built-in name or a TOML file): from the cache, else built and stored;
    ``stimulus``: of the model with an injected current (derive.modelfile.with_stimulus), for a protocol's pulse.

    A hit imports no SymPy, SciPy or pint. Bad models raise ModelError as resolve_model does; what reading
    the model warns (ModelWarning) is warned on every call, hit or not.
    """
    plan = _plan(spec, stimulus)
    for message in plan.model_warnings:
        warnings.warn(message, ModelWarning, stacklevel=2)
    return plan


def _plan(spec: str, stimulus: bool) -> SimulationPlan:
    text = model_text(spec)
    if text is None:  # resolve_model says what is wrong with spec
        return _build(spec, stimulus)[0]
    folder = cache_dir() / "simulate" / plan_key(text + (b"\n# with_stimulus\n" if stimulus else b""))
    plan = _read(folder)
    if plan is not None:
        return plan
    plan, document = _build(spec, stimulus)
    if model_text(spec) != text:  # the file changed while it was read: do not cache under the old text
        return plan
    return _store(folder, plan, document) or plan
