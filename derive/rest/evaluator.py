"""The numbers the engine needs: right-hand side and Jacobian of an ODE system at rest.

``prepare`` turns an OdeSystem into a ``Prepared`` system: the stimulus off (set to 0, so a
stimulus that depends on time drops out), parameter values in force, every removable
singularity written with exprel (derive.removable), right-hand sides in states and parameters
only. ``Evaluator`` is the protocol for f(y, p, t) and J(y, p, t); ``LambdifyEvaluator`` builds
one with sympy.lambdify (common subexpressions shared); a caller may pass a faster one (compiled
code) with the same signature.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol, runtime_checkable

import math

import numpy as np
import sympy as sp

from ..errors import ModelError
from ..functions import EXPREL_PRIME_COEFFS, EXPREL_PRIME_SERIES_BELOW, NUMPY_FUNCTIONS, horner
from ..removable import with_exprel
from ..system import TIME, OdeSystem

__all__ = ["Evaluator", "LambdifyEvaluator", "Bound", "Prepared", "prepare"]


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

    def __init__(self, evaluator: Evaluator, p) -> None:
        self.evaluator = evaluator
        self.p = np.asarray(p, dtype=float)

    def f(self, y: np.ndarray) -> np.ndarray:
        return self.evaluator.rhs(y, self.p, 0.0)

    def J(self, y: np.ndarray) -> np.ndarray:  # noqa: N802 - the Jacobian's usual name
        return self.evaluator.jacobian(y, self.p, 0.0)


@dataclass(frozen=True)
class Prepared:
    """An OdeSystem at rest: the stimulus off, ``p`` the parameter values in force (SI, system order)."""

    system: OdeSystem
    rhs: tuple[sp.Expr, ...]  # in states and parameters only, exprel at removable singularities
    p: np.ndarray

    @property
    def states(self) -> tuple[sp.Symbol, ...]:
        return self.system.state_symbols

    @property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        return tuple(p.symbol for p in self.system.parameters)

    @cached_property
    def values(self) -> dict[sp.Symbol, float]:
        return dict(zip(self.parameters, (float(v) for v in self.p)))

    def quantity_expression(self, symbol: sp.Symbol) -> sp.Expr:
        """A named quantity (or parameter) in states and parameters only, the stimulus off."""
        return _expanded(self.system, symbol)


def prepare(system: OdeSystem, parameters: Mapping[str, float] | None = None) -> Prepared:
    """The system at rest: stimulus 0, ``parameters`` (SI, by name) overriding the system's values."""
    values = {p.name: float(p.value) for p in system.parameters}
    for name, value in (parameters or {}).items():
        if name not in values:
            known = ", ".join(sorted(values)[:12])
            raise ModelError(f"parameters.{name}", value, f"not a parameter of model {system.name} (known: {known}, ...)")
        values[name] = float(value)
    stimulus = system.roles.stimulus
    if stimulus is not None and stimulus.name in values:
        values[stimulus.name] = 0.0
    rhs = []
    variables = set(system.state_symbols) | {TIME}
    for state in system.states:
        expr = _expanded(system, state.rhs)
        if TIME in expr.free_symbols:
            raise ModelError(f"states.{state.symbol.name}", None,
                             "its rate depends on time with the stimulus off: a resting state needs a system "
                             "that does not (name the stimulus, e.g. --stimulus NAME)")
        rhs.append(with_exprel(expr, variables))
    p = np.array([values[p.name] for p in system.parameters], dtype=float)
    return Prepared(system, tuple(rhs), p)


def _expanded(system: OdeSystem, expr: sp.Expr) -> sp.Expr:
    """``expr`` with quantities replaced by their definitions, the stimulus (a quantity or parameter) 0."""
    stimulus = system.roles.stimulus
    for q in reversed(system.quantities):
        expr = expr.xreplace({q.symbol: sp.Integer(0) if q.symbol == stimulus else q.expression})
    if stimulus is not None:
        expr = expr.xreplace({stimulus: sp.Integer(0)})
    return expr


