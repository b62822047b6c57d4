"""docs/rules.md: generated from the registry and the suites, and kept up to date."""

from __future__ import annotations

import json

from techaid import config
from techaid.documents import rules_doc
from techaid.quality import suites
from techaid.quality.context_checks import CONTEXT_RULE_SHEETS


def test_rules_doc_is_up_to_date() -> None:
    current = rules_doc.DEFAULT_PATH.read_text(encoding="utf-8")
    assert current == rules_doc.render(), "run: python -m techaid.documents.rules_doc"


def test_every_rule_is_listed_once() -> None:
    text = rules_doc.render()
    for code in config.rules():
        assert text.count(f"| `{code}` |") == 1, code


def test_every_quality_rule_has_a_rendered_example() -> None:
    for code in config.rules():
        if code.startswith("dq."):
            assert not rules_doc.example(code).startswith("`"), code


def test_every_quality_rule_is_applied_somewhere() -> None:
    used = set(CONTEXT_RULE_SHEETS)
    for sheet in config.schema().sheets:
        data = json.loads(suites.suite_path(sheet).read_text(encoding="utf-8"))
        used |= {e["meta"]["rule"] for e in data["expectations"]}
    assert {c for c in config.rules() if c.startswith("dq.")} <= used


def test_stale_doc_is_detected(tmp_path) -> None:
    out = tmp_path / "rules.md"
    out.write_text("# Rules\n", encoding="utf-8")
    assert rules_doc.main(["--check", "--out", str(out)]) == 1
    assert rules_doc.main(["--out", str(out)]) == 0
    assert rules_doc.main(["--check", "--out", str(out)]) == 0
