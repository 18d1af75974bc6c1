"""``sweep``: a model's quantities (or a scenario's states) over a grid or samples of model-file values.

plan (which points) -> chunks (their parameter sets) -> an executor (this machine's cores or Dask)
running the generated kernel on each -> a writer appending chunk by chunk. A point where a quantity
does not exist holds NaN, and ``missing`` counts the points of each quantity by reason.
"""

from __future__ import annotations

import difflib
import math
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from vrest.derive.errors import ModelError
from vrest.derive.model import Model
from vrest.derive.quantities import Derivations
from vrest.derive.units import unit_factor

from ..progress import ProgressLine
from .executors import executor
from .couplings import coupling
from .gated import by_rest_engine, run_gated_sweep
from .imported import ImportedModel, resolve_sweep_model, run_imported_sweep
from .plan import DESIGN, Plan, check_method
from .runtime import ABOVE_PUMP_MAX, REASONS
from .spec import parse_vary
from .tasks import QuantityTask, run_task
from .writers import Layout, MemoryWriter, open_writer

__all__ = ["SweepOutcome", "sweep", "write_sweep", "run_sweep", "make_plan", "choose_quantities", "bath_imbalances",
           "held_amounts", "CHUNK"]

CHUNK = 65536  # points per chunk at most: a few MB of arrays per quantity, enough to keep NumPy's overhead small
IN_PROCESS = 16384  # a local sweep this small runs in this process: starting worker processes would cost more


def chunk_size(size: int, engine: str, workers: int | None) -> int:
    """Points per chunk: one chunk for a small local sweep, else enough chunks to share out over the workers
    (a few each, so a slow chunk or a lost worker does not leave the others idle)."""
    import os

    workers = workers or os.cpu_count() or 1
    if engine == "local" and (size <= IN_PROCESS or workers == 1):
        return min(size, CHUNK)
    return max(1, min(CHUNK, math.ceil(size / (4 * workers))))


@dataclass
class SweepOutcome:
    """What a sweep produced: its layout, the values in memory (None when only written to a file), and
    for each quantity how many points have no value, by reason."""

    model: str
    plan: Plan
    layout: Layout
    memory: MemoryWriter | None
    missing: dict[str, dict[str, int]] = field(default_factory=dict)
    not_applicable: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    oversized: dict[str, int] = field(default_factory=dict)  # volumes beyond what the membrane encloses: points
    beyond: dict[str, int] = field(default_factory=dict)  # potentials past what a membrane withstands: points
    thin: dict[str, int] = field(default_factory=dict)  # volumes of a cell thinner than its membrane: points


def make_plan(model: Model, vary: Mapping[str, str] | Sequence[str], method: str = "grid",
              samples: int | None = None, seed: int = 0) -> Plan:
    """The plan of ``vary`` ({KEY: SPEC} or ["KEY=SPEC", ...]) for ``model``."""
    texts = [f"{k}={v}" for k, v in vary.items()] if isinstance(vary, Mapping) else list(vary)
    if method != DESIGN:
        check_method(method, samples)
    sampled = method != "grid"
    dims = tuple(parse_vary(model, text, sampled) for text in texts)
    return Plan(dims, method, samples, seed)


def choose_quantities(model: Model, wanted: Sequence[str] | None) -> tuple[tuple[str, ...], dict[str, str]]:
    """(the ids to evaluate, {id: reason} of those the model cannot have); ModelError for an unknown id or a
    requested one that is not applicable."""
    from .kernel import applicable_quantities

    if not wanted:
        ids, reasons = applicable_quantities(model)
        return tuple(ids), reasons
    known = Derivations(model).ids()
    for qid in wanted:
        if qid not in known:  # what this sweep gives, not every id of vrest derive (tau_fast has no sweep rule)
            takes, _ = applicable_quantities(model)
            close = difflib.get_close_matches(qid, takes, n=1)
            hint = "; its resting potential is V_ss (V_rest is that of a model with gated channels)" \
                if qid == "V_rest" and "V_ss" in takes else f"; did you mean '{close[0]}'?" if close else ""
            raise ModelError("--quantity", qid, f"unknown quantity: a sweep of model {model.name} gives "
                                                f"{', '.join(takes)}{hint}")
    ids, reasons = applicable_quantities(model, list(dict.fromkeys(wanted)))  # the columns in the order asked
    for qid in wanted:
        if qid in reasons:
            raise ModelError("--quantity", qid, f"not applicable to model {model.name}: {reasons[qid]}")
    return tuple(ids), {}


