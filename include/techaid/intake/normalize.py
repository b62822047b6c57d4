"""From a raw grid of cells to a sheet in the schema's shape: header, columns, rows, values.

Offices fill the workbook in by hand, so the header is not always on row 1 (title rows above it),
columns come in any order with Chinese or English names, the last row may be a total, and blank
rows are common. This module finds the header, maps the columns to the schema's names, drops what
is not data, and parses every value (``techaid.intake.values``). Row numbers always stay the ones
the office sees in its own file, so a row error can be found and fixed there.

Which columns must be present: every column of the schema, except the few listed in
``OPTIONAL_COLUMNS`` (the contract calls only ``activities.village_code`` optional). A missing
yes/no or "empty = none" column would otherwise read as "no"/"none" for every row and silently
change the indicators, so a missing column refuses the file (``file.missing_column``). A missing
optional column is added empty.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from techaid import config
from techaid.config import ColumnSpec, SheetSpec
from techaid.findings import Finding, finding, refuse
from techaid.intake import values
from techaid.intake.model import ParsedSheet, RawSheet, RepairKey

# Columns a sheet may leave out (added empty); every other schema column must be present.
OPTIONAL_COLUMNS: dict[str, frozenset[str]] = {"activities": frozenset({"village_code"})}

TOTAL_RE = re.compile(r"^(?:合计|总计|小计)")
_HEADER_SPLIT_RE = re.compile(r"[()\[\]/|\s]+")
_HEADER_MARKS = "*:"  # "村代码*" (required mark), "村代码：" after half-width


# ---------------------------------------------------------------- headers


def header_key(value: Any) -> str:
    """A header cell as compared: half-width, no white space, no required-mark, lower case."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = str(value).translate(values.FULLWIDTH_TABLE)
    return re.sub(r"\s+", "", text).strip(_HEADER_MARKS).lower()


def _known_names(columns: dict[str, ColumnSpec]) -> dict[str, tuple[str, bool]]:
    """Header key -> (canonical column, given in Chinese), for English and Chinese names."""
    names = {header_key(c.zh): (name, True) for name, c in columns.items()}
    names.update({header_key(name): (name, False) for name in columns})
    return names


def match_header(value: Any, names: dict[str, tuple[str, bool]]) -> tuple[str, bool] | None:
    """The column a header cell names, trying the whole text first, then its parts.

    Parts cover bilingual headers such as "村代码(village_code)" or "村代码 / village_code";
    an English part wins, so bilingual headers are not counted as Chinese-header repairs.
    """
    key = header_key(value)
    if not key:
        return None
    if key in names:
        return names[key]
    text = str(value).translate(values.FULLWIDTH_TABLE)
    parts = [names[k] for k in map(header_key, _HEADER_SPLIT_RE.split(text)) if k in names]
    parts.sort(key=lambda hit: hit[1])  # English (False) first
    return parts[0] if parts else None


def find_header(cells: pd.DataFrame, names: dict[str, tuple[str, bool]], search_rows: int) -> int:
    """Grid index of the header: the row among the first ``search_rows`` naming most columns.

    Returns -1 when no row names any column. Ties go to the upper row.
    """
    best, best_hits = -1, 0
    for i in range(min(search_rows, len(cells))):
        hits = {m[0] for v in cells.iloc[i].tolist() if (m := match_header(v, names))}
        if len(hits) > best_hits:
            best, best_hits = i, len(hits)
    return best


def required_columns(spec: SheetSpec) -> list[str]:
    """The columns that must be present in the sheet (see the module docstring)."""
    optional = OPTIONAL_COLUMNS.get(spec.name, frozenset())
    return [name for name in spec.columns if name not in optional]


def _column_label(position: int) -> str:
    """How the office finds a column without a header: '第3列'."""
    return f"第{position + 1}列"


