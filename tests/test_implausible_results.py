"""Results no cell can reach get one warning line each, in derive, the report and simulate: a potential
beyond what a membrane withstands (derive.limits' voltage ranges), a volume beyond what the membrane's
fixed area encloses as a sphere; and a scenario step that leaves the bath unbalanced is named as the file's
own bath is. Expected numbers are written out here with mpmath.
"""

from __future__ import annotations

import copy
import json
import re

import mpmath
import pytest

from tests.conftest import run_cli
from vrest.derive.builtin import builtin_text

R, F = mpmath.mpf("8.314462618"), mpmath.mpf("96485.33212")


def _warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("vrest: warning: ")]


def _sphere_um3(area_um2: str) -> mpmath.mpf:
    radius = mpmath.sqrt(mpmath.mpf(area_um2) / (4 * mpmath.pi))
    return 4 * mpmath.pi * radius ** 3 / 3


BIG_PUMP = {
    "model": {"name": "big_pump", "temperature": "37 degC"},
    "membrane": {"capacitance": "1 uF/cm^2"},
    "ions": {"K": {"valence": 1, "inside": "140 mM", "outside": "4 mM", "conductance": "0.1 mS/cm^2"},
             "Na": {"valence": 1, "inside": "12 mM", "outside": "145 mM", "conductance": "0.01 mS/cm^2"}},
    "pump": {"current": "1e4 uA/cm^2", "stoichiometry": {"Na": 3, "K": -2}},
}


def test_a_potential_beyond_what_a_membrane_withstands_is_named(write_model):
    code, out, err = run_cli("derive", str(write_model(BIG_PUMP)), "--json")
    assert code == 0
    T = mpmath.mpf("310.15")
    e_k, e_na = (R * T / F * mpmath.log(o / i) for o, i in ((mpmath.mpf(4), 140), (mpmath.mpf(145), 12)))
    # SI: g in S/m^2 (1 mS/cm^2 = 10 S/m^2), I_pump in A/m^2 (1 uA/cm^2 = 0.01 A/m^2)
    v_ss = (1 * e_k + mpmath.mpf("0.1") * e_na - 100) / mpmath.mpf("1.1") * 1000  # -90989.4 mV
    assert json.loads(out)["quantities"]["V_ss"]["value"] == pytest.approx(float(v_ss), rel=1e-12)
    said = [line for line in _warnings(err) if "V_ss" in line]
    assert len(said) == 1
    assert f"V_ss = {float(v_ss):.6g} mV is outside the physical range -2000 mV to 2000 mV" in said[0]
    assert "breaks down" in said[0]
    # E_K and E_Na are ordinary: no word about them; dV_pump is a shift, not a potential of the cell
    assert not any(word in line for line in _warnings(err) for word in ("E_K", "E_Na", "dV_pump"))


def test_an_unusual_potential_is_named_as_unusual(write_model):
    data = copy.deepcopy(BIG_PUMP)
    data["pump"]["current"] = "0.5 uA/cm^2"
    data["ions"]["K"]["outside"] = "1e-6 mM"  # E_K = RT/F ln(1e-6/140) = -501 mV
    code, _, err = run_cli("derive", str(write_model(data)))
    e_k = R * mpmath.mpf("310.15") / F * mpmath.log(mpmath.mpf("1e-6") / 140) * 1000
    assert code == 0
    assert f"vrest: warning: E_K = {float(e_k):.6g} mV is below -250 mV, beyond what living cells show" in err


def test_ordinary_models_get_no_such_warning():
    for name in ("neuron", "squid", "pumpleak"):
        code, _, err = run_cli("derive", name)
        assert code == 0 and _warnings(err) == [], err


def test_a_steady_volume_the_membrane_cannot_enclose_is_named(tmp_path):
    code, out, err = run_cli("derive", "pumpleak", "--scenario", "ouabain", "--json")
    assert code == 0
    volume = json.loads(out)["scenario"]["steps"][0]["quantities"]["volume_ss"]["value"]  # the Donnan volume
    largest = _sphere_um3("314.159265358979")  # a sphere of radius 5 um: 523.599 um^3
    assert volume > float(largest)
    (said,) = [line for line in _warnings(err) if "volume_ss" in line]
    assert said.startswith("vrest: warning: scenario ouabain, step 1 at 0 s: volume_ss = ")
    assert f"{volume:.6g} um^3 is more than a membrane of area 314.159 um^2 can enclose" in said
    assert f"a sphere holds {float(largest):.6g} um^3" in said and "burst" in said
    # the report says it as well
    code, _, err = run_cli("derive", "pumpleak", "--scenario", "ouabain", "--quantity", "volume_ss",
                           "--report", str(tmp_path / "r.md"))
    assert code == 0 and any("volume_ss" in line and "can enclose" in line for line in _warnings(err))


