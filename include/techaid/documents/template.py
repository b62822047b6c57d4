"""The blank submission workbook the offices fill in, written from the schema the pipeline reads.

    python -m techaid.documents.template --city 341600 --period 2018-06 --out 341600_2018-06.xlsx

Sheets, headers, types and allowed values come from ``sheets.yaml``, ranges from ``quality.yaml``
(through ``techaid.documents.office_schema``), so the template cannot drift from what intake accepts: a
template filled in correctly is read with no repair beyond mapping its Chinese headers and labels.

What it does to keep Excel from damaging the data: code and id columns are formatted as text
(Excel would drop leading zeros and, past 15 digits, the end of an 18-digit household id), choices
and yes/no are dropdowns of the Chinese labels, numbers and dates have validation. The counties
sheet is pre-filled with the city's poverty counties valid in the month (names as cell comments,
since an extra column would be warned about). Without ``--period`` the period cell is left for the
office and the counties are those valid in the latest month of the program up to now.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import unicodedata
from pathlib import Path
from typing import Literal

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from techaid import config
from techaid.config import Unit
from techaid.config.quality_rules import quality
from techaid.documents.office_schema import (
    ColumnText,
    deadline_text,
    meta_columns,
    sheet_columns,
    sheet_note,
    sheet_summary,
    timezone_zh,
)
from techaid.intake.values import CODE_DIGITS, EXCEL_EPOCH, EXCEL_SERIAL_RANGE
from techaid.periods import PERIOD_RE, first_day, last_day, previous_period_local

INSTRUCTIONS = "填表说明"
CHOICES_SHEET = "_选项"  # hidden; only used when a dropdown list is too long to write inline
GUIDE = "docs/office-guide.zh.md"
LAST_ROW = 1_048_576  # Excel's last row: validations cover every row the office may fill
INLINE_LIST_MAX = 255  # Excel's limit on an inline list ("a,b,c") of a data validation
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
COMMENT_AUTHOR = "省科协"
LEVEL_ZH = {"national": "国家级贫困县", "provincial": "省级贫困县"}

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_FONT = Font(bold=True)
REQUIRED_FONT = Font(bold=True, color="C00000")
TITLE_FONT = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")
# Column widths by type (characters); a header wider than this widens its column.
TYPE_WIDTH = {
    "household_id": 22,
    "code12": 15,
    "code9": 12,
    "code6": 10,
    "code": 15,
    "id": 16,
    "id_list": 28,
    "date": 12,
    "text": 20,
    "int": 10,
    "decimal": 12,
    "bool": 8,
    "enum": 14,
}
MAX_WIDTH = 40


# ---------------------------------------------------------------- entry points


def build_template(city: str, period: str | None = None) -> Workbook:
    """The blank workbook for ``city`` (and ``period``, when known)."""
    _check_arguments(city, period)
    counties_period = period or default_counties_period()
    counties = counties_of(city, counties_period)
    wb = Workbook()
    first = wb.active
    assert isinstance(first, Worksheet), "a new workbook opens on one worksheet"
    _instructions(first, city, period, counties_period)
    _meta(wb.create_sheet(config.schema().meta.zh), city, period)
    for name, spec in config.schema().sheets.items():
        ws = wb.create_sheet(spec.zh)
        _data_sheet(ws, sheet_columns(name), period)
        if name == "counties":
            _prefill_counties(ws, counties)
    wb.active = 0
    wb.properties.creator = COMMENT_AUTHOR
    wb.properties.title = f"{city}_{period or 'YYYY-MM'} 月度报送表"
    return wb


def write_template(path: Path | str, city: str, period: str | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    build_template(city, period).save(path)
    return path


def counties_of(city: str, period: str) -> list[Unit]:
    """The city's poverty counties valid in the month, by code (the rows the office must fill)."""
    return sorted(config.hierarchy().counties_of(city, period), key=lambda u: u.code)


def default_counties_period(now: dt.datetime | None = None) -> str:
    """Without a period: the month before now, kept within the program's months, so the
    counties pre-filled are the current ones (a later recode would otherwise be missed)."""
    settings = config.program().program
    latest = previous_period_local(now or dt.datetime.now(dt.UTC), settings.timezone)
    return min(max(latest, settings.start), settings.end)


