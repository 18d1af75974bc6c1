"""verify() with the built-in models: names, definitions, numeric roots, units.

Expected values are hand-typed textbook formulas or mpmath numbers from the
models' inputs (derive/models/*.toml), not vrest output.
"""

from __future__ import annotations

import mpmath
import pytest

from vrest.derive.verify import ParseError, VerifyError, verify

GHK_SQUID = "RT/F ln((P_K K_o + P_Na Na_o + P_Cl Cl_i)/(P_K K_i + P_Na Na_i + P_Cl Cl_o))"


def test_named_quantities_stand_for_the_models_expressions():
    # E_K inside a claim is the model's Nernst potential, so the chord form matches V_leak.
    assert verify("(g_K E_K + g_Na E_Na + g_Cl E_Cl)/(g_K + g_Na + g_Cl)", against="V_leak").holds
    assert verify("(g_K RT/F ln(K_o/K_i) + g_Na E_Na + g_Cl E_Cl)/g_leak", against="V_leak").holds


def test_z_means_the_ions_valence_for_an_ion_quantity():
    result = verify("RT/(zF) ln(Cl_o/Cl_i)", against="E_Cl")
    assert result.holds and result.notes == ("z is read as z_Cl, the valence of the ion the claim is about",)
    assert not verify("E_K = RT/(z_K F) ln(K_o/K_i)").notes  # said only where z was read so
    # the textbook GHK current with z: an equation for I_Cl reads z as z_Cl (it was "unknown name 'z'")
    ghk = verify("I_Cl = P_Cl z^2 F^2 V/(R T) (Cl_i - Cl_o exp(-z F V/(R T)))/(1 - exp(-z F V/(R T)))", model="squid")
    assert ghk.holds and ghk.notes == ("z is read as z_Cl, the valence of the ion the claim is about",)
    assert verify("RT/F ln(Cl_i/Cl_o)", against="E_Cl").holds  # z_Cl = -1 in the model
    result = verify("RT/F ln(Cl_o/Cl_i)", against="E_Cl")  # the cation form: what a teacher calls z left out
    assert not result.holds and result.diagnosis == "missing valence z: z_Cl = -1 was left out"


def test_a_bare_z_in_a_claim_about_no_one_ion_is_refused_with_the_valences_to_write():
    """In V_ss's claim z is no ion's: "unknown name 'zF'" said nothing of why zF passed in E_K's."""
    with pytest.raises(ParseError, match=r"unknown name 'zF'; z alone is read only in a claim about one ion \(E_K = "
                                         r"\.\.\., I_Na = \.\.\.\), as that ion's valence: here write z_K or z_Na or z_Cl"):
        verify("V_ss = RT/(zF) ln(K_o/K_i)")


def test_id_equation_is_the_same_as_against():
    assert verify("E_K = RT/F ln(K_o/K_i)").holds
    result = verify("V_ss = (g_K E_K + g_Na E_Na + g_Cl E_Cl)/(g_K + g_Na + g_Cl)")
    assert not result.holds and result.diagnosis == "the term -I_pump/g_leak is missing"


def test_counterexample_at_the_models_values_in_display_units():
    result = verify("R T/F ln(K_i/K_o)", against="E_K")
    example = result.counterexample
    assert example.inputs["K_o"].value == 4 and example.inputs["K_o"].unit == "mM"
    assert example.inputs["T"].value == pytest.approx(310.15)
    expected = 1000 * mpmath.mpf("8.314462618") * mpmath.mpf("310.15") / mpmath.mpf("96485.33212") * mpmath.log(4 / mpmath.mpf(140))
    assert example.correct.value == pytest.approx(float(expected), rel=1e-9)
    assert example.correct.unit == "mV"


