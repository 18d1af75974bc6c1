"""Sweeps of an imported model (CellML, SBML): its resting state over the file's own parameters.

A key is a parameter of the file (a constant: a variable with a value and no equation), named as vrest
shows it (``vrest derive FILE``: the file's variable name, or component_name where two components use
the same name) or as ``component.variable`` (the CellML component and variable). Its values are given in
any unit that converts to the parameter's unit in the file (a parameter without one takes plain numbers)
and are converted to SI. Each point is one call of the rest engine on the file's compiled module, the
parameters set in its problem (codegen.simulation.imported_rest); the quantities (QUANTITIES) come from the
resting states it finds at the rest the cell comes to from the file's start, NaN with a counted reason where it
comes to none.

A task carries the content of the file (and of the files a CellML file imports), never its path: a worker
on another machine writes it into a private temporary folder, reads it there once per process and keeps
the system for the following chunks.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import os
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import cached_property
from pathlib import Path

import numpy as np

from vrest.derive.errors import ModelError

from .runtime import (BESIDE_REST, NO_EQUILIBRIUM, NO_STABLE, NOT_FINITE, NOT_REACHED, OSCILLATES, OUTSIDE_RANGE,
                      REST_FAILED, SEVERAL_STABLE)
from .tasks import ChunkResult

__all__ = ["COUNTS", "QUANTITIES", "ImportedModel", "ImportedTask", "is_imported", "load_imported",
           "resolve_sweep_model", "run_imported_sweep", "run_imported_task"]

# id -> what it is; the units come from the file (ImportedModel.units)
QUANTITIES = {
    "V_rest": "the membrane potential of the stable resting state",
    "resting_states": "how many resting states (equilibria, stable or not) lie in the voltage range",
    "stable_states": "how many of them are stable",
    "slope_conductance": "the slope conductance at the stable resting state, gates at steady state",
    "input_resistance": "1 / slope_conductance",
    "slowest_tau": "the slowest time constant at the stable resting state, 1 / min |Re(eigenvalue)|",
}
COUNTS = ("resting_states", "stable_states")  # whole numbers: integers in JSON, as in CSV
_AT_REST = ("V_rest", "slope_conductance", "input_resistance", "slowest_tau")
IN_PROCESS = 32  # points: a local sweep this small runs in this process (a worker first reads the file: seconds)
MAX_CHUNK = 64  # points per chunk at most: each point is a root search, a chunk takes seconds


def _qualified(description: str) -> str:
    """The component.variable name at the start of a description the importer wrote, else ""."""
    qualified = description.split(":")[0].strip()
    return qualified if "." in qualified and " " not in qualified else ""


def is_imported(spec: str | Path) -> bool:
    """Whether MODEL names another tool's model file (derive.builtin.is_other_format)."""
    from vrest.derive.builtin import is_other_format

    return is_other_format(str(spec))


def _bundle(path: Path) -> tuple[tuple[str, bytes], ...]:
    """(name relative to the file's folder, content) of the file and, for CellML, every file it imports."""
    files = [(path.name, path.read_bytes())]
    if path.suffix.lower() == ".cellml":
        from vrest.derive.importers.cellml import _imports  # the importer's own check: inside the folder, read safely
        from vrest.derive.importers.xmlsafe import read_xml

        root = read_xml(path)
        namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
        folder = path.parent.resolve()
        files += [(str(p.relative_to(folder)), p.read_bytes()) for p in _imports(root, namespace, path, set())]
    return tuple(files)


def _digest(files: tuple[tuple[str, bytes], ...], voltage: str | None, stimulus: str | None) -> str:
    h = hashlib.sha256()
    for name, data in files:
        h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    h.update(f"\0{voltage}\0{stimulus}".encode())
    return h.hexdigest()


