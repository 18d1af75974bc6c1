"""Figure files: the suffix says the format in every command that plots; a name vrest cannot write is one
line, exit code 2, before any work and with no file left; the path printed is the file written."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from tests.conftest import run_cli

SIGNATURES = {".png": b"\x89PNG\r\n\x1a\n", ".pdf": b"%PDF-", ".svg": b"<?xml"}
COMMANDS = {
    "plot": lambda path: ("plot", "neuron", "iv", "-o", str(path)),
    "simulate": lambda path: ("simulate", "neuron", "--t-end", "5 ms", "--plot", str(path)),
    "sweep": lambda path: ("sweep", "neuron", "--vary", "ions.K.outside=2..8 mM 4", "--quantity", "V_ss",
                           "--plot", str(path)),
    "sensitivity": lambda path: ("sensitivity", "squid", "--vary", "ions.K.outside=2..20 mM log", "--vary",
                                 "pump=0..2", "--quantity", "V_ss", "--samples", "8", "--plot", str(path)),
}
KEYS = {"plot": "-o", "simulate": "--plot", "sweep": "--plot", "sensitivity": "--plot"}


def _left(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("suffix", [".png", ".pdf", ".svg", ".PDF"])
def test_the_suffix_says_the_format_and_the_file_is_the_same_every_time(command, suffix, tmp_path):
    first, second = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    for path in (first, second):
        code, out, err = run_cli(*COMMANDS[command](path))
        assert code == 0, err
        assert str(path) in out.splitlines()  # the path printed is the file written
    data = first.read_bytes()
    assert data.startswith(SIGNATURES[suffix.lower()]) and len(data) > 5000
    if suffix.lower() == ".svg":
        assert b"<svg" in data
    assert data == second.read_bytes()
    assert _left(tmp_path) == sorted([first.name, second.name])  # no temporary file left


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name, words", [
    ("x.txt", ["a .txt file", ".png, .svg or .pdf"]),
    ("noext", ["no file type", ".png, .svg or .pdf"]),
    ("folder", ["is a folder"]),
])
def test_a_name_vrest_cannot_write_is_one_line_and_leaves_nothing(command, name, words, tmp_path):
    (tmp_path / "folder").mkdir()
    before = _left(tmp_path)
    code, out, err = run_cli(*COMMANDS[command](tmp_path / name))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"vrest: error: {KEYS[command]} = '{tmp_path / name}': ")
    for word in words:
        assert word in err
    assert _left(tmp_path) == before and _left(tmp_path / "folder") == []


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unwritable_place_is_one_line_and_leaves_nothing(command, tmp_path):
    (tmp_path / "file").write_text("not a folder")
    code, _, err = run_cli(*COMMANDS[command](tmp_path / "file" / "x.svg"))
    assert code == 2 and err.count("\n") == 1 and "cannot write" in err
    assert _left(tmp_path) == ["file"]


def test_simulate_checks_the_name_before_the_run(monkeypatch, tmp_path):
    """The refusal comes before the model is read: a model that does not exist is not even looked at."""
    code, _, err = run_cli("simulate", str(tmp_path / "missing.toml"), "--plot", str(tmp_path / "x.txt"))
    assert code == 2 and "--plot" in err and "missing.toml" not in err


@pytest.mark.parametrize("command", ["sweep", "sensitivity"])
def test_sweeps_check_the_name_before_the_work(monkeypatch, tmp_path, command):
    from vrest.codegen.sweep import api, indices

    def never(*args, **kwargs):
        raise AssertionError("the work started")

    monkeypatch.setattr(api, "run_sweep", never)
    monkeypatch.setattr(indices, "sensitivity", never)
    code, _, err = run_cli(*COMMANDS[command](tmp_path / "x.txt"))
    assert code == 2 and err.startswith(f"vrest: error: --plot = '{tmp_path / 'x.txt'}': a .txt file")


def test_matplotlib_is_a_runtime_dependency():
    """`pip install .` alone must give a working `vrest plot` (the README's tour)."""
    import tomllib

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(re.match(r"matplotlib\b", dependency) for dependency in project["dependencies"])
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert "vrest[plot]" not in readme and "plot" not in project["optional-dependencies"]


def test_a_broken_matplotlib_is_one_line_in_simulate(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    code, _, err = run_cli(*COMMANDS["simulate"](tmp_path / "x.png"))
    assert code == 2 and err.count("\n") == 1 and "matplotlib" in err
    assert _left(tmp_path) == []
