"""vrest sweep on the command line: --vary specs with units, the JSON document, the three file formats,
scenario sweeps, sampled sweeps, and one line with exit code 2 for every bad input."""

from __future__ import annotations

import json
import math

import mpmath
import numpy as np
import pytest

from conftest import run_cli
from vrest.codegen.simulation.integrate import simulate
from vrest.codegen.sweep.plan import Plan
from vrest.codegen.sweep.spec import parse_vary
from vrest.derive.builtin import builtin_text, resolve_model
from vrest.derive.modelfile import model_from_text


def test_json_has_the_dims_in_order_and_nested_values():
    code, out, err = run_cli("sweep", "neuron", "--vary", "ions.K.outside=2..8 mM 4", "--vary",
                             "pump.current=0, 1 uA/cm^2", "--quantity", "E_K,V_ss", "--json")
    assert code == 0, err
    document = json.loads(out)
    assert [d["key"] for d in document["dims"]] == ["ions.K.outside", "pump.current"]
    assert document["dims"][0] == {"key": "ions.K.outside", "unit": "mM", "values": [2.0, 4.0, 6.0, 8.0]}
    assert document["dims"][1]["unit"] == "uA/cm^2" and document["dims"][1]["values"] == [0.0, 1.0]
    v_ss = document["quantities"]["V_ss"]
    assert v_ss["unit"] == "mV" and np.shape(v_ss["values"]) == (4, 2)
    # Ohmic leaks: the pump's shift is -I_pump/g_leak = -(1 uA/cm^2)/(0.15 mS/cm^2) = -6.667 mV at every K_o.
    shift = np.diff(np.array(v_ss["values"]), axis=1)[:, 0]
    np.testing.assert_allclose(shift, -1 / 0.15, rtol=1e-12)
    # E_K = (RT/F) ln(K_o/140 mM) at 37 degC, independent of the pump
    e_k = np.array(document["quantities"]["E_K"]["values"])
    rt_f = 8.314462618 * 310.15 / 96485.33212 * 1000
    np.testing.assert_allclose(e_k[:, 0], rt_f * np.log(np.array([2, 4, 6, 8]) / 140), rtol=1e-12)
    assert document["missing"] == {}


def test_log_range_and_temperature_in_degc():
    model = resolve_model("squid")
    dim = parse_vary(model, "ions.K.outside=1..100 mM log 3")
    assert dim.values == pytest.approx((1.0, 10.0, 100.0), rel=1e-15) and dim.log
    temperature = parse_vary(model, "model.temperature=0..30 degC 4")
    np.testing.assert_allclose(temperature.to_si(np.array(temperature.values)), [273.15, 283.15, 293.15, 303.15])


@pytest.mark.parametrize("name", ["neuron", "squid", "pumpleak"])
def test_vary_reads_the_key_table_of_scenario_steps(name):
    """--vary takes every key of derive.protocol.targets, each setting the parameter a scenario step would set;
    the keys a step may not change (membrane, inside concentrations, impermeant) a sweep varies all the same."""
    from vrest.derive.protocol import targets
    from vrest.derive.units import DIMENSIONS, unit_factor

    model = resolve_model(name)
    table = targets(model)
    assert any(t.fixed is None for t in table.values()) and any(t.fixed for t in table.values())
    for key, target in table.items():
        if target.dimension is None:
            spec = "0.5..1.5 3"
        else:
            unit = DIMENSIONS[target.dimension]
            given = float(model.parameter(target.parameter).value) / float(unit_factor(unit))
            spec = f"{given * 0.9!r}, {given!r}, {given * 1.1!r} {unit}"
        dim = parse_vary(model, f"{key}={spec}")
        assert (dim.key, dim.parameter, len(dim.values)) == (key, target.parameter, 3)


def test_a_constant_pumps_current_is_refused_backwards_as_in_a_model_file():
    code, out, err = run_cli("sweep", "squid", "--vary", "pump.current=-1..1 uA/cm^2 3")
    assert code == 2 and out == ""
    assert err.strip().startswith("vrest: error: --vary pump.current = '-1..1 uA/cm^2 3': the pump would run "
                                  "backwards"), err


