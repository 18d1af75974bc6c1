"""Generated numeric modules (NumPy and compiled C) against the symbolic model in mpmath.

References: the IR's right-hand side and quantities evaluated by mpmath at 40 digits,
central finite differences of rhs for the Jacobian, and the textbook GHK formula
written out here for the behaviour at V = 0.
"""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp

from vrest.codegen.simulation import numeric
from vrest.codegen.exporters.c_module import c_source
from vrest.codegen.exporters.numpy_module import numpy_source
from vrest.derive.builtin import BUILTIN_MODELS, resolve_model
from vrest.derive.derivation import evaluate
from tests.conftest import run_cli

BACKENDS = ("numpy", "c")


def _module(name: str, backend: str):
    return numeric.load_numeric(resolve_model(name), backend)


def _point_values(model, y, p) -> dict:
    """Symbol -> 40-digit value for parameters, states and algebraic symbols (X_i = N_X/Vol).

    The module's parameters by name; the ion valences (folded into the code) from the model.
    """
    names = numeric.load_numeric(model, "numpy").PARAMETER_NAMES
    values = {ion.z: sp.Integer(ion.valence) for ion in model.ions}
    values.update({model.parameter(name).symbol: sp.Float(repr(float(v)), 40) for name, v in zip(names, p)})
    values.update({state.symbol: sp.Float(repr(float(v)), 40) for state, v in zip(model.states, y)})
    for _ in range(2):  # Vol may be algebraic in the amounts ("instant" water)
        for symbol, definition in model.algebraic:
            values[symbol] = sp.sympify(definition).xreplace(values).evalf(40)
    return values


def _random_point(module, rng, v=None):
    y = np.array(module.STATE_VALUES, dtype=float) * rng.uniform(0.7, 1.4, len(module.STATE_VALUES))
    y[0] = rng.uniform(-0.1, 0.1) if v is None else v
    p = np.array(module.PARAMETER_VALUES, dtype=float)
    for i, name in enumerate(module.PARAMETER_NAMES):
        if name not in ("R", "F") and not name.startswith("z_"):
            p[i] *= rng.uniform(0.7, 1.4)
    return y, p


def _close(actual: float, expected, rtol: float) -> bool:
    expected = float(expected)
    return abs(actual - expected) <= rtol * abs(expected) or abs(actual - expected) < 1e-300


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", sorted(BUILTIN_MODELS))
def test_rhs_and_quantities_match_mpmath(name, backend):
    model = resolve_model(name)
    module = _module(name, backend)
    rhs = model.rhs()
    rng = np.random.default_rng(4)
    for v in (None, None, 0.0, 1e-12, -1e-9):
        y, p = _random_point(module, rng, v)
        values = _point_values(model, y, p)
        got = module.rhs(0.0, y, p)
        for k, state in enumerate(model.states):
            assert _close(got[k], evaluate(rhs[state.symbol], values), 1e-11), (state.symbol, y, p)
        quantities = module.quantities(y, p)
        for symbol, _ in model.quantities:
            expected = evaluate(model.expand(symbol), values)
            assert _close(quantities[symbol.name], expected, 1e-12), (symbol, v)
            assert _close(float(getattr(module, symbol.name)(y, p)), expected, 1e-12), symbol


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", sorted(BUILTIN_MODELS))
def test_jacobian_matches_finite_differences(name, backend):
    module = _module(name, backend)
    rng = np.random.default_rng(7)
    for _ in range(3):
        y, p = _random_point(module, rng)
        jac = module.jacobian(0.0, y, p)
        for j in range(len(y)):
            h = 1e-6 * max(abs(y[j]), 1e-3 if j == 0 else 0.0)
            up, down = y.copy(), y.copy()
            up[j] += h
            down[j] -= h
            column = (module.rhs(0.0, up, p) - module.rhs(0.0, down, p)) / (2 * h)
            scale = np.abs(jac).max(axis=1) * max(abs(y[j]), 1e-3 if j == 0 else 0.0) / max(abs(y[j]), 1e-300)
            np.testing.assert_allclose(jac[:, j], column, rtol=1e-5, atol=1e-7 * float(np.max(scale)))


