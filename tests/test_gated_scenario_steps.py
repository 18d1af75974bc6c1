"""A step of a scenario in a gated cell with fixed concentrations: the equilibrium the held step leads to.

The cell: K and Na leaks, a constant 0.2 uA/cm^2 pump current, an inward rectifier Kir (open fraction
1/(1 + exp((V - E_K - 15)/8))) and a persistent Na channel NaP (p_inf = 1/(1 + exp(-(V + 50)/5))), at 35 C; the
scenario holds 30 uA/cm^2 of injected current for 5 ms. Newton from the resting state (-87.39 mV) does not reach
the equilibrium with that current held: derive said "no steady state found ... (the volume or an amount may grow
without bound)" of a cell that has neither. Expected: the root of the currents written out here, by mpmath.
"""

from __future__ import annotations

import json

import mpmath
import pytest

from conftest import run_cli

MODEL = """
[model]
name = "bist"
temperature = "35 degC"

[membrane]
capacitance = "1 uF/cm^2"

[ions.K]
valence = 1
inside = "140 mM"
outside = "5 mM"
conductance = "0.1 mS/cm^2"

[ions.Na]
valence = 1
inside = "12 mM"
outside = "145 mM"
conductance = "0.005 mS/cm^2"

[pump]
current = "0.2 uA/cm^2"

[channels.Kir]
ion = "K"
conductance = "0.5 mS/cm^2"
units = { V = "mV", t = "ms" }
open_fraction = "1/(1 + exp((V - E_K - 15)/8))"

[channels.NaP]
ion = "Na"
conductance = "0.1 mS/cm^2"
units = { V = "mV", t = "ms" }
q10 = 3
q10_reference = "22 degC"

[channels.NaP.gates.p]
inf = "1/(1 + exp(-(V + 50)/5))"
tau = "5"

[scenario.kick]
steps = [
  { at = "10 ms", set = { "stimulus.current" = "30 uA/cm^2" } },
  { at = "15 ms", set = { "stimulus.current" = "0 uA/cm^2" } },
]
"""


def _held_equilibrium_mv(injected: float, near: float) -> float:
    """The root near ``near`` mV of the total current with ``injected`` uA/cm^2 held (mV, mS/cm^2, uA/cm^2), by
    mpmath."""
    with mpmath.workdps(30):
        rt_f = mpmath.mpf("8.314462618") * mpmath.mpf("308.15") / mpmath.mpf("96485.33212") * 1000
        e_k, e_na = rt_f * mpmath.log(mpmath.mpf(5) / 140), rt_f * mpmath.log(mpmath.mpf(145) / 12)

        def current(v):
            kir = mpmath.mpf("0.5") / (1 + mpmath.exp((v - e_k - 15) / 8))
            nap = mpmath.mpf("0.1") / (1 + mpmath.exp(-(v + 50) / 5))
            return (mpmath.mpf("0.1") + kir) * (v - e_k) + (mpmath.mpf("0.005") + nap) * (v - e_na) \
                + mpmath.mpf("0.2") - injected

        return float(mpmath.findroot(current, near))


def test_a_held_current_whose_equilibrium_newton_misses_is_found_in_the_balance(tmp_path):
    path = tmp_path / "bist.toml"
    path.write_text(MODEL, encoding="utf-8")
    code, out, err = run_cli("derive", str(path), "--scenario", "kick", "--json")
    assert code == 0, err
    first, second = json.loads(out)["scenario"]["steps"]
    v_ss = first["quantities"]["V_ss"]
    assert v_ss["value"] == pytest.approx(_held_equilibrium_mv(30, 100), abs=1e-9)  # 136.094 mV
    assert v_ss["stable"] is True and "Newton from that state did not converge" in v_ss["description"]
    assert "V_ss" not in first.get("not_applicable", {})
    # the current off again, from +40.5 mV: Newton reaches the upper of the cell's two stable equilibria
    after = second["quantities"]["V_ss"]
    assert after["value"] == pytest.approx(_held_equilibrium_mv(0, -10), abs=1e-9)  # -10.3319 mV
    assert after["stable"] is True and "found by Newton" in after["description"]
