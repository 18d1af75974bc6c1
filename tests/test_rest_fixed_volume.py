"""`vrest rest` on a pump-leak cell of fixed volume: with no water flow, the Cl- amount (no pump, a GHK leak)
is linear at fixed V, like a gate, but it is an amount of 0.66 fmol, not a fraction: it keeps its own size in
the search for conservation laws and in Newton's steps. The expected numbers are an mpmath (50 digits) root
of the written-out equations (Kay 2017's pump-leak cell, the built-in pumpleak without its water permeability)
and the eigenvalues of their Jacobian on the states the charge law leaves free."""

from __future__ import annotations

import json
import tomllib

import mpmath

import pytest
from conftest import run_cli, toml_dumps

from vrest.derive.builtin import builtin_text


def test_a_cell_of_fixed_volume_rests_where_its_currents_balance(tmp_path):
    data = tomllib.loads(builtin_text("pumpleak"))
    del data["membrane"]["water_permeability"]
    data["model"]["name"] = "pumpleak_fixed_volume"
    path = tmp_path / "fixed.toml"
    path.write_text(toml_dumps(data), encoding="utf-8")
    code, out, err = run_cli("rest", str(path), "--json")
    assert code == 0, err
    result = json.loads(out)
    (state,) = result["resting_states"]
    assert state["stable"] and state["V"] == pytest.approx(-94.4828666016543, abs=1e-9)  # mV
    values = sorted((re for re, _ in state["eigenvalues"]["values"]), reverse=True)
    assert values == pytest.approx([-0.009908034335, -0.1576128721, -515.0687716], rel=1e-8)
    assert len(result["conserved"]) == 1  # the charge
    # The slope conductance holds the amounts (only gates go to their steady state): the sum of the three GHK
    # leaks' slopes at the rest, written out here with the cell's concentrations (mpmath), the pump's
    # current independent of V. An amount taken for a gate gave 0.323 (Cl- at "its steady state").
    mpmath.mp.dps = 30
    f, r, t = mpmath.mpf("96485.33212"), mpmath.mpf("8.314462618"), mpmath.mpf("298.15")

    def ghk(v, p, z, inside, outside):  # A/m^2 for V in volts, P in m/s, concentrations in mol/m^3
        u = z * f * v / (r * t)
        return p * z * f * u * (inside - outside * mpmath.exp(-u)) / (1 - mpmath.exp(-u))

    leaks = [(mpmath.mpf("6.6e-8"), 1, mpmath.mpf("134.4729681"), 3), (mpmath.mpf("2.8e-10"), 1,
             mpmath.mpf("15.47654922"), 142), (mpmath.mpf("3.7e-8"), -1, mpmath.mpf("3.666713473"), 145)]
    slope = mpmath.diff(lambda v: sum(ghk(v, *leak) for leak in leaks), mpmath.mpf("-0.0944828666016543"))
    assert state["slope_conductance"]["value"] == pytest.approx(float(slope) / 10, rel=1e-6)  # S/m^2 -> mS/cm^2