def _textbook_ghk(P, z, inside, outside, v, T):
    """I = P z F u (X_i - X_o e^-u)/(1 - e^-u), u = z F V / (R T); limit P z F (X_i - X_o) at V = 0."""
    mpmath.mp.dps = 40
    R, F = mpmath.mpf("8.314462618"), mpmath.mpf("96485.33212")
    v = mpmath.mpf(v)
    if v == 0:
        return P * z * F * (inside - outside)
    u = z * F * v / (R * T)
    return P * z * F * u * (inside - outside * mpmath.exp(-u)) / (1 - mpmath.exp(-u))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("v", [0.0, 1e-15, -1e-12, 1e-9, -1e-6, 1e-4, -0.08])
def test_ghk_current_exact_near_zero(backend, v):
    module = _module("squid", backend)
    model = resolve_model("squid")
    p = dict(zip(module.PARAMETER_NAMES, module.PARAMETER_VALUES))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = module.quantities([v], module.PARAMETER_VALUES)
    for ion in model.ions:
        n = ion.name
        expected = _textbook_ghk(mpmath.mpf(p[f"P_{n}"]), ion.valence, mpmath.mpf(p[f"{n}_i"]),
                                 mpmath.mpf(p[f"{n}_o"]), v, mpmath.mpf(p["T"]))
        assert _close(float(got[f"I_{n}"]), expected, 1e-12), (n, v)


@pytest.mark.parametrize("backend", BACKENDS)
def test_ghk_current_exact_in_a_vectorised_loop_across_the_series_edges(backend):
    """A long array of V runs the `omp simd` loop (glibc's vector exp and expm1 in C): every GHK current within
    1e-14 of the textbook formula in mpmath, around exprel's series edge (|u| = 1e-3, V = 24 uV at squid's 6.3 C)
    and its derivative's (|u| = 0.1), out to |u| = 1 (24 mV: every reversal potential, where a current is 0,
    lies further out)."""
    module = _module("squid", backend)
    model = resolve_model("squid")
    p = dict(zip(module.PARAMETER_NAMES, module.PARAMETER_VALUES))
    rt_f = 8.314462618 * p["T"] / 96485.33212
    u = np.concatenate([np.linspace(-1, 1, 1001), 1e-3 * np.linspace(0.9, 1.1, 101), 0.1 * np.linspace(0.9, 1.1, 101)])
    v = np.concatenate([u, -u]) * rt_f
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = module.quantities([v], module.PARAMETER_VALUES)
    for ion in model.ions:
        n = ion.name
        args = (mpmath.mpf(p[f"P_{n}"]), ion.valence, mpmath.mpf(p[f"{n}_i"]), mpmath.mpf(p[f"{n}_o"]))
        worst = max(abs(float(got[f"I_{n}"][k]) / float(_textbook_ghk(*args, v[k], mpmath.mpf(p["T"]))) - 1)
                    for k in range(len(v)))
        assert worst < 1e-14, (n, worst)