class _Progress(ProgressLine):
    """Points done on stderr (codegen.progress: after the first second, in place on a terminal)."""

    def __init__(self, total: int, enabled: bool | str) -> None:
        """``enabled``: False, True, or the command to name on the line (True: vrest sweep)."""
        super().__init__()
        self.total, self.enabled = total, bool(enabled)
        self.label = enabled if isinstance(enabled, str) else "vrest sweep"
        self.first: tuple[float, int] | None = None  # (time, points) of the first result

    def __call__(self, done: int) -> None:
        if not self.enabled:
            return
        due = self.due(final=done == self.total)  # the time of this update: self.now
        if self.first is None and done > 0:
            self.first = (self.now, done)
        if due:
            elapsed = self.now - self.start
            left = self._left(done) if done < self.total else None
            left = "" if left is None else f", about {_duration(left)} left"
            self.show(f"{self.label}: {done} of {self.total} points ({100 * done / self.total:.0f}%), "
                      f"{elapsed:.1f} s{left}")

    def _left(self, done: int) -> float | None:
        """Seconds left at the pace since the first result, None before a second one: the first one's time holds
        the workers' start (a sweep of 2.25 million points said 5 min left at 6 s, and ended at 37 s)."""
        if self.first is None:
            return None
        since, first = self.first
        return (self.total - done) * (self.now - since) / (done - first) if done > first and self.now > since else None


