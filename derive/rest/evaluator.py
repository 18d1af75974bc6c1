"""The numbers the engine needs: right-hand side and Jacobian of an ODE system at rest.

``prepare`` turns an OdeSystem into a ``Prepared`` system: the stimulus off (set to 0, so a
stimulus that depends on time drops out), parameter values in force, every removable
singularity written with exprel (derive.removable), the named quantities kept as intermediates.
``Evaluator`` (derive.rest.bound) is the protocol for f(y, p, t) and J(y, p, t); ``LambdifyEvaluator`` builds one with
sympy.lambdify (the Jacobian by the chain rule through the quantities); a caller may pass a faster
one (compiled code) with the same signature.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import math

import numpy as np
import sympy as sp

from ..errors import ModelError
from ..functions import EXPREL_PRIME_COEFFS, EXPREL_PRIME_SERIES_BELOW, NUMPY_FUNCTIONS, horner
from ..removable import with_exprel
from ..system import TIME, OdeSystem
from .bound import Bound, Evaluator
from .exp_sums import derivative
from .named_roles import stimulus_hint

__all__ = ["Evaluator", "LambdifyEvaluator", "Bound", "Prepared", "prepare"]


@dataclass(frozen=True, eq=False)
class Prepared:
    """An OdeSystem at rest, ready for numbers: the stimulus off, ``p`` the parameter values in force
    (SI, system order), every expression in canonical symbols (states _y0.., parameters _p0..,
    quantities _q0.., time _t: no name from a model can clash with a function in generated code).

    The quantities stay named (``definitions``, in dependency order), so a model of 41 states is not
    expanded into enormous expressions; the Jacobian is built by the chain rule through them, each
    derivative of a quantity a named intermediate too.
    """

    system: OdeSystem
    rhs: tuple[sp.Expr, ...]  # in states, parameters, quantities
    definitions: tuple[tuple[sp.Symbol, sp.Expr], ...]  # quantities, exprel at removable singularities
    p: np.ndarray
    names: Mapping[sp.Symbol, sp.Symbol]  # the system's symbol -> its canonical symbol

    @property
    def states(self) -> tuple[sp.Symbol, ...]:
        return tuple(self.names[s] for s in self.system.state_symbols)

    @property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        return tuple(self.names[p.symbol] for p in self.system.parameters)

    @property
    def arguments(self) -> list[sp.Symbol]:
        return [*self.states, *self.parameters, _T]

    def canonical(self, expr: sp.Expr) -> sp.Expr:
        """A system expression (states, parameters, quantities, TIME) in canonical symbols."""
        return sp.sympify(expr).xreplace(self.names)

    @cached_property
    def _derivatives(self) -> tuple[dict[sp.Symbol, dict[int, sp.Symbol]], tuple[tuple[sp.Symbol, sp.Expr], ...]]:
        """({quantity: {state index: symbol of d quantity / d state}}, every named intermediate's definition in
        order: the quantities and, after each, its derivatives), by forward accumulation."""
        index = {s: i for i, s in enumerate(self.states)}
        gradients: dict[sp.Symbol, dict[int, sp.Symbol]] = {}
        ordered: list[tuple[sp.Symbol, sp.Expr]] = []
        for symbol, expr in self.definitions:
            ordered.append((symbol, expr))
            gradients[symbol] = {}
            for i, derivative in sorted(_gradient(expr, index, gradients).items()):  # the same names in every run
                d_symbol = sp.Symbol(f"_d{len(ordered)}", real=True)
                ordered.append((d_symbol, derivative))
                gradients[symbol][i] = d_symbol
        return gradients, tuple(ordered)

    @cached_property
    def jacobian_entries(self) -> tuple[dict[int, sp.Expr], ...]:
        """Row i: {j: d rhs_i / d state_j} (the nonzero entries), in states, parameters and named intermediates."""
        index = {s: i for i, s in enumerate(self.states)}
        gradients, _ = self._derivatives
        return tuple(_gradient(rhs, index, gradients) for rhs in self.rhs)

    @cached_property
    def _dependencies(self) -> dict[sp.Symbol, frozenset]:
        """Each named intermediate -> the states (and _t) it depends on, through every definition."""
        out: dict[sp.Symbol, frozenset] = {}
        for symbol, expr in self._derivatives[1]:
            out[symbol] = self._depends(expr, out)
        return out

    def _depends(self, expr: sp.Expr, known: Mapping[sp.Symbol, frozenset]) -> frozenset:
        direct = set(self.states) | {_T}
        found: set = set()
        for s in sp.sympify(expr).free_symbols:
            if s in direct:
                found.add(s)
            elif s in known:
                found |= known[s]
        return frozenset(found)

    def depends(self, expr: sp.Expr) -> frozenset:
        """The states (and _t) ``expr`` depends on, through the named intermediates."""
        return self._depends(expr, self._dependencies)

    def intermediates(self, expressions: list) -> list[tuple[sp.Symbol, sp.Expr]]:
        """The named intermediates (quantities and their derivatives) that ``expressions`` (a list, or rows of
        lists) need, each after those it uses: the assignments that compute them."""
        ordered = self._derivatives[1]
        definitions = dict(ordered)
        needed = set().union(set(), *(sp.sympify(e).free_symbols for e in _flat(expressions)))
        stack = [s for s in needed if s in definitions]
        while stack:
            for s in definitions[stack.pop()].free_symbols:
                if s in definitions and s not in needed:
                    needed.add(s)
                    stack.append(s)
        return [(symbol, expr) for symbol, expr in ordered if symbol in needed]

    def function(self, expressions: list, modules=None):
        """f(*states, *parameters, t) -> ``expressions`` (a list, or rows of lists), each named intermediate they
        need computed once, in order."""
        assignments = self.intermediates(expressions)
        return sp.lambdify(self.arguments, expressions, modules=modules or _MODULES,
                           cse=lambda exprs: (assignments, exprs))


_T = sp.Symbol("_t", real=True)  # time in every Prepared expression


def _flat(expressions) -> list:
    out = []
    for e in expressions:
        out.extend(_flat(e) if isinstance(e, (list, tuple)) else [e])
    return out


def _gradient(expr: sp.Expr, index: Mapping[sp.Symbol, int], gradients) -> dict[int, sp.Expr]:
    """{state index: d expr / d state} (nonzero), through the quantities' gradients (chain rule)."""
    out: dict[int, sp.Expr] = {}
    for s in sp.sympify(expr).free_symbols:
        if s in index:
            terms = {index[s]: derivative(expr, s)}
        elif gradients.get(s):
            outer = derivative(expr, s)
            terms = {i: outer * d for i, d in gradients[s].items()}
        else:
            continue
        for i, term in terms.items():
            out[i] = out.get(i, 0) + term
    return {i: e for i, e in out.items() if e != 0}