def test_steady_state_without_closed_form_is_compared_numerically():
    # squid: GHK leaks and a pump: V_ss is a numeric root; the GHK voltage ignores the pump.
    assert verify(GHK_SQUID, against="V_ghk", model="squid").holds
    result = verify(GHK_SQUID, against="V_ss", model="squid")
    assert not result.holds and result.method == "numeric"
    claimed, correct = result.counterexample.claimed.value, result.counterexample.correct.value
    assert correct < claimed < 0  # the outward pump current hyperpolarises (DOMAIN.md section 4)
    assert claimed - correct == pytest.approx(1.66, abs=0.05)  # dV_pump of the squid model, in mV


def test_pump_shift_is_only_approximately_minus_ipump_over_gleak_with_ghk_leaks():
    result = verify("-I_pump/g_leak", against="dV_pump", model="squid")
    assert not result.holds  # the GHK leaks are nonlinear: the linear estimate is off by ~1 %
    assert result.counterexample.claimed.value == pytest.approx(result.counterexample.correct.value, rel=0.05)


def test_quantities_known_only_by_their_value_are_compared_there():
    # The pump-leak volume needs the steady amounts N_X; tau_slow is an eigenvalue: no formula to sample.
    result = verify("volume_ss = Vol", model="pumpleak")
    assert not result.holds and "model's values only" in result.detail
    assert result.counterexample.inputs["Vol"].value == pytest.approx(178.9)  # the file's volume, um^3
    assert result.counterexample.correct.unit == "um^3"
    assert not verify("tau_slow = 1", model="pumpleak").holds


def test_chord_instead_of_slope_conductance():
    chord = "C_m/(I_K/(V - E_K) + I_Na/(V - E_Na) + I_Cl/(V - E_Cl))"
    assert verify("C_m/g_leak", against="tau_m", model="squid").holds
    result = verify(chord, against="tau_m", model="squid")
    assert not result.holds and result.diagnosis == "chord vs slope conductance"


def test_donnan_ratio_of_the_pump_leak_model():
    # Keener & Sneyd ch. 2: K, Na, Cl permeant, K_i/K_o = Na_i/Na_o = Cl_o/Cl_i = r_D and
    # electroneutrality inside give r_D = (-z_A A_i + sqrt(z_A^2 A_i^2 + 4 Cl_o (K_o + Na_o))) / (2 (K_o + Na_o)).
    text = "(-z_A A_i + sqrt(z_A^2 A_i^2 + 4 Cl_o (K_o + Na_o)))/(2 (K_o + Na_o))"
    assert verify(text, against="donnan_ratio", model="pumpleak").holds
    wrong = verify(text.replace("-z_A A_i", "z_A A_i"), against="donnan_ratio", model="pumpleak")
    assert not wrong.holds and "A_i*z_A" in wrong.diagnosis


def test_a_counterexample_holds_the_models_values_of_the_ions_a_sample_keeps_electroneutral():
    """Sample points keep pumpleak's inside electroneutral through Na_i and Cl_i; the counterexample, the model's
    values, showed those two as a sample's (10.47 and 4.13 mM against the file's 15.5 and 3.7 mM). Its values:
    the Donnan ratio of Keener & Sneyd written out (145 r^2 - 146.3 r - 145 = 0) and the claim's RT/F ln(3/134.5)."""
    result = verify("V_donnan = RT/F ln(K_o/K_i)", model="pumpleak")
    inputs = {name: value.value for name, value in result.counterexample.inputs.items()}
    assert not result.holds
    assert inputs == {"A_i": 146.3, "Cl_i": 3.7, "Cl_o": 145, "K_i": 134.5, "K_o": 3, "Na_i": 15.5, "Na_o": 142,
                      "T": 298.15}
    thermal = mpmath.mpf("8.314462618") * mpmath.mpf("298.15") / mpmath.mpf("96485.33212") * 1000  # mV
    r_d = (mpmath.mpf("146.3") + mpmath.sqrt(mpmath.mpf("146.3") ** 2 + 4 * 145 * 145)) / (2 * 145)
    assert result.counterexample.correct.value == pytest.approx(float(-thermal * mpmath.log(r_d)), rel=1e-9)
    assert result.counterexample.claimed.value == pytest.approx(float(thermal * mpmath.log(mpmath.mpf(3) / 134.5)),
                                                                rel=1e-9)


