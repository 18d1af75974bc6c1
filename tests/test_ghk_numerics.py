"""The GHK current at and near its removable singularity V = 0, in every code path."""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from vrest.derive import laws
from vrest.derive.constants import CODATA_2018, F, T, V
from vrest.derive.derivation import evaluate, mp_function
from vrest.derive.functions import exprel, exprel_guarded

mpmath.mp.dps = 60
P, z, ci, co = sp.symbols("P z c_i c_o", positive=True)
CURRENT = laws.ghk_current(P, 1, ci, co)
CASES = {P: sp.Rational(1, 10**8), ci: sp.Integer(140), co: sp.Integer(4), T: sp.Rational(6203, 20), **CODATA_2018}


def reference(volts: mpmath.mpf) -> mpmath.mpf:
    """mpmath at 60 digits of P z^2 F^2 V/(RT) (ci - co e^-u)/(1 - e^-u), its limit at V = 0."""
    Pm, cim, com = mpmath.mpf(1) / 10**8, mpmath.mpf(140), mpmath.mpf(4)
    Rm, Fm, Tm = mpmath.mpf("8.314462618"), mpmath.mpf("96485.33212"), mpmath.mpf(6203) / 20
    if volts == 0:
        return Pm * Fm * (cim - com)
    u = Fm * volts / (Rm * Tm)
    return Pm * Fm * u * (cim - com * mpmath.exp(-u)) / (1 - mpmath.exp(-u))


VOLTAGES = ["0", "1e-12", "-1e-12", "1e-9", "-1e-7", "0.001", "-0.09", "0.05"]


@pytest.mark.parametrize("volts", VOLTAGES)
def test_symbolic_path_exact(volts):
    value = evaluate(CURRENT, {**CASES, V: sp.Rational(volts) if volts != "0" else 0})
    expected = reference(mpmath.mpf(volts))
    assert abs(value - expected) <= 1e-12 * abs(expected)


@pytest.mark.parametrize("volts", VOLTAGES)
def test_mpmath_function_path_exact(volts):
    f = mp_function(CURRENT, V, CASES)
    value = f(float(volts))
    expected = reference(mpmath.mpf(float(volts)))
    assert abs(value - expected) <= 1e-12 * abs(expected)


def test_symbolic_limit_at_zero_is_the_textbook_limit():
    at_zero = CURRENT.subs(V, 0)
    assert sp.simplify(at_zero - P * F * (ci - co)) == 0
    u = sp.Symbol("u")
    textbook = P * F * u * (ci - co * sp.exp(-u)) / (1 - sp.exp(-u))
    assert sp.limit(textbook, u, 0) == P * F * (ci - co)


@pytest.mark.parametrize("volts", [0.0, 1e-12, -1e-12, 3e-10, -0.07])
def test_guarded_form_in_double_precision(volts):
    """exprel_guarded, the form the exporters print, evaluated in plain double-precision floats."""
    x = sp.Symbol("x")
    guarded = sp.lambdify(x, exprel_guarded(x), "math")
    u = float(96485.33212 * volts / (8.314462618 * 310.15))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = 1e-8 * 96485.33212 * (140 - 4 * np.exp(-u)) / guarded(-u)
    expected = reference(mpmath.mpf(volts))
    assert np.isfinite(value)
    assert abs(value - expected) <= 1e-12 * abs(expected)


@settings(max_examples=60, deadline=None)
@given(c_in=st.floats(0.1, 500), c_out=st.floats(0.1, 500), z_ion=st.sampled_from([-2, -1, 1, 2]))
def test_single_ion_ghk_zero_is_nernst(c_in, c_out, z_ion):
    """Invariant: for one ion the GHK current vanishes exactly at its Nernst potential."""
    values = {P: 1, ci: sp.Rational(c_in), co: sp.Rational(c_out), T: 300, **CODATA_2018}
    E = evaluate(laws.nernst(z_ion, co, ci), values)
    current = laws.ghk_current(P, z_ion, ci, co)
    at_E = evaluate(current, {**values, V: sp.Float(mpmath.nstr(E, 40), 40)})
    scale = evaluate(P * abs(z_ion) * F * (ci + co), values)
    assert abs(at_E) <= 1e-25 * scale


def test_exprel_properties():
    x = sp.Symbol("x", real=True)
    assert exprel(0) == 1
    assert sp.series(exprel(x), x, 0, 3).removeO() == 1 + x / 2 + x**2 / 6
    assert exprel(x).is_positive
    assert abs(exprel(sp.Float("-1e-12", 30)).evalf(30) - (1 - sp.Float("5e-13", 30))) < sp.Float("1e-24")
