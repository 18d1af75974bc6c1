"""docs/model-format.md matches what vrest reads and prints: every key, quantity id and command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vrest.codegen.cli import COMMANDS
from vrest.derive.builtin import resolve_model
from vrest.derive.derivations.scenario import STEP_QUANTITY_IDS
from vrest.derive.modelfile import _KEYS
from vrest.derive.protocol import targets
from vrest.derive.pumpfile import PUMP_KEYS
from vrest.derive.registry import QUANTITY_IDS

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "model-format.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    """The text under the heading ``title``, up to the next heading of the same level or above."""
    match = re.search(rf"^(#+) {re.escape(title)}$", DOC, re.M)
    assert match, title
    level = len(match.group(1))
    end = re.compile(rf"^#{{1,{level}}} ", re.M).search(DOC, match.end())
    return DOC[match.end(): end.start() if end else len(DOC)]


@pytest.mark.parametrize("section, title", [("model", "[model]"), ("membrane", "[membrane]"), ("ion", "[ions.X]"),
                                            ("impermeant", "[impermeant]"), ("bath", "[bath]")])
def test_every_key_of_a_table_is_documented(section, title):
    required, optional = _KEYS[section]
    text = _section(title)
    for key in required | optional:
        assert f"| `{key}` |" in text, (title, key)


def test_every_pump_key_is_documented():
    text = _section("[pump]")
    for key in PUMP_KEYS:
        assert f"| `{key}` |" in text, key


def test_every_changeable_key_is_documented():
    text = _section("[scenario.NAME]")
    keys = set()
    for name in ("neuron", "squid", "pumpleak", "hh"):
        keys |= {key for key, target in targets(resolve_model(name)).items() if target.fixed is None}
    for key in keys:
        general = re.sub(r"^ions\.[A-Za-z0-9]+\.", "ions.X.", key)
        general = re.sub(r"^channels\.[A-Za-z0-9]+\.", "channels.NAME.", general)
        assert f"`{general}`" in text or (key.startswith("pump.") and f"`{key}`" in text), key


def test_every_key_a_sweep_varies_is_documented():
    text = _section("vrest sweep")
    keys = set()
    for name in ("neuron", "squid", "pumpleak"):
        keys |= set(targets(resolve_model(name)))
    for key in keys | {"pump.rate_per_Na", "impermeant.amount", "bath.impermeant", "ions.X.reversal"}:
        general = re.sub(r"^ions\.[A-Za-z0-9]+\.", "ions.X.", key)
        assert f"`{general}`" in text, key


def test_every_quantity_id_is_documented():
    text = _section("vrest derive")
    for qid in QUANTITY_IDS:
        assert f"| `{qid}` |" in text, qid
    for qid in STEP_QUANTITY_IDS:
        assert f"| `{qid}` |" in text, qid


def test_every_command_has_a_section_and_its_help_points_at_the_reference():
    for command in COMMANDS:
        assert f"\n## vrest {command}\n" in DOC, command
    from vrest.codegen.cli import build_parser

    assert "docs/model-format.md" in build_parser().format_help()
    for command in ("derive", "simulate", "export", "crosscheck", "models", "generate"):
        parser = build_parser([command])
        sub = next(a for a in parser._actions if a.dest == "command").choices[command]
        assert "docs/model-format.md" in sub.format_help(), command


def test_readme_points_at_the_reference_not_at_a_file_users_lack():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "MODEL_FORMAT" not in readme and "docs/model-format.md" in readme
