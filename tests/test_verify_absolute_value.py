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


def _nernst_mv(inputs) -> mpmath.mpf:
    t, k_o, k_i = (mpmath.mpf(inputs[k].value) for k in ("T", "K_o", "K_i"))
    return 1000 * R * t / F * mpmath.log(k_o / k_i)


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
    e_k = _nernst_mv(example.inputs)
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
    assert result.counterexample.claimed.value == pytest.approx(-float(_nernst_mv(result.counterexample.inputs)),
                                                                rel=1e-9)
