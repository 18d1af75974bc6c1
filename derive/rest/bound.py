"""What the engine evaluates: the ``Evaluator`` protocol (f and J of a system) and ``Bound`` (one with its
parameter values fixed). NumPy only: the engine runs on a compiled module without SymPy
(derive.rest.evaluator builds an Evaluator from a system with SymPy).
"""

from __future__ import annotations

from functools import cached_property
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = ["Evaluator", "Bound"]


@runtime_checkable
class Evaluator(Protocol):
    """Numeric right-hand side and Jacobian of a system, states and parameters in the system's order (SI).

    ``y`` has shape (n,) or (n, N) for N points at once; ``p`` shape (m,); ``t`` a float (s).
    rhs returns shape (n,) or (n, N); jacobian shape (n, n) (one point: d rhs_i / d y_j).
    """

    def rhs(self, y: np.ndarray, p: np.ndarray, t: float = 0.0) -> np.ndarray: ...

    def jacobian(self, y: np.ndarray, p: np.ndarray, t: float = 0.0) -> np.ndarray: ...


class Bound:
    """An evaluator with the parameter values bound: f(y) and J(y) at t = 0 (the system at rest is autonomous)."""

    def __init__(self, evaluator: Evaluator, p, factors=None) -> None:
        self.evaluator = evaluator
        self.p = np.asarray(p, dtype=float)
        self._factors = factors
        # Newton evaluates one point at a time, thousands of times: the evaluator's one-point functions for
        # these parameters, when it has them (compiled code), skip its per-call dispatch.
        point_functions = getattr(evaluator, "point_functions", None)
        self._point = point_functions(self.p) if point_functions is not None else None
        self._runner = getattr(evaluator, "runner", None)

    @cached_property
    def run(self):
        """A run of the model in compiled code, step by step (derive.rest.follow), when the evaluator has one:
        the evaluator's runner for these parameters (ModuleEvaluator.runner), else None."""
        return self._runner(self.p) if self._runner is not None else None

    def factors(self, y: np.ndarray) -> np.ndarray:
        """The rate factor b_i(y_i) of each state (1 where its rate has none; derive.rest.prepared_problem)."""
        if self._factors is None:
            return np.ones_like(np.asarray(y, dtype=float))
        return self._factors(y, self.p)

    def f(self, y: np.ndarray) -> np.ndarray:
        if self._point is not None and y.ndim == 1:
            return self._point[0](0.0, y)
        return self.evaluator.rhs(y, self.p, 0.0)

    def J(self, y: np.ndarray) -> np.ndarray:  # noqa: N802 - the Jacobian's usual name
        if self._point is not None:
            return self._point[1](0.0, y)
        return self.evaluator.jacobian(y, self.p, 0.0)
