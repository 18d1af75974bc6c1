"""Resting states of public models read from CellML and SBML files, checked independently.

Each resting state must agree to 1e-6 mV with where a long stiff SciPy run (Radau, tight tolerances)
from the file's initial state comes to rest; the run uses the imported equations lambdified here, with
the stimulus off, and nothing of the engine. The pacemaker (Noble 1962) has one equilibrium, unstable:
SciPy's root finder lands on it from nearby, its Jacobian (finite differences) has a pair of complex
eigenvalues with positive real part, and a long run keeps oscillating. That the imported equations are
the file's is checked in test_import_readers.py against Myokit's own evaluation.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp
from scipy.optimize import fsolve

from vrest.derive.importers import read_model_file
from vrest.derive.rest import find_resting_states, load_system

MODELS = Path(__file__).parent / "models"
GENERATED = Path(__file__).resolve().parents[1] / "generated"


def _read(path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a reader's notes (events or steps left out, SBML Level 2)
        return read_model_file(path)


def _numeric(system):
    """(f(y), J(y)) of the system at rest (stimulus 0, parameters at their values), by sympy.lambdify here."""
    stimulus = system.roles.stimulus
    values = {p.symbol: p.value for p in system.parameters}
    if stimulus is not None:
        values[stimulus] = 0
    rhs = []
    for state in system.states:
        expr = state.rhs
        for q in reversed(system.quantities):
            expr = expr.xreplace({q.symbol: 0 if q.symbol == stimulus else q.expression})
        rhs.append(expr.xreplace(values))
    y = list(system.state_symbols)
    f = sp.lambdify([y], rhs, modules="numpy")
    jac = sp.lambdify([y], sp.Matrix(rhs).jacobian(y), modules="numpy")
    return (lambda v: np.array(f(v), dtype=float)), (lambda v: np.array(jac(v), dtype=float))


def _long_run(system, t_end: float) -> np.ndarray:
    f, jac = _numeric(system)
    y0 = np.array([float(s.initial) for s in system.states])
    scale = np.where(y0 != 0, np.abs(y0), 1.0)
    scale[system.voltage_index] = 10.0  # atol 1e-13 V (1e-10 mV): V may start at 0 (a displacement from rest)
    with np.errstate(all="ignore"):  # Radau's trial steps may leave a model's domain; it retries
        run = solve_ivp(lambda t, y: f(y), (0.0, t_end), y0, method="Radau", jac=lambda t, y: jac(y),
                        rtol=1e-11, atol=1e-14 * scale, t_eval=[t_end / 2, t_end])
    assert run.success, run.message
    return run.y


# file, seconds of model time to run (many times the slowest time constant)
STABLE = [
    ("luo_rudy_1991.cellml", 60.0),
    ("beeler_reuter_model_1977.cellml", 60.0),
    ("hodgkin_huxley_squid_axon_model_1952_modified.cellml", 5.0),
    ("cellml2/luo_rudy_1991.cellml", 60.0),
    ("cellml2/beeler_reuter_model_1977.cellml", 60.0),
    ("cellml2/hodgkin_huxley_squid_axon_model_1952_modified.cellml", 5.0),
    ("BIOMD0000000020.xml", 5.0),
    ("BIOMD0000000020_l3v2.xml", 5.0),
]


@pytest.mark.parametrize(("name", "t_end"), STABLE, ids=[s[0] for s in STABLE])
def test_the_resting_state_is_where_a_long_stiff_run_comes_to_rest(name, t_end):
    system = _read(MODELS / name)
    report = find_resting_states(system)
    (state,) = report.resting_states
    assert state.stable and report.verdict.startswith("one stable resting state")
    run = _long_run(system, t_end)
    v = system.voltage_index
    assert abs(run[v, 1] - run[v, 0]) < 1e-10  # V (volts) has settled: half the run and the whole agree
    assert abs(state.V - run[v, 1]) < 1e-9  # 1e-6 mV
    for i, s in enumerate(system.states):
        assert state.states[s.symbol.name] == pytest.approx(run[i, 1], rel=1e-6, abs=1e-9 * max(1.0, abs(run[i, 1])))


@pytest.mark.parametrize("name", ["noble_model_1962.cellml", "cellml2/noble_model_1962.cellml"])
def test_noble_1962_is_a_pacemaker_with_one_unstable_equilibrium_near_minus_37_mV(name):
    system = _read(MODELS / name)
    report = find_resting_states(system)
    assert report.verdict.startswith("no stable resting state: this model oscillates (pacemaker)")
    (state,) = report.resting_states
    assert not state.stable
    f, _ = _numeric(system)
    guess = np.array([float(s.initial) for s in system.states])
    v = system.voltage_index
    guess[v] = -0.040  # V near the equilibrium, the gates where the file starts
    root, info, found, message = fsolve(f, guess, full_output=True, xtol=1e-14)
    assert found == 1, message
    assert abs(root[v] - state.V) < 1e-9 and root[v] * 1e3 == pytest.approx(-37.4, abs=0.05)
    step = 1e-7 * np.where(root != 0, np.abs(root), 1.0)
    jacobian = np.column_stack([(f(root + step[j] * e) - f(root - step[j] * e)) / (2 * step[j])
                                for j, e in enumerate(np.eye(len(root)))])
    eigenvalues = np.linalg.eigvals(jacobian)
    assert any(ev.real > 0 and ev.imag != 0 for ev in eigenvalues)  # an unstable focus: it oscillates
    f, jac = _numeric(system)
    y0 = np.array([float(s.initial) for s in system.states])
    with np.errstate(all="ignore"):
        late = solve_ivp(lambda t, y: f(y), (0.0, 20.0), y0, method="Radau", jac=lambda t, y: jac(y),
                         rtol=1e-8, atol=1e-12, t_eval=np.linspace(15.0, 20.0, 2001))
    assert late.success
    assert np.ptp(late.y[v]) > 0.1  # still swinging by more than 100 mV after 15 s: no rest


@pytest.mark.parametrize("name", ["pumpleak", "squid", "neuron"])
@pytest.mark.parametrize("suffix", ["cellml", "sbml.xml"])
def test_vrests_own_exports_rest_where_the_models_do(name, suffix):
    original = find_resting_states(load_system(name))
    imported = find_resting_states(_read(GENERATED / name / f"{name}.{suffix}"))
    assert len(imported.resting_states) == len(original.resting_states) == 1
    (a,), (b,) = original.resting_states, imported.resting_states
    assert b.V == pytest.approx(a.V, rel=1e-9) and b.stable == a.stable
    for state, value in a.states.items():
        assert b.states[state] == pytest.approx(value, rel=1e-9)


def test_the_readmes_pacemaker_example_is_what_vrest_prints():
    import re

    from conftest import run_cli

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```console\n\$ vrest rest tests/models/noble_model_1962.cellml\n(.*?)```", readme, re.S)
    assert block
    code, out, err = run_cli("rest", str(MODELS / "noble_model_1962.cellml"))
    assert code == 0, err
    for line in block.group(1).splitlines():
        if line.strip() != "...":
            assert line in out.splitlines(), line
