"""A whole number written in place of another: the pump's stoichiometry, and a factor that must be 1.

pumpleak's pump moves 3 Na+ out and 2 K+ in per cycle (its model file), so at the full steady state each leak
balances its share: I_Na = -3 I_pump and I_K = 2 I_pump exactly. At the file's rounded start the numbers that fit
are 2.995 and 2.05: "2 would have to be 2.995" said nothing of the 3 (and I_K = 3 I_pump got no slip at all).
"""

from __future__ import annotations

import mpmath
import pytest
from test_cli_verify_numbers import MY_CELL
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


# -- a formula with another whole number: a valence (K+ is 1, Ca2+ is 2) ------------------------------------------

# test_cli_verify_numbers's K and Na leak cell (37 C) without its pump, with a Ca2+ leak
CA_CELL = MY_CELL.split("[pump]")[0].replace('name = "my_cell"', 'name = "ca_leak"') + """
[ions.Ca]
valence = 2
inside = "0.0001 mM"
outside = "2 mM"
permeability = "1e-9 cm/s"
"""


@pytest.mark.parametrize(("claim", "slip"), [
    ("E_K = RT/(2F) ln(K_o/K_i)", "the number 2 would have to be 1, the valence of K (z_K = 1)"),
    ("E_K = 2.303 RT/(2F) log10(K_o/K_i)", "the number 2 would have to be 1, the valence of K (z_K = 1)"),
    ("E_Cl = RT/(2F) ln(Cl_i/Cl_o)", "the number 2 would have to be 1, the size of Cl's valence (z_Cl = -1)"),
    ("E_K = 3 RT/F ln(K_o/K_i)", "the number 3 would have to be 1"),  # a factor, not a valence: it does not divide
])
def test_a_number_that_would_have_to_be_another_whole_number_for_the_formula_to_hold(claim, slip):
    """The claim with the number replaced is the Nernst equation E_X = RT/(z_X F) ln(X_o/X_i) (a textbook formula),
    right for every value; as written it is half (or three times) E_K: -47.5 mV for -95.0 mV at 37 C."""
    result = verify(claim, model="neuron")
    assert not result.holds
    assert result.diagnosis == slip + f": with {slip.split('would have to be ')[1][0]} the claim holds"


def test_the_valence_of_calcium_is_2(tmp_path):
    path = tmp_path / "ca.toml"
    path.write_text(CA_CELL, encoding="utf-8")
    result = verify("E_Ca = RT/(3 F) ln(Ca_o/Ca_i)", model=str(path))
    assert not result.holds
    assert result.diagnosis == "the number 3 would have to be 2, the valence of Ca (z_Ca = 2): with 2 the claim holds"
    assert verify("E_Ca = RT/F ln(Ca_o/Ca_i)", model=str(path)).diagnosis == "missing valence z: z_Ca = 2 was left out"


CA_OHMIC = CA_CELL.replace('permeability = "1e-9 cm/s"', 'conductance = "0.005 mS/cm^2"')


@pytest.mark.parametrize(("claim", "factor"), [("I_Ca = z_Ca g_Ca (V - E_Ca)", "z_Ca = 2"),
                                              ("I_Ca = 2 g_Ca (V - E_Ca)", "z_Ca = 2"),
                                              ("I_Ca = z_Ca^2 g_Ca (V - E_Ca)", "z_Ca^2 = 4")])
def test_a_valence_in_an_ohmic_current_is_one_too_many(tmp_path, claim, factor):
    """An ohmic current has no valence: z_Ca g_Ca (V - E_Ca) is twice it, a z the student added, not one "missing"
    (the slip was named "missing valence z"). The counterexample's values: mpmath's g_Ca (V - E_Ca) there, and
    twice it."""
    path = tmp_path / "ca_ohmic.toml"
    path.write_text(CA_OHMIC, encoding="utf-8")
    result = verify(claim, model=str(path))
    assert not result.holds
    assert result.diagnosis == f"a valence too many: the claim is {factor} times the correct side"
    example = result.counterexample
    values = {name: mpmath.mpf(value.value) for name, value in example.inputs.items()}
    times = int(factor.split(" = ")[1])
    if not values:  # a claim with numbers: compared at the model's values, where V is the rest (its own number)
        assert example.claimed.value == pytest.approx(times * example.correct.value, rel=1e-9)  # shown to 12 digits
        return
    e_ca = 1000 * mpmath.mpf("8.314462618") * values["T"] / (2 * mpmath.mpf("96485.33212")) \
        * mpmath.log(values["Ca_o"] / values["Ca_i"])  # mV
    current = values["g_Ca"] * (values["V"] - e_ca)  # mS/cm^2 * mV = uA/cm^2
    assert example.correct.value == pytest.approx(float(current), rel=1e-9)
    assert example.claimed.value == pytest.approx(float(times * current), rel=1e-9)


