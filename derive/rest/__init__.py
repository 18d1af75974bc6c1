"""The resting-state engine: every equilibrium of any ODE system in a voltage range.

``find_resting_states(system)`` eliminates the gates at fixed V (x_inf(V)), brackets the rate of V
on a fine grid, solves the full system by Newton with the analytic Jacobian from each bracket,
finds linear conservation laws numerically and fixes them from the start state, and classifies
each equilibrium by the eigenvalues of the Jacobian (conservation directions removed).
"""

import importlib

# Each public name -> the module that defines it, imported on first use: the engine on a compiled module
# (codegen) needs neither SymPy nor the readers, which prepare, LambdifyEvaluator and load_system import.
_HOMES = {
    "ConservedQuantity": "conservation",
    "DEFAULT_RANGE": "engine", "RestingState": "engine", "RestReport": "engine", "find_resting_states": "engine",
    "solve": "engine", "verdict": "engine",
    "Evaluator": "bound",
    "LambdifyEvaluator": "evaluator", "Prepared": "evaluator", "prepare": "evaluator",
    "RestProblem": "problem",
    "currents_function": "prepared_problem", "rest_problem": "prepared_problem",
    "SYSTEM_READERS": "loader", "load_system": "loader", "model_rest_report": "loader",
}

__all__ = [
    "find_resting_states", "RestingState", "RestReport", "ConservedQuantity", "Evaluator", "LambdifyEvaluator",
    "Prepared", "prepare", "load_system", "model_rest_report", "SYSTEM_READERS", "DEFAULT_RANGE", "verdict", "solve",
    "RestProblem", "rest_problem", "currents_function",
]


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    globals()[name] = value  # the next look-up is an ordinary one
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
