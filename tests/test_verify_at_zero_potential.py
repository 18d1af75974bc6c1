"""A cell that rests at V = 0 exactly (K+ 140/4 mM and Na+ 4/140 mM, equal permeabilities): the textbook GHK
current, P F^2 V/(RT) (X_i - X_o e^(-FV/RT))/(1 - e^(-FV/RT)), is 0/0 there, and its value is its limit,
P F (X_i - X_o) (l'Hopital; here by mpmath). A claim in that form is right; one with the exponent's sign
flipped in the denominator is wrong by its sign, and said so with both numbers, not "undefined"."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

from conftest import run_cli
from vrest.derive.verify._numeric import evaluate

F = mpmath.mpf("96485.33212")
ZERO = {
    "model": {"name": "zero", "temperature": "20 degC"},
    "membrane": {"capacitance": "1 uF/cm^2"},
    "ions": {"K": {"valence": 1, "inside": "140 mM", "outside": "4 mM", "permeability": "1e-6 cm/s"},
             "Na": {"valence": 1, "inside": "4 mM", "outside": "140 mM", "permeability": "1e-6 cm/s"}},
}
GHK = "I_K = P_K*F^2*V/(R*T)*(K_i - K_o*exp(-F*V/(R*T)))/(1 - exp({sign}F*V/(R*T)))"


def i_k_at_zero() -> mpmath.mpf:
    """uA/cm^2: P_K F (K_i - K_o), 1e-8 m/s * F * 136 mol/m^3 in A/m^2, times 100."""
    return mpmath.mpf("1e-8") * F * 136 * 100


def test_the_cell_rests_at_zero(write_model):
    code, out, _ = run_cli("verify", "--model", str(write_model(ZERO)), "V_ss = 0 mV")
    assert code == 0 and out.startswith("holds (numeric)") and "the claim differs by 0 mV" in out


def test_the_ghk_current_at_zero_potential_is_its_limit(write_model):
    path = str(write_model(ZERO))
    code, out, err = run_cli("verify", "--model", path, GHK.format(sign="-"))
    assert code == 0, out + err
    assert out.strip() == "holds (numeric)"
    code, out, err = run_cli("verify", "--model", path, f"I_K = {float(i_k_at_zero()):.6g} uA/cm^2")
    assert code == 0 and out.startswith("holds (numeric)")


def test_a_sign_slip_at_zero_potential_is_wrong_by_its_sign(write_model):
    code, out, err = run_cli("verify", "--model", str(write_model(ZERO)), GHK.format(sign=""))
    assert code == 1, out + err
    value = f"{float(i_k_at_zero()):g}"
    assert out.startswith("does not hold") and "undefined" not in out
    assert f"claimed -{value} uA/cm^2, correct {value} uA/cm^2" in out


def test_only_a_removable_singularity_has_a_value_at_zero():
    """sin(x)/x at 0 is 1; 1/x (a pole), ln x (no value below 0) and |x|/x (a jump) still have none."""
    x = sp.Symbol("x", real=True)
    zero = {x: mpmath.mpf(0)}
    assert evaluate(sp.sin(x) / x, zero) == pytest.approx(1, abs=1e-20)
    assert [evaluate(e, zero) for e in (1 / x, sp.log(x), sp.Abs(x) / x)] == [None, None, None]
