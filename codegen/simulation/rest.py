"""The generated numeric module (compiled C, or NumPy) as the resting-state engine's evaluator.

The engine (vrest.derive.rest) works with any object that gives f(y, p, t) and J(y, p, t) in the
system's state and parameter order; a generated module has its own parameter list (a vrest model's
ion valences are folded in as literals), so ``ModuleEvaluator`` picks its parameters out of the
system's by name. The module is built once per model and cached (codegen.simulation.numeric).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["ModuleEvaluator", "module_currents", "model_evaluator"]


class ModuleEvaluator:
    """f and J of a generated numeric module, for parameter vectors in ``parameter_names`` order."""

    def __init__(self, module, parameter_names: Sequence[str]) -> None:
        names = list(parameter_names)
        missing = [name for name in module.PARAMETER_NAMES if name not in names]
        if missing:
            raise ValueError(f"the module's parameters {missing} are not the system's")
        self.module = module
        self._index = np.array([names.index(name) for name in module.PARAMETER_NAMES], dtype=int)
        self._point: tuple[bytes, tuple] | None = None

    def quantities(self, y: np.ndarray, p) -> dict[str, float]:
        """Every named quantity of the module (SI) at the state ``y`` with the parameters ``p``."""
        with np.errstate(all="ignore"):
            values = self.module.quantities(np.asarray(y, dtype=float), np.asarray(p, dtype=float)[self._index])
        return {name: float(value) for name, value in values.items()}

    def point_functions(self, p: np.ndarray):
        """The compiled module's one-point rhs(t, y) and jacobian(t, y) for ``p`` (one ctypes call each), or None."""
        if not hasattr(self.module, "point_functions"):
            return None
        key = np.asarray(p, dtype=float).tobytes()
        if self._point is None or self._point[0] != key:
            self._point = (key, self.module.point_functions(np.asarray(p, dtype=float)[self._index]))
        return self._point[1]

    def runner(self, p: np.ndarray):
        """run(y0, span, atol, rtol, watch, max_steps, at, nonnegative): the compiled module run under CVODE for
        ``p`` (codegen.simulation.cvode.watched_run; RunFailed where it fails or spends its ``max_steps``), or None
        where there is no compiled module or no CVODE."""
        from vrest.derive.rest.follow import RunFailed

        from . import cvode

        if not hasattr(self.module, "point_rhs") or cvode.driver() is None:
            return None
        params = np.asarray(p, dtype=float)[self._index]

        def run(y0, span, atol, rtol, watch, max_steps, at, nonnegative=None):
            try:
                return cvode.watched_run(self.module.point_rhs, self.module.point_jacobian, params, y0, atol, rtol,
                                         span, watch, max_steps, at, nonnegative)
            except cvode.CvodeError as error:
                if error.stalled:
                    why = error.said
                elif error.flag == "CV_TOO_MUCH_WORK":
                    why = "its step budget was spent"
                else:
                    why = f"CVODE returned {error.flag}: {error.said}"
                raise RunFailed(why, error.reached) from None

        return run

    def rhs(self, y: np.ndarray, p: np.ndarray, t: float = 0.0) -> np.ndarray:
        y = np.asarray(y, dtype=float)
        point = self.point_functions(p) if y.ndim == 1 else None
        if point is not None:  # compiled C: no NumPy floating-point warnings to silence
            return point[0](t, y)
        with np.errstate(all="ignore"):  # outside a model's domain (log of a negative) is NaN, seen by the caller
            return np.asarray(self.module.rhs(t, y, np.asarray(p)[self._index]), dtype=float)

    def jacobian(self, y: np.ndarray, p: np.ndarray, t: float = 0.0) -> np.ndarray:
        point = self.point_functions(p)
        if point is not None:
            return point[1](t, np.asarray(y, dtype=float))
        with np.errstate(all="ignore"):
            return np.asarray(self.module.jacobian(t, np.asarray(y, dtype=float), np.asarray(p)[self._index]),
                              dtype=float)


def module_currents(module, parameter_names: Sequence[str], currents: Sequence[str]):
    """(y, p) -> the named currents (SI): the module's quantities, or parameters (a constant pump current)."""
    evaluator = ModuleEvaluator(module, parameter_names)
    names = list(parameter_names)

    def evaluate(y: np.ndarray, p: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            values = module.quantities(np.asarray(y, dtype=float), np.asarray(p)[evaluator._index])
        return np.array([float(values[c]) if c in values else float(p[names.index(c)]) for c in currents])

    return evaluate


def model_evaluator(model, parameter_names: Sequence[str], currents: Sequence[str]):
    """(evaluator, currents function) from the cached generated module of a vrest model."""
    from .numeric import load_numeric

    module = load_numeric(model)
    return ModuleEvaluator(module, parameter_names), module_currents(module, parameter_names, currents)
