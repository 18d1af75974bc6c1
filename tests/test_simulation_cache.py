"""The `vrest simulate` cache: a hit gives the bytes a miss gives, runs without SymPy, and
a changed model or a damaged entry is never trusted.

The expected potentials of the changed model are the chord-conductance formula
V_ss = (g_K E_K + g_Na E_Na - I_pump) / (g_K + g_Na) evaluated by hand (DOMAIN.md section 4).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from vrest.codegen.simulation import cache as simulation_cache
from vrest.codegen.cli import COMMANDS, build_parser
from vrest.codegen.cli.simulate_cmd import _SECONDS, _duration
from vrest.derive.units import parse_quantity
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[1]
OUABAIN = ("simulate", "pumpleak", "--scenario", "ouabain", "--times", "0 s,20 ms,10 min,3 h", "--json")


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("VREST_CACHE_DIR", str(folder))
    return folder


def _entries(cache: Path) -> list[Path]:
    root = cache / "simulate"
    return sorted(p for p in root.iterdir() if not p.name.startswith(".")) if root.is_dir() else []


def _must_hit(monkeypatch) -> None:
    """Make a cache miss fail loudly: only a hit may answer now."""
    def no_build(spec):
        raise AssertionError(f"cache miss for {spec}")

    monkeypatch.setattr(simulation_cache, "_build", no_build)


def test_a_hit_prints_the_bytes_of_the_miss(cache, monkeypatch):
    code, miss, err = run_cli(*OUABAIN)
    assert code == 0, err
    assert len(_entries(cache)) == 1
    _must_hit(monkeypatch)
    code, hit, err = run_cli(*OUABAIN)
    assert code == 0, err
    assert hit == miss
    assert json.loads(hit)["states"]["V"]["values"][-1] > -20  # the rundown happened


def test_a_changed_model_file_is_a_new_entry(cache, write_model, seed_pump_model):
    path = write_model(seed_pump_model)
    argv = ("simulate", str(path), "--times", "0 s,1 ms", "--json")
    code, out, err = run_cli(*argv)
    assert code == 0, err
    first_key = simulation_cache.plan_key(path.read_bytes())
    # E_K = -90, E_Na = +60 mV, g = 0.13 and 0.02 mS/cm^2, I_pump = 0.75 uA/cm^2 -> (-11.7 + 1.2 - 0.75) / 0.15
    assert json.loads(out)["states"]["V"]["values"][0] == pytest.approx(-75.0, abs=1e-9)
    seed_pump_model["ions"]["K"]["conductance"] = "0.28 mS/cm^2"
    write_model(seed_pump_model)
    code, out, err = run_cli(*argv)
    assert code == 0, err
    assert simulation_cache.plan_key(path.read_bytes()) != first_key
    assert [p.name for p in _entries(cache)] == sorted([first_key, simulation_cache.plan_key(path.read_bytes())])
    assert json.loads(out)["states"]["V"]["values"][0] == pytest.approx(-82.5, abs=1e-9)  # (-25.2 + 1.2 - 0.75) / 0.3


def _garbage_plan(entry: Path) -> None:
    (entry / "plan.json").write_text("{not json", encoding="utf-8")


def _rewrite_plan(entry: Path, change) -> None:
    """Change plan.json and sign it again, as a buggy or older vrest might have written it."""
    data = json.loads((entry / "plan.json").read_text(encoding="utf-8"))
    change(data)
    data["digest"] = simulation_cache._document_digest(data)
    (entry / "plan.json").write_text(json.dumps(data), encoding="utf-8")


def _wrong_types(entry: Path) -> None:
    _rewrite_plan(entry, lambda data: data.update(start="nope"))


def _changed_number(entry: Path) -> None:
    data = json.loads((entry / "plan.json").read_text(encoding="utf-8"))
    data["start"][0] *= 1.5
    (entry / "plan.json").write_text(json.dumps(data), encoding="utf-8")


def _escaping_path(entry: Path) -> None:
    _rewrite_plan(entry, lambda data: data["files"]["numpy_module"].__setitem__(0, "../elsewhere.py"))


def _older_format(entry: Path) -> None:
    _rewrite_plan(entry, lambda data: data.update(format=0))


def _replace(path: Path, content: bytes) -> None:
    """Damage a file on disk by a new file (this process has the library mapped: truncating it would crash)."""
    staged = path.with_name(path.name + ".new")
    staged.write_bytes(content)
    os.replace(staged, path)


def _truncated_library(entry: Path) -> None:
    library = next(entry.glob("*.so"))
    _replace(library, library.read_bytes()[:100])


def _edited_module(entry: Path) -> None:
    module = next(entry.glob("*.py"))
    _replace(module, module.read_bytes().replace(b"STATE_NAMES = (", b"STATE_NAMES = ('X', "))


def _missing_plan(entry: Path) -> None:
    (entry / "plan.json").unlink()


@pytest.mark.parametrize("damage", [_garbage_plan, _wrong_types, _changed_number, _escaping_path, _older_format,
                                    _truncated_library, _edited_module, _missing_plan])
def test_a_damaged_entry_is_rebuilt(cache, damage):
    code, good, err = run_cli(*OUABAIN)
    assert code == 0, err
    [entry] = _entries(cache)
    assert simulation_cache._read(entry) is not None
    damage(entry)
    assert simulation_cache._read(entry) is None  # damage is detected, never trusted
    code, out, err = run_cli(*OUABAIN)
    assert code == 0, err
    assert out == good
    assert _entries(cache) == [entry] and simulation_cache._read(entry) is not None


def _run_fresh_process(cache: Path, argv: list[str]) -> dict:
    """Run the CLI in a new interpreter; report its exit code and which heavy packages it imported."""
    script = (
        "import contextlib, io, json, sys\n"
        "from vrest.codegen.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = main({argv!r})\n"
        "from vrest.codegen.simulation import cvode\n"
        "top = {name.split('.')[0] for name in sys.modules}\n"
        "print(json.dumps({'code': code, 'imported': sorted(top & {'sympy', 'scipy', 'pint', 'jinja2', 'mpmath'}),\n"
        "                  'commands': sorted(n for n in sys.modules if n.endswith('_cmd')),\n"
        "                  'cvode': cvode.driver() is not None}))\n"
    )
    env = {**os.environ, "VREST_CACHE_DIR": str(cache)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_the_warm_path_imports_no_sympy_nor_pint(cache):
    argv = ["simulate", "pumpleak", "--scenario", "ouabain", "--t-end", "3 h", "--json"]
    cold = _run_fresh_process(cache, argv)
    assert cold["code"] == 0 and "sympy" in cold["imported"]  # a miss derives the model
    warm = _run_fresh_process(cache, argv)
    assert warm["code"] == 0
    assert warm["commands"] == ["vrest.codegen.cli.simulate_cmd"]  # the other commands were never imported
    assert "sympy" not in warm["imported"] and "pint" not in warm["imported"] and "mpmath" not in warm["imported"]
    if warm["cvode"]:  # without SUNDIALS the SciPy fallback integrates (and imports SciPy)
        assert "scipy" not in warm["imported"]


@pytest.mark.parametrize("unit", sorted(_SECONDS))
def test_simple_durations_equal_pints(unit):
    for number in ("3", "2.5", "1e-3", ".5"):
        text = f"{number} {unit}"
        assert _duration(text, "--t-end") == float(parse_quantity(text, "--t-end", "time")[0])
    assert _duration(f"2{unit}", "--t-end") == float(Fraction(2) * _SECONDS[unit])


def test_other_durations_go_to_pint_with_the_same_errors():
    assert _duration("3 hours", "--t-end") == 10800.0
    assert _duration("1.5 minute", "--times") == 90.0
    for text, needle in [("3 kg", "not a time"), ("3", "a unit is required"), ("-1 s", "must not be negative"),
                         ("3 blorp", "unknown unit")]:
        code, _, err = run_cli("simulate", "neuron", "--t-end", text)
        assert code == 2 and err.count("\n") == 1 and "--t-end" in err and repr(text) in err and needle in err


def test_every_command_is_registered_lazily():
    parser = build_parser()
    choices = parser._subparsers._group_actions[0].choices
    assert list(choices) == list(COMMANDS)
    only = build_parser(["simulate", "neuron"])._subparsers._group_actions[0].choices
    assert list(only) == ["simulate"]
    assert list(build_parser(["nope"])._subparsers._group_actions[0].choices) == list(COMMANDS)