def test_equation_that_holds_only_at_the_steady_state():
    result = verify("I_K + I_Na + I_Cl + I_pump = 0", model="squid")
    assert result.holds and "steady state" in result.detail
    assert not verify("I_K + I_Na + I_Cl = 0", model="neuron").holds


def test_steps_with_a_model_check_claims_about_quantities():
    text = """\
    I_K + I_Na + I_Cl + I_pump = 0
    V = (g_K E_K + g_Na E_Na + g_Cl E_Cl - I_pump)/g_leak
    V_ss = (g_K E_K + g_Na E_Na + g_Cl E_Cl - I_pump)/g_leak
    dV_pump = V_ss - V_leak
            = -I_pump/g_leak
    """
    assert verify(text).holds
    bad = verify(text.replace("= -I_pump/g_leak", "= I_pump/g_leak"))
    assert not bad.holds and bad.line == 5 and bad.diagnosis == "sign flipped"


def test_approximation_against_a_quantity():
    result = verify("RT/F ln((P_K K_o + P_Cl Cl_i)/(P_K K_i + P_Cl Cl_o))", against="V_ghk", model="squid",
                    approx="P_Na/P_K -> 0")
    assert result.holds and result.approximation["neglected"]["unit"] == "mV"


@pytest.mark.parametrize(
    "kwargs, error, fragment",
    [
        ({"text": "RT/F ln(K_o/K_i)", "against": "E_Q"}, VerifyError, "unknown quantity id 'E_Q'"),
        ({"text": "RT/F ln(K_o/K_i)", "against": "V_ghk"}, VerifyError, "does not apply"),
        ({"text": "RT/F ln(K_o/K_i)"}, VerifyError, "nothing to compare with"),
        ({"text": "V_ss - 1", "against": "V_ghk", "model": "squid"}, ParseError,
         "cannot subtract a pure number from a potential: they have different dimensions"),
        ({"text": "V_ghk - 1", "against": "E_K"}, VerifyError, "V_ghk does not apply"),
        ({"text": "P_K", "against": "E_K"}, ParseError, "unknown name 'P_K'"),
        ({"text": "E_K = 1", "against": "E_K"}, ParseError, "not an equation"),
        ({"text": "V_balance", "against": "V_ss", "model": "pumpleak", "approx": "P_Na/P_K -> 0"}, VerifyError,
         "known at the model's values only"),
    ],
)
def test_questions_that_cannot_be_answered(kwargs, error, fragment):
    text = kwargs.pop("text")
    with pytest.raises(error, match=fragment):
        verify(text, **kwargs)


# What a teacher names in a formula: in the user's terms, and only what the formula shows.
TEACHER = [
    # the sign of the Cl term, not "Cl_i and Cl_o swapped": the claim says E_Cl, not Cl_i and Cl_o
    ("V_leak = (g_K E_K + g_Na E_Na - g_Cl E_Cl)/(g_K + g_Na + g_Cl)", "neuron", "sign of the term E_Cl*g_Cl flipped"),
    # V in an equation with no V on the other side is the resting potential: V_ss
    ("V = (g_K E_K + g_Na E_Na + g_Cl E_Cl)/(g_K + g_Na + g_Cl)", "neuron", "the term -I_pump/g_leak is missing"),
    ("tau_m = g_leak/C_m", "neuron", "the reciprocal: the claim is upside down"),
    ("tau_m = C_m (g_K + g_Na + g_Cl)", "neuron", "a product where a quotient belongs"),
    # with GHK leaks, -I_pump/g_leak is the shift to first order only
    ("dV_pump = -I_pump/g_leak", "squid", "the linearised pump shift: -I_pump/g_leak is exact for ohmic leaks only"),
    # GHK's voltage without Cl: one slip, not two terms missing joined by "+"
    ("V_ghk = RT/F ln((P_K K_o + P_Na Na_o)/(P_K K_i + P_Na Na_i))", "squid",
     "the Cl terms are missing (Cl left out, as if P_Cl = 0)"),
    ("V_leak = (g_K E_K + g_Na E_Na)/(g_K + g_Na)", "neuron", "the Cl terms are missing"),
]


