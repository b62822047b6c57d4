"""Receipts and feedback: who gets them, what they say, what is attached, and what never shows
(another office's version, an unmasked phone number)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from techaid.outputs.compose import feedback, receipt
from techaid.outputs.compose.monthly import version_emails
from techaid.outputs.compose.version_facts import BODY_ISSUES, read_versions
from techaid.outputs.mail import outbox
from tests.unit.outputs.compose.conftest import bodies, cell_texts, parsed, workbook_cells
from tests.unit.outputs.report.report_builders import (
    ANQING,
    CHIZHOU,
    HOSTILE_FILE,
    LUAN,
    PHONE,
)

ALL = ["a1", "a2", "c1", "l1"]  # superseded, accepted_with_errors, rejected, accepted


def _by_key(engine: sa.Engine, out: Path) -> dict[str, object]:
    emails, already = version_emails(engine, ALL, out)
    assert already == set()
    return {e.dedupe_key: e for e in emails}


def test_each_version_gets_what_its_outcome_calls_for(warehouse: sa.Engine, tmp_path: Path) -> None:
    emails = _by_key(warehouse, tmp_path)
    assert sorted(emails) == [
        f"feedback/2018-06/{ANQING}/a2",
        f"feedback/2018-06/{CHIZHOU}/c1",
        f"receipt/2018-06/{ANQING}/a2",
        f"receipt/2018-06/{LUAN}/l1",
    ]


def test_receipt_says_loaded_on_time_and_warnings_to_its_office_only(
    warehouse: sa.Engine, tmp_path: Path
) -> None:
    e = _by_key(warehouse, tmp_path)[f"receipt/2018-06/{LUAN}/l1"]
    msg = parsed(e)
    assert msg["To"] == "luan-kx@example.org"
    assert msg["Cc"] is None
    assert "receipt" in msg["Subject"]
    assert "2018-06" in msg["Subject"]
    assert "六安市" in msg["Subject"]
    text = bodies(msg)
    assert "导入行数" in text
    assert "1,200" in text
    assert "按时报送：是" in text
    assert "dq.phone_format" in text  # the warning is listed...
    assert PHONE not in text
    assert "*******5678" in text
    assert "&lt;script&gt;" in msg.get_body(("html",)).get_content()  # the file name, escaped
    assert not list(msg.iter_attachments())


def test_feedback_of_a_refused_file_lists_issues_and_attaches_the_workbook(
    warehouse: sa.Engine, tmp_path: Path
) -> None:
    e = _by_key(warehouse, tmp_path)[f"feedback/2018-06/{CHIZHOU}/c1"]
    msg = parsed(e)
    assert msg["To"] == "chizhou-kx@example.org"
    assert "退回" in msg["Subject"]
    assert "file.missing_sheet" in bodies(msg)
    (part,) = list(msg.iter_attachments())
    assert part.get_filename().endswith(".xlsx")
    cells = workbook_cells(part.get_content())
    assert cells["问题清单"][1][4] == "file.missing_sheet"
    assert (tmp_path / "feedback" / f"{CHIZHOU}_2018-06_c1.xlsx").exists()


def test_feedback_of_quarantined_rows_keeps_formula_text_inert(
    warehouse: sa.Engine, tmp_path: Path
) -> None:
    e = _by_key(warehouse, tmp_path)[f"feedback/2018-06/{ANQING}/a2"]
    msg = parsed(e)
    assert "3 行被隔离" in msg["Subject"]
    (part,) = list(msg.iter_attachments())
    summary = workbook_cells(part.get_content())["概要"]
    assert [row[1] for row in summary if row[0] == "文件名"] == [HOSTILE_FILE]
    assert HOSTILE_FILE in bodies(msg)  # shown as text, never a link or a formula


def test_body_lists_at_most_fifty_issues_all_are_attached(
    fresh_warehouse: sa.Engine, tmp_path: Path
) -> None:
    from techaid.warehouse.schema import dq_issue

    rows = [
        {
            "submission_id": "c1",
            "seq": 100 + i,
            "sheet": "households",
            "row_number": i + 2,
            "column_name": "techniques",
            "value": str(i),
            "rule": "parse.int",
            "severity": "error",
            "message": f"第{i + 2}行 问题",
        }
        for i in range(80)
    ]
    with fresh_warehouse.begin() as conn:
        conn.execute(dq_issue.insert(), rows)
    (v,) = read_versions(fresh_warehouse, ["c1"])
    assert len(v.first_issues) == BODY_ISSUES
    assert v.issues_total == 81
    assert v.first_issues[0].rule == "file.missing_sheet"  # fatal first
    e = feedback.feedback_email(v, feedback.workbook_bytes(fresh_warehouse, v, tmp_path))
    assert e is not None
    msg = parsed(e)
    text = msg.get_body(("plain",)).get_content()
    assert "前 50 个，共 81 个" in text
    assert "第51行 问题" not in text  # row 51 is issue 50 of 80 after the fatal one: cut
    (part,) = list(msg.iter_attachments())
    assert cell_texts(part.get_content()).count("parse.int") == 80


def test_versions_already_told_are_not_composed_again(
    fresh_warehouse: sa.Engine, tmp_path: Path
) -> None:
    import datetime as dt

    emails, _ = version_emails(fresh_warehouse, ALL, tmp_path)
    assert outbox.record(fresh_warehouse, emails, dt.datetime(2018, 7, 6)) == 4
    again, already = version_emails(fresh_warehouse, ALL, tmp_path)
    assert again == []
    assert already == {e.dedupe_key for e in emails}


def test_no_recipient_no_email(warehouse: sa.Engine, monkeypatch) -> None:
    from techaid import config

    cfg = config.recipients()
    trimmed = cfg.model_copy(update={"cities": {k: v for k, v in cfg.cities.items() if k != LUAN}})
    monkeypatch.setattr(config, "recipients", lambda: trimmed)
    (v,) = read_versions(warehouse, ["l1"])
    assert receipt.receipt_email(v) is None
