"""`vrest simulate --reduced`: the V-slaved model follows the full model once tau_m has passed."""

from __future__ import annotations

import json

import numpy as np

from conftest import run_cli

TIMES = "1 min,10 min,1 h,3 h"


def _run(*extra: str) -> dict:
    code, out, err = run_cli("simulate", "pumpleak", "--scenario", "ouabain", "--times", TIMES, "--json", *extra)
    assert code == 0, err
    return json.loads(out)


def test_reduced_model_tracks_the_full_ouabain_rundown():
    full, reduced = _run(), _run("--reduced")
    assert reduced["t"]["values"] == [60.0, 600.0, 3600.0, 10800.0]
    for name in ("V", "K_i", "Na_i", "Cl_i", "volume"):
        a = np.array(full["states"][name]["values"])
        b = np.array(reduced["states"][name]["values"])
        assert full["states"][name]["unit"] == reduced["states"][name]["unit"]
        # The reduced model drops the capacitor: its error is of order C_m A R T / (F^2 Vol c) ~ 1e-4
        # relative, i.e. about 1e-3 mV here (the derivation report states the measured value).
        tolerance = 1e-2 if name == "V" else 1e-4 * np.max(np.abs(a))
        assert np.max(np.abs(a - b)) < tolerance, (name, a, b)


def test_reduced_needs_concentration_dynamics():
    code, out, err = run_cli("simulate", "neuron", "--reduced")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "concentration dynamics" in err