def _in_dependency_order(definitions: list[tuple[sp.Symbol, sp.Expr]]) -> tuple[tuple[sp.Symbol, sp.Expr], ...]:
    """The definitions, each after those it uses (their given order where it already is)."""
    defined = {symbol: expr for symbol, expr in definitions}
    done: set[sp.Symbol] = set()
    out: list[tuple[sp.Symbol, sp.Expr]] = []
    for symbol, _ in definitions:
        stack = [(symbol, False)]
        while stack:
            current, ready = stack.pop()
            if current in done:
                continue
            if ready:
                done.add(current)
                out.append((current, defined[current]))
                continue
            stack.append((current, True))
            stack.extend((s, False) for s in sorted(defined[current].free_symbols, key=str)  # the same order in every run
                         if s in defined and s not in done)
    return tuple(out)


def prepare(system: OdeSystem, parameters: Mapping[str, float] | None = None, *,
            stimulus_off: bool = True) -> Prepared:
    """The system at rest: stimulus 0, ``parameters`` (SI, by name) overriding the system's values.

    ``stimulus_off=False`` keeps the stimulus as the system writes it, and rates that depend on time (the
    system as a simulation runs it)."""
    values = {p.name: float(p.value) for p in system.parameters}
    for name, value in (parameters or {}).items():
        if name not in values:
            known = ", ".join(sorted(values)[:12])
            raise ModelError(f"parameters.{name}", value,
                             f"not a parameter of model {system.name} (known: {known}, ...)")
        values[name] = float(value)
    stimulus = system.roles.stimulus if stimulus_off else None
    if stimulus is not None and stimulus.name in values:
        values[stimulus.name] = 0.0
    names: dict[sp.Symbol, sp.Symbol] = {TIME: _T}
    names.update({s: sp.Symbol(f"_y{i}", real=True) for i, s in enumerate(system.state_symbols)})
    names.update({p.symbol: sp.Symbol(f"_p{j}", real=True) for j, p in enumerate(system.parameters)})
    names.update({q.symbol: sp.Symbol(f"_q{k}", real=True) for k, q in enumerate(system.quantities)})
    variables = {names[s] for s in system.state_symbols} | {names[q.symbol] for q in system.quantities} | {_T}
    definitions = _in_dependency_order([(names[q.symbol], sp.Integer(0) if q.symbol == stimulus
                                         else with_exprel(sp.sympify(q.expression).xreplace(names), variables))
                                        for q in system.quantities])
    off = {} if stimulus is None or stimulus in names else {stimulus: sp.Integer(0)}  # a stimulus of no other kind
    rhs = tuple(with_exprel(sp.sympify(state.rhs).xreplace(off).xreplace(names), variables) for state in system.states)
    p = np.array([values[p.name] for p in system.parameters], dtype=float)
    prepared = Prepared(system, rhs, definitions, p, names)
    timed = None
    for state, expr in zip(system.states, prepared.rhs) if stimulus_off else ():
        if _T in prepared.depends(expr):
            timed = _timed_when_decided(prepared) if timed is None else timed
            if _T in expr.free_symbols or any(timed.get(s, False) for s in _decided(expr, prepared).free_symbols):
                raise ModelError(f"states.{state.symbol.name}", None,
                                 f"its rate depends on time with the stimulus off: a resting state needs a system "
                                 f"that does not ({stimulus_hint(system)})")
    return prepared


