"""What the command line imports: its help and a warm run of a cached model file load no library they do not use.

Each case runs in a fresh interpreter (``python -c``), as the ``vrest`` command does, and reports which
of the heavy libraries ended up in sys.modules.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from vrest.codegen.cli import COMMANDS

MODELS = Path(__file__).parent / "models"
HEAVY = ("sympy", "scipy.optimize", "jinja2", "matplotlib", "dask", "pint", "myokit")

_PROBE = """
import contextlib, io, json, sys
from vrest.codegen.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        code = main({argv!r})
    except SystemExit as exit:
        code = exit.code
print(json.dumps({{"code": code, "out": out.getvalue(), "loaded": [m for m in {heavy!r} if m in sys.modules]}}))
"""


def _probe(*argv: str, cache: Path | None = None, heavy: tuple[str, ...] = HEAVY) -> dict:
    env = dict(os.environ)
    if cache is not None:
        env["VREST_CACHE_DIR"] = str(cache)
    done = subprocess.run([sys.executable, "-c", _PROBE.format(argv=list(argv), heavy=heavy)], env=env,
                          capture_output=True, text=True, timeout=600, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def test_help_lists_every_command_without_heavy_libraries():
    result = _probe("--help")
    assert result["code"] == 0
    for name in COMMANDS:
        assert re.search(rf"^    {name}\b", result["out"], re.M), name
    assert result["loaded"] == []


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_command_help_without_heavy_libraries(command):
    result = _probe(command, "--help")
    assert result["code"] == 0
    assert result["out"].startswith(f"usage: vrest {command} ")
    assert result["loaded"] == []


def test_verify_help_names_the_default_tolerance_without_sympy():
    """The help takes the default from derive.claim_tolerance, the one definition derive.verify's Tolerance uses."""
    from vrest.derive.verify import DEFAULT_TOLERANCE, parse_tolerance

    result = _probe("verify", "--help")
    assert result["code"] == 0
    text = " ".join(result["out"].split())
    assert DEFAULT_TOLERANCE.text == "1%" and DEFAULT_TOLERANCE.relative == 0.01
    assert parse_tolerance(DEFAULT_TOLERANCE.text).relative == DEFAULT_TOLERANCE.relative  # the text says the value
    assert "(default 1% of the correct value)" in text and "('0.01'); default 1%" in text
    assert "{tolerance}" not in text
    assert _probe("verify", "--help", heavy=("sympy", "scipy", "jinja2", "mpmath"))["loaded"] == []


def test_the_suffixes_the_cli_checks_are_the_readers():
    from vrest.derive.builtin import is_other_format
    from vrest.derive.rest import SYSTEM_READERS

    assert all(is_other_format(f"model{suffix.upper()}") for suffix in SYSTEM_READERS)
    assert not any(is_other_format(f"model{suffix}") for suffix in (".toml", ".txt", ""))
    assert len(SYSTEM_READERS) == 3  # .cellml, .xml, .sbml: a new reader's suffix goes into is_other_format too


@pytest.mark.parametrize("model", ["hodgkin_huxley_squid_axon_model_1952_modified.cellml", "luo_rudy_1991.cellml"])
def test_warm_rest_of_a_cached_file_needs_neither_sympy_nor_the_readers(model, tmp_path):
    file = str(MODELS / model)
    cold = _probe("rest", file, "--json", cache=tmp_path)  # reads the file, generates and compiles its module
    warm = _probe("rest", file, "--json", cache=tmp_path)
    assert cold["code"] == warm["code"] == 0
    assert warm["out"] == cold["out"]  # the same report from the cache
    report = json.loads(warm["out"])
    assert len([s for s in report["resting_states"] if s["stable"]]) == 1
    assert "sympy" in cold["loaded"] and "myokit" in cold["loaded"]  # the probe sees what a cold run loads
    # scipy.optimize stays: the engine brackets each resting V with brentq
    assert [m for m in warm["loaded"] if m != "scipy.optimize"] == []


def test_warm_simulate_of_a_cached_file_needs_no_sympy(tmp_path):
    file = str(MODELS / "hodgkin_huxley_squid_axon_model_1952_modified.cellml")
    cold = _probe("simulate", file, "--t-end", "5 ms", cache=tmp_path)
    warm = _probe("simulate", file, "--t-end", "5 ms", cache=tmp_path)
    assert cold["code"] == warm["code"] == 0
    assert warm["out"] == cold["out"]
    # the resting start uses the engine (scipy.optimize); the CVODE driver's source is rendered (jinja2)
    assert [m for m in warm["loaded"] if m not in ("scipy.optimize", "jinja2")] == []


@pytest.mark.parametrize(("given", "expected"), [(None, "1"), ("3", "3")])
def test_the_command_line_runs_blas_on_one_thread_unless_told_otherwise(given, expected):
    """Before NumPy loads, OPENBLAS_NUM_THREADS is 1 unless the user set it (then theirs stands)."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
    probe = ("import os, sys; import vrest.codegen.cli; "
             "print(os.environ['OPENBLAS_NUM_THREADS'], 'numpy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.split() == [expected, "False"]  # set before anything imported NumPy
