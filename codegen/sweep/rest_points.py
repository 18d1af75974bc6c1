"""Sweep points evaluated by the resting-state engine: the quantities `vrest rest` gives, at each point.

Two kinds of model are swept this way: a CellML or SBML file (codegen.sweep.imported, the engine on the
file's compiled module) and a vrest model with gated channels (codegen.sweep.gated, the engine on the
model at each point's values). Both report the stable rest the cell comes to from its start, NaN with a
counted reason where it comes to none, and share the quantities, their units and this evaluation.
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from vrest.derive.errors import ModelError

from .runtime import (BESIDE_REST, CLAMPED, EMPTIED, NO_EQUILIBRIUM, NO_STABLE, NOT_FINITE, NOT_REACHED,
                      OSCILLATES, OUTSIDE_RANGE, REST_FAILED, SEVERAL_STABLE)
from .tasks import ChunkResult

__all__ = ["COUNTS", "QUANTITIES", "RestQuantities", "did_you_mean", "evaluate_points", "run_rest_sweep",
           "values_at_rest"]

# id -> what it is; the units come from the model (RestQuantities.units)
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
IN_PROCESS = 32  # points: a local sweep this small runs in this process (a worker first reads the model: seconds)
MAX_CHUNK = 64  # points per chunk at most: each point is a root search, a chunk takes seconds


class RestQuantities:
    """The quantities of a model swept by the rest engine, their units and the ones it cannot have; a subclass
    gives ``name`` and ``problem`` (derive.rest.problem.RestProblem at the model's own values)."""

    name: str
    problem: object
    kind = "an imported model"  # how an unknown quantity's message names the model

    @property
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
        """vrest rest's note on the capacitance (at the model's values), for each quantity of ``ids`` it scales:
        the slope conductance and the input resistance."""
        note = self.problem.capacitance_note
        return tuple((q, note) for q in ids if note and q in ("slope_conductance", "input_resistance"))

    def display(self, quantity: str) -> tuple[float, float]:
        """(scale, offset) with SI = scale * shown + offset, for the quantity's unit."""
        unit = self.units[quantity]
        return self.problem.display.get(unit, (1.0, 0.0)) if unit != "1" else (1.0, 0.0)

    def choose(self, wanted: Sequence[str] | None) -> tuple[tuple[str, ...], dict[str, str]]:
        """(the quantity ids to evaluate, {id: reason} of those the model cannot have)."""
        missing = self.not_applicable()
        if not wanted:
            return tuple(q for q in QUANTITIES if q not in missing), missing
        for qid in wanted:
            if qid not in QUANTITIES:
                raise ModelError("--quantity", qid, f"unknown quantity of {self.kind}{did_you_mean(qid)} (one of "
                                 f"{', '.join(QUANTITIES)})")
            if qid in missing:
                raise ModelError("--quantity", qid, f"not applicable to model {self.name}: {missing[qid]}")
        return tuple(dict.fromkeys(wanted)), {}  # in the order asked, as the kernel's quantities are


def did_you_mean(qid: str) -> str:
    """"; did you mean 'V_rest'?" for a quantity id close to one of QUANTITIES, else ""."""
    close = difflib.get_close_matches(qid, list(QUANTITIES), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def values_at_rest(report, named: Callable[[dict[str, float]], dict[str, float]] | None = None
                   ) -> tuple[dict[str, float], int]:
    """({quantity: SI value}, reason code for the quantities at the stable rest) of a RestReport followed from
    the start (derive.rest.solve with from_start); ``named(states)``: more quantities at the rest's states."""
    stable = [s for s in report.resting_states if s.stable]
    values = {"resting_states": float(len(report.resting_states)), "stable_states": float(len(stable))}
    fate = report.from_start
    if fate is not None and fate.kind == "unknown" and fate.state is not None:
        return values, EMPTIED  # the run left the states a cell can have (a pump that empties it of Na+)
    if stable and fate is not None and fate.kind != "unknown":
        # a stable state the cell does not come to is no rest of it (Zhang 2000's sinoatrial cell beats beside one)
        if fate.kind == "oscillates":
            return values, BESIDE_REST
        if fate.kind == "drifts":
            return values, NOT_REACHED
        if fate.index >= len(stable):
            return values, OUTSIDE_RANGE
        stable = [stable[fate.index]]
    if fate is None and len(stable) > 1:  # a vrest model without membrane.initial_potential has no start to
        stable = [min(stable, key=lambda s: s.V)]  # follow: it starts at its most negative stable state (derive's
        # V_ss, where `vrest simulate` starts) and stays there
    if len(stable) > 1:  # its run from the start failed
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
    if named is not None:
        values.update(named(rest.states))
    return values, 0


def evaluate_points(start: int, stop: int, rows: np.ndarray, quantities: Sequence[str],
                    display: dict[str, tuple[float, float]], report_at: Callable[[np.ndarray], object],
                    named_at: Callable[[np.ndarray, dict[str, float]], dict[str, float]] | None = None) -> ChunkResult:
    """The chunk's values (display units) and reason codes: ``report_at(row)`` is the RestReport at a point,
    followed from the start, and ``named_at(row, states)`` the quantities beyond QUANTITIES at its rest (a file's
    own); a point whose engine fails counts as REST_FAILED."""
    n = stop - start
    values = {q: np.full(n, np.nan) for q in quantities}
    codes = {q: np.zeros(n, dtype=np.int8) for q in quantities}
    for i, row in enumerate(rows):
        try:
            with np.errstate(all="ignore"):
                named = None if named_at is None else (lambda states, row=row: named_at(row, states))
                found, code = values_at_rest(report_at(row), named)
        except ModelError as error:  # the engine's refusal: a clamped V (g_L = 0 in a lone leak) said as such
            found, code = {}, CLAMPED if error.key == "roles.voltage" and "rate is zero" in error.problem else \
                REST_FAILED
        except (ArithmeticError, ValueError, np.linalg.LinAlgError):
            found, code = {}, REST_FAILED
        for q in quantities:
            value = found.get(q, math.nan)
            reason = code if (q in _AT_REST or q not in found) else 0
            if reason == 0 and not math.isfinite(value):
                reason = NOT_FINITE
            if reason == 0:
                scale, offset = display[q]
                values[q][i] = (value - offset) / scale
            codes[q][i] = reason
    return ChunkResult(start, stop, values, codes)


def run_rest_sweep(model: RestQuantities, plan, quantities: Sequence[str] | None,
                   task: Callable[[int, int, np.ndarray, tuple[str, ...], dict], object], function: Callable, *,
                   out=None, memory: bool = True, engine: str = "local", scheduler: str | None = None,
                   workers: int | None = None, progress: bool = False, chunk: int | None = None):
    """The resting-state quantities of ``model`` at every point of ``plan``: a SweepOutcome (codegen.sweep.api).
    ``task(start, stop, SI points, ids, display)`` is a chunk's task, ``function`` what runs it."""
    from .api import _drive, _layout, _si_points

    ids, not_applicable = model.choose(quantities)
    layout = replace(_layout(model, plan, tuple((q, model.units[q]) for q in ids)), notes=model.notes(ids))
    cores = workers or os.cpu_count() or 1
    in_process = engine == "local" and (plan.size <= IN_PROCESS or cores == 1)
    if chunk is None:  # else a few chunks per worker
        # in this process a chunk a point: a point is a root search of up to seconds, and the progress moves
        chunk = 1 if in_process else max(1, min(MAX_CHUNK, math.ceil(plan.size / (4 * cores))))
    display = {q: model.display(q) for q in ids}
    tasks = (task(start, stop, _si_points(plan, start, stop)[1], ids, display) for start, stop in plan.chunks(chunk))
    return _drive(model, plan, layout, tasks, function, out, memory, engine, scheduler, 1 if in_process else workers,
                  progress, chunk, not_applicable)
