"""The Derivation record and the high-precision numerics every derivation shares."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import mpmath
import sympy as sp

from .functions import _mp_exprel, _mp_exprel_prime
from .latex import latex
from .units import convert

__all__ = ["Step", "Derivation", "NotApplicable", "NoSteadyState", "evaluate", "monotone_root", "WORKING_DIGITS",
           "definitions", "equation", "CURRENT_BALANCE"]

WORKING_DIGITS = 40  # mpmath precision for values: far beyond double, so results are exact to 1e-15
# The function whose root is a resting potential (monotone_root names it when there is none).
CURRENT_BALANCE = "the total membrane current (outward positive)"

_MPMATH_FUNCTIONS = {"exprel": _mp_exprel, "exprel_prime": _mp_exprel_prime}


def equation(lhs, rhs) -> sp.Equality:
    """The equation lhs = rhs as written. SymPy's Eq first tries to decide it (asking the assumptions system about
    the whole difference: most of a derivation's time), and a derivation's equations are statements to show."""
    return sp.Eq(lhs, rhs, evaluate=False)


class NotApplicable(Exception):
    """The model lacks what a quantity needs; the message says what."""


class NoSteadyState(NotApplicable):
    """The defining equations have no physical solution; the message says why."""


@dataclass(frozen=True)
class Step:
    """One line of a derivation as a careful person writes it: a sentence and an equation.

    ``given`` states what the step uses besides the step before, so a reader
    (and tests/test_derivation_steps.py) can check it: substitutions
    ``Eq(symbol, expression)`` (a law, X_i = X_o r_D^z, a definition of a new
    symbol) turn the previous equation into this one; any other equation is a
    further condition combined with the previous one (two conditions fixing two
    unknowns), which holds at the derivation's ``at`` point.
    """

    text: str
    equation: sp.Eq
    given: tuple[sp.Eq, ...] = ()


@dataclass(frozen=True)
class Derivation:
    """A derived quantity: closed form (or defining equation), assumptions, steps and value.

    ``value`` is SI; ``unit`` is the unit docs/model-format.md reports it in.
    For ``method == "numeric root"`` there is no closed form: ``expression`` is
    the left side of the equation ``expression = 0`` that was solved.
    """

    id: str
    expression: sp.Expr
    value: float
    unit: str
    description: str
    method: str = "closed form"
    assumptions: tuple[str, ...] = ()
    steps: tuple[Step, ...] = field(default=())
    # Values (SI) of the symbols whose value at the result differs from the model's given one:
    # the state the result refers to (V and I_pump at pump_max, the amounts at the steady volume).
    at: tuple[tuple[sp.Symbol, float], ...] = ()
    # The closed form in the names of the quantities it is built on (tau_m = C_m/g_leak), for people;
    # ``expression`` stays the form in the model's parameters. None: the two are the same.
    in_names: sp.Expr | None = None
    # A model with several resting states: the value at each (SI, in order of V) and whether each is
    # stable; ``value`` is then the first stable state's (where vrest simulate starts).
    values: tuple[float, ...] = ()
    stable: tuple[bool, ...] = ()
    # Where the model breaks the closed form's assumption, in a few words the table shows beside it (Mullins-Noda's
    # Cl left out of a cell whose Cl leak carries current); the description says it too.
    caveat: str | None = None
    # Further machine-readable results (JSON-ready, SI): the eigenvalues of each resting state, ...
    data: tuple[tuple[str, object], ...] = ()

    def __repr__(self) -> str:  # the value in its unit; the field ``value`` is SI
        unit = "" if self.unit == "1" else f" {self.unit}"
        return (f"Derivation(id={self.id!r}, value={self.display_value:.6g}{unit} (SI {self.value!r}), "
                f"method={self.method!r}, expression={self.expression_text!r})")

    @property
    def display_value(self) -> float:
        """The value in ``unit`` (mV, ms, ...)."""
        return self._shown(self.value)

    @property
    def display_values(self) -> tuple[float, ...]:
        """Every resting state's value in ``unit`` (just the value when there is one)."""
        return tuple(self._shown(v) for v in self.values) if self.values else (self.display_value,)

    def _shown(self, value: float) -> float:
        return convert(value, self.unit) if self.unit != "1" else float(value)

    @property
    def equation(self) -> sp.Eq:
        if self.method == "numeric root":
            return equation(self.expression, 0)
        return equation(sp.Symbol(self.id), self.expression)

    @property
    def shown_equation(self) -> sp.Eq:
        """``equation`` with the closed form in the names of the quantities it is built on."""
        if self.in_names is None or self.method == "numeric root":
            return self.equation
        return equation(sp.Symbol(self.id), self.in_names)

    @property
    def expression_text(self) -> str:
        """Plain text in the model's symbol names and the ids it is built on, parseable by ``vrest verify``."""
        text = sp.sstr(self.expression if self.in_names is None else self.in_names)
        return f"{text} = 0" if self.method == "numeric root" else text

    @property
    def latex(self) -> str:
        return latex(self.shown_equation)

    def _repr_latex_(self) -> str:
        """The result, then each step's equation numbered (Jupyter renders each $...$ with MathJax)."""
        label = f"{latex(sp.Symbol(self.id))}:\\quad " if self.method == "numeric root" else ""  # "... = 0" of what
        lines = [f"$\\displaystyle {label}{self.latex}$"]
        lines += [f"$\\displaystyle \\text{{({i})}}\\quad {latex(step.equation)}{_using(step)}$"
                  for i, step in enumerate(self.steps, start=1)]
        return "\n\n".join(lines)


