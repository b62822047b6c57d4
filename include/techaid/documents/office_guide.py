"""The municipal offices' guide (``docs/office-guide.zh.md``, in Chinese), generated so it stays
true: the sheets and columns from ``sheets.yaml``, ranges and checks from ``quality.yaml``, the
deadline, limits and quarantine threshold from ``program.yaml``, every rule from the registry
(``rules*.yaml``) with an example of its message, the cities and counties from the hierarchy.

    python -m techaid.documents.office_guide            # write docs/office-guide.zh.md
    python -m techaid.documents.office_guide --check    # exit 1 when the committed guide is stale

The Markdown is laid out by ``include/templates/office_guide.md.j2``; only what no configuration
file holds is written here: the repairs intake makes silently (``REPAIRS``, checked against the
intake code by a test) and the email schedule of ``docs/outputs.md``.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

import jinja2

from techaid import config, paths
from techaid.documents import generated as generated_docs
from techaid.documents.office_schema import (
    SEVERITY_ZH,
    deadline_text,
    meta_columns,
    rule_meaning,
    sheet_columns,
    sheet_note,
    sheet_summary,
    timezone_zh,
)
from techaid.documents.rules_doc import example
from techaid.periods import first_day, last_day

DEFAULT_PATH = paths.DOCS_DIR / "office-guide.zh.md"
TEMPLATES = paths.TEMPLATES_DIR
TEMPLATE_NAME = "office_guide.md.j2"
COMMAND = "python -m techaid.documents.office_guide"
TEMPLATE_COMMAND = (
    "python -m techaid.documents.template --city 市代码 --period YYYY-MM --out 文件名.xlsx"
)

# Issues listed in a feedback email's body (the rest are in its workbook); the notice days come
# from program.yaml's `notices`, the calendar the daily run follows.
FEEDBACK_ISSUES_IN_BODY = 50

# Every repair intake makes and counts (the kinds of techaid.intake), as the office would have
# written the value: (what is tolerated, an example). A test fails when intake counts a kind that
# is not here, or when one here is no longer counted.
REPAIRS: dict[str, tuple[str, str]] = {
    "enum_case": ("选项的英文值大小写或空格不一", "Society → society"),
    "title_rows": (
        "表头上方有标题行（表头在前几行内即可，行号仍按原表计）",
        "第1行“2018年6月报表”",
    ),
    "total_row": ("最后一行是合计、总计或小计行：去掉，不作为数据", "合计"),
    "whitespace": ("单元格首尾有空格", "“ 李村 ” → “李村”"),
    "fullwidth": ("全角数字和字母", "１２ → 12"),  # noqa: RUF001 - the full-width example
    "code_number": ("代码被 Excel 存成了数字", "340422101201.0、3.40422101201E+11 → 340422101201"),
    "code_space": ("代码中间有空格", "340422 101201 → 340422101201"),
    "id_number": ("编号被 Excel 存成了数字", "1024.0 → 1024"),
    "text_prefix": ("为保持文本格式在代码、编号前加的撇号", "'340422101201 → 340422101201"),
    "thousands_separator": ("数字带千位分隔符", "1,234 → 1234"),
    "int_decimal": ("整数写成带 .0 的小数", "12.0 → 12"),
    "bool_text": ("是/否的其他写法", "有/无、Y/N、yes/no、true/false、1/0、√/×"),
    "blank_bool": ("是/否列空白：按“否”处理", "（空白）→ 否"),
    "date_format": ("日期的其他写法", "2018/6/5、2018年6月5日、20180605 → 2018-06-05"),
    "excel_serial_date": ("日期被存成 Excel 日期序号", "43256 → 2018-06-05"),
    "id_list_separator": ("多个专家编号用 ；，、 分隔或带多余空格", "E01、E02 → E01;E02"),
    "meta_period_date": ("报送月份被 Excel 变成了日期", "2018-06-01 → 2018-06"),
    "meta_period_format": ("报送月份的其他写法", "2018/6、2018年6月、201806 → 2018-06"),
    "encoding_utf8_bom": ("CSV 文件为带 BOM 的 UTF-8（Excel 的“CSV UTF-8”）", "—"),
    "encoding_gb18030": ("CSV 文件为 GBK/GB18030 编码（中文 Windows 的 Excel 默认）", "—"),
    "zip_name_gbk": ("压缩包内的中文文件名为 GBK 编码（中文 Windows 压缩软件）", "村.csv"),
    "zip_name_utf8_unflagged": ("压缩包内的文件名为未标记的 UTF-8（macOS 压缩）", "村.csv"),
    "zip_top_folder": ("压缩包内所有文件都在同一个文件夹里", "2018年6月/村.csv"),
}


# ---------------------------------------------------------------- the facts the guide states


def _limits() -> dict[str, Any]:
    limits = config.program().limits
    return {
        "max_file": _size(limits.max_file_bytes),
        "zip_members": limits.max_zip_members,
        "zip_expanded": _size(limits.max_zip_uncompressed_bytes),
        "zip_ratio": f"{limits.max_zip_ratio:g}",
        "header_rows": limits.header_search_rows,
    }


def _size(n: int) -> str:
    """Bytes as an office reads them: '200 MB', '2 GB'."""
    mib = n / (1024 * 1024)
    return f"{mib / 1024:g} GB" if mib >= 1024 and mib % 1024 == 0 else f"{mib:g} MB"


def _deadline() -> dict[str, Any]:
    d = config.program().deadline
    return {
        "day": d.day,
        "timezone": timezone_zh(),
        "overrides": [(p, deadline_text(p)) for p in sorted(d.overrides)],
    }


def _quarantine() -> dict[str, Any]:
    q = config.program().quarantine
    return {"max_share": f"{q.max_share * 100:g}%", "min_sheet_rows": q.min_sheet_rows}


def _cities() -> list[dict[str, Any]]:
    """Each city with its poverty counties valid at some point of the program (recodes dated)."""
    h, p = config.hierarchy(), config.program().program
    start, end = first_day(p.start), last_day(p.end)
    out = []
    for code in h.city_codes():
        units = [
            u
            for u in h.units
            if u.level == "county" and u.parent_code == code and u.valid_in(start, end)
        ]
        counties = [
            f"{u.name_zh} {u.code}{_validity(u, start, end)}" for u in sorted(units, key=_by_code)
        ]
        out.append({"code": code, "name": h.name(code), "counties": "、".join(counties)})
    return out


def _by_code(unit: config.Unit) -> str:
    return unit.code


def _validity(unit: config.Unit, start: dt.date, end: dt.date) -> str:
    """When a code is valid, if that changes within the program's months."""
    since = unit.valid_from if unit.valid_from and unit.valid_from > start else None
    until = unit.valid_to if unit.valid_to and unit.valid_to < end else None
    if since and until:
        return f"（{since} 至 {until}）"
    if since:
        return f"（{since} 起）"
    if until:
        return f"（至 {until}）"
    return ""


