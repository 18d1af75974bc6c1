"""The NumPy export starts, like every export, at the steady state, and its comment says so.

Checked with the module's own right-hand side (every rate vanishes there) and with the charge balance
written out here: a cell holds only its membrane capacitor's charge, C_m A V = F (N_K + N_Na - N_Cl + z_A N_A).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

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


def test_the_module_of_a_vrest_model_has_the_interface_of_a_files_module(tmp_path):
    """STATE_UNITS, STATE_SCALES and VOLTAGE_INDEX, as the module of a CellML or SBML file has them, so one script
    serves both: pumpleak's states are V (mV), the amounts (fmol) and the volume (um^3), values in SI."""
    module, _ = _export("pumpleak", tmp_path / "own")
    code, _, err = run_cli("export", str(Path(__file__).parent / "models" / "luo_rudy_1991.cellml"), "--to", "numpy", "-o", str(tmp_path / "file"))
    assert code == 0, err
    text = (tmp_path / "file" / "luo_rudy_1991_numeric.py").read_text(encoding="utf-8")
    for name in ("STATE_NAMES", "STATE_UNITS", "STATE_UNITS_SI", "STATE_VALUES", "STATE_SCALES", "VOLTAGE_INDEX",
                 "PARAMETER_NAMES", "PARAMETER_VALUES", "QUANTITY_NAMES"):
        assert f"\n{name} = " in text and hasattr(module, name), name
    assert module.STATE_NAMES == ("V", "N_K", "N_Na", "N_Cl", "Vol") and module.VOLTAGE_INDEX == 0
    assert module.STATE_UNITS == ("mV", "fmol", "fmol", "fmol", "um^3")
    assert module.STATE_UNITS_SI == ("V", "mol", "mol", "mol", "m^3")
    # 178.9 um^3 in the model file: the steady state's volume is near it, and 1 um^3 is 1e-18 m^3.
    assert module.STATE_VALUES[4] == pytest.approx(178.9e-18, rel=0.01)
    assert list(module.STATE_SCALES) == [abs(v) for v in module.STATE_VALUES]
    hh, _ = _export("hh", tmp_path / "hh")
    assert hh.STATE_UNITS == ("mV", "", "", "")  # gates: dimensionless, as a file's module writes them