@pytest.mark.parametrize("claim, model, slip", TEACHER, ids=[t[0] for t in TEACHER])
def test_the_slip_a_teacher_names(claim, model, slip):
    result = verify(claim, model=model)
    assert not result.holds and result.diagnosis is not None and result.diagnosis.startswith(slip)
    inputs = result.counterexample.inputs if result.counterexample is not None else {}
    assert "V" not in inputs  # V is never an input of its own


@pytest.mark.parametrize("claim, slip", [
    ("I_Cl = z_Cl g_Cl (V - E_Cl)", "a valence too many: the claim is z_Cl = -1 times the correct side"),
    ("I_Cl = -g_Cl (V - E_Cl)", "sign flipped"),
])
def test_a_valence_typed_into_an_ohmic_current_is_named_not_its_sign(claim, slip):
    """z_Cl = -1 turns g_Cl (V - E_Cl) round, and "sign flipped" was said; where the claim has the z, the z is the
    slip."""
    result = verify(claim, model="neuron")
    assert not result.holds and result.diagnosis == slip


def test_a_gate_left_out_of_a_channel_current_is_named_as_a_factor():
    """hh's I_K = g_K n_K^4 (V - E_K) written without n_K^4 was "one term missing" (a term deep in n_inf's
    alpha/(alpha + beta) matched the same wrong formula first), and its counterexample listed the channel file's
    unit parameters (V_unit_K = 1 mV, t_unit_K = 1 ms). The correct value: Hodgkin-Huxley's n_inf from their rates
    (test_channels, mpmath) at the counterexample's V."""
    from test_channels import hh_rates

    result = verify("I_K = g_K (V - E_K)", model="hh")
    assert not result.holds and result.diagnosis == "the factor n_K**4 is missing"
    inputs = result.counterexample.inputs
    assert sorted(inputs) == ["E_K", "V", "g_K"]
    v = inputs["V"].value
    alpha, beta = hh_rates(v)["n"]
    expected = 36 * (alpha / (alpha + beta)) ** 4 * (v + 77)  # uA/cm^2: mS/cm^2 x mV
    assert result.counterexample.correct.value == pytest.approx(float(expected), rel=1e-9)


def test_a_gate_left_out_of_a_claim_with_numbers_is_named_too():
    """g_Na m_Na^3 (V - E_Na) leaves h_Na out; with its number 3 the claim is judged at rest, and its slip was "one
    term missing" (a term of m_inf's alpha + beta matched first). The correct value: Hodgkin-Huxley's m_inf^3 h_inf
    written out (test_channels, mpmath) at V_ss."""
    from test_channels import E_NA, G_NA, hh_rates, hh_steady_current

    result = verify("I_Na = g_Na m_Na^3 (V - E_Na)", model="hh")
    assert not result.holds and result.diagnosis == "the factor h_Na is missing"
    v = mpmath.findroot(hh_steady_current, -65)
    rates = hh_rates(v)
    m, h = ((a / (a + b)) for a, b in (rates["m"], rates["h"]))
    assert result.counterexample.correct.value == pytest.approx(float(G_NA * m**3 * h * (v - E_NA)), rel=1e-9)
    assert result.counterexample.claimed.value == pytest.approx(float(G_NA * m**3 * (v - E_NA)), rel=1e-9)


def test_a_gate_typed_without_its_channel_is_suggested():
    with pytest.raises(ParseError, match="did you mean n_K or the unit N"):
        verify("I_K = g_K n^4 (V - E_K)", model="hh")
