"""pump_max is the end of the steady states vrest computes: those with the membrane capacitor's charge.

V_ss and the start of ``vrest simulate`` are the steady state with zero net charge beyond the capacitor's
(C_m A V = F Vol (sum z X_i + z_A A_i)); pump_max, its reason texts and the refusals above it use the same
condition, so just below pump_max derive and simulate find a steady state and just above they refuse. The
expected values are roots of the equations written out in test_pump_max.na_free_edge (mpmath, 40 digits)
and, for the cell below, an independent mpmath root of the full steady state with Na_i = 0 (K, Na, Cl flux
balance, osmotic balance, zero net charge): 0.5123441916743281 uA/cm^2. Under strict electroneutrality
the same cell gives 0.5123514885551 uA/cm^2, 1.4e-5 higher: the rates tested lie 1e-6 either side of the
true end, inside that gap.
"""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from conftest import run_cli, toml_dumps
from test_pump_max import na_free_edge

from vrest.codegen.simulation.integrate import simulate
from vrest.codegen.simulation.vanishing import VanishingConcentration
from vrest.derive.derivation import NotApplicable
from vrest.derive.modelfile import model_from_dict
from vrest.derive.quantities import Derivations

ROOT = Path(__file__).resolve().parent.parent
F, R = 96485.33212, 8.314462618

# Kay's pump-leak cell (the built-in pumpleak) with a constant pump and no bath impermeant.
CONSTANT_PUMP = {
    "model": {"name": "constant_pump", "temperature": "25 degC"},
    "membrane": {"capacitance": "1 uF/cm^2", "area": "314.159265358979 um^2", "volume": "178.9 um^3",
                 "water_permeability": "1.0892e-10 cm/s/Pa", "initial_potential": "-95 mV"},
    "ions": {"K": {"valence": 1, "inside": "134.5 mM", "outside": "3 mM", "permeability": "6.6e-6 cm/s"},
             "Na": {"valence": 1, "inside": "15.5 mM", "outside": "147 mM", "permeability": "2.8e-8 cm/s"},
             "Cl": {"valence": -1, "inside": "3.7 mM", "outside": "150 mM", "permeability": "3.7e-6 cm/s"}},
    "pump": {"current": "0.5 uA/cm^2", "stoichiometry": {"Na": 3, "K": -2}},
    "impermeant": {"concentration": "146.3 mM", "valence": -1},
}
INDEPENDENT_PUMP_MAX = 0.5123441916743281  # uA/cm^2 (module docstring)


def _with_pump(current_uA: float) -> dict:
    data = copy.deepcopy(CONSTANT_PUMP)
    data["pump"]["current"] = f"{current_uA!r} uA/cm^2"
    return data


def test_pump_max_is_the_end_of_the_steady_states_with_the_capacitor_charge():
    expected = float(na_free_edge(CONSTANT_PUMP)[1]) * 100
    assert expected == pytest.approx(INDEPENDENT_PUMP_MAX, rel=1e-13)  # the two independent roots agree
    strict = float(na_free_edge(CONSTANT_PUMP, capacitor=False)[1]) * 100
    assert strict == pytest.approx(0.5123514885551, rel=1e-12) and strict / expected - 1 > 1e-5
    pump_max = Derivations(model_from_dict(CONSTANT_PUMP)).get("pump_max")
    assert pump_max.value * 100 == pytest.approx(expected, rel=1e-12)
    assert "zero net charge beyond the membrane capacitor's" in " ".join(pump_max.assumptions)


@pytest.mark.parametrize("side", [-1, 1], ids=["just_below", "just_above"])
def test_derive_and_simulate_agree_with_pump_max_either_side_of_it(tmp_path, side):
    current = INDEPENDENT_PUMP_MAX * (1 + side * 1e-6)
    path = tmp_path / "cell.toml"
    path.write_text(toml_dumps(_with_pump(current)), encoding="utf-8")
    code, out, err = run_cli("derive", str(path), "--json", "--quantity", "V_ss", "--quantity", "pump_max")
    assert code == 0, err
    document = json.loads(out)
    assert document["quantities"]["pump_max"]["value"] == pytest.approx(INDEPENDENT_PUMP_MAX, rel=1e-12)
    code, out, err = run_cli("simulate", str(path), "--times", "0 s,10 s", "--json")
    if side < 0:
        assert "V_ss" in document["quantities"], document["not_applicable"]
        assert code == 0, err
        sodium = json.loads(out)["states"]["Na_i"]["values"]
        assert 0 < sodium[0] < 0.05 and sodium[1] == pytest.approx(sodium[0], rel=1e-6)  # mM: nearly used up
    else:
        reason = document["not_applicable"]["V_ss"]
        assert "the pump is too strong" in reason and "Na_i falls to 0" in reason
        assert code == 2 and err.count("\n") == 1 and "no steady state to start from" in err


