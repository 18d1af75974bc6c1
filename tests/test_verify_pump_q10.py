"""The pump's Q10 law in claims: I_pump = I_pump0 Q_10^((T - T_ref)/(10 K)) on the neuron model.

neuron's pump (its model file) carries 0.75 uA/cm^2 at T_ref = 310.15 K with Q10 = 3 per 10 K, and the cell is at
310.15 K: I_pump = I_pump0 there, and only there. The Q10 law (Hille, Ion Channels of Excitable Membranes, ch. 2:
rate(T) = rate(T_ref) Q10^((T - T_ref)/10 K)) holds for every T; the claim without its factor does not. A temperature
is sampled within 10 K of its value (the docs), T_ref too: a T_ref of 209.6 K gave a pump current of 535 uA/cm^2.
"""

from __future__ import annotations

import mpmath
import pytest
from vrest.derive.verify import verify


@pytest.mark.parametrize("claim", ["I_pump = I_pump0 Q_10^((T - T_ref)/(10 K))",
                                   "I_pump = I_pump0 3^((T - T_ref)/(10 K))",
                                   "I_pump = I_pump0 Q_10^((T - T_ref)/dT_10)"])
def test_the_q10_law_holds_with_its_10_k_written_as_a_number(claim):
    """The 10 K in the exponent is the law's dT_10, not an exact number that another dT_10 would contradict."""
    result = verify(claim)
    assert result.holds and result.holds_only is None


@pytest.mark.parametrize("claim", ["I_pump = I_pump0", "dV_pump = -I_pump0/g_leak"])
def test_the_q10_factor_left_out_is_named_and_the_counterexample_stays_within_10_k(claim):
    result = verify(claim)
    assert not result.holds
    assert result.diagnosis == "the factor Q_10**((T - T_ref)/dT_10) is missing"
    inputs = {name: value.value for name, value in result.counterexample.inputs.items()}
    assert abs(inputs["T"] - 310.15) <= 10 and abs(inputs["T_ref"] - 310.15) <= 10  # K
    if claim.startswith("I_pump"):  # the correct value from the Q10 law written out here (uA/cm^2)
        t, t_ref, i0, q10 = (mpmath.mpf(inputs.get(k, 3)) for k in ("T", "T_ref", "I_pump0", "Q_10"))
        assert result.counterexample.correct.value == pytest.approx(float(i0 * q10 ** ((t - t_ref) / 10)), rel=1e-9)


def test_the_pumps_shift_to_first_order_in_i_pump_on_the_default_model():
    """`--to-order "1 in I_pump"` was refused on neuron: I_pump is I_pump0 times its Q10 factor, no lone symbol.
    It tends to 0 with I_pump0; with ohmic leaks V_ss = V_leak - I_pump/g_leak exactly (nothing neglected)."""
    right = verify("V_ss = V_leak - I_pump/g_leak", to_order="1 in I_pump")
    assert right.holds and right.approximation["neglected"]["value"] == 0
    wrong = verify("V_ss = V_leak + I_pump/g_leak", to_order="1 in I_pump")
    assert not wrong.holds
    assert wrong.diagnosis.startswith("sign flipped in the claim's correction to the limit")
