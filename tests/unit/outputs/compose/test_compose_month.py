"""Lagging alerts and the provincial report: each office sees its own counties only, helpers
from another city by name, specialty and city; the team gets the charts inline and the full
rollup attached; a re-run records and renders nothing."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from techaid.outputs.compose import lagging_alert, monthly
from techaid.outputs.compose.monthly import compose_month, month_emails
from techaid.outputs.report import write_rollup
from techaid.outputs.report.data import read_rollup
from techaid.recommend.pairing import Suggestion
from tests.unit.outputs.compose.conftest import bodies, cell_texts, parsed, workbook_cells
from tests.unit.outputs.report.report_builders import (
    ANQING,
    CHIZHOU,
    PERIOD,
    QIANSHAN,
    SHITAI,
    TAIHU,
)

RUN = dt.datetime(2018, 7, 5, 18, 0, tzinfo=dt.UTC)


def _suggestion(rank: int, name: str, home: str, same_city: bool) -> Suggestion:
    return Suggestion(
        period=PERIOD,
        county_code=QIANSHAN,
        city_code=ANQING,
        rank=rank,
        subject_kind="expert",
        subject_id=f"E{rank:02d}",
        display_name=name,
        category="crops",
        category_zh="种植",
        home_city_code=home,
        home_city_name="池州市" if home == CHIZHOU else "安庆市",
        same_city=same_city,
        matches=True,
        active_agreements=0,
        reason="专业「种植」对应该县特色产业（茶叶）",
        filed_on=None,
    )


@pytest.fixture(scope="module")
def emails(warehouse: sa.Engine) -> dict[str, object]:
    got, already = month_emails(warehouse, PERIOD)
    assert already == set()
    return {e.dedupe_key: e for e in got}


def test_an_alert_to_each_city_with_lagging_counties_and_one_report(emails) -> None:
    assert sorted(emails) == [
        f"lagging_alert/{PERIOD}/{ANQING}",
        f"lagging_alert/{PERIOD}/{CHIZHOU}",
        f"provincial_report/{PERIOD}/-",
    ]


def test_alert_shows_own_counties_with_indicators_and_never_another_citys(
    warehouse: sa.Engine,
) -> None:
    rollup = read_rollup(warehouse, PERIOD)
    helpers = [_suggestion(1, "王五", CHIZHOU, False), _suggestion(2, "赵六", ANQING, True)]
    e = lagging_alert.lagging_alert(rollup, ANQING, helpers)
    assert e is not None
    msg = parsed(e)
    assert msg["To"] == "anqing-kx@example.org"
    assert "lagging_alert" in msg["Subject"]
    assert "1 个县落后" in msg["Subject"]
    text = bodies(msg)
    # Its counties, ranked, with movement; the lagging one's indicator in full.
    assert QIANSHAN in text
    assert TAIHU in text
    assert "进步1位" in text
    assert "village_coverage" in text
    assert "25.0%" in text
    assert "37.5%" in text
    assert "每月尚需增加" in text
    assert "按趋势预计达标" in text
    # Helpers: another city's by name, specialty and city, no id; the own city's with its id.
    assert "王五" in text
    assert "池州市" in text
    assert "E01" not in text
    assert "赵六" in text
    assert "E02" in text
    # Never another city's county.
    assert not re.search(rf"(?<!\d){SHITAI}(?!\d)", text)
    (part,) = list(msg.iter_attachments())
    cells = cell_texts(part.get_content())
    assert QIANSHAN in cells
    assert TAIHU in cells
    assert SHITAI not in cells
    sheets = workbook_cells(part.get_content())
    assert {row[0] for row in sheets["cities"][1:]} == {ANQING}
    assert {row[2] for row in sheets["counties"][1:]} == {ANQING}


def test_provincial_report_inlines_the_charts_and_attaches_the_rollup(
    emails, warehouse: sa.Engine, tmp_path: Path
) -> None:
    e = emails[f"provincial_report/{PERIOD}/-"]
    msg = parsed(e)
    assert msg["To"] == "techaid-province@example.org"
    assert "provincial_report" in msg["Subject"]
    assert "落后县 2 个" in msg["Subject"]
    html = msg.get_body(("html",))
    cids = re.findall(r'src="cid:([^"]+)"', html.get_content())
    assert cids == [
        "chart-province_progress",
        "chart-county_ranking",
        "chart-city_reporting",
        "chart-county_history",
    ]
    related = {p["Content-ID"]: p for p in msg.walk() if p["Content-ID"]}
    for cid in cids:
        assert related[f"<{cid}>"].get_content_type() == "image/png"
        assert related[f"<{cid}>"].get_content().startswith(b"\x89PNG")
    text = bodies(msg)
    for heading in ("全省进度", "各市", "落后县排名", "报送情况", "数据质量"):
        assert heading in text
    assert "village_coverage" in text
    (part,) = list(msg.iter_attachments())
    assert part.get_filename() == f"rollup_{PERIOD}.xlsx"
    files = write_rollup(warehouse, PERIOD, tmp_path)
    assert part.get_content() == files.xlsx.read_bytes()


def test_a_rerun_records_and_renders_nothing(
    fresh_warehouse: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = compose_month(fresh_warehouse, PERIOD, {PERIOD}, tmp_path, RUN)
    assert first.by_kind() == {
        "feedback": 2,
        "lagging_alert": 2,
        "provincial_report": 1,
        "receipt": 2,
    }

    def boom(*_a: object) -> None:
        raise AssertionError("rendered again")

    monkeypatch.setattr(monthly.chart_module, "render", boom)
    monkeypatch.setattr(monthly, "workbook_bytes", boom)
    monkeypatch.setattr(lagging_alert, "city_workbook", boom)
    again = compose_month(fresh_warehouse, PERIOD, {PERIOD}, tmp_path, RUN)
    assert again.recorded == []
    assert again.already == sorted(first.recorded)
    with fresh_warehouse.connect() as conn:
        n = conn.execute(sa.text("select count(*) from email_outbox")).scalar()
    assert n == 7
