"""A gated model's slope conductance is written in the names of the quasi-active membrane's parts,
g_leak = g_inst + sum 1/r_x, not as dI_ss/dV expanded over thousands of characters; vrest verify reads it."""

from __future__ import annotations

import json

import mpmath
import pytest

from conftest import run_cli
from test_channels import hh_steady_current


def test_hh_g_leak_is_g_inst_plus_the_branches():
    code, out, err = run_cli("derive", "hh", "--json")
    assert code == 0, err
    q = json.loads(out)["quantities"]
    assert q["g_leak"]["expression"] == "g_inst + 1/r_n_K + 1/r_m_Na + 1/r_h_Na"
    assert len(q["g_leak"]["latex"]) < 150
    # the identity at the values: the written-out steady-state current's slope at its own root (mS/cm^2)
    v = mpmath.findroot(hh_steady_current, mpmath.mpf(-65))
    slope = float(mpmath.diff(hh_steady_current, v))
    summed = q["g_inst"]["value"] + sum(1 / q[f"r_{x}"]["value"] for x in ("n_K", "m_Na", "h_Na"))
    assert summed == pytest.approx(slope, rel=1e-9)
    assert q["g_leak"]["value"] == pytest.approx(slope, rel=1e-9)


def test_verify_reads_the_expression_it_prints():
    """A bare 1 is not taken for a temperature in degC (an offset unit has no 'bare number in its unit')."""
    code, out, err = run_cli("verify", "g_leak = g_inst + 1/r_n_K + 1/r_m_Na + 1/r_h_Na", "--model", "hh")
    assert code == 3, err  # holds, at the model's values (where the quasi-active parts are known)
    assert out.startswith("holds at the model's values") and "claimed 1.16689 mS/cm^2, correct 1.16689 mS/cm^2" in out
