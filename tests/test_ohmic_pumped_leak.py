"""An ohmic leak of an ion the pump moves balances any pump current: g (V - E_Na) with E_Na = (RT/F) ln(Na_o/Na_i)
grows without bound as Na_i falls, so the steady states never end at a largest pump rate; they only leave what a
cell can hold (Na_i below one particle in a nanolitre). pump_max and V_ss say so instead of quoting 9e17 uA/cm^2 as
a limit and blaming a fixed volume for growing."""

from __future__ import annotations

import pytest
from conftest import run_cli

CELL = """
[model]
name = "ohmic_na"
temperature = "35 degC"

[membrane]
capacitance = "0.9 uF/cm^2"
area = "2000 um^2"
volume = "3000 um^3"

[ions.K]
valence = 1
inside = "130 mM"
outside = "5 mM"
permeability = "2e-6 cm/s"

[ions.Na]
valence = 1
inside = "15 mM"
outside = "140 mM"
conductance = "0.01 mS/cm^2"

[ions.Cl]
valence = -1
inside = "8 mM"
outside = "120 mM"
permeability = "5e-7 cm/s"

[impermeant]
valence = -1
concentration = "137 mM"

[pump]
current = "{current} uA/cm^2"
stoichiometry = {{ Na = 3, K = -2 }}
"""


@pytest.mark.parametrize("current", ["0.8", "10", "100"])
def test_pump_max_names_the_ohmic_leak_that_balances_any_pump(tmp_path, current):
    """The same answer whatever the file's own pump rate (it was '9.22e+17' at 0.8 and '9.87e+18' at 10 uA/cm^2)."""
    path = tmp_path / "cell.toml"
    path.write_text(CELL.format(current=current), encoding="utf-8")
    code, out, err = run_cli("derive", str(path), "--quantity", "pump_max")
    assert code == 0, err
    assert ("pump_max: none: the ohmic leak of Na, which the pump moves, balances any pump current (E_Na grows "
            "without bound as Na_i falls), so the steady states do not end at a largest pump rate: at a stronger pump "
            "their Na_i is only smaller, soon below 1e-15 mM") in out
    assert "uA/cm^2" not in out.split("pump_max:")[1]


def test_a_sweep_of_it_leaks_no_numpy_warning(tmp_path):
    path = tmp_path / "cell.toml"
    path.write_text(CELL.format(current="0.8"), encoding="utf-8")
    code, out, err = run_cli("sweep", str(path), "--vary", "pump.current=0.8, 1000 uA/cm^2", "--quantity", "V_ss")
    assert code == 0, err
    assert "overflow" not in err and "invalid value" not in err
    assert "V_ss: no value at 1 of 2 points: the current balance has no zero crossing for |V| < 10 V" in err


def test_a_steady_state_past_what_a_cell_holds_is_said_so(tmp_path):
    path = tmp_path / "cell.toml"
    path.write_text(CELL.format(current="100"), encoding="utf-8")
    code, out, err = run_cli("derive", str(path), "--quantity", "V_ss")
    assert code == 0, err
    assert "an amount falls towards 0, below 1e-15 of its start" in out and "volume" not in out.split("V_ss:")[1]
