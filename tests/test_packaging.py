"""A plain, non-editable install of the wheel works: models and templates ship inside it."""

from __future__ import annotations

import json
import site
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_installs_and_runs(tmp_path):
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
    out = subprocess.run([str(env_dir / "bin" / "vrest"), "derive", "--json"], check=True, cwd=tmp_path,
                         capture_output=True, text=True).stdout
    assert abs(json.loads(out)["quantities"]["E_K"]["value"] - (-95.0226)) < 1e-3
    where = subprocess.run([str(python), "-c", "import vrest.codegen.templating as t, vrest.derive as d; "
                            "print(t.templates_dir()); print(d.__file__)"],
                           check=True, cwd=tmp_path, capture_output=True, text=True).stdout.split()
    assert all(str(env_dir) in line for line in where), where