def test_samples_do_not_depend_on_the_chunks():
    model = resolve_model("squid")
    dims = (parse_vary(model, "ions.K.outside=1..100 mM log", sampled=True),
            parse_vary(model, "pump.current=0..2 uA/cm^2", sampled=True))
    for method in ("random", "sobol", "lhs"):
        plan = Plan(dims, method, 100, seed=3)
        whole = plan.points(0, 100)
        pieces = np.vstack([plan.points(a, b) for a, b in plan.chunks(7)])
        np.testing.assert_array_equal(whole, pieces)
        assert np.all((whole[:, 0] >= 1) & (whole[:, 0] <= 100)) and np.all((whole[:, 1] >= 0) & (whole[:, 1] <= 2))
        # log range: ln K_o uniform on [0, ln 100], so about half the samples lie below 10 mM
        assert 35 <= np.sum(whole[:, 0] < 10) <= 65
    lhs = Plan(dims, "lhs", 100, seed=3).points(0, 100)
    strata = np.floor(np.log(lhs[:, 0]) / np.log(100) * 100)  # one sample in each of 100 strata of ln K_o
    assert sorted(strata.astype(int).tolist()) == list(range(100))


def test_sampled_json_has_one_sample_dim_and_the_points():
    code, out, _ = run_cli("sweep", "squid", "--vary", "ions.K.outside=1..100 mM log", "--samples", "16",
                           "--quantity", "E_K", "--json")
    assert code == 0
    document = json.loads(out)
    assert document["method"] == "sobol"
    assert document["dims"] == [{"key": "sample", "unit": "1", "values": list(range(16))}]
    k_o = np.array(document["samples"]["ions.K.outside"]["values"])
    e_k = np.array(document["quantities"]["E_K"]["values"])
    np.testing.assert_allclose(e_k, 8.314462618 * 293.15 / 96485.33212 * 1000 * np.log(k_o / 400), rtol=1e-12)


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".nc"])
def test_files_hold_the_values_and_units(tmp_path, suffix):
    out = tmp_path / f"sweep{suffix}"
    args = ["sweep", "squid", "--vary", "ions.K.outside=5..50 mM 3", "--vary", "ions.Na.permeability=2e-8, 4e-8 cm/s",
            "--quantity", "V_ss,g_leak"]
    code, stdout, _ = run_cli(*args, "--out", str(out))
    assert code == 0 and stdout.strip() == str(out)
    reference = json.loads(run_cli(*args, "--json")[1])
    v_ss = np.array(reference["quantities"]["V_ss"]["values"])
    if suffix == ".nc":
        import xarray as xr

        with xr.open_dataset(out) as data:
            assert data["V_ss"].dims == ("ions.K.outside", "ions.Na.permeability")
            assert data["V_ss"].attrs["units"] == "mV" and data["g_leak"].attrs["units"] == "mS/cm^2"
            assert data["ions.K.outside"].attrs["units"] == "mM"
            np.testing.assert_array_equal(data["V_ss"].values, v_ss)
        return
    if suffix == ".csv":
        import pandas as pd

        table = pd.read_csv(out)
        assert list(table.columns) == ["ions.K.outside [mM]", "ions.Na.permeability [cm/s]", "V_ss [mV]",
                                       "g_leak [mS/cm^2]"]
        column = table["V_ss [mV]"].to_numpy()
    else:
        import pyarrow.parquet as pq

        table = pq.read_table(out)
        assert table.schema.field("V_ss").metadata == {b"unit": b"mV"}
        layout = json.loads(table.schema.metadata[b"vrest"])
        assert layout["dims"][0] == {"key": "ions.K.outside", "unit": "mM", "values": [5.0, 27.5, 50.0]}
        column = table.column("V_ss").to_numpy()
    np.testing.assert_array_equal(column, v_ss.reshape(-1))  # rows in the dims' order, exact


@pytest.mark.filterwarnings("ignore::vrest.derive.errors.ModelWarning")  # K_o = 6 mM unbalances the bath
def test_scenario_sweep_is_vrest_simulate_at_each_point():
    """pumpleak's ouabain course from the steady state at K_o = 3 and 6 mM, against simulate() on the model
    file with that K_o (its steady state found by derive, in mpmath)."""
    times = [0.0, 60.0, 1800.0]
    code, out, err = run_cli("sweep", "pumpleak", "--vary", "ions.K.outside=3, 6 mM", "--scenario", "ouabain",
                             "--times", "0 s,1 min,30 min", "--json")
    assert code == 0, err
    document = json.loads(out)
    assert [d["key"] for d in document["dims"]] == ["ions.K.outside", "t"]
    assert set(document["states"]) == {"V", "K_i", "Na_i", "Cl_i", "volume"}
    for k, k_o in enumerate((3, 6)):
        text = builtin_text("pumpleak").replace('outside = "3 mM"', f'outside = "{k_o} mM"')
        result = simulate(model_from_text(text), "ouabain", times).outputs()
        for name in ("V", "Na_i", "volume"):
            np.testing.assert_allclose(document["states"][name]["values"][k], result[name][1], rtol=1e-6)


