"""The Python names the README documents: `from vrest.codegen.sweep import sweep, write_sweep, sensitivity`.

Each call runs in a fresh interpreter, as a user's script does (a submodule imported on first use must not
replace a documented function). Reference for the indices: E_K = (R T/F) ln(K_o/K_i) with K_o and K_i drawn
evenly in ln over ranges of widths L_o = ln 10 and L_i = ln 4 is additive, so S1 = L^2/(L_o^2 + L_i^2).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

SCRIPT = """
import json
from vrest.codegen.sweep import sensitivity, sweep, write_sweep
import vrest.codegen.sweep as package
vary = {"ions.K.outside": "2..20 mM log", "ions.K.inside": "100..400 mM log"}
first = sensitivity("squid", vary, "E_K", samples=512)
second = package.sensitivity("squid", vary, "E_K", samples=512)  # after the first call loaded its module
third = package.sensitivity("squid", vary, "E_K", samples=512)
rows = sweep("squid", {"ions.K.outside": "1..100 mM log 3"}, ["E_K"])["E_K"].values.tolist()
write_sweep("squid", {"ions.K.outside": "1..100 mM log 3"}, OUT, ["E_K"])
print(json.dumps({"indices": [r.indices for r in (first, second, third)], "rows": rows}))
"""


def test_the_documented_calls_work_in_a_fresh_interpreter(tmp_path):
    out = tmp_path / "ek.csv"
    done = subprocess.run([sys.executable, "-c", SCRIPT.replace("OUT", repr(str(out)))], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    l_o, l_i = math.log(10), math.log(4)
    for indices in document["indices"]:
        assert indices["ions.K.outside"]["S1"] == pytest.approx(l_o**2 / (l_o**2 + l_i**2), abs=0.03)
        assert indices["ions.K.inside"]["S1"] == pytest.approx(l_i**2 / (l_o**2 + l_i**2), abs=0.03)
    rt_f = 8.314462618 * 293.15 / 96485.33212 * 1000  # squid at 20 degC, K_i = 400 mM; mV
    expected = [rt_f * math.log(k / 400) for k in (1, 10, 100)]
    assert document["rows"] == pytest.approx(expected, rel=1e-12)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4 and float(lines[3].split(",")[-1]) == pytest.approx(expected[2], rel=1e-12)
