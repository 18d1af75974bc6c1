"""Claims with an absolute value: right on one side of its kink only.

E_K = RT/F ln(K_o/K_i) (Nernst) is negative in every cell (K_o < K_i), so -|RT/F ln(K_o/K_i)| equals it over
every physiological sample, and was said to hold. It does not: with K_o > K_i (a bath richer in K+ than the
cell) E_K is positive. Such claims are sampled over ranges 30 times wider too.
"""

from __future__ import annotations

import mpmath
import pytest
from vrest.derive.verify import verify

R, F = mpmath.mpf("8.314462618"), mpmath.mpf("96485.33212")  # CODATA 2018


def _nernst_mv(t, k_o, k_i) -> mpmath.mpf:
    """E_K (mV) at T (K) and the concentrations (any one unit)."""
    return 1000 * R * mpmath.mpf(t) / F * mpmath.log(mpmath.mpf(k_o) / mpmath.mpf(k_i))


def _nernst_at(inputs) -> mpmath.mpf:
    return _nernst_mv(*(inputs[k].value for k in ("T", "K_o", "K_i")))


@pytest.mark.parametrize("claim, slip", [
    ("E_K = -abs(RT/F ln(K_o/K_i))", ("absolute value: |log(K_o/K_i)| is -log(K_o/K_i) only where log(K_o/K_i) < 0; "
                                      "with -log(K_o/K_i) in its place the claim holds for every value")),
    ("E_K = -RT/F abs(ln(K_i/K_o))", ("absolute value: |log(K_i/K_o)| is log(K_i/K_o) only where log(K_i/K_o) > 0; "
                                      "with log(K_i/K_o) in its place the claim holds for every value"))])
def test_minus_the_absolute_value_of_e_k_fails_where_the_bath_holds_more_k(claim, slip):
    result = verify(claim)
    assert not result.holds and result.diagnosis == slip
    example = result.counterexample
    assert example.inputs["K_o"].value > example.inputs["K_i"].value  # the other side of the kink
    e_k = _nernst_at(example.inputs)
    assert example.correct.value == pytest.approx(float(e_k), rel=1e-9)
    assert example.claimed.value == pytest.approx(float(-abs(e_k)), rel=1e-9)


def test_an_absolute_value_that_changes_nothing_still_holds():
    """|K_o/K_i| is K_o/K_i for every positive concentration: the wider ranges keep them positive."""
    result = verify("E_K = RT/F ln(abs(K_o/K_i))")
    assert result.holds and result.holds_only is None


def test_a_harmless_absolute_value_leaves_the_other_slips_to_be_named():
    """ln|K_i/K_o| = -ln(K_o/K_i): the absolute value changes nothing, the ratio is inverted."""
    result = verify("E_K = RT/F ln(abs(K_i/K_o))")
    assert not result.holds and result.diagnosis == "ratio inverted"
    assert result.counterexample.claimed.value == pytest.approx(-float(_nernst_at(result.counterexample.inputs)),
                                                                rel=1e-9)


def test_an_absolute_value_of_the_driving_force_holds_at_rest_only_and_is_named():
    """g_K |V - E_K| is I_K = g_K (V - E_K) wherever V > E_K (rest included), not below E_K: exit 3's verdict with the
    slip, and no difference "0 only at V = V_ss" (it is 0 on all of V > E_K). At V = -100 mV the two are
    +-g_K (E_K - V) = +-0.1 mS/cm^2 (95.0226 - 100) mV (neuron's g_K; E_K from Nernst in mpmath)."""
    result = verify("I_K = g_K*abs(V - E_K)")
    assert result.holds and result.holds_only == "rest"
    identity = result.identity
    assert identity.difference is None and identity.diagnosis.startswith("absolute value: |E_K - V| is -(E_K - V)")
    e_k = _nernst_mv("310.15", 4, 140)
    assert identity.counterexample.inputs["V"].value == -100.0
    assert identity.counterexample.correct.value == pytest.approx(float(mpmath.mpf("0.1") * (-100 - e_k)), rel=1e-9)


def test_an_absolute_value_on_the_side_taken_as_correct_is_named_as_left_out():
    """|E_K - E_Na| = RT/F ln(Na_o K_i/(Na_i K_o)) = E_Na - E_K: equal only where E_Na > E_K, as in every cell."""
    result = verify("abs(E_K - E_Na) = RT/F ln((Na_o K_i)/(Na_i K_o))")
    assert not result.holds
    assert result.diagnosis == "absolute value left out: -(E_K - E_Na) is |E_K - E_Na| only where E_K - E_Na < 0"
    assert result.counterexample.claimed.value == pytest.approx(-result.counterexample.correct.value, rel=1e-12)
