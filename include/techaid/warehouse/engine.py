"""Where the warehouse is, and how to connect to it (SQLite by default, PostgreSQL in production).

The URL comes from the Airflow connection ``techaid_warehouse`` as Airflow exports it in the
environment (``AIRFLOW_CONN_TECHAID_WAREHOUSE``): a URI (``sqlite:///...``, ``postgres://...``,
``postgresql://...`` or a SQLAlchemy URL) or Airflow's JSON form. Without it, a SQLite file in the
project's data folder, so a laptop needs no server. PostgreSQL always goes through psycopg2, since
bulk loads use its ``COPY`` support.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine, make_url

PROJECT_ROOT = Path(__file__).resolve().parents[3]
CONN_ENV = "AIRFLOW_CONN_TECHAID_WAREHOUSE"
DATA_ENV = "TECHAID_DATA"
PG_DRIVER = "postgresql+psycopg2"
SQLITE_BUSY_TIMEOUT_MS = 30_000

# libpq parameters an Airflow connection may carry in its ``extra``; passed on to psycopg2.
_LIBPQ_PARAMS = frozenset(
    {
        "sslmode", "sslcert", "sslkey", "sslrootcert", "sslcrl", "connect_timeout",
        "application_name", "options", "target_session_attrs", "keepalives",
        "keepalives_idle", "keepalives_interval", "keepalives_count",
    }
)  # fmt: skip
_BEGIN_OPTION = "techaid_sqlite_begin"


def data_dir() -> Path:
    """The folder of local state (the default SQLite warehouse): ``TECHAID_DATA`` or ``data/``."""
    return Path(os.environ.get(DATA_ENV) or PROJECT_ROOT / "data")


def warehouse_url(explicit: str | None = None) -> str:
    """The warehouse URL: ``explicit``, else the Airflow connection in the environment, else the
    SQLite file ``<data>/warehouse.db``."""
    raw = explicit or os.environ.get(CONN_ENV, "").strip()
    if not raw:
        return f"sqlite:///{data_dir() / 'warehouse.db'}"
    if raw.lstrip().startswith("{"):
        return _url_from_json(json.loads(raw))
    return normalize_url(raw)


def normalize_url(raw: str) -> str:
    """An Airflow connection URI or SQLAlchemy URL as a SQLAlchemy URL (postgres via psycopg2)."""
    url = make_url(raw)
    backend = url.get_backend_name()
    if backend in ("postgres", "postgresql"):
        return _render(_postgres_url(url))
    if backend == "sqlite":
        return _render(_sqlite_url(url))
    return _render(url)


def _postgres_url(url: URL) -> URL:
    query = {k: v for k, v in url.query.items() if k != "__extra__"}
    extra = url.query.get("__extra__")
    if isinstance(extra, str) and extra:
        query.update(_libpq_extra(json.loads(extra)))
    return url.set(drivername=PG_DRIVER, query=query)


def _sqlite_url(url: URL) -> URL:
    """Airflow keeps a SQLite path in the host (``sqlite://%2Ftmp%2Fw.db``): move it to the
    database part, where SQLAlchemy expects it."""
    if url.host and not url.database:
        return URL.create("sqlite", database=unquote(url.host), query=url.query)
    return url


def _libpq_extra(extra: Any) -> dict[str, str]:
    if isinstance(extra, str):
        extra = json.loads(extra) if extra.strip() else {}
    if not isinstance(extra, dict):
        return {}
    return {k: str(v) for k, v in extra.items() if k in _LIBPQ_PARAMS and v is not None}


def _url_from_json(conn: dict[str, Any]) -> str:
    """Airflow's JSON connection form: conn_type, host, login, password, schema (the database),
    port, extra."""
    kind = str(conn.get("conn_type", "")).lower()
    if kind in ("postgres", "postgresql"):
        url = URL.create(
            PG_DRIVER,
            username=conn.get("login") or None,
            password=conn.get("password") or None,
            host=conn.get("host") or None,
            port=int(conn["port"]) if conn.get("port") else None,
            database=conn.get("schema") or None,
            query=_libpq_extra(conn.get("extra")),
        )
        return _render(url)
    if kind == "sqlite":
        path = conn.get("host") or conn.get("schema") or ""
        return f"sqlite:///{path}" if path else "sqlite://"
    raise ValueError(f"{CONN_ENV}: unsupported conn_type {kind!r} (postgres or sqlite)")


def _render(url: URL) -> str:
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
