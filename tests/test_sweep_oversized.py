"""A sweep says at how many points a volume is larger than the membrane's area can enclose, as derive and
simulate warn for one. The bound is written out here: a sphere of area A = 4 pi r^2 holds 4/3 pi r^3; pumpleak's
314.159 um^2 is a sphere of r = 5 um, 523.6 um^3."""

from __future__ import annotations

import json
import math

import pytest

from conftest import run_cli


def test_the_count_matches_the_points_beyond_the_sphere():
    r = math.sqrt(314.159265358979 / (4 * math.pi))
    largest = 4 / 3 * math.pi * r**3
    assert largest == pytest.approx(523.599, abs=1e-3)
    # After ouabain the cell swells towards its Donnan volume (2662 um^3): past the sphere within hours.
    code, out, err = run_cli("sweep", "pumpleak", "--vary", "ions.K.outside=3, 10 mM", "--scenario", "ouabain",
                             "--times", "0 s,1 min,3 h", "--json")
    assert code == 0, err
    volumes = json.loads(out)["states"]["volume"]["values"]
    beyond = sum(1 for course in volumes if any(v > largest for v in course))
    assert beyond >= 1 and all(course[0] < largest for course in volumes)  # the pumped start (~179 um^3) fits
    assert f"vrest: warning: volume: at {beyond} of 2 points larger than the membrane's area can enclose" in err


def test_no_warning_when_every_volume_fits():
    code, _, err = run_cli("sweep", "pumpleak", "--vary", "pump=0.5, 1", "--quantity", "volume_ss")
    assert code == 0 and "warning" not in err