def _duration(seconds: float) -> str:
    """A time left as a person reads it: 40 s, 12 min, 2.1 h."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _si_points(plan: Plan, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
    """(points in the dims' units, the same in SI: factors as factors)."""
    shown = plan.points(start, stop)
    si = np.column_stack([d.to_si(shown[:, k]) for k, d in enumerate(plan.dims)])
    return shown, si


def bath_imbalances(model: Model | ImportedModel, plan: Plan) -> tuple[int, str | None]:
    """How many points of ``plan`` vary a bath concentration so that the bath is not electroneutral where the
    file's is, and derive.bath's sentence at the most unbalanced of them (0, None for an imported model)."""
    from vrest.derive.bath import swept_bath_imbalance

    if isinstance(model, ImportedModel):
        return 0, None
    bath = {ion.outside.name for ion in model.ions if ion.has_concentrations}
    if not any(d.parameter in bath for d in plan.dims):
        return 0, None
    base = {p.name: float(p.value) for p in model.parameters}
    count, worst, sentence = 0, -1.0, None
    for start, stop in plan.chunks(CHUNK):
        _, si = _si_points(plan, start, stop)
        varied = {model.symbols[d.parameter]: si[:, k] * base[d.parameter] if d.factor else si[:, k]
                  for k, d in enumerate(plan.dims) if d.parameter in bath}
        n, share, said = swept_bath_imbalance(model, varied)
        count += n
        if said and share > worst:
            worst, sentence = share, said
    return count, sentence


def held_amounts(model: Model | ImportedModel, plan: Plan) -> list[str]:
    """A note for each ion whose only leak some points of ``plan`` block (its g_X or P_X 0) while the pump does not
    move it: at those points its amount is conserved, and the steady state holds the amount of the cell's given
    state, where the search starts (a scenario step that blocks it holds what the cell had just before the step).
    An ion the pump moves has no steady state then, said by its reason code."""
    from vrest.derive.constants import Vol

    if isinstance(model, ImportedModel):
        return []
    moved = {name for name, n in model.pump.stoichiometry if n} if model.pump is not None else set()
    carried = {channel.ion for channel in model.channels}
    leaks = {(ion.P if ion.leak == "ghk" else ion.g).name: ion for ion in model.dynamic_ions
             if ion.name not in moved | carried and ion.leak in ("ghk", "ohmic")}
    notes = []
    for k, dim in enumerate(plan.dims):
        ion = leaks.get(dim.parameter)
        if ion is None:
            continue
        count = sum(int(np.count_nonzero(_si_points(plan, start, stop)[1][:, k] == 0))
                    for start, stop in plan.chunks(CHUNK))
        if count:
            given = f"{ion.name}_i = {float(model.values[ion.inside]):g} mM in {float(model.values[Vol]) * 1e18:g} um^3"
            notes.append(f"at {count} of {plan.size} points {dim.key} is 0: nothing moves {ion.name} there, and its "
                         f"amount is held at the cell's given state ({given}, the file's start, not the steady state "
                         f"with {ion.name} moving); a scenario step that blocks it holds what the cell had just before")
    return notes


def _quantity_tasks(model: Model, plan: Plan, quantities: tuple[str, ...], chunk: int) -> Iterator:
    from .kernel import build_kernel

    kernel = build_kernel(model, quantities)
    base = {p.name: float(p.value) for p in model.parameters}
    varied = tuple(d.parameter for d in plan.dims)
    rule = coupling(model, set(varied))
    to_display = {q: float(unit_factor(u)) if u != "1" else 1.0 for q, u in kernel.units.items()}
    for start, stop in plan.chunks(chunk):
        _, si = _si_points(plan, start, stop)
        yield QuantityTask(kernel.source, kernel.digest, base, varied, tuple(d.factor for d in plan.dims), rule, si,
                           quantities, to_display, start, stop)


def _layout(model: Model, plan: Plan, variables: tuple[tuple[str, str], ...], times=None,
            scenario: str | None = None) -> Layout:
    grid = None if plan.sampled else tuple(d.values for d in plan.dims)
    return Layout(model.name, tuple((d.key, d.unit) for d in plan.dims), grid, plan.size, variables,
                  None if times is None else tuple(float(t) for t in times), plan.method, scenario)


def run_sweep(model: Model | ImportedModel, plan: Plan, quantities: Sequence[str] | None = None, *,
              out: str | Path | None = None,
              memory: bool = True, engine: str = "local", scheduler: str | None = None, workers: int | None = None,
              progress: bool = False, chunk: int | None = None) -> SweepOutcome:
    """Evaluate ``quantities`` (default: every one the model has) at every point of ``plan``; for an imported
    model (codegen.sweep.imported) and a model with gated channels (codegen.sweep.gated) its resting-state
    quantities.

    Writes ``out`` (CSV, Parquet or NetCDF by its extension) chunk by chunk, and keeps the values in
    memory when ``memory``. Raises ModelError, with nothing written, when a chunk fails; an interrupt
    leaves nothing written either.
    """
    from .kernel import build_kernel

    options = {"out": out, "memory": memory, "engine": engine, "scheduler": scheduler, "workers": workers,
               "progress": progress, "chunk": chunk}
    if isinstance(model, ImportedModel):
        return run_imported_sweep(model, plan, quantities, **options)
    if by_rest_engine(model, quantities):
        return run_gated_sweep(model, plan, quantities, **options)
    ids, not_applicable = choose_quantities(model, quantities)
    if not ids:
        raise ModelError("--quantity", None, f"model {model.name} has none of the quantities asked for")
    units = build_kernel(model, ids).units
    layout = replace(_layout(model, plan, tuple((q, units[q]) for q in ids)), notes=_nernst_notes(model, ids))
    chunk = chunk or chunk_size(plan.size, engine, workers)
    tasks = _quantity_tasks(model, plan, ids, chunk)
    return _drive(model, plan, layout, tasks, run_task, out, memory, engine, scheduler, workers, progress, chunk,
                  not_applicable)


def _nernst_notes(model: Model, ids: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """A note on each Nernst potential E_X of an ion whose inside concentration moves: it is at the file's inside
    concentration, as `vrest derive` gives it, not at the steady state's."""
    moving = {f"E_{ion.name}" for ion in model.dynamic_ions}
    note = ("at the file's inside concentration (as vrest derive gives it); the cell's moves to its steady state's, "
            "where E_X differs (vrest rest MODEL gives the amounts there)")
    return tuple((q, note) for q in ids if q in moving)


def _drive(model, plan, layout, tasks, function, out, memory, engine, scheduler, workers, progress, chunk,
           not_applicable) -> SweepOutcome:
    run = executor(engine, scheduler, workers)
    writers = []
    if memory:
        writers.append(MemoryWriter(layout))
    if out is not None:
        writers.append(open_writer(out, layout))
    counts = {name: Counter() for name, _ in layout.variables}
    chunks = plan.chunks(chunk)
    reporter = _Progress(plan.size, progress)
    finished = 0
    above = None  # (lowest, highest, unit) of pump_max at the points whose pump is above it
    areas = _areas(model, plan)
    oversized, thin, beyond = Counter(), Counter(), Counter()
    potentials = [name for name, unit in layout.variables if unit == "mV" and not name.startswith(("dV_", "Delta_"))]
    try:
        results = run(function, tasks, len(chunks))
        for result in results:
            shown = plan.points(result.start, result.stop)
            for writer in writers:
                writer.write(result.start, shown, result.values)
            if areas is not None:
                _count_out_of_reach(oversized, thin, result.values, areas(shown))
            _count_beyond(beyond, result.values, potentials)
            for name, codes in result.codes.items():
                counts[name].update(codes[codes != 0].tolist())
            if result.pump_max_above is not None:
                above = _merged(above, result.pump_max_above)
            reporter(result.stop)
            finished += 1
    except ModelError:
        _abort(writers)
        raise
    except BaseException as error:
        _abort(writers)
        if isinstance(error, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise
        start, stop = chunks[min(finished, len(chunks) - 1)]
        where = f"; nothing was written to {out}" if out is not None else ""
        raise ModelError("sweep", None, f"a chunk failed (points {start}..{stop - 1} of {plan.size}): "
                         f"{type(error).__name__}: {error}{where}") from error
    finally:
        reporter.done()
    for writer in writers:
        writer.close()
    missing = {name: {_reason(code, above): count for code, count in sorted(c.items())}
               for name, c in counts.items() if c}
    return SweepOutcome(model.name, plan, layout, writers[0] if memory else None, missing, not_applicable,
                        Path(out) if out is not None else None, dict(oversized), dict(beyond), dict(thin))


_VOLUMES = ("volume_ss", "volume")  # um^3: a quantity's and a scenario sweep's


def _areas(model, plan: Plan):
    """points -> the membrane's area (m^2) at each; None for a model without a membrane area."""
    from vrest.derive.constants import area

    values = getattr(model, "values", None)
    if not isinstance(values, Mapping) or area not in values:
        return None
    column = next((k for k, d in enumerate(plan.dims) if d.parameter == area.name), None)
    given = float(values[area])

    def areas(shown: np.ndarray) -> np.ndarray:
        if column is None:
            return np.full(len(shown), given)
        return np.asarray(plan.dims[column].to_si(shown[:, column]), dtype=float)

    return areas


def _count_out_of_reach(oversized: Counter, thin: Counter, values: Mapping[str, np.ndarray],
                        areas: np.ndarray) -> None:
    """Points whose volume is more than a sphere of the membrane's area holds, or less than a cell as thin as its
    membrane (2 volume / area below 5 nm), as derive.plausibility judges one volume."""
    from vrest.derive.plausibility import MEMBRANE_THICKNESS, enclosable_volume

    largest = np.array([enclosable_volume(a) for a in areas]) * 1e18  # um^3
    smallest = MEMBRANE_THICKNESS * areas / 2 * 1e18
    for name in _VOLUMES:
        if name in values:
            volume = np.asarray(values[name]).reshape(len(areas), -1)
            with np.errstate(invalid="ignore"):
                oversized[name] += int(np.count_nonzero(np.any(volume > largest[:, None], axis=1)))
                thin[name] += int(np.count_nonzero(np.any(volume < smallest[:, None], axis=1)))


def _count_beyond(counter: Counter, values: Mapping[str, np.ndarray], potentials: list[str]) -> None:
    """Points whose potential (mV) lies past what a membrane withstands (derive.limits' voltage band, +-2 V): a
    pump's Q10 from the file's temperature at 600 K took neuron's V_ss to -3.4e14 mV, printed without a word."""
    from vrest.derive.limits import RANGES

    low, high = float(RANGES["voltage"].low), float(RANGES["voltage"].high)
    for name in potentials:
        if name in values:
            v = np.asarray(values[name], dtype=float)
            v = v.reshape(v.shape[0], -1) if v.ndim else v.reshape(1, 1)
            with np.errstate(invalid="ignore"):
                counter[name] += int(np.count_nonzero(np.any((v < low) | (v > high), axis=1)))


def _merged(a: tuple[float, float, str] | None, b: tuple[float, float, str]) -> tuple[float, float, str]:
    return b if a is None else (min(a[0], b[0]), max(a[1], b[1]), b[2])


def _reason(code: int, above: tuple[float, float, str] | None) -> str:
    """The text of a reason code; above pump_max, with pump_max's value (or its range over those points)."""
    text = REASONS.get(code, str(code))
    if code == ABOVE_PUMP_MAX and above is not None:
        low, high, unit = above
        shown = f"{low:.6g} {unit}" if f"{low:.6g}" == f"{high:.6g}" else f"{low:.6g} .. {high:.6g} {unit} at these points"
        text = f"{text} (pump_max = {shown})"
    return text


def _abort(writers) -> None:
    for writer in writers:
        writer.abort()


def to_dataset(outcome: SweepOutcome):
    """The sweep in memory as an xarray.Dataset: dims named by the keys (or ``sample``, and ``t``), units as
    attributes, the counts of missing values by reason in each variable's ``missing`` attribute."""
    import xarray as xr

    layout, memory = outcome.layout, outcome.memory
    coords = {}
    if layout.grid is not None:
        for (key, unit), values in zip(layout.keys, layout.grid):
            coords[key] = xr.Variable((key,), np.asarray(values), {"units": unit})
    else:
        coords["sample"] = xr.Variable(("sample",), np.arange(layout.size), {"units": "1"})
        for k, (key, unit) in enumerate(layout.keys):
            coords[key] = xr.Variable(("sample",), memory.points[:, k], {"units": unit})
    if layout.times is not None:
        coords["t"] = xr.Variable(("t",), np.asarray(layout.times), {"units": "s"})
    data = {name: xr.Variable(layout.dims, memory.array(name),
                              {"units": unit, "missing": outcome.missing.get(name, {})})
            for name, unit in layout.variables}
    attrs = {"model": layout.model, "method": layout.method, "not_applicable": outcome.not_applicable}
    if layout.scenario is not None:
        attrs["scenario"] = layout.scenario
    return xr.Dataset(data, coords, attrs=attrs)


def sweep(model: Model | str, vary: Mapping[str, str] | Sequence[str], quantities: Sequence[str] | None = None, *,
          method: str = "grid", samples: int | None = None, seed: int = 0, scenario: str | None = None,
          times: Sequence[float] | None = None, engine: str = "local", scheduler: str | None = None,
          workers: int | None = None, progress: bool = False):
    """The sweep as an xarray.Dataset.

    ``vary``: {model-file key: SPEC}, e.g. {"ions.K.outside": "1..100 mM log 41"}; ``quantities``: `vrest
    derive` ids (default: all the model has). With ``scenario`` and ``times`` (s): the states at those times
    of the scenario started from each point's steady state, instead of quantities.
    """
    outcome = _outcome(model, vary, quantities, method, samples, seed, scenario, times, None, True, engine,
                       scheduler, workers, progress)
    return to_dataset(outcome)


def write_sweep(model: Model | str, vary: Mapping[str, str] | Sequence[str], path: str | Path,
                quantities: Sequence[str] | None = None, *, method: str = "grid", samples: int | None = None,
                seed: int = 0, scenario: str | None = None, times: Sequence[float] | None = None,
                engine: str = "local", scheduler: str | None = None, workers: int | None = None,
                progress: bool = False) -> SweepOutcome:
    """Like ``sweep``, written chunk by chunk to ``path`` (CSV, Parquet or NetCDF) and not kept in memory."""
    return _outcome(model, vary, quantities, method, samples, seed, scenario, times, path, False, engine, scheduler,
                    workers, progress)


def _outcome(model, vary, quantities, method, samples, seed, scenario, times, out, memory, engine, scheduler,
             workers, progress) -> SweepOutcome:
    model = resolve_sweep_model(model)
    plan = make_plan(model, vary, method, samples, seed)
    if scenario is not None and isinstance(model, ImportedModel):
        raise ModelError("--scenario", scenario, "a CellML or SBML model has no scenarios here: a sweep of it gives "
                         "its resting state")
    if scenario is not None:
        from .scenario import run_scenario_sweep

        return run_scenario_sweep(model, plan, scenario, times, out=out, memory=memory, engine=engine,
                                  scheduler=scheduler, workers=workers, progress=progress)
    return run_sweep(model, plan, quantities, out=out, memory=memory, engine=engine, scheduler=scheduler,
                     workers=workers, progress=progress)