@dataclass(frozen=True, eq=False)
class ImportedModel:
    """A CellML or SBML file for a sweep: its system (read here), its content for the workers, the roles
    named by hand and the voltage range (V) the resting states are looked for in."""

    path: Path
    system: object  # derive.system.OdeSystem
    files: tuple[tuple[str, bytes], ...]
    voltage: str | None = None
    stimulus: str | None = None
    v_range: tuple[float, float] = (-0.150, 0.060)

    @property
    def name(self) -> str:
        return self.system.name

    @cached_property
    def digest(self) -> str:
        return _digest(self.files, self.voltage, self.stimulus)

    @cached_property
    def problem(self):
        """The rest engine's numbers at the file's own values: the units results are shown in. From the file's
        plan, as vrest rest keeps it (preparing the system again, its derivatives, took 8 s for O'Hara-Rudy)."""
        from vrest.codegen.simulation.imported import imported_plan

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the reader's notes were shown when the file was read
            return imported_plan(self.path, self.voltage, self.stimulus).rest_problem()

    @cached_property
    def units(self) -> dict[str, str]:
        problem = self.problem
        return {"V_rest": problem.voltage_unit or "1", "resting_states": "1", "stable_states": "1",
                "slope_conductance": problem.conductance_unit, "input_resistance": problem.resistance_unit,
                "slowest_tau": "s"}

    def not_applicable(self) -> dict[str, str]:
        problem, out = self.problem, {}
        if problem.capacitance is None or not problem.conductance_unit:
            why = ("the file gives no membrane capacitance vrest can find" if problem.capacitance is None else
                   "the membrane capacitance has no unit of capacitance (per area)")
            out["slope_conductance"] = out["input_resistance"] = why
        return out

    def notes(self, ids: Sequence[str]) -> tuple[tuple[str, str], ...]:
        """vrest rest's note on the file's capacitance (at the file's values), for each quantity of ``ids`` it
        scales: the slope conductance and the input resistance."""
        note = self.problem.capacitance_note
        return tuple((q, note) for q in ids if note and q in ("slope_conductance", "input_resistance"))

    def display(self, quantity: str) -> tuple[float, float]:
        """(scale, offset) with SI = scale * shown + offset, for the quantity's unit."""
        unit = self.units[quantity]
        return self.problem.display.get(unit, (1.0, 0.0)) if unit != "1" else (1.0, 0.0)

    # -- keys -----------------------------------------------------------------------------------------------

    @cached_property
    def _by_name(self) -> dict[str, object]:
        """Every name a parameter answers to: vrest's, and component.variable (the importer writes the qualified
        name first in each description, derive.importers.myokit_system)."""
        out = {}
        for p in self.system.parameters:
            out[p.name] = p
        for p in self.system.parameters:
            qualified = _qualified(p.description)
            if qualified:
                out.setdefault(qualified, p)
        return out

    @cached_property
    def state_names(self) -> dict[str, str]:
        """{every name a state answers to (vrest's, component.variable): vrest's name}."""
        states = self.system.states
        return {s.symbol.name: s.symbol.name for s in states} | \
            {_qualified(s.description): s.symbol.name for s in states if _qualified(s.description)}

    def parameter(self, key: str, option: str = "--vary", value: object = None, verb: str = "vary",
                  state_hint: str | None = None):
        """The parameter ``key`` names (vrest's name or component.variable); else a ModelError naming ``option``
        and ``value`` (default: the key) that says what ``key`` is instead: a state (with ``state_hint``, default
        vrest rest's), a value the file computes (with the parameters to ``verb`` instead), or an unknown name
        (with the nearest name of any kind)."""
        found = self._by_name.get(key)
        system = self.system
        value = key if value is None else value
        if found is not None:
            if option == "--vary" and system.roles.stimulus is not None and found.symbol == system.roles.stimulus:
                raise ModelError("--vary", key, "the stimulus: it is off at rest, so the resting state does not "
                                 "depend on it")
            return found
        states = self.state_names
        quantities = {q.name: q for q in system.quantities}
        quantities |= {_qualified(q.description): q for q in system.quantities if _qualified(q.description)}
        if key in states:
            hint = state_hint or (f"vrest finds its value at rest; vary a parameter, or start vrest rest from "
                                  f"another value with --start '{states[key]}=...'")
            raise ModelError(option, value, f"a state of model {system.name}, not a parameter: {hint}")
        if key in quantities:
            parameters = {p.symbol: p.name for p in system.parameters}
            used = sorted(parameters[s] for s in system.expand(quantities[key].expression).free_symbols
                          if s in parameters)
            hint = f": {verb} what it is computed from ({', '.join(used)})" if used else ""
            raise ModelError(option, value, f"computed in the file from other values, not a parameter{hint}")
        kinds = {name: "" for name in self._by_name} | {name: "the state " for name in states if name not in
                                                         self._by_name} \
            | {name: "the computed value " for name in quantities if name not in self._by_name and name not in states}
        exact = [name for name in kinds if name.lower() == key.lower()][:1]  # Cm for cm, before the gate m
        elsewhere = [] if exact else self._defined_elsewhere(key)
        close = exact or elsewhere or difflib.get_close_matches(key, list(kinds), n=1)
        listed = ", ".join(f"{p.name} ({p.unit or 'no unit'})" for p in system.parameters)
        hint = f"did you mean {kinds[close[0]]}'{close[0]}'? " if close else ""
        if elsewhere:
            hint = (f"did you mean '{elsewhere[0]}'? (a component that uses a parameter names it too; vrest knows it "
                    "by the name where the file defines it) ")
        raise ModelError(option, value, f"not a parameter of model {system.name}; {hint}its parameters: {listed}")

    def _defined_elsewhere(self, key: str) -> list[str]:
        """[the parameter's name] where ``key`` is component.variable and exactly one parameter has that variable
        name (Luo-Rudy 1991's time_dependent_potassium_current.Ko, connected to ionic_concentrations.Ko)."""
        component, dot, variable = key.rpartition(".")
        if not dot or not component:
            return []
        named = {p.name for name, p in self._by_name.items() if name == variable or name.endswith("." + variable)}
        return sorted(named) if len(named) == 1 else []

    def dimension(self, key: str, spec: str, sampled: bool):
        """The sweep Dimension of ``key=spec`` (codegen.sweep.spec), values in a unit of the parameter's."""
        from vrest.derive.importers.stimulus_timing import stimulus_periods
        from vrest.derive.protocol import Target
        from vrest.derive.rest.inputs import check_parameter_sign
        from vrest.derive.units import unit_parts

        from .spec import Values, read_spec

        parameter = self.parameter(key)
        unit = parameter.unit
        periods = stimulus_periods(self.system)

        def read(number: str, given: str) -> tuple[Fraction, float, float]:
            if not unit:
                if given not in ("", "1"):
                    raise ModelError(key, given, f"{parameter.name} has no unit in the file: give plain numbers")
                return Fraction(number), 1.0, 0.0
            if not given:
                raise ModelError(key, number, f"a unit is required, one that converts to {unit} (the unit of "
                                 f"{parameter.name} in the file)")
            try:
                scale, offset, dims = unit_parts(given)
            except ValueError:
                raise ModelError(key, given, f"unknown unit; expected one that converts to {unit}") from None
            if dims != unit_parts(unit)[2]:
                raise ModelError(key, given, f"does not convert to {unit}, the unit of {parameter.name} in the file")
            value = scale * Fraction(number) + offset
            check_parameter_sign(parameter.name, unit, float(value), key, f"{number} {given}", periods)
            return value, float(scale), float(offset)

        target = Target(parameter.name, unit or "1", sign="any")
        return read_spec(key, target, spec, sampled, values=Values(read, unit))

    def choose(self, wanted: Sequence[str] | None) -> tuple[tuple[str, ...], dict[str, str]]:
        """(the quantity ids to evaluate, {id: reason} of those the file cannot have)."""
        missing = self.not_applicable()
        if not wanted:
            return tuple(q for q in QUANTITIES if q not in missing), missing
        for qid in wanted:
            if qid not in QUANTITIES:
                raise ModelError("--quantity", qid, f"unknown quantity of an imported model (one of "
                                 f"{', '.join(QUANTITIES)})")
            if qid in missing:
                raise ModelError("--quantity", qid, f"not applicable to model {self.name}: {missing[qid]}")
        return tuple(q for q in QUANTITIES if q in wanted), {}