def test_a_number_whose_replacement_does_not_hold_gets_no_such_slip():
    """2 RT/F ln(...) + 1 is wrong with any whole number in place of the 2."""
    diagnosis = verify("E_K = 2 RT/F ln(K_o/K_i) + 1 mV", model="neuron").diagnosis
    assert diagnosis is None or "would have to be 1:" not in diagnosis


def test_the_calcium_term_left_out_of_the_zero_current_potential(tmp_path):
    """With a Ca2+ leak the zero-current potential has no log form: V is the root of sum_X I_X^GHK(V) = 0. The
    GHK log form of K and Na alone is that root without I_Ca. Both from the GHK current equation here (mpmath)."""
    path = tmp_path / "ca.toml"
    path.write_text(CA_CELL, encoding="utf-8")
    with mpmath.workdps(30):
        rtf = mpmath.mpf("8.314462618") * mpmath.mpf("310.15") / mpmath.mpf("96485.33212")
        p = {"K": (mpmath.mpf("1e-6"), 1, 140, 4), "Na": (mpmath.mpf("4e-8"), 1, 12, 145),
             "Ca": (mpmath.mpf("1e-9"), 2, mpmath.mpf("0.0001"), 2)}

        def current(v, ions):  # sum of z^2 P u (X_i - X_o e^(-z u)) / (1 - e^(-z u)), u = V F/(RT)
            u = v / rtf
            return sum(z * z * P * u * (xi - xo * mpmath.exp(-z * u)) / (1 - mpmath.exp(-z * u))
                       for P, z, xi, xo in (p[i] for i in ions))

        without_ca = rtf * mpmath.log((p["K"][0] * 4 + p["Na"][0] * 145) / (p["K"][0] * 140 + p["Na"][0] * 12))
        assert abs(current(without_ca, ("K", "Na"))) < mpmath.mpf("1e-25")
        root = mpmath.findroot(lambda v: current(v, ("K", "Na", "Ca")), without_ca)
    claim = "V_ss = RT/F ln((P_K K_o + P_Na Na_o)/(P_K K_i + P_Na Na_i))"
    result = verify(claim, model=str(path))
    assert not result.holds
    assert result.diagnosis == ("the Ca term left out: that is the zero-current potential of K and Na alone; V_ss "
                                "counts the current of Ca too (through P_Ca)")
    assert result.counterexample.claimed.value == pytest.approx(float(without_ca) * 1000, rel=1e-9)
    assert result.counterexample.correct.value == pytest.approx(float(root) * 1000, rel=1e-9)
    assert float(root - without_ca) * 1000 == pytest.approx(0.0204, abs=5e-4)  # mV: Ca's small share


# -- 0.667 for 1/r: the pump's coupling ratio r = 3/2 rounded ------------------------------------------------------

MULLINS_NODA = "R*T/F*ln((P_K*K_o + {a}*P_Na*Na_o)/(P_K*K_i + {a}*P_Na*Na_i))"  # Mullins & Noda (1963), divided by r


def test_mullins_noda_with_1_over_r_rounded_holds():
    result = verify(MULLINS_NODA.format(a="0.667"), against="V_mullins_noda", model="pumpleak")
    assert result.holds and result.holds_only is None


