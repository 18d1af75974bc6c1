"""`vrest sweep --out FILE.csv` writes each number as the shortest text that reads back to the same double
(-5.405, not -5.4050000000000002), a missing value as nan and a sample number as an integer.

E_K of the squid model (20 degC, K_i = 400 mM) is the Nernst potential RT/F ln(K_o/K_i) with the CODATA 2018
constants; the Hodgkin-Huxley file's resting potential comes from its equations written out with mpmath
(test_sweep_imported.hh_rest).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from conftest import run_cli
from test_sweep_imported import hh_rest

HH = str(Path(__file__).parent / "models" / "hodgkin_huxley_squid_axon_model_1952_modified.cellml")
RT_F = 8.314462618 * 293.15 / 96485.33212 * 1000  # mV


def _cells(path: Path) -> list[list[str]]:
    return [line.split(",") for line in path.read_text(encoding="utf-8").splitlines()[1:]]


def _shortest(text: str) -> bool:
    return text in (repr(float(text)), repr(float(text)).removesuffix(".0"))


def test_a_grid_writes_the_values_as_typed_and_each_number_in_its_shortest_form(tmp_path):
    out = tmp_path / "ek.csv"
    code, _, err = run_cli("sweep", "squid", "--vary", "ions.K.outside=0.1, 0.2, 0.3 mM", "--quantity", "E_K",
                           "--out", str(out))
    assert code == 0, err
    rows = _cells(out)
    assert [row[0] for row in rows] == ["0.1", "0.2", "0.3"]  # %.17g wrote 0.10000000000000001
    for (k_o, e_k), expected in zip(rows, (0.1, 0.2, 0.3)):
        assert _shortest(e_k) and float(e_k) == pytest.approx(RT_F * math.log(expected / 400), rel=1e-12)


def test_a_file_s_parameter_a_sample_number_and_a_missing_value(tmp_path):
    out = tmp_path / "hh.csv"
    code, _, err = run_cli("sweep", HH, "--vary", "membrane.E_R=-75.405, -5.405 mV", "--quantity",
                           "V_rest,stable_states", "--out", str(out))
    assert code == 0, err
    (e_1, v_1, s_1), (e_2, v_2, s_2) = _cells(out)
    assert (e_1, e_2) == ("-75.405", "-5.405") and (s_1, s_2) == ("1", "1")
    assert _shortest(v_1) and float(v_1) == pytest.approx(float(hh_rest(36, -75.405)[0]), abs=1e-9)
    assert _shortest(v_2) and float(v_2) == pytest.approx(float(hh_rest(36, -5.405)[0]), abs=1e-9)
    out = tmp_path / "noble.csv"
    code, _, err = run_cli("sweep", str(Path(HH).with_name("noble_model_1962.cellml")), "--vary",
                           "G_K_max=1.0, 1.2 mS/cm^2", "--quantity", "V_rest", "--out", str(out))
    assert code == 0 and _cells(out) == [["1", "nan"], ["1.2", "nan"]]  # a pacemaker: no resting potential
    out = tmp_path / "samples.csv"
    code, _, err = run_cli("sweep", "squid", "--vary", "ions.K.outside=0.1..0.3 mM", "--quantity", "E_K",
                           "--samples", "3", "--out", str(out))
    assert code == 0, err
    rows = _cells(out)
    assert [row[0] for row in rows] == ["0", "1", "2"]
    for _, k_o, e_k in rows:
        assert _shortest(k_o) and _shortest(e_k) and 0.1 <= float(k_o) <= 0.3
        assert float(e_k) == pytest.approx(RT_F * math.log(float(k_o) / 400), rel=1e-12)
