"""What a sweep of a model with gated channels gives is what the README and the format reference say: its
resting state as vrest rest finds it at each point, the README's example as vrest prints it."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import run_cli

ROOT = Path(__file__).parents[1]


def test_the_readmes_example_of_hh_is_what_vrest_prints():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```console\n\$ vrest sweep hh (.*?)\n(.*?)```", readme, re.S)
    assert block and block.group(1) == ('--vary "channels.K.conductance=3, 8, 20, 36 mS/cm^2" '
                                        "--quantity V_rest,stable_states,slowest_tau")
    code, out, err = run_cli("sweep", "hh", "--vary", "channels.K.conductance=3, 8, 20, 36 mS/cm^2", "--quantity",
                             "V_rest,stable_states,slowest_tau")
    assert code == 0, err
    said = re.sub(r"\r[^\r\n]*", "", err).lstrip("\n")  # the progress line a loaded machine shows after 1 s
    assert block.group(2).splitlines() == said.splitlines() + out.splitlines()


def test_the_docs_say_so():
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "of a model with gated channels its resting state as `vrest rest` finds it" in readme
    reference = " ".join((ROOT / "docs" / "model-format.md").read_text(encoding="utf-8").split())
    assert "Of a model with gated channels (`[channels.*]`) its resting state as `vrest rest` finds it is swept" in reference