def _using(step: Step) -> str:
    if not step.given:
        return ""
    return "\\quad \\text{using } " + ",\\ ".join(latex(relation) for relation in step.given)


def definitions(named: Iterable[tuple[sp.Symbol, sp.Expr]], expr: sp.Expr,
                keep: Iterable[sp.Symbol] = ()) -> tuple[sp.Eq, ...]:
    """The relations ``symbol = definition`` of ``named`` that expanding ``expr`` uses, in ``named``'s order.

    Followed through the definitions themselves (I_K uses E_K); symbols in
    ``keep`` stay names. What a step states as ``given`` when it inserts laws.
    """
    named = tuple(named)
    table, keep = dict(named), set(keep)
    used: set[sp.Symbol] = set()
    pending = [s for s in sp.sympify(expr).free_symbols if s in table and s not in keep]
    while pending:
        symbol = pending.pop()
        if symbol not in used:
            used.add(symbol)
            pending += [s for s in table[symbol].free_symbols if s in table and s not in keep]
    return tuple(equation(symbol, definition) for symbol, definition in named if symbol in used)


def as_numbers(values: Mapping[sp.Symbol, sp.Expr], digits: int = WORKING_DIGITS + 10) -> dict[sp.Symbol, sp.Expr]:
    """``values`` with every number as a Float of ``digits`` digits, to substitute into an expression that is then
    evaluated: substituted exactly, SymPy turns exp(V/12 - E_K/12), E_K = RT/F ln(K_o/K_i), into a power of
    K_o/K_i with a rational exponent of many digits, and at some K_o (3.08817 mM) computed it for ever."""
    out = {}
    for symbol, value in values.items():
        value = sp.sympify(value)
        out[symbol] = sp.Float(value.evalf(digits), digits) if value.is_number else value
    return out


def evaluate(expr: sp.Expr, values: Mapping[sp.Symbol, sp.Expr]) -> mpmath.mpf:
    """Evaluate ``expr`` at exact parameter values with WORKING_DIGITS digits.

    Raises NoSteadyState if the result is not a finite real number.
    """
    result = sp.sympify(expr).xreplace(as_numbers(values)).evalf(WORKING_DIGITS)
    if not result.is_Number or not result.is_finite or not result.is_real:
        raise NoSteadyState(f"the expression has no finite real value at the model's parameters ({result})")
    return result._to_mpmath(result._prec)


def mp_function(expr: sp.Expr, variable: sp.Symbol, values: Mapping[sp.Symbol, sp.Expr]) -> Callable:
    """``expr`` as an mpmath function of ``variable``, the other symbols fixed at ``values``."""
    fixed = expr.xreplace(as_numbers({k: v for k, v in values.items() if k != variable}))
    return sp.lambdify(variable, fixed, modules=[_MPMATH_FUNCTIONS, "mpmath"])


def monotone_root(f: Callable, start: float = -0.1, stop: float = 0.1, limit: float = 10.0,
                  what: str = "the function", unit: str = "") -> mpmath.mpf:
    """The root of an increasing function, bracketed by widening [start, stop] up to +-limit.

    Illinois (a bracketing secant method) cannot leave the bracket, so it
    converges for every increasing function; exact to WORKING_DIGITS. ``what``
    and ``unit`` name f and its variable when there is no root.
    """
    with mpmath.workdps(WORKING_DIGITS):
        lo, hi = mpmath.mpf(start), mpmath.mpf(stop)
        while f(lo) > 0:
            if lo < -limit:
                raise NoSteadyState(f"{what} stays positive down to {float(lo):g}{unit}: no root")
            lo *= 2
        while f(hi) < 0:
            if hi > limit:
                raise NoSteadyState(f"{what} stays negative up to {float(hi):g}{unit}: no root")
            hi *= 2
        try:
            return mpmath.findroot(f, (lo, hi), solver="illinois", tol=mpmath.mpf(10) ** (-2 * WORKING_DIGITS + 10))
        except (ValueError, ZeroDivisionError) as failure:  # mpmath: "Could not find root within given tolerance"
            raise NoSteadyState(f"the root between {float(lo):.6g} and {float(hi):.6g} was not found to "
                                f"{WORKING_DIGITS} digits ({str(failure).splitlines()[0]})") from None
