"""The feedback workbook: what an office gets back for a refused or partly quarantined version.

``<output>/feedback/<city_code>_<period>_<submission_id>.xlsx``, written from the warehouse alone
(``submission`` and ``dq_issue``), so it always matches what was published and can be written
again at any time: a summary sheet (概要) and every issue (问题清单). Values of personal columns
are already masked in ``dq_issue``; they are written as stored.

Two properties the office's safety and the pipeline's idempotency depend on:

- Text can never run as a formula: every text is a string cell (openpyxl would otherwise turn
  ``=HYPERLINK(...)`` into a formula cell), and text starting with ``= + - @`` also gets Excel's
  quote prefix, so editing the cell does not turn it into a formula either.
- The same warehouse state gives the same bytes: no wall-clock time inside (the document
  properties carry the version's received time) and fixed timestamps on the zip entries.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font
from sqlalchemy.engine import Engine

from techaid import config, paths
from techaid.stable_files import workbook_bytes, write_atomic
from techaid.warehouse import schema
from techaid.warehouse.engine import make_engine
from techaid.warehouse.landing import landing_kind

FOLDER = "feedback"
SUMMARY_SHEET, ISSUES_SHEET = "概要", "问题清单"
MAX_ROWS = 1_048_575  # data rows per issues sheet (Excel's limit, the header aside)
MAX_TEXT = 32_767  # characters in one cell
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")  # XML 1.0 forbids these

# Versions that need feedback: refused, or loaded with rows quarantined (even once superseded).
FEEDBACK_OUTCOMES = ("rejected", "accepted_with_errors")

STATUS_ZH = {
    "accepted": "已接收",
    "accepted_with_errors": "已接收，部分行被隔离",
    "rejected": "已退回，整个文件未导入",
    "superseded": "已被之后收到的版本取代",
}
SEVERITY_ZH = {"fatal": "致命（整个文件退回）", "error": "错误（该行被隔离）", "warning": "提示"}
ISSUE_HEADER = ("工作表", "行号", "列", "值", "规则", "严重程度", "说明")
ISSUE_WIDTHS = (14, 8, 18, 24, 28, 20, 90)


# ---------------------------------------------------------------- reading the warehouse


def _submission(conn: sa.Connection, submission_id: str) -> Mapping[str, Any] | None:
    t = schema.submission
    row = conn.execute(sa.select(t).where(t.c.submission_id == submission_id)).mappings().first()
    return cast("Mapping[str, Any] | None", row)  # RowMapping's keys are typed str | Column


def _issues(conn: sa.Connection, submission_id: str) -> list[Mapping[str, Any]]:
    t = schema.dq_issue
    query = sa.select(t).where(t.c.submission_id == submission_id).order_by(t.c.seq)
    return cast("list[Mapping[str, Any]]", list(conn.execute(query).mappings()))


def needs_feedback(sub: Mapping[str, Any]) -> bool:
    """Refused, or rows quarantined: the status says so, or the outcome once it is superseded."""
    return sub["status"] in FEEDBACK_OUTCOMES or sub["outcome"] in FEEDBACK_OUTCOMES


def feedback_path(out_dir: Path, sub: Mapping[str, Any]) -> Path:
    city, period = sub["city_code"] or "unknown", sub["period"] or "unknown"
    return out_dir / FOLDER / f"{city}_{period}_{sub['submission_id']}.xlsx"


# ---------------------------------------------------------------- labels


def _local_time(received_at: dt.datetime) -> str:
    tz = ZoneInfo(config.program().program.timezone)
    return received_at.replace(tzinfo=dt.UTC).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def _next_steps(sub: Mapping[str, Any]) -> str:
    if sub["status"] == "rejected":
        return (
            "整个文件未导入。请按问题清单中“致命”的问题改正文件（也请一并改正标为“错误”的行），"
            "然后重新上传完整文件。"
        )
    if sub["status"] == "superseded":
        return "本版本已被之后收到的版本取代，数据以最新版本为准；问题清单仅供核对。"
    return (
        f"文件已导入，但问题清单中标为“错误”的 {sub['rows_quarantined']} 行被隔离、未导入。"
        "请改正这些行后重新上传完整文件，新版本将整体替换本版本；标为“提示”的问题请核对，不影响导入。"
    )


def _summary_rows(sub: Mapping[str, Any], counts: Counter) -> list[tuple[str, Any]]:
    city = sub["city_code"]
    name = config.hierarchy().name(city) if city else ""
    on_time = {True: "是", False: "否", None: "无法判断"}[sub["on_time"]]
    return [
        ("市", f"{name}（{city}）" if name and name != city else city or "未知"),
        ("报送月份", sub["period"] or "未知"),
        ("文件名", sub["file_name"]),
        ("接收时间（北京时间）", _local_time(sub["received_at"])),
        ("版本编号", sub["submission_id"]),
        ("处理结果", STATUS_ZH.get(sub["outcome"], sub["outcome"])),
        ("当前状态", STATUS_ZH.get(sub["status"], sub["status"])),
        ("按时报送", on_time),
        ("致命问题数", counts["fatal"]),
        ("错误数（隔离行的问题）", counts["error"]),
        ("提示数", counts["warning"]),
        ("导入行数", sub["rows_loaded"]),
        ("隔离行数", sub["rows_quarantined"]),
        ("下一步", _next_steps(sub)),
    ]


# ---------------------------------------------------------------- cells


def _cell(ws: Any, value: Any, bold: bool = False) -> Cell:
    """A cell that can never be a formula: text is forced to a string cell."""
    if value is None:
        cell = WriteOnlyCell(ws, None)
    elif isinstance(value, bool) or not isinstance(value, int | float):
        value = _ILLEGAL.sub("", str(value))[:MAX_TEXT]
        cell = WriteOnlyCell(ws, value)
        cell.data_type = "s"  # openpyxl reads text starting with "=" as a formula
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True
    else:
        cell = WriteOnlyCell(ws, value)
    if bold:
        cell.font = Font(bold=True)
    return cell


def _issue_cells(ws: Any, issue: Mapping[str, Any], register: bool) -> list[Cell]:
    sheet_zh, column_zh = config.schema().labels(issue["sheet"], issue["column_name"], register)
    values = (
        sheet_zh,
        issue["row_number"],
        column_zh,
        issue["value"],
        issue["rule"],
        SEVERITY_ZH.get(issue["severity"], issue["severity"]),
        issue["message"],
    )
    return [_cell(ws, v) for v in values]


def _write_summary(wb: Workbook, rows: Sequence[tuple[str, Any]]) -> None:
    ws = wb.create_sheet(SUMMARY_SHEET)
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 100
    for label, value in rows:
        value_cell = _cell(ws, value)
        value_cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.append([_cell(ws, label, bold=True), value_cell])


def _write_issues(wb: Workbook, issues: Sequence[Mapping[str, Any]], register: bool) -> None:
    """Every issue; past Excel's row limit they continue on 问题清单(2), (3), ..."""
    chunks = [issues[i : i + MAX_ROWS] for i in range(0, len(issues), MAX_ROWS)] or [[]]
    for n, chunk in enumerate(chunks, start=1):
        ws = wb.create_sheet(ISSUES_SHEET if n == 1 else f"{ISSUES_SHEET}({n})")
        for i, width in enumerate(ISSUE_WIDTHS):
            ws.column_dimensions[chr(ord("A") + i)].width = width
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:G{len(chunk) + 1}"
        ws.append([_cell(ws, h, bold=True) for h in ISSUE_HEADER])
        for issue in chunk:
            ws.append(_issue_cells(ws, issue, register))


