"""run_jnml_sampled's named pipe loses no row when the writer reopens it for every chunk, as jnml does.

A stand-in for jnml opens the output file, writes one row and closes it, 3000 times in a row:
the pattern under which the previous reader (closing and reopening its end between chunks)
lost whole chunks (KeyError in jnml_course_sampled) or broke the writer's pipe.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from vrest.codegen.crosscheck import lems_runners

ROWS = 3000


def _chunked_writer(args: list[str], cwd: Path) -> str:
    for row in range(ROWS):
        with open(Path(cwd) / "out.dat", "a", encoding="ascii") as out:
            out.write(f"{row * 1e-3!r} {row} {-row}\n")
    return ""


@pytest.mark.parametrize("attempt", range(3))
def test_every_row_arrives_through_the_pipe(tmp_path, monkeypatch, attempt):
    monkeypatch.setattr(lems_runners, "run_jnml", _chunked_writer)
    lems = tmp_path / "LEMS_x.xml"
    lems.write_text("<Lems/>", encoding="utf-8")
    wanted = set(range(0, ROWS, 7)) | {ROWS - 1}
    kept = lems_runners.run_jnml_sampled(lems, "out.dat", wanted)
    assert set(kept) == wanted
    assert all(list(kept[row]) == [row * 1e-3, row, -row] for row in wanted)
    assert not (tmp_path / "out.dat").exists()  # the pipe is removed afterwards


def test_a_missing_row_is_an_error_not_a_key_error(tmp_path, monkeypatch):
    monkeypatch.setattr(lems_runners, "run_jnml", _chunked_writer)
    lems = tmp_path / "LEMS_x.xml"
    lems.write_text("<Lems/>", encoding="utf-8")
    with pytest.raises(RuntimeError, match=f"jnml wrote no row {ROWS}"):
        lems_runners.run_jnml_sampled(lems, "out.dat", {0, ROWS})
