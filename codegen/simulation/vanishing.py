"""A run in which an inside concentration reaches 0: where, when, and why.

The equations hold for positive concentrations only (E_X = (R T/(z F)) ln(X_o/X_i)), yet
nothing in them stops an amount from crossing 0: a constant pump keeps taking Na out after
it is gone. ``check`` finds the first amount N_X that is not positive at an output time,
finds the instant it crosses 0 (SciPy, an event on N_X, from the last output time before),
and raises VanishingConcentration. ``explained`` adds the cause the model can name: a blocked leak of an ion
the pump moves, or a pump rate above pump_max, the largest with a steady state (derive.derivations.pump_range).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np

from vrest.derive.errors import ModelError

if TYPE_CHECKING:  # derive.model imports SymPy; check runs without it
    from vrest.derive.model import Model

__all__ = ["VanishingConcentration", "SolverGaveUp", "check", "explained"]


class VanishingConcentration(ModelError):
    """Inside concentration ``name`` (such as "Na_i") falls to 0 at ``t`` (s), with the ``parameters`` (SI, by
    the numeric module's names) in force then; for a batch of parameter sets (``parameters`` None) ``t`` is
    the first output time by which it has."""

    def __init__(self, model_name: str, name: str, t: float, parameters: dict[str, float] | None,
                 cause: str = "") -> None:
        self.name, self.t, self.parameters = name, t, parameters
        when = f"at t = {t:.6g} s" if parameters is not None else f"by t = {t:.6g} s in a parameter set of the batch"
        super().__init__("model", model_name, f"{name} falls to 0 {when} and would go negative after it: the "
                         f"model holds for positive concentrations only, so the run stops"
                         f"{f'; {cause}' if cause else ''}")


class SolverGaveUp(ModelError):
    """The ODE solver gave up on a run (``problem``: where and why, in words), with the ``parameters`` (SI, by the
    numeric module's names) in force then; None for a batch of parameter sets."""

    def __init__(self, model_name: str, problem: str, parameters: dict[str, float] | None, cause: str = "") -> None:
        self.said, self.parameters = problem, parameters
        super().__init__("model", model_name, f"{problem}{f'; {cause}' if cause else ''}")


def _amounts(module) -> list[tuple[int, str]]:
    """(state index, concentration name) of every amount state N_X whose concentration X_i is a quantity."""
    names = list(module.STATE_NAMES)
    return [(k, f"{s[2:]}_i") for k, s in enumerate(names)
            if s.startswith("N_") and f"{s[2:]}_i" in module.QUANTITY_NAMES]


def check(module, model_name: str, segments, times: np.ndarray, y: np.ndarray, rtol: float,
          atol: np.ndarray) -> None:
    """VanishingConcentration when an amount is not positive at an output time of the run ``y``."""
    first = None
    for index, name in _amounts(module):
        row = y[index].reshape(-1, times.size)
        bad = np.nonzero((row <= 0).any(axis=0))[0]
        if bad.size and (first is None or bad[0] < first[0]):
            first = (int(bad[0]), index, name)
    if first is None:
        return
    j, index, name = first
    if y.ndim > 2 or j == 0:  # a batch, or a start that is not positive: the output time says when
        t = float(times[j])
    else:
        t = _crossing(module, segments, float(times[j - 1]), y[:, j - 1], float(times[j]), index, rtol, atol)
    parameters = None
    if y.ndim == 2:
        k = int(np.searchsorted([at for at, _ in segments[1:]], t, side="right"))
        parameters = {p: float(np.asarray(v).item()) for p, v in zip(module.PARAMETER_NAMES, segments[k][1])}
    raise VanishingConcentration(model_name, name, t, parameters)


def _crossing(module, segments, t0: float, x: np.ndarray, t1: float, index: int, rtol: float,
              atol: np.ndarray) -> float:
    """The time in (t0, t1] at which state ``index`` reaches 0, integrating from ``x`` at t0 (SciPy Radau with an
    event); t1 when no event is found."""
    from scipy.integrate import solve_ivp

    starts = [at for at, _ in segments]
    for k, (at, rows) in enumerate(segments):
        end = min(starts[k + 1], t1) if k + 1 < len(segments) else t1
        begin = max(at, t0)
        if end <= begin:
            continue
        point = [float(np.asarray(v).item()) for v in rows]  # a batch of one point holds arrays of one

        def amount(t, state):
            return state[index]

        amount.terminal, amount.direction = True, -1
        solution = solve_ivp(lambda t, state: module.rhs(t, state, point), (begin, end), x, method="Radau",
                             jac=lambda t, state: module.jacobian(t, state, point), rtol=rtol, atol=atol,
                             events=amount)
        if solution.t_events[0].size:
            return float(solution.t_events[0][0])
        x = solution.y[:, -1]
    return t1


@contextmanager
def explained(model: Model | str) -> Iterator[None]:
    """Adds to a VanishingConcentration the cause the model names: its pump rate above pump_max then.
    ``model``: the model, or the name or path it is read from (read only when the error comes)."""
    try:
        yield
    except (VanishingConcentration, SolverGaveUp) as error:
        if error.parameters is None:
            raise
        if isinstance(model, str):
            from vrest.derive.builtin import resolve_model

            model = resolve_model(model)
        cause = _pump_cause(model, error.parameters)
        if not cause:
            raise
        if isinstance(error, SolverGaveUp):  # a solver that fails where the cell swells without bound, say why
            raise SolverGaveUp(model.name, error.said, error.parameters, cause) from None
        raise VanishingConcentration(model.name, error.name, error.t, error.parameters, cause) from None


def _pump_cause(model: Model, parameters: dict[str, float]) -> str:
    """"the pump rate ... is above pump_max = ... ..." at ``parameters``, or "" when it is not (or the
    model has no pump_max)."""
    from vrest.derive.derivations.pump_range import emptied_steady_state, pump_excess, rate_unit
    from vrest.derive.steady_state import pump_alone_moves

    symbols = {p.symbol.name: p.symbol for p in model.parameters}
    values = {symbols[name]: value for name, value in parameters.items() if name in symbols}
    alone = pump_alone_moves(model, values)
    if alone:  # a blocked leak, not the pump's rate (pump_max's equations divide by that leak)
        return alone
    excess = pump_excess(model, values)
    if excess is None:  # a steady state with an ion all but gone is no state a solver can follow either
        return emptied_steady_state(model, values) or ""
    rate, edge = excess
    unit = rate_unit(model)  # uA/cm^2 or cm/s: 100 times the SI value either way
    why = (f"it takes out more {edge.ion} than can leak in" if edge.kind == "ion"
           else "no steady state of finite volume exists at this rate")  # what the run does on the way may differ
    return (f"the pump rate in force then, {model.pump.rate.name} = {rate * 100:.6g} {unit}, is above pump_max = "
            f"{edge.rate * 100:.6g} {unit} (the largest with a steady state): {why}")
