"""The sweep's steady state of a pump-leak cell in a salt-only bath (no impermeant solute outside) at weak pump
rates, against an mpmath root of the steady-state equations written out here (those of
test_weak_pump_steady_state, with this bath).

Without a bath solute the cell swells without bound at pump 0, and at a weak pump its steady state is a cell
tens to hundreds of times the given one (10285 um^3 at pump x 0.001 against 178.9 um^3 given): Newton from the
given state does not get there, pseudo-transient continuation does, and Newton must finish on that scale.
"""

from __future__ import annotations

import json
from functools import lru_cache

import mpmath
import pytest

from conftest import run_cli
from test_weak_pump_steady_state import DIGITS, I_MAX, pump_leak_steady_state
from vrest.codegen.sweep.api import sweep

SALT_ONLY = """\
[model]
name = "salt_only"
temperature = "25 degC"

[membrane]
capacitance = "1 uF/cm^2"
area = "314.159 um^2"
volume = "178.9 um^3"
water_permeability = "1.0892e-10 cm/s/Pa"

[ions.K]
valence = 1
inside = "134.5 mM"
outside = "3 mM"
permeability = "1e-6 cm/s"

[ions.Na]
valence = 1
inside = "15.5 mM"
outside = "142 mM"
permeability = "1e-8 cm/s"

[ions.Cl]
valence = -1
inside = "3.7 mM"
outside = "145 mM"
permeability = "1e-6 cm/s"

[impermeant]
valence = -1
concentration = "146.3 mM"

[pump]
max_current = "1.5 uA/cm^2"
K_half_Na = "3.56 mM"
K_half_K = "0.883 mM"

[scenario.ouabain]
at = "0 s"
set = { pump = 0 }
"""

with mpmath.workdps(DIGITS):
    K_O, NA_O, CL_O = mpmath.mpf(3), mpmath.mpf(142), mpmath.mpf(145)  # mM = mol/m^3; no bath solute
    P_K, P_NA = mpmath.mpf("1e-8"), mpmath.mpf("1e-10")  # m/s
    # the pump: I_max 1.5 uA/cm^2, K_half_Na 3.56 mM, K_half_K 0.883 mM, as pumpleak's (the reference's)
    C_M, AREA = mpmath.mpf("0.01"), mpmath.mpf("314.159e-12")  # F/m^2, m^2
    N_A = mpmath.mpf("146.3") * mpmath.mpf("178.9e-18")  # mol of impermeant anions (valence -1)

RATES = (0.0002, 0.0005, 0.001, 0.01)


@lru_cache(maxsize=None)
def reference(factor: float) -> tuple[float, float]:
    """(V_ss in mV, volume in um^3) with the pump's I_max scaled by ``factor``: Cl at equilibrium, Na and K
    fluxes balanced by the 3:2 pump, no water flux, and the cell's net charge that of its membrane capacitor."""
    with mpmath.workdps(DIGITS):
        return pump_leak_steady_state(I_MAX * mpmath.mpf(factor), P_K, P_NA, (K_O, NA_O, CL_O, 0), C_M, AREA, N_A)


def test_reference_is_the_large_cell_derive_reports():
    """`vrest derive` at pump x 0.001 (an independent run): V_ss = -0.454901 mV, volume_ss = 10285.3 um^3."""
    assert reference(0.001) == pytest.approx((-0.454901, 10285.3), rel=1e-5)


def test_sweep_finds_the_steady_state_at_weak_pump_rates(tmp_path):
    path = tmp_path / "salt.toml"
    path.write_text(SALT_ONLY, encoding="utf-8")
    data = sweep(str(path), {"pump": ", ".join(str(r) for r in RATES)}, quantities=["V_ss", "volume_ss"])
    for k, factor in enumerate(RATES):
        got = (float(data["V_ss"].values[k]), float(data["volume_ss"].values[k]))
        assert got == pytest.approx(reference(factor), rel=1e-9), factor


def test_sweep_command_has_the_value_and_no_failure_line(tmp_path):
    path = tmp_path / "salt.toml"
    path.write_text(SALT_ONLY, encoding="utf-8")
    code, out, err = run_cli("sweep", str(path), "--vary", "pump=0.001", "--quantity", "V_ss", "--json")
    assert code == 0, err
    assert "Newton" not in err
    document = json.loads(out)
    assert document["missing"] == {}
    assert document["quantities"]["V_ss"]["values"] == pytest.approx([reference(0.001)[0]], rel=1e-9)


def test_scenario_sweep_starts_from_the_weak_pump_steady_state(tmp_path):
    """States at 0 s of the scenario (its step at 0 s switches the pump off) from the steady state at pump
    x 0.001: at 0 s nothing has moved yet, so V is the steady state's."""
    path = tmp_path / "salt.toml"
    path.write_text(SALT_ONLY, encoding="utf-8")
    data = sweep(str(path), {"pump": "0.001"}, scenario="ouabain", times=[0.0])
    volume = float(data["volume"].values.ravel()[0])
    assert volume == pytest.approx(reference(0.001)[1], rel=1e-9)
