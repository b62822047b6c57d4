"""Bulk loading of frames into warehouse tables: Arrow-typed COPY on PostgreSQL, chunked
executemany on SQLite, with the value conversions both need."""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import sqlalchemy as sa
from pandas.api.types import infer_dtype
from sqlalchemy.engine import Connection

from techaid.periods import utc_naive
from techaid.warehouse.engine import is_postgres

if TYPE_CHECKING:
    import psycopg2.extensions

log = logging.getLogger(__name__)


INSERT_CHUNK = 50_000  # rows per executemany on SQLite (bounded memory for big sheets)


def insert_frame(
    conn: Connection,
    table: sa.Table,
    frame: pd.DataFrame,
    constants: Mapping[str, Any] | None = None,
) -> int:
    """Insert a frame's rows into ``table`` inside the caller's transaction: COPY on PostgreSQL,
    executemany on SQLite. Columns of the table missing from the frame (and not in
    ``constants``) are NULL; extra frame columns are ignored. Returns the row count."""
    n = len(frame)
    if n == 0:
        return 0
    constants = constants or {}
    if is_postgres(conn):
        _copy_frame(conn, table, frame, constants)
        return n
    names, columns = [], []
    for col in table.columns:
        # What SQLAlchemy would do to each value on the way to the driver (SQLite: dates as
        # its ISO storage format, booleans as 0/1), applied here column by column.
        proc = col.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        names.append(col.name)
        if col.name in constants:
            value = constants[col.name]
            columns.append([value if proc is None else proc(value)] * n)
        elif col.name in frame.columns:
            values = python_values(frame[col.name], col.type)
            columns.append(values if proc is None else [proc(v) for v in values])
        else:
            columns.append([None] * n)
    _executemany_rows(conn, table, names, columns)
    return n


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _executemany_rows(
    conn: Connection, table: sa.Table, names: list[str], columns: list[list[Any]]
) -> None:
    """Driver-ready values as plain tuples straight to the driver's executemany: building a
    dict per row and letting SQLAlchemy bind each one cost more than SQLite's insert itself on a
    province's households."""
    prep = conn.dialect.identifier_preparer
    cols = ", ".join(prep.quote(n) for n in names)
    marks = ", ".join("?" for _ in names)  # pysqlite's qmark style
    sql = f"INSERT INTO {prep.format_table(table)} ({cols}) VALUES ({marks})"
    rows = list(zip(*columns, strict=True))
    for chunk in _chunks(rows, INSERT_CHUNK):
        conn.exec_driver_sql(sql, list(chunk))


# ---------------------------------------------------------------- value conversion


def _isna(v: Any) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v)


def python_values(series: pd.Series, sql_type: sa.types.TypeEngine) -> list[Any]:
    """A column as plain Python values for the driver: NA -> None, Int64 -> int, boolean ->
    bool, dates -> date, timestamps -> naive UTC datetime, codes and text -> str."""
    if isinstance(sql_type, sa.Boolean):
        return _nullable_list(series.astype("boolean"))
    if isinstance(sql_type, sa.Integer):
        return _nullable_list(series.astype("Int64"))
    if isinstance(sql_type, sa.Float):
        return _nullable_list(pd.to_numeric(series).astype("Float64"))
    if isinstance(sql_type, sa.DateTime):
        return [None if _isna(v) else utc_naive(pd.Timestamp(v)) for v in series.tolist()]
    if isinstance(sql_type, sa.Date):
        return [None if _isna(v) else _as_date(v) for v in series.tolist()]
    if _all_text(series):  # the common case: no per-value test needed
        return _nullable_list(series)
    return [None if _isna(v) else str(v) for v in series.tolist()]


def _all_text(series: pd.Series) -> bool:
    """Only str values and missing ones (inferred in C, not value by value)."""
    return infer_dtype(series, skipna=True) in ("string", "empty")


def _nullable_list(series: pd.Series) -> list[Any]:
    # pandas documents na_value as any value; its stubs type it without None.
    return series.to_numpy(dtype=object, na_value=None).tolist()  # type: ignore[call-overload]


def _as_date(v: Any) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        return dt.date.fromisoformat(v)
    return pd.Timestamp(v).date()


def arrow_type(sql_type: sa.types.TypeEngine) -> pa.DataType:
    """The Arrow type a column's values take on their way into COPY."""
    if isinstance(sql_type, sa.Boolean):
        return pa.bool_()
    if isinstance(sql_type, sa.Integer):
        return pa.int64()
    if isinstance(sql_type, sa.Float):
        return pa.float64()
    if isinstance(sql_type, sa.DateTime):
        return pa.timestamp("us")
    if isinstance(sql_type, sa.Date):
        return pa.date32()
    return pa.string()


def arrow_values(series: pd.Series, sql_type: sa.types.TypeEngine) -> pa.Array:
    """The same values as :func:`python_values`, as an Arrow array built from the whole column
    (no Python object per cell on the common types); anything unusual goes through
    :func:`python_values`, the one definition of what a value becomes."""
    kind = arrow_type(sql_type)
    try:
        if kind == pa.bool_():
            return pa.array(series.astype("boolean"), type=kind)
        if kind == pa.int64():
            return pa.array(series.astype("Int64"), type=kind)
        if kind == pa.float64():
            return pa.array(pd.to_numeric(series).astype("Float64"), type=kind)
        if kind == pa.date32() and infer_dtype(series, skipna=True) == "date":
            return pa.array(series, type=kind, from_pandas=True)
        if kind == pa.string() and _all_text(series):
            return pa.array(series, type=kind, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        pass
    return pa.array(python_values(series, sql_type), type=kind)


# ---------------------------------------------------------------- PostgreSQL COPY

COPY_READ_BYTES = 1 << 20  # psycopg2 reads the CSV in chunks of this size (default 8 KiB)


def _copy_frame(
    conn: Connection, table: sa.Table, frame: pd.DataFrame, constants: Mapping[str, Any]
) -> None:
    """COPY ... FROM STDIN (CSV) on the transaction's own connection. The CSV is rendered by
    pyarrow from whole columns: NULL is an empty unquoted field, text is always quoted (so an
    empty string stays an empty string), booleans true/false, floats in shortest round-trip
    form, dates ISO. A failure is raised as SQLAlchemy's error (IntegrityError, ...), the same
    as on SQLite."""
    n = len(frame)
    arrays = {}
    for col in table.columns:
        kind = arrow_type(col.type)
        if col.name in constants:
            arrays[col.name] = pa.repeat(pa.scalar(constants[col.name], type=kind), n)
        elif col.name in frame.columns:
            arrays[col.name] = arrow_values(frame[col.name], col.type)
        else:
            arrays[col.name] = pa.nulls(n, type=kind)
    buf = io.BytesIO()
    pa_csv.write_csv(pa.table(arrays), buf, pa_csv.WriteOptions(include_header=False))
    buf.seek(0)
    prep = conn.dialect.identifier_preparer
    cols = ", ".join(prep.quote(name) for name in arrays)
    sql = f"COPY {prep.format_table(table)} ({cols}) FROM STDIN WITH (FORMAT csv)"
    import psycopg2  # only PostgreSQL deployments need it

    # PostgreSQL URLs name psycopg2 (the only driver in the locks), whose cursors copy_expert.
    dbapi_conn = cast("psycopg2.extensions.connection", conn.connection.dbapi_connection)
    try:
        with dbapi_conn.cursor() as cur:
            cur.copy_expert(sql, buf, size=COPY_READ_BYTES)
    except psycopg2.Error as exc:
        raise sa.exc.DBAPIError.instance(sql, None, exc, psycopg2.Error) from exc