def _check_arguments(city: str, period: str | None) -> None:
    if city not in config.hierarchy().city_codes():
        raise ValueError(f"{city!r} is not a city of the hierarchy")
    if period is not None:
        if not PERIOD_RE.match(period):
            raise ValueError(f"period {period!r} is not YYYY-MM")
        if period < config.program().program.start:
            raise ValueError(f"period {period} is before the program start")


# ---------------------------------------------------------------- the instructions sheet


def _instructions(ws: Worksheet, city: str, period: str | None, counties_period: str) -> None:
    """What an office needs without opening the guide: the file name, the deadline, the rules of
    filling in, and what each sheet holds."""
    ws.title = INSTRUCTIONS
    h = config.hierarchy()
    file_period = period or "YYYY-MM"
    ws.append(["科技助力精准扶贫工程 月度数据报送表"])
    ws["A1"].font = TITLE_FONT
    ws.append(["市", f"{h.name(city)}（{city}）"])
    ws.append(["报送月份", period or "请在“基本信息”表中填写报送月份（格式 YYYY-MM，如 2018-06）"])
    ws.append(["截止时间", _deadline_line(period)])
    ws.append(
        ["文件名", f"{city}_{file_period}.xlsx；更正时可加说明，如 {city}_{file_period}_更正.xlsx"]
    )
    ws.append([])
    ws.append(["填写要求"])
    ws.cell(ws.max_row, 1).font = HEADER_FONT
    for line in _rules_of_filling(counties_period):
        ws.append(["", line])
    ws.append([])
    ws.append(["工作表", "说明"])
    for cell in ws[ws.max_row]:
        cell.font = HEADER_FONT
    ws.append([config.schema().meta.zh, sheet_note("meta")])
    for name, spec in config.schema().sheets.items():
        ws.append([spec.zh, "；".join(p for p in (sheet_summary(spec), sheet_note(name)) if p)])
    ws.append([])
    ws.append(["", f"详细说明见《月度数据填报指南》（{GUIDE}）。"])
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 110
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = WRAP
            cell.number_format = TEXT_FORMAT


def _deadline_line(period: str | None) -> str:
    if period:
        return deadline_text(period)
    d = config.program().deadline
    return (
        f"每月报送上月数据，截止时间为次月{d.day}日 23:59（{timezone_zh()}）；"
        "个别月份顺延，见填报指南"
    )


def _rules_of_filling(counties_period: str) -> list[str]:
    return [
        "不要修改工作表名称和表头，不要增加列（多余的列会被忽略并提示）；列的顺序可以调整。",
        "表头带 * 的列必须填写，否则该行会被隔离；是/否列空白视为“否”。",
        "代码和编号列已设为文本格式，请勿改成数字格式：户编号变成数字后无法还原，该行会被隔离。",
        "选项列和是/否列请从下拉列表中选择；日期填写如 2018-06-05。",
        "把鼠标停在表头上可以看到该列的说明（类型、可选值、取值范围和检查规则）。",
        f"“县级指标”表已按 {counties_period} 的行政区划预填本市贫困县代码（县名见单元格批注），"
        "请勿删除或重复；如报送月份的县代码与此不同，请按报送月份有效的代码填写。",
        "从其他表格粘贴数据时请使用“选择性粘贴—数值”，以免覆盖文本格式和下拉列表。",
    ]


# ---------------------------------------------------------------- the meta sheet


