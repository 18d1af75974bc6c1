"""What a sweep of a model with gated channels gives is what the README and the format reference say: the
Nernst potentials only, another quantity refused in one line."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli

ROOT = Path(__file__).parents[1]


def test_a_sweep_of_hh_refuses_v_ss_in_one_line():
    code, out, err = run_cli("sweep", "hh", "--vary", "model.temperature=6.3..20 degC 3", "--quantity", "V_ss")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "not applicable to model hh: a sweep of a model with channels evaluates only the Nernst potentials" in err


def test_the_docs_say_so():
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "of a model with gated channels only the Nernst potentials E_X" in readme
    reference = " ".join((ROOT / "docs" / "model-format.md").read_text(encoding="utf-8").split())
    assert "of a model with gated channels (`[channels.*]`) only the Nernst potentials `E_X`" in reference
