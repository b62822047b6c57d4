"""The year's files: ``shortlist_<year>.xlsx`` for the provincial team and ``notice_<year>.html``,
the public notice (公示), both under the output root.

Both are written from the published ``shortlist`` rows, so they always say what the table says.
They depend only on those rows and the configuration: the workbook's document dates and zip
entry times are the notice's first day, never the clock, so re-running a year rewrites the same
bytes. Text goes into text cells only (a name starting with ``=`` stays text, never a formula);
no phone number is ever read, so none can be written.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from sqlalchemy.engine import Engine

from techaid import config, paths, stable_files
from techaid.recommend import eligibility
from techaid.recommend.rules import RecommendationRules, recommendation_rules
from techaid.recommend.score import MEASURE_ZH, MEASURES
from techaid.recommend.shortlist import RANKED, read
from techaid.warehouse.engine import make_engine

KIND_ZH = {"expert": "专家", "organization": "组织"}
FORMULA_START = ("=", "+", "-", "@")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters XML cannot hold

RANKED_HEADER = (
    "排名",
    "类别",
    "编号",
    "姓名/名称",
    "来源或类型、地区",
    "市",
    "县",
    "总分",
    *(MEASURE_ZH[m] for m in MEASURES),
    "备案日期",
    "公示开始",
    "公示结束",
)
EXCLUDED_HEADER = (
    "类别",
    "编号",
    "姓名/名称",
    "来源或类型、地区",
    "市",
    "未入选原因",
    "原因代码",
    "得分",
    "备案日期",
)


def xlsx_path(year: int, out_dir: Path | None = None) -> Path:
    return (out_dir or paths.output_root()) / f"shortlist_{year}.xlsx"


def html_path(year: int, out_dir: Path | None = None) -> Path:
    return (out_dir or paths.output_root()) / f"notice_{year}.html"


def notice_period(
    rows: Sequence[Mapping[str, Any]], year: int, run_date: dt.date, rules: RecommendationRules
) -> tuple[dt.date, dt.date]:
    """The period the published rows carry; without a ranked row, the one they would carry."""
    for r in rows:
        if r["status"] == RANKED and r["notice_start"] is not None:
            return r["notice_start"], r["notice_end"]
    start = rules.notice.start_for(year, run_date)
    return start, rules.notice.end_for(start)


def zh_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# ---------------------------------------------------------------- workbook


def _cell(ws: Any, value: Any, bold: bool = False) -> Any:
    """A cell value; any text is a text cell, whatever it starts with. Plain values where
    openpyxl writes them as they are (numbers, ordinary text): a cell object per value would
    make a province's excluded list several times slower."""
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        out: Any = value
    else:
        out = _ILLEGAL.sub("", value.isoformat() if isinstance(value, dt.date) else str(value))
        if out.startswith(FORMULA_START):  # openpyxl would store a leading "=" as a formula
            cell = WriteOnlyCell(ws, out)
            cell.data_type = "s"
            cell.quotePrefix = True
            out = cell
    if bold:
        cell = out if isinstance(out, Cell) else WriteOnlyCell(ws, out)
        cell.font = Font(bold=True)
        out = cell
    return out


def _sheet(wb: Workbook, title: str, header: Sequence[str], rows: list[list[Any]]) -> None:
    ws = wb.create_sheet(title)
    ws.freeze_panes = "A2"
    ws.append([_cell(ws, h, bold=True) for h in header])
    for row in rows:
        ws.append([_cell(ws, v) for v in row])


def _ranked_cells(r: Mapping[str, Any], names: Any) -> list[Any]:
    parts = json.loads(r["reasons"])
    return [
        r["rank"],
        KIND_ZH[r["subject_kind"]],
        r["subject_id"],
        r["display_name"],
        r["affiliation"],
        names(r["city_code"]),
        names(r["county_code"]),
        r["score"],
        *(parts.get(m, {}).get("measure") for m in MEASURES),
        r["filed_on"],
        r["notice_start"],
        r["notice_end"],
    ]


