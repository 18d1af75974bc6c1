"""What the export tests of imported models compare with: the imported system's rates at its
initial state, evaluated at 30 digits (mpmath through SymPy's evalf) from the equations as
vrest read them, stimulus off; independent of the exports' printers and exprel forms."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp

from vrest.derive.importers import read_model_file
from vrest.derive.rest import LambdifyEvaluator, prepare
from vrest.derive.system import TIME, OdeSystem

MODELS_DIR = Path(__file__).parent / "models"
# The public models every export is checked on (tests/models/README.md gives their sources).
PUBLIC = {
    "luo_rudy_1991": "luo_rudy_1991.cellml",
    "beeler_reuter_1977": "beeler_reuter_model_1977.cellml",
    "hh_1952": "hodgkin_huxley_squid_axon_model_1952_modified.cellml",
    "noble_1962": "noble_model_1962.cellml",
}


def load(key: str) -> OdeSystem:
    return read_model_file(MODELS_DIR / PUBLIC[key])


def reference_rates(system: OdeSystem, digits: int = 30) -> dict[str, float]:
    """{state name: d state/dt (SI) at the initial state}, the stimulus off."""
    values: dict[sp.Symbol, sp.Expr] = {p.symbol: p.value for p in system.parameters}
    values.update({s.symbol: s.initial for s in system.states})
    values[TIME] = sp.Integer(0)
    if system.roles.stimulus is not None:
        values[system.roles.stimulus] = sp.Integer(0)
    known = dict(values)
    for q in system.quantities:  # in dependency order; the stimulus stays 0
        if q.symbol not in known:
            known[q.symbol] = sp.sympify(q.expression).xreplace(known).evalf(digits)
    return {s.symbol.name: float(sp.sympify(s.rhs).xreplace(known).evalf(digits)) for s in system.states}


def rounding_allowance(system: OdeSystem, digits: int = 30) -> dict[str, float]:
    """{state name: what moving every state by 4 units in its last place changes its rate by} at the initial
    state (30 digits): no evaluation in doubles can do better where a rate is a difference of large terms
    (Livshitz-Rudy's m: 1.8e-4 /s from two terms of 200 /s)."""
    values: dict[sp.Symbol, sp.Expr] = {p.symbol: p.value for p in system.parameters}
    if system.roles.stimulus is not None:
        values[system.roles.stimulus] = sp.Integer(0)
    values[TIME] = sp.Integer(0)
    states = [s.symbol for s in system.states]
    y = {s.symbol: s.initial for s in system.states}
    rhs = sp.Matrix([sp.sympify(r).xreplace(values) for r in system.rhs().values()])
    jacobian = rhs.jacobian(states).xreplace(y).evalf(digits)
    eps = 4 * float(np.finfo(float).eps)
    return {s.symbol.name: eps * sum(abs(float(jacobian[i, j])) * abs(float(y[states[j]])) for j in range(len(states)))
            for i, s in enumerate(system.states)}


def assert_rates_agree(got: dict[str, float], reference: dict[str, float], rtol: float = 1e-9,
                       allowance: dict[str, float] | None = None) -> None:
    """Each rate within rtol of the reference, or within ``allowance`` (rounding_allowance) where that is more."""
    assert set(got) == set(reference), (sorted(got), sorted(reference))
    for name, want in reference.items():
        extra = (allowance or {}).get(name, 0.0)
        assert abs(got[name] - want) <= max(rtol * abs(want), extra) + 1e-300, (name, got[name], want)


def radau_states(system: OdeSystem, seconds: float) -> tuple[np.ndarray, np.ndarray]:
    """(initial state, state after ``seconds``) by SciPy's Radau at rtol 1e-12 on the system at rest
    (stimulus off), with the rest engine's evaluator and analytic Jacobian."""
    prepared = prepare(system)
    evaluator = LambdifyEvaluator(prepared)
    y0 = np.array([float(s.initial) for s in system.states])
    solution = solve_ivp(lambda t, y: evaluator.rhs(y, prepared.p), (0.0, seconds), y0, method="Radau", rtol=1e-12,
                         atol=1e-16, jac=lambda t, y: evaluator.jacobian(y, prepared.p))
    assert solution.success
    return y0, solution.y[:, -1]