def test_a_simulated_volume_the_membrane_cannot_enclose_is_named():
    code, out, err = run_cli("simulate", "pumpleak", "--scenario", "ouabain", "--times", "0 s,1 h,3 h", "--json")
    assert code == 0
    volume = json.loads(out)["states"]["volume"]["values"]
    largest = float(_sphere_um3("314.159265358979"))
    assert volume[0] < largest < volume[-1]  # 179 -> 617 um^3
    (said,) = _warnings(err)
    assert said == (f"vrest: warning: the volume at t = 3 h = {volume[-1]:.6g} um^3 is more than a membrane of "
                    f"area 314.159 um^2 can enclose (a sphere holds {largest:.6g} um^3): with its area fixed the "
                    "cell would burst, or have to add membrane, before it got there")
    code, _, err = run_cli("simulate", "pumpleak", "--scenario", "ouabain", "--times", "0 s,1 min")
    assert code == 0 and _warnings(err) == []


def _na_free() -> str:
    text = builtin_text("pumpleak")
    return text + ('\n[scenario.Na_free]\nsteps = [ { at = "0 s", set = { "ions.Na.outside" = "1e-6 mM" } },\n'
                   '  { at = "10 s", set = { "ions.Na.outside" = "142 mM" } } ]\n')


@pytest.mark.parametrize("command", [("derive",), ("simulate", "--t-end", "20 s")])
def test_a_step_that_unbalances_the_bath_is_named(command, tmp_path):
    path = tmp_path / "na_free.toml"
    path.write_text(_na_free(), encoding="utf-8")
    code, _, err = run_cli(command[0], str(path), "--scenario", "Na_free", *command[1:])
    assert code == 0, err
    bath = [line for line in _warnings(err) if "electroneutral" in line]
    # K_o + Na_o = 3 + 1e-6 mM against Cl_o = 145 mM: 142 mM more negative charge; step 2 restores the bath
    excess = mpmath.mpf(145) - 3 - mpmath.mpf("1e-6")
    assert bath == [f"vrest: warning: scenario Na_free, step 1 at 0 s: the bath is not electroneutral: K_o + Na_o "
                    f"= {float(3 + mpmath.mpf('1e-6')):.6g} mM against Cl_o = 145 mM ({float(excess):.6g} mM more "
                    "negative charge); the Donnan and volume results count only the listed ions"]
    code, _, err = run_cli(command[0], str(path), *command[1:])  # without the scenario: not a word
    assert code == 0 and not any("electroneutral" in line for line in _warnings(err))


def test_the_file_limits_and_the_results_share_one_sphere(write_model):
    """The model file's own volume is refused by the same bound the results are warned at."""
    text = builtin_text("pumpleak").replace('volume = "178.9 um^3"', 'volume = "523.7 um^3"')
    path = write_model({})  # a file to overwrite
    path.write_text(text, encoding="utf-8")
    code, _, err = run_cli("derive", str(path))
    largest = float(_sphere_um3("314.159265358979"))
    assert code == 2 and re.search(rf"a sphere holds {largest:.6g} um\^3", err)


def test_when_a_simulated_volume_passes_what_the_membrane_encloses_is_said():
    """Between the outputs at 1.5 h and 2 h the volume passes the sphere's (radius 5 um, 523.599 um^3): the
    warning names the run's largest volume and about when it passed the bound, between those two outputs, in the
    table's hours (it said "t = 10800 s" under a table in h)."""
    code, out, err = run_cli("simulate", "pumpleak", "--scenario", "ouabain", "--times", "0 s,1 h,1.5 h,2 h,3 h",
                             "--json")
    assert code == 0
    volume = json.loads(out)["states"]["volume"]["values"]
    largest = float(_sphere_um3("314.159265358979"))
    assert volume[2] < largest < volume[3]
    (said,) = _warnings(err)
    when = float(re.search(rf"; it passes {largest:.6g} um\^3 at about t = ([\d.]+) h$", said).group(1))
    assert 1.5 < when < 2
    assert said.startswith(f"vrest: warning: the volume at t = 3 h = {volume[-1]:.6g} um^3 is more than")