def test_the_compiled_ghk_loop_calls_glibcs_vector_expm1(tmp_path):
    """The regression this guards: exprel by the scalar expm1 kept gcc from vectorising every loop with a GHK term
    (1.1 -> 17 ns per voltage in benchmarks/run.py). glibc has a vector expm1 since 2.35 (x86-64's libmvec);
    where it has, the compiled module calls one (the symbol's name, _ZGV..._expm1, is in its dynamic table), both
    as vrest builds it and as the exported file's header says to build it."""
    import platform
    import re
    import shlex
    import subprocess

    module = _module("squid", "c")
    source = c_source(resolve_model("squid"))
    (tmp_path / "squid_numeric.c").write_text(source, encoding="utf-8")
    build = next(line for line in source.splitlines() if line.startswith(" *   cc "))
    subprocess.run([numeric._compiler(), *shlex.split(build)[2:]], cwd=tmp_path, check=True)
    pattern = rb"_ZGV[a-z]N\d+v_expm1"
    called = re.findall(pattern, module.library_path.read_bytes())
    assert bool(called) == bool(re.findall(pattern, (tmp_path / "squid_numeric.so").read_bytes()))
    libc, version = platform.libc_ver()
    about = subprocess.run([numeric._compiler(), "--version"], capture_output=True, text=True, check=True).stdout
    gcc = "Free Software Foundation" in about and "clang" not in about  # cc is gcc on Debian
    vector = (libc == "glibc" and tuple(int(x) for x in version.split(".")[:2]) >= (2, 35)
              and platform.machine() == "x86_64" and gcc)
    assert bool(called) == vector, (libc, version, platform.machine(), called)

@pytest.mark.parametrize("backend", BACKENDS)
def test_broadcasting_many_parameter_sets_in_one_call(backend):
    module = _module("pumpleak", backend)
    rng = np.random.default_rng(1)
    n = 1000
    p = [np.full(n, value) for value in module.PARAMETER_VALUES]
    i_max = module.PARAMETER_NAMES.index("I_max")
    p[i_max] = p[i_max] * rng.uniform(0.0, 2.0, n)
    v = rng.uniform(-0.1, 0.1, n)
    y = [v, *module.STATE_VALUES[1:]]  # states scalar, V and I_max arrays
    batch_rhs = module.rhs(0.0, y, p)
    batch_jac = module.jacobian(0.0, y, p)
    assert batch_rhs.shape == (len(module.STATE_NAMES), n)
    assert batch_jac.shape == (len(module.STATE_NAMES),) * 2 + (n,)
    for k in (0, 17, 999):
        yk = np.array([v[k], *module.STATE_VALUES[1:]])
        pk = np.array([row[k] for row in p])
        np.testing.assert_allclose(batch_rhs[:, k], module.rhs(0.0, yk, pk), rtol=1e-15, atol=0)
        np.testing.assert_allclose(batch_jac[..., k], module.jacobian(0.0, yk, pk), rtol=1e-15, atol=0)
    grid = module.I_total([v[:, None], *module.STATE_VALUES[1:]], module.PARAMETER_VALUES)
    assert grid.shape == (n, 1)


def test_c_and_numpy_agree_to_rounding():
    rng = np.random.default_rng(3)
    for name in sorted(BUILTIN_MODELS):
        a, b = _module(name, "numpy"), _module(name, "c")
        y, p = _random_point(a, rng)
        np.testing.assert_allclose(a.rhs(0, y, p), b.rhs(0, y, p), rtol=1e-12, atol=0)
        np.testing.assert_allclose(a.jacobian(0, y, p), b.jacobian(0, y, p), rtol=1e-12, atol=1e-300)


def test_generated_sources_are_deterministic_and_shared_subexpressions():
    model = resolve_model("pumpleak")
    assert numpy_source(model) == numpy_source(model)
    assert c_source(model) == c_source(model)
    text = numpy_source(model)
    rhs_body = text.split("def rhs(")[1].split("def jacobian(")[0]
    # valences are folded in: one exp per distinct GHK valence (K and Na +1, Cl -1), shared by the rows
    assert rhs_body.count("numpy.exp(") == len({ion.valence for ion in model.ions if ion.leak == "ghk"}) == 2
    assert "z_K = p[" not in text and "z_Na = p[" not in text
    assert "_vrest_exprel" in rhs_body
    assert [line for line in text.splitlines() if "import numpy" in line] == ["import numpy"]  # one name for it


