"""Fuzz: mutated copies of the built-in models and odd command-line arguments, through derive, simulate
and export. Every run is an answer with finite numbers or a clean refusal (tests/fuzzing.py judges),
each within 15 s.

Two hypothesis profiles: "ci" (the default: a short, reproducible run) and "release" (thousands of
runs, new ones each time): ``VREST_FUZZ=release python -m pytest tests/test_fuzz.py``. Set
VREST_FUZZ_EXAMPLES to choose how many.
"""

from __future__ import annotations

import copy
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, note, settings
from hypothesis import strategies as st
from hypothesis import given

from vrest.derive.builtin import BUILTIN_MODELS
from tests.fuzzing import BUILTIN, durations, judge, mutations, toml_text

# No "explain" phase: it traces every line, which makes a run of seconds take minutes (and the time limit trip).
_COMMON = dict(deadline=None, database=None, print_blob=True,
               phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("ci", max_examples=int(os.environ.get("VREST_FUZZ_EXAMPLES", 24)), derandomize=True,
                          **_COMMON)
settings.register_profile("release", max_examples=int(os.environ.get("VREST_FUZZ_EXAMPLES", 2000)), **_COMMON)
PROFILE = settings.get_profile(os.environ.get("VREST_FUZZ", "ci"))


def _run(command: str, path: str, data) -> str:
    with tempfile.TemporaryDirectory() as folder:
        if command == "derive":
            return judge("derive", path, "--json")
        if command == "simulate":
            return judge("simulate", path, "--t-end", data.draw(durations, label="--t-end"), "--json")
        out = Path(folder) / "out"
        fmt = data.draw(st.sampled_from(["sbml", "cellml", "numpy", "nmodl", "neuroml"]), label="--to")
        return judge("export", path, "--to", fmt, "-o", str(out), out_dir=out)


@PROFILE
@given(st.data())
def test_a_mutated_model_is_answered_or_refused(data):
    name = data.draw(st.sampled_from(BUILTIN_MODELS), label="built-in model")
    model = copy.deepcopy(BUILTIN[name])
    note(f"mutations: {data.draw(mutations(model))}")
    command = data.draw(st.sampled_from(["derive", "simulate", "export"]), label="command")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.toml"
        path.write_text(toml_text(model), encoding="utf-8")
        note(f"outcome: {_run(command, str(path), data)}")


@PROFILE
@given(st.data())
def test_odd_simulate_arguments_are_answered_or_refused(data):
    name = data.draw(st.sampled_from(BUILTIN_MODELS), label="built-in model")
    argv = ["simulate", name]
    if data.draw(st.booleans(), label="use --times"):
        times = data.draw(st.lists(durations, min_size=1, max_size=4), label="--times")
        argv += ["--times", ",".join(times)]
    else:
        argv += ["--t-end", data.draw(durations, label="--t-end")]
    if data.draw(st.integers(0, 3), label="reduced") == 0:
        argv.append("--reduced")
    if data.draw(st.booleans(), label="scenario"):
        argv += ["--scenario", data.draw(st.sampled_from(["ouabain", "", "none", "ouabain\n"]), label="--scenario")]
    note(f"outcome: {judge(*argv, '--json')}")
