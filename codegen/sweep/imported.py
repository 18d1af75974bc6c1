"""Sweeps of an imported model (CellML, SBML): its resting state over the file's own parameters.

A key is a parameter of the file (a constant: a variable with a value and no equation), named as vrest
shows it (``vrest derive FILE``: the file's variable name, or component_name where two components use
the same name) or as ``component.variable`` (the CellML component and variable). Its values are given in
any unit that converts to the parameter's unit in the file (a parameter without one takes plain numbers)
and are converted to SI. Each point is one call of the rest engine on the file's compiled module, the
parameters set in its problem (codegen.simulation.imported_rest); the quantities (codegen.sweep.rest_points)
come from the resting states it finds at the rest the cell comes to from the file's start, NaN with a counted
reason where it comes to none.

A task carries the content of the file (and of the files a CellML file imports), never its path: a worker
on another machine writes it into a private temporary folder, reads it there once per process and keeps
the system for the following chunks.
"""

from __future__ import annotations

import difflib
import hashlib
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from pathlib import Path

import numpy as np

from vrest.derive.errors import ModelError

from .rest_points import QUANTITIES, RestQuantities, evaluate_points, run_rest_sweep
from .tasks import ChunkResult

__all__ = ["ImportedModel", "ImportedTask", "is_imported", "load_imported",
           "resolve_sweep_model", "run_imported_sweep", "run_imported_task"]



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
    from vrest.derive.importers.cellml import imported_files  # the importer's own check: inside the folder

    folder = path.parent.resolve()
    imported = tuple((str(p.relative_to(folder)), p.read_bytes()) for p in imported_files(path))
    return ((path.name, path.read_bytes()), *imported)


def _digest(files: tuple[tuple[str, bytes], ...], voltage: str | None, stimulus: str | None) -> str:
    h = hashlib.sha256()
    for name, data in files:
        h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    h.update(f"\0{voltage}\0{stimulus}".encode())
    return h.hexdigest()


_LISTED = 12  # parameters an unknown name's error lists


def _squeezed(name: str) -> str:
    """A name without its underscores and capitals: gkr and g_Kr alike."""
    return name.replace("_", "").lower()