def _meta(ws: Worksheet, city: str, period: str | None) -> None:
    """Key/value rows: column A the key's Chinese name (intake matches it), B the value, C a
    note (intake reads columns A and B only). Row 1 is a caption intake skips."""
    ws.append(["项目", "填写内容", "说明"])
    for cell in ws[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    prefill = {"city_code": city, "period": period}
    for info in meta_columns():
        ws.append([info.header, prefill.get(info.name), info.description()])
        row = ws.max_row
        ws.cell(row, 1).font = REQUIRED_FONT if info.required else HEADER_FONT
        value = ws.cell(row, 2)
        value.number_format = DATE_FORMAT if info.type == "date" else TEXT_FORMAT
        if info.type == "date":
            _add_validation(ws, _date_validation(info, None), value.coordinate)
        ws.cell(row, 3).alignment = WRAP
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 24
    ws.column_dimensions["C"].width = 70
    ws.freeze_panes = "A2"


# ---------------------------------------------------------------- data sheets


def _data_sheet(ws: Worksheet, columns: list[ColumnText], period: str | None) -> None:
    """Header row (Chinese names, required marked), column formats, widths and validations."""
    in_month = _in_month_columns(columns[0].sheet) if columns else set()
    for i, info in enumerate(columns, start=1):
        letter = get_column_letter(i)
        cell = ws.cell(1, i, info.header)
        cell.font = REQUIRED_FONT if info.required else HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.comment = _comment(info)
        dim = ws.column_dimensions[letter]
        dim.width = _width(info)
        dim.number_format = _number_format(info)
        validation = _validation(ws, info, period if info.name in in_month else None)
        if validation is not None:
            _add_validation(ws, validation, f"{letter}2:{letter}{LAST_ROW}")
    ws.freeze_panes = "A2"


def _in_month_columns(sheet: str) -> set[str]:
    """Date columns quality.yaml requires inside the reporting month (their validation is the
    month itself when the template is for a known period)."""
    return {c.column for c in quality().checks.get(sheet, []) if c.check == "in_month" and c.column}


def _prefill_counties(ws: Worksheet, counties: list[Unit]) -> None:
    """One row per county valid in the month, its code as text and its name as a comment."""
    for row, unit in enumerate(counties, start=2):
        cell = ws.cell(row, 1, unit.code)
        cell.number_format = TEXT_FORMAT
        level = LEVEL_ZH.get(unit.poverty_level or "", "")
        cell.comment = Comment(f"{unit.name_zh}{('，' + level) if level else ''}", COMMENT_AUTHOR)


def _comment(info: ColumnText) -> Comment:
    lines = [
        f"{info.zh}（{info.name}）",
        f"类型：{info.type_zh}",
        "必填" if info.required else "可不填",
    ]
    if info.description():
        lines.append(info.description())
    comment = Comment("\n".join(lines), COMMENT_AUTHOR)
    comment.width, comment.height = 320, 160
    return comment


def _width(info: ColumnText) -> float:
    """Wide enough for the header and for a typical value of the type."""
    base = TYPE_WIDTH.get(info.type, 14)
    if info.choices:
        base = max(base, max(_display_width(c) for c in info.choices) + 4)
    return min(MAX_WIDTH, max(base, _display_width(info.header) + 2))


def _display_width(text: str) -> int:
    """Characters as Excel lays them out: Chinese (wide) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _number_format(info: ColumnText) -> str:
    if info.text_format or info.type in ("enum", "bool"):
        return TEXT_FORMAT
    return {"int": "0", "date": DATE_FORMAT}.get(info.type, "General")


# ---------------------------------------------------------------- validations


def _add_validation(ws: Worksheet, dv: DataValidation | None, ref: str) -> None:
    if dv is not None:
        dv.add(ref)
        ws.add_data_validation(dv)


def _validation(ws: Worksheet, info: ColumnText, month: str | None) -> DataValidation | None:
    """The data validation of a column, or None for free text."""
    if info.choices:
        return _list_validation(ws, info, list(info.choices))
    if info.type == "bool":
        return _list_validation(ws, info, ["是", "否"])
    if info.type in ("int", "decimal"):
        return _number_validation(info)
    if info.type == "date":
        return _date_validation(info, month)
    if info.type == "household_id":
        return _length_validation(info, "between", 16, 19, "16至19位数字")
    if info.type in CODE_DIGITS and info.type != "code":
        (digits,) = CODE_DIGITS[info.type]
        return _length_validation(info, "equal", digits, None, f"{digits}位数字")
    if info.type == "code":
        return _code_any_validation(info)
    return None


def _messages(dv: DataValidation, info: ColumnText, expected: str) -> DataValidation:
    dv.error = f"{info.zh}应为：{expected}"[:255]
    dv.errorTitle = "输入有误"
    dv.prompt = f"{info.type_zh}；{expected}"[:255]
    dv.promptTitle = info.zh[:32]
    dv.showErrorMessage = True
    dv.showInputMessage = True
    return dv


def _list_validation(ws: Worksheet, info: ColumnText, labels: list[str]) -> DataValidation:
    """A dropdown of the Chinese labels; a list too long for Excel's inline form goes on a
    hidden sheet instead."""
    inline = ",".join(labels)
    if len(inline) + 2 <= INLINE_LIST_MAX and not any(c in inline for c in '"'):
        formula = f'"{inline}"'
    else:
        formula = _choices_range(ws, labels)
    dv = DataValidation(type="list", formula1=formula, allow_blank=True)
    return _messages(dv, info, "从下拉列表中选择：" + "、".join(labels))


def _choices_range(ws: Worksheet, labels: list[str]) -> str:
    wb = ws.parent
    assert wb is not None, "a sheet made by create_sheet belongs to its workbook"
    if CHOICES_SHEET in wb.sheetnames:
        sheet = wb[CHOICES_SHEET]
    else:
        sheet = wb.create_sheet(CHOICES_SHEET)
        sheet.sheet_state = "hidden"
    col = sheet.max_column + 1 if sheet.max_row > 1 or sheet["A1"].value else 1
    for row, label in enumerate(labels, start=1):
        sheet.cell(row, col, label).number_format = TEXT_FORMAT
    letter = get_column_letter(col)
    return f"{quote_sheetname(CHOICES_SHEET)}!${letter}$1:${letter}${len(labels)}"


def _number_validation(info: ColumnText) -> DataValidation:
    kind: Literal["whole", "decimal"] = "whole" if info.type == "int" else "decimal"
    what = "整数" if kind == "whole" else "数字"
    low, high = info.low, info.high
    if low is not None and high is not None:
        dv = DataValidation(type=kind, operator="between", formula1=str(low), formula2=str(high))
    elif low is not None:
        dv = DataValidation(type=kind, operator="greaterThanOrEqual", formula1=str(low))
    elif high is not None:
        dv = DataValidation(type=kind, operator="lessThanOrEqual", formula1=str(high))
    else:
        dv = DataValidation(type=kind, operator="between", formula1="-1E+15", formula2="1E+15")
    dv.allow_blank = True
    return _messages(dv, info, f"{what}{('，' + info.range_zh) if info.range_zh else ''}")


def _date_validation(info: ColumnText, month: str | None) -> DataValidation:
    """A date; inside the reporting month when the column must be and the month is known."""
    if month:
        low, high = first_day(month), last_day(month)
        expected = f"{low.isoformat()} 至 {high.isoformat()} 之间的日期"
    else:
        low, high = (_serial_date(n) for n in EXCEL_SERIAL_RANGE)
        expected = "日期，如 2018-06-05"
    dv = DataValidation(
        type="date", operator="between", formula1=_date_formula(low), formula2=_date_formula(high)
    )
    dv.allow_blank = True
    return _messages(dv, info, expected)


def _serial_date(serial: int) -> dt.date:
    """An Excel serial day number as a date (the range intake reads serial numbers in)."""
    return (EXCEL_EPOCH + serial).item()


def _date_formula(day: dt.date) -> str:
    return f"DATE({day.year},{day.month},{day.day})"


def _length_validation(
    info: ColumnText,
    operator: Literal["between", "equal"],
    low: int,
    high: int | None,
    expected: str,
) -> DataValidation:
    dv = DataValidation(
        type="textLength",
        operator=operator,
        formula1=str(low),
        formula2=None if high is None else str(high),
        allow_blank=True,
    )
    return _messages(dv, info, expected)


def _code_any_validation(info: ColumnText) -> DataValidation:
    """Codes of any level (6, 9 or 12 digits): a formula on the column's first data cell,
    which Excel shifts for every other row of the range."""
    cell = f"{get_column_letter(_column_index(info))}2"
    lengths = ",".join(f"LEN({cell})={d}" for d in CODE_DIGITS["code"])
    dv = DataValidation(type="custom", formula1=f"OR({lengths})", allow_blank=True)
    digits = "、".join(str(d) for d in CODE_DIGITS["code"])
    return _messages(dv, info, f"{digits}位数字")


def _column_index(info: ColumnText) -> int:
    return list(config.schema().sheet(info.sheet).columns).index(info.name) + 1


# ---------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m techaid.documents.template",
        description="Write the blank monthly submission workbook of a city.",
    )
    parser.add_argument("--city", required=True, help="6-digit city code, e.g. 341600")
    parser.add_argument("--period", help="YYYY-MM; omitted: the office fills the period in")
    parser.add_argument("--out", type=Path, help="default: <city>_<period>.xlsx")
    args = parser.parse_args(argv)
    out = args.out or Path(f"{args.city}_{args.period or 'YYYY-MM'}.xlsx")
    try:
        path = write_template(out, args.city, args.period)
    except ValueError as exc:
        parser.error(str(exc))
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
