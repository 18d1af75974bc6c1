"""A scenario sweep whose only varied key moves the start (an inside concentration), not the run's parameters.

pumpleak's full steady state has zero net charge and fixed amounts whatever the file's starting K_i, and
after ouabain (pump 0) the cell ends in its Donnan equilibrium, written out by hand: the bath is 300 mM
(K_o 3, Na_o 142, Cl_o 145, 10 mM uncharged impermeant); with the impermeant anions A (z = -1) inside only,
r = [K]_i/K_o = [Na]_i/Na_o = Cl_o/[Cl]_i, isosmotic r (K_o + Na_o) + Cl_o/r + A_i = 300 and neutral
r (K_o + Na_o) - Cl_o/r - A_i = 0 give r = 300/290, A_i = 145 (r - 1/r), Vol = N_A/A_i with N_A = 146.3 mM
x 178.9 um^3, V = -(RT/F) ln r at 25 degC.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from vrest.codegen.sweep import sweep

R, F, T = 8.314462618, 96485.33212, 298.15


def test_only_an_inside_concentration_varied_runs_and_ends_in_the_donnan_state():
    result = sweep("pumpleak", {"ions.K.inside": "100, 120, 140 mM"}, scenario="ouabain", times=[0.0, 3600.0, 1e7])
    r = 300 / 290
    a_i = 145 * (r - 1 / r)
    expected = {"V": -1000 * R * T / F * math.log(r), "K_i": 3 * r, "Na_i": 142 * r, "Cl_i": 145 / r,
                "volume": 146.3 * 178.9 / a_i}
    for name, value in expected.items():
        last = result[name].values[:, -1]
        assert last == pytest.approx([value] * 3, rel=1e-4), name  # the capacitor's charge: ~1e-5 relative
    # Every start's K_i leads to the same steady state (t = 0) and the same course.
    v = result["V"].values
    np.testing.assert_allclose(v, np.repeat(v[:1], 3, axis=0), rtol=1e-9)
