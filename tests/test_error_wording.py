"""Refusals show values as a model file writes them (TOML tables, true/false), name the whole key path, and
say what is wrong in the model's terms (no ion Ca, the allowed range, the scaled value)."""

from __future__ import annotations

import copy

import pytest

from conftest import run_cli
from test_model_errors import NEURON_LIKE

BASE = NEURON_LIKE  # K and Na ohmic leaks, a 0.75 uA/cm^2 pump


def _scenario(**spec) -> callable:
    return lambda d: d.setdefault("scenario", {}).update(ok=spec)


CASES = [
    ("a stoichiometry moving no charge", lambda d: d["pump"].update(stoichiometry={"Na": 2, "K": -2}),
     "pump.current = '0.75 uA/cm^2': the stoichiometry { Na = 2, K = -2 } moves no net charge"),
    ("an unknown table", lambda d: d.update(foo={"bar": 1}), "foo = { bar = 1 }: unknown key"),
    ("a true where a valence belongs", lambda d: d["ions"]["K"].update(valence=True), "ions.K.valence = true: "),
    ("both scenario forms", _scenario(set={"ions.K.outside": "20 mM"}, steps=[{"at": "1 s", "set": {"pump": 0}}]),
     "scenario.ok.set = { 'ions.K.outside' = '20 mM' }: give either steps"),
    ("an ion the model lacks", _scenario(set={"ions.Ca.outside": "2 mM"}),
     "scenario.ok.set.ions.Ca.outside = '2 mM': the model has no ion Ca (its ions: K, Na)"),
    ("a zero concentration in a step", _scenario(set={"ions.K.outside": "0 mM"}),
     "scenario.ok.set.ions.K.outside = '0 mM': must be positive, within 1e-15 mM to 1e5 mM"),
    ("a factor taking a value out of range", _scenario(scale={"ions.K.outside": 1e5}),
     "the factor times the model file's K_o (4 mM) is 400000 mM"),
    ("one parameter set and scaled", _scenario(steps=[{"at": "0 s", "set": {"ions.K.outside": "20 mM"},
                                                       "scale": {"ions.K.outside": 2}}]),
     "scenario.ok.steps[1].scale.ions.K.outside: changes the same parameter as set.ions.K.outside in this step"),
]


@pytest.mark.parametrize("edit, expected", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_the_refusal_reads_like_the_model_file(write_model, edit, expected):
    data = copy.deepcopy(BASE)
    edit(data)
    code, out, err = run_cli("derive", str(write_model(data)))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert expected in err, err
    assert "{'" not in err and "True" not in err
