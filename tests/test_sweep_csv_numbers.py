"""`vrest sweep --out FILE.csv` writes each number as the shortest text that reads back to the same double
(-5.405, not -5.4050000000000002), a missing value as nan and a sample number as an integer.

E_K of the squid model (20 degC, K_i = 400 mM) is the Nernst potential RT/F ln(K_o/K_i) with the CODATA 2018
constants; the Hodgkin-Huxley file's resting potential comes from its equations written out with mpmath
(test_sweep_imported.hh_rest).
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np

import pytest
from conftest import run_cli
from test_sweep_imported import hh_rest

from vrest.codegen.sweep.spec import parse_vary
from vrest.codegen.sweep.writers import _describe_axis
from vrest.derive.builtin import resolve_model

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


def test_a_decimal_range_has_its_decimals_and_another_range_linspace_s_values(tmp_path):
    """0.02..0.06 in 5 steps of 0.01: the doubles nearest 0.02, 0.03, ... (Python's correctly rounded Fraction to
    float), not linspace's 0.039999999999999994; 0..1 in 4 (step 1/3) has no decimals: linspace's values."""
    out = tmp_path / "ko.csv"
    code, _, err = run_cli("sweep", "squid", "--vary", "ions.K.outside=0.02..0.06 mM 5", "--quantity", "E_K",
                           "--out", str(out))
    assert code == 0, err
    rows = _cells(out)
    assert [row[0] for row in rows] == ["0.02", "0.03", "0.04", "0.05", "0.06"]
    for k_o, e_k in rows:
        assert float(e_k) == pytest.approx(RT_F * math.log(float(k_o) / 400), rel=1e-12)
    code, out_text, err = run_cli("sweep", "squid", "--vary", "ions.K.outside=0.5..1.5 mM 4", "--quantity", "E_K",
                                  "--json")
    assert code == 0, err
    assert json.loads(out_text)["dims"][0]["values"] == list(np.linspace(0.5, 1.5, 4))


def test_a_long_decimal_range_is_the_nearest_double_to_each_decimal():
    low, step, count = Fraction("0.25"), Fraction("0.001"), 210_001
    values = parse_vary(resolve_model("squid"), "ions.K.outside=0.25..210.25 mM 210001").values
    assert values.decimals == 3 and len(values) == count
    picked = np.array([0, 1, 2, 3, 12_345, 150_250, 209_999, 210_000])
    assert values.at(picked).tolist() == [float(low + int(k) * step) for k in picked]
    assert _describe_axis("ions.K.outside", "mM", values)["decimals"] == 3


def test_counts_are_integers_in_json_as_in_csv(tmp_path):
    """The same counts, as integers, in --json and in the CSV (where a whole number has no '.0')."""
    argv = ("sweep", HH, "--vary", "g_K=0, 45 mS/cm^2", "--vary", "E_R=-90 mV", "--quantity",
            "resting_states,stable_states")
    code, out, err = run_cli(*argv, "--json")
    assert code == 0, err
    quantities = json.loads(out)["quantities"]
    csv_path = tmp_path / "counts.csv"
    assert run_cli(*argv, "--out", str(csv_path))[0] == 0
    rows = _cells(csv_path)
    for name, column in (("resting_states", 2), ("stable_states", 3)):
        values = [row[0] for row in quantities[name]["values"]]
        assert all(type(v) is int for v in values), values
        assert [str(v) for v in values] == [row[column] for row in rows]
    assert any(v[0] > 1 for v in quantities["resting_states"]["values"])  # not only 0 and 1
