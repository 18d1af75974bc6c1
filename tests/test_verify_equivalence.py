"""Equivalence: symbolic proof first, then reproducible high-precision sampling."""

from __future__ import annotations


import mpmath
import numpy as np
import pytest
import sympy as sp
from test_verify_symbols import RANGES, F, R, S, T, V, ghk_current, nernst

from vrest.derive.functions import exprel
from vrest.derive.verify.equivalence import VerifyError, compare, counterexample, symbolic_zero

K_i, K_o, P_K = S["K_i"], S["K_o"], S["P_K"]
E_K = nernst("K", 1)


def test_log_identity_is_proven_symbolically():
    claimed = -R * T / F * sp.log(K_i / K_o)
    assert compare(claimed, E_K, RANGES).method == "symbolic"
    assert compare(claimed, E_K, RANGES).holds


def test_exprel_form_holds_numerically():
    u = F * V / (R * T)
    claimed = P_K * F * (K_i - K_o * sp.exp(-u)) / exprel(-u)
    result = compare(claimed, ghk_current("K", 1), RANGES)
    assert result.holds and result.method in ("symbolic", "numeric")


def test_cancellation_near_zero_voltage_does_not_fool_the_check():
    # At |V| < 1e-12 V, double precision loses ~11 digits in 1 - exp(-u): a float
    # check with rtol 1e-9 would call these different. mpmath at 50 digits does not.
    u = F * V / (R * T)
    naive = ghk_current("K", 1)
    stable = P_K * F * (K_i - K_o * sp.exp(-u)) / exprel(-u)
    ranges = {**RANGES, V: (-1e-12, 1e-12, False)}
    f_naive = sp.lambdify([R, T, F, V, K_i, K_o, P_K], naive, "numpy")
    args = (8.314, 310.0, 96485.0, 3e-13, 140.0, 4.0, 1.0)
    with mpmath.workdps(50):
        r, t, f, v, ki, ko, p = map(mpmath.mpf, args)
        w = f * v / (r * t)
        exact = float(p * f * w * (ki - ko * mpmath.exp(-w)) / -mpmath.expm1(-w))
    with np.errstate(all="ignore"):
        assert abs(f_naive(*args) - exact) / abs(exact) > 1e-9  # floats are fooled
    assert compare(naive, stable, ranges).holds
    slightly_off = stable * (1 + sp.Rational(1, 10**7))
    assert not compare(slightly_off, naive, ranges).holds


def test_counterexample_is_reproducible_and_carries_units():
    claimed = R * T / F * sp.log(K_i / K_o)
    first = compare(claimed, E_K, RANGES)
    second = compare(claimed, E_K, RANGES)
    assert not first.holds and first.point == second.point
    example = counterexample(first, {"K_o": "mM", "K_i": "mM", "T": "K"}, "V")
    assert example.inputs["K_o"].unit == "mM" and example.inputs["R"].unit is None
    assert example.claimed.value == pytest.approx(-example.correct.value, rel=1e-12)
    assert example.correct.unit == "V"
    # Independent value of the correct side at the counterexample (mpmath).
    x = {k: mpmath.mpf(v.value) for k, v in example.inputs.items()}
    assert example.correct.value == pytest.approx(float(x["R"] * x["T"] / x["F"] * mpmath.log(x["K_o"] / x["K_i"])))
    assert set(example.to_json()) == {"inputs", "claimed", "correct", "rest_potential"}


def test_reference_point_comes_first():
    reference = {R: 8.314462618, T: 310.15, F: 96485.33212, K_i: 140, K_o: 4}
    result = compare(R * T / F * sp.log(K_i / K_o), E_K, RANGES, reference=reference)
    assert {s: float(v) for s, v in result.point.items()} == pytest.approx({s: float(v) for s, v in reference.items()})
    assert float(result.correct) == pytest.approx(-0.0950, abs=2e-4)  # seed: E_K about -95 mV at 37 C


def test_claim_undefined_where_correct_is_defined():
    result = compare(sp.log(V), V, RANGES)
    assert not result.holds and result.claimed is None
    assert counterexample(result).claimed is None


def test_nowhere_defined_correct_expression_is_an_error():
    with pytest.raises(VerifyError):
        compare(V, sp.log(-K_o), RANGES)


def test_symbolic_phase_has_a_time_limit():
    a, b, c, d = (S[n] for n in ("g_K", "g_Na", "g_Cl", "P_K"))
    heavy = (a + b + c + d + 1) ** 40  # (how fast the limit cuts it: benchmarks/verify_refusals.py)
    proven = symbolic_zero(heavy - (a + b + c + d) ** 40, RANGES, timeout=0.3)
    assert proven is False
    assert compare(heavy, heavy * (1 + sp.Rational(1, 10**6)), RANGES, timeout=0.3).holds is False


def test_default_ranges_follow_sign_assumptions():
    x = sp.Symbol("x", positive=True)
    assert compare(sp.sqrt(x**2), x, {}).holds
    y = sp.Symbol("y", real=True)
    assert not compare(sp.sqrt(y**2), y, {}).holds
