"""The typical size of each state of a file's model, from which its absolute tolerance is set."""

from __future__ import annotations

from collections.abc import Sequence

# A state's size is at least this fraction of the median of the states in its unit, and a state without a unit (a
# gate, an occupancy) at least this fraction of 1. A value far below it is a zero written out by a run: Faber-Rudy
# 2000's Cainfluxtrack starts at 2.7e-196 mM, and an absolute tolerance from that (1e-206 mM) held CVODE to steps
# shorter than model time's rounding where the state's rate jumps (the upstroke of a paced beat).
SMALLEST_FRACTION = 1e-3


def typical_sizes(values: Sequence[float], units: Sequence[str]) -> list[float]:
    """|value| of each state, at least SMALLEST_FRACTION of the median of the nonzero values in its unit (of 1
    without a unit); a state at 0 that median (1 without a unit, or with no other state in its unit)."""
    sizes = [abs(float(v)) for v in values]
    out = []
    for size, unit in zip(sizes, units):
        same = sorted(s for s, u in zip(sizes, units) if u == unit and s > 0)
        typical = same[len(same) // 2] if unit and same else 1.0
        out.append(max(size, SMALLEST_FRACTION * typical) if size > 0 else typical)
    return out
