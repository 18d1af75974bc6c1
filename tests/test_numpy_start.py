"""The NumPy export starts, like every export, at the steady state, and its comment says so.

Checked with the module's own right-hand side (every rate vanishes there) and with the charge balance
written out here: a cell holds only its membrane capacitor's charge, C_m A V = F (N_K + N_Na - N_Cl + z_A N_A).
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from tests.conftest import run_cli


def _export(model: str, folder):
    code, out, err = run_cli("export", model, "--to", "numpy", "-o", str(folder))
    assert code == 0, err
    path = folder / f"{model}_numeric.py"
    spec = importlib.util.spec_from_file_location(f"{model}_numeric_{folder.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, path.read_text(encoding="utf-8")


@pytest.mark.parametrize("model", ["pumpleak", "neuron", "squid"])
def test_the_numpy_module_starts_at_the_steady_state(model, tmp_path):
    module, text = _export(model, tmp_path / "a")
    assert "# Defaults: the steady state with the pump on (as vrest simulate starts)." in text
    assert "given state" not in text
    y, p = np.asarray(module.STATE_VALUES), np.asarray(module.PARAMETER_VALUES)
    rates = np.asarray(module.rhs(0.0, y, p))
    assert np.all(np.abs(rates) <= 1e-9 * np.abs(y)), rates / y  # every state at rest (relative rate below 1e-9/s)
    assert _export(model, tmp_path / "b")[1] == text  # deterministic


def test_the_pumpleak_start_carries_only_the_capacitor_charge(tmp_path):
    module, _ = _export("pumpleak", tmp_path)
    state = dict(zip(module.STATE_NAMES, module.STATE_VALUES))
    p = dict(zip(module.PARAMETER_NAMES, module.PARAMETER_VALUES))
    bulk = state["N_K"] + state["N_Na"] - state["N_Cl"] + p["z_A"] * p["N_A"]
    assert p["C_m"] * p["A_m"] * state["V"] == pytest.approx(p["F"] * bulk, rel=1e-9)
    # not the file's amounts (K 134.5 mM x 178.9 um^3): those carry a net charge of their own
    assert state["Vol"] != pytest.approx(178.9e-18, rel=1e-6, abs=0)
