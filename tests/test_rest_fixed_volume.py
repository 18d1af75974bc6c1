"""`vrest rest` on a pump-leak cell of fixed volume: with no water flow, the Cl- amount (no pump, a GHK leak)
is linear at fixed V, like a gate, but it is an amount of 0.66 fmol, not a fraction: it keeps its own size in
the search for conservation laws and in Newton's steps. The expected numbers are an mpmath (50 digits) root
of the written-out equations (Kay 2017's pump-leak cell, the built-in pumpleak without its water permeability)
and the eigenvalues of their Jacobian on the states the charge law leaves free."""

from __future__ import annotations

import json
import tomllib

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
