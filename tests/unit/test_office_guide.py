"""The offices' guide is generated from the configuration and must stay so: the committed file
equals a fresh rendering, and it names every sheet, column and rule, and every repair intake
makes."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from techaid import config
from techaid.config import ConfigError
from techaid.documents.office_guide import COMMAND, DEFAULT_PATH, REPAIRS, main, render
from techaid.documents.office_schema import load_notes
from techaid.paths import INCLUDE_DIR

INTAKE = INCLUDE_DIR / "techaid" / "intake"
# How intake names the repairs it counts: repairs["kind"], repairs[(sheet, col, "kind")],
# REPAIR_X = "kind", a kind handed to a helper with the counter, and the meta period kinds.
REPAIR_PATTERNS = [
    r'repairs\["([a-z0-9_]+)"\]',
    r'repairs\[\([^()\]]*"([a-z0-9_]+)"\)\]',
    r'REPAIR_[A-Z0-9_]+ = "([a-z0-9_]+)"',
    r'repairs, "([a-z0-9_]+)"',
    r'"(meta_period_[a-z]+)"',
]


@pytest.fixture(scope="module")
def guide() -> str:
    return render()


def test_committed_guide_is_current(guide: str) -> None:
    current = DEFAULT_PATH.read_text(encoding="utf-8") if DEFAULT_PATH.exists() else ""
    if current != guide:
        diff = difflib.unified_diff(
            current.splitlines(), guide.splitlines(), "committed", "regenerated", lineterm=""
        )
        shown = "\n".join(list(diff)[:40])
        pytest.fail(f"{DEFAULT_PATH} is stale: run `{COMMAND}` and commit the result.\n{shown}")


def test_guide_names_every_sheet_and_column(guide: str) -> None:
    schema = config.schema()
    assert f"### {schema.meta.zh}（meta）" in guide
    for key in schema.meta.keys.values():
        assert f"| {key.zh} | `{key.name}` |" in guide
    for name, spec in schema.sheets.items():
        assert f"### {spec.zh}（{name}）" in guide
        section = guide.split(f"### {spec.zh}（{name}）", 1)[1].split("\n### ", 1)[0]
        for col in spec.column_list():
            assert f"| {col.zh} | `{col.name}` |" in section, f"{name}.{col.name}"
        for enum in {c.enum for c in spec.column_list() if c.enum}:
            assert "、".join(schema.enums[enum].values()) in section


def test_guide_lists_every_rule_with_its_severity_in_chinese(guide: str) -> None:
    severity = {"fatal": "整份退回", "error": "该行隔离", "warning": "提示"}
    for code, spec in config.rules().items():
        assert f"| `{code}` | {severity[spec.severity]} |" in guide, code


def test_guide_states_the_deadline_and_limits_of_program_yaml(guide: str) -> None:
    prog = config.program()
    assert f"次月 {prog.deadline.day} 日 23:59" in guide
    for period in prog.deadline.overrides:
        assert f"| {period} |" in guide
    assert f"{prog.limits.max_file_bytes // (1024 * 1024)} MB" in guide
    assert f"{prog.quarantine.max_share * 100:g}%" in guide


def intake_repair_kinds() -> set[str]:
    source = "\n".join(p.read_text(encoding="utf-8") for p in sorted(INTAKE.glob("*.py")))
    return {m for pattern in REPAIR_PATTERNS for m in re.findall(pattern, source)}


def test_every_repair_intake_counts_is_explained(guide: str) -> None:
    counted = intake_repair_kinds()
    assert len(counted) >= 20, "the patterns no longer find intake's repairs: update them"
    missing, stale = counted - set(REPAIRS), set(REPAIRS) - counted
    assert not missing, f"intake counts repairs the guide does not explain: {sorted(missing)}"
    assert not stale, f"the guide explains repairs intake no longer counts: {sorted(stale)}"
    for kind in REPAIRS:
        assert f"| `{kind}` |" in guide


def test_office_notes_name_only_what_exists(tmp_path: Path) -> None:
    load_notes()  # the committed notes
    bad = tmp_path / "office_notes.yaml"
    bad.write_text("sheets:\n  villages:\n    columns:\n      no_such: x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no_such"):
        load_notes(bad)
    bad.write_text("rules:\n  dq.no_such_rule: x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no_such_rule"):
        load_notes(bad)


def test_check_flag_reports_a_stale_file(tmp_path: Path, capsys) -> None:
    out = tmp_path / "guide.md"
    out.write_text("old\n", encoding="utf-8")
    assert main(["--check", "--out", str(out)]) == 1
    assert COMMAND in capsys.readouterr().out
    assert main(["--out", str(out)]) == 0
    assert main(["--check", "--out", str(out)]) == 0
