"""Approximations: right to order N in a small quantity, with the neglected term's size."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp
from test_verify_symbols import NAMES, RANGES, F, R, S, T

from vrest.derive.verify.approx import check_approximation, parse_limit
from vrest.derive.verify.parse import ParseError, parse_expression
from vrest.derive.verify.problem import Problem

K_i, K_o, Na_i, Na_o, P_K, P_Na = (S[n] for n in ("K_i", "K_o", "Na_i", "Na_o", "P_K", "P_Na"))
GHK = R * T / F * sp.log((P_K * K_o + P_Na * Na_o) / (P_K * K_i + P_Na * Na_i))
REFERENCE = {R: 8.314462618, T: 310.15, F: 96485.33212, K_i: 140, K_o: 4, Na_i: 12, Na_o: 145, P_K: 1.0, P_Na: 0.04}
PROBLEM = Problem(RANGES, reference=REFERENCE, result_unit="V")
SMALL = parse_limit("P_Na/P_K -> 0", NAMES)


def check(text, order=0, limit=SMALL, correct=GHK):
    return check_approximation(parse_expression(text, NAMES), correct, limit, PROBLEM, order)


def test_potassium_nernst_is_the_limit_of_ghk():
    result = check("RT/F ln(K_o/K_i)")
    assert result.holds
    info = result.approximation
    assert info["error_order"] == pytest.approx(1, abs=0.05)
    # Independent size of the neglected part at the reference values (mpmath).
    with mpmath.workdps(30):
        rtf = mpmath.mpf("8.314462618") * mpmath.mpf("310.15") / mpmath.mpf("96485.33212")
        exact = rtf * mpmath.log((4 + mpmath.mpf("0.04") * 145) / (140 + mpmath.mpf("0.04") * 12))
        neglected = float(exact - rtf * mpmath.log(mpmath.mpf(4) / 140))
    assert info["neglected"]["value"] == pytest.approx(neglected, rel=1e-9)
    assert info["neglected"]["unit"] == "V"
    assert info["small_value"] == pytest.approx(0.04)
    assert "P_Na" in info["leading_neglected_term"]


def test_zeroth_order_is_not_first_order():
    result = check("RT/F ln(K_o/K_i)", order=1)
    assert not result.holds
    assert "order (P_Na/P_K)^1" in result.detail


def test_first_order_expansion_by_hand():
    # ln(a + e b) = ln a + e b/a + O(e^2), for numerator and denominator.
    result = check("RT/F (ln(K_o/K_i) + P_Na/P_K (Na_o/K_o - Na_i/K_i))", order=1)
    assert result.holds and result.approximation["error_order"] == pytest.approx(2, abs=0.05)


def test_first_order_with_a_sign_slip():
    result = check("RT/F (ln(K_o/K_i) + P_Na/P_K (Na_o/K_o + Na_i/K_i))", order=1)
    assert not result.holds
    assert result.diagnosis is None  # one term's sign: the correction negated as a whole does not hold either


def test_first_order_correction_with_its_sign_flipped_is_named():
    result = check("RT/F (ln(K_o/K_i) - P_Na/P_K (Na_o/K_o - Na_i/K_i))", order=1)
    assert not result.holds
    assert result.diagnosis == ("sign flipped in the claim's correction to the limit (its term of order "
                                "(P_Na/P_K)^1): with that term's sign flipped the claim holds to order 1")


def test_the_pumps_shift_with_its_sign_flipped_against_the_root():
    """squid's V_ss with GHK leaks is a root (no series): V_leak - I_pump/g_leak is its first order (the
    textbook shift, Keener & Sneyd ch. 2-3); + I_pump/g_leak is that shift's sign flipped."""
    from vrest.derive.verify import verify

    result = verify("V_ss = V_leak + I_pump/g_leak", model="squid", approx="I_pump -> 0", to_order="1 in I_pump")
    assert not result.holds
    assert result.diagnosis.startswith("sign flipped in the claim's correction to the limit (its term of order (I_pump)^1)")
    assert verify("V_ss = V_leak - I_pump/g_leak", model="squid", approx="I_pump -> 0", to_order="1 in I_pump").holds


def test_wrong_limit_gets_a_diagnosis():
    result = check("RT/F ln(K_i/K_o)")
    assert not result.holds and result.diagnosis == "ratio inverted"
    assert "wrong already in the limit" in result.detail


def test_limit_to_infinity():
    limit = parse_limit("P_Na/P_K -> oo", NAMES)
    assert check("RT/F ln(Na_o/Na_i)", limit=limit).holds
    assert not check("RT/F ln(K_o/K_i)", limit=limit).holds
    # to order 1 in P_K/P_Na, the small quantity, said as a power of what tends to infinity
    result = check("RT/F ln(Na_o/Na_i)", order=1, limit=limit)
    assert not result.holds and "at order (P_Na/P_K)^-1" in result.detail


def test_a_constant_term_that_must_vanish_is_said_to_be_0_not_a_rounding():
    """E_K + 0.5 mV: the number would have to be 0 (it was "-2.0881e-50 mV", the 50-digit root's rounding)."""
    from vrest.derive.verify import verify

    result = verify("E_K = RT/F ln(K_o/K_i) + 0.5 mV")
    assert result.identity.diagnosis == "0.5 mV would have to be 0: the claim holds without the term it is in"


def test_taylor_order_in_a_symbol():
    x = sp.Symbol("x", positive=True)
    names = {**NAMES, "x": x}
    limit = parse_limit("x -> 0", names)
    exp_x = sp.exp(x)
    for text, order, holds in [("1 + x", 1, True), ("1 + x", 2, False), ("1 + x + x^2/2", 2, True), ("1 + x + x^2", 2, False)]:
        result = check_approximation(parse_expression(text, names), exp_x, limit, PROBLEM, order)
        assert result.holds is holds, (text, order)


def test_exact_formula_is_right_to_any_order():
    result = check("RT/F ln((K_o + P_Na/P_K Na_o)/(K_i + P_Na/P_K Na_i))", order=3)
    assert result.holds and result.approximation["error_order"] is None


@pytest.mark.parametrize("text", ["P_Na + P_K -> 0", "P_Na/P_K -> 1", "P_Na/P_K", "ln(P_Na) -> 0"])
def test_bad_limits_are_refused(text):
    with pytest.raises(ParseError):
        limit = parse_limit(text, NAMES)
        check("RT/F ln(K_o/K_i)", limit=limit)


@pytest.mark.parametrize("claim, model, option", [
    ("V_ghk = I_K", "squid", {"approx": "P_K -> oo"}),
    ("V_ss = I_pump", "neuron", {"to_order": "1 in I_pump"})])
def test_a_claim_of_another_dimension_is_refused_with_an_approximation_too(claim, model, option):
    """A current per area against a potential: without --approx "wrong dimension"; with it, a current's SI number
    minus a potential's was printed as the claim's error in mV (98.4 mV for V_ghk = I_K)."""
    from vrest.derive.verify import verify

    result = verify(claim, model=model, **option)
    assert not result.holds and result.approximation is None
    assert result.diagnosis.startswith("wrong dimension: the right side is a current per area")
    assert result.dimensions["claimed"]["unit"] == "uA/cm^2" and result.dimensions["correct"]["unit"] == "mV"
