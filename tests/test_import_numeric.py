"""The generated numeric module of a CellML or SBML file (``vrest export FILE --to numpy|c``, and what
``vrest rest FILE`` and ``vrest simulate FILE`` run on), checked against the file's equations evaluated
here: expanded and lambdified by SymPy (test_import_rest's ``_numeric``), and by mpmath at 50 digits at a
removable singularity. The C file is compiled here and called through ctypes."""

from __future__ import annotations

import ctypes
import importlib.util
import json
import shutil
import subprocess
import warnings
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy as sp

from conftest import run_cli
from test_import_rest import MODELS, _numeric, _read


NAMES = ["luo_rudy_1991.cellml", "BIOMD0000000020.xml", "hodgkin_huxley_squid_axon_model_1952_modified.cellml",
         "cellml2/beeler_reuter_model_1977.cellml"]


def _export(tmp_path: Path, name: str, to: str) -> Path:
    code, out, err = run_cli("export", str(MODELS / name), "--to", to, "-o", str(tmp_path))
    assert code == 0, err
    (path,) = [Path(line) for line in out.splitlines()]
    return path


def _numpy_module(path: Path):
    spec = importlib.util.spec_from_file_location(f"exported_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Compiled:
    """The exported C file, compiled here: rhs and Jacobian at one point."""

    def __init__(self, path: Path, n: int) -> None:
        compiler = shutil.which("cc") or shutil.which("gcc")
        assert compiler, "a C compiler is needed to check the exported C file"
        library = path.with_suffix(".so")
        subprocess.run([compiler, "-std=c99", "-O2", "-fPIC", "-shared", "-o", str(library), str(path), "-lm"],
                       check=True)
        self._lib = ctypes.CDLL(str(library))
        self.n = n
        for name in ("vrest_point_rhs", "vrest_point_jacobian"):
            getattr(self._lib, name).argtypes = [ctypes.c_double] + [ctypes.c_void_p] * 3

    def _call(self, name: str, size: int, y, p, t: float = 0.0) -> np.ndarray:
        y, p, out = (np.ascontiguousarray(y, dtype=float), np.ascontiguousarray(p, dtype=float), np.empty(size))
        getattr(self._lib, name)(t, y.ctypes.data, out.ctypes.data, p.ctypes.data)
        return out

    def rhs(self, y, p, t: float = 0.0) -> np.ndarray:
        return self._call("vrest_point_rhs", self.n, y, p, t)

    def jacobian(self, y, p) -> np.ndarray:
        return self._call("vrest_point_jacobian", self.n * self.n, y, p).reshape(self.n, self.n)


def _rest_state(name: str, module) -> np.ndarray:
    code, out, err = run_cli("rest", str(MODELS / name), "--json")
    assert code == 0, err
    (state,) = [s for s in json.loads(out)["resting_states"] if s["stable"]]
    system = _read(MODELS / name)
    problem_units = {s.symbol.name: s.unit for s in system.states}
    values = []
    for state_name in module.STATE_NAMES:  # back to SI: the JSON shows each state in its display unit
        shown = state["states"][state_name]
        from vrest.derive.units import unit_parts

        scale, offset, _ = unit_parts(shown["unit"]) if shown["unit"] else (1, 0, None)
        assert shown["unit"] == ("mV" if state_name == system.roles.voltage.name else problem_units[state_name])
        values.append(float(scale) * shown["value"] + float(offset))
    return np.array(values)


@pytest.mark.parametrize("name", NAMES)
def test_exported_numpy_and_c_agree_with_the_files_equations_at_rest(tmp_path, name):
    numpy_module = _numpy_module(_export(tmp_path, name, "numpy"))
    compiled = _Compiled(_export(tmp_path, name, "c"), len(numpy_module.STATE_NAMES))
    system = _read(MODELS / name)
    f, jac = _numeric(system)  # the file's equations, expanded, stimulus 0, parameters at the file's values
    assert list(numpy_module.STATE_NAMES) == [s.symbol.name for s in system.states]
    p = numpy_module.PARAMETER_VALUES
    rest = _rest_state(name, numpy_module)
    start = np.array([float(s.initial) for s in system.states])
    jac_typical = np.abs(jac(start)).max()
    for y in (start, rest):
        expected, expected_jac = f(y), jac(y)
        # A rate is a sum of terms (alpha (1 - m) - beta m) that nearly cancel near rest: rounding is relative to
        # the terms, whose size is about sum_j |d rate/d y_j * y_j|.
        terms = np.abs(expected_jac) @ np.abs(y) + np.abs(expected)
        for rates in (numpy_module.rhs(0.0, y, p), compiled.rhs(y, p)):
            assert np.all(np.abs(rates - expected) <= 1e-12 * terms)
        for matrix in (numpy_module.jacobian(0.0, y, p), compiled.jacobian(y, p)):
            assert np.allclose(matrix, expected_jac, rtol=1e-10, atol=1e-13 * jac_typical)
    # The resting state vrest rest reports is a root of the exported right-hand side.
    terms = np.abs(jac(rest)) @ np.abs(rest)
    assert np.all(np.abs(compiled.rhs(rest, p)) < 1e-9 * terms)


def test_the_stimulus_is_off_by_default_and_its_switch_turns_it_on(tmp_path):
    module = _numpy_module(_export(tmp_path, "luo_rudy_1991.cellml", "numpy"))
    system = _read(MODELS / "luo_rudy_1991.cellml")
    switch, on = module.STIMULUS
    assert (switch, on) == ("I_stim_on", 1.0) and switch not in {p.name for p in system.parameters}
    k = module.PARAMETER_NAMES.index(switch)
    assert module.PARAMETER_VALUES[k] == 0.0
    stimulus = system.quantity("I_stim").expression.xreplace(system.values)
    p_on = module.PARAMETER_VALUES.copy()
    p_on[k] = on
    y = module.STATE_VALUES
    t_symbol = sp.Symbol("t", real=True)
    expected = [float(stimulus.xreplace({t_symbol: sp.Rational(repr(t))})) for t in (0.05, 0.101, 0.5)]
    assert expected[0] == expected[2] == 0.0 and expected[1] < 0  # before, inside and after the file's first pulse
    for t, value in zip((0.05, 0.101, 0.5), expected):
        assert float(module.quantities(y, p_on, t)["I_stim"]) == pytest.approx(value, rel=1e-15)
        assert float(module.quantities(y, module.PARAMETER_VALUES, t)["I_stim"]) == 0.0


def _mp_rates(system, y: list) -> list:
    """The file's rates at ``y`` (exact rationals of the doubles) with mpmath at 50 digits."""
    rhs = [sp.sympify(s.rhs) for s in system.states]
    values = {p.symbol: p.value for p in system.parameters}
    at = dict(zip(system.state_symbols, (sp.Rational(v) for v in y)))
    out = []
    with mpmath.workdps(50):
        for expr in rhs:
            expr = system.expand(expr).xreplace(values).xreplace(at)
            out.append(mpmath.mpf(sp.N(expr, 50)))
    return out


@pytest.mark.parametrize("voltage", [-0.025, -0.01])  # alpha_m and alpha_n of the SBML HH model are 0/0 there
def test_exact_at_the_removable_singularities(tmp_path, voltage):
    name = "BIOMD0000000020.xml"
    numpy_module = _numpy_module(_export(tmp_path, name, "numpy"))
    compiled = _Compiled(_export(tmp_path, name, "c"), 4)
    system = _read(MODELS / name)
    y = [voltage, 0.05, 0.6, 0.3]
    p = numpy_module.PARAMETER_VALUES
    expected = [float(v) for v in _mp_rates(system, y)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for rates in (numpy_module.rhs(0.0, np.array(y), p), compiled.rhs(y, p)):
            assert np.all(np.isfinite(rates))
            assert np.allclose(rates, expected, rtol=1e-12, atol=1e-15)
        for matrix in (numpy_module.jacobian(0.0, np.array(y), p), compiled.jacobian(y, p)):
            assert np.all(np.isfinite(matrix))
    # d rate/dV there, against a central difference of the 50-digit rates (step 1e-12 V: error ~1e-24 relative)
    v, h = sp.Rational(voltage), sp.Rational(1, 10**12)  # exact: V +- h as doubles would not differ by 2h
    up, down = _mp_rates(system, [v + h, *y[1:]]), _mp_rates(system, [v - h, *y[1:]])
    with mpmath.workdps(50):
        dv = [float((a - b) / (2 * mpmath.mpf(1) / 10**12)) for a, b in zip(up, down)]
    assert np.allclose(compiled.jacobian(y, p)[:, 0], dv, rtol=1e-9, atol=1e-9 * max(map(abs, dv)))


def test_export_of_a_file_to_an_unknown_format_is_one_line(tmp_path):
    code, out, err = run_cli("export", str(MODELS / "luo_rudy_1991.cellml"), "--to", "pdf", "-o", str(tmp_path))
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "--to" in err
    assert list(tmp_path.iterdir()) == []


def test_published_rates_that_overflow_give_their_limit_silently_as_in_c(tmp_path):
    # O'Hara-Rudy's 1/(exp(a) + exp(b)) terms: exp(a) overflows at very negative V, and the square of
    # exp(465) in their derivative overflows at rest. IEEE arithmetic (the C module) gives the limit,
    # a finite number; the NumPy module must give the same, without a warning.
    name = "ohara_rudy_2011_endo.cellml"
    numpy_module = _numpy_module(_export(tmp_path, name, "numpy"))
    compiled = _Compiled(_export(tmp_path, name, "c"), len(numpy_module.STATE_NAMES))
    p = numpy_module.PARAMETER_VALUES
    rest = _rest_state(name, numpy_module)
    cold = rest.copy()
    cold[numpy_module.VOLTAGE_INDEX] = -0.150  # V
    for y in (rest, cold):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            rates, matrix = numpy_module.rhs(0.0, y, p), numpy_module.jacobian(0.0, y, p)
        assert np.all(np.isfinite(rates)) and np.all(np.isfinite(matrix))
        assert np.allclose(rates, compiled.rhs(y, p), rtol=1e-13, atol=0)
        assert np.allclose(matrix, compiled.jacobian(y, p), rtol=1e-13, atol=0)
    # The file writes v in mV, nai in mM, m without a unit: SI is V, mol/m^3 and nothing.
    units = dict(zip(numpy_module.STATE_NAMES, numpy_module.STATE_UNITS_SI))
    assert (units["v"], units["nai"], units["m"]) == ("V", "mol/m^3", "")