def test_mullins_noda_with_1_over_r_on_the_wrong_ion_is_the_ratio_inverted():
    claim = "R*T/F*ln((0.667*P_K*K_o + P_Na*Na_o)/(0.667*P_K*K_i + P_Na*Na_i))"
    result = verify(claim, against="V_mullins_noda", model="pumpleak")
    assert not result.holds and result.diagnosis == "3:2 ratio inverted (r -> 1/r)"


def test_a_bare_number_beside_permeabilities_is_not_read_as_a_potential(tmp_path):
    """The 4 of 4 P_Ca Ca_o was read as -dV_pump (the pump's shift is -4.0 mV in this cell): the claim then added
    a potential to P_K K_o, was undefined away from the model's values, and its counterexample said "claimed
    undefined". A bare number is read only as what keeps every sum like to like: 4 stays 4, and the
    counterexample gives the claim's value (the log form with 4 P_Ca, written out here in mpmath)."""
    path = tmp_path / "ca_ghk.toml"
    path.write_text(CA_CELL.replace('outside = "4 mM"', 'outside = "5 mM"').replace('"4e-8 cm/s"', '"5e-8 cm/s"')
                    .replace('"1e-9 cm/s"', '"2e-7 cm/s"')
                    + '\n[pump]\ncurrent = "0.5 uA/cm^2"\nstoichiometry = { Na = 3, K = -2 }\n', encoding="utf-8")
    # the pump's shift here (V_ss - V_leak, both roots of GHK current balances: with and without the pump's 0.5
    # uA/cm^2) was "undefined at the model's values": V_leak, a root itself, was left unexpanded in it
    shift = verify("dV_pump = -4 mV", model=str(path))
    assert shift.holds and shift.numeric["correct"]["value"] == pytest.approx(float(_pump_shift_mV()), rel=1e-9)
    claim = "V_ghk = RT/F ln((P_K K_o + P_Na Na_o + 4 P_Ca Ca_o)/(P_K K_i + P_Na Na_i + 4 P_Ca Ca_i))"
    result = verify(claim, model=str(path))
    example = result.identity.counterexample
    assert example.claimed is not None
    point = {"K_i": 140, "K_o": 5, "Na_i": 12, "Na_o": 145, "Ca_i": mpmath.mpf("0.0001"), "Ca_o": 2}
    point.update({name: mpmath.mpf(value.value) for name, value in example.inputs.items()})  # mM
    with mpmath.workdps(30):
        p_k, p_na, p_ca = mpmath.mpf("1e-6"), mpmath.mpf("5e-8"), mpmath.mpf("2e-7")
        rtf = mpmath.mpf("8.314462618") * mpmath.mpf("310.15") / mpmath.mpf("96485.33212")
        claimed = rtf * mpmath.log((p_k * point["K_o"] + p_na * point["Na_o"] + 4 * p_ca * point["Ca_o"])
                                   / (p_k * point["K_i"] + p_na * point["Na_i"] + 4 * p_ca * point["Ca_i"]))
    assert example.claimed.value == pytest.approx(float(claimed) * 1000, rel=1e-9)


def _pump_shift_mV():
    """V_ss - V_leak of that cell, in mpmath: roots of sum_X I_X^GHK(V) (+ I_pump), SI units (mol/m^3 = mM)."""
    with mpmath.workdps(30):
        f_const, rt = mpmath.mpf("96485.33212"), mpmath.mpf("8.314462618") * mpmath.mpf("310.15")
        ions = [(mpmath.mpf("1e-8"), 1, 140, 5), (mpmath.mpf("5e-10"), 1, 12, 145),
                (mpmath.mpf("2e-9"), 2, mpmath.mpf("0.0001"), 2)]  # P in m/s, z, inside, outside

        def current(v, pump):
            u = f_const * v / rt
            return pump + sum(P * z * z * f_const * u * (ci - co * mpmath.exp(-z * u)) / (1 - mpmath.exp(-z * u))
                              for P, z, ci, co in ions)

        v_leak = mpmath.findroot(lambda v: current(v, 0), mpmath.mpf("-0.06"))
        v_ss = mpmath.findroot(lambda v: current(v, mpmath.mpf("0.005")), mpmath.mpf("-0.06"))
        return 1000 * (v_ss - v_leak)
