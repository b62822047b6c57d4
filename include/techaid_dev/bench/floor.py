"""The floor: the least work that moves the same rows from the same files into the same tables.

Reading is pyarrow's CSV reader on every CSV (zip members read with ``zipfile``, register files
directly), every column as text so codes keep their leading zeros, and python-calamine's raw read
for workbooks. Loading is one ``COPY ... FROM STDIN (FORMAT csv)`` per sheet into the warehouse's
own tables (same types, same primary keys, so the same index maintenance), the CSV rendered by
pyarrow. What the floor leaves out is exactly what the pipeline adds: finding headers, repairing
and typing values, row numbers as the office sees them, the quality rules, staging between tasks,
the versioned bookkeeping. Only the header mapping (Chinese or English names) and 是/否 are
translated, since PostgreSQL could not take the rows otherwise.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pa_compute
import pyarrow.csv as pa_csv
import sqlalchemy as sa

if TYPE_CHECKING:
    import psycopg2.extensions

from techaid import config
from techaid.intake.files import sheet_key
from techaid.intake.normalize import header_key
from techaid.warehouse import schema

FILE_RE = re.compile(r"^(?P<city>[0-9]{6})_(?P<period>[0-9]{4}-[0-9]{2})\.(?P<ext>zip|xlsx)$")
YES_NO = {"是": "true", "否": "false"}
COPY_READ_BYTES = 1 << 20

Grid: TypeAlias = pa.Table | list[list[Any]]  # a CSV read by pyarrow, or a worksheet's raw rows


@dataclass
class Source:
    """One file's sheets as read, keyed by canonical sheet name (the meta sheet is left out)."""

    city_code: str
    period: str
    sheets: dict[str, Grid] = field(default_factory=dict)


# ---------------------------------------------------------------- reading


def read_csv(data: bytes) -> pa.Table:
    """A CSV with its header row, every column as text, empty fields as NULL."""
    first = data[: 1 << 16].decode("utf-8-sig", errors="replace")
    header = next(csv.reader(io.StringIO(first, newline="")), [])
    return pa_csv.read_csv(
        pa.BufferReader(data),
        convert_options=pa_csv.ConvertOptions(
            column_types={name: pa.string() for name in header},
            strings_can_be_null=True,
            null_values=[""],
        ),
    )


def read_registers(landing: str) -> list[tuple[dt.date, str, pa.Table]]:
    """Every register file: (register date, sheet name, rows)."""
    out = []
    for path in sorted(Path(landing, "register").glob("*/*.csv")):
        day = dt.date.fromisoformat(path.parent.name)
        out.append((day, path.name.split(".", 1)[0], read_csv(path.read_bytes())))
    return out


def read_submissions(landing: str) -> list[Source]:
    """Every monthly file: the zips' CSV members, the workbooks' sheets."""
    out = []
    for path in sorted(Path(landing, "submissions").rglob("*")):
        m = FILE_RE.match(path.name)
        if not m:
            continue
        source = Source(m["city"], m["period"])
        if m["ext"] == "zip":
            with zipfile.ZipFile(path) as zf:
                for info in zf.infolist():
                    key = sheet_key(Path(info.filename).stem)
                    if info.filename.lower().endswith(".csv") and key not in (None, "meta"):
                        source.sheets[key] = read_csv(zf.read(info))
        else:
            source.sheets.update(_workbook(path))
        out.append(source)
    return out


def _workbook(path: Path) -> dict[str, list[list[Any]]]:
    import python_calamine

    sheets = {}
    with python_calamine.CalamineWorkbook.from_path(str(path)) as wb:
        for name in wb.sheet_names:
            key = sheet_key(name)
            if key not in (None, "meta"):
                sheets[key] = wb.get_sheet_by_name(name).to_python()
    return sheets


def count(items: list[Any]) -> int:
    """Data rows read (header rows not counted)."""
    total = 0
    for item in items:
        grids = item.sheets.values() if isinstance(item, Source) else [item[2]]
        total += sum(g.num_rows if isinstance(g, pa.Table) else max(len(g) - 1, 0) for g in grids)
    return total


# ---------------------------------------------------------------- COPY


def copy_registers(engine: sa.Engine, registers: list[tuple[dt.date, str, pa.Table]]) -> int:
    tables = schema.register_tables()
    specs = config.schema().register_sheets
    n = 0
    with engine.begin() as conn:
        for day, name, grid in registers:
            cols = _columns(grid, specs[name], tables[name])
            n += _copy(conn, tables[name], cols, {"register_date": day})
    return n


def copy_submissions(engine: sa.Engine, sources: list[Source], period: str) -> int:
    """Each file in its own transaction, as the pipeline loads each city's version."""
    tables = schema.clean_tables()
    specs = config.schema().sheets
    n = 0
    for src in sources:
        if src.period != period:
            continue
        const = {"city_code": src.city_code, "period": src.period, "submission_id": "floor"}
        with engine.begin() as conn:
            for key, grid in src.sheets.items():
                if key in tables:
                    n += _copy(conn, tables[key], _columns(grid, specs[key], tables[key]), const)
    return n


def _columns(grid: Grid, spec: config.SheetSpec, table: sa.Table) -> dict[str, pa.Array]:
    """The grid's columns under their warehouse names (unknown headers dropped), as text."""
    names = {header_key(c.zh): name for name, c in spec.columns.items()}
    names.update({header_key(name): name for name in spec.columns})
    if isinstance(grid, pa.Table):
        headers, arrays = grid.column_names, [c.combine_chunks() for c in grid.columns]
    else:
        headers = grid[0] if grid else []
        body = grid[1:]
        arrays = [pa.array([_cell(r, i) for r in body], pa.string()) for i in range(len(headers))]
    out = {}
    for header, array in zip(headers, arrays, strict=True):
        name = names.get(header_key(header))
        if name is None or name in out:
            continue
        if isinstance(table.c[name].type, sa.Boolean):
            array = _yes_no(array)
        out[name] = array
    return out


def _cell(row: list[Any], i: int) -> str | None:
    return _text(row[i]) if i < len(row) else None


def _text(value: Any) -> str | None:
    """A worksheet cell as PostgreSQL reads it in CSV."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _yes_no(array: pa.Array) -> pa.Array:
    for word, value in YES_NO.items():
        array = pa_compute.if_else(pa_compute.equal(array, word), value, array)
    return array


def _copy(conn: sa.Connection, table: sa.Table, columns: dict[str, pa.Array], const: dict) -> int:
    n = len(next(iter(columns.values()))) if columns else 0
    if n == 0:
        return 0
    arrays = dict(columns)
    for name, value in const.items():
        arrays[name] = pa.repeat(pa.scalar(str(value)), n)
    if "row_number" in table.c:
        arrays["row_number"] = pa.array(np.arange(2, n + 2, dtype=np.int64))
    buf = io.BytesIO()
    pa_csv.write_csv(pa.table(arrays), buf, pa_csv.WriteOptions(include_header=False))
    buf.seek(0)
    prep = conn.dialect.identifier_preparer
    cols = ", ".join(prep.quote(name) for name in arrays)
    sql = f"COPY {prep.format_table(table)} ({cols}) FROM STDIN WITH (FORMAT csv)"
    # The floor's PostgreSQL URLs name psycopg2, whose cursors have copy_expert.
    pg = cast("psycopg2.extensions.connection", conn.connection.dbapi_connection)
    with pg.cursor() as cur:
        cur.copy_expert(sql, buf, size=COPY_READ_BYTES)
    return n
