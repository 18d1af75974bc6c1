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


@pytest.mark.parametrize("claim, slip", [
    ("I_pump = I_pump0 Q_10^((T - 37 K)/(10 K))",
     "temperature in degC where kelvin belongs: T_ref = 37 K in the claim, 310.15 K in the model"),
    ("I_pump = I_pump0 Q_10^((T - 300 K)/(10 K))",
     "the number for T_ref is not the model's: 300 K in the claim, 310.15 K in the model")])
def test_a_temperature_in_the_exponent_that_is_not_t_ref_is_named(claim, slip):
    """37 degC is 310.15 K (T_ref of the model file, "the rate above holds at the model's 37 C"): 37 K there is the
    degC number written as kelvin, and 3^((310.15 - 37)/10) = 1.08e13 times the pump current, not a rounding."""
    result = verify(claim)
    assert not result.holds and result.diagnosis == slip
    if "37 K" in claim:
        factor = mpmath.mpf(3) ** ((mpmath.mpf("310.15") - 37) / 10)
        assert result.counterexample.claimed.value == pytest.approx(float(mpmath.mpf("0.75") * factor), rel=1e-9)


def test_t_ref_in_degc_written_as_kelvin_where_the_cell_is_at_another_temperature(tmp_path):
    """squid at 20 degC with its pump's rate given at 37 degC (Q10 3): 37 K in the claim is that T_ref in degC. The
    correct current is 1 uA/cm^2 * 3^((293.15 - 310.15)/10) = 0.154488 uA/cm^2 (mpmath below)."""
    from vrest.derive.builtin import builtin_text

    text = builtin_text("squid").replace("[pump]\n", '[pump]\nq10 = 3\nq10_reference = "37 degC"\n', 1)
    path = tmp_path / "squid_q10.toml"
    path.write_text(text, encoding="utf-8")
    result = verify("I_pump = I_pump0*Q_10^((T - 37 K)/(10 K))", model=str(path))
    assert not result.holds
    assert result.diagnosis == "temperature in degC where kelvin belongs: T_ref = 37 K in the claim, 310.15 K in the model"
    correct = mpmath.mpf(3) ** ((mpmath.mpf("293.15") - mpmath.mpf("310.15")) / 10)
    assert result.counterexample.correct.value == pytest.approx(float(correct), rel=1e-9)
    (differ,) = result.numeric["inputs_differ"]  # for scripts, as the text says it
    assert differ["name"] == "T_ref" and differ["claimed"] == {"value": 37.0, "unit": "K"}
    assert differ["model"]["value"] == pytest.approx(310.15, abs=1e-12) and differ["model"]["unit"] == "K"


def test_a_rounded_t_ref_beside_an_exact_10_k_names_only_t_ref():
    """310 K for 310.15 K: 3^(0.15/10) = 1.66 % off, beyond the 1 % default; the 10 K is the law's exactly."""
    result = verify("I_pump = I_pump0*Q_10^((T - 310 K)/(10 K))")
    assert not result.holds
    assert result.diagnosis == ("rounding: with the model's exact values for the numbers (T_ref) the formula is "
                                "right; keep more digits")
    assert result.counterexample.claimed.value == pytest.approx(float(mpmath.mpf("0.75") * mpmath.mpf(3) ** (
        mpmath.mpf("0.15") / 10)), rel=1e-9)
