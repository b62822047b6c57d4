"""The contract's "Repair silently" cases (and the extra-column warning), one planter each.

Each planter changes a clean cell into what an office's Excel or export would have made of it,
keeping its meaning (a code as a number, full-width digits, a boolean in words, a date in another
format), or changes the file's layout (title rows, a total row, English headers, zip codecs and
member names). The pipeline must read the same data back and count the repair.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd

from techaid import config
from techaid.periods import first_day
from techaid_dev.synthetic.messy import FileCtx, Pending, Planter, Spec

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
EXCEL_EPOCH = dt.date(1899, 12, 30)


def _code_number(ctx: FileCtx) -> list[Pending] | None:
    i = ctx.pick("villages", column="village_code")
    if i is None:
        return None
    code = ctx.tables["villages"].get(i, "village_code")
    value: Any = float(code) if ctx.fmt == "xlsx" else f"{code}.0"
    return [ctx.cell("repair.code_number", "repair", "villages", i, "village_code", value)]


def _code_sci(ctx: FileCtx) -> list[Pending] | None:
    i = ctx.pick("villages", column="village_code")
    if i is None:
        return None
    code = ctx.tables["villages"].get(i, "village_code")
    value = f"{int(code):.{len(code) - 1}E}"  # all digits kept: 3.40422101201E+11
    return [ctx.cell("repair.code_sci", "repair", "villages", i, "village_code", value)]


def _code_spaces(ctx: FileCtx) -> list[Pending] | None:
    i = ctx.pick("townships", column="township_code")
    if i is None:
        return None
    code = ctx.tables["townships"].get(i, "township_code")
    return [
        ctx.cell(
            "repair.code_spaces",
            "repair",
            "townships",
            i,
            "township_code",
            f"{code[:6]} {code[6:]}",
        )
    ]


def _fullwidth_code(ctx: FileCtx) -> list[Pending] | None:
    i = ctx.pick("counties", column="county_code")
    if i is None:
        return None
    code = ctx.tables["counties"].get(i, "county_code")
    return [
        ctx.cell(
            "repair.fullwidth_digits",
            "repair",
            "counties",
            i,
            "county_code",
            code.translate(FULLWIDTH),
        )
    ]


def _fullwidth_int(ctx: FileCtx) -> list[Pending] | None:
    i = ctx.pick_cell("villages", "business_entities", lambda v: isinstance(v, int))
    if i is None:
        return None
    v = str(ctx.tables["villages"].get(i, "business_entities")).translate(FULLWIDTH)
    return [ctx.cell("repair.fullwidth_digits", "repair", "villages", i, "business_entities", v)]


def _thousands(ctx: FileCtx) -> list[Pending] | None:
    i = ctx.pick_cell("counties", "youth_participants", lambda v: isinstance(v, int) and v >= 1000)
    if i is None:
        return None
    v = f"{ctx.tables['counties'].get(i, 'youth_participants'):,}"
    return [
        ctx.cell("repair.thousands_separator", "repair", "counties", i, "youth_participants", v)
    ]


BOOL_CELLS = (
    ("villages", "service_covered"),
    ("villages", "e_station"),
    ("villages", "one_product"),
    ("townships", "industry_base"),
    ("townships", "federation"),
)


def _bool_text(label: str, truth: bool, xlsx_value: Any) -> Planter:
    """A boolean written as one of the office's other words (not the template's 是/否, which is
    the clean form in CSV and no repair in a workbook either)."""

    def plant(ctx: FileCtx) -> list[Pending] | None:
        for k in ctx.r.permutation(len(BOOL_CELLS)).tolist():
            sheet, col = BOOL_CELLS[k]
            i = ctx.pick_cell(sheet, col, lambda v: v is truth)
            if i is not None:
                value = xlsx_value if ctx.fmt == "xlsx" else label
                return [
                    ctx.cell(
                        "repair.bool_text",
                        "repair",
                        sheet,
                        i,
                        col,
                        value,
                        note=f"{label} = {truth}",
                    )
                ]
        return None

    return plant


BOOL_WORDS = (
    ("有", True, "有"),
    ("无", False, "无"),
    ("Y", True, "Y"),
    ("N", False, "N"),
    ("yes", True, "yes"),
    ("no", False, "no"),
    ("true", True, "true"),
    ("false", False, "false"),
    ("1", True, 1),
    ("0", False, 0),
    ("√", True, "√"),
    ("×", False, "×"),
)


def _date_text(
    case: str, sheet: str, column: str, render: Callable[[dt.date, str], Any]
) -> Planter:
    def plant(ctx: FileCtx) -> list[Pending] | None:
        i = ctx.pick_cell(sheet, column, lambda v: isinstance(v, dt.date))
        if i is None:
            return None
        value = render(ctx.tables[sheet].get(i, column), ctx.fmt)
        return [ctx.cell(case, "repair", sheet, i, column, value)]

    return plant


def _serial(d: dt.date, fmt: str) -> Any:
    n = (d - EXCEL_EPOCH).days
    return n if fmt == "xlsx" else str(n)


def _whitespace(ctx: FileCtx) -> list[Pending] | None:
    i = ctx.pick("experts", column="source")
    if i is None:
        return None
    v = ctx.tables["experts"].get(i, "source")
    return [ctx.cell("repair.whitespace", "repair", "experts", i, "source", f"  {v} ")]


def _total_row(ctx: FileCtx) -> list[Pending] | None:
    t = ctx.tables["villages"]
    if t.footer_rows or not len(t.frame):
        return None
    sums = {
        c: int(pd.to_numeric(t.frame[c], errors="coerce").fillna(0).sum())
        for c in ("associations", "business_entities")
    }
    t.footer_rows.append([("合计" if c == "village_code" else sums.get(c)) for c in t.columns])
    return [Pending("repair.total_row", "repair", "villages", "footer", 0, "village_code", "合计")]


def _title_rows(ctx: FileCtx) -> list[Pending] | None:
    t = ctx.tables["experts"]
    if t.title_rows:
        return None
    title = f"安徽省科技助力精准扶贫工程 科技专家名册（{ctx.view.period}）"
    t.title_rows = [[title], [f"填报单位：{ctx.view.world.name}科协", None, None, "单位：人"]]
    return [
        Pending(
            "repair.title_rows",
            "repair",
            "experts",
            "title",
            0,
            None,
            title,
            note="2 title rows above the header",
        )
    ]


def _blank_bool(ctx: FileCtx) -> list[Pending] | None:
    i = ctx.pick_cell("villages", "e_station", lambda v: v is False)
    if i is None:
        return None
    return [
        ctx.cell("repair.blank_bool", "repair", "villages", i, "e_station", None, note="was no")
    ]


def _english_headers(ctx: FileCtx) -> list[Pending] | None:
    t = ctx.tables["organizations"]
    if t.headers == t.columns:
        return None
    t.headers = list(t.columns)
    return [
        Pending(
            "repair.english_headers",
            "repair",
            "organizations",
            "header",
            note="canonical English header",
        )
    ]


def _expert_ids(sep: str) -> Planter:
    def plant(ctx: FileCtx) -> list[Pending] | None:
        i = ctx.pick_cell("activities", "expert_ids", lambda v: isinstance(v, str) and ";" in v)
        if i is None:
            return None
        v = ctx.tables["activities"].get(i, "expert_ids").replace(";", sep)
        return [ctx.cell("repair.expert_ids_separator", "repair", "activities", i, "expert_ids", v)]

    return plant


def _meta_period_date(ctx: FileCtx) -> list[Pending] | None:
    t = ctx.tables["meta"]
    i = list(t.frame["key"]).index(config.schema().meta.keys["period"].zh)
    value = first_day(ctx.view.period)
    return [ctx.cell("repair.meta_period_date", "repair", "meta", i, "value", value)]


def _encoding(sheet: str, codec: str, case: str) -> Planter:
    def plant(ctx: FileCtx) -> list[Pending] | None:
        if sheet in ctx.layout.encodings:
            return None
        ctx.layout.encodings[sheet] = codec
        return [Pending(case, "repair", sheet, "file", note=f"member encoded {codec}")]

    return plant


def _gbk_names(ctx: FileCtx) -> list[Pending] | None:
    if ctx.layout.gbk_names:
        return None
    ctx.layout.gbk_names = True
    schema = config.schema()
    ctx.layout.sheet_names = {
        s: (schema.meta.zh if s == "meta" else schema.sheet(s).zh) for s in ctx.layout.sheet_names
    }
    return [
        Pending(
            "repair.zip_gbk_names",
            "repair",
            None,
            "file",
            note="member names in GBK, no UTF-8 flag",
        )
    ]


def _top_folder(ctx: FileCtx) -> list[Pending] | None:
    if ctx.layout.top_folder:
        return None
    ctx.layout.top_folder = f"{ctx.city}_{ctx.view.period}"
    return [
        Pending(
            "repair.zip_top_folder",
            "repair",
            None,
            "file",
            note=f"members under {ctx.layout.top_folder}/",
        )
    ]


def _extra_column(ctx: FileCtx) -> list[Pending] | None:
    t = ctx.tables["townships"]
    if "remark" in t.columns or t.headers is None:
        return None
    t.frame["remark"] = pd.Series(
        ["已核实" if k % 3 == 0 else None for k in range(len(t.frame))], dtype=object
    )
    t.headers = [*t.headers, "备注"]
    return [
        Pending(
            "warn.extra_column",
            "warning",
            "townships",
            "header",
            column="remark",
            value="备注",
            rule="sheet.extra_column",
        )
    ]


def _slash(d: dt.date, fmt: str) -> str:
    return f"{d.year}/{d.month}/{d.day}"


def _chinese(d: dt.date, fmt: str) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _compact(d: dt.date, fmt: str) -> str:
    return d.strftime("%Y%m%d")


def _repair(case: str, planter: Planter, container: str | None = None) -> Spec:
    return Spec(case, "repair", planter, container)


SPECS: tuple[Spec, ...] = (
    _repair("repair.code_number", _code_number),
    _repair("repair.code_sci", _code_sci),
    _repair("repair.code_spaces", _code_spaces),
    _repair("repair.fullwidth_digits", _fullwidth_code),
    _repair("repair.fullwidth_digits", _fullwidth_int),
    _repair("repair.thousands_separator", _thousands),
    *(_repair("repair.bool_text", _bool_text(*w)) for w in BOOL_WORDS),
    _repair(
        "repair.date_slash", _date_text("repair.date_slash", "agreements", "signed_on", _slash)
    ),
    _repair(
        "repair.date_chinese",
        _date_text("repair.date_chinese", "experts", "registered_on", _chinese),
    ),
    _repair(
        "repair.date_compact",
        _date_text("repair.date_compact", "organizations", "registered_on", _compact),
    ),
    _repair(
        "repair.date_serial", _date_text("repair.date_serial", "agreements", "start_on", _serial)
    ),
    _repair("repair.whitespace", _whitespace),
    _repair("repair.total_row", _total_row),
    _repair("repair.title_rows", _title_rows),
    _repair("repair.blank_bool", _blank_bool),
    _repair("repair.english_headers", _english_headers),
    *(_repair("repair.expert_ids_separator", _expert_ids(sep)) for sep in ("；", ",", "、")),
    _repair("repair.meta_period_date", _meta_period_date, "xlsx"),
    _repair("repair.csv_gb18030", _encoding("villages", "gb18030", "repair.csv_gb18030"), "zip"),
    _repair("repair.csv_utf8_bom", _encoding("experts", "utf-8-sig", "repair.csv_utf8_bom"), "zip"),
    _repair("repair.zip_gbk_names", _gbk_names, "zip"),
    _repair("repair.zip_top_folder", _top_folder, "zip"),
    Spec("warn.extra_column", "warning", _extra_column),
)
