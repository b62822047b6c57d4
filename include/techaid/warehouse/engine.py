"""Where the warehouse is, and how to connect to it (SQLite by default, PostgreSQL in production).

Inside Airflow the URL comes from the connection ``techaid_warehouse`` as the SDK resolves it
(``techaid_airflow.hooks``, which passes it here as a SQLAlchemy URL). Command-line tools take an
explicit URL, or ``AIRFLOW_CONN_TECHAID_WAREHOUSE`` when it holds a URI; Airflow's JSON form is read
by Airflow only (this package never imports Airflow). Without either: a SQLite file in the data
folder, so a laptop needs no server. PostgreSQL always goes through psycopg2, since bulk loads use
its ``COPY`` support.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine, make_url

from techaid import paths

CONN_ID = "techaid_warehouse"
CONN_ENV = "AIRFLOW_CONN_TECHAID_WAREHOUSE"
DATA_ENV = "TECHAID_DATA"
PG_DRIVER = "postgresql+psycopg2"
SQLITE_BUSY_TIMEOUT_MS = 30_000
_BEGIN_OPTION = "techaid_sqlite_begin"


def default_url() -> str:
    """The embedded warehouse: ``<TECHAID_DATA>/warehouse.db``."""
    if "://" in os.environ.get(DATA_ENV, ""):
        raise ValueError(
            f"{DATA_ENV} is a URL (staging on shared storage), so there is no local folder for "
            f"the embedded SQLite warehouse: define the connection {CONN_ID} ({CONN_ENV})"
        )
    return f"sqlite:///{paths.data_root() / 'warehouse.db'}"


def warehouse_url(explicit: str | None = None) -> str:
    """The warehouse URL for code running outside a task: ``explicit`` (a SQLAlchemy URL), else
    the URI in ``AIRFLOW_CONN_TECHAID_WAREHOUSE``, else :func:`default_url`."""
    if explicit:
        return normalize_url(explicit)
    raw = os.environ.get(CONN_ENV, "").strip()
    if raw.startswith("{"):
        raise ValueError(
            f"{CONN_ENV} is in Airflow's JSON form, which only Airflow reads: "
            "pass the warehouse's SQLAlchemy URL explicitly (--warehouse)"
        )
    return normalize_url(raw) if raw else default_url()


def normalize_url(raw: str) -> str:
    """A SQLAlchemy URL, with PostgreSQL (``postgres://``, any driver) pinned to psycopg2."""
    url = make_url(raw)
    if url.get_backend_name() in ("postgres", "postgresql"):
        url = url.set(drivername=PG_DRIVER)
    return render(url)


def render(url: URL) -> str:
    """A URL as a string that connects (password included)."""
    return url.render_as_string(hide_password=False)


def make_engine(url: str | None = None) -> Engine:
    """An engine for the warehouse. SQLite gets WAL (readers never block the loader), a busy
    timeout (parallel tasks wait for each other instead of failing), enforced foreign keys, and
    real transactions (pysqlite's own BEGIN handling is replaced, so DDL and reads are inside
    them too)."""
    url = warehouse_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True)
    _make_parent(parsed)
    engine = sa.create_engine(url)
    sa.event.listen(engine, "connect", _sqlite_on_connect)
    sa.event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _make_parent(url: URL) -> None:
    db = url.database or ""
    if db and db != ":memory:" and not db.startswith("file:"):
        Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see _sqlite_on_begin)
    cur = dbapi_conn.cursor()
    try:
        cur.execute(f"pragma busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("pragma journal_mode = wal")
        cur.execute("pragma foreign_keys = on")
    finally:
        cur.close()


def _sqlite_on_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get(_BEGIN_OPTION, "")
    conn.exec_driver_sql(f"begin {mode}".strip())


def is_postgres(bind: Engine | Connection) -> bool:
    return bind.dialect.name == "postgresql"


@contextmanager
def write_transaction(engine: Engine, lock: str | None = None) -> Iterator[Connection]:
    """One transaction that intends to write. On SQLite it takes the write lock at BEGIN
    (``BEGIN IMMEDIATE``), so a read-then-write cannot fail halfway when another task writes; on
    PostgreSQL ``lock`` names an advisory lock held to the end, so two tasks working on the same
    thing (a city's month) run one after the other."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.execution_options(**{_BEGIN_OPTION: "immediate"})
        with conn.begin():
            if lock is not None and is_postgres(conn):
                conn.execute(sa.text("select pg_advisory_xact_lock(:k)"), {"k": lock_key(lock)})
            yield conn


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for a name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
