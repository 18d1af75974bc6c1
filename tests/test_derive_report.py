"""`vrest derive --report`: a Markdown document with MathJax-renderable LaTeX, every step and value."""

from __future__ import annotations

import json
import math
import re

import pytest

from codegen.report import check_latex
from conftest import run_cli
from derive.builtin import BUILTIN_MODELS, resolve_model
from derive.quantities import derive_all


def _math_blocks(text: str) -> list[str]:
    display = re.findall(r"\$\$\n(.*?)\n\s*\$\$", text, flags=re.S)
    inline = re.findall(r"(?<!\$)\$([^$\n]+)\$(?!\$)", re.sub(r"\$\$\n.*?\n\s*\$\$", "", text, flags=re.S))
    return display + inline


@pytest.mark.parametrize("name", BUILTIN_MODELS)
def test_report_for_every_builtin_model(tmp_path, name):
    out = tmp_path / f"{name}.md"
    code, stdout, stderr = run_cli("derive", name, "--report", str(out))
    assert code == 0 and stdout.strip() == str(out) and stderr == ""
    text = out.read_text()
    assert text.count("$$") % 2 == 0
    blocks = _math_blocks(text)
    assert blocks
    for block in blocks:
        assert check_latex(block) == [], block
    derived, reasons = derive_all(resolve_model(name))
    for qid, derivation in derived.items():
        assert f"### `{qid}`" in text
        value = f"{derivation.display_value:.6g}"
        assert value in text, (qid, value)
        for step in derivation.steps:
            assert step.text in text
        for assumption in derivation.assumptions:
            assert assumption in text
    for qid, reason in reasons.items():
        assert f"`{qid}`: {reason}" in text
    assert "## The ouabain scenario" in text
    # deterministic: the same bytes a second time
    again = tmp_path / "again.md"
    run_cli("derive", name, "--report", str(again))
    assert again.read_bytes() == out.read_bytes()


def test_quantity_restricts_the_report(tmp_path):
    out = tmp_path / "r.md"
    code, _, _ = run_cli("derive", "squid", "--report", str(out), "--quantity", "V_mullins_noda",
                         "--quantity", "tau_m")
    assert code == 0
    text = out.read_text()
    assert "### `V_mullins_noda`" in text and "### `tau_m`" in text
    assert "### `E_K`" not in text and "ouabain scenario" not in text


def test_unknown_quantity_and_unwritable_path_exit_2(tmp_path):
    code, _, stderr = run_cli("derive", "neuron", "--report", str(tmp_path / "r.md"), "--quantity", "V_bogus")
    assert code == 2 and "V_bogus" in stderr and len(stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r.md").exists()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, stderr = run_cli("derive", "neuron", "--report", str(blocker / "r.md"))
    assert code == 2 and "--report" in stderr


def test_check_latex_catches_problems():
    assert check_latex(r"\frac{a}{b}") == []
    assert check_latex(r"\frac{a}{b") == ["unclosed '{'"]
    assert check_latex(r"\foo x") == ["unsupported macro \\foo"]
    assert check_latex(r"V_{a}_{b}") == ["double subscript"]


def test_json_contract_unchanged_and_no_nan(write_model):
    code, stdout, _ = run_cli("derive", "pumpleak", "--json")
    document = json.loads(stdout)
    assert set(document) == {"model", "quantities", "not_applicable"}
    for entry in document["quantities"].values():
        assert {"value", "unit", "expression", "latex"} <= set(entry)
        assert math.isfinite(entry["value"])
    assert document["quantities"]["V_mullins_noda"]["unit"] == "mV"
    assert document["quantities"]["tau_slow"]["unit"] == "s"


def test_no_steady_state_is_reported_not_nan(write_model):
    # A GHK K leak against an absurd pump current: the balance has no root within +-10 V.
    data = {
        "model": {"name": "overpumped", "temperature": "20 degC"},
        "membrane": {"capacitance": "1 uF/cm^2"},
        "ions": {"K": {"valence": 1, "inside": "400 mM", "outside": "20 mM", "permeability": "1e-6 cm/s"},
                 "Na": {"valence": 1, "inside": "50 mM", "outside": "440 mM", "permeability": "4e-8 cm/s"}},
        "pump": {"current": "1e9 uA/cm^2", "stoichiometry": {"Na": 3, "K": -2}},
    }
    code, stdout, _ = run_cli("derive", str(write_model(data)), "--json")
    assert code == 0
    document = json.loads(stdout)
    assert "V_ss" not in document["quantities"]
    assert "no zero crossing" in document["not_applicable"]["V_ss"]
    assert "dV_pump" in document["not_applicable"]
    assert "NaN" not in stdout and "Infinity" not in stdout
