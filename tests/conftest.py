"""Shared test helpers: writing model files and running the CLI in-process."""

from __future__ import annotations

import copy
import io
import os
import re
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from vrest.codegen.cli import main

# The seed's pump example (DOMAIN.md section 4): E_K = -90, E_Na = +60 mV,
# g_K = 0.13, g_Na = 0.02 mS/cm^2, I_pump = 0.75 uA/cm^2.
SEED_PUMP_MODEL = {
    "model": {"name": "seed_pump", "temperature": "37 degC"},
    "membrane": {"capacitance": "1 uF/cm^2"},
    "ions": {
        "K": {"valence": 1, "reversal": "-90 mV", "conductance": "0.13 mS/cm^2"},
        "Na": {"valence": 1, "reversal": "60 mV", "conductance": "0.02 mS/cm^2"},
    },
    "pump": {"current": "0.75 uA/cm^2", "stoichiometry": {"Na": 3, "K": -2}},
}


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_value(key)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def toml_dumps(data: dict, prefix: str = "") -> str:
    """A small TOML writer for test models (tables and scalars)."""
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict) or (prefix and _is_inline(k))}
    tables = {k: v for k, v in data.items() if k not in scalars}
    out = [f"{k} = {_toml_value(v)}" for k, v in scalars.items()]
    for key, table in tables.items():
        bare = key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_value(key)
        name = f"{prefix}.{bare}" if prefix else bare
        body = toml_dumps(table, name)
        has_scalars = any(not isinstance(v, dict) or _is_inline(k) for k, v in table.items())
        out.append((f"\n[{name}]\n" if has_scalars or not table else "") + body)
    return "\n".join(out) + "\n"


def _is_inline(key: str) -> bool:
    return key in {"set", "scale", "stoichiometry"}


@pytest.fixture
def write_model(tmp_path):
    """write_model(data, name) -> path of a TOML model file in a temporary directory."""

    def write(data: dict, name: str = "model.toml") -> Path:
        path = tmp_path / name
        path.write_text(toml_dumps(data), encoding="utf-8")
        return path

    return write


@pytest.fixture
def seed_pump_model():
    return copy.deepcopy(SEED_PUMP_MODEL)


def run_cli(*argv: str) -> tuple[int, str, str]:
    """Run ``vrest ARGV`` in-process; return (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


# A user model with GHK K and Na leaks whose steady-state runs start at V = 0 exactly (the GHK
# singularity); its description holds XML and Python specials that exports must escape.
GHK_USER_MODEL = {
    "model": {"name": "ghk_user", "description": 'GHK K & Na leaks <user model> """ # not code',
              "temperature": "22 degC"},
    "membrane": {"capacitance": "1.5 uF/cm^2"},
    "ions": {"K": {"valence": 1, "inside": "130 mM", "outside": "5 mM", "permeability": "2e-6 cm/s"},
             "Na": {"valence": 1, "inside": "15 mM", "outside": "140 mM", "permeability": "1e-7 cm/s"}},
    "pump": {"current": "0.5 uA/cm^2", "stoichiometry": {"Na": 3, "K": -2}},
    "scenario": {"ouabain": {"at": "0 s", "set": {"pump": 0}}},
}


def assert_agrees(label: str, v_ss: float, reference_v_ss: float, course, reference_course,
                  tolerance: float | None = None) -> None:
    """A simulator's V_ss (V) within 1e-6 mV of vrest's and its course (V) within ``tolerance`` mV (default
    COURSE_TOLERANCE_MV, 1e-6 mV; a fixed-step simulator passes its error bound)."""
    import numpy as np

    from vrest.codegen.crosscheck.check import COURSE_TOLERANCE_MV, V_SS_TOLERANCE_MV

    tolerance = COURSE_TOLERANCE_MV if tolerance is None else tolerance
    v_ss_dev = abs(v_ss - reference_v_ss) * 1e3
    course_dev = float(np.max(np.abs(np.asarray(course) - np.asarray(reference_course)))) * 1e3
    print(f"{label}: |dV_ss| = {v_ss_dev:.2e} mV, max |dV| course = {course_dev:.2e} mV (tolerance {tolerance:.1e})")
    assert v_ss_dev <= V_SS_TOLERANCE_MV
    assert course_dev <= tolerance


def assert_job_agrees(label: str, job, answer, tolerance: float | None = None) -> None:
    """V_ss and every course of a cross-check ``answer`` against the ``job``'s references."""
    for course in job.courses:
        assert_agrees(f"{label} {course.scenario.name}", answer.v_ss, job.reference_v_ss,
                      answer.courses[course.scenario.name], course.reference, tolerance)


@pytest.fixture(scope="session", autouse=True)
def session_cache(tmp_path_factory):
    """One simulation cache (VREST_CACHE_DIR) for the whole run, shared by its workers: the user's own cache is
    never read nor written, and a model one test compiled is loaded by the next, as on a user's machine (an entry
    is written whole, then renamed into place, so two workers building the same model do not clash)."""
    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "vrest-cache"
    shared.mkdir(exist_ok=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VREST_CACHE_DIR", str(shared))
        yield shared


# Property tests draw the same examples on every run (derived from each test's source), so a run of the
# suite gives the same answer on a laptop and in CI; a new search is a change to the test.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("vrest", derandomize=True)
_hypothesis_settings.load_profile("vrest")
