"""Removable singularities of rate functions written out by hand are rewritten with exprel: exact at the
0/0 point and near it, unchanged elsewhere."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

from vrest.derive.functions import NUMPY_FUNCTIONS, exprel
from vrest.derive.removable import with_exprel

V, W = sp.symbols("V W", real=True)
P = sp.Symbol("P", positive=True)

CASES = [  # (expression, singular point, the limit there (independent: L'Hopital by hand))
    ("alpha_m", sp.Rational(1, 10) * (V + 40) / (1 - sp.exp(-(V + 40) / 10)), -40, 1.0),
    ("alpha_n, SI", 10 * (1000 * V + 55) / (1 - sp.exp(-(1000 * V + 55) / 10)), sp.Rational(-55, 1000), 100.0),
    ("exp(x) - 1 below", (V - 3) / (sp.exp((V - 3) / 7) - 1), 3, 7.0),
    ("GHK by hand", P * V * (2 - 5 * sp.exp(-V / 25)) / (1 - sp.exp(-V / 25)), 0, -75.0),
    ("inverse form", (sp.exp(V / 4) - 1) / V, 0, 0.25),
]


@pytest.mark.parametrize("name, expr, point, limit", CASES, ids=[c[0] for c in CASES])
def test_rewritten_rates_are_exact_at_and_near_their_singular_point(name, expr, point, limit):
    rewritten = with_exprel(expr, [V])
    assert rewritten.has(exprel)
    f = sp.lambdify([V, P], rewritten, modules=[NUMPY_FUNCTIONS, "numpy"])
    assert f(float(point), 3.0) == pytest.approx(limit * (3.0 if expr.has(P) else 1.0), rel=1e-15)
    exact = sp.lambdify([V, P], expr, modules="mpmath")
    with mpmath.workdps(50):
        for offset in (1e-12, -3e-9, 1e-5, 0.3, -20.0):
            v = float(point) + offset * (float(point) or 1.0) if point else offset
            assert f(v, 3.0) == pytest.approx(float(exact(mpmath.mpf(v), 3)), rel=1e-13)


def test_expressions_without_a_removable_singularity_are_left_alone():
    for expr in (4 * sp.exp(-(V + 65) / 18), 1 / (1 + sp.exp(-(V + 35) / 10)), V / (1 - sp.exp(-W)),
                 (V + 1) / (1 - sp.exp(-(V + 40) / 10))):
        assert with_exprel(expr, [V, W]) == expr