def _excluded_cells(r: Mapping[str, Any], names: Any) -> list[Any]:
    return [
        KIND_ZH[r["subject_kind"]],
        r["subject_id"],
        r["display_name"],
        r["affiliation"],
        names(r["city_code"]),
        eligibility.REASON_ZH.get(r["reasons"], r["reasons"]),
        r["reasons"],
        r["score"],
        r["filed_on"],
    ]


def _about(
    year: int, period: tuple[dt.date, dt.date], rules: RecommendationRules
) -> list[list[Any]]:
    w = rules.score.weights
    lines: list[list[Any]] = [
        ["年度", str(year)],
        ["公示期", f"{zh_date(period[0])}至{zh_date(period[1])}（共{rules.notice.days}天）"],
        ["推荐分数线（评估得分）", rules.score.threshold],
        ["专家推荐名额", rules.quotas.expert],
        ["组织推荐名额", rules.quotas.organization],
        ["每市专家上限", rules.city_cap.expert if rules.city_cap.expert is not None else "不限"],
        [
            "每市组织上限",
            rules.city_cap.organization if rules.city_cap.organization is not None else "不限",
        ],
        ["总分", "各项得分 = 权重 × 数值，相加为总分；同分先比备案日期（早者在前），再比编号"],
    ]
    lines += [[f"权重：{MEASURE_ZH[m]}", getattr(w, m)] for m in MEASURES]
    return lines


def workbook_bytes(
    rows: Sequence[Mapping[str, Any]],
    year: int,
    period: tuple[dt.date, dt.date],
    rules: RecommendationRules,
) -> bytes:
    """The shortlist workbook: ranked, excluded with reasons, and how it was decided."""
    names = config.hierarchy().name

    def name_of(code: str | None) -> str | None:
        return names(code) if code else None

    wb = Workbook(write_only=True)
    ranked = [_ranked_cells(r, name_of) for r in rows if r["status"] == RANKED]
    excluded = [_excluded_cells(r, name_of) for r in rows if r["status"] != RANKED]
    _sheet(wb, "拟推荐名单", RANKED_HEADER, ranked)
    _sheet(wb, "未入选及原因", EXCLUDED_HEADER, excluded)
    _sheet(wb, "说明", ("项目", "内容"), _about(year, period, rules))
    return stable_files.workbook_bytes(wb, dt.datetime.combine(period[0], dt.time()))


def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(paths.TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def notice_html(
    rows: Sequence[Mapping[str, Any]],
    year: int,
    period: tuple[dt.date, dt.date],
    rules: RecommendationRules,
) -> str:
    """The public notice: title, the period (first and last day both counted), each ranked
    candidate's name and affiliation, where to send objections, the issuer and date."""
    ranked = [r for r in rows if r["status"] == RANKED]
    return (
        _templates()
        .get_template("recommend/notice.html.j2")
        .render(
            title=rules.notice.title.format(year=year),
            year=year,
            start=zh_date(period[0]),
            end=zh_date(period[1]),
            days=(period[1] - period[0]).days + 1,
            experts=[r for r in ranked if r["subject_kind"] == "expert"],
            organizations=[r for r in ranked if r["subject_kind"] == "organization"],
            objections=rules.notice.objections,
            issuer=rules.notice.issuer,
            issued=zh_date(period[0]),
        )
    )


def write(
    engine: Engine | str,
    year: int,
    run_date: dt.date,
    out_dir: Path | None = None,
    rules: RecommendationRules | None = None,
) -> dict[str, Path]:
    """Write both files of ``year`` from its published rows; their paths by kind."""
    engine = make_engine(engine) if isinstance(engine, str) else engine
    rules = rules or recommendation_rules()
    rows = read(engine, year)
    period = notice_period(rows, year, run_date, rules)
    xlsx, html = xlsx_path(year, out_dir), html_path(year, out_dir)
    stable_files.write_atomic(xlsx, workbook_bytes(rows, year, period, rules))
    stable_files.write_atomic(html, notice_html(rows, year, period, rules).encode("utf-8"))
    return {"xlsx": xlsx, "html": html}
