"""`vrest export FILE.cellml|FILE.xml`: every format at once or none, bad input in one line (exit 2),
the stimulus off unless kept, names kept or their renaming stated, byte-identical output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import libsbml
import pytest
import roadrunner

from imported_reference import MODELS_DIR, PUBLIC, load
from vrest.codegen.cli import main
from vrest.codegen.exporters.systems import render_system

LR91 = str(MODELS_DIR / PUBLIC["luo_rudy_1991"])
EVERY = {"luo_rudy_1991.sbml.xml", "luo_rudy_1991.cellml", "vrest_luo_rudy_1991.mod", "luo_rudy_1991_neuron.py",
         "luo_rudy_1991_brian2.py", "luo_rudy_1991.nml", "LEMS_luo_rudy_1991.xml", "luo_rudy_1991_numeric.py",
         "luo_rudy_1991_numeric.c"}


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("vrest: error: "), err
    return err[0]


def test_all_writes_every_format(tmp_path, capsys):
    assert main(["export", LR91, "--to", "all", "-o", str(tmp_path)]) == 0
    assert {p.name for p in tmp_path.iterdir()} == EVERY
    assert {Path(line).name for line in capsys.readouterr().out.split()} == EVERY
    header = (tmp_path / "luo_rudy_1991_numeric.c").read_text().split("*/")[0].splitlines()
    # each value with its SI unit and the unit vrest shows (Luo-Rudy 1991: g_Na = 23 mS/cm^2, V_0 = -83.853 mV)
    assert " *   y[0] V = -0.083853 V [mV]: membrane.V" in header
    assert " *   y[1] m = 0.00187018: fast_sodium_current_m_gate.m" in header
    assert " *   p[9] g_Na = 230.0 S/m^2 [mS/cm^2]: fast_sodium_current.g_Na" in header
    assert " *   p[27] I_stim_on = 0.0: 1 switches the stimulus I_stim on, 0 off" in header
    assert " * Everything is SI (time in s, V in volts)." in header


def test_a_potential_without_a_unit_is_said_to_be_the_files_own_numbers(tmp_path, capsys):
    """Chay (1997) in SBML gives V no unit (-38.34 at its start): the modules' headers said "V in volts"."""
    chay = str(MODELS_DIR / "BIOMD0000000378.xml")
    for target, suffix, prefix in (("c", ".c", " * "), ("numpy", ".py", "")):
        assert main(["export", chay, "--voltage", "V_membrane_amount", "--to", target, "-o", str(tmp_path)]) == 0
        (module,) = tmp_path.glob(f"*{suffix}")
        header = module.read_text(encoding="utf-8").splitlines()[:12]
        assert f"{prefix}Values with a unit are SI (time in s); the file gives the membrane potential" in header
        assert f"{prefix}V_membrane_amount no unit: its values are the file's own numbers." in header
        assert not any("volts" in line for line in header)
        module.unlink()


@pytest.mark.parametrize("target", ["svg", "mathml"])  # (a format's name in any case is one: ALL is all)
def test_an_unsupported_target_is_one_line_and_writes_nothing(tmp_path, capsys, target):
    out = tmp_path / "out"
    assert main(["export", LR91, "--to", target, "-o", str(out)]) == 2
    line = _one_error_line(capsys)
    assert f"--to = '{target}'" in line and "sbml" in line and "cellml" in line
    assert not out.exists()


def test_an_unwritable_folder_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    assert main(["export", LR91, "--to", "sbml", "-o", str(blocker / "out")]) == 2
    assert "-o = " in _one_error_line(capsys)
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


def test_all_is_all_or_nothing(tmp_path, capsys):
    (tmp_path / "luo_rudy_1991.cellml").mkdir()  # one of the files cannot be written
    assert main(["export", LR91, "--to", "all", "-o", str(tmp_path)]) == 2
    assert "luo_rudy_1991.cellml" in _one_error_line(capsys)
    assert [p.name for p in tmp_path.iterdir()] == ["luo_rudy_1991.cellml"]  # nothing else, no temporary file


def test_the_model_file_is_never_replaced(tmp_path, capsys):
    copy = tmp_path / "luo_rudy_1991.cellml"
    copy.write_bytes(Path(LR91).read_bytes())
    assert main(["export", str(copy), "--to", "cellml", "-o", str(tmp_path)]) == 2
    assert "replace the model file" in _one_error_line(capsys)
    assert copy.read_bytes() == Path(LR91).read_bytes()


def test_own_model_options_are_refused_for_vrest_models(capsys):
    assert main(["export", "neuron", "--to", "sbml", "--keep-stimulus"]) == 2
    assert "--keep-stimulus" in _one_error_line(capsys)


