"""NMODL export checked by NEURON's own tools: modlunit, nrnivmodl, and a NEURON run.

For each built-in model and a user model with GHK leaks, the mechanism must be
modlunit-clean, compile, and reproduce vrest's V_ss (run from V = 0 exactly, so
GHK is evaluated at its removable singularity) within 1e-6 mV and the ouabain
time course (codegen.reference: Radau on Model.rhs()) within 1e-3 mV.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vrest.codegen.crosscheck.check import make_job
from vrest.codegen.exporters import export
from vrest.codegen.crosscheck.script_runners import run_neuron
from conftest import assert_job_agrees, GHK_USER_MODEL, assert_agrees
from vrest.derive.builtin import resolve_model
from vrest.derive.constants import V
from vrest.derive.modelfile import model_from_dict

MODELS = ["neuron", "squid", "pumpleak", "ghk_user"]


def _tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


@pytest.fixture(scope="module", params=MODELS)
def exported(request, tmp_path_factory):
    directory = tmp_path_factory.mktemp(f"nmodl_{request.param}")
    if request.param == "ghk_user":
        model = model_from_dict(GHK_USER_MODEL)
    else:
        model = resolve_model(request.param)
    export(model, "nmodl", directory)
    return model, directory


def test_modlunit_clean(exported):
    model, directory = exported
    (mod,) = directory.glob("*.mod")
    done = subprocess.run([_tool("modlunit"), mod.name], cwd=directory, capture_output=True, text=True)
    output = (done.stdout + done.stderr).strip()
    assert done.returncode == 0, output
    assert output == f"Checking units of {mod.name}", output  # 0 errors, 0 warnings


def test_factor_1000_unit_error_is_caught(exported, tmp_path):
    """The same mechanism with i in the wrong unit (x1000) must fail modlunit."""
    _, directory = exported
    (mod,) = directory.glob("*.mod")
    text = mod.read_text(encoding="utf-8")
    assert "i = (0.0001)*I_total" in text
    broken = tmp_path / mod.name
    broken.write_text(text.replace("i = (0.0001)*I_total", "i = (0.1)*I_total"), encoding="utf-8")
    done = subprocess.run([_tool("modlunit"), broken.name], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode != 0 or "ERROR" in done.stdout + done.stderr


# neuron's job runs in every simulator in tests/test_crosscheck_generate.py
@pytest.mark.parametrize("exported", [m for m in MODELS if m != "neuron"], indirect=True)
def test_neuron_agrees_with_vrest(exported):
    model, directory = exported
    job = make_job(model, stiff=False)  # CVODE: the long job even for pumpleak
    assert job.ss_start[V] == 0.0  # GHK evaluated at V = 0 exactly
    answer = run_neuron(model, directory, job)
    assert len(job.times) == 10
    assert [c.scenario.name for c in job.courses] == [s.name for s in model.scenarios] or not model.scenarios
    assert_job_agrees(model.name, job, answer)


def test_no_useion_and_celsius_in_script(exported):
    """NEURON's default ek/ena and celsius (6.3 degC) must not enter."""
    model, directory = exported
    (mod,) = directory.glob("*.mod")
    text = mod.read_text(encoding="utf-8")
    assert "USEION" not in text.split("NEURON {", 1)[1].split("}", 1)[0]
    script = next(directory.glob("*_neuron.py")).read_text(encoding="utf-8")
    celsius = float(model.values[model.symbols["T"]]) - 273.15
    assert f"CELSIUS = {celsius!r}" in script or f"CELSIUS = {round(celsius, 10)!r}" in script


def test_each_statement_of_the_neuron_block_is_on_its_own_line(exported):
    """The parameters' RANGE and the next statement once ran together on one line."""
    _, directory = exported
    (mod,) = directory.glob("*.mod")
    block = mod.read_text(encoding="utf-8").split("NEURON {", 1)[1].split("}", 1)[0]
    lines = [line.strip() for line in block.splitlines() if line.strip()]
    assert all(line.split()[0] in ("SUFFIX", "NONSPECIFIC_CURRENT", "RANGE") for line in lines), lines
    assert all(line.count("RANGE") <= 1 and line.count("SUFFIX") + line.count("CURRENT") <= 1 for line in lines)


def test_the_header_speaks_of_the_model_s_own_currents(tmp_path):
    """The squid's GHK leaks use exprel, from its concentrations; hh has ohmic currents at fixed reversal
    potentials, and its header said otherwise."""
    squid = export(resolve_model("squid"), "nmodl", tmp_path / "squid")[0].read_text(encoding="utf-8")
    hh = export(resolve_model("hh"), "nmodl", tmp_path / "hh")[0].read_text(encoding="utf-8")
    assert "GHK currents use FUNCTION exprel" in squid and "from the model's own concentrations" in squid
    assert "GHK currents" not in hh and "from the model's own reversal potentials" in hh


def test_a_parameter_left_at_its_default_has_its_exact_value_in_neuron(tmp_path):
    """nocmodl keeps 6 digits of a PARAMETER default (R = 8.31446); INITIAL restores the exact value of one left at
    it (CODATA 2018's R and F, the file's membrane area), and keeps a value the user set."""
    export(resolve_model("pumpleak"), "nmodl", tmp_path)
    built = subprocess.run([_tool("nrnivmodl")], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stdout + built.stderr
    probe = ("from neuron import h\n"
             "s = h.Section()\n"
             "s.insert('vrest_pumpleak')\n"
             "m = s(0.5).vrest_pumpleak\n"
             "print(repr(m.R), repr(m.F), repr(m.A_m))\n"
             "m.A_m = 300.0\n"
             "h.finitialize(-94)\n"
             "print(repr(m.R), repr(m.F), repr(m.A_m))\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    before, after = done.stdout.strip().splitlines()[-2:]
    assert before.split() == ["8.31446", "96.4853", "314.159"]  # what nocmodl keeps of the defaults
    r, f, area = (float(x) for x in after.split())
    assert (r, area) == (8.314462618, 300.0)
    assert f == pytest.approx(96485.33212 / 1000, rel=1e-15)  # fC/amol