def map_columns(
    header: list[Any], data: pd.DataFrame, spec: SheetSpec
) -> tuple[dict[str, int], list[Finding]]:
    """Canonical column -> grid position, and warnings for unknown columns.

    A column without a header and without data (Excel's formatted-but-empty columns) is ignored
    silently; a repeated header keeps the first column and warns about the second.
    """
    names = _known_names(spec.columns)
    mapping: dict[str, int] = {}
    warnings: list[Finding] = []
    for pos, cell in enumerate(header):
        hit = match_header(cell, names)
        if hit is not None and hit[0] not in mapping:
            mapping[hit[0]] = pos
            continue
        if header_key(cell):
            label = str(cell).strip(values.WHITESPACE)
        elif values.blank_mask(data.iloc[:, pos]).all():
            continue
        else:
            label = f"{_column_label(pos)}（无表头）"
        warnings.append(finding("sheet.extra_column", sheet=spec.name, value=label))
    return mapping, warnings


# ---------------------------------------------------------------- rows


def _is_total_cell(value: Any) -> bool:
    return isinstance(value, str) and bool(TOTAL_RE.match(re.sub(r"\s+", "", value)))


def _total_row(data: pd.DataFrame, keep: np.ndarray, key_pos: int | None) -> int | None:
    """Grid position of a trailing total row: the last non-blank row whose key cell (or, when
    the office put the label in a leading extra column such as 序号, its first non-blank cell)
    holds 合计, 总计 or 小计."""
    kept = np.flatnonzero(keep)
    if not len(kept):
        return None
    last = int(kept[-1])
    row = data.iloc[last].tolist()
    first = next((v for v in row if not _blank(v)), None)
    key = row[key_pos] if key_pos is not None else None
    return last if _is_total_cell(key) or _is_total_cell(first) else None


def _blank(value: Any) -> bool:
    if isinstance(value, str):
        return not value.strip(values.WHITESPACE)
    return value is None or bool(pd.isna(value))


# ---------------------------------------------------------------- the sheet


def normalize_sheet(
    raw: RawSheet,
    spec: SheetSpec,
    *,
    enums: dict[str, dict[str, str]] | None = None,
    search_rows: int | None = None,
) -> tuple[ParsedSheet, list[Finding], Counter[RepairKey]]:
    """Header found, columns mapped, blank and total rows dropped, every value parsed.

    Returns the parsed sheet (canonical columns in schema order plus ``row_number``), the
    findings (row errors and extra-column warnings, in row order) and the repairs counted,
    keyed (sheet, column, kind) with column "" for sheet-level repairs. Raises ``FileRefused``
    when no header is found or a required column is missing.
    """
    enums = config.schema().enums if enums is None else enums
    search_rows = search_rows or config.program().limits.header_search_rows
    repairs: Counter[RepairKey] = Counter()
    grid = raw.cells
    h = find_header(grid, _known_names(spec.columns), search_rows)
    if h < 0:
        raise refuse("file.header_not_found", sheet=spec.name, detail=search_rows)
    data = grid.iloc[h + 1 :].reset_index(drop=True)
    mapping, findings = map_columns(grid.iloc[h].tolist(), data, spec)
    for name in required_columns(spec):
        if name not in mapping:
            raise refuse("file.missing_column", sheet=spec.name, column=name)
    if h:
        repairs[(spec.name, "", "title_rows")] += h

    cells = {name: values.classify(data.iloc[:, pos]) for name, pos in mapping.items()}
    keep = ~np.logical_and.reduce([c.blank for c in cells.values()]) if cells else np.zeros(0)
    keep = np.asarray(keep, dtype=bool)
    total = _total_row(data, keep, mapping.get(spec.key[0]))
    if total is not None:
        keep[total] = False
        repairs[(spec.name, "", "total_row")] += 1

    row_numbers = (raw.first_row_number + h + 1 + np.flatnonzero(keep)).astype(np.int64)
    frame, errors = _parse_columns(spec, cells, keep, enums, repairs)
    frame["row_number"] = row_numbers
    findings += _error_findings(spec, errors, row_numbers)
    return ParsedSheet(spec.name, frame), findings, repairs