def load_imported(spec: str | Path, *, voltage: str | None = None, stimulus: str | None = None,
                  v_range: tuple[float, float] | None = None) -> ImportedModel:
    """A CellML or SBML file, read, for a sweep."""
    from vrest.derive.rest import DEFAULT_RANGE
    from vrest.derive.rest.loader import load_system

    path = Path(str(spec))
    system = load_system(path, voltage=voltage, stimulus=stimulus)
    model = ImportedModel(path, system, _bundle(path), voltage, stimulus, tuple(v_range or DEFAULT_RANGE))
    model.problem  # noqa: B018 (the file's plan, read or built while the file is there to read)
    _FILES[model.digest] = (None, path)  # this process has read it: a chunk run here needs no second read
    return model


def resolve_sweep_model(spec, *, voltage: str | None = None, stimulus: str | None = None,
                        v_range: tuple[float, float] | None = None):
    """MODEL for a sweep: a vrest model (built-in name, TOML file) or an ImportedModel (CellML, SBML file)."""
    if not isinstance(spec, (str, Path)):
        return spec
    if is_imported(spec):
        return load_imported(spec, voltage=voltage, stimulus=stimulus, v_range=v_range)
    for option, value in (("--voltage", voltage), ("--stimulus", stimulus), ("--range", v_range)):
        if value is not None:
            raise ModelError(option, value, "only for a CellML or SBML file")
    from vrest.derive.builtin import resolve_model

    return resolve_model(str(spec))