def test_stimulus_off_by_default_and_kept_on_request():
    """Kept, the SBML's stimulus is the file's pulse: -25.5 uA/cm2 (-0.255 A/m2) from 100 ms for 2 ms
    (the parameters of luo_rudy_1991.cellml); off, it is 0 at the same time."""
    system = load("luo_rudy_1991")
    for keep, want in ((True, -0.255), (False, 0.0)):
        (text,) = render_system(system, "sbml", keep_stimulus=keep).values()
        document = libsbml.readSBMLFromString(text)
        assert document.getNumErrors(libsbml.LIBSBML_SEV_ERROR) == 0
        runner = roadrunner.RoadRunner(text)
        runner.integrator.relative_tolerance = 1e-10
        runner.simulate(0.0, 0.1005, 3)
        assert runner["I_stim"] == pytest.approx(want, rel=1e-12, abs=0.0)
        assert ("off (0), as at rest" in text) != keep


def test_names_the_target_refuses_are_renamed_and_said():
    """NMODL cannot take R (a NEURON constant) or j (nocmodl would declare j0, C's Bessel function)."""
    files = render_system(load("luo_rudy_1991"), "nmodl")
    mod = files["vrest_luo_rudy_1991.mod"]
    assert "Names: the file's, except where NMODL does not allow them: R is R_, j is j_." in mod
    assert '"j_": "j"' in files["luo_rudy_1991_neuron.py"]
    assert "Names: the file&#39;s (each variable&#39;s description" in render_system(load("luo_rudy_1991"), "sbml")[
        "luo_rudy_1991.sbml.xml"]


def test_output_is_byte_identical_across_processes(tmp_path):
    """Two runs with different hash seeds (set orders differ between them) write the same bytes."""
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        done = subprocess.run([sys.executable, "-m", "vrest.codegen", "export", LR91, "--to", "all", "-o", str(out)],
                              env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        outputs.append({p.name: p.read_bytes() for p in out.iterdir()})
    assert outputs[0] == outputs[1]


def test_kept_stimulus_in_every_format_or_one_line(tmp_path, capsys):
    """Luo-Rudy's pulse train uses floor(): every format but LEMS (which has no floor) writes it."""
    for target in ("sbml", "cellml", "nmodl", "brian2"):
        assert main(["export", LR91, "--to", target, "--keep-stimulus", "-o", str(tmp_path / target)]) == 0
        assert any("floor" in p.read_text(encoding="utf-8") for p in (tmp_path / target).iterdir())
    capsys.readouterr()
    assert main(["export", LR91, "--to", "all", "--keep-stimulus", "-o", str(tmp_path / "all")]) == 2
    assert _one_error_line(capsys) == (
        "vrest: error: --to = 'all': model luo_rudy_1991 cannot be written as neuroml (one of the formats of 'all': "
        "nothing is written): the format has no floor function, which the file's stimulus uses (without "
        "--keep-stimulus the stimulus is off and it is written)") and not (tmp_path / "all").exists()


def test_keep_stimulus_on_numeric_code_says_which_switch_turns_it_on(tmp_path, capsys):
    """The NumPy module keeps its stimulus behind a parameter; --keep-stimulus says which, and the file agrees."""
    import importlib.util

    assert main(["export", LR91, "--to", "numpy", "--keep-stimulus", "-o", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert ("--keep-stimulus: the numpy and c code keep the stimulus behind the parameter I_stim_on (0 in "
            "PARAMETER_VALUES); set it to 1 to switch the stimulus on") in err
    spec = importlib.util.spec_from_file_location("lr91_numeric", tmp_path / "luo_rudy_1991_numeric.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.STIMULUS == ("I_stim_on", 1.0)
    assert module.PARAMETER_VALUES[module.PARAMETER_NAMES.index("I_stim_on")] == 0.0


def test_keep_stimulus_on_a_file_without_one_is_refused(tmp_path, capsys):
    """Hodgkin-Huxley in BioModels' SBML has no stimulus vrest knows of: --keep-stimulus was accepted without a word
    and the notes described a stimulus that is not there; refused as simulate --stimulus-on is."""
    assert main(["export", str(MODELS_DIR / "BIOMD0000000020.xml"), "--to", "sbml", "--keep-stimulus",
                 "-o", str(tmp_path / "out")]) == 2
    assert _one_error_line(capsys) == ("vrest: error: --keep-stimulus = 'BIOMD0000000020.xml': the file has no "
                                       "stimulus vrest knows of: name it with --stimulus NAME")
    assert not (tmp_path / "out").exists()