def _parse_columns(
    spec: SheetSpec,
    cells: dict[str, values.Cells],
    keep: np.ndarray,
    enums: dict[str, dict[str, str]],
    repairs: Counter[RepairKey],
) -> tuple[pd.DataFrame, list[tuple[int, str, values.CellError]]]:
    """Every schema column parsed on the kept rows; absent optional columns parsed as empty."""
    n = int(keep.sum())
    columns: dict[str, pd.Series] = {}
    errors: list[tuple[int, str, values.CellError]] = []
    for order, (name, col) in enumerate(spec.columns.items()):
        if name in cells:
            result = values.parse_cells(cells[name].subset(keep), col, enums)
            for kind, count in result.repairs.items():
                repairs[(spec.name, name, kind)] += count
        else:
            result = values.parse_column(pd.Series([None] * n, dtype=object), col, enums)
        columns[name] = result.values.reset_index(drop=True)
        errors += [(order, name, e) for e in result.errors]
    errors.sort(key=lambda item: (item[2].position, item[0]))
    return pd.DataFrame(columns, index=pd.RangeIndex(n)), errors


def _error_findings(
    spec: SheetSpec, errors: list[tuple[int, str, values.CellError]], row_numbers: np.ndarray
) -> list[Finding]:
    return [
        finding(
            e.rule,
            sheet=spec.name,
            row=int(row_numbers[e.position]),
            column=name,
            value=e.value,
            detail=e.detail,
        )
        for _, name, e in errors
    ]


# ---------------------------------------------------------------- the meta sheet


def _meta_rows(cells: pd.DataFrame, keys: dict[str, ColumnSpec]) -> dict[str, Any]:
    """Key -> first non-blank value, from key/value rows (column A key, column B value).

    Rows whose column A is not a known key (a ``key,value`` header row, a title) are skipped.
    """
    names = _known_names(keys)
    found: dict[str, Any] = {}
    for row in cells.itertuples(index=False):
        hit = match_header(row[0], names) if len(row) else None
        value = row[1] if len(row) > 1 else None
        if hit and not _blank(value) and hit[0] not in found:
            found[hit[0]] = value
    return found


def _meta_value(
    value: Any, col: ColumnSpec, repairs: Counter[RepairKey]
) -> tuple[Any, values.CellError | None]:
    """One meta value parsed as its type; its repairs counted under the meta sheet."""
    if col.type == "period":
        period, kind = values.parse_period_value(value)
        if period and kind:
            repairs[("meta", col.name, kind)] += 1
        error = None if period else values.CellError(0, "parse.date", value)
        return period, error
    result = values.parse_column(pd.Series([value], dtype=object), col, {})
    for kind, count in result.repairs.items():
        repairs[("meta", col.name, kind)] += count
    return result.values.iloc[0], (result.errors[0] if result.errors else None)


def parse_meta(
    raw: RawSheet,
    file_city: str,
    file_period: str,
    repairs: Counter[RepairKey] | None = None,
) -> dict[str, Any]:
    """The meta sheet as {key: value} for every meta key (None when absent).

    city_code and period must be present and readable, else the file is refused
    (``file.meta_missing``); the message tells the office what the file name says, so it can
    fill the sheet in. Whether meta agrees with the file name is the file-level code's check.
    Repairs (e.g. ``meta_period_date``: Excel turned 2018-06 into 1 June 2018) are added to
    ``repairs`` when given, keyed ("meta", key, kind).
    """
    repairs = Counter() if repairs is None else repairs
    spec = config.schema().meta
    found = _meta_rows(raw.cells, spec.keys)
    expected = {"city_code": file_city, "period": file_period}
    meta: dict[str, Any] = {}
    for name, col in spec.keys.items():
        value, error = _meta_value(found.get(name), col, repairs) if name in found else (None, None)
        if col.required and (value is None or error is not None):
            raise refuse(
                "file.meta_missing",
                sheet="meta",
                column=name,
                detail=_meta_problem(found.get(name), expected.get(name)),
            )
        meta[name] = None if error is not None else value
    return meta


def _meta_problem(value: Any, from_name: str | None) -> str:
    """What the office reads after 'cannot read 市代码（city_code）'."""
    hint = f"（文件名中为 {from_name}）" if from_name else ""
    if value is None:
        return f"：未填写{hint}"
    return f"：{values.display_value(value)} 无法识别{hint}"