@pytest.mark.filterwarnings("ignore::vrest.derive.errors.ModelWarning")  # K_o = 4 mM unbalances the bath
def test_a_protocol_of_steps_runs_from_each_points_steady_state():
    """pumpleak's high_K protocol (bath K 15 mM at 0 s, back to 3 mM at 10 min) at pump rates x0.8 and x1.2 and
    a start in K_o = 3 or 4 mM, against simulate() on the model file with those values: a step that sets the
    varied K_o sets it (the washout gives 3 mM to both), the pump's factor holds through the steps."""
    times = [0.0, 300.0, 600.0, 1200.0]
    code, out, err = run_cli("sweep", "pumpleak", "--vary", "pump=0.8, 1.2", "--vary", "ions.K.outside=3, 4 mM",
                             "--scenario", "high_K", "--times", "0 s,5 min,10 min,20 min", "--json")
    assert code == 0, err
    document = json.loads(out)
    assert [d["key"] for d in document["dims"]] == ["pump", "ions.K.outside", "t"] and document["missing"] == {}
    for i, factor in enumerate((0.8, 1.2)):
        for j, k_o in enumerate((3, 4)):
            text = builtin_text("pumpleak").replace('max_current = "1.5 uA/cm^2"',
                                                    f'max_current = "{1.5 * factor!r} uA/cm^2"')
            text = text.replace('outside = "3 mM"', f'outside = "{k_o} mM"', 1)
            result = simulate(model_from_text(text), "high_K", times).outputs()
            for name in ("V", "K_i", "volume"):
                np.testing.assert_allclose(document["states"][name]["values"][i][j], result[name][1], rtol=1e-6,
                                           err_msg=f"{name} at pump x{factor}, K_o {k_o} mM")