def test_the_limit_quoted_for_a_saturating_pump_is_that_of_the_same_steady_states():
    """pumpleak: as I_max grows the pump current approaches the one at which Na_i = 0 (0.4954126 uA/cm^2)."""
    data = tomllib.loads((ROOT / "derive" / "models" / "pumpleak.toml").read_text(encoding="utf-8"))
    expected = float(na_free_edge(data)[1]) * 100
    assert expected == pytest.approx(0.4954125796, rel=1e-9)  # an independent continuation's limit
    code, out, err = run_cli("derive", "pumpleak", "--json", "--quantity", "pump_max")
    assert code == 0, err
    reason = json.loads(out)["not_applicable"]["pump_max"]
    assert reason.startswith("none") and f"approaches {expected:.6g} uA/cm^2" in reason
    assert f"{expected:.6g}" == "0.495413"


def _textbook_constant_pump(current: float):
    """dy/dt, y = (V, N_K, N_Na, N_Cl, Vol) SI, of CONSTANT_PUMP written out: GHK leaks, a constant 3:2 pump
    current, amount balances and osmotic water flow (DOMAIN.md sections 2, 4, 6, 7)."""
    t = 298.15
    c_m, area, l_p = 1e-2, 314.159265358979e-12, 1.0892e-12
    outside = {"K": 3.0, "Na": 147.0, "Cl": 150.0}
    perm = {"K": 6.6e-8, "Na": 2.8e-10, "Cl": 3.7e-8}
    valence = {"K": 1, "Na": 1, "Cl": -1}
    n_a = 146.3 * 178.9e-18

    def ghk(x, inside, v):
        u = valence[x] * F * v / (R * t)
        return perm[x] * valence[x] * F * u * (inside - outside[x] * np.exp(-u)) / -np.expm1(-u)

    def rhs(_, y):
        v, n_k, n_na, n_cl, vol = y
        i = {x: ghk(x, n / vol, v) for x, n in (("K", n_k), ("Na", n_na), ("Cl", n_cl))}
        return [-(sum(i.values()) + current) / c_m,
                -area / F * (i["K"] - 2 * current),
                -area / F * (i["Na"] + 3 * current),
                area / F * i["Cl"],
                l_p * area * R * t * ((n_k + n_na + n_cl + n_a) / vol - sum(outside.values()))]

    return rhs


OVERPUMPED = {**copy.deepcopy(CONSTANT_PUMP), "scenario": {"over": {"at": "0 s", "scale": {"pump": 1.2}}}}


def _na_crossing() -> float:
    """When Na_i reaches 0 with the pump at 0.6 uA/cm^2 from the file's state: Radau (rtol 1e-11), an event."""
    volume = 178.9e-18
    start = [-0.095, 134.5 * volume, 15.5 * volume, 3.7 * volume, volume]

    def sodium(_, y):
        return y[2]

    sodium.terminal, sodium.direction = True, -1
    reference = solve_ivp(_textbook_constant_pump(0.6e-2), (0, 1000), start, method="Radau", rtol=1e-11,
                          atol=1e-13 * np.abs(start), events=sodium)
    return float(reference.t_events[0][0])


def test_a_pump_above_pump_max_that_empties_the_cell_of_na_is_named():
    """The pump scaled by 1.2 (0.6 uA/cm^2) from the file's state: vrest names Na_i, the time it reaches 0 and
    pump_max."""
    crossing = _na_crossing()
    assert 200 < crossing < 400
    model = model_from_dict(OVERPUMPED)
    with pytest.raises(VanishingConcentration) as caught:
        simulate(model, "over", [0.0, 100.0, 400.0], start="given")
    assert caught.value.name == "Na_i" and caught.value.t == pytest.approx(crossing, rel=1e-6)
    message = str(caught.value)
    assert f"Na_i falls to 0 at t = {crossing:.6g} s" in message
    pump_max = float(na_free_edge(CONSTANT_PUMP)[1]) * 100
    assert f"I_pump = 0.6 uA/cm^2, is above pump_max = {pump_max:.6g} uA/cm^2" in message
    assert "overflows" not in message and "\n" not in message


def test_the_command_line_names_the_vanishing_concentration(tmp_path):
    path = tmp_path / "over.toml"
    path.write_text(toml_dumps(OVERPUMPED), encoding="utf-8")
    code, out, err = run_cli("simulate", str(path), "--scenario", "over", "--start", "given", "--times",
                             "0 s,100 s,400 s")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert f"Na_i falls to 0 at t = {_na_crossing():.6g} s" in err and "above pump_max = 0.512344 uA/cm^2" in err


def test_a_batch_names_the_first_output_time_by_which_it_happened():
    model = model_from_dict(OVERPUMPED)
    with pytest.raises(VanishingConcentration) as caught:
        simulate(model, "over", [0.0, 100.0, 400.0], params={"I_pump": np.array([0.4e-2, 0.5e-2])}, start="given")
    assert caught.value.t == 400.0 and caught.value.parameters is None
    assert "Na_i falls to 0 by t = 400 s in a parameter set of the batch" in str(caught.value)


def test_no_pump_max_when_an_ion_with_a_fixed_reversal_breaks_charge_conservation():
    """Its current moves no amount: the steady state is then the current balance, not the charge condition."""
    data = copy.deepcopy(CONSTANT_PUMP)
    data["ions"]["X"] = {"valence": 1, "reversal": "-50 mV", "conductance": "0.01 mS/cm^2"}
    with pytest.raises(NotApplicable, match="fixed reversal potential .* charge is not conserved"):
        Derivations(model_from_dict(data)).get("pump_max")
