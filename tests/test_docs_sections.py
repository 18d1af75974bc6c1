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
