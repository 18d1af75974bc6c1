"""The pump off (rate 0) in derive and sweep: its shift dV_pump is exactly 0 (its current is 0), and in a
salt-only bath, where the cell then swells without bound, the sweep gives derive's reason.

The reference for dV_pump with the pump on is worked out here with mpmath: the roots of the GHK leak currents
of pumpleak at its given concentrations, without and with its saturating pump's current.
"""

from __future__ import annotations

import json
import math
import re
import tomllib

import mpmath
import pytest

from conftest import run_cli, toml_dumps
from vrest.codegen.sweep.api import sweep
from vrest.derive.builtin import builtin_text
from vrest.derive.derivation import NoSteadyState
from vrest.derive.modelfile import model_from_dict
from vrest.derive.steady_state import steady_state


F, R, T = mpmath.mpf("96485.33212"), mpmath.mpf("8.314462618"), mpmath.mpf("298.15")


def _pumpleak_shift() -> float:
    """dV_pump (mV) of pumpleak at its given concentrations: V_balance - V_leak, each a root found here."""
    with mpmath.workdps(40):
        ions = [(1, mpmath.mpf("6.6e-8"), mpmath.mpf("134.5"), 3), (1, mpmath.mpf("2.8e-10"), mpmath.mpf("15.5"), 142),
                (-1, mpmath.mpf("3.7e-8"), mpmath.mpf("3.7"), 145)]  # (z, P m/s, inside mM, outside mM)

        def leaks(v):  # GHK current densities (A/m^2, outward)
            u = F * v / (R * T)
            return sum(p * z * z * F * u * (c_in - c_out * mpmath.exp(-z * u)) / (1 - mpmath.exp(-z * u))
                       for z, p, c_in, c_out in ions)

        pump = mpmath.mpf("0.015") * (mpmath.mpf("15.5") / (mpmath.mpf("15.5") + mpmath.mpf("3.56"))) ** 3 \
            * (3 / (3 + mpmath.mpf("0.883"))) ** 2
        v_leak = mpmath.findroot(leaks, mpmath.mpf("-0.09"))
        v_balance = mpmath.findroot(lambda v: leaks(v) + pump, mpmath.mpf("-0.09"))
        return float((v_balance - v_leak) * 1000)


def _positive_zero(value: float) -> bool:
    return value == 0 and math.copysign(1.0, value) == 1.0


def test_reference_shift():
    """The reference against an independent evaluation: -I_pump/g at V_leak to first order (g the slope there)."""
    assert _pumpleak_shift() == pytest.approx(-0.924269751253, rel=1e-11)


@pytest.mark.parametrize("name", ["pumpleak", "neuron", "squid"])
def test_the_sweep_gives_the_pump_off_no_shift(name):
    data = sweep(name, {"pump": "0, 1"}, quantities=["dV_pump"])
    values = [float(v) for v in data["dV_pump"].values]
    assert _positive_zero(values[0]), values  # not -1.4e-14 (two roots a rounding apart), not -0
    assert values[1] < 0
    if name == "pumpleak":
        assert values[1] == pytest.approx(_pumpleak_shift(), rel=1e-12)


def _constant_pump_off(name: str) -> str:
    """A built-in model's text with a constant pump current of 0 (pumpleak's saturating pump replaced)."""
    text = builtin_text(name)
    off = re.sub(r'(?m)^current = ".*"$', 'current = "0 uA/cm^2"', text)
    off = off.replace('max_current = "1.5 uA/cm^2"\nK_half_Na = "3.56 mM"\nK_half_K = "0.883 mM"',
                      'current = "0 uA/cm^2"')
    assert off != text
    return off


@pytest.mark.parametrize("name", ["pumpleak", "neuron", "squid"])
def test_derive_gives_the_pump_off_no_shift(name, tmp_path):
    path = tmp_path / f"{name}_off.toml"
    path.write_text(_constant_pump_off(name), encoding="utf-8")
    code, out, err = run_cli("derive", str(path), "--quantity", "dV_pump", "--json")
    assert code == 0, err
    assert _positive_zero(json.loads(out)["quantities"]["dV_pump"]["value"])


def _salt_only() -> dict:
    """pumpleak without its bath solute: with the pump off nothing holds the impermeant anions' water."""
    data = tomllib.loads(builtin_text("pumpleak"))
    del data["bath"]
    return data


def test_the_sweep_says_why_a_salt_only_bath_has_no_steady_state_with_the_pump_off(tmp_path):
    data = _salt_only()
    with pytest.raises(NoSteadyState) as derived:
        steady_state(model_from_dict(data), pump_scale=0)
    verdict = ("the pump is too weak to hold the volume against the impermeant anions: the cell swells without "
               "bound (steady states exist at larger pump rates)")
    assert f"the pump rate scaled by 0: {verdict} (" in str(derived.value)
    path = tmp_path / "salt.toml"
    path.write_text(toml_dumps(data), encoding="utf-8")
    code, out, err = run_cli("sweep", str(path), "--vary", "pump=0, 0.5", "--quantity", "V_ss,volume_ss", "--json")
    assert code == 0, err
    for quantity in ("V_ss", "volume_ss"):
        assert f"vrest: {quantity}: no value at 1 of 2 points: {verdict}\n" in err
    assert "singular" not in err and "Newton" not in err
    values = json.loads(out)["quantities"]["V_ss"]["values"]
    assert values[0] is None and values[1] < 0


def test_a_constant_pump_off_in_a_salt_only_bath_gets_derive_s_reason(tmp_path):
    """The same with a constant pump, where Newton meets a singular Jacobian: derive of the file with the pump's
    current 0 and the sweep of its rate give one reason."""
    data = _salt_only()
    pump = data["pump"]
    for key in ("max_current", "K_half_Na", "K_half_K"):
        del pump[key]
    pump["current"] = "0.1 uA/cm^2"  # below its pump_max, 0.49 uA/cm^2
    path = tmp_path / "salt_constant.toml"
    path.write_text(toml_dumps(data), encoding="utf-8")
    code, _, err = run_cli("sweep", str(path), "--vary", "pump.current=0, 0.1 uA/cm^2", "--quantity", "V_ss")
    assert code == 0, err
    (line,) = [line for line in err.splitlines() if line.startswith("vrest: V_ss: no value")]
    reason = line.removeprefix("vrest: V_ss: no value at 1 of 2 points: ")
    assert "swells without bound" in reason
    pump["current"] = "0 uA/cm^2"
    path.write_text(toml_dumps(data), encoding="utf-8")
    code, out, err = run_cli("derive", str(path), "--quantity", "V_ss", "--json")
    assert code == 0, err
    assert f": {reason} (" in json.loads(out)["not_applicable"]["V_ss"]


def test_a_scenario_step_that_blocks_the_pump_in_a_salt_only_bath_gets_the_same_reason(tmp_path):
    """derive --scenario ouabain: the step with the pump blocked has no steady state for the same reason as a
    sweep at pump 0 (Donnan: impermeant anions inside and none outside hold no finite volume)."""
    path = tmp_path / "salt.toml"
    path.write_text(toml_dumps(_salt_only()), encoding="utf-8")
    code, out, err = run_cli("derive", str(path), "--scenario", "ouabain", "--json")
    assert code == 0, err
    (step,) = json.loads(out)["scenario"]["steps"]
    for quantity in ("V_ss", "volume_ss"):
        assert step["not_applicable"][quantity].startswith("no steady state with the pump off: the pump is too "
                                                           "weak to hold the volume against the impermeant anions")
