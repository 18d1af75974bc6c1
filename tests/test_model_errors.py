"""Every model-file error of docs/model-format.md: exit code 2, one line naming key and value."""

from __future__ import annotations

import copy

import pytest

from conftest import SEED_PUMP_MODEL, run_cli

NEURON_LIKE = {
    "model": {"name": "cell", "temperature": "37 degC"},
    "membrane": {"capacitance": "1 uF/cm^2"},
    "ions": {
        "K": {"valence": 1, "inside": "140 mM", "outside": "4 mM", "conductance": "0.1 mS/cm^2"},
        "Na": {"valence": 1, "inside": "12 mM", "outside": "145 mM", "conductance": "0.015 mS/cm^2"},
    },
    "pump": {"current": "0.75 uA/cm^2", "stoichiometry": {"Na": 3, "K": -2}},
}


def edited(base, edit):
    data = copy.deepcopy(base)
    edit(data)
    return data


CASES = [
    # (id, base, edit, words that must appear in the one-line message)
    ("unknown key with suggestion", NEURON_LIKE,
     lambda d: d["ions"]["K"].update(condutance=d["ions"]["K"].pop("conductance")),
     ["ions.K.condutance", "unknown key", "did you mean 'conductance'"]),
    ("unknown top-level table", NEURON_LIKE, lambda d: d.update(pumps={"current": "1 uA/cm^2"}),
     ["pumps", "did you mean 'pump'"]),
    ("missing required key", NEURON_LIKE, lambda d: d["model"].pop("temperature"),
     ["model.temperature", "missing required key"]),
    ("missing inside concentration", NEURON_LIKE, lambda d: d["ions"]["Na"].pop("inside"),
     ["ions.Na.inside", "missing"]),
    ("zero concentration", NEURON_LIKE, lambda d: d["ions"]["K"].update(outside="0 mM"),
     ["ions.K.outside", "'0 mM'", "positive"]),
    ("negative concentration", NEURON_LIKE, lambda d: d["ions"]["Na"].update(inside="-12 mM"),
     ["ions.Na.inside", "'-12 mM'", "positive"]),
    ("valence zero", NEURON_LIKE, lambda d: d["ions"]["K"].update(valence=0),
     ["ions.K.valence", "= 0", "non-zero"]),
    ("valence not an integer", NEURON_LIKE, lambda d: d["ions"]["K"].update(valence=1.5),
     ["ions.K.valence", "1.5", "integer"]),
    ("both conductance and permeability", NEURON_LIKE,
     lambda d: d["ions"]["K"].update(permeability="1e-6 cm/s"),
     ["ions.K", "exactly one of 'conductance'", "both"]),
    ("neither conductance nor permeability", NEURON_LIKE, lambda d: d["ions"]["K"].pop("conductance"),
     ["ions.K", "exactly one of 'conductance'", "neither"]),
    ("reversal with inside/outside", NEURON_LIKE, lambda d: d["ions"]["K"].update(reversal="-90 mV"),
     ["ions.K.reversal", "'-90 mV'", "not both"]),
    ("reversal with permeability", SEED_PUMP_MODEL,
     lambda d: d["ions"]["K"].update(permeability=d["ions"]["K"].pop("conductance") and "1e-6 cm/s"),
     ["ions.K.reversal", "'-90 mV'", "ohmic 'conductance' only"]),
    ("stoichiometry names a missing ion", NEURON_LIKE,
     lambda d: d["pump"]["stoichiometry"].update(Ca=1),
     ["pump.stoichiometry.Ca", "no ion 'Ca'"]),
    ("pump moves no net charge", NEURON_LIKE,
     lambda d: d["pump"].update(stoichiometry={"Na": 2, "K": -2}),
     ["pump.current", "'0.75 uA/cm^2'", "no net charge", "electrogenic"]),
    ("unknown unit", NEURON_LIKE, lambda d: d["ions"]["K"].update(inside="140 mMol"),
     ["ions.K.inside", "'140 mMol'", "unknown unit", "concentration"]),
    ("wrong dimension", NEURON_LIKE, lambda d: d["membrane"].update(capacitance="1 mS/cm^2"),
     ["membrane.capacitance", "'1 mS/cm^2'", "not a capacitance per area"]),
    ("bare number", NEURON_LIKE, lambda d: d["model"].update(temperature=310),
     ["model.temperature", "310", "temperature"]),
    ("number without unit in a string", NEURON_LIKE, lambda d: d["ions"]["K"].update(inside="140"),
     ["ions.K.inside", "'140'", "unit is required"]),
    ("bad model name", NEURON_LIKE, lambda d: d["model"].update(name="my cell"),
     ["model.name", "'my cell'", "identifier"]),
    ("bad ion name", NEURON_LIKE, lambda d: d["ions"].update({"Na+": d["ions"].pop("Na")}),
     ["ions.Na+", "ion name"]),
    ("water permeability without volume", NEURON_LIKE,
     lambda d: d["membrane"].update(water_permeability="1e-12 cm/s/Pa"),
     ["membrane.water_permeability", "needs membrane.area"]),
    ("non-positive temperature", NEURON_LIKE, lambda d: d["model"].update(temperature="-300 degC"),
     ["model.temperature", "positive"]),
]


@pytest.mark.parametrize("base, edit, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_model_error(write_model, base, edit, words):
    code, out, err = run_cli("derive", str(write_model(edited(base, edit))), "--json")
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], (word, lines[0])


def test_not_toml_names_line_and_column(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('[model]\nname = "x"\ntemperature = 37 degC\n', encoding="utf-8")
    code, out, err = run_cli("derive", str(path))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "not valid TOML" in err and "line 3" in err and "column" in err


def test_missing_file_and_unknown_model(tmp_path):
    code, _, err = run_cli("derive", str(tmp_path / "absent.toml"))
    assert code == 2 and err.strip().endswith(f"MODEL = '{tmp_path / 'absent.toml'}': cannot be read: No such file or "
                                              "directory")
    code, _, err = run_cli("rest", str(tmp_path / "absent.cellml"))  # a CellML file's: the same words
    assert code == 2 and err.strip().endswith(f"MODEL = '{tmp_path / 'absent.cellml'}': cannot be read: No such file "
                                              "or directory")
    code, _, err = run_cli("derive", "octopus")
    assert code == 2 and "'octopus'" in err and "neuron" in err


def test_usage_error_is_one_line():
    code, out, err = run_cli("derive", "--json", "--latex")
    assert code == 2 and len(err.strip().splitlines()) == 1
