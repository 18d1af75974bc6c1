"""Resting states of public models read from CellML and SBML files, checked independently.

Each resting state must agree to 1e-6 mV with where a long stiff SciPy run (Radau, tight tolerances)
from the file's initial state comes to rest; the run uses the imported equations lambdified here, with
the stimulus off, and nothing of the engine. A pacemaker (Noble 1962, McAllister-Noble-Tsien 1975) has
one equilibrium, unstable: Newton's method lands on it from the state the others reach with V clamped
nearby, its Jacobian (finite differences) has a pair of complex eigenvalues with positive real part,
and a long run keeps oscillating. That the imported equations are
the file's is checked in test_import_readers.py against Myokit's own evaluation.

Every public model is tested in CellML 1.0 and in its CellML 2.0 conversion (tests/models/cellml2), and the
SBML model in Levels 2 and 3.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from conftest import run_cli
from scipy.integrate import solve_ivp
from vrest.codegen.simulation.imported_rest import compiled_rest
from vrest.derive.importers import read_model_file
from vrest.derive.rest import DEFAULT_RANGE, find_resting_states, load_system

MODELS = Path(__file__).parent / "models"
GENERATED = Path(__file__).resolve().parents[1] / "generated"


def _read(path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a reader's notes (events or steps left out, SBML Level 2)
        return read_model_file(path)


def _rest(path: Path, v_range=DEFAULT_RANGE, start=None, parameters=None, from_start=False):
    """The RestReport `vrest rest FILE` computes, on the file's compiled module (find_resting_states on the SymPy
    system, lambdified, gives the same, slower: tests/test_rest_engine.py and the Decker test below run it);
    ``start`` and ``parameters`` SI, by name."""
    return compiled_rest(path, None, None).report(parameters or {}, v_range, start, from_start)


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
    ("fox_mcharg_gilmour_2002.cellml", 4000.0),  # calcium settles with a time constant of 98 s
    ("cellml2/fox_mcharg_gilmour_2002.cellml", 4000.0),
]


# Models whose total charge is conserved (dV/dt and the concentrations driven by the same currents): their
# steady states form a family, and the rest is the member fixed by the start's conserved quantities. Where the
# cell comes to rest is found without vrest's reader: Myokit reads the file and writes its equations as Python
# (stimulus 0), and SciPy's BDF runs them from the file's initial state for 2e4 s of model time.
CONSERVED = ["ten_tusscher_model_2006_epi.cellml", "courtemanche_ramirez_nattel_1998.cellml",
             "ohara_rudy_2011_endo.cellml"]
CONSERVED += [f"cellml2/{name}" for name in CONSERVED]
# Faber-Rudy 2000 starts its AP-tracking states at 1e-196: their rates, squared, underflow to 0, which once hid
# its charge law (and called its rest at -85.30 mV an unstable member of a family at -106.42 mV).
CONSERVED += ["faber_rudy_2000.cellml"]
# Livshitz-Rudy 2007 starts its SR release state Rel at 1e-20 mM/ms, whose rate is a difference of larger terms:
# at rest Rel is resolved only to 1e-27, and Newton's fixed step bound called its rest a failure ("no resting
# state"). Priebe-Beuckelmann 1998 has three overload trackers whose rates are 0 times a term (constants): their
# laws were lost in the rounding of its AP trackers (rates of 1e-133), and the Jacobian was singular.
CONSERVED += ["livshitz_rudy_2007.cellml", "priebe_beuckelmann_1998.cellml"]
UNSTABLE_TOO = {"ohara_rudy_2011_endo.cellml": 2, "cellml2/ohara_rudy_2011_endo.cellml": 2,
                "livshitz_rudy_2007.cellml": 2, "priebe_beuckelmann_1998.cellml": 2}


# Myokit's reading of a file and the runs of it, each done once in a run of this file: a CellML 2.0 file is checked
# against its original's, and several tests ask for the same model.
_MYOKIT_EQUATIONS: dict[tuple, tuple] = {}
_MYOKIT_LONG_RUNS: dict[tuple, float] = {}


def _myokit_equations(path: Path, tmp_path: Path, values: dict[str, float] | None = None):
    """(f(t, y), states, the time unit in seconds) of a CellML model read by Myokit, written as Python by Myokit,
    stimulus off, ``values`` (component.variable: a number in the file's unit) in place of the file's; y in the
    file's units and state order."""
    key = (str(path), tuple(sorted((values or {}).items())))
    if key not in _MYOKIT_EQUATIONS:
        _MYOKIT_EQUATIONS[key] = _myokit_written_out(path, tmp_path, values)
    return _MYOKIT_EQUATIONS[key]


def _myokit_written_out(path: Path, tmp_path: Path, values: dict[str, float] | None):
    import importlib.util

    import myokit
    import myokit.formats.cellml
    from myokit.formats.python import PythonExpressionWriter

    model = myokit.formats.cellml.CellMLImporter().model(str(path))
    for name, value in (values or {}).items():
        model.get(name).set_rhs(value)
    time = model.time()
    for variable in model.variables(deep=True):  # the stimulus: the one quantity that depends on time
        if not (variable.is_state() or variable is time or variable.is_bound()) and variable.rhs() is not None \
                and any(ref.var() is time for ref in variable.rhs().references()):
            variable.set_rhs(0)
    states = list(model.states())
    name = {v: f"v{k}" for k, v in enumerate(model.variables(deep=True))}
    writer = PythonExpressionWriter()
    writer.set_lhs_function(lambda lhs: ("d_" if isinstance(lhs, myokit.Derivative) else "") + name[lhs.var()])
    # exp() beyond the largest double is inf, as in C (Python's math raises): O'Hara-Rudy's
    # 1/(exp(a) + exp(b)) time constants overflow below -140 mV and are then their limit.
    lines = ["import math as _math", "import types", "", "def _exp(x):", "    try:", "        return _math.exp(x)",
             "    except OverflowError:", "        return _math.inf", "",
             "math = types.SimpleNamespace(**{**vars(_math), 'exp': _exp})", "", "def f(t, y):"] + [f"    {name[s]} = y[{k}]" for k, s in enumerate(states)]
    lines += [f"    {name[time]} = t"] + ["    " + writer.eq(eq) for eqs in model.solvable_order().values()
                                          for eq in eqs if eq.lhs.var() is not time]
    lines += ["    return [" + ", ".join(f"d_{name[s]}" for s in states) + "]"]
    (tmp_path / "myokit_rhs.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    spec = importlib.util.spec_from_file_location("myokit_rhs", tmp_path / "myokit_rhs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.f, states, float(myokit.Unit.conversion_factor(time.unit(), myokit.units.s))


# SciPy's BDF crawls on Livshitz-Rudy (its finite-difference Jacobian overflows on the SR release state); LSODA,
# switching to its own BDF when stiff, runs the 2e4 s in 0.2 s.
LONG_RUN_METHOD = {"livshitz_rudy_2007.cellml": "LSODA"}


def _myokit_long_run(path: Path, tmp_path: Path, t_end_s: float = 2e4, start: np.ndarray | None = None,
                     values: dict[str, float] | None = None) -> float:
    """V (volts) where a CellML model read by Myokit comes to rest from its initial state (or ``start``, in the
    file's units), stimulus off, ``values`` as for _myokit_equations."""
    key = (str(path), t_end_s, None if start is None else start.tobytes(), tuple(sorted((values or {}).items())))
    if key not in _MYOKIT_LONG_RUNS:
        _MYOKIT_LONG_RUNS[key] = _myokit_rest(path, tmp_path, t_end_s, start, values)
    return _MYOKIT_LONG_RUNS[key]


def _myokit_rest(path: Path, tmp_path: Path, t_end_s: float, start: np.ndarray | None,
                 values: dict[str, float] | None) -> float:
    import myokit

    f, states, second = _myokit_equations(path, tmp_path, values)
    y0 = np.array([s.initial_value(as_float=True) for s in states]) if start is None else start
    # A trial step of the BDF may leave the model's domain (NaN in its differences: once in a CI run, on Courtemanche
    # 1998, not seen when the file ran alone): SciPy rejects it and retries smaller, and the run's result is checked
    # below; NumPy's warning of that NaN is no failure of vrest's.
    with np.errstate(invalid="ignore"):
        run = solve_ivp(f, (0.0, t_end_s / second), y0, method=LONG_RUN_METHOD.get(path.name, "BDF"), rtol=1e-10,
                        atol=1e-12 * np.maximum(np.abs(y0), 1e-8), t_eval=[0.9 * t_end_s / second, t_end_s / second])
    assert run.success, run.message
    to_volts = myokit.Unit.conversion_factor(states[0].unit(), myokit.units.V)
    (v_late, v_end) = run.y[0] * float(to_volts)  # the oxmeta membrane_voltage is each file's first state
    assert abs(v_end - v_late) < 1e-11  # settled: V over the last 10 % of the run constant to 1e-8 mV
    return v_end


@pytest.mark.parametrize("name", CONSERVED)
def test_a_cell_that_conserves_its_charge_rests_where_it_comes_to_rest(name, tmp_path):
    report = _rest(MODELS / name)
    assert report.conserved  # the charge law, found and fixed from the start
    state, *others = report.resting_states  # O'Hara-Rudy: two unstable equilibria too (the next test)
    assert len(others) == UNSTABLE_TOO.get(name, 0), report.verdict
    assert state.stable and report.verdict.startswith("one stable resting state")
    original = MODELS / name.removeprefix("cellml2/")  # a CellML 2.0 file rests where its original does
    assert abs(state.V - _myokit_long_run(original, tmp_path)) < 1e-9  # 1e-6 mV
    f, states, second = _myokit_equations(original, tmp_path)
    for other in others:  # each an equilibrium of Myokit's equations, and unstable
        y = _in_file_units(other, states)
        assert not other.stable and _root_to_double_precision(f, y, second)


def _root_to_double_precision(f, y: np.ndarray, second: float) -> bool:
    """Every rate of Myokit's equations ``f`` vanishes at ``y``: below 1e-8 of its state's size per second, or
    within what moving each state by 4 ulps changes it (the Jacobian by central differences). Pandit 2001's
    unstable equilibrium at -30.02 mV: its RyR occupancy P_O2 (0.9993) moves the rates of P_O1 and P_O2 by
    2.8e-10 /s per ulp, and they are 1.6e-10 /s there."""
    rates = np.array(f(0.0, y))
    size = np.maximum(np.abs(y), 1e-6)
    if np.max(np.abs(rates) / size) * second < 1e-8:
        return True
    h = 1e-7 * size
    jacobian = np.column_stack([(np.array(f(0.0, y + h[k] * e)) - np.array(f(0.0, y - h[k] * e))) / (2 * h[k])
                                for k, e in enumerate(np.eye(len(y)))])
    return bool(np.all(np.abs(rates) <= 4 * np.finfo(float).eps * (np.abs(jacobian) @ np.abs(y))))


def _equilibrium_jacobian(f, y: np.ndarray, second: float, step: float, check: bool = True) -> np.ndarray:
    """The Jacobian of Myokit's equations ``f`` at ``y`` by central differences (steps ``step`` of each state's
    size), after checking (``check``) that every rate vanishes there: below 1e-8 of the state's size per second."""
    size = np.maximum(np.abs(y), 1e-6)
    assert not check or np.max(np.abs(f(0.0, y)) / size) * second < 1e-8
    h = step * size
    return np.column_stack([(np.array(f(0.0, y + h[k] * e)) - np.array(f(0.0, y - h[k] * e))) / (2 * h[k])
                            for k, e in enumerate(np.eye(len(y)))])


def _in_file_units(state, myokit_states) -> np.ndarray:
    """A resting state's values (SI, vrest's names) in the units and order of Myokit's reading of the file."""
    import myokit

    out = []
    for s in myokit_states:
        unit = s.unit() or myokit.units.dimensionless
        si = next((u for u in (myokit.units.V, myokit.parse_unit("mol/m^3"), myokit.parse_unit("mol/m^3/s"),
                               myokit.units.dimensionless)
                   if myokit.Unit.can_convert(unit, u)), None)
        assert si is not None, f"{s.qname()}: {unit}"
        # a name two components use is qualified; one that is a reserved symbol's (Priebe's gate t) gains a "_"
        name = next(n for n in (s.name(), s.name() + "_", s.qname().replace(".", "_")) if n in state.states)
        out.append(state.states[name] / float(myokit.Unit.conversion_factor(unit, si)))
    return np.array(out)


@pytest.mark.parametrize("name", ["ohara_rudy_2011_endo.cellml", "cellml2/ohara_rudy_2011_endo.cellml"])
def test_o_hara_rudy_has_two_unstable_equilibria_of_the_same_cell(name, tmp_path):
    """Besides its rest, O'Hara-Rudy (2011) has two unstable equilibria, near -27.94 and -19.84 mV, with the
    conserved quantities of the file's start. Checked without vrest's reader: Myokit's equations vanish there,
    their Jacobian (central differences) has an eigenvalue with a positive real part, and a run from each,
    nudged in a gate, leaves it and comes to rest where the cell does from its start (a run keeps the conserved
    quantities: an equilibrium of another member of the family would lead to another rest)."""
    report = _rest(MODELS / name)
    rest, *unstable = report.resting_states
    assert [round(s.V * 1e3, 2) for s in unstable] == [-27.94, -19.84] and not any(s.stable for s in unstable)
    assert report.verdict == ("one stable resting state, at -88.25 mV; unstable equilibria at -27.94 mV, "
                              "-19.84 mV")
    original = MODELS / name.removeprefix("cellml2/")
    f, states, second = _myokit_equations(original, tmp_path)
    for equilibrium in unstable:
        y = _in_file_units(equilibrium, states)
        jacobian = _equilibrium_jacobian(f, y, second, 1e-7)
        assert np.linalg.eigvals(jacobian).real.max() / second > 1.0  # grows faster than e^(t / 1 s)
        nudged = y.copy()
        nudged[[s.name() for s in states].index("m")] += 1e-6  # the fast sodium gate
        # The first 3 s in steps of 1 ms: the long steps of an implicit method would damp the growth away
        left = solve_ivp(f, (0.0, 3 / second), nudged, method="BDF", rtol=1e-10, max_step=1e-3 / second,
                         atol=1e-12 * np.maximum(np.abs(nudged), 1e-8))
        assert left.success and abs(left.y[0, -1] - y[0]) > 1  # mV: it left the equilibrium
        assert abs(_myokit_long_run(original, tmp_path, start=left.y[:, -1]) - rest.V) < 1e-9  # 1e-6 mV


def test_a_range_around_unstable_equilibria_alone_finds_them():
    """A range that holds O'Hara-Rudy's two unstable equilibria but not its rest: the path at fixed V is
    followed from the start (at -87 mV) into the range, and both are found where the whole range finds them
    (checked in Myokit's equations above)."""
    whole = _rest(MODELS / "ohara_rudy_2011_endo.cellml").resting_states[1:]
    for v_range in [(-0.05, 0.0), (-0.03, -0.02), (-0.025, -0.015)]:
        report = _rest(MODELS / "ohara_rudy_2011_endo.cellml", v_range=v_range)
        inside = [s for s in whole if v_range[0] <= s.V <= v_range[1]]
        assert [s.V for s in report.resting_states] == pytest.approx([s.V for s in inside], abs=1e-12), v_range
        assert not any(s.stable for s in report.resting_states)


def test_a_range_finds_the_equilibria_inside_it_from_a_start_far_from_rest():
    """ten Tusscher with 120 mM Na+ inside: with V clamped near the start's V the model settles nowhere, so the
    path's first point is sought farther out; each range finds the equilibria an independent continuation finds
    inside it (-102.0678 mV stable, -47.9885 and -31.5042 mV unstable)."""
    path = MODELS / "ten_tusscher_model_2006_epi.cellml"
    for v_range, expected in [((-0.150, 0.060), [-102.07, -47.99, -31.50]), ((-0.120, 0.0), [-102.07, -47.99, -31.50]),
                              ((-0.110, -0.090), [-102.07]), ((-0.060, -0.020), [-47.99, -31.50])]:
        report = _rest(path, v_range=v_range, start={"Na_i": 120.0})
        assert [round(s.V * 1e3, 2) for s in report.resting_states] == expected, v_range
    assert report.verdict.endswith("and the model moves away from them; a stable one may lie outside the range")
    # 135 mM: the path at fixed V is found only outside -110..-90 mV (-103.5791 mV, independent continuation)
    report = _rest(path, v_range=(-0.110, -0.090), start={"Na_i": 135.0})
    assert [round(s.V * 1e3, 2) for s in report.resting_states] == [-103.58]


# A start with other conserved amounts (--start), and the equilibria of that cell: V (mV, to 0.01 mV) from an
# independent search (Myokit's equations; the steady state at fixed V on a 0.25 mV grid, the curve of
# equilibria followed through V, 150 Newton runs from random states), each stable or not.
OTHER_STARTS = [
    ("ohara_rudy_2011_endo.cellml", {"nai": 50.0}, [(-94.82, True), (-26.82, False), (-20.96, False)]),
    ("ten_tusscher_model_2006_epi.cellml", {"Na_i": 60.0}, [(-94.98, True), (-43.58, False), (-31.40, False)]),
    # Far from the start's own steady state at fixed V (the Na+ a cell loads, moved into K+ at rest):
    ("ohara_rudy_2011_endo.cellml", {"nai": 60.0}, [(-96.14, True), (-26.57, False), (-21.22, False)]),
    ("ohara_rudy_2011_endo.cellml", {"nai": 100.0}, [(-100.85, True), (-25.54, False), (-22.29, False)]),
    ("courtemanche_ramirez_nattel_1998.cellml", {"Na_i": 60.0}, [(-89.97, True)]),
    ("courtemanche_ramirez_nattel_1998.cellml", {"K_i": 60.0}, [(-27.46, False)]),
    # Past a fold of the path at fixed V (it turns back in V):
    ("ten_tusscher_model_2006_epi.cellml", {"K_i": 170.0}, [(-92.38, True), (-41.62, False), (-31.76, False)]),
    ("ten_tusscher_model_2006_epi.cellml", {"Na_i": 30.0}, [(-90.57, True), (-39.26, False), (-32.43, False)]),
    # The path's first point not at the seed's V (Na_i=100: found at -84 mV, not on down from there before):
    ("ten_tusscher_model_2006_epi.cellml", {"Na_i": 100.0}, [(-99.91, True), (-46.67, False), (-31.38, False)]),
    # Past two pairs of folds (near -86.6/-94.5 and -66.2/-70.2 mV):
    ("ten_tusscher_model_2006_epi.cellml", {"Na_i": 140.0}, [(-104.06, True), (-49.21, False), (-31.65, False)]),
    ("ten_tusscher_model_2006_epi.cellml", {"Na_i": 180.0}, [(-107.66, True), (-51.47, False), (-31.98, False)]),
]


@pytest.mark.parametrize(("name", "start", "expected"), OTHER_STARTS,
                         ids=[f"{o[0]}-{','.join(f'{k}={v:g}' for k, v in o[1].items())}" for o in OTHER_STARTS])
def test_another_start_has_its_own_equilibria(name, start, expected, tmp_path):
    report = _rest(MODELS / name, start={k: v for k, v in start.items()})  # mM = mol/m^3
    assert [(round(s.V * 1e3, 2), s.stable) for s in report.resting_states] == expected
    f, states, second = _myokit_equations(MODELS / name, tmp_path)
    for state in report.resting_states:
        y = _in_file_units(state, states)
        assert np.max(np.abs(f(0.0, y)) / np.maximum(np.abs(y), 1e-6)) * second < 1e-8  # per second


TEN_TUSSCHER_CM = "membrane.Cm"  # 0.185 uF in the file; a myocyte's is near 185 pF


def test_a_whole_cells_capacitance_rests_stably(tmp_path):
    """ten Tusscher (2006) with Cm = 185 pF: its rest decays as slowly as -8.4e-6 /s beside -1.3e6 /s (eleven
    orders of magnitude), and is stable: a run of Myokit's equations from the file's start comes to rest there."""
    path = MODELS / "ten_tusscher_model_2006_epi.cellml"
    report = _rest(path, parameters={"Cm": 185e-12})
    rest = report.resting_states[0]
    assert rest.stable and report.verdict.startswith("one stable resting state, at -86.90 mV")
    assert min(abs(v.real) for v in rest.eigenvalues) < 1e-11 * max(abs(v) for v in rest.eigenvalues)
    v_end = _myokit_long_run(path, tmp_path, t_end_s=1e7, values={TEN_TUSSCHER_CM: 0.000185})
    assert abs(rest.V - v_end) < 1e-9  # 1e-6 mV


PANDIT = "pandit_clark_giles_demir_2001_epicardial_cell.cellml"


@pytest.fixture(scope="module")
def pandit_report():
    """Pandit 2001's RestReport from the file's start."""
    return _rest(MODELS / PANDIT)


def test_pandit_has_three_stable_resting_states_of_the_same_cell(pandit_report, tmp_path):
    """Pandit et al. (2001) comes to rest at -81.68 mV from its start, and has two more stable states with the
    start's conserved quantities: -12.53 mV (Na_i 118 mM, K_i 16 mM) and -5.84 mV, and unstable equilibria at
    -30.02 and -12.47 mV. Its start's path of steady states at fixed V ends near -30 mV; the others are found
    from the cell clamped at the voltages that path did not reach. (Its open RyR state P_O2 starts at 6e-10: the
    occupancy law P_C1 + P_O1 + P_O2 + P_C2 once lost that term as rounding, and the cell was said to have no
    rest.) Independent: the rest is where Myokit's equations run by SciPy come to rest from the file's start;
    -12.5318764 and -5.83603074 mV are where a scan of Myokit's equations (V with every other rate zero, then
    Newton on the whole system) found them; every state is a root of Myokit's equations (a Newton step moves no
    state by 1e-8 of itself) and stable as their Jacobian (central differences) says: besides the two laws'
    zeros, every eigenvalue negative, or one positive. Started at its own rest, the cell has the same conserved
    quantities, so the same equilibria (the two at -12.5 mV were missed: their RyR's P_O2, 0.99, was measured
    against its size at the start, 6e-17, and Newton never converged there)."""
    report = pandit_report
    verdict = ("3 stable resting states (the model is multistable): at -81.68 mV, -12.53 mV, -5.84 mV; unstable "
               "equilibria at -30.02 mV, -12.47 mV")
    assert report.verdict == verdict
    from_rest = _rest(MODELS / PANDIT, start=report.resting_states[0].states)
    assert from_rest.verdict == verdict
    assert [s.V for s in from_rest.resting_states] == pytest.approx([s.V for s in report.resting_states], abs=1e-12)
    assert len(report.conserved) == 2  # the charge and the RyR occupancy
    by_v = sorted(report.resting_states, key=lambda s: s.V)
    assert abs(by_v[0].V - _myokit_long_run(MODELS / PANDIT, tmp_path)) < 1e-9  # 1e-6 mV
    assert abs(by_v[2].V * 1e3 - -12.5318764) < 1e-7 and abs(by_v[4].V * 1e3 - -5.83603074) < 1e-8
    f, states, second = _myokit_equations(MODELS / PANDIT, tmp_path)
    for state in by_v:
        y = _in_file_units(state, states)
        jacobian = _equilibrium_jacobian(f, y, second, 1e-7, check=False)
        step = np.linalg.lstsq(jacobian, np.array(f(0.0, y)), rcond=1e-12)[0]
        assert np.all(np.abs(step) <= 1e-8 * np.abs(y) + 1e-300), state.V
        growth = np.sort(np.linalg.eigvals(jacobian).real / second)[::-1]  # /s
        grows = 0 if state.stable else 1  # one growing mode (a saddle), then the laws' two zeros, then decay
        assert (growth[0] > 1e-3 or state.stable) and np.all(np.abs(growth[grows:grows + 2]) < 1e-4)
        assert growth[grows + 2] < -1e-3


# mV: Pandit 2001's equilibria with the file's conserved quantities, by Newton on Myokit's equations with the two
# laws derived by hand (independently; every start at one of them has the same conserved values to 1e-16)
PANDIT_EQUILIBRIA = [-81.6804179031, -30.0210048252, -12.5318764360, -12.4706242764, -5.8360307378]


@pytest.mark.parametrize(("v_range", "verdict"), [
    ("-20..0mV", "2 stable resting states between -20.00 mV and 0.00 mV: at -12.53 mV, -5.84 mV; unstable "
                 "equilibrium at -12.47 mV; from its start the cell comes to rest at -81.68 mV, outside the range"),
    ("-10..0mV", "one stable resting state between -10.00 mV and 0.00 mV, at -5.84 mV; from its start the cell "
                 "comes to rest at -81.68 mV, outside the range"),
    ("-40..-20mV", "no stable resting state between -40.00 mV and -20.00 mV: the unstable equilibrium lies at "
                   "-30.02 mV; from its start the cell comes to rest at -81.68 mV, outside the range"),
])
def test_a_narrow_range_says_where_the_cell_rests_outside_it(v_range, verdict):
    """Pandit 2001 over a range that holds some of its equilibria but not the rest its start comes to (-81.68 mV,
    the test above): the cell, followed from its start, was matched against the stable states inside the range
    only, and "had not reached it after 27.8 h"; over -40..-20 mV the JSON crashed. The rest is the independent value below."""
    rest = PANDIT_EQUILIBRIA[0]
    code, out, err = run_cli("rest", str(MODELS / PANDIT), "--range", v_range, "--json")
    assert code == 0, err
    document = json.loads(out)
    assert document["verdict"] == verdict
    assert document["from_start"]["kind"] == "rests" and document["from_start"]["V"] == pytest.approx(rest, abs=1e-7)
    assert document["rest_outside_range"] == document["from_start"]["V"]


@pytest.mark.parametrize(("start", "v_range", "verdict"), [
    (-12.53, DEFAULT_RANGE, ("3 stable resting states (the model is multistable): at -81.68 mV, -12.53 mV, -5.84 mV; "
                             "unstable equilibria at -30.02 mV, -12.47 mV; from its start the cell comes to rest at "
                             "-12.53 mV")),
    (-12.53, (-0.020, 0.0), ("2 stable resting states between -20.00 mV and 0.00 mV: at -12.53 mV, -5.84 mV; "
                             "unstable equilibrium at -12.47 mV; from its start the cell comes to rest at -12.53 mV")),
    (-5.84, (-0.013, -0.012), ("one stable resting state between -13.00 mV and -12.00 mV, at -12.53 mV; unstable "
                               "equilibrium at -12.47 mV; from its start the cell comes to rest at -5.84 mV, outside "
                               "the range")),
])
def test_pandit_started_at_each_of_its_states_has_the_same_equilibria(pandit_report, start, v_range, verdict):
    """The same cell started at another of its resting states (the same conserved quantities, derived by hand) has the same
    equilibria. From the -12.53 mV state, -5.84 mV was missed: no path followed from the states found reached it,
    and the start clamped at +10 mV does not settle on its path (the -81.68 mV state does): every stable state found
    is now clamped at every 10 mV. Over -20..0 mV, -5.84 mV was missed too, and before that -12.47 mV: Newton from
    the mean of two steady states 2 mV apart on a curved path failed (the crossing is now found on the path). Started
    at -5.84 mV, over -13..-12 mV, the cell "had not reached" the rest inside the range: the start itself, an
    equilibrium outside the range no path from it gave, was never a guess for Newton."""
    at = min(pandit_report.resting_states, key=lambda s: abs(s.V * 1e3 - start))
    report = _rest(MODELS / PANDIT, v_range, start=at.states, from_start=True)
    assert report.verdict == verdict
    inside = [v for v in PANDIT_EQUILIBRIA if v_range[0] <= v / 1e3 <= v_range[1]]
    assert [s.V * 1e3 for s in report.resting_states] == pytest.approx(inside, abs=1e-7)  # mV


def test_a_cell_started_on_an_unstable_equilibrium_is_followed_from_near_it():
    """Noble 1962 started at its unstable equilibrium to the last digit, or 1e-9 mV from it: a run from there
    stays (its implicit steps damp a growing mode below the tolerances), and the cell was said to drift "near no
    equilibrium vrest found", then to stay there (a run of Myokit's equations by SciPy from 8.7e-10
    mV away leaves within 2.4 s and swings between -81.58 and 23.37 mV). It is followed from a millionth of each
    state's size away along the growing mode, and oscillates as from the file's start."""
    (state,) = _rest(MODELS / "noble_model_1962.cellml").resting_states
    for moved in (0.0, 8.7e-13):
        starts = [f"{name}={value + (moved if name == 'V' else 0.0)!r}" + (" V" if name == "V" else "")
                  for name, value in state.states.items()]
        code, out, err = run_cli("rest", str(MODELS / "noble_model_1962.cellml"), *(f"--start={s}" for s in starts))
        assert code == 0, err
        assert ("no stable resting state: this model oscillates (pacemaker), V between -81.58 mV and 23.37 mV from its "
                "start; the unstable equilibrium lies at -37.40 mV (its start is the unstable equilibrium at -37.40 "
                "mV: the cell is followed from a millionth of each state's size away, along its fastest-growing "
                "mode)") in out


def test_unstable_equilibria_past_a_gap_and_a_fold_in_the_path_at_fixed_v(tmp_path):
    """ten Tusscher with Cm = 18.5 nF: the path at fixed V from the rest finds no steady state from -62 to
    -52 mV and goes on beyond, to an unstable equilibrium near -38.57 mV, then turns back in V near -27.6 mV
    (a fold) to a second one near -31.45 mV (both found by an independent pseudo-arclength continuation of
    Myokit's equations); Myokit's equations vanish at both."""
    path = MODELS / "ten_tusscher_model_2006_epi.cellml"
    report = _rest(path, parameters={"Cm": 18.5e-9})
    assert report.verdict == "one stable resting state, at -86.90 mV; unstable equilibria at -38.57 mV, -31.45 mV"
    f, states, second = _myokit_equations(path, tmp_path, {TEN_TUSSCHER_CM: 0.0185})
    for state in report.resting_states[1:]:
        y = _in_file_units(state, states)
        assert np.max(np.abs(f(0.0, y)) / np.maximum(np.abs(y), 1e-6)) * second < 1e-8  # per second


@pytest.mark.parametrize(("name", "t_end"), STABLE, ids=[s[0] for s in STABLE])
def test_the_resting_state_is_where_a_long_stiff_run_comes_to_rest(name, t_end):
    system = _read(MODELS / name)
    report = _rest(MODELS / name)
    assert len(report.resting_states) == 1, report.verdict
    (state,) = report.resting_states
    assert state.stable and report.verdict.startswith("one stable resting state")
    run = _long_run(system, t_end)
    v = system.voltage_index
    assert abs(run[v, 1] - run[v, 0]) < 1e-10  # V (volts) has settled: half the run and the whole agree
    assert abs(state.V - run[v, 1]) < 1e-9  # 1e-6 mV
    for i, s in enumerate(system.states):
        assert state.states[s.symbol.name] == pytest.approx(run[i, 1], rel=1e-6, abs=1e-9 * max(1.0, abs(run[i, 1])))


# file, where the one (unstable) equilibrium lies (mV, to 0.05 mV)
# Pacemakers with equilibria the paths at fixed V miss (DiFrancesco-Noble's calcium-overloaded one: found by Newton
# from the states of the cycle), or with one that is a root of the equations but no cell's state (Paci's second, at
# -63.88 mV, has Ca_SR = -0.3 mM, where the SR buffer factor 1/(1 + Buf Kbuf/(Ca_SR + Kbuf)^2) and so Ca_SR's rate
# are 0: it was listed, and with two unstable equilibria and no complex pair the verdict was "the model moves away
# from them"). Independent: the equilibria where Newton on Myokit's equations, the charge law held at the start's
# value, converged from 100 points of a 5 s run of them (DiFrancesco-Noble: -51.262296841 and -48.295793167 mV),
# every rate of Myokit's equations vanishing there; their growth by central differences; and the swing of a 40 s
# run of Myokit's equations over its last 20 s.
SEEN_OSCILLATING = [
    ("difrancesco_noble_model_1985.cellml", [-51.262296841, -48.295793167]),
    ("paci_hyttinen_aaltosetala_severi_ventricularVersion.cellml", [-65.23]),
]


def _json_in_file_units(states: dict, myokit_state) -> float:
    """A state of `vrest rest --json` (V in mV, the others in the file's units) in the unit of Myokit's reading."""
    import myokit

    shown = next(states[n] for n in (myokit_state.name(), myokit_state.name() + "_",
                                     myokit_state.qname().replace(".", "_")) if n in states)
    if shown["unit"] != "mV":
        return shown["value"]
    return shown["value"] * float(myokit.Unit.conversion_factor(myokit.units.mV, myokit_state.unit()))


@pytest.mark.parametrize(("name", "expected"), SEEN_OSCILLATING, ids=[p[0] for p in SEEN_OSCILLATING])
def test_a_pacemaker_is_seen_oscillating_and_its_cycle_shows_equilibria_the_paths_miss(name, expected, tmp_path):
    _, v = _myokit_run(name, tmp_path, 40.0, points=200_001)  # every 0.1 ms: the peak of a 2 ms upstroke
    code, out, err = run_cli("rest", str(MODELS / name), "--json")
    assert code == 0, err
    document = json.loads(out)
    states = document["resting_states"]
    assert [round(s["V"], len(str(e).split(".")[1])) for s, e in zip(states, expected)] == expected
    assert len(states) == len(expected) and not any(s["stable"] for s in states)
    f, myokit_states, second = _myokit_equations(MODELS / name, tmp_path)
    for state in states:
        y = np.array([_json_in_file_units(state["states"], s) for s in myokit_states])
        assert _root_to_double_precision(f, y, second)
        assert np.linalg.eigvals(_equilibrium_jacobian(f, y, second, 1e-7, check=False)).real.max() / second > 0.1
    fate = document["from_start"]
    assert fate["kind"] == "oscillates"
    assert fate["V_low"] == pytest.approx(v.min(), abs=0.1) and fate["V_high"] == pytest.approx(v.max(), abs=0.1)
    lies = ", ".join(f"{s['V']:.2f} mV" for s in states)
    lies = f"equilibria lie at {lies}" if len(states) > 1 else f"equilibrium lies at {lies}"
    assert document["verdict"] == (f"no stable resting state: this model oscillates (pacemaker), V between "
                                   f"{fate['V_low']:.2f} mV and {fate['V_high']:.2f} mV from its start; the unstable "
                                   f"{lies}")


PACEMAKERS = [
    ("noble_model_1962.cellml", -37.4),  # Noble 1962, the Purkinje fibre: near -37.4 mV
    ("cellml2/noble_model_1962.cellml", -37.4),
    ("mcallister_noble_tsien_1975_b.cellml", -38.5),  # McAllister, Noble, Tsien 1975, the Purkinje fibre
    ("cellml2/mcallister_noble_tsien_1975_b.cellml", -38.5),
]


@pytest.mark.parametrize(("name", "equilibrium"), PACEMAKERS, ids=[p[0] for p in PACEMAKERS])
def test_a_pacemaker_has_one_unstable_equilibrium_and_keeps_oscillating(name, equilibrium):
    system = _read(MODELS / name)
    report = _rest(MODELS / name)
    assert report.verdict.startswith("no stable resting state: this model oscillates (pacemaker)")
    (state,) = report.resting_states
    assert not state.stable
    f, jac = _numeric(system)
    v = system.voltage_index
    start = np.array([float(s.initial) for s in system.states])
    start[v] = (equilibrium - 2) / 1000  # near the equilibrium; the other states settle with V clamped there

    def clamped(t, y):
        rate = f(y)
        rate[v] = 0.0
        return rate

    with np.errstate(all="ignore"):
        settled = solve_ivp(clamped, (0.0, 20.0), start, method="BDF", rtol=1e-10, atol=1e-14)
    root_state = settled.y[:, -1]
    for _ in range(50):  # Newton's method with the analytic Jacobian, undamped, from the clamped state
        step = np.linalg.solve(jac(root_state), f(root_state))
        root_state = root_state - step
        if np.all(np.abs(step) <= 1e-14 * np.maximum(np.abs(root_state), 1e-3)):
            break
    else:
        raise AssertionError(f"Newton did not converge: last step {step}")
    assert abs(root_state[v] - state.V) < 1e-9 and root_state[v] * 1e3 == pytest.approx(equilibrium, abs=0.05)
    step = 1e-7 * np.where(root_state != 0, np.abs(root_state), 1.0)
    jacobian = np.column_stack([(f(root_state + step[j] * e) - f(root_state - step[j] * e)) / (2 * step[j])
                                for j, e in enumerate(np.eye(len(root_state)))])
    eigenvalues = np.linalg.eigvals(jacobian)
    assert any(ev.real > 0 and ev.imag != 0 for ev in eigenvalues)  # an unstable focus: it oscillates
    y0 = np.array([float(s.initial) for s in system.states])
    with np.errstate(all="ignore"):
        late = solve_ivp(lambda t, y: f(y), (0.0, 20.0), y0, method="LSODA", jac=lambda t, y: jac(y),
                         rtol=1e-8, atol=1e-12, t_eval=np.linspace(15.0, 20.0, 2001))  # Radau's swing to 5e-6 mV
    assert late.success
    assert np.ptp(late.y[v]) > 0.1  # still swinging by more than 100 mV after 15 s: no rest


@pytest.mark.parametrize("name", ["pumpleak", "squid", "neuron", "hh"])
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


def test_a_narrower_range_does_not_call_the_model_a_pacemaker():
    """O'Hara-Rudy between -30 and -20 mV holds one unstable equilibrium and no stable one, but the cell rests at
    -88.25 mV (the first test's): the verdict says so. Noble 1962 in -60..0 mV has no rest outside the range, and
    may oscillate (the search from its start, outside the range, gives no numerical warning)."""
    report = _rest(MODELS / "ohara_rudy_2011_endo.cellml", v_range=(-0.030, -0.020))
    assert report.verdict == ("no stable resting state between -30.00 mV and -20.00 mV: the unstable equilibrium "
                              "lies at -27.94 mV; from its start the cell comes to rest at -88.25 mV, outside the "
                              "range")
    report = _rest(MODELS / "noble_model_1962.cellml", v_range=(-0.060, 0.0))
    assert report.verdict.endswith("lies at -37.40 mV; a stable one may lie outside the range (the model "
                                   "oscillates if there is none)")


@pytest.mark.parametrize(("ko", "verdict"), [(0.7, "one stable resting state, at -141.69 mV"),
                                             (0.5, "one stable resting state, at -149.30 mV")])
def test_a_rest_where_time_constants_overflow_and_gates_are_a_trillion_times_faster(ko, verdict, tmp_path):
    """O'Hara-Rudy with little K+ outside (mM) rests near E_K, below -140 mV. There exp() in the time constants
    1/(exp(a) + exp(b)) overflows (the Jacobian was NaN, and the verdict "this model oscillates"), and at
    -149.3 mV the slowest eigenvalue, -1.2e-3 /s, sits beside gates at -1.5e9 /s (it was taken for a zero
    eigenvalue). Myokit's equations, run by SciPy from the file's start, come to rest there."""
    path = MODELS / "ohara_rudy_2011_endo.cellml"
    report = _rest(path, parameters={"ko": ko})  # mM is mol/m^3, SI
    assert report.verdict.startswith(verdict), report.verdict
    v_end = _myokit_long_run(path, tmp_path, values={"extracellular.ko": ko})
    assert abs(report.resting_states[0].V - v_end) < 1e-9  # 1e-6 mV


def test_a_rest_below_the_range_is_named_not_taken_for_a_pacemaker(tmp_path):
    """O'Hara-Rudy with 0.3 mM K+ outside (E_K near -165 mV) comes to rest at -156.03 mV, below the default
    range, where only two unstable equilibria lie: the verdict names the rest the cell reaches (it said "this
    model oscillates (pacemaker)"). A wider range finds it, where Myokit's equations run by SciPy settle."""
    path = MODELS / "ohara_rudy_2011_endo.cellml"
    report = _rest(path, parameters={"ko": 0.3})
    assert report.verdict == ("no stable resting state between -150.00 mV and 60.00 mV: the unstable equilibria lie "
                              "at -30.35 mV, -18.27 mV; from its start the cell comes to rest at -156.03 mV, outside "
                              "the range")
    assert report.rest_outside_range == pytest.approx(-0.15603, abs=5e-6)  # V, for scripts (--json)
    wide = _rest(path, v_range=(-0.250, 0.060), parameters={"ko": 0.3})
    assert wide.verdict.startswith("one stable resting state, at -156.03 mV")
    v_end = _myokit_long_run(path, tmp_path, t_end_s=2e5, values={"extracellular.ko": 0.3})  # slowest tau 1327 s
    assert abs(wide.resting_states[0].V - v_end) < 1e-9  # 1e-6 mV


def test_a_slow_mode_beside_gates_fourteen_decades_faster_is_a_decay(tmp_path):
    """ten Tusscher (2006) with 0.3 mM K+ outside rests at -141.1954 mV: its slowest mode, -6.04e-4 /s (a
    finite-difference Jacobian of Myokit's equations there), sits beside a gate at -6.55e10 /s. It is a decay,
    not a direction along a family of equilibria (a run of Myokit's equations from that state with every gate
    moved by 0.02 returns to it)."""
    path = MODELS / "ten_tusscher_model_2006_epi.cellml"
    report = _rest(path, parameters={"K_o": 0.3})
    assert report.verdict.startswith("one stable resting state, at -141.20 mV"), report.verdict
    rest = report.resting_states[0]
    assert rest.slowest_tau == pytest.approx(1 / 6.04e-4, rel=1e-2)
    f, states, second = _myokit_equations(path, tmp_path, {"potassium_dynamics.K_o": 0.3})
    y = _in_file_units(rest, states)
    assert np.max(np.abs(f(0.0, y)) / np.maximum(np.abs(y), 1e-6)) * second < 1e-8  # per second: a root


def test_a_path_step_past_exps_range_is_refused_without_a_warning(tmp_path):
    """O'Hara-Rudy with its SERCA pump all but blocked (a millionth of it): continuation round a fold tries a step
    that takes an amount past exp()'s range; the step is refused (it printed NumPy's "invalid value encountered in
    multiply"). The three equilibria are roots of Myokit's equations. (Blocked entirely, the SR empties through
    release alone and the rest's slowest mode is so slow that rounding decides it: the answer then differs
    between processors, so that case is not asserted.)"""
    from vrest.codegen.simulation.imported_rest import compiled_rest  # the compiled module, as vrest rest and sweep run

    path = MODELS / "ohara_rudy_2011_endo.cellml"
    report = compiled_rest(path, None, None).report({"Jup_b": 1e-6}, (-0.150, 0.060))  # RuntimeWarnings fail
    assert [(round(s.V * 1e3, 2), s.stable) for s in report.resting_states] == [
        (-88.26, True), (-27.95, False), (-17.65, False)]
    f, states, second = _myokit_equations(path, tmp_path, {"SERCA.Jup_b": 1e-6})
    for state in report.resting_states:
        y = _in_file_units(state, states)
        assert np.max(np.abs(f(0.0, y)) / np.maximum(np.abs(y), 1e-6)) * second < 1e-8  # per second


def _myokit_run(name: str, tmp_path: Path, t_end_s: float, points: int = 2001) -> tuple[np.ndarray, np.ndarray]:
    """(t in s, V in mV) over the second half of a run of Myokit's equations of the file from its initial state,
    stimulus off (SciPy's LSODA, rtol 1e-8)."""
    f, states, second = _myokit_equations(MODELS / name, tmp_path)
    y0 = np.array([s.initial_value(as_float=True) for s in states])
    t = np.linspace(0.5 * t_end_s, t_end_s, points) / second
    with np.errstate(all="ignore"):  # a trial step to a wild V (Paci's tau_Xr1 = 0 beyond exp's range): shortened
        run = solve_ivp(f, (0.0, t[-1]), y0, method="LSODA", rtol=1e-8, atol=1e-10 * np.maximum(np.abs(y0), 1e-6),
                        t_eval=t)
    assert run.success, run.message
    import myokit

    to_mv = float(myokit.Unit.conversion_factor(states[0].unit(), myokit.units.mV))  # Paci's V is in volts
    return run.t * second, run.y[0] * to_mv  # the oxmeta membrane_voltage is each file's first state


def test_a_stable_rest_beside_the_limit_cycle_the_start_lies_on_is_named_as_such(tmp_path):
    """Zhang et al. (2000), rabbit sinoatrial node: an equilibrium at -31.34 mV is stable (its eigenvalues), but
    the cell started from the file's state beats for ever: Myokit's equations run for 20 s swing between -56.05
    and 19.16 mV in the last 10 s. `vrest rest` follows the model from its start and says so."""
    name = "zhang_SAN_model_2000_0D_capable.cellml"
    _, v = _myokit_run(name, tmp_path, 20.0)
    code, out, err = run_cli("rest", str(MODELS / name), "--json")
    assert code == 0, err
    document = json.loads(out)
    (state,) = document["resting_states"]
    assert state["stable"] and state["V"] == pytest.approx(-31.3373, abs=1e-4)
    fate = document["from_start"]
    assert fate["kind"] == "oscillates"
    assert fate["V_low"] == pytest.approx(v.min(), abs=0.05) and fate["V_high"] == pytest.approx(v.max(), abs=0.05)
    assert document["verdict"].startswith("one stable resting state, at -31.34 mV; but from its start the cell does "
                                          "not come to rest: it oscillates, V between -56.0")


def test_a_model_whose_charge_leaks_through_an_unrecorded_current_rests_only_where_that_current_vanishes(tmp_path):
    """Bondarenko et al. (2004), mouse ventricle: a calcium-activated Cl- current enters V's equation, but no
    concentration records the chloride it carries, so the only conservation of charge is broken by it, and every
    rate can vanish only where it does: at V = E_Cl, a constant -40 mV in the file. There the model has one
    equilibrium, isolated (the condition takes the place of the charge law) and stable, its slowest mode
    decaying at 1.3468e-8 /s (7.4e7 s: Newton on Myokit's equations, central differences three ways). It
    was missed ("no resting state"): Newton from the mean of two steady states 2 mV apart on its path at fixed V
    failed. From its start the cell settles near -82.42 mV and creeps on: Myokit's equations run for 1e5 s end at
    V(1e5 s), moving by under 1e-9 mV/s (2.35486e-06 mV/h)."""
    name = "bondarenko_szigeti_bett_kim_rasmusson_2004_apical.cellml"
    t, v = _myokit_run(name, tmp_path, 1e5)
    rate = (v[-1] - v[-201]) / (t[-1] - t[-201])  # mV/s over the last 5000 s
    assert 0 < rate < 1e-9
    code, out, err = run_cli("rest", str(MODELS / name), "--json")
    assert code == 0, err
    document = json.loads(out)
    (state,) = document["resting_states"]
    assert state["stable"] and state["V"] == pytest.approx(-40.0, abs=1e-6)
    slowest = max((complex(*e) if isinstance(e, list) else complex(e) for e in state["eigenvalues"]["values"]),
                  key=lambda e: e.real)
    assert slowest.real == pytest.approx(-1.3468e-8, rel=1e-3)
    f, myokit_states, second = _myokit_equations(MODELS / name, tmp_path)
    assert _root_to_double_precision(f, np.array([_json_in_file_units(state["states"], s) for s in myokit_states]),
                                     second)
    fate = document["from_start"]
    assert fate["kind"] == "drifts" and fate["t"]["value"] == 1e5
    assert fate["V"] == pytest.approx(v[-1], abs=1e-5)
    assert fate["rate"]["value"] == pytest.approx(rate, rel=0.2)
    assert document["verdict"].startswith("one stable resting state, at -40.00 mV; from its start the cell has not "
                                          "reached it after 27.8 h of model time: V = -82.42 mV, moving by 2.")


DECKER_REST = -87.469937413910  # mV: where the runs of Myokit's equations from the file's start end (below)


def test_a_jacobian_constant_beyond_any_c_integer_is_compiled_as_its_value(tmp_path):
    """Decker et al. (2009): the Jacobian of its Na-Cl cotransporter, (E_Na - E_Cl)^4/((E_Na - E_Cl)^4 + 87.8251^4)
    with E in mV, holds 4*10^24 in SI. As a C integer constant it has no type, and GCC truncated it: the compiled
    module's Jacobian was wrong in four entries (Na_i and Cl_i), and `vrest rest` (which runs the compiled module)
    said "no resting state". Checked without vrest's reader: Myokit's equations vanish at the rest, and the
    eigenvalues of their Jacobian (central differences) are negative but for the charge law's zero. And the cell
    comes to rest there from the file's start: runs of Myokit's equations from it for 3e4 s of model time, stimulus
    off, end at DECKER_REST (Myokit's CVODES at two tolerances, SciPy's BDF and Radau with the exact Jacobian, within
    1e-11 mV of each other, |dV/dt| below 3e-13 mV/s). Such a run crawls (steps of 0.5 ms for thousands of seconds)
    unless the L-type channel's Markov closure, OI_star = 1 - (the other seven, C = 0.99997 among them), is moved
    onto C: OI_star is 1.5e-20 at rest and carries C's rounding. It is not run here."""
    code, out, err = run_cli("rest", str(MODELS / "decker_2009.cellml"), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["verdict"] == "one stable resting state, at -87.47 mV; unstable equilibria at -33.26 mV, -12.66 mV"
    rest = next(s for s in data["resting_states"] if s["stable"])
    state, *unstable = find_resting_states(_read(MODELS / "decker_2009.cellml")).resting_states
    assert state.V * 1e3 == pytest.approx(rest["V"], abs=1e-9)  # the lambdified equations' rest: the same
    assert rest["V"] == pytest.approx(DECKER_REST, abs=1e-6)  # mV
    # vrest's own run from the start gets there too (it spent its 200 000 CVODE steps by t = 20 s, each state's
    # tolerance its start's size: OI, 1e-15 at rest and 0.02 at -12.66 mV, resolved to 1e-25)
    assert data["from_start"]["kind"] == "rests" and data["from_start"]["V"] == pytest.approx(DECKER_REST, abs=1e-6)
    # The file's V equation holds INaCa_ss_sr twice (as a term of INaCa and on its own, in naiont and caiont): its
    # share is listed twice over, said once, and the currents listed sum to 0 at rest, with no unnamed remainder
    currents = {name: c["value"] for name, c in rest["currents"].items()}
    assert "(unnamed terms of V's equation)" not in currents
    assert abs(sum(currents.values())) < 1e-12 * sum(abs(v) for v in currents.values())
    assert err.count("V's equation counts INaCa_ss_sr 2 times") == 1
    f, states, second = _myokit_equations(MODELS / "decker_2009.cellml", tmp_path)
    jacobian = _equilibrium_jacobian(f, _in_file_units(state, states), second, 1e-6)
    real = np.sort(np.linalg.eigvals(jacobian).real) / second
    assert abs(real[-1]) < 1e-6 and real[-2] < -1e-4  # the charge law's zero; the slowest mode decays (689 s)
    # The two unstable equilibria (found since Newton's convergence allows for each state's rounding): roots of
    # Myokit's equations, one growing at 59.9 /s, the other an unstable focus (7.5 /s)
    growth = [np.linalg.eigvals(_equilibrium_jacobian(f, _in_file_units(s, states), second, 1e-7)).real.max()
              / second for s in unstable]
    assert growth == [pytest.approx(59.88, rel=1e-3), pytest.approx(7.516, rel=1e-3)]


@pytest.mark.parametrize("v_range", [None, "-200..100mV"])
def test_a_state_known_only_to_rounding_at_rest_is_one_equilibrium_over_any_range(v_range):
    """Livshitz & Rudy (2007), through the compiled module `vrest rest` runs: its SR release state Rel starts at
    1e-20 mM/ms and rests at 1e-28, known only to the rounding of its neighbours' rates. Newton's fixed step bound
    called the rest a failure ("no resting state"); then, once accepted, two roots that differ in Rel by 7e-28 were
    two stable states ("bistable"), and over -200..100 mV the rest was lost again. The rest is where an LSODA run of
    Myokit's equations comes to rest (the conserved-charge test above); the unstable equilibria are roots there."""
    code, out, err = run_cli("rest", str(MODELS / "livshitz_rudy_2007.cellml"), "--json",
                             *(["--range", v_range] if v_range else []))
    assert code == 0, err
    data = json.loads(out)
    assert data["verdict"] == "one stable resting state, at -90.00 mV; unstable equilibria at -46.33 mV, -23.41 mV"
    assert data["resting_states"][0]["V"] == pytest.approx(-90.0033208522224, abs=1e-9)  # LSODA, Myokit's equations
    # and vrest's own run from the start comes there (CVODE failed at 140 s with Rel's tolerance 1e-30 mM/ms)
    assert data["from_start"]["kind"] == "rests" and data["from_start"]["V"] == pytest.approx(-90.0033208522224,
                                                                                              abs=1e-6)


def test_a_stable_state_outside_the_range_is_not_said_to_be_reached_from_a_start_on_a_limit_cycle():
    """Zhang et al. (2000) with -100..-40 mV: implicit Euler's long steps from the start reach the stable state at
    -31.34 mV, and the verdict said the cell comes to rest there; the cell beats from its start (the default
    range's verdict, and the long run of the test above). The start is now followed as over the default range."""
    code, out, err = run_cli("rest", str(MODELS / "zhang_SAN_model_2000_0D_capable.cellml"), "--range", "-100..-40mV")
    assert code == 0, err
    assert out.splitlines()[1] == ("no resting state between -100.00 mV and -40.00 mV; a stable resting state lies "
                                   "outside the range, at -31.34 mV; from its start the cell does not come to rest: "
                                   "it oscillates, V between -56.05 mV and 19.16 mV")
    code, out, err = run_cli("rest", str(MODELS / "zhang_SAN_model_2000_0D_capable.cellml"), "--range", "-100..-40mV",
                             "--json")
    document = json.loads(out)  # the rest outside the range is one the cell comes to: none (it was -31.34 mV)
    assert code == 0 and document["rest_outside_range"] is None and document["from_start"]["kind"] == "oscillates"


def test_a_ranges_ends_are_printed_as_given():
    """A range that ends just above Zhang's stable state (-31.337328 mV) was printed "between -31.34 mV and 0.00 mV"
    beside "a stable resting state lies outside the range, at -31.34 mV": its end is now printed as given."""
    code, out, err = run_cli("rest", str(MODELS / "zhang_SAN_model_2000_0D_capable.cellml"), "--range", "-31.3373..0mV")
    assert code == 0, err
    assert out.splitlines()[1].startswith("no resting state between -31.3373 mV and 0.00 mV; a stable resting state "
                                          "lies outside the range, at -31.34 mV")


def test_a_total_current_renamed_is_opened_into_the_currents_it_sums():
    """Priebe & Beuckelmann (1998) write dV/dt = dVdt with dVdt = -I_tot: the currents at rest were one entry,
    dVdt (the rate of V, 0 there). They are the ten membrane currents of the paper, summing to 0 at rest."""
    code, out, err = run_cli("rest", str(MODELS / "priebe_beuckelmann_1998.cellml"), "--json")
    assert code == 0, err
    currents = json.loads(out)["resting_states"][0]["currents"]
    assert set(currents) == {"i_Na", "i_Ca", "i_to", "i_Kr", "i_Ks", "i_K1", "i_NaCa", "i_NaK", "i_b_Na", "i_b_Ca"}
    values = [c["value"] for c in currents.values()]
    assert next(iter(currents)) == "i_K1" and abs(sum(values)) < 1e-9 * max(map(abs, values))


@pytest.mark.parametrize("v_range", ["-100..-80mV", "-120..-60mV"])
def test_the_conservation_laws_do_not_depend_on_the_range(v_range):
    """The laws were sought at states sampled with V in the range: over -100..-80 mV Livshitz-Rudy's L-type gate d
    passed for a term of the charge law (its rate hardly moves there), over -120..-60 mV the charge law was lost,
    and either way the rest at -90.0033 mV was not found ("no resting state"). V is now sampled over the default
    range too: the laws and the rest are the default range's."""
    path = str(MODELS / "livshitz_rudy_2007.cellml")
    whole = json.loads(run_cli("rest", path, "--json")[1])
    code, out, err = run_cli("rest", path, "--json", "--range", v_range)
    assert code == 0, err
    narrow = json.loads(out)
    low, high = v_range.removesuffix("mV").split("..")
    assert narrow["verdict"] == f"one stable resting state between {low}.00 mV and {high}.00 mV, at -90.00 mV"
    assert [(law["name"], law["combination"]) for law in narrow["conserved"]] == [
        (law["name"], law["combination"]) for law in whole["conserved"]]
    for mine, theirs in zip(narrow["conserved"], whole["conserved"]):
        assert mine["coefficients"] == pytest.approx(theirs["coefficients"], rel=1e-12)
    assert narrow["resting_states"][0]["V"] == pytest.approx(-90.0033208522224, abs=1e-9)  # Myokit, LSODA
