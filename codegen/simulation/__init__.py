"""Simulation: generated numeric modules, the CVODE driver, the warm cache, and ``simulate``."""

from .integrate import SimulationResult, simulate, simulate_module, start_state
from .numeric import load_numeric

__all__ = ["SimulationResult", "simulate", "simulate_module", "start_state", "load_numeric"]
