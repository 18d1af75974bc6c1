"""Output files: a folder that does not exist, or a path through a file, is refused in one line (exit code 2)
naming the path, and nothing is made; `vrest simulate --out` writes CSV only; a NetCDF writer that cannot open
(a missing h5py, a failing backend) leaves no hidden temporary file."""

from __future__ import annotations

import sys

import pytest

from conftest import run_cli

SWEEP = ("sweep", "squid", "--vary", "ions.K.outside=1..100 mM log 3", "--quantity", "E_K")
COMMANDS = {
    "sweep --out csv": lambda p: (*SWEEP, "--out", str(p / "x.csv")),
    "sweep --out parquet": lambda p: (*SWEEP, "--out", str(p / "x.parquet")),
    "sweep --out nc": lambda p: (*SWEEP, "--out", str(p / "x.nc")),
    "sweep --plot": lambda p: (*SWEEP, "--plot", str(p / "x.png")),
    "sensitivity --plot": lambda p: ("sensitivity", "squid", "--vary", "ions.K.outside=2..20 mM log", "--quantity",
                                     "E_K", "--samples", "8", "--plot", str(p / "x.png")),
    "simulate --out": lambda p: ("simulate", "squid", "--t-end", "1 ms", "--out", str(p / "x.csv")),
    "simulate --plot": lambda p: ("simulate", "squid", "--t-end", "1 ms", "--plot", str(p / "x.png")),
    "derive --report": lambda p: ("derive", "squid", "--report", str(p / "x.md")),
}