# -- the workers' side ----------------------------------------------------------------------------------------

_FILES: dict[str, tuple[object, Path]] = {}  # digest -> (a temporary folder kept alive, or None; the model file)
_COMPILED: dict[str, object] = {}  # digest -> its CompiledRest (codegen.simulation.imported_rest)


@dataclass(frozen=True)
class ImportedTask:
    """One chunk of a sweep of an imported model: points start..stop-1."""

    files: tuple[tuple[str, bytes], ...]  # the file's content first, then what it imports
    digest: str
    voltage: str | None
    stimulus: str | None
    v_range: tuple[float, float]
    varied: tuple[str, ...]  # the parameter each column of ``points`` sets
    points: np.ndarray  # (stop - start, n_varied), SI
    quantities: tuple[str, ...]
    display: dict[str, tuple[float, float]]  # SI = scale * shown + offset, per quantity
    start: int
    stop: int


def _file(task: ImportedTask) -> Path:
    """The task's model file, written once per process from the content the task carries."""
    known = _FILES.get(task.digest)
    if known is None:
        if _digest(task.files, task.voltage, task.stimulus) != task.digest:
            raise ValueError("the model file's content does not match its hash")
        folder = tempfile.TemporaryDirectory(prefix="vrest-sweep-")
        for name, data in task.files:
            target = Path(folder.name, name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        known = _FILES[task.digest] = (folder, Path(folder.name, task.files[0][0]))
    return known[1]


def _compiled(task: ImportedTask):
    """The task's CompiledRest (once per process)."""
    if task.digest not in _COMPILED:
        from ..simulation.imported_rest import compiled_rest

        _COMPILED[task.digest] = compiled_rest(_file(task), task.voltage, task.stimulus)
    return _COMPILED[task.digest]


def _at_point(task: ImportedTask, row: np.ndarray) -> tuple[dict[str, float], int]:
    """({quantity: SI value}, reason code for the quantities at the stable rest) at one point."""
    parameters = dict(zip(task.varied, (float(v) for v in row)))
    try:  # followed from the file's start, as `vrest rest` does: the rest is the one the cell comes to
        with np.errstate(all="ignore"):
            report = _compiled(task).report(parameters, task.v_range, from_start=True)
    except (ModelError, ArithmeticError, ValueError, np.linalg.LinAlgError):
        return {}, REST_FAILED
    stable = [s for s in report.resting_states if s.stable]
    values = {"resting_states": float(len(report.resting_states)), "stable_states": float(len(stable))}
    fate = report.from_start
    if stable and fate is not None and fate.kind != "unknown":
        # a stable state the cell does not come to is no rest of it (Zhang 2000's sinoatrial cell beats beside one)
        if fate.kind == "oscillates":
            return values, BESIDE_REST
        if fate.kind == "drifts":
            return values, NOT_REACHED
        if fate.index >= len(stable):
            return values, OUTSIDE_RANGE
        stable = [stable[fate.index]]
    if len(stable) > 1:  # no start to follow (a state without a value), or its run failed
        return values, SEVERAL_STABLE
    if not stable:
        if report.rest_outside_range is not None:
            return values, OUTSIDE_RANGE
        if not report.resting_states:
            return values, NO_EQUILIBRIUM
        return values, OSCILLATES if "oscillates" in report.verdict else NO_STABLE
    (rest,) = stable
    g = rest.slope_conductance
    values.update(V_rest=rest.V, slowest_tau=rest.slowest_tau,
                  slope_conductance=math.nan if g is None else g,
                  input_resistance=math.nan if not g else 1.0 / g)
    return values, 0


def run_imported_task(task: ImportedTask) -> ChunkResult:
    n = task.stop - task.start
    values = {q: np.full(n, np.nan) for q in task.quantities}
    codes = {q: np.zeros(n, dtype=np.int8) for q in task.quantities}
    for i, row in enumerate(task.points):
        found, code = _at_point(task, row)
        for q in task.quantities:
            value = found.get(q, math.nan)
            reason = code if (q in _AT_REST or q not in found) else 0
            if reason == 0 and not math.isfinite(value):
                reason = NOT_FINITE
            if reason == 0:
                scale, offset = task.display[q]
                values[q][i] = (value - offset) / scale
            codes[q][i] = reason
    return ChunkResult(task.start, task.stop, values, codes)


def run_imported_sweep(model: ImportedModel, plan, quantities: Sequence[str] | None = None, *, out=None,
                       memory: bool = True, engine: str = "local", scheduler: str | None = None,
                       workers: int | None = None, progress: bool = False, chunk: int | None = None):
    """The resting-state quantities of ``model`` at every point of ``plan``: a SweepOutcome (codegen.sweep.api)."""
    from .api import _drive, _layout, _si_points

    ids, not_applicable = model.choose(quantities)
    layout = replace(_layout(model, plan, tuple((q, model.units[q]) for q in ids)), notes=model.notes(ids))
    cores = workers or os.cpu_count() or 1
    in_process = engine == "local" and (plan.size <= IN_PROCESS or cores == 1)
    if chunk is None:  # in this process: small chunks, so the progress moves; else a few chunks per worker
        chunk = min(8, plan.size) if in_process else max(1, min(MAX_CHUNK, math.ceil(plan.size / (4 * cores))))
    display = {q: model.display(q) for q in ids}
    varied = tuple(d.parameter for d in plan.dims)

    def tasks():
        for start, stop in plan.chunks(chunk):
            _, si = _si_points(plan, start, stop)
            yield ImportedTask(model.files, model.digest, model.voltage, model.stimulus, model.v_range, varied, si,
                               ids, display, start, stop)

    return _drive(model, plan, layout, tasks(), run_imported_task, out, memory, engine, scheduler,
                  1 if in_process else workers, progress, chunk, not_applicable)
