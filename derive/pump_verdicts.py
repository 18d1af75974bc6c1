"""The words of a verdict on a pump rate, shared by vrest derive (derive.derivations.pump_range) and the
sweep's workers (NumPy only): pure Python, so that both give a point without a steady state the same reason."""

from __future__ import annotations

__all__ = ["PUMP_TOO_WEAK"]

PUMP_TOO_WEAK = ("the pump is too weak to hold the volume against the impermeant anions: the cell swells without "
                 "bound (steady states exist at larger pump rates)")
