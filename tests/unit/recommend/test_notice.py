"""The year's files: the public notice says who, for how long and where to object, never a phone
number; the workbook lists ranked and excluded with reasons, holds text as text (never a
formula), and re-running the year rewrites both files byte for byte."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from techaid.recommend import notice, shortlist
from tests.unit.recommend.world import (
    ANQING,
    RUN,
    Warehouse,
    agreement,
    evaluation,
    expert,
    org,
    rules,
)

PHONE = "13912345678"
TRAP = '=HYPERLINK("http://x","y")'


@pytest.fixture
def wh(sqlite_url: str) -> Iterator[Warehouse]:
    w = Warehouse(sqlite_url)
    w.submit(
        ANQING,
        "2018-12",
        experts=[
            expert("E1", name="张三", phone=PHONE),
            expert("E2", name=TRAP, phone=PHONE),
            expert("E3", name="李四", phone=PHONE),
        ],
        organizations=[org("O1", name="太湖县茶叶农技协")],
        agreements=[
            agreement("A1", "E1"),
            agreement("A2", "E2"),
            agreement("A3", "E3"),
            agreement("A4", "O1", kind="organization"),
        ],
        evaluations=[
            evaluation("E1", 95),
            evaluation("E2", 90),
            evaluation("E3", 60),
            evaluation("O1", 88, kind="organization"),
        ],
    )
    shortlist.publish(
        w.engine, shortlist.build(w.engine, 2018, RUN, rules()), "recommendation", 2018
    )
    yield w
    w.dispose()


def write(wh: Warehouse, out: Path) -> dict[str, Path]:
    return notice.write(wh.engine, 2018, RUN, out, rules())


def test_notice_names_period_and_where_to_object_never_a_phone(
    wh: Warehouse, tmp_path: Path
) -> None:
    page = write(wh, tmp_path)["html"].read_text("utf-8")
    assert "2018年度公示" in page  # the configured title, year filled in
    assert "公示期：2019年1月25日至2019年1月31日（共7天" in page
    assert "张三" in page
    assert "高校，服务安庆市" in page
    assert "太湖县茶叶农技协" in page
    assert "农技协，位于太湖县" in page
    assert "=HYPERLINK(&#34;http://x&#34;,&#34;y&#34;)" in page  # escaped, shown as text
    assert "李四" not in page  # below the threshold: not on the notice
    assert "书面反映" in page
    assert "省科协" in page
    assert PHONE not in page
    assert PHONE[-4:] not in page


def test_workbook_ranked_and_excluded_text_never_formula(wh: Warehouse, tmp_path: Path) -> None:
    path = write(wh, tmp_path)["xlsx"]
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["拟推荐名单", "未入选及原因", "说明"]
    ranked = list(wb["拟推荐名单"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[2], r[3]) for r in ranked] == [
        (1, "E1", "张三"),
        (2, "E2", TRAP),
        (1, "O1", "太湖县茶叶农技协"),
    ]
    trap = wb["拟推荐名单"]["D3"]
    assert trap.data_type == "s"
    assert trap.value == TRAP
    excluded = list(wb["未入选及原因"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[5], r[6]) for r in excluded] == [
        ("E3", "评估得分低于推荐分数线", "below_threshold")
    ]
    with zipfile.ZipFile(path) as z:
        xml = b"".join(z.read(n) for n in z.namelist())
        assert {i.date_time for i in z.infolist()} == {(2019, 1, 25, 0, 0, 0)}
    assert b"<f>" not in xml
    assert PHONE.encode() not in xml
    assert wb.properties.created == dt.datetime(2019, 1, 25)


def test_rerun_rewrites_the_same_bytes(wh: Warehouse, tmp_path: Path) -> None:
    first = {k: p.read_bytes() for k, p in write(wh, tmp_path / "a").items()}
    shortlist.publish(
        wh.engine, shortlist.build(wh.engine, 2018, RUN, rules()), "recommendation", 2018
    )
    second = {k: p.read_bytes() for k, p in write(wh, tmp_path / "b").items()}
    assert first == second
    assert openpyxl.load_workbook(io.BytesIO(second["xlsx"]))  # still a valid workbook
