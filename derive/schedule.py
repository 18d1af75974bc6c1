"""A scenario's parameter values over time: what is in force from each step on.

SymPy-free on purpose: ``vrest simulate`` of a cached model uses it with plain floats, and
derivations and exporters with exact values. A step sets a parameter to a value, or scales
it: a factor multiplies the value in ``base`` (the model file's), not the value in force,
so a later step with factor 1 restores it (a washout). A parameter no step mentions keeps
its base value; one a step changed keeps that value until a later step changes it again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

__all__ = ["parameter_schedule", "values_after"]


class _Change(Protocol):
    parameter: str
    operation: str  # "set" or "scale"
    value: Any


class _Step(Protocol):
    at: Any
    changes: Iterable[_Change]


def values_after(steps: Iterable[_Step], base: Mapping[str, Any]) -> dict[str, Any]:
    """The parameter values in force after all of ``steps`` (applied in order) from ``base``."""
    values = dict(base)
    for step in steps:
        for change in step.changes:
            if change.parameter not in base:
                raise KeyError(f"no parameter {change.parameter!r} to change")
            factor = base[change.parameter] if change.operation == "scale" else 1
            values[change.parameter] = factor * change.value
    return values


def parameter_schedule(steps: Iterable[_Step], base: Mapping[str, Any]) -> list[tuple[Any, dict[str, Any]]]:
    """[(t_from, values in force from t_from on), ...]: ``base`` from t = 0, then one entry per step.

    A step at t = 0 gives a first segment of length zero; callers integrate none of it.
    """
    steps = list(steps)
    out: list[tuple[Any, dict[str, Any]]] = [(0, dict(base))]
    for k, step in enumerate(steps):
        out.append((step.at, values_after(steps[: k + 1], base)))
    return out
