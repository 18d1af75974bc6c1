"""A whole number written in place of another: the pump's stoichiometry, and a factor that must be 1.

pumpleak's pump moves 3 Na+ out and 2 K+ in per cycle (its model file), so at the full steady state each leak
balances its share: I_Na = -3 I_pump and I_K = 2 I_pump exactly. At the file's rounded start the numbers that fit
are 2.995 and 2.05: "2 would have to be 2.995" said nothing of the 3 (and I_K = 3 I_pump got no slip at all).
"""

from __future__ import annotations

import pytest
from vrest.derive.builtin import resolve_model
from vrest.derive.verify import verify

STEADY = "with {n} the claim is exact at the steady state, where each ion's leak carries its share of the pump's cycle"


def test_the_model_moves_3_na_out_and_2_k_in():
    assert dict(resolve_model("pumpleak").pump.stoichiometry) == {"Na": 3, "K": -2}


@pytest.mark.parametrize(("claim", "written", "needed"), [
    ("I_Na = -2 I_pump", 2, 3),  # Na's 3 and K's 2 swapped
    ("I_K = 3 I_pump", 3, 2),
    ("I_Na = -4 I_pump", 4, 3),
])
def test_a_stoichiometry_slip_is_named_with_the_number_that_holds_at_the_steady_state(claim, written, needed):
    result = verify(claim, model="pumpleak")
    assert not result.holds
    assert result.diagnosis == (f"the number {written} would have to be {needed}: " + STEADY.format(n=needed)
                                + " (its stoichiometry)")


def test_a_sign_slip_stays_a_sign_slip():
    assert verify("I_Na = 3 I_pump", model="pumpleak").diagnosis == "sign flipped"


def test_a_factor_that_must_be_1_is_said_as_such_not_read_as_a_parameter_of_value_1():
    """E_K = 2 RT/F ln(K_o/K_i): the 2 must be 1; it was read as C_m (1 uF/cm^2 in squid) "not the model's"."""
    diagnosis = verify("E_K = 2 RT/F ln(K_o/K_i)", model="squid").diagnosis
    assert diagnosis is not None and "would have to be 1" in diagnosis and "C_m" not in diagnosis