def _exprel(x):
    """exprel for one number without NumPy's array machinery (the engine calls it point by point)."""
    if isinstance(x, float):
        if x == 0.0:
            return 1.0
        try:
            return math.expm1(x) / x
        except OverflowError:
            return math.inf
    return NUMPY_FUNCTIONS["exprel"](x)


def _exprel_prime(x):
    if isinstance(x, float):
        if abs(x) < _PRIME_SERIES_BELOW:
            return horner(x, _PRIME_COEFFS)
        try:
            return ((x - 1.0) * math.expm1(x) + x) / x / x
        except OverflowError:
            return math.inf
    return NUMPY_FUNCTIONS["exprel_prime"](x)


_PRIME_SERIES_BELOW = float(EXPREL_PRIME_SERIES_BELOW)
_PRIME_COEFFS = tuple(float(c) for c in EXPREL_PRIME_COEFFS)
_FUNCTIONS = {"exprel": _exprel, "exprel_prime": _exprel_prime}
_MODULES = [_FUNCTIONS, "numpy"]
_POINT_ERRORS = (OverflowError, ValueError, ZeroDivisionError)  # Python's math where NumPy gives inf or NaN


class _PointFunction:
    """Expressions at one point through Python's math module (a few times faster than NumPy on scalars),
    NaN where math raises (outside the model's domain); NumPy for what math cannot print or call."""

    def __init__(self, args, expressions) -> None:
        self._numpy = None
        self._args, self._expressions = args, expressions
        try:
            self._math = sp.lambdify(args, expressions, modules=[_FUNCTIONS, "math"], cse=True)
        except (NameError, TypeError, ValueError, NotImplementedError, sp.SympifyError):
            self._math = None

    def _numpy_function(self):
        if self._numpy is None:
            self._numpy = sp.lambdify(self._args, self._expressions, modules=_MODULES, cse=True)
        return self._numpy

    def __call__(self, *values):
        if self._math is not None:
            try:
                return self._math(*values)
            except _POINT_ERRORS:
                return None
            except (NameError, TypeError, AttributeError):  # a function math lacks: NumPy from now on
                self._math = None
        with np.errstate(all="ignore"):
            return self._numpy_function()(*values)


class LambdifyEvaluator:
    """f and J by sympy.lambdify of the prepared right-hand sides (analytic Jacobian, shared subexpressions):
    NumPy for many points at once, Python's math for one."""

    def __init__(self, prepared: Prepared) -> None:
        args = [*prepared.states, *prepared.parameters, TIME]
        self._n = len(prepared.states)
        self._rhs = sp.lambdify(args, list(prepared.rhs), modules=_MODULES, cse=True)
        self._rhs_point = _PointFunction(args, list(prepared.rhs))
        jacobian = sp.Matrix(prepared.rhs).jacobian(list(prepared.states))
        self._jacobian = _PointFunction(args, [list(row) for row in jacobian.tolist()])

    def rhs(self, y: np.ndarray, p: np.ndarray, t: float = 0.0) -> np.ndarray:
        y = np.asarray(y, dtype=float)
        if y.ndim == 1:
            rows = self._rhs_point(*y.tolist(), *np.asarray(p, dtype=float).tolist(), float(t))
            return np.full(self._n, np.nan) if rows is None else np.array(rows, dtype=float)
        with np.errstate(all="ignore"):  # outside a model's domain (log of a negative) is NaN, seen by the caller
            rows = self._rhs(*y, *p, t)
        return np.array([np.broadcast_to(row, y.shape[1:]) for row in rows], dtype=float)

    def jacobian(self, y: np.ndarray, p: np.ndarray, t: float = 0.0) -> np.ndarray:
        rows = self._jacobian(*np.asarray(y, dtype=float).tolist(), *np.asarray(p, dtype=float).tolist(), float(t))
        if rows is None:
            return np.full((self._n, self._n), np.nan)
        return np.array(rows, dtype=float).reshape(self._n, self._n)
