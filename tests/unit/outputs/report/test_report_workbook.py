"""The rollup workbook as the provincial team opens it in Excel."""

from __future__ import annotations

import re
import zipfile
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from techaid.outputs.report import RollupFiles
from tests.unit.outputs.report.report_builders import HOSTILE_FILE, PERIOD

SHEETS = ["province", "cities", "counties", "ranking", "reporting", "quality"]


@pytest.fixture(scope="module")
def wb(files: RollupFiles) -> openpyxl.Workbook:
    return openpyxl.load_workbook(files.xlsx)


def header(ws: Worksheet) -> list[Any]:
    return [c.value for c in ws[1]]


def records(ws: Worksheet) -> list[dict[str, Any]]:
    """Rows as {title: cell}."""
    titles = header(ws)
    return [dict(zip(titles, row, strict=True)) for row in ws.iter_rows(min_row=2)]


def find(ws: Worksheet, **match: str) -> dict[str, Any]:
    hits = [r for r in records(ws) if all(r[k].value == v for k, v in match.items())]
    assert len(hits) == 1, (match, len(hits))
    return hits[0]


def test_file_is_named_for_the_period_under_its_folder(files: RollupFiles) -> None:
    assert files.xlsx.name == f"rollup_{PERIOD}.xlsx"
    assert files.xlsx.parent.name == PERIOD


def test_six_sheets_with_chinese_headers_and_a_frozen_header_row(wb: openpyxl.Workbook) -> None:
    assert wb.sheetnames == SHEETS
    for ws in wb.worksheets:
        titles = header(ws)
        assert all(re.search(r"[\u4e00-\u9fff]", t) for t in titles), (ws.title, titles)
        assert ws.freeze_panes is not None, ws.title
        assert ws.freeze_panes.endswith("2"), ws.title
    assert header(wb["province"])[:3] == ["指标代码", "指标", "数值"]
    assert header(wb["counties"])[:4] == ["县代码", "县", "市代码", "市"]
    assert header(wb["ranking"])[:3] == ["排名", "上月排名", "名次变化"]


def test_attainment_and_shares_are_percentages_counts_are_numbers(wb: openpyxl.Workbook) -> None:
    coverage = find(wb["province"], 指标代码="village_coverage")
    assert coverage["完成率"].value == pytest.approx(0.36)
    assert "%" in coverage["完成率"].number_format
    assert "%" in coverage["数值"].number_format
    assert coverage["状态"].value == "滞后"
    associations = find(wb["province"], 指标代码="associations")
    assert associations["数值"].value == 135
    assert "%" not in associations["数值"].number_format
    assert "%" in associations["完成率"].number_format
    funds = find(wb["province"], 指标代码="pairing_funds")
    assert funds["数值"].value == pytest.approx(13.75)
    assert funds["数值"].number_format == "#,##0.00"
    assert funds["状态"].value == "仅监测"


def test_county_has_one_reads_as_yes_no_and_status_cells_are_coloured(
    wb: openpyxl.Workbook,
) -> None:
    station = find(wb["counties"], 县代码="340825", 指标代码="county_station")
    assert station["县"].value == "太湖县"
    assert station["市"].value == "安庆市"
    assert '"有"' in station["数值"].number_format
    critical = find(wb["counties"], 县代码="341722", 指标代码="village_coverage")
    assert critical["状态"].value == "严重滞后"
    assert critical["状态"].fill.fgColor.rgb.endswith("FFCDD2")
    no_data = find(wb["counties"], 县代码="341722", 指标代码="county_station")
    assert no_data["状态"].value == "无数据"
    assert no_data["沿用上月数据"].value == "是"


def test_ranking_shows_movement_and_reasons_in_chinese(wb: openpyxl.Workbook) -> None:
    rows = records(wb["ranking"])
    assert [r["县"].value for r in rows] == ["石台县", "潜山县", "太湖县"]
    shitai, qianshan, taihu = rows
    assert (shitai["上月排名"].value, shitai["名次变化"].value) == (2, "退步1位")
    assert qianshan["名次变化"].value == "进步1位"
    assert taihu["名次变化"].value == "持平"
    assert shitai["落后指标"].value == "本市当月报送被拒收、贫困村科技服务覆盖率"
    assert "预期 37.5%" in shitai["原因说明"].value
    assert taihu["是否落后"].value == "否"


def test_reporting_names_the_counting_version_and_cities_that_sent_nothing(
    wb: openpyxl.Workbook,
) -> None:
    ws = wb["reporting"]
    anqing = find(ws, 市代码="340800")
    assert anqing["本月报送状态"].value == "已接收（部分行隔离）"
    assert anqing["本月版本数"].value == 2
    assert anqing["隔离行数"].value == 3
    assert anqing["接收时间（北京时间）"].value == "2018-07-04 09:30"  # 01:30 UTC
    assert anqing["累计按时报送率"].value == 1.0
    assert "%" in anqing["累计按时报送率"].number_format
    assert find(ws, 市代码="341700")["本月报送状态"].value == "被拒收"
    assert find(ws, 市代码="341600")["本月报送状态"].value == "未报送"
    assert len(records(ws)) == 9


def test_quality_counts_findings_of_versions_that_still_count(wb: openpyxl.Workbook) -> None:
    got = {
        (r["市"].value, r["严重程度"].value, r["规则"].value): r["问题数"].value
        for r in records(wb["quality"])
    }
    assert got == {
        ("安庆市", "错误", "parse.required"): 2,
        ("安庆市", "警告", "submission.late"): 1,
        ("六安市", "警告", "dq.phone_format"): 1,
        ("池州市", "致命", "file.missing_sheet"): 1,
    }  # the superseded version's finding is history


def test_no_cell_is_a_formula_and_hostile_text_stays_text(
    files: RollupFiles, wb: openpyxl.Workbook
) -> None:
    with zipfile.ZipFile(files.xlsx) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) == 6
        for name in sheets:
            assert not re.search(r"<(\w+:)?f[ >]", z.read(name).decode()), name
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            assert all(c.data_type != "f" for c in row), ws.title
    cell = find(wb["reporting"], 市代码="340800")["计入的文件"]
    assert cell.value == HOSTILE_FILE
    assert cell.data_type == "s"
    assert cell.quotePrefix
