"""NeuroML/LEMS exports of imported public models: the NeuroML document is valid (libNeuroML's schema
check, jnml -validate), jnml builds the LEMS model with every dimension checked (-norun), and jnml runs
it: after the file's 10 us of forward Euler (steps of 10 ns) from the initial state, each
state agrees with SciPy's Radau (rtol 1e-12) on the imported system, stimulus off, to 0.1% of the state's
change over the run plus 1e-7 of its size (jnml writes single-precision floats, 8 significant digits, a value
below 1.2e-38 as 0; measured: 1.4e-8 on Beeler-Reuter's m, whose change is 7.4e-5): a rate wrong by any factor,
or a wrong unit of time, is far outside.
PyLEMS runs the same file to the same tolerance. Its parser has no .leq. (it read "x .leq. c" as c alone, so a
guard around a removable singularity held on one whole side of it), so the printer writes "c .geq. x"; and it
reads a ConditionalDerivedVariable used by another one from the step before (at the first step, as computed
before OnStart set the states: V = 0), so the export folds nested piecewise parts into one. Before both,
Beeler-Reuter's V was off by 18 % of its change over the run and HH's m by 36 %. PyLEMS writes each row after
its step: its row at t holds the state at t + dt, so it is compared with Radau at t + dt.
Courtemanche 1998 (a gate called v) and O'Hara-Rudy 2011 (the membrane potential called v) check that the
file's v and the cell's own v (baseCellMembPot) stay apart: the export once wrote the renamed gate where the
membrane potential belongs, and divided O'Hara-Rudy's potential by VOLT twice (jnml refused both)."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest

from imported_reference import MODELS_DIR, PUBLIC, load, radau_states
from vrest.derive.errors import ModelWarning
from vrest.derive.importers import read_model_file
from vrest.codegen.crosscheck.lems_runners import run_jnml, run_pylems
from vrest.codegen.exporters.systems import export_system

SECONDS = 1e-5
STEP = 1e-8  # the LEMS file's step
FLOAT32_TINY = float(np.finfo(np.float32).tiny)  # below it, jnml's output (Java floats) is 0
NAMED_V = {"courtemanche_1998": "courtemanche_ramirez_nattel_1998.cellml",
           "ohara_rudy_2011": "ohara_rudy_2011_endo.cellml"}


@pytest.fixture(scope="module", params=sorted(PUBLIC) + sorted(NAMED_V))
def exported(request, tmp_path_factory):
    if request.param in PUBLIC:
        system = load(request.param)
    else:  # O'Hara-Rudy's 0.341 [m^3/mol] * cao beside a concentration: vrest says so and keeps the file's numbers
        warned = request.param == "ohara_rudy_2011"
        with pytest.warns(ModelWarning, match="units do not agree") if warned else contextlib.nullcontext():
            system = read_model_file(MODELS_DIR / NAMED_V[request.param])
    directory = tmp_path_factory.mktemp(f"neuroml_{request.param}")
    paths = export_system(system, "neuroml", directory)
    nml = next(p for p in paths if p.suffix == ".nml")
    lems = next(p for p in paths if p.name.startswith("LEMS_"))
    return system, directory, nml, lems


@pytest.fixture(scope="module")
def radau(exported):
    return radau_states(exported[0], SECONDS)


def test_schema_valid_and_dimensions_checked(exported):
    from neuroml.utils import validate_neuroml2

    _, directory, nml, lems = exported
    assert validate_neuroml2(str(nml)) is None  # raises on any schema error
    output = run_jnml(["-validate", nml.name], directory)
    assert "Valid against schema and all tests" in output, output
    output = run_jnml([lems.name, "-norun"], directory)
    assert "Finished reading and building LEMS model" in output, output


def _last_row(path, system) -> dict[str, float]:
    rows = np.loadtxt(path, ndmin=2)
    names = [system.roles.voltage.name] + [s.symbol.name for s in system.states if s.symbol != system.roles.voltage]
    assert rows[-1, 0] == pytest.approx(SECONDS, rel=1e-9)
    return dict(zip(names, rows[-1, 1:]))


def test_jnml_run_agrees_with_radau(exported, radau):
    system, directory, _, lems = exported
    engine = "jnml"
    (directory / f"{lems.stem.removeprefix('LEMS_')}.dat").unlink(missing_ok=True)
    run_jnml([lems.name, "-nogui"], directory)
    got = _last_row(directory / f"{lems.stem.removeprefix('LEMS_')}.dat", system)
    y0, want = radau
    for k, state in enumerate(system.states):
        name = state.symbol.name
        # jnml writes single-precision floats: Courtemanche's u (2.35e-112) reads back as 0.
        tolerance = 1e-3 * abs(want[k] - y0[k]) + 1e-7 * max(abs(want[k]), abs(y0[k])) + FLOAT32_TINY
        assert abs(got[name] - want[k]) <= tolerance, (engine, name, got[name], want[k], y0[k])


def test_pylems_run_agrees_with_radau(exported):
    system, directory, _, lems = exported
    output = directory / f"{lems.stem.removeprefix('LEMS_')}.dat"
    output.unlink(missing_ok=True)
    run_pylems(lems)
    rows = np.loadtxt(output, ndmin=2)
    names = [system.roles.voltage.name] + [s.symbol.name for s in system.states if s.symbol != system.roles.voltage]
    assert rows[-1, 0] == pytest.approx(SECONDS, rel=1e-9)
    got = dict(zip(names, rows[-1, 1:]))
    y0, want = radau_states(system, SECONDS + STEP)  # PyLEMS's row at t holds the state after its step from t
    for k, state in enumerate(system.states):
        name = state.symbol.name
        tolerance = 1e-3 * abs(want[k] - y0[k]) + 1e-7 * max(abs(want[k]), abs(y0[k]))
        assert abs(got[name] - want[k]) <= tolerance, ("pylems", name, got[name], want[k], y0[k])


def test_the_run_line_written_in_the_export_runs_pylems(tmp_path):
    """The LEMS file's comment says how to run it in PyLEMS: unzip NeuroML2CoreTypes from pyNeuroML's jNeuroML jar,
    then pylems -I NeuroML2CoreTypes LEMS_x.xml -nogui. Done as written, it runs and writes its output."""
    import re
    import subprocess
    import sys
    import zipfile

    from vrest.codegen.crosscheck.lems_runners import jnml_jar

    export_system(read_model_file(MODELS_DIR / "hodgkin_huxley_squid_axon_model_1952_modified.cellml"), "neuroml",
                  tmp_path)
    (lems,) = tmp_path.glob("LEMS_*.xml")
    line = re.search(r"or {3}(pylems .*?) in this folder, after unzipping NeuroML2CoreTypes here from the jar "
                     r"pyNeuroML installs \(in its package folder\): unzip \.\.\./pyneuroml/lib/"
                     r"jNeuroML-\*-jar-with-dependencies\.jar 'NeuroML2CoreTypes/\*' -->", lems.read_text())
    assert line is not None and line.group(1) == f"pylems -I NeuroML2CoreTypes {lems.name} -nogui"
    with zipfile.ZipFile(jnml_jar()) as jar:
        jar.extractall(tmp_path, [n for n in jar.namelist() if n.startswith("NeuroML2CoreTypes/")])
    code = "import sys; from lems.run import main; sys.argv = sys.argv[1:]; main()"
    done = subprocess.run([sys.executable, "-c", code, *line.group(1).split()], cwd=tmp_path, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert any(tmp_path.glob("*.dat"))
