"""Staging between a city's read, check and load tasks, on any filesystem fsspec reaches.

Workers on several hosts share staging through a URL (``memory://`` stands in for S3 here); a
version staged by one task reads back identically in the next; a finished run removes what was
staged longer ago than the retention, and nothing younger.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pandas as pd
import pytest

from techaid import staging
from techaid.findings import Finding
from techaid.intake.model import ParsedFile, ParsedSheet
from techaid.quality import flow

NOW = dt.datetime(2018, 6, 6, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(params=["memory", "local"])
def data_root(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    root = (
        f"memory://techaid-{uuid.uuid4().hex[:8]}" if request.param == "memory" else str(tmp_path)
    )
    monkeypatch.setenv("TECHAID_DATA", root)
    yield root
    if request.param == "memory":
        fs, path = fsspec.core.url_to_fs(root)
        if fs.exists(path):
            fs.rm(path, recursive=True)


def _parsed() -> ParsedFile:
    frame = pd.DataFrame(
        {"row_number": [3, 4], "county_code": ["340321", None], "experts": [2, None]}
    ).astype({"experts": "Int64"})
    return ParsedFile(
        city_code="340300",
        period="2018-05",
        meta={"file_name": "蚌埠市.xlsx"},
        sheets={"experts": ParsedSheet("experts", frame)},
        findings=[Finding("parse.required", "error", "必填项为空", "experts", 4, "county_code")],
        repairs=Counter({("experts", "county_code", "title_row"): 1}),
    )


def test_a_staged_version_reads_back_identically_from_the_root(data_root: str) -> None:
    out = staging.version_dir("a1b2c3", fresh=True)
    assert out == f"{data_root}/staging/a1b2c3"
    staging.stage_parsed(out, _parsed())
    back = staging.load_parsed(out)
    pd.testing.assert_frame_equal(back.sheets["experts"].frame, _parsed().sheets["experts"].frame)
    assert (back.city_code, back.period, back.meta) == ("340300", "2018-05", _parsed().meta)
    assert back.findings == _parsed().findings
    assert back.repairs == _parsed().repairs

    clean = _parsed().sheets["experts"].frame.iloc[:1]
    decision = flow.Decision("accepted_with_errors", [], {"experts": clean}, {"experts": {4}})
    staging.stage_decision(out, decision)
    loaded, repairs = staging.load_decision(out)
    pd.testing.assert_frame_equal(loaded.clean["experts"], clean)
    assert loaded.quarantined == {"experts": {4}}
    assert repairs == _parsed().repairs
    assert staging.staged_refusal(out) is None


def test_a_retried_read_starts_from_an_empty_folder(data_root: str) -> None:
    out = staging.version_dir("v1", fresh=True)
    refusal = Finding("file.unreadable", "fatal", "不是 Excel 工作簿")
    staging.stage_refusal(out, refusal)
    assert staging.staged_refusal(out) == refusal
    out = staging.version_dir("v1", fresh=True)
    assert staging.staged_refusal(out) is None


def test_purge_removes_only_versions_staged_before_the_retention(data_root: str) -> None:
    staging.version_dir("old", fresh=True, now=NOW - dt.timedelta(days=8))
    staging.version_dir("week", fresh=True, now=NOW - dt.timedelta(days=7))
    young = staging.version_dir("young", fresh=True, now=NOW - dt.timedelta(days=1))
    staging.stage_parsed(young, _parsed())
    assert staging.purge(7, now=NOW) == ["old", "week"]
    assert staging.load_parsed(young).city_code == "340300"
    assert staging.purge(0, now=NOW) == ["young"]
    assert staging.purge(0, now=NOW) == []


def test_purge_without_any_staging_yet_is_a_no_op(data_root: str) -> None:
    assert staging.purge(0) == []
