"""`vrest simulate` of a gated model whose one equilibrium is unstable: Hodgkin-Huxley with g_K = 10 mS/cm^2.

The written-out model (tests/test_sweep_gated.py: every equilibrium in -150..60 mV by mpmath, its Jacobian's
eigenvalues) has one equilibrium, unstable; an independent run from a millionth away along its fastest-growing
mode fires repetitively between -74.335 and +44.257 mV. `--start steady` started there and showed V flat for the
whole run, labelled steady, where `vrest derive` says the model has no stable rest."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli
from test_sweep_gated import hh_equilibria

from vrest.derive.builtin import builtin_text


@pytest.fixture(scope="module")
def hh_gk10(tmp_path_factory):
    path = tmp_path_factory.mktemp("hh") / "hh_gk10.toml"
    text = builtin_text("hh").replace('conductance = "36 mS/cm^2"', 'conductance = "10 mS/cm^2"')
    path.write_text(text.replace('name = "hh"', 'name = "hh_gk10"'), encoding="utf-8")
    return path


def test_the_one_equilibrium_is_unstable():
    ((v, stable, _, _),) = hh_equilibria(10)
    assert not stable and v == pytest.approx(-44.7763722688682, abs=1e-9)


def test_start_steady_is_refused_with_the_verdict(hh_gk10):
    code, out, err = run_cli("simulate", str(hh_gk10), "--t-end", "20 ms")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "no steady state to start from: no stable resting state: this model oscillates (pacemaker); the " \
           "unstable equilibrium lies at -44.78 mV" in err


def test_start_given_on_the_unstable_equilibrium_is_warned(hh_gk10):
    code, out, err = run_cli("simulate", str(hh_gk10), "--t-end", "20 ms", "--start", "given", "--json")
    assert code == 0, err
    assert "--start given is the unstable equilibrium at -44.7764 mV" in err
    assert json.loads(out)["states"]["V"]["values"][0] == pytest.approx(hh_equilibria(10)[0][0], abs=1e-9)
    code, out, err = run_cli("simulate", "hh", "--t-end", "20 ms", "--start", "given")
    assert code == 0 and "unstable equilibrium" not in err  # hh itself rests there
