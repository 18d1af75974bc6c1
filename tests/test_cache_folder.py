"""A cache folder vrest cannot write: a read-only home (compute nodes, containers) or VREST_CACHE_DIR naming a file.

Both gave tracebacks (Myokit makes ~/.config/myokit when imported; vrest's compiled models go to ~/.cache/vrest).
A home that is a file stands for one vrest cannot write (the tests may run as root, who writes read-only folders).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import run_cli

HH = str(Path(__file__).parent / "models" / "hodgkin_huxley_squid_axon_model_1952_modified.cellml")


def test_a_home_vrest_cannot_write_gives_a_warning_and_a_temporary_cache(tmp_path):
    home = tmp_path / "home"
    home.write_text("")
    env = {k: v for k, v in os.environ.items() if k not in ("VREST_CACHE_DIR", "XDG_CACHE_HOME")} | {
        "HOME": str(home), "TMPDIR": str(tmp_path)}
    run = subprocess.run([sys.executable, "-m", "vrest.codegen", "rest", HH], capture_output=True, text=True, env=env,
                         timeout=600, check=False)
    assert run.returncode == 0, run.stderr
    assert "one stable resting state, at -75.00 mV" in run.stdout  # HH's rest (tests/test_import_rest.py)
    warning = [line for line in run.stderr.splitlines() if "cache folder" in line]
    assert len(warning) == 1 and warning[0].startswith(f"vrest: warning: cannot write vrest's cache folder {home}/"
                                                       ".cache/vrest (Not a directory): the models compiled in this "
                                                       f"run are kept in {tmp_path}/vrest-cache-")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]  # the temporary folders removed at the end


def test_a_cache_folder_named_by_the_user_that_cannot_be_written_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("VREST_CACHE_DIR", str(tmp_path / "file"))
    (tmp_path / "file").write_text("")
    code, out, err = run_cli("simulate", "pumpleak", "--t-end", "1 s")
    assert (code, out) == (2, "")
    assert err == (f"vrest: error: VREST_CACHE_DIR = '{tmp_path}/file': cannot write there (a file, not a folder): "
                   "vrest keeps the models it compiles in this folder; name a folder it can write\n")


def test_a_home_vrest_cannot_write_leaves_no_word_from_matplotlib(tmp_path):
    """matplotlib makes its settings folder in the home too: on a read-only home it said so in two lines of its
    own ("mkdir -p failed ...", "Matplotlib created a temporary cache directory ...")."""
    home = tmp_path / "home"
    home.write_text("")
    env = {k: v for k, v in os.environ.items() if k not in ("VREST_CACHE_DIR", "XDG_CACHE_HOME", "MPLCONFIGDIR",
                                                             "XDG_CONFIG_HOME")} | {"HOME": str(home),
                                                                                    "TMPDIR": str(tmp_path)}
    run = subprocess.run([sys.executable, "-m", "vrest.codegen", "sweep", "squid", "--vary", "ions.K.outside=1..10 mM 3",
                          "--quantity", "V_ss", "--plot", str(tmp_path / "s.png")], capture_output=True, text=True,
                         env=env, timeout=600, check=False)
    assert run.returncode == 0, run.stderr
    assert "atplotlib" not in run.stderr and "mkdir" not in run.stderr, run.stderr
    assert (tmp_path / "s.png").stat().st_size > 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "s.png"]  # the temporary folder removed
