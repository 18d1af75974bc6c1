"""Which points a sweep visits: a grid of the varied keys, or samples drawn from their ranges.

Points are numbered 0..size-1: a grid in C order (the first key slowest, as the nested JSON
lists), samples in the order drawn. ``points(start, stop)`` gives any run of them without the
others, so chunks are independent and memory stays bounded: the grid by unravelling the index,
random samples from a PCG64 stream advanced to the chunk's start, Sobol points by fast-forwarding
the (scrambled) sequence; a Latin hypercube is one design, drawn once (8 bytes per sample and key).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from vrest.derive.errors import ModelError

from .ranges import RangeValues
from .spec import Dimension

__all__ = ["Plan", "METHODS", "check_distinct", "check_method"]

METHODS = ("grid", "random", "lhs", "sobol")
DESIGN = "design"  # points given by the caller (a sensitivity analysis' sample)


# Keys of one value under two names: the impermeant inside is its amount N_A or its concentration A_i = N_A/Vol
_TIED = (("impermeant.concentration", "impermeant.amount", "the impermeant amount N_A = A_i Vol"),)


def check_distinct(dims) -> None:
    """Each --vary sets a parameter of its own: a key given twice, or two keys of one parameter, is refused."""
    keys = [d.key for d in dims]
    twice = next((k for k in keys if keys.count(k) > 1), None)
    if twice:
        raise ModelError("--vary", twice, "varied twice")
    for first, second, what in _TIED:
        if first in keys and second in keys:
            raise ModelError("--vary", second, f"sets the same value as --vary {first} ({what}): vary one of them")
    parameters = [d.parameter for d in dims]
    same = next((d for d in dims if parameters.count(d.parameter) > 1), None)
    if same:
        raise ModelError("--vary", same.key, f"sets the same parameter ({same.parameter}) as another --vary")


def check_method(method: str, samples: int | None) -> None:
    """--method and --samples together: checked before the --vary ranges, whose count a grid alone needs."""
    if method not in METHODS:
        raise ModelError("--method", method, f"one of {', '.join(METHODS)}")
    if method == "grid" and samples is not None:
        raise ModelError("--samples", samples, "samples need --method random, lhs or sobol")
    if method != "grid" and (samples is None or samples < 1):
        raise ModelError("--samples", samples, f"--method {method} needs --samples N (N >= 1)")


@dataclass(frozen=True)
class Plan:
    """The dimensions, and how points are chosen: ``method`` "grid", or "random", "lhs", "sobol" with ``samples``."""

    dims: tuple[Dimension, ...]
    method: str = "grid"
    samples: int | None = None
    seed: int = 0
    design: np.ndarray | None = field(default=None, compare=False, repr=False)  # (samples, n_dims) in the dims' units

    def __post_init__(self) -> None:
        if self.method == DESIGN:
            return
        check_method(self.method, self.samples)
        if not self.dims:
            raise ModelError("--vary", None, "give at least one --vary KEY=SPEC")
        check_distinct(self.dims)

    @property
    def sampled(self) -> bool:
        return self.method != "grid"

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.samples,) if self.sampled else tuple(len(d.values) for d in self.dims)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def chunks(self, size: int) -> list[tuple[int, int]]:
        """[(start, stop), ...] covering every point, ``size`` points each (the last may be shorter)."""
        return [(start, min(start + size, self.size)) for start in range(0, self.size, size)]

    def points(self, start: int, stop: int) -> np.ndarray:
        """The points start..stop-1, shape (stop - start, n_dims), each key in its Dimension's unit."""
        if not self.sampled:
            index = np.unravel_index(np.arange(start, stop), self.shape)
            return np.column_stack([axis[i] for axis, i in zip(self._axes, index)])
        if self.method == DESIGN:
            return np.array(self.design[start:stop], dtype=float)
        u = self._unit_cube(start, stop)
        return np.column_stack([d.from_unit_cube(u[:, k]) for k, d in enumerate(self.dims)])

    def _unit_cube(self, start: int, stop: int) -> np.ndarray:
        d = len(self.dims)
        if self.method == "random":
            generator = np.random.PCG64(self.seed)
            generator.advance(start * d)  # one 64-bit draw per double: the same points whatever the chunks
            return np.random.Generator(generator).random((stop - start, d))
        if self.method == "sobol":
            from scipy.stats import qmc

            sequence = qmc.Sobol(d, scramble=True, seed=self.seed)
            if start:  # SciPy cannot fast-forward by 0
                sequence.fast_forward(start)
            with warnings.catch_warnings():  # balance needs a power of 2; any N is a valid prefix
                warnings.simplefilter("ignore", UserWarning)
                return sequence.random(stop - start)
        return self._latin_hypercube[start:stop]

    @cached_property
    def _axes(self) -> tuple[np.ndarray | RangeValues, ...]:
        """The grid's values per key, indexable by an index array: a list's as an array, made once (not again for
        every chunk); a range's computed for the chunk's indices only (a long axis is never all in memory)."""
        return tuple(d.values if isinstance(d.values, RangeValues) else np.asarray(d.values, dtype=float)
                     for d in self.dims)

    @cached_property
    def _latin_hypercube(self) -> np.ndarray:
        from scipy.stats import qmc

        return qmc.LatinHypercube(len(self.dims), seed=self.seed).random(self.samples)