def _decided(expr: sp.Expr, prepared: Prepared) -> sp.Expr:
    """``expr`` with each piecewise condition in parameters alone decided by their values."""
    values = dict(zip(prepared.parameters, (float(v) for v in prepared.p)))
    known = set(values)

    def fold(piecewise: sp.Piecewise) -> sp.Expr:
        kept = []
        for value, condition in piecewise.args:
            if condition.free_symbols and condition.free_symbols <= known:
                condition = condition.xreplace(values)
            if condition == sp.false:
                continue
            kept.append((value, condition))
            if condition == sp.true:
                break
        return sp.Piecewise(*kept) if kept else piecewise

    return expr.replace(lambda e: isinstance(e, sp.Piecewise), fold)


def _timed_when_decided(prepared: Prepared) -> dict[sp.Symbol, bool]:
    """Each named quantity: whether it depends on time once the conditions in parameters alone are decided. An
    experiment's switch that is off takes its timed branch away (Severi 2012: V = V_clamp(t) if clamp_mode >= 1
    else V_ode, with clamp_mode = 0), so the cell at rest does not depend on time."""
    timed: dict[sp.Symbol, bool] = {}
    for symbol, definition in prepared.definitions:  # each after those it uses
        free = _decided(definition, prepared).free_symbols
        timed[symbol] = _T in free or any(timed.get(s, False) for s in free)
    return timed


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
def _exp(x):
    """exp for one number: inf beyond the largest double, as NumPy gives (Python's math raises)."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


_FUNCTIONS = {"exprel": _exprel, "exprel_prime": _exprel_prime}
_MODULES = [_FUNCTIONS, "numpy"]
_MATH = [{**_FUNCTIONS, "exp": _exp}, "math"]
_POINT_ERRORS = (OverflowError, ValueError, ZeroDivisionError)  # Python's math where NumPy gives inf or NaN
_GIVE_UP = 20  # consecutive points where math fails before NumPy takes over for good


class _PointFunction:
    """Expressions at one point through Python's math module (a few times faster than NumPy on scalars);
    NumPy where math raises (outside its domain: NumPy gives inf or NaN in those entries only) or cannot
    call a function."""

    def __init__(self, prepared: Prepared, expressions) -> None:
        self._prepared, self._expressions, self._numpy = prepared, expressions, None
        self._failures = 0
        try:
            self._math = prepared.function(expressions, _MATH)
        except (NameError, TypeError, ValueError, NotImplementedError, sp.SympifyError):
            self._math = None
        self._made = self._math

    def reset(self) -> None:
        """Python's math again, as when made: a new problem may stay inside its domain."""
        self._math, self._failures = self._made, 0

    def _numpy_function(self):
        if self._numpy is None:
            self._numpy = self._prepared.function(self._expressions, _MODULES)
        return self._numpy

    def __call__(self, *values):
        if self._math is not None:
            try:
                result = np.array(self._math(*values), dtype=float)
                self._failures = 0
                return result
            except (*_POINT_ERRORS, TypeError):  # an overflow (inf in NumPy), a negative base to a fractional
                self._failures += 1              # power (complex here, NaN in NumPy): NumPy at this point, and
                if self._failures >= _GIVE_UP:   # from now on when math fails everywhere
                    self._math = None
            except (NameError, AttributeError):  # a function math lacks: NumPy from now on
                self._math = None
        with np.errstate(all="ignore"):  # NumPy numbers: a negative base to a fractional power is NaN, not complex
            return np.array(self._numpy_function()(*(np.float64(v) for v in values)), dtype=float)


class LambdifyEvaluator:
    """f and J by sympy.lambdify of the prepared right-hand sides and their Jacobian (the chain rule through
    the named quantities): NumPy for many points at once, Python's math for one."""

    def __init__(self, prepared: Prepared) -> None:
        self._n = n = len(prepared.states)
        self._rhs = prepared.function(list(prepared.rhs), _MODULES)
        self._rhs_point = _PointFunction(prepared, list(prepared.rhs))
        rows = prepared.jacobian_entries
        self._jacobian = _PointFunction(prepared, [[rows[i].get(j, 0) for j in range(n)] for i in range(n)])

    def reset(self) -> None:
        """As made: for another problem on the same equations (a sweep's next point)."""
        self._rhs_point.reset()
        self._jacobian.reset()

    def rhs(self, y: np.ndarray, p: np.ndarray, t: float = 0.0) -> np.ndarray:
        y = np.asarray(y, dtype=float)
        if y.ndim == 1:
            return self._rhs_point(*y.tolist(), *np.asarray(p, dtype=float).tolist(), float(t))
        with np.errstate(all="ignore"):  # outside a model's domain (log of a negative) is NaN, seen by the caller
            rows = self._rhs(*y, *p, t)
        return np.array([np.broadcast_to(row, y.shape[1:]) for row in rows], dtype=float)

    def jacobian(self, y: np.ndarray, p: np.ndarray, t: float = 0.0) -> np.ndarray:
        rows = self._jacobian(*np.asarray(y, dtype=float).tolist(), *np.asarray(p, dtype=float).tolist(), float(t))
        return rows.reshape(self._n, self._n)