# ---------------------------------------------------------------- public


def write_feedback(
    engine: Engine | str, submission_id: str, out_dir: Path | None = None
) -> Path | None:
    """Write the version's feedback workbook under ``<out_dir>/feedback/`` (``out_dir``: the
    output root, default ``TECHAID_OUTPUT``) and return its path; None when the version needs
    none (accepted without row errors, or unknown), in which case a stale workbook is removed."""
    if isinstance(engine, str):
        engine = make_engine(engine)
    out_dir = Path(out_dir) if out_dir is not None else paths.output_root()
    with engine.connect() as conn:
        sub = _submission(conn, submission_id)
        if sub is None:
            return None
        path = feedback_path(out_dir, sub)
        if not needs_feedback(sub):
            path.unlink(missing_ok=True)
            return None
        issues = _issues(conn, submission_id)
    counts = Counter(i["severity"] for i in issues)
    wb = Workbook(write_only=True)
    _write_summary(wb, _summary_rows(sub, counts))
    _write_issues(wb, issues, landing_kind(sub["file_path"] or "") == "register")
    write_atomic(path, workbook_bytes(wb, sub["received_at"]))
    return path


def write_feedback_for(
    engine: Engine | str, submission_ids: Iterable[str], out_dir: Path | None = None
) -> list[Path]:
    """:func:`write_feedback` for each version; the paths written, in the order given."""
    if isinstance(engine, str):
        engine = make_engine(engine)
    paths = (write_feedback(engine, sid, out_dir) for sid in dict.fromkeys(submission_ids))
    return [p for p in paths if p is not None]


def feedback_ids(engine: Engine | str, period: str | None = None) -> list[str]:
    """The versions (of one period, or all) that get a feedback workbook, oldest first: what a
    run passes to :func:`write_feedback_for`, including files refused at discovery."""
    if isinstance(engine, str):
        engine = make_engine(engine)
    t = schema.submission
    query = sa.select(t.c.submission_id).where(
        sa.or_(t.c.status.in_(FEEDBACK_OUTCOMES), t.c.outcome.in_(FEEDBACK_OUTCOMES))
    )
    if period is not None:
        query = query.where(t.c.period == period)
    with engine.connect() as conn:
        return list(conn.execute(query.order_by(t.c.received_at, t.c.submission_id)).scalars())
