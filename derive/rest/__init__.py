"""The resting-state engine: every equilibrium of any ODE system in a voltage range.

``find_resting_states(system)`` eliminates the gates at fixed V (x_inf(V)), brackets the rate of V
on a fine grid, solves the full system by Newton with the analytic Jacobian from each bracket,
finds linear conservation laws numerically and fixes them from the start state, and classifies
each equilibrium by the eigenvalues of the Jacobian (conservation directions removed).
"""

from .conservation import ConservedQuantity
from .engine import DEFAULT_RANGE, RestingState, RestReport, find_resting_states, solve, verdict
from .evaluator import Evaluator, LambdifyEvaluator, Prepared, prepare
from .problem import RestProblem, currents_function, rest_problem
from .loader import SYSTEM_READERS, load_system

__all__ = [
    "find_resting_states", "RestingState", "RestReport", "ConservedQuantity", "Evaluator", "LambdifyEvaluator",
    "Prepared", "prepare", "load_system", "SYSTEM_READERS", "DEFAULT_RANGE", "verdict", "solve", "RestProblem",
    "rest_problem", "currents_function",
]
