"""The values of a range axis, computed for any indices on demand instead of held in a list.

A long axis (``1..100 mM 100000000``) never materialises its values: ``RangeValues[index]`` gives
exactly the numbers ``np.linspace(low, high, count)`` (``np.geomspace`` for a log range) has at
those indices, bit for bit, by the same operations NumPy performs: ``i * step + low`` with the last
value set to ``high`` (log: the same in log10, then ``10 ** y``, both ends set to low and high).

A linear range whose ends and step are decimals (``0.02..0.06 mS/cm^2 5``: step 0.01) instead has the decimals
themselves, each as the double nearest it (0.04, where linspace has 0.039999999999999994): with ``decimals`` d,
value i is the integer ``low * 10**d + i * step * 10**d`` divided by ``10**d``, one correctly rounded division.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

__all__ = ["RangeValues", "decimal_places"]

# The most decimals a decimal axis has; its scaled ends stay below 2**50, so that each is a double's round() exactly.
MAX_DECIMALS = 15


@dataclass(frozen=True)
class RangeValues:
    """``count`` values from ``low`` to ``high`` (``count`` >= 2), evenly spaced, or evenly in log when ``log``."""

    low: float
    high: float
    count: int
    log: bool = False
    decimals: int | None = None  # a decimal axis: low and step are whole multiples of 10**-decimals

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index):
        """The values at ``index`` (an int, a slice or an integer array), as ``np.linspace``/``geomspace`` give them."""
        if isinstance(index, slice):
            return self.at(np.arange(self.count)[index])
        if isinstance(index, (int, np.integer)):
            if not -self.count <= index < self.count:
                raise IndexError(f"index {index} out of range for {self.count} values")
            return float(self.at(np.array([index % self.count]))[0])
        return self.at(np.asarray(index))

    def __iter__(self) -> Iterator[float]:
        for start in range(0, self.count, 65536):  # a chunk at a time: never all values as Python floats
            yield from self.at(np.arange(start, min(start + 65536, self.count))).tolist()

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        """All values (8 bytes each): only for what needs them all (file coordinates, JSON, plots)."""
        values = self.at(np.arange(self.count))
        return values if dtype is None else values.astype(dtype)

    def at(self, index: np.ndarray) -> np.ndarray:
        """The values at the integer array ``index`` (0 <= index < count), a new float64 array."""
        index = np.ascontiguousarray(index, dtype=np.intp)
        if self.decimals is not None:
            scale = 10**self.decimals
            low = round(self.low * scale)  # exact: below 2**50, a double's error is under 1/4 here
            step = (round(self.high * scale) - low) // (self.count - 1)
            return (low + index.astype(np.int64) * step) / np.float64(scale)
        if self.log:
            low, high = np.log10(np.float64(self.low)), np.log10(np.float64(self.high))
        else:
            low, high = np.float64(self.low), np.float64(self.high)
        y = _linspace_at(index, low, high, self.count)
        if not self.log:
            return y
        values = np.power(10.0, y)  # np.logspace's base ** y, then geomspace sets both ends exactly
        values[index == 0] = self.low
        values[index == self.count - 1] = self.high
        return values


def decimal_places(low: Fraction, high: Fraction, count: int) -> int | None:
    """The fewest decimals d at which ``low`` and the step (high - low) / (count - 1) are whole multiples of
    10**-d, or None when there is none up to MAX_DECIMALS or a scaled end reaches 2**50."""
    step = (high - low) / (count - 1)
    for d in range(MAX_DECIMALS + 1):
        scale = 10**d
        if (low * scale).denominator == 1 and (step * scale).denominator == 1:
            return d if max(abs(low), abs(high)) * scale < 2**50 else None
    return None


def _linspace_at(index: np.ndarray, start: np.float64, stop: np.float64, count: int) -> np.ndarray:
    """``np.linspace(start, stop, count)[index]``, by NumPy's own steps (numpy/_core/function_base.py)."""
    div = count - 1
    delta = stop - start
    step = delta / div
    y = index.astype(np.float64)
    if step == 0:  # NumPy's path for denormal steps
        y /= div
        y *= delta
    else:
        y *= step
    y += start
    y[index == div] = stop
    return y
