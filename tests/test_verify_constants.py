"""Counterexamples vary only what a model may vary: never R or F, and only within physiological ranges.

R and F are exact constants (CODATA 2018, exact since the 2019 SI); a counterexample
that changes them ("F = 107819 C/mol") is no answer for a physiologist. Property test
over wrong claims made from each model's own formulas by the usual slips.
"""

from __future__ import annotations

from functools import cache

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vrest.derive.units import unit_factor
from vrest.derive.verify import setting, verify

QUANTITIES = {"neuron": ["E_K", "E_Na", "E_Cl", "V_leak", "V_ss", "dV_pump", "tau_m"], "squid": ["E_K", "E_Cl", "V_ghk"]}
CASES = [(m, q) for m, qs in QUANTITIES.items() for q in qs]


@cache
def formula(model: str, quantity: str) -> sp.Expr:
    s = setting(model)
    return s.problem.shown(s.symbol(quantity))


def slipped(model: str, expr: sp.Expr, kind: int, pick: int) -> sp.Expr:
    """A wrong version of expr: a symbol doubled (R and F too), two symbols of one unit swapped, or a sign."""
    syms = sorted(expr.free_symbols, key=lambda s: s.name)
    a = syms[pick % len(syms)]
    dims = setting(model).dimensions
    partners = [b for b in syms if b != a and dims.get(b) == dims.get(a)]
    if kind == 0:
        return expr.xreplace({a: 2 * a})
    if kind == 1 and partners:
        b = partners[pick % len(partners)]
        return expr.xreplace({a: b, b: a})
    return -expr


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(CASES), kind=st.integers(0, 2), pick=st.integers(0, 50))
def test_no_counterexample_changes_R_or_F(case, kind, pick):
    model, quantity = case
    s = setting(model)
    claim = slipped(model, formula(model, quantity), kind, pick)
    result = verify(sp.sstr(claim), against=quantity, model=model)
    if result.holds or result.counterexample is None:
        return
    inputs = result.counterexample.inputs
    assert "R" not in inputs and "F" not in inputs
    ranges = {sym.name: r for sym, r in s.problem.ranges.items()}
    for name, value in inputs.items():
        low, high, _ = ranges[name]
        si = value.value * float(unit_factor(value.unit)) if value.unit not in (None, "1") else value.value
        assert min(low, high) - 1e-9 * abs(low) <= si <= max(low, high) + 1e-9 * abs(high), (name, si, low, high)


def test_R_and_F_are_fixed_at_their_codata_values():
    problem = setting("neuron").problem
    fixed = {sym.name: value for sym, value in problem.fixed.items()}
    assert fixed["R"] == sp.Rational("8.314462618") and fixed["F"] == sp.Rational("96485.33212")
    assert not any(sym.name in ("R", "F") for sym in problem.ranges)
    # Only the model's parameters, concentrations and temperature vary: T within 10 degC of the model's 37 degC,
    # inside 0-45 degC.
    assert {sym.name: r for sym, r in problem.ranges.items()}["T"] == (300.15, 318.15, False)


@pytest.mark.parametrize("claim, inputs", [
    ("R T/F ln(K_i/K_o)", {"K_i", "K_o", "T"}),
    ("2 R T/F ln(K_o/K_i)", set()),  # a claim with a number in it is a claim at the model's values
    ("R T/(2 F) ln(K_o/K_i)", set()),
])
def test_slips_in_R_or_F_are_still_shown_without_changing_them(claim, inputs):
    result = verify(claim, against="E_K")
    assert not result.holds
    assert set(result.counterexample.inputs) == inputs
