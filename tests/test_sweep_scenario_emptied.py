"""A scenario sweep in which one point's run empties an amount: that point, not the sweep, stops.

The cell is the pump-leak cell with a constant pump (0.48 uA/cm^2 at scale 1); its Na leak is blocked at 60 s.
From then on the only Na flux is the pump's, 3 Na out per charge: dN_Na/dt = -3 I_pump A / F exactly, so the amount
falls linearly and reaches 0 at t = 60 s + N_Na(0) F / (3 I_pump A). With a 1 % pump (0.0048 uA/cm^2) the cell
holds Na for hours; with the whole pump it is empty after about a minute.
"""

from __future__ import annotations

import numpy as np
import pytest

from vrest.codegen.sweep import sweep
from vrest.codegen.sweep.runtime import REASONS, RUN_EMPTIED

F = 96485.33212  # C/mol
AREA = 314.159265358979e-8  # cm^2
PUMP = 0.48e-6  # A/cm^2 at scale 1

CELL = """
[model]
name = "emptied"
description = "pump-leak cell, constant pump"
source = "test"
temperature = "25 degC"

[membrane]
capacitance = "1 uF/cm^2"
area = "314.159265358979 um^2"
volume = "178.9 um^3"
water_permeability = "1.0892e-10 cm/s/Pa"

[ions.K]
valence = 1
inside = "134.5 mM"
outside = "3 mM"
permeability = "6.6e-6 cm/s"

[ions.Na]
valence = 1
inside = "15.5 mM"
outside = "142 mM"
permeability = "2.8e-8 cm/s"

[ions.Cl]
valence = -1
inside = "3.7 mM"
outside = "145 mM"
permeability = "3.7e-6 cm/s"

[pump]
current = "0.48 uA/cm^2"

[pump.stoichiometry]
Na = 3
K = -2

[impermeant]
concentration = "146.3 mM"
valence = -1

[bath]
impermeant = "10 mM"

[scenario.blockNa]
at = "1 min"
set = { "ions.Na.permeability" = "0 cm/s" }
"""

def _amount(result, point: int, time: int) -> float:
    """N_Na (mol) at a point and output time, from the sweep's Na_i (mM) and volume (um^3)."""
    return result["Na_i"].values[point, time] * result["volume"].values[point, time] * 1e-18

def test_the_point_whose_run_empties_na_keeps_its_states_before_it_and_the_sweep_goes_on(tmp_path):
    path = tmp_path / "emptied.toml"
    path.write_text(CELL, encoding="utf-8")
    probe = sweep(str(path), {"pump": "1"}, scenario="blockNa", times=[0.0, 100.0])
    n0 = _amount(probe, 0, 0)
    rate = 3 * PUMP * AREA / F  # mol/s of Na the pump takes out
    emptied = 60.0 + n0 / rate
    assert 120 < emptied < 130
    times = [0.0, 100.0, emptied - 1.0, emptied + 1.0, 600.0]
    result = sweep(str(path), {"pump": "0.01, 1"}, scenario="blockNa", times=times)
    assert _amount(result, 1, 1) == pytest.approx(n0 - rate * 40.0, rel=1e-6)
    assert _amount(result, 1, 2) == pytest.approx(rate * 1.0, rel=1e-3)
    for name in ("V", "K_i", "Na_i", "Cl_i", "volume"):
        values = result[name].values
        assert np.isfinite(values[1, :3]).all() and np.isnan(values[1, 3:]).all(), name
        assert np.isfinite(values[0]).all(), name
        assert result[name].attrs["missing"] == {REASONS[RUN_EMPTIED]: 1}
    # The point that holds its Na runs as it does alone: N_Na falls by 3 x 0.0048 uA/cm^2 x A / F a second.
    alone = sweep(str(path), {"pump": "0.01"}, scenario="blockNa", times=times)
    np.testing.assert_allclose(result["V"].values[0], alone["V"].values[0], rtol=1e-6)
    assert _amount(result, 0, 4) == pytest.approx(_amount(result, 0, 0) - 0.01 * rate * 540.0, rel=1e-6)

def test_the_command_line_says_which_points_stopped_and_exits_0(tmp_path, capsys):
    from vrest.codegen.cli import main

    path = tmp_path / "emptied.toml"
    path.write_text(CELL, encoding="utf-8")
    code = main(["sweep", str(path), "--vary", "pump=0.01, 1", "--scenario", "blockNa", "--times", "0 s,100 s,10 min"])
    err = capsys.readouterr().err
    assert code == 0
    assert "Na_i: no value at 1 of 2 points: the scenario's run empties an amount inside" in err
    assert "Traceback" not in err and "batch" not in err
