"""`vrest export --to all` writes every file or none: a path it cannot write is one line, exit code 2, and
the folder is left as it was (no other export, no temporary file)."""

from __future__ import annotations

import os

import pytest

from tests.conftest import run_cli
from vrest.codegen import files


def _tree(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_every_file_is_written_and_named(tmp_path):
    code, out, err = run_cli("export", "neuron", "--to", "all", "-o", str(tmp_path))
    assert code == 0, err
    written = out.split()
    assert len(written) == 9 and sorted(written) == sorted(str(tmp_path / name) for name in _tree(tmp_path))


def test_a_path_that_is_a_folder_leaves_the_folder_as_it_was(tmp_path):
    (tmp_path / "neuron.nml").mkdir()
    (tmp_path / "keep.txt").write_text("mine")
    before = _tree(tmp_path)
    code, out, err = run_cli("export", "neuron", "--to", "all", "-o", str(tmp_path))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert f"-o = '{tmp_path / 'neuron.nml'}': cannot write" in err
    assert _tree(tmp_path) == before


@pytest.mark.parametrize("failing_at", ["neuron.nml", "neuron.cellml"])
def test_a_failure_while_renaming_takes_back_what_was_placed(tmp_path, monkeypatch, failing_at):
    (tmp_path / "neuron.cellml").write_text("an older export")
    (tmp_path / "keep.txt").write_text("mine")
    real, failed = os.replace, []

    def failing(source, target):  # the new file's rename into place fails, once
        if os.path.basename(target) == failing_at and not failed:
            failed.append(source)
            assert not os.path.exists(target)  # an earlier file there went aside first
            raise OSError(28, "No space left on device")
        return real(source, target)

    monkeypatch.setattr(files.os, "replace", failing)
    code, _, err = run_cli("export", "neuron", "--to", "all", "-o", str(tmp_path))
    assert code == 2 and "No space left on device" in err and err.count("\n") == 1
    assert _tree(tmp_path) == ["keep.txt", "neuron.cellml"]  # no new file, no temporary
    assert (tmp_path / "neuron.cellml").read_text() == "an older export"


@pytest.mark.parametrize("fmt", ["sbml", "numpy", "SBML", "CellML"])  # a format's name in any case
def test_one_format_still_writes_its_files(fmt, tmp_path):
    code, out, _ = run_cli("export", "squid", "--to", fmt, "-o", str(tmp_path / "new"))
    assert code == 0 and len(out.split()) >= 1 and all(os.path.isfile(p) for p in out.split())


def test_an_output_folder_that_is_a_file_is_said_to_be_one(tmp_path):
    """`-o steps.txt` with steps.txt a file: "cannot write: File exists" named the path inside it, not the file."""
    target = tmp_path / "steps.txt"
    target.write_text("x", encoding="utf-8")
    code, out, err = run_cli("export", "neuron", "--to", "sbml", "-o", str(target))
    assert (code, out) == (2, "") and target.read_text(encoding="utf-8") == "x"
    assert err == f"vrest: error: -o = '{target}': is a file, not a folder: give the folder to write the files into\n"


def test_an_output_folder_named_as_a_file_is_refused(tmp_path):
    """`-o x.sbml` made a folder x.sbml with neuron.sbml.xml in it: a new name with a file's suffix is refused."""
    code, out, err = run_cli("export", "neuron", "--to", "sbml", "-o", str(tmp_path / "x.sbml"))
    assert (code, out) == (2, "") and list(tmp_path.iterdir()) == []
    assert err == (f"vrest: error: -o = '{tmp_path / 'x.sbml'}': is named as a file (.sbml): -o takes a folder, and "
                   "vrest names the files it writes there (give a folder, such as .)\n")


@pytest.mark.parametrize("command", [("export", "neuron", "--to", "sbml", "-o", "/proc/vrest-out"),
                                     ("derive", "squid", "--report", "/proc/x.md"),
                                     ("sweep", "squid", "--vary", "ions.K.outside=1..10 mM 2", "--out", "/proc/x.csv")])
def test_a_folder_that_takes_no_new_files_is_said_to_be_one(command):
    """/proc exists, but takes no new file: the system's "No such file or directory" read as a missing folder."""
    code, out, err = run_cli(*command)
    assert (code, out) == (2, "")
    assert err.endswith(": cannot write: the folder '/proc' takes no new files\n"), err