def test_export_cli_writes_an_importable_module(tmp_path):
    code, out, err = run_cli("export", "neuron", "--to", "numpy", "-o", str(tmp_path))
    assert code == 0, err
    path = tmp_path / "neuron_numeric.py"
    assert out.strip() == str(path)
    module = numeric._import_file(path, "neuron_numeric_test")
    assert module.STATE_NAMES == ("V",)
    assert module.rhs(0.0, module.STATE_VALUES, module.PARAMETER_VALUES).shape == (1,)
    code, out, err = run_cli("export", "neuron", "--to", "c", "-o", str(tmp_path))
    assert code == 0 and (tmp_path / "neuron_numeric.c").read_text().count("vrest_point_rhs") >= 1


def test_without_a_compiler_the_numpy_module_is_used(monkeypatch):
    monkeypatch.setattr(numeric, "_compiler", lambda: None)
    numeric._load_c.cache_clear()
    numeric.compile_library.cache_clear()
    try:
        with pytest.warns(numeric.NoCompilerWarning, match="no C compiler"):
            module = numeric.load_numeric(resolve_model("neuron"), "c")
        assert not isinstance(module, numeric.CModule)
        assert module.rhs(0.0, [-0.07], module.PARAMETER_VALUES).shape == (1,)
    finally:
        numeric._load_c.cache_clear()
        numeric.compile_library.cache_clear()


def test_numpy_chunked_fast_path_is_exact_and_matches_the_general_path():
    """Large V arrays with scalar parameters take the chunked in-place path (several chunks here):
    GHK currents still within 1e-12 of the textbook formula in mpmath at and near V = 0, no
    warnings, and every V-dependent quantity equal to the general (broadcasting) path."""
    special = np.array([0.0, 1e-15, -1e-12, 1e-9, -1e-6, 1e-4, -0.08, 0.1])
    v = np.concatenate([np.linspace(-0.1, 0.1, 40_001), special])
    v[20_000] = 0.0
    for name in ("squid", "pumpleak"):
        module, model = _module(name, "numpy"), resolve_model(name)
        y = [v, *module.STATE_VALUES[1:]]
        p = dict(zip(module.PARAMETER_NAMES, module.PARAMETER_VALUES))
        picks = list(range(0, v.size, 4_001)) + list(range(v.size - special.size, v.size))
        small = v[picks]  # below the fast-path size: the general code
        for quantity in module.QUANTITY_NAMES:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                fast = np.asarray(getattr(module, quantity)(y))
                general = np.asarray(getattr(module, quantity)([small, *module.STATE_VALUES[1:]]))
            if fast.ndim == 0:
                continue
            assert fast.shape == v.shape
            scale = np.max(np.abs(general))
            np.testing.assert_allclose(fast[picks], general, rtol=1e-12, atol=1e-13 * scale, err_msg=quantity)
        if name != "squid":
            continue
        for ion in model.ions:
            got = module.__dict__[f"I_{ion.name}"](y)
            for k in picks:
                expected = _textbook_ghk(mpmath.mpf(p[f"P_{ion.name}"]), ion.valence, mpmath.mpf(p[f"{ion.name}_i"]),
                                         mpmath.mpf(p[f"{ion.name}_o"]), float(v[k]), mpmath.mpf(p["T"]))
                assert _close(float(got[k]), expected, 1e-12), (ion.name, v[k])


def test_the_c_file_lists_its_states_and_parameters_in_order():
    """A C user of a vrest model needs the order of y[] and p[] and their SI defaults without the Python module:
    they match the NumPy module's STATE_NAMES/STATE_VALUES and PARAMETER_NAMES/PARAMETER_VALUES."""
    model = resolve_model("pumpleak")
    text = c_source(model).split("*/", 1)[0]
    module = numeric.load_numeric(model, "numpy")
    for i, (name, value) in enumerate(zip(module.STATE_NAMES, module.STATE_VALUES)):
        assert f" *   y[{i}] {name} = {float(value)!r}" in text
    for i, (name, value) in enumerate(zip(module.PARAMETER_NAMES, module.PARAMETER_VALUES)):
        assert f" *   p[{i}] {name} = {float(value)!r}" in text
    assert " *   p[1] F = 96485.33212 C/mol: Faraday constant (CODATA 2018)" in text
