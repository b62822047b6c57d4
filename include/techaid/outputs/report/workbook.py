"""``rollup_<period>.xlsx``: the month's full rollup for the provincial team to filter and sort.

Six sheets (province, cities, counties, ranking, reporting, quality) with Chinese column titles, a
frozen header row, real numbers with number formats (shares as percentages) and status colours.
Text can never run as a formula: every text is a string cell, and text starting with ``= + - @``
also gets Excel's quote prefix, so editing the cell does not turn it into one either. The bytes
depend only on the content (document and zip timestamps are fixed from the period), so a re-run
writes an identical file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from techaid import stable_files
from techaid.outputs.report.data import IndicatorRow, RankingRow, Reason, ReportingRow, Rollup
from techaid.outputs.report.labels import (
    SEVERITY_ZH,
    STATE_FILL,
    STATE_ZH,
    STATUS_FILL,
    Kind,
    show,
    status_zh,
)
from techaid.periods import last_day

SHEETS = ("province", "cities", "counties", "ranking", "reporting", "quality")
PERCENT = "0.0%"
COUNT = "#,##0"
DECIMAL = "#,##0.00"
FLAG = '[=1]"有";[=0]"无";General'
FORMULA_START = ("=", "+", "-", "@")
MAX_TEXT = 32_767
HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")
LAGGING_FILL = PatternFill("solid", fgColor="FFCDD2")

Getter = Callable[[Any], Any]


@dataclass(frozen=True)
class Col:
    """One column: its Chinese title, width, value and, for numbers, the format of a row."""

    title: str
    width: float
    get: Getter
    fmt: Callable[[Any], str] | str | None = None
    fill: Callable[[Any], str | None] | None = None


def _number_format(kind: Kind, value: float | None) -> str:
    if kind == "share":
        return PERCENT
    if kind == "flag":
        return FLAG
    return COUNT if value is None or float(value).is_integer() else DECIMAL


def _yes_no(v: bool | None) -> str | None:
    return None if v is None else "是" if v else "否"


def _status_fill(status: str | None) -> str | None:
    return STATUS_FILL.get(status or "")


def _lagging_fill(r: RankingRow) -> str | None:
    return "FFCDD2" if r.lagging else None


def _state_fill(r: ReportingRow) -> str | None:
    return STATE_FILL.get(r.state)


def _rate_fill(r: ReportingRow) -> str | None:
    return _status_fill(r.reporting_status)


_TITLES = {"value": "数值", "target": "目标", "expected": "本月预期进度"}


def _indicator_cols() -> list[Col]:
    def by_kind(attr: str) -> Col:
        return Col(
            title=_TITLES[attr],
            width=11,
            get=lambda r: getattr(r, attr),
            fmt=lambda r: _number_format(r.kind, getattr(r, attr)),
        )

    def rate_format(r: IndicatorRow) -> str:
        return PERCENT if r.kind in ("share", "flag") else DECIMAL

    return [
        Col("指标代码", 20, lambda r: r.indicator),
        Col("指标", 24, lambda r: r.label.zh),
        by_kind("value"),
        Col("分子", 10, lambda r: r.numerator, lambda r: _number_format("count", r.numerator)),
        Col("分母", 10, lambda r: r.denominator, lambda r: _number_format("count", r.denominator)),
        by_kind("target"),
        by_kind("expected"),
        Col("完成率", 9, lambda r: r.attainment, PERCENT),
        Col("状态", 10, lambda r: status_zh(r.status), fill=lambda r: _status_fill(r.status)),
        Col("沿用上月数据", 8, lambda r: _yes_no(r.carried_forward)),
        Col("数据所属月份", 10, lambda r: r.source_period),
        Col("按趋势预计达标月份", 12, lambda r: r.forecast_period),
        Col("每月尚需增加", 11, lambda r: r.required_monthly_rate, rate_format),
    ]


def _reason_text(reason: Reason) -> str:
    if reason.status is None and reason.value is None and reason.expected is None:
        return reason.name
    k = reason.kind
    forecast = reason.forecast_period or "—"
    return (
        f"{reason.name}（{status_zh(reason.status)}）：当前 {show(k, reason.value)}，"
        f"预期 {show(k, reason.expected)}，目标 {show(k, reason.target)}，"
        f"差距 {show('share' if k == 'flag' else k, reason.gap)}；"
        f"每月尚需 {show('share' if k == 'flag' else k, reason.required_monthly_rate)}；"
        f"预计达标 {forecast}"
    )


def ranking_reasons(row: RankingRow) -> str:
    """Every reason of a county, one per line (also used by the HTML)."""
    return "\n".join(_reason_text(r) for r in row.reasons)


def _sheet_columns(rollup: Rollup) -> dict[str, tuple[list[Col], Sequence[Any], str]]:
    """Sheet -> (columns, rows, freeze cell)."""
    ind = _indicator_cols()
    city = [Col("市代码", 9, lambda r: r.org_code), Col("市", 9, lambda r: r.org_name)]
    county = [
        Col("县代码", 9, lambda r: r.org_code),
        Col("县", 10, lambda r: r.org_name),
        Col("市代码", 9, lambda r: r.city_code),
        Col("市", 9, lambda r: r.city_name),
    ]
    ranking = [
        Col("排名", 6, lambda r: r.rank, COUNT),
        Col("上月排名", 8, lambda r: r.previous_rank, COUNT),
        Col("名次变化", 10, lambda r: r.movement),
        Col("县代码", 9, lambda r: r.county_code),
        Col("县", 10, lambda r: r.county_name),
        Col("市", 9, lambda r: r.city_name),
        Col("是否落后", 8, lambda r: _yes_no(r.lagging), fill=_lagging_fill),
        Col("落后得分", 9, lambda r: r.score, "0.000"),
        Col("落后指标", 30, lambda r: "、".join(x.name for x in r.reasons)),
        Col("落后指标代码", 30, lambda r: ",".join(r.lagging_indicators)),
        Col("原因说明", 90, ranking_reasons),
    ]
    reporting = [
        Col("市代码", 9, lambda r: r.city_code),
        Col("市", 9, lambda r: r.city_name),
        Col("本月报送状态", 18, lambda r: STATE_ZH.get(r.state, r.state), fill=_state_fill),
        Col("是否按时", 8, lambda r: _yes_no(r.on_time)),
        Col("接收时间（北京时间）", 18, lambda r: r.received_local),
        Col("计入的文件", 30, lambda r: r.file_name),
        Col("本月版本数", 10, lambda r: r.versions, COUNT),
        Col("入库行数", 10, lambda r: r.rows_loaded, COUNT),
        Col("隔离行数", 10, lambda r: r.rows_quarantined, COUNT),
        Col("警告数", 8, lambda r: r.warnings, COUNT),
        Col("累计按时报送率", 14, lambda r: r.reporting_rate, PERCENT),
        Col("报送率状态", 10, lambda r: status_zh(r.reporting_status), fill=_rate_fill),
    ]
    quality = [
        Col("市代码", 9, lambda r: r.city_code),
        Col("市", 9, lambda r: r.city_name),
        Col("严重程度", 9, lambda r: SEVERITY_ZH.get(r.severity, r.severity)),
        Col("规则", 34, lambda r: r.rule),
        Col("问题数", 9, lambda r: r.issues, COUNT),
    ]
    return {
        "province": (ind, rollup.province, "C2"),
        "cities": (city + ind, rollup.cities, "E2"),
        "counties": (county + ind, rollup.counties, "G2"),
        "ranking": (ranking, rollup.ranking, "F2"),
        "reporting": (reporting, rollup.reporting, "C2"),
        "quality": (quality, rollup.quality, "C2"),
    }


def _put(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """A cell that can never be a formula: text is forced to a string cell."""
    cell = ws.cell(row=row, column=column)
    assert isinstance(cell, Cell), "cells are never merged in these sheets"
    if value is None:
        return cell
    if isinstance(value, bool) or not isinstance(value, int | float):
        text = ILLEGAL_CHARACTERS_RE.sub("", str(value))[:MAX_TEXT]
        cell.value = text
        cell.data_type = "s"  # openpyxl reads text starting with "=" as a formula
        if text.startswith(FORMULA_START):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def _write_sheet(ws: Worksheet, cols: Sequence[Col], rows: Sequence[Any], freeze: str) -> None:
    bold = Font(bold=True)
    for j, col in enumerate(cols, start=1):
        cell = _put(ws, 1, j, col.title)
        cell.font, cell.fill = bold, HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(j)].width = col.width
    for i, item in enumerate(rows, start=2):
        for j, col in enumerate(cols, start=1):
            cell = _put(ws, i, j, col.get(item))
            if col.fmt is not None and cell.data_type == "n":
                cell.number_format = col.fmt(item) if callable(col.fmt) else col.fmt
            colour = col.fill(item) if col.fill else None
            if colour:
                cell.fill = PatternFill("solid", fgColor=colour)
            if col.width >= 60:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = freeze
    ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(len(rows), 1) + 1}"


def build_workbook(rollup: Rollup) -> Workbook:
    wb = Workbook()
    if wb.active is not None:
        wb.remove(wb.active)
    for name, (cols, rows, freeze) in _sheet_columns(rollup).items():
        _write_sheet(wb.create_sheet(name), cols, rows, freeze)
    return wb


def stamp_of(period: str) -> dt.datetime:
    """The fixed document time of a period's workbook: its last day, midnight."""
    return dt.datetime.combine(last_day(period), dt.time(0))


def workbook_bytes(rollup: Rollup) -> bytes:
    """The workbook as bytes that depend only on its content: openpyxl stamps the document
    properties and every zip entry with the current time, both replaced here."""
    wb = build_workbook(rollup)
    stamp = stamp_of(rollup.period)
    wb.properties.title = f"{rollup.province_name}科技扶贫监测 {rollup.title_month} 汇总"
    return stable_files.workbook_bytes(wb, stamp)
