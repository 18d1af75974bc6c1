"""docs/model-format.md: every section once, each command's section in the contents list, and every link of
the contents list pointing at a heading (GitHub's anchors: lower case, punctuation dropped, spaces to -)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "model-format.md"


def _anchor(heading: str) -> str:
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_each_section_once_and_listed():
    text = DOC.read_text(encoding="utf-8")
    headings = re.findall(r"^#{2,3} (.+)$", text, flags=re.M)
    repeated = [h for h, n in Counter(headings).items() if n > 1]
    assert repeated == []
    contents = text.split("\n## ", 1)[0]
    listed = re.findall(r"\]\(#([^)]+)\)", contents)
    anchors = {_anchor(h) for h in headings}
    assert [a for a in listed if a not in anchors] == []
    commands = [_anchor(h) for h in headings if h.startswith("vrest ")]
    assert [c for c in commands if c not in listed] == []
    assert "vrest-rest" in listed


def test_the_symbols_of_a_gated_models_expressions_are_documented():
    """Every name in hh's --json expressions is a documented symbol (NAME and G the channel and gate) or a
    quantity id."""
    import json

    from conftest import run_cli

    code, out, err = run_cli("derive", "hh", "--json")
    assert code == 0, err
    quantities = json.loads(out)["quantities"]
    used = set()
    for q in quantities.values():
        used |= set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", q["expression"]))
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Symbol names", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([^`]+)`", section))
    names = used - set(quantities) - {"exp", "log", "sqrt", "Abs", "I", "pi"}  # SymPy's own
    generic = {re.sub(r"_(Na|K|L)$", "_NAME", name) for name in names}
    generic = {re.sub(r"^(alpha|beta|tau|inf)_[mhn]_", r"\1_G_", name) for name in generic}
    generic = {re.sub(r"^[mhn]_NAME$", "G_NAME", name) for name in generic}
    missing = sorted(name for name in generic if name not in documented and f"{name}(x)" not in documented)
    assert missing == []
    assert "exprel_prime" in names and {"V_unit_NAME", "t_unit_NAME"} <= generic  # hh uses them
