"""Writing tables as the offices' files: an xlsx workbook, or a zip of CSV members.

Output is byte-for-byte reproducible: zip entries carry the file's received time instead of
"now", and the workbook's document properties are pinned to it too (openpyxl stamps the save
time), so regenerating a landing area yields the same SHA-256 versions the pipeline already holds.
Workbooks are written in openpyxl's write-only mode and CSV through pandas, so a scale-1.0 month
(about 1.9 million household rows) writes in seconds.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from openpyxl import Workbook

from techaid_dev.synthetic.tables import Table

Format = Literal["xlsx", "zip"]
XLSX_MAX_ROWS = 1_048_576
BIG_MEMBER = 8 * 1024 * 1024  # compress members above this faster (level 1)


@dataclass
class Layout:
    """How a file is packaged: sheet (or member) names, and the zip's quirks."""

    fmt: Format
    sheet_names: dict[str, str]  # canonical sheet -> workbook sheet name / CSV member stem
    encodings: dict[str, str] = field(default_factory=dict)  # zip member codec by sheet
    gbk_names: bool = False  # member names in GBK without the UTF-8 flag
    top_folder: str | None = None  # every member inside one folder
    extra_members: list[tuple[str, bytes]] = field(default_factory=list)

    def location(self, sheet: str) -> str:
        """Where a sheet is found: the workbook sheet name, or the zip member's path."""
        if self.fmt == "xlsx":
            return self.sheet_names[sheet]
        name = self.sheet_names[sheet] + ".csv"
        return f"{self.top_folder}/{name}" if self.top_folder else name


# ----------------------------------------------------------------------------- cell rendering

# How a boolean reads in CSV. An office's CSV is the template saved as CSV, so a yes/no cell holds
# the template's own 是/否 (anything else, true/false included, is a repair the pipeline counts);
# the poverty office's register is a system export and keeps true/false.
Bools = tuple[str, str]
OFFICE_BOOLS: Bools = ("是", "否")
EXPORT_BOOLS: Bools = ("true", "false")


def _csv_cell(v: Any, bools: Bools = EXPORT_BOOLS) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, bool | np.bool_):
        return bools[0] if v else bools[1]
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float | np.floating):
        return repr(float(v))  # numpy's repr would read "np.float64(1.5)"
    if isinstance(v, np.integer):
        return str(int(v))
    return str(v)


def _csv_column(s: pd.Series, bools: Bools = EXPORT_BOOLS) -> pd.Series:
    if pd.api.types.is_integer_dtype(s.dtype):
        return s.astype(str).astype(object)
    if pd.api.types.is_bool_dtype(s.dtype):
        return pd.Series(np.where(s.to_numpy(), *bools), index=s.index, dtype=object)
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        return s.where(s.notna(), "")
    return pd.Series([_csv_cell(v, bools) for v in s.tolist()], index=s.index, dtype=object)


def table_csv(table: Table) -> str:
    """The sheet as CSV text: title rows, header, data, total rows, one line each."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for row in table.title_rows:
        writer.writerow([_csv_cell(v, OFFICE_BOOLS) for v in row])
    if table.headers is not None:
        writer.writerow(table.headers)
    if len(table.frame):
        text = pd.DataFrame({c: _csv_column(table.frame[c], OFFICE_BOOLS) for c in table.columns})
        text.to_csv(buf, header=False, index=False, lineterminator="\n")
    for row in table.footer_rows:
        writer.writerow([_csv_cell(v, OFFICE_BOOLS) for v in row])
    return buf.getvalue()


def _xlsx_value(v: Any) -> Any:
    if isinstance(v, float) and np.isnan(v):
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v


def table_rows(table: Table) -> Iterator[list[Any]]:
    """Every row of the sheet as written, top to bottom."""
    yield from table.title_rows
    if table.headers is not None:
        yield list(table.headers)
    cols = [table.frame[c].tolist() for c in table.columns]
    for row in zip(*cols, strict=True):
        yield [_xlsx_value(v) for v in row]
    yield from table.footer_rows


# ----------------------------------------------------------------------------- containers


class _GbkZipInfo(zipfile.ZipInfo):
    """A member whose name is stored in GBK without the UTF-8 flag, as Chinese Windows zips do."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # overrides zipfile's
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def _zip_time(when: dt.datetime) -> tuple[int, int, int, int, int, int]:
    return (when.year, when.month, when.day, when.hour, when.minute, when.second - when.second % 2)


def _add(zf: zipfile.ZipFile, name: str, data: bytes, when: dt.datetime, gbk: bool = False) -> None:
    info = (_GbkZipInfo if gbk else zipfile.ZipInfo)(name, date_time=_zip_time(when))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data, compresslevel=1 if len(data) > BIG_MEMBER else 6)


def write_zip(path: Path, tables: Iterable[Table], layout: Layout, when: dt.datetime) -> None:
    """One CSV member per sheet (``meta.csv`` without a header row), in the layout's codecs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for table in tables:
            codec = layout.encodings.get(table.sheet, "utf-8")
            _add(
                zf,
                layout.location(table.sheet),
                table_csv(table).encode(codec),
                when,
                layout.gbk_names,
            )
        for name, data in layout.extra_members:
            _add(zf, name, data, when)


_CORE_TIME = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def write_xlsx(
    path: Path, tables: Iterable[Table], layout: Layout, when: dt.datetime, creator: str
) -> None:
    """A write-only workbook, then re-zipped with pinned timestamps for reproducible bytes."""
    wb = Workbook(write_only=True)
    wb.properties.creator = creator
    wb.properties.lastModifiedBy = creator
    for table in tables:
        if len(table.frame) + len(table.title_rows) + len(table.footer_rows) + 1 > XLSX_MAX_ROWS:
            raise ValueError(
                f"{table.sheet}: {len(table.frame)} rows do not fit a worksheet; use zip"
            )
        ws = wb.create_sheet(layout.sheet_names[table.sheet])
        for row in table_rows(table):
            ws.append(row)
    raw = io.BytesIO()
    wb.save(raw)
    stamp = when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(raw) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _CORE_TIME.sub(rb"\g<1>" + stamp + rb"\g<2>", data)
            _add(zout, info.filename, data, when)


def write_file(
    path: Path, tables: Iterable[Table], layout: Layout, when: dt.datetime, creator: str
) -> None:
    if layout.fmt == "xlsx":
        write_xlsx(path, tables, layout, when, creator)
    else:
        write_zip(path, tables, layout, when)


def set_received(path: Path, when: dt.datetime) -> None:
    """The pipeline takes a file's received time from its modification time."""
    ts = when.timestamp()
    os.utime(path, (ts, ts))


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    """A register file: UTF-8, canonical English header (the poverty office's system export)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = pd.DataFrame({c: _csv_column(frame[c]) for c in frame.columns})
    text.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