@pytest.mark.parametrize("args, message", [
    (["--vary", "ions.K.outsid=1..10 mM 3"], "--vary = 'ions.K.outsid': not a key of model squid that a sweep can "
                                               "vary; did you mean 'ions.K.outside'?"),
    (["--vary", "ions.K.outside=1..10 mV 3"], "--vary ions.K.outside = '1..10 mV 3': unit 'mV' is not a "
                                                "concentration (such as 'mM')"),
    (["--vary", "ions.K.outside=10..1 mM 3"], "--vary ions.K.outside = '10..1 mM 3': the range must go from a lower "
                                                "to a higher value"),
    (["--vary", "ions.K.outside=0..10 mM 3"], "--vary ions.K.outside = '0..10 mM 3': must be positive, within 1e-15 "
                                                "mM to 1e5 mM"),
    (["--vary", "ions.K.outside=1e-20..1 mM log 3"], "--vary ions.K.outside = '1e-20..1 mM log 3': outside the "
                                                       "allowed range 1e-15 mM to 1e5 mM"),
    (["--vary", "ions.K.outside=1..10 mM"], "--vary ions.K.outside = '1..10 mM': how many values? end the range "
                                              "with a count, e.g. '... 21'"),
    (["--vary", "ions.K.outside=1..10 3"], "--vary ions.K.outside = '1..10 3': a unit is required: a concentration "
                                             "such as 'mM'"),
    (["--vary", "ions.K.conductance=1..10 mS/cm^2 3"], "--vary = 'ions.K.conductance': not a key of model squid: "
                                                        "ion K has a GHK permeability: vary ions.K.permeability"),
    (["--vary", "ions.K.outside=1..10 mM 3", "--quantity", "volume_ss"],
     "--quantity = 'volume_ss': not applicable to model squid: needs volume dynamics (membrane.area, membrane.volume "
     "and membrane.water_permeability)"),
    # what the sweep gives (not tau_fast, which it has no rule for, nor a gated model's quantities)
    (["--vary", "ions.K.outside=1..10 mM 3", "--quantity", "V_rest"], "--quantity = 'V_rest': unknown quantity: a "
     "sweep of model squid gives E_K, E_Na, E_Cl, V_ghk, V_leak, V_ss, dV_pump, V_mullins_noda, g_leak, tau_m; its "
     "resting potential is V_ss (V_rest is that of a model with gated channels)"),
    (["--vary", "ions.K.outside=1..10 mM 3", "--quantity", "V_sss"], "--quantity = 'V_sss': unknown quantity: a "
     "sweep of model squid gives E_K, E_Na, E_Cl, V_ghk, V_leak, V_ss, dV_pump, V_mullins_noda, g_leak, tau_m; did "
     "you mean 'V_ss'?"),
    (["--vary", "ions.K.outside=1..10 mM 3", "--samples", "8", "--method", "grid"],
     "--samples = 8: samples need --method random, lhs or sobol"),
    (["--vary", "ions.K.outside=1..10 mM log", "--samples", "8", "--method", "grid"],
     "--samples = 8: samples need --method random, lhs or sobol"),  # was "how many values?": a grid's count
    (["--vary", "ions.K.outside=1..inf mM 3"], ("--vary ions.K.outside = '1..inf mM 3': the upper end 'inf' is not "
                                                "a finite number; expected a range")),  # not "unknown unit '.inf mM 3'"
    (["--vary", "ions.K.outside=1..10 mM 3", "--quantity", " , "], ("--quantity = ' , ': names no quantity")),
    (["--vary", "ions.K.outside=1..5..7 mM 3"], ("--vary ions.K.outside = '1..5..7 mM 3': a range has two ends, "
                                                  "not three")),
    (["--vary", "ions.K.outside=1..10 mM 3", "--out", "x.xlsx"], "--out = 'x.xlsx': unknown format '.xlsx'"),
    (["--vary", "ions.K.outside=1..10 mM 3", "--scheduler", "tcp://localhost:1"],
     "--scheduler = 'tcp://localhost:1': needs --engine dask"),
    (["--vary", "ions.K.outside=1..10 mM 3", "--engine", "dask", "--scheduler", "notanaddress"],
     "--scheduler = 'notanaddress': not the address of a Dask scheduler: give tcp://HOST:PORT"),
    (["--vary", "ions.K.outside=1..10 mM 3", "--engine", "dask", "--scheduler", "tcp://127.0.0.1:1"],
     "--scheduler = 'tcp://127.0.0.1:1': nothing listens at 127.0.0.1:1 (connection refused)"),
    (["--vary", "ions.K.outside=1..10 mM 3", "--engine", "dask", "--scheduler", "http://127.0.0.1:8787"],
     "--scheduler = 'http://127.0.0.1:8787': not the address of a Dask scheduler (http:// is its dashboard's)"),
    (["--vary", "ions.K.outside=1..10 mM 3", "--engine", "dask", "--scheduler", "tcp://no-such-host.invalid:8786"],
     "--scheduler = 'tcp://no-such-host.invalid:8786': the host 'no-such-host.invalid' is not known here"),
    (["--vary", "pump=-1..1 3"], "--vary pump = '-1..1 3': outside the allowed range 0 to 1e6: a factor on a rate "
                                 "or conductance cannot be negative"),
    # a range written another way is one value with a strange unit: the message says how a range is written
    (["--vary", "ions.K.outside=4 to 10 mM"], ("--vary ions.K.outside = '4 to 10 mM': unknown unit 'to 10 mM'; "
                                               "expected a concentration such as 'mM'; expected a range 'LOW..HIGH mM "
                                               "[log] COUNT' or a list 'A, B, C mM'")),
    (["--vary", "ions.K.outside=4 mV"], ("--vary ions.K.outside = '4 mV': unit 'mV' is not a concentration (such as "
                                         "'mM')")),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    code, out, err = run_cli("sweep", "squid", *args)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"vrest: error: {message}"), lines
    assert not (tmp_path / "x.xlsx").exists()


def test_table_without_json_or_out():
    code, out, _ = run_cli("sweep", "squid", "--vary", "ions.K.outside=10, 20 mM", "--quantity", "E_K")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ions.K.outside", "[mM]", "E_K", "[mV]"]
    e_k = float(lines[2].split()[1])
    assert math.isclose(e_k, 8.314462618 * 293.15 / 96485.33212 * 1000 * math.log(20 / 400), rel_tol=1e-6)


def test_python_api_writes_a_file_and_returns_a_dataset(tmp_path):
    from vrest.codegen.sweep import sweep, write_sweep

    outcome = write_sweep("squid", {"ions.K.outside": "1..10 mM 4"}, tmp_path / "w.nc", ["V_ss"])
    assert outcome.memory is None and outcome.path == tmp_path / "w.nc"
    data = sweep("squid", {"ions.K.outside": "1..10 mM 4"}, ["V_ss"])
    assert data["V_ss"].dims == ("ions.K.outside",) and data["V_ss"].attrs == {"units": "mV", "missing": {}}
    import xarray as xr

    with xr.open_dataset(tmp_path / "w.nc") as written:
        np.testing.assert_array_equal(written["V_ss"].values, data["V_ss"].values)


def test_sampled_scenario_sweep_to_netcdf_has_the_keys_as_coordinates(tmp_path):
    import xarray as xr

    out = tmp_path / "s.nc"
    code, _, err = run_cli("sweep", "pumpleak", "--vary", "ions.K.outside=2..8 mM", "--vary", "pump=0.5..1.5",
                           "--samples", "8", "--scenario", "ouabain", "--times", "0 s,1 h", "--out", str(out))
    assert code == 0, err
    with xr.open_dataset(out) as data:
        assert data["V"].dims == ("sample", "t") and set(data["V"].coords) == {"sample", "t", "ions.K.outside", "pump"}
        assert data.attrs["scenario"] == "ouabain" and data["t"].values.tolist() == [0.0, 3600.0]
        assert np.all((data["ions.K.outside"].values >= 2) & (data["ions.K.outside"].values <= 8))


def _readme_examples() -> list[tuple[str, list[str]]]:
    """(command, the output lines the README shows) of each example with output in its sweep section."""
    import re
    import shlex
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Sweeps and sensitivity"):]
    block = re.search(r"```console\n(.*?)```", section, re.S).group(1)
    examples, command, output = [], None, []
    lines = iter(block.splitlines())
    for line in lines:
        if line.startswith("$ "):
            if command and output:
                examples.append((command, output))
            command, output = line[2:], []
            while command.endswith("\\"):
                command = command[:-1] + next(lines).strip()
        else:
            output.append(line)
    if command and output:
        examples.append((command, output))
    return [(c, o) for c, o in examples if shlex.split(c)[0] == "vrest"]


@pytest.mark.parametrize("command, shown", _readme_examples(), ids=lambda v: v if isinstance(v, str) else "")
def test_the_readme_shows_what_its_examples_print(command, shown):
    import shlex

    code, out, err = run_cli(*shlex.split(command)[1:])
    assert code == 0, err
    assert out.rstrip("\n").splitlines() == shown


@pytest.mark.parametrize("count", ["2.5", "-3", "1e15"])
def test_a_count_that_is_no_whole_number_is_named_as_the_count(count):
    """'1..10 mM 2.5' was read as the unit 'mM 2.5' and refused as a unit."""
    code, out, err = run_cli("sweep", "squid", "--vary", f"ions.K.outside=1..10 mM {count}")
    assert (code, out) == (2, "")
    assert err == (f"vrest: error: --vary ions.K.outside = '1..10 mM {count}': the count {count} is no whole number "
                   "of values (at least 2), e.g. '... 21'\n")


def test_a_potential_past_what_a_membrane_withstands_is_counted_in_a_warning():
    """neuron's pump keeps its Q10 of 3 from 37 degC: at 600 K its 0.75 uA/cm^2 is 0.75 * 3^29 uA/cm^2 and V_ss
    -3.4e14 mV, printed without a word (volumes past what the membrane encloses were counted, potentials not).
    The values: the chord of the three Nernst potentials minus I_pump / g_leak, written out with mpmath."""
    code, out, err = run_cli("sweep", "neuron", "--vary", "model.temperature=310.15, 400, 600 K", "--quantity", "V_ss",
                             "--json")
    assert code == 0, err
    assert ("vrest: warning: V_ss: at 2 of 3 points beyond -2000..2000 mV, what a membrane withstands: the model's "
            "values there describe no cell") in err.splitlines()
    r, f = mpmath.mpf("8.314462618"), mpmath.mpf("96485.33212")
    for t, v in zip((mpmath.mpf("310.15"), 400, 600), json.loads(out)["quantities"]["V_ss"]["values"]):
        chord = sum(g * r * t / (z * f) * mpmath.log(o / i) for g, z, o, i in
                    ((mpmath.mpf("0.1"), 1, 4, 140), (mpmath.mpf("0.015"), 1, 145, 12), (mpmath.mpf("0.035"), -1, 110, 10)))
        pump = mpmath.mpf("0.75") * mpmath.power(3, (t - mpmath.mpf("310.15")) / 10)  # uA/cm^2
        assert v == pytest.approx(float((chord / mpmath.mpf("0.15") - pump / mpmath.mpf("0.15") / 1000) * 1000),
                                  rel=1e-12)
