"""Ion names whose symbols are vrest's own are refused in one line; a name next to them works.

An ion named A owned A_i, z_A and N_A, the impermeant anions' names, and took their values
(E_A came out at 9.9 mV instead of RT/F ln(145/12) = +66.6 mV). The Nernst values expected here
are written out with mpmath.
"""

from __future__ import annotations

import copy
import json

import mpmath
import pytest

from conftest import run_cli
from vrest.derive.model import B_o, N_A
from vrest.derive.constants import A_i, z_A, g_leak, I_pump
from vrest.derive.ions import Ion
from vrest.derive.reserved_names import SHARED_NAMES

R, F = mpmath.mpf("8.314462618"), mpmath.mpf("96485.33212")
T = mpmath.mpf("310.15")

BASE = {
    "model": {"name": "cell", "temperature": "37 degC"},
    "membrane": {"capacitance": "1 uF/cm^2"},
    "ions": {
        "K": {"valence": 1, "inside": "140 mM", "outside": "4 mM", "conductance": "0.1 mS/cm^2"},
    },
}


def _with_ion(name: str, extra: dict) -> dict:
    data = copy.deepcopy(BASE)
    data["ions"][name] = {"valence": 1, "inside": "12 mM", "outside": "145 mM", "conductance": "0.01 mS/cm^2"}
    data.update(copy.deepcopy(extra))
    return data


IMPERMEANT = {"impermeant": {"valence": -1, "concentration": "100 mM"}}
BATH = {"bath": {"impermeant": "10 mM"}}


@pytest.mark.parametrize("name, extra, symbols", [
    ("A", IMPERMEANT, ["A_i", "z_A", "N_A"]),
    ("A", {}, ["A_i", "z_A", "N_A"]),  # reserved even without an impermeant: the names are the contract's
    ("B", BATH, ["B_o"]),
    ("leak", {}, ["g_leak", "I_leak"]),
    ("pump", {}, ["I_pump"]),
    ("pump0", {}, ["I_pump0"]),
    ("max", {}, ["I_max"]),
    ("total", {}, ["I_total"]),
], ids=lambda v: v if isinstance(v, str) else None)
def test_an_ion_name_that_takes_a_shared_symbol_is_refused(write_model, name, extra, symbols):
    code, out, err = run_cli("derive", str(write_model(_with_ion(name, extra))), "--json")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"vrest: error: ions.{name}: an ion named {name} would own")
    for symbol in symbols:
        assert symbol in err
    assert "another name" in err


def test_two_ions_whose_symbols_meet_are_refused(write_model):
    data = _with_ion("z", {})
    data["ions"]["i"] = dict(data["ions"]["z"])
    code, _, err = run_cli("derive", str(write_model(data)))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "ions.i" in err and "z_i" in err and "ion z" in err


@pytest.mark.parametrize("name, extra", [("Ax", IMPERMEANT), ("An", IMPERMEANT), ("Bx", BATH)])
def test_a_neighbouring_name_gets_its_own_nernst_potential(write_model, name, extra):
    code, out, err = run_cli("derive", str(write_model(_with_ion(name, extra))), "--json")
    assert code == 0, err
    quantities = json.loads(out)["quantities"]
    expected = R * T / F * mpmath.log(mpmath.mpf(145) / 12) * 1000  # +66.6 mV
    assert quantities[f"E_{name}"]["value"] == pytest.approx(float(expected), rel=1e-12)
    expected_k = R * T / F * mpmath.log(mpmath.mpf(4) / 140) * 1000
    assert quantities["E_K"]["value"] == pytest.approx(float(expected_k), rel=1e-12)
    if "impermeant" in extra:  # only cations cross: K_i + X_i = A_i and K_i/K_o = X_i/X_o = r, so r = 100/149
        ratio = mpmath.mpf(100) / 149
        assert quantities["donnan_ratio"]["value"] == pytest.approx(float(ratio), rel=1e-12)
        assert quantities["V_donnan"]["value"] == pytest.approx(float(-R * T / F * mpmath.log(ratio) * 1000),
                                                                rel=1e-12)


def test_the_shared_names_cover_every_symbol_of_a_full_model():
    """Every symbol a model with every feature has, other than its ions', is listed as shared."""
    from vrest.derive.builtin import resolve_model
    from vrest.derive.quantities import Derivations

    for model_name in ("neuron", "squid", "pumpleak"):
        model = resolve_model(model_name)
        own = {s.name for ion in model.ions for s in ion.symbols}
        names = set(model.symbols) | set(Derivations(model).ids())
        names -= {f"E_{ion.name}" for ion in model.ions}
        assert names - own <= set(SHARED_NAMES), names - own - set(SHARED_NAMES)
    for symbol in (A_i, z_A, N_A, B_o, g_leak, I_pump):
        assert symbol.name in SHARED_NAMES
    assert {s.name for s in Ion("Na", 1).symbols} == {"Na_i", "Na_o", "N_Na", "z_Na", "g_Na", "P_Na", "E_Na",
                                                      "I_Na"}
