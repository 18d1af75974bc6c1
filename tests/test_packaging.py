"""A plain, non-editable install of the wheel works: models and templates ship inside it."""

from __future__ import annotations

import json
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh environment with the wheel installed (no editable link to the source tree): its directory."""
    tmp_path = tmp_path_factory.mktemp("wheel")
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(wheels), str(ROOT)], check=True, cwd=tmp_path)
    (wheel,) = wheels.glob("vrest-*.whl")
    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    # The new environment sees this one's dependencies (sympy, numpy, ...) after its own packages,
    # but never the source tree.
    target = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                            check=True, capture_output=True, text=True).stdout.strip()
    Path(target, "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--ignore-installed", str(wheel)],
                   check=True, cwd=tmp_path)
    return env_dir


def test_wheel_installs_and_runs(installed, tmp_path):
    env_dir, python = installed, installed / "bin" / "python"
    out = subprocess.run([str(env_dir / "bin" / "vrest"), "derive", "--json"], check=True, cwd=tmp_path,
                         capture_output=True, text=True).stdout
    assert abs(json.loads(out)["quantities"]["E_K"]["value"] - (-95.0226)) < 1e-3
    where = subprocess.run([str(python), "-c", "import vrest.codegen.templating as t, vrest.derive as d; "
                            "print(t.templates_dir()); print(d.__file__)"],
                           check=True, cwd=tmp_path, capture_output=True, text=True).stdout.split()
    assert all(str(env_dir) in line for line in where), where


def test_installed_generate_check_finds_the_project_or_says_where_it_looked(installed, tmp_path):
    """Outside any vrest project there is no generated/ to check (exit 2, one line naming the places looked
    at), not 27 "stale" files; inside the project's tree the installed vrest checks the project's generated/."""
    vrest = str(installed / "bin" / "vrest")
    outside = subprocess.run([vrest, "generate", "--check"], cwd=tmp_path, capture_output=True, text=True,
                             check=False)
    assert outside.returncode == 2, outside.stderr
    (line,) = outside.stderr.strip().splitlines()
    assert "no generated/ to check here" in line and str(tmp_path) in line and "--dir" in line
    assert "stale" not in outside.stderr
    writing = subprocess.run([vrest, "generate"], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert writing.returncode == 2 and writing.stdout == "", writing.stdout  # the same default as --check
    (line,) = writing.stderr.strip().splitlines()
    assert "no generated/ to write here" in line and str(tmp_path) in line and "--dir" in line
    assert not (tmp_path / "generated").exists()
    inside = subprocess.run([vrest, "generate", "--check"], cwd=ROOT / "tests", capture_output=True, text=True,
                            check=False)
    assert inside.returncode == 0, inside.stderr
    assert "generated/ is up to date" in inside.stdout