def _tree(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize("command", COMMANDS)
def test_a_missing_folder_is_refused_and_not_made(command, tmp_path):
    code, out, err = run_cli(*COMMANDS[command](tmp_path / "reslts" / "deeper"))
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert f"the folder '{tmp_path / 'reslts' / 'deeper'}' does not exist" in err
    assert _tree(tmp_path) == []


@pytest.mark.parametrize("command", ["export", "crosscheck"])
def test_an_output_folder_is_made_but_not_the_folders_above_it(command, tmp_path):
    """`-o DIR` makes DIR; a missing folder above it is a typo, refused (it made the whole tree)."""
    extra = ("--to", "sbml") if command == "export" else ("--simulator", "libroadrunner")
    code, out, err = run_cli(command, "neuron", *extra, "-o", str(tmp_path / "reslts" / "deeper"))
    assert code == 2 and out == "" and err == (
        f"vrest: error: -o = '{tmp_path / 'reslts' / 'deeper'}': cannot write: the folder '{tmp_path / 'reslts'}' "
        "does not exist (vrest makes the folder -o names, not the folders above it: create them first)\n")
    assert _tree(tmp_path) == []
    (tmp_path / "afile").write_text("x")
    code, out, err = run_cli(command, "neuron", *extra, "-o", str(tmp_path / "afile" / "deeper"))
    assert code == 2 and err == (f"vrest: error: -o = '{tmp_path / 'afile' / 'deeper'}': cannot write: "
                                 f"'{tmp_path / 'afile'}' is a file, not a folder\n")
    if command == "export":
        code, out, err = run_cli(command, "neuron", *extra, "-o", str(tmp_path / "made"))
        assert code == 0 and _tree(tmp_path) == ["afile", "made", "made/neuron.sbml.xml"]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_path_through_a_file_says_it_is_a_file(command, tmp_path):
    (tmp_path / "afile").write_text("x")
    code, _, err = run_cli(*COMMANDS[command](tmp_path / "afile"))
    assert code == 2 and err.count("\n") == 1
    assert f"'{tmp_path / 'afile'}' is a file, not a folder" in err and "File exists" not in err
    assert _tree(tmp_path) == ["afile"]


@pytest.mark.parametrize("command", COMMANDS)
def test_an_output_that_is_a_folder_is_refused_before_any_work(command, tmp_path):
    """`--out x.csv` where x.csv is a folder: once the whole sweep ran, then a traceback and a .part file were left."""
    (tmp_path / "x.csv").mkdir(), (tmp_path / "x.parquet").mkdir(), (tmp_path / "x.nc").mkdir()
    (tmp_path / "x.png").mkdir(), (tmp_path / "x.md").mkdir()
    code, out, err = run_cli(*COMMANDS[command](tmp_path))
    assert (code, out) == (2, "") and err.count("\n") == 1 and "Traceback" not in err, err
    assert "folder" in err
    assert _tree(tmp_path) == ["x.csv", "x.md", "x.nc", "x.parquet", "x.png"]


@pytest.mark.parametrize("name", ["x.parquet", "x.nc", "x.txt", "x"])
def test_simulate_out_is_csv_only(name, tmp_path):
    code, out, err = run_cli("simulate", "squid", "--t-end", "1 ms", "--out", str(tmp_path / name))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "vrest simulate writes CSV only; end the name in .csv" in err
    assert _tree(tmp_path) == []


def test_simulate_out_in_upper_case_is_csv(tmp_path):
    code, out, _ = run_cli("simulate", "squid", "--t-end", "1 ms", "--out", str(tmp_path / "x.CSV"))
    assert code == 0 and (tmp_path / "x.CSV").read_text(encoding="utf-8").startswith("t [s],V [mV]")


def test_netcdf_without_h5py_is_one_line_and_leaves_nothing(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "h5py", None)  # import h5py raises ImportError
    # h5netcdf notes at its import whether h5py is there: imported here first, it would say "no h5py" to every
    # later test. So it is imported afresh here and forgotten after.
    earlier = [name for name in sys.modules if name.split(".")[0] == "h5netcdf"]
    for name in earlier:
        monkeypatch.delitem(sys.modules, name)
    try:
        code, _, err = run_cli(*COMMANDS["sweep --out nc"](tmp_path))
    finally:
        for name in [name for name in sys.modules if name.split(".")[0] == "h5netcdf"]:
            del sys.modules[name]  # the modules of before come back with monkeypatch's undo
    assert code == 2 and err.count("\n") == 1
    assert "NetCDF needs h5netcdf and h5py: pip install 'vrest[netcdf]'" in err
    assert _tree(tmp_path) == []


def test_a_writer_that_fails_to_open_leaves_no_temporary_file(monkeypatch, tmp_path):
    import h5netcdf

    def broken(*args, **kwargs):
        raise OSError("the backend failed")

    monkeypatch.setattr(h5netcdf, "File", broken)
    with pytest.raises(OSError):
        run_cli(*COMMANDS["sweep --out nc"](tmp_path))
    assert _tree(tmp_path) == []  # no .x.nc.*.part


def test_the_netcdf_extra_installs_its_backend():
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = [d.split(">")[0].split("[")[0].strip() for d in project["optional-dependencies"]["netcdf"]]
    assert "h5netcdf" in names and "h5py" in names


def test_the_install_line_works_from_pypi_and_from_a_checkout():
    from vrest.codegen.extras import install_line

    assert install_line("netcdf") == "pip install 'vrest[netcdf]' (in a source checkout: pip install '.[netcdf]')"


@pytest.mark.parametrize("name", ["cell.toml", "cell.cellml", "cell.xml", "cell.SBML"])
def test_no_output_is_written_over_a_model_file(name, tmp_path):
    """`vrest derive --report cell.toml` (the model after the option that takes a file) wrote the default model's
    report over the user's model file."""
    model = tmp_path / name
    model.write_text("the user's model\n", encoding="utf-8")
    code, out, err = run_cli("derive", "--report", str(model))
    assert code == 2 and out == "" and "is named as a model file: vrest writes no output over one" in err
    assert model.read_text(encoding="utf-8") == "the user's model\n"
    code, out, err = run_cli("simulate", "squid", "--t-end", "1 ms", "--plot", str(model))
    assert code == 2 and model.read_text(encoding="utf-8") == "the user's model\n"


def test_a_dask_sweep_to_netcdf_without_either_extra_names_both(monkeypatch, tmp_path):
    """Each extra was said alone: the user installed netcdf's, ran again, and only then heard of dask's."""
    monkeypatch.setitem(sys.modules, "h5py", None)  # find_spec and import both say: not installed
    monkeypatch.setitem(sys.modules, "distributed", None)
    out = tmp_path / "x.nc"
    code, stdout, err = run_cli("sweep", "squid", "--vary", "ions.K.outside=1..20 mM log 3", "--quantity", "V_ss",
                                "--engine", "dask", "--out", str(out))
    assert code == 2 and stdout == "" and err.count("\n") == 1
    assert err == (f"vrest: error: --out = '{out}': with --engine dask needs Dask distributed and h5netcdf and h5py: "
                   "pip install 'vrest[dask,netcdf]' (in a source checkout: pip install '.[dask,netcdf]')\n")
    assert _tree(tmp_path) == []


@pytest.mark.parametrize("name", ["r.png", "r.html", "r"])
def test_a_report_named_as_another_kind_of_file_is_refused(name, tmp_path):
    """`--report r.png` wrote Markdown into r.png with exit code 0, where --plot and --out check the suffix."""
    code, out, err = run_cli("derive", "squid", "--report", str(tmp_path / name))
    what = f"a {name[1:]} file" if "." in name else "no file type"
    assert (code, out) == (2, "") and list(tmp_path.iterdir()) == []
    assert err == (f"vrest: error: --report = '{tmp_path / name}': {what}: vrest writes the report as Markdown; end "
                   "the name in .md\n")
