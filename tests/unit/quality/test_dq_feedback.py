"""The feedback workbook: written for refused and partly quarantined versions only, from the
warehouse, every issue listed, text never a formula, and the same bytes when written again."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from techaid import config
from techaid.findings import Finding, finding
from techaid.outputs import feedback
from techaid.quality.flow import ACCEPTED, REJECTED, WITH_ERRORS, Decision
from techaid.warehouse import versions
from tests.unit.warehouse.builders import fresh

CITY, PERIOD = "340800", "2018-06"
NASTY = ['=HYPERLINK("http://evil.example/x","点击")', "+1", "-1", "@x", "=1+1", "\t=cmd"]


def _version(seed: str, day: int, hour: int = 8) -> versions.VersionInfo:
    received = dt.datetime(2018, 7, day, hour, 30)  # naive UTC
    path = f"submissions/{CITY}/{CITY}_{PERIOD}_{seed}.xlsx"
    return versions.VersionInfo.of(CITY, PERIOD, f"{seed:0>64}", path, received, 100)


def _findings() -> list[Finding]:
    out = [
        finding("dq.phone", sheet="experts", row=4, column="phone", value="0556-5551234"),
        finding("dq.range", sheet="villages", row=7, column="associations", value=-2, detail="≥0"),
        finding(
            "dq.outlier",
            sheet="counties",
            row=3,
            column="pairing_workers",
            value=9000,
            median=35,
            months=12,
        ),
    ]
    out += [
        Finding("dq.village_unknown", "error", text, "villages", 10 + i, "village_code", text)
        for i, text in enumerate(NASTY)
    ]
    return out


@pytest.fixture
def engine(sqlite_url: str) -> sa.Engine:
    return fresh(sqlite_url)


def _record(engine: sa.Engine, v: versions.VersionInfo, outcome: str) -> None:
    if outcome == REJECTED:
        refusal = finding("file.missing_sheet", sheet="villages")
        versions.record_outcome(engine, v, None, refusal, Counter(), True)
        return
    found = _findings() if outcome == WITH_ERRORS else _findings()[2:3]
    quarantined = {"villages": {7, *range(10, 10 + len(NASTY))}} if outcome == WITH_ERRORS else {}
    decision = Decision(outcome, found, {}, quarantined)
    versions.record_outcome(engine, v, decision, None, Counter(), False)


def _rows(path: Path, sheet: str) -> list[tuple]:
    wb = openpyxl.load_workbook(path)
    return [tuple(c.value for c in row) for row in wb[sheet].iter_rows()]


def test_should_list_every_issue_with_chinese_labels(engine: sa.Engine, tmp_path: Path) -> None:
    v = _version("a1", 2)
    _record(engine, v, WITH_ERRORS)
    path = feedback.write_feedback(engine, v.submission_id, tmp_path)
    assert path == tmp_path / "feedback" / f"{CITY}_{PERIOD}_{v.submission_id}.xlsx"
    issues = _rows(path, "问题清单")
    assert issues[0] == ("工作表", "行号", "列", "值", "规则", "严重程度", "说明")
    assert len(issues) == 1 + len(_findings())
    phone = issues[1]
    assert phone[:3] == ("专家名册", 4, "联系电话")
    assert phone[3] == "********1234"
    assert phone[4:6] == ("dq.phone", "错误（该行被隔离）")
    assert "0556-5551234" not in str(issues)
    assert issues[3][:3] == ("县级指标", 3, "劳务协作人数")
    assert issues[3][5] == "提示"


def test_should_summarize_in_chinese(engine: sa.Engine, tmp_path: Path) -> None:
    v = _version("a1", 5, hour=17)  # 01:30 on the 6th in Beijing: late
    _record(engine, v, WITH_ERRORS)
    summary = dict(_rows(feedback.write_feedback(engine, v.submission_id, tmp_path), "概要"))
    assert summary["市"] == f"{config.hierarchy().name(CITY)}（{CITY}）"
    assert summary["报送月份"] == PERIOD
    assert summary["文件名"] == v.file_name
    assert summary["接收时间（北京时间）"] == "2018-07-06 01:30:00"
    assert summary["处理结果"] == summary["当前状态"] == "已接收，部分行被隔离"
    counts = [summary[k] for k in ("致命问题数", "错误数（隔离行的问题）", "提示数")]
    assert counts == [0, 8, 1]
    assert summary["隔离行数"] == 1 + len(NASTY)
    assert summary["按时报送"] == "否"
    assert "重新上传" in summary["下一步"]


def test_should_never_write_a_formula(engine: sa.Engine, tmp_path: Path) -> None:
    v = _version("a1", 2)
    _record(engine, v, WITH_ERRORS)
    path = feedback.write_feedback(engine, v.submission_id, tmp_path)
    with zipfile.ZipFile(path) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in xml
    assert "<f " not in xml
    wb = openpyxl.load_workbook(path)
    cells = {c.value: c for row in wb["问题清单"].iter_rows(min_row=2) for c in row[3:4]}
    for text in NASTY:
        cell = cells[text]
        assert cell.data_type == "s"
        assert cell.quotePrefix  # editing the cell in Excel keeps it text


def test_should_write_identical_bytes_again(engine: sa.Engine, tmp_path: Path) -> None:
    v = _version("a1", 2)
    _record(engine, v, WITH_ERRORS)
    first = feedback.write_feedback(engine, v.submission_id, tmp_path).read_bytes()
    again = feedback.write_feedback(engine, v.submission_id, tmp_path)
    assert again.read_bytes() == first
    assert openpyxl.load_workbook(again).properties.created == dt.datetime(2018, 7, 2, 8, 30)
    assert [p.name for p in (tmp_path / "feedback").iterdir()] == [again.name]


def test_should_write_for_refused_and_superseded_versions_only(
    engine: sa.Engine, tmp_path: Path
) -> None:
    partly, refused, clean = _version("a1", 2), _version("b2", 3), _version("c3", 4)
    _record(engine, partly, WITH_ERRORS)
    _record(engine, refused, REJECTED)
    _record(engine, clean, ACCEPTED)  # supersedes the partly quarantined one
    ids = [partly.submission_id, refused.submission_id, clean.submission_id]
    assert feedback.feedback_ids(engine, PERIOD) == ids[:2]
    paths = feedback.write_feedback_for(engine, ids, tmp_path)
    assert [p.stem.rsplit("_", 1)[1] for p in paths] == ids[:2]
    assert dict(_rows(paths[0], "概要"))["当前状态"] == "已被之后收到的版本取代"
    summary = dict(_rows(paths[1], "概要"))
    assert summary["处理结果"] == "已退回，整个文件未导入"
    assert summary["致命问题数"] == 1
    (fatal,) = _rows(paths[1], "问题清单")[1:]
    assert fatal[0] == "村"
    assert fatal[1] is None
    assert fatal[5] == "致命（整个文件退回）"
    assert feedback.write_feedback(engine, "no-such-version", tmp_path) is None


def test_should_remove_a_stale_workbook(engine: sa.Engine, tmp_path: Path) -> None:
    v = _version("a1", 2)
    _record(engine, v, WITH_ERRORS)
    path = feedback.write_feedback(engine, v.submission_id, tmp_path)
    _record(engine, v, ACCEPTED)  # the same version validated again, now without row errors
    assert feedback.write_feedback(engine, v.submission_id, tmp_path) is None
    assert not path.exists()
