"""The submission schema as the municipal offices read it: Chinese, one description per column.

The blank template (``techaid.documents.template``) and the office guide (``techaid.documents.office_guide``) both
describe every sheet and column; they take the description from here so they cannot disagree with
each other, nor with the files the pipeline itself reads: names, types, required cells and allowed
values come from ``sheets.yaml``, ranges and checks from ``quality.yaml``, severities from the rule
registry. Only what those files cannot say (stock or flow, what an empty cell means, each rule's
meaning in Chinese) comes from ``office_notes.yaml``, which is checked against them on load.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from techaid import config
from techaid.config import ColumnSpec, ConfigError, SheetSpec
from techaid.config.quality_rules import Check, quality, resolve_bound
from techaid.intake.normalize import required_columns
from techaid.intake.values import CODE_DIGITS
from techaid.periods import deadline_day

# How a column's type reads to an office filling the workbook in.
TYPE_ZH: dict[str, str] = {
    "code6": "6位代码",
    "code9": "9位代码",
    "code12": "12位代码",
    "code": "6、9或12位代码",
    "text": "文本",
    "id": "编号",
    "household_id": "户编号（16至19位数字）",
    "int": "整数",
    "decimal": "数字（可有小数）",
    "bool": "是/否（空白视为否）",
    "date": "日期（如 2018-06-05）",
    "enum": "选项",
    "id_list": "编号列表",
    "period": "年月（YYYY-MM）",
}
# Types whose cells must stay text in Excel: a code or id turned into a number loses leading
# zeros or, past 15 digits, its last digits.
TEXT_TYPES = frozenset(
    {"code6", "code9", "code12", "code", "text", "id", "household_id", "id_list"}
)
SEVERITY_ZH = {"fatal": "整份退回", "error": "该行隔离", "warning": "提示"}
KIND_ZH = {
    "snapshot": "全量表：每月填写截至月末的全部记录，未列出的记录视为已不存在或未覆盖",
    "month": "月度表：只填本月发生的记录",
}
TIMEZONE_ZH = {"Asia/Shanghai": "北京时间"}
CUMULATIVE_RULE = "dq.cumulative_decreased"  # the context check behind quality.history.cumulative


# ---------------------------------------------------------------- office_notes.yaml


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SheetNote(_Strict):
    note: str = ""
    columns: dict[str, str] = Field(default_factory=dict)


class OfficeNotes(_Strict):
    sheets: dict[str, SheetNote] = Field(default_factory=dict)
    rules: dict[str, str] = Field(default_factory=dict)


def load_notes(path: Path | None = None) -> OfficeNotes:
    """The Chinese notes; a missing file (a deployment's own config folder) means no notes, but a
    note naming a sheet, column or rule that does not exist is an error, so notes cannot go stale
    silently when the schema or the registry changes."""
    path = path or config.config_dir() / "office_notes.yaml"
    if not path.exists():
        return OfficeNotes()
    notes = config.validated(OfficeNotes, config.read_yaml(path) or {}, path)
    schema, rules = config.schema(), config.rules()
    for sheet, sheet_note in notes.sheets.items():
        known = _keys_of(sheet, schema)
        if known is None:
            raise ConfigError(path, f"sheets.{sheet}", sheet, "not a sheet of sheets.yaml")
        for column in sheet_note.columns:
            if column not in known:
                raise ConfigError(path, f"sheets.{sheet}.{column}", column, "not a column")
    for code in notes.rules:
        if code not in rules:
            raise ConfigError(path, f"rules.{code}", code, "not a rule of the registry")
    return notes


def _keys_of(sheet: str, schema: config.Schema) -> dict[str, ColumnSpec] | None:
    if sheet == "meta":
        return schema.meta.keys
    spec = schema.sheets.get(sheet)
    return spec.columns if spec else None


@functools.cache
def _cached_notes(directory: str) -> OfficeNotes:
    return load_notes(Path(directory) / "office_notes.yaml")


def notes() -> OfficeNotes:
    return _cached_notes(str(config.config_dir()))


def rule_meaning(code: str) -> str:
    """A rule's meaning in Chinese when noted, else the registry's own (English) meaning."""
    return notes().rules.get(code) or config.rules()[code].meaning


# ---------------------------------------------------------------- columns


@dataclass(frozen=True)
class ColumnText:
    """One column (or meta key) as described to the offices."""

    sheet: str
    name: str
    zh: str
    type: str
    type_zh: str
    required: bool  # the cell must be filled: sheets.yaml, or a not_null check of quality.yaml
    must_keep: bool  # the column must be present (may be empty unless required)
    choices: tuple[str, ...]  # Chinese labels of an enumeration
    low: float | int | None  # inclusive range from quality.yaml
    high: float | int | None
    checks: tuple[str, ...]  # derived: ranges, keys, quality checks, history
    note: str  # office_notes.yaml
    personal: bool

    @property
    def header(self) -> str:
        """The template's header cell: the Chinese name, ``*`` when the cell is required (intake
        strips the mark when matching headers)."""
        return f"{self.zh}*" if self.required else self.zh

    @property
    def text_format(self) -> bool:
        return self.type in TEXT_TYPES

    @property
    def range_zh(self) -> str:
        return range_text(self.low, self.high)

    @property
    def allowed_zh(self) -> str:
        """The allowed values: the Chinese labels of a choice, or the range of a number."""
        if self.choices:
            return "、".join(self.choices)
        return f"取值范围 {self.range_zh}" if self.range_zh else ""

    def remarks(self) -> str:
        """The note and what is checked, beyond type and allowed values (the guide's tables)."""
        return "；".join(p for p in (self.note, *self._rest()) if p)

    def description(self) -> str:
        """Everything about the column in one line (the template's header comments)."""
        allowed = ("可选：" if self.choices else "") + self.allowed_zh
        return "；".join(p for p in (self.note, allowed, *self._rest()) if p)

    def _rest(self) -> list[str]:
        rest = list(self.checks)
        if not self.must_keep:
            rest.append("整列可省略")
        if self.personal:
            rest.append("个人信息，对外输出时脱敏")
        return rest


def range_text(low: float | int | None, high: float | int | None) -> str:
    """'≥ 0', '0～20', '≤ 100' or '' (no range)."""
    if low is not None and high is not None:
        return f"{_num(low)}～{_num(high)}"
    if low is not None:
        return f"≥ {_num(low)}"
    if high is not None:
        return f"≤ {_num(high)}"
    return ""


def _num(x: float | int) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def submission_sheets() -> list[SheetSpec]:
    return list(config.schema().sheets.values())


def sheet_columns(sheet: str) -> list[ColumnText]:
    """Every column of a submission sheet, in schema order."""
    spec = config.schema().sheet(sheet)
    q = quality()
    not_null = {
        c
        for chk in q.checks.get(sheet, [])
        if chk.check == "not_null"
        for c in chk.columns or ()  # never None: a not_null check is refused without columns
    }
    keep = set(required_columns(spec))
    checks = _check_texts(spec)
    sheet_notes = notes().sheets.get(sheet, SheetNote())
    out = []
    for col in spec.column_list():
        rng = q.ranges.get(sheet, {}).get(col.name)
        out.append(
            _column_text(
                sheet,
                col,
                required=col.required or col.name in not_null,
                must_keep=col.name in keep,
                low=resolve_bound(rng.min) if rng else None,
                high=resolve_bound(rng.max) if rng else None,
                checks=tuple(checks.get(col.name, [])),
                note=sheet_notes.columns.get(col.name, ""),
            )
        )
    return out


def meta_columns() -> list[ColumnText]:
    """The keys of the meta sheet (基本信息), described like columns."""
    meta_notes = notes().sheets.get("meta", SheetNote())
    return [
        _column_text(
            "meta",
            col,
            required=col.required,
            must_keep=True,
            low=None,
            high=None,
            checks=(),
            note=meta_notes.columns.get(col.name, ""),
        )
        for col in config.schema().meta.keys.values()
    ]


def _column_text(sheet: str, col: ColumnSpec, **kw: Any) -> ColumnText:
    choices = tuple(config.schema().enums[col.enum].values()) if col.enum else ()
    return ColumnText(
        sheet=sheet,
        name=col.name,
        zh=col.zh,
        type=col.type,
        type_zh=TYPE_ZH[col.type],
        choices=choices,
        personal=col.personal,
        **kw,
    )


def sheet_note(sheet: str) -> str:
    return notes().sheets.get(sheet, SheetNote()).note


def sheet_summary(spec: SheetSpec) -> str:
    """必报/选报, full or monthly (an optional sheet is filled when there is something to
    report, so only a required one is explained as full or monthly), and what must be unique."""
    parts = ["必报", KIND_ZH[spec.kind]] if spec.required else ["选报"]
    if len(spec.key) > 1:
        names = "＋".join(spec.columns[k].zh for k in spec.key)
        rule = quality().keys.rule_for(spec.name, len(spec.key))
        parts.append(f"{names} 的组合在本表内不能重复（{rule}）")
    return "；".join(parts)


# ---------------------------------------------------------------- checks in Chinese


def _check_texts(spec: SheetSpec) -> dict[str, list[str]]:
    """Column -> what the data-quality rules check on it, in Chinese, each with its rule."""
    q = quality()
    out: dict[str, list[str]] = {}
    if len(spec.key) == 1:
        rule = q.keys.rule_for(spec.name, 1)
        out.setdefault(spec.key[0], []).append(f"本表内不能重复（{rule}）")
    for chk in q.checks.get(spec.name, []):
        if chk.check == "not_null":
            continue  # shown as required
        text = _check_text(chk, spec)
        if text and chk.column:
            out.setdefault(chk.column, []).append(f"{_when(chk, spec)}{text}（{chk.rule}）")
    if spec.name == "counties" and CUMULATIVE_RULE in config.rules():
        for column in q.history.cumulative:
            out.setdefault(column, []).append(f"累计数，不应比上月少（{CUMULATIVE_RULE}）")
    return out


def _check_text(chk: Check, spec: SheetSpec) -> str:
    if chk.check == "county":
        return "须为本市在报送月份有效的贫困县代码"
    if chk.check == "county_prefix":
        return "前6位须为本市在报送月份有效的贫困县代码"
    if chk.check == "known_village":
        return "须为本市贫困村名册中的村，或其前9位为本文件乡镇表中的乡镇"
    if chk.check == "prefix_agrees" and chk.parent:
        parent = spec.columns[chk.parent]
        digits = CODE_DIGITS.get(parent.type, (6,))[0]
        return f"前{digits}位须与本行{parent.zh}一致"
    if chk.check == "in_month":
        return "须在报送月份内"
    if chk.check == "not_before" and chk.other:
        return f"不得早于{spec.columns[chk.other].zh}"
    if chk.check == "regex":
        return "格式须正确"
    return ""


def _when(chk: Check, spec: SheetSpec) -> str:
    """'当帮扶对象类型为“村”时，' for a check applied to some rows only."""
    if not chk.when:
        return ""
    parts = []
    for column, value in chk.when.items():
        col = spec.columns[column]
        label = config.schema().enums[col.enum].get(value, value) if col.enum else value
        parts.append(f"{col.zh}为“{label}”")
    return f"当{'、'.join(parts)}时，"


# ---------------------------------------------------------------- the deadline


def deadline_of(period: str) -> dt.date:
    """The last day a month's file is on time (program.yaml: day and per-month overrides)."""
    d = config.program().deadline
    return deadline_day(period, d.day, d.overrides)


def timezone_zh() -> str:
    """'北京时间，Asia/Shanghai', or the zone's name alone when it has no Chinese name."""
    tz = config.program().program.timezone
    return f"{TIMEZONE_ZH[tz]}，{tz}" if tz in TIMEZONE_ZH else tz


def deadline_text(period: str) -> str:
    """'2018-07-05 23:59（北京时间，Asia/Shanghai）' for a period's deadline."""
    return f"{deadline_of(period).isoformat()} 23:59（{timezone_zh()}）"