def _sheets() -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "zh": spec.zh,
            "required": spec.required,
            "kind": spec.kind,
            "summary": sheet_summary(spec),
            "note": sheet_note(name),
            "columns": sheet_columns(name),
        }
        for name, spec in config.schema().sheets.items()
    ]


def _optional_columns() -> list[str]:
    """Columns a sheet may leave out altogether (intake adds them empty)."""
    out: list[str] = []
    for name, spec in config.schema().sheets.items():
        out += [f"{spec.zh}的“{c.zh}”" for c in sheet_columns(name) if not c.must_keep]
    return out


def _rules() -> list[dict[str, str]]:
    return [
        {
            "code": code,
            "severity": SEVERITY_ZH[spec.severity],
            "meaning": rule_meaning(code),
            "example": example(code),
        }
        for code, spec in config.rules().items()
    ]


def context() -> dict[str, Any]:
    """Everything the guide template shows."""
    schema, program = config.schema(), config.program().program
    notices = config.program().notices
    cities = config.hierarchy().city_codes()
    example_city, example_period = cities[0], program.start
    return {
        "command": COMMAND,
        "template_command": TEMPLATE_COMMAND,
        "program": program,
        "example_city": example_city,
        "example_city_name": config.hierarchy().name(example_city),
        "example_period": example_period,
        "example_deadline": deadline_text(example_period),
        "limits": _limits(),
        "deadline": _deadline(),
        "quarantine": _quarantine(),
        "reminder_days": "和".join(f"前 {d} 天" for d in notices.reminder_days_before),
        "overdue_days": "、".join(map(str, notices.overdue_days_after)),
        "overdue_copies": "、".join(map(str, notices.copy_team_days_after)),
        "feedback_issues": FEEDBACK_ISSUES_IN_BODY,
        "meta_zh": schema.meta.zh,
        "meta_note": sheet_note("meta"),
        "meta": meta_columns(),
        "sheets": _sheets(),
        "optional_columns": _optional_columns(),
        "repairs": [(kind, *text) for kind, text in REPAIRS.items()],
        "severities": SEVERITY_ZH,
        "rules": _rules(),
        "cities": _cities(),
    }


# ---------------------------------------------------------------- rendering


def _cell(value: Any) -> str:
    """Text safe inside a Markdown table cell."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # Markdown, not HTML
    )
    env.filters["cell"] = _cell
    return env


def render() -> str:
    """The guide as it must read now (what the committed file is compared with)."""
    text = _environment().get_template(TEMPLATE_NAME).render(**context())
    return text.rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    description = (__doc__ or "").split("\n\n")[0]
    return generated_docs.main(render, DEFAULT_PATH, COMMAND, description, argv)


if __name__ == "__main__":
    sys.exit(main())