@dataclass(frozen=True, eq=False)
class ImportedModel(RestQuantities):
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

    # -- quantities: vrest rest's, and the file's own at the rest ---------------------------------------------

    @cached_property
    def file_quantities(self) -> dict[str, object]:
        """{every name a quantity the file computes answers to (vrest's, component.variable): its Quantity}."""
        quantities = self.system.quantities
        return {q.name: q for q in quantities} | {_qualified(q.description): q for q in quantities
                                                   if _qualified(q.description)}

    @property
    def units(self) -> dict[str, str]:
        return super().units | {q.symbol.name: q.unit or "1" for q in (*self.system.quantities, *self.system.states)}

    def display(self, quantity: str) -> tuple[float, float]:
        if quantity in QUANTITIES:
            return super().display(quantity)
        from vrest.derive.units import unit_parts

        unit = self.units[quantity]
        scale, offset, _ = unit_parts("" if unit == "1" else unit)
        return float(scale), float(offset)

    def choose(self, wanted: Sequence[str] | None) -> tuple[tuple[str, ...], dict[str, str]]:
        """As RestQuantities.choose, and a state or a quantity the file computes (by its name or
        component.variable), its value at the stable rest, in its unit; not a quantity that depends on the stimulus
        or on time (no rest value)."""
        if not wanted or all(q in QUANTITIES for q in wanted):
            return super().choose(wanted)
        ours = [q for q in wanted if q in QUANTITIES]
        if ours:
            super().choose(ours)  # their checks
        states = self.state_names
        for qid in wanted:
            if qid in QUANTITIES or qid in states:
                continue
            quantity = self.file_quantities.get(qid)
            if quantity is None and qid in self._by_name:
                raise ModelError("--quantity", qid, f"a parameter of model {self.name}, not a value at rest: an "
                                 "input of the model, the same at every point unless --vary varies it (then it is a "
                                 "column of the sweep already)")
            if quantity is None:
                close = difflib.get_close_matches(qid, [*QUANTITIES, *states, *self.file_quantities], n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise ModelError("--quantity", qid, f"unknown quantity of model {self.name}{hint} (one of "
                                 f"{', '.join(QUANTITIES)}, or a state or a quantity the file computes: vrest derive "
                                 f"{self.path.name} lists them)")
            from vrest.derive.system import TIME

            used = self.system.reached([quantity.symbol])
            stimulus = self.system.roles.stimulus
            if TIME in used or (stimulus is not None and stimulus in used):
                raise ModelError("--quantity", qid, "depends on the stimulus or on time: it has no value at rest")
        names = [q if q in QUANTITIES else states.get(q) or self.file_quantities[q].name for q in wanted]
        return tuple(dict.fromkeys(names)), {}

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
            if option == "--vary" and found.symbol not in self._used_at_rest:
                raise ModelError("--vary", key, "no equation of the model at rest uses it (the stimulus alone "
                                 "does, and it is off at rest), so the resting state does not depend on it"
                                 if found.symbol in self._used_by_stimulus else
                                 "no equation of the model at rest uses it, so the resting state does not depend "
                                 "on it")
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
        stimulus = system.roles.stimulus
        if option == "--vary" and stimulus is not None and key.lower().endswith("_on"):  # the docs' I_stim_on
            which = "the" if key == f"{stimulus.name}_on" else f"not a parameter; {stimulus.name}_on is the"
            raise ModelError("--vary", key, f"{which} switch of the stimulus {stimulus.name} (vrest adds it: 0 off, 1 "
                             "on): the stimulus is off at rest, so the resting state does not depend on it")
        kinds = {name: "" for name in self._by_name} | {name: "the state " for name in states if name not in
                                                         self._by_name} \
            | {name: "the computed value " for name in quantities if name not in self._by_name and name not in states}
        exact = [name for name in kinds if name.lower() == key.lower()][:1]  # Cm for cm, before the gate m
        exact = exact or [name for name in kinds if _squeezed(name) == _squeezed(key)][:1]  # gkr for g_Kr
        elsewhere = [] if exact else self._defined_elsewhere(key)
        close = exact or elsewhere or difflib.get_close_matches(key, list(kinds), n=1)
        hint = f"did you mean {kinds[close[0]]}'{close[0]}'? " if close else ""
        if elsewhere:
            hint = (f"did you mean '{elsewhere[0]}'? (a component that uses a parameter names it too; vrest knows it "
                    "by the name where the file defines it) ")
        every = f"vrest derive {self.path.name} lists"
        if close:
            listed = f"{every} its parameters"
        else:  # the first few: ten Tusscher's every parameter with its unit was 2000 characters
            shown = system.parameters[:_LISTED]
            listed = "its parameters: " + ", ".join(f"{p.name} ({p.unit or 'no unit'})" for p in shown)
            if len(system.parameters) > len(shown):
                listed += f", and {len(system.parameters) - len(shown)} more ({every} them all)"
        raise ModelError(option, value, f"not a parameter of model {system.name}; {hint}{listed}")

    @cached_property
    def _used_at_rest(self) -> frozenset:
        """The symbols the rates use with the stimulus off: not the parameters that only set the stimulus's
        amplitude and timing (stim_amplitude, stim_period)."""
        rates = set().union(*(getattr(s.rhs, "free_symbols", set()) for s in self.system.states))
        return self.system.reached(rates, off=self.system.roles.stimulus)

    @cached_property
    def _used_by_stimulus(self) -> frozenset:
        stimulus = self.system.roles.stimulus
        return frozenset() if stimulus is None else self.system.reached([stimulus])

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
        from vrest.derive.rest.inputs import beyond_a_double, check_parameter_sign
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
                raise ModelError(key, given, f"unknown unit {given!r}; expected one that converts to {unit}") from None
            if dims != unit_parts(unit)[2]:
                raise ModelError(key, given, f"does not convert to {unit}, the unit of {parameter.name} in the file")
            value = scale * Fraction(number) + offset
            try:
                si = float(value)
            except OverflowError:  # 1e308 mS/cm^2 is 1e309 S/m^2
                raise ModelError(key, f"{number} {given}", beyond_a_double(number, scale)) from None
            check_parameter_sign(parameter.name, unit, si, key, f"{number} {given}", periods)
            return value, float(scale), float(offset)

        target = Target(parameter.name, unit or "1", sign="any")
        return read_spec(key, target, spec, sampled, values=Values(read, unit))


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


def run_imported_task(task: ImportedTask) -> ChunkResult:
    """The chunk's points, each followed from the file's start as `vrest rest` does: the rest is the one the cell
    comes to."""
    compiled = _compiled(task)

    named = [q for q in task.quantities if q not in QUANTITIES]  # the file's own states and quantities, at the rest
    computed = [q for q in named if q not in compiled.problem.states]

    def parameters(row: np.ndarray) -> dict[str, float]:
        return dict(zip(task.varied, (float(v) for v in row)))

    def report_at(row: np.ndarray):
        return compiled.report(parameters(row), task.v_range, from_start=True)

    def named_at(row: np.ndarray, states: dict[str, float]) -> dict[str, float]:
        return {q: states[q] for q in named if q not in computed} | compiled.named(computed, parameters(row), states)

    return evaluate_points(task.start, task.stop, task.points, task.quantities, task.display, report_at,
                           named_at if named else None)


def run_imported_sweep(model: ImportedModel, plan, quantities: Sequence[str] | None = None, **options):
    """The resting-state quantities of ``model`` at every point of ``plan``: a SweepOutcome (codegen.sweep.api);
    ``options`` as run_rest_sweep's."""
    varied = tuple(d.parameter for d in plan.dims)

    def task(start: int, stop: int, si: np.ndarray, ids: tuple[str, ...], display: dict) -> ImportedTask:
        return ImportedTask(model.files, model.digest, model.voltage, model.stimulus, model.v_range, varied, si,
                            ids, display, start, stop)

    return run_rest_sweep(model, plan, quantities, task, run_imported_task, **options)
