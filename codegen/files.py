"""Writing output files whole or not at all."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from vrest.derive.builtin import is_other_format
from vrest.derive.errors import ModelError

__all__ = ["cannot_write", "check_folder", "check_output_folder", "csv_number", "write_atomic", "write_all_atomic"]

# Names a file has, not a folder (-o x.sbml made a folder x.sbml): the suffixes of the files vrest writes
_FILE_SUFFIXES = frozenset({".xml", ".sbml", ".cellml", ".nml", ".mod", ".py", ".c", ".h", ".json", ".csv", ".md",
                            ".tex", ".txt", ".png", ".pdf", ".svg", ".nc", ".h5"})


def csv_number(x: float) -> str:
    """A number in a CSV file of vrest (vrest sweep, vrest simulate): the shortest text that reads back to the same
    double (-5.405), a whole number without '.0' (60, a count 1), nan for a missing value."""
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def cannot_write(error: OSError, folder: str | Path) -> str:
    """Why a file cannot be made in ``folder``: the system's reason, but where it says "No such file or directory"
    of a folder that exists (/proc), that the folder takes no new files."""
    if error.errno == errno.ENOENT and Path(folder).is_dir():
        return f"cannot write: the folder {str(folder)!r} takes no new files"
    return f"cannot write: {error.strerror or error}"


def check_folder(path: str | Path, key: str) -> None:
    """An output file's folder must exist: vrest makes none for a file (a mistyped folder name would
    otherwise become a new tree). ModelError naming ``key`` and the path when it is missing or a file, or when
    the path itself is a folder."""
    path = Path(path)
    if path.is_dir():
        raise ModelError(key, str(path), "cannot write: it is a folder; give a file name")
    if path.suffix.lower() == ".toml" or is_other_format(str(path)):  # `derive --report MODEL.toml` lost the model
        raise ModelError(key, str(path), "is named as a model file: vrest writes no output over one (the option "
                                         f"takes the word after it as its file: {key} OUT MODEL)")
    folder = path.parent
    for above in (folder, *folder.parents):
        if above.exists():
            if not above.is_dir():
                raise ModelError(key, str(path), f"cannot write: {str(above)!r} is a file, not a folder")
            break
    if not folder.is_dir():
        raise ModelError(key, str(path), f"cannot write: the folder {str(folder)!r} does not exist (vrest makes no "
                                         "folder for an output file: create it first)")


def check_output_folder(path: str | Path, key: str = "-o") -> None:
    """A folder to write files into (`-o DIR`): made if missing, but not the folders above it (a mistyped path
    would otherwise become a new tree). ModelError naming ``key`` when it is a file or its parent is missing."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ModelError(key, str(path), "is a file, not a folder: give the folder to write the files into")
    if not path.exists() and path.suffix.lower() in _FILE_SUFFIXES:
        raise ModelError(key, str(path), f"is named as a file ({path.suffix}): {key} takes a folder, and vrest names "
                                         "the files it writes there (give a folder, such as .)")
    above = next((folder for folder in path.resolve().parents if folder.exists()), None)
    if above is not None and not above.is_dir():
        raise ModelError(key, str(path), f"cannot write: {str(above)!r} is a file, not a folder")
    if not path.exists() and not path.resolve().parent.is_dir():
        raise ModelError(key, str(path), f"cannot write: the folder {str(path.parent)!r} does not exist (vrest makes "
                                         "the folder -o names, not the folders above it: create them first)")
    folder = path if path.exists() else path.resolve().parent
    try:  # before any work: a folder that takes no file fails here, not in each file written into it
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise ModelError(key, str(path), cannot_write(error, folder)) from None


def write_atomic(path: str | Path, content: str | bytes, key: str = "output", folders: bool = False) -> Path:
    """Write ``content`` to ``path`` via a temporary file and a rename.

    A reader never sees a half-written file, and a failure leaves nothing behind.
    An unwritable path raises ModelError naming ``key`` and the path; so does a missing folder, unless
    ``folders`` (a file inside an output folder the command was given, which it makes).
    """
    path = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    if not folders:
        check_folder(path, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise ModelError(key, str(path), cannot_write(exc, path.parent)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        os.unlink(tmp)
        raise ModelError(key, str(path), f"cannot write: {exc.strerror or exc}") from None
    return path


def write_all_atomic(contents: Mapping[str | Path, str | bytes], key: str = "output") -> list[Path]:
    """Write every file of ``contents`` ({path: content}) or none: all to temporary files beside their paths
    first, then each renamed into place.

    A path vrest cannot write (an unwritable folder, a path that is a folder) raises ModelError naming
    ``key`` and the path before any file is in place, and no temporary file is left. Should a rename still
    fail, the files already placed are taken back: the folder is left as it was.
    """
    paths = [Path(path) for path in contents]
    for path in paths:
        if path.is_dir():
            raise ModelError(key, str(path), "cannot write: Is a directory")
    temporaries: list[str] = []  # removed at the end, whatever happens

    def temporary(path: Path) -> tuple[int, str]:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        temporaries.append(tmp)
        return fd, tmp

    try:
        staged = []
        for path, content in zip(paths, contents.values()):
            data = content.encode("utf-8") if isinstance(content, str) else content
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = temporary(path)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.chmod(tmp, 0o644)
            except OSError as exc:
                raise ModelError(key, str(path), cannot_write(exc, path.parent)) from None
            staged.append((tmp, path))
        placed: list[tuple[Path, str | None]] = []  # (path, where its earlier file waits) in order
        for tmp, path in staged:
            try:
                backup = None
                if path.exists():  # kept aside until every file is in place
                    os.close(temporary(path)[0])
                    os.replace(path, temporaries[-1])
                    backup = temporaries[-1]
                os.replace(tmp, path)
            except OSError as exc:
                for done, earlier in reversed(placed + [(path, backup)]):
                    if earlier is not None:
                        os.replace(earlier, done)
                    elif done != path:
                        done.unlink(missing_ok=True)
                raise ModelError(key, str(path), f"cannot write: {exc.strerror or exc}") from None
            placed.append((path, backup))
    finally:
        for tmp in temporaries:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return paths
