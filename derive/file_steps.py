"""The steps of a file's own protocol (SBML events at fixed times, derive.importers.sbml_events) that a run takes.

Apart from the readers: `vrest simulate FILE` takes them from the cached plan without importing SymPy or Myokit.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["active_steps", "by_condition"]


def active_steps(steps, values: Callable[[str], float]) -> tuple:
    """The steps of ``steps`` (timed_steps') whose condition holds at the parameters' SI ``values`` (by name)."""
    return tuple(step for step in steps if all(values(name) == value for name, value in step[3]))


def by_condition(steps) -> str:
    """Which steps wait for which value: "scenario = 1: ouabain_step1; scenario = 2: high_K_step1, high_K_step2"."""
    grouped: dict[tuple, list[str]] = {}
    for name, _, _, condition in steps:
        grouped.setdefault(condition, []).append(name)
    return "; ".join(" and ".join(f"{p} = {v:g}" for p, v in condition) + ": " + ", ".join(names)
                     for condition, names in grouped.items() if condition)
