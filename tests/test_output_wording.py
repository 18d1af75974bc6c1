"""Small things a reader sees: a description in the model's own ions, no empty report heading, output
times as the decimals they are, a Derivation's repr in its unit."""

from __future__ import annotations

import json
from fractions import Fraction

from conftest import run_cli
from vrest.derive.builtin import resolve_model
from vrest.derive.quantities import Derivations


def test_the_donnan_ratio_is_described_with_the_models_ions(write_model):
    data = {"model": {"name": "cations", "temperature": "37 degC"}, "membrane": {"capacitance": "1 uF/cm^2"},
            "ions": {"K": {"valence": 1, "inside": "140 mM", "outside": "4 mM", "conductance": "0.1 mS/cm^2"},
                     "Na": {"valence": 1, "inside": "12 mM", "outside": "145 mM", "conductance": "0.01 mS/cm^2"}},
            "impermeant": {"valence": -1, "concentration": "100 mM"}}
    code, out, _ = run_cli("derive", str(write_model(data)), "--json", "--quantity", "donnan_ratio")
    assert code == 0
    description = json.loads(out)["quantities"]["donnan_ratio"]["description"]
    assert description.startswith("Donnan ratio K_i/K_o = Na_i/Na_o at") and "Cl" not in description
    code, out, _ = run_cli("derive", "pumpleak", "--json", "--quantity", "donnan_ratio")
    assert "K_i/K_o = Na_i/Na_o = Cl_o/Cl_i" in json.loads(out)["quantities"]["donnan_ratio"]["description"]


def test_a_report_of_sections_only_has_no_empty_heading(tmp_path):
    path = tmp_path / "r.md"
    assert run_cli("derive", "neuron", "--quantity", "time_constants", "--report", str(path))[0] == 0
    text = path.read_text(encoding="utf-8")
    assert "## Derived quantities" not in text and "## Time constants" in text


def test_output_times_are_the_decimals_they_stand_for():
    code, out, _ = run_cli("simulate", "neuron", "--scenario", "high_K", "--json")  # 0.05 s after the step at 0.1 s
    t = json.loads(out)["t"]["values"]
    assert len(t) == 401
    assert t == [float(Fraction("0.15") * k / 400) for k in range(401)]
    assert t[-1] == 0.15 and max(len(repr(value)) for value in t) <= 11


def test_a_derivation_shows_its_value_in_its_unit():
    text = repr(Derivations(resolve_model("neuron")).get("V_ss"))
    assert "value=-76.6424 mV (SI -0.0766" in text and "id='V_ss'" in text
