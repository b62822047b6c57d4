"""Where the DAGs get their warehouse URL: the Airflow connection ``techaid_warehouse``.

The connection is resolved by the task SDK (environment variable, secrets backend, or the metadata
database through the Execution API), in URI or JSON form. The embedded SQLite default is used only
when the connection is defined nowhere; a connection that exists but cannot be read fails the task,
since falling back would silently load into a different warehouse. Under a distributed executor the
SQLite default is refused: each worker would write its own file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.engine import URL

from techaid.warehouse import engine

if TYPE_CHECKING:
    from airflow.sdk import Connection

# Executors whose tasks all run on the scheduler's machine, so a local SQLite file is shared.
LOCAL_EXECUTORS = frozenset({"LocalExecutor", "SequentialExecutor"})

# libpq parameters a postgres connection may carry in its ``extra``; passed on to psycopg2. Other
# keys (Airflow's own, such as ``cursor`` or ``iam``) mean nothing to libpq and are dropped.
LIBPQ_PARAMS = frozenset(
    {
        "sslmode",
        "sslcert",
        "sslkey",
        "sslrootcert",
        "sslcrl",
        "connect_timeout",
        "application_name",
        "options",
        "target_session_attrs",
        "keepalives",
        "keepalives_idle",
        "keepalives_interval",
        "keepalives_count",
    }
)


class ConnectionUnreadable(RuntimeError):
    """The connection is defined somewhere but cannot be read."""


class DefaultRefused(RuntimeError):
    """The embedded default cannot serve a distributed deployment."""


def warehouse_url() -> str:
    """The SQLAlchemy URL of the warehouse (the connection, or the SQLite default on one machine)."""
    conn = defined_connection(engine.CONN_ID)
    if conn is not None:
        return url_from_connection(conn)
    executor = distributed_executor()
    if executor:
        raise DefaultRefused(
            f"connection {engine.CONN_ID!r} is not defined and the executor is {executor}: "
            "tasks run on several machines, so the embedded SQLite warehouse cannot be shared. "
            f"Set {engine.CONN_ENV}=postgresql://USER:PASSWORD@HOST:5432/DATABASE on every "
            f"Airflow component (or define the connection {engine.CONN_ID!r} in a secrets "
            "backend or with `airflow connections add`)."
        )
    return engine.default_url()


def url_from_connection(conn: Connection) -> str:
    """An Airflow connection (``postgres`` or ``sqlite``) as a SQLAlchemy URL."""
    kind = (conn.conn_type or "").lower().split("+", 1)[0]
    if kind in ("postgres", "postgresql"):
        extra = conn.extra_dejson
        url = URL.create(
            engine.PG_DRIVER,
            username=conn.login or None,
            password=conn.password or None,
            host=conn.host or None,
            port=conn.port or None,
            database=conn.schema or None,
            query={k: str(v) for k, v in extra.items() if k in LIBPQ_PARAMS and v is not None},
        )
        return engine.render(url)
    if kind == "sqlite":
        # Airflow's SQLite connections keep the file in ``host``; a URI puts it in ``schema``.
        path = conn.host or conn.schema
        if not path:
            raise ValueError(f"connection {conn.conn_id!r}: a sqlite connection needs a file path")
        return engine.render(URL.create("sqlite", database=path))
    raise ValueError(
        f"connection {conn.conn_id!r}: unsupported conn_type {conn.conn_type!r} (postgres or sqlite)"
    )


def distributed_executor() -> str | None:
    """The configured executor when any of them may run tasks on another machine, else None.

    ``core.executor`` may list several executors (``CeleryExecutor,LocalExecutor``), each
    possibly a dotted path with an alias (``my.pkg.MyExecutor:alias``)."""
    from airflow.sdk import conf

    configured = conf.get("core", "executor", fallback="LocalExecutor") or "LocalExecutor"
    for item in configured.split(","):
        name = item.strip().split(":", 1)[0].rsplit(".", 1)[-1]
        if name and name not in LOCAL_EXECUTORS:
            return configured.strip()
    return None


def defined_connection(conn_id: str) -> Connection | None:
    """The connection, or None when no backend defines it.

    The SDK raises ``AirflowNotFoundException`` for "not defined", but it also ends there when a
    backend failed to read the connection (it logs the failure at debug level and tries the next
    backend). So before answering None each backend is asked again, this time letting a failure
    surface: a malformed ``AIRFLOW_CONN_*`` value or an Execution API error raises
    :class:`ConnectionUnreadable`."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        pass
    return _confirm_undefined(conn_id)


def _confirm_undefined(conn_id: str) -> Connection | None:
    from airflow.sdk.execution_time.secrets import ExecutionAPISecretsBackend
    from airflow.sdk.execution_time.supervisor import ensure_secrets_backend_loaded

    for backend in ensure_secrets_backend_loaded():
        where = type(backend).__name__
        if isinstance(backend, ExecutionAPISecretsBackend):
            conn = _ask_execution_api(conn_id)
        else:
            try:
                conn = backend.get_connection(conn_id=conn_id)
            except Exception as exc:  # any failure means "defined, unreadable"
                raise ConnectionUnreadable(
                    f"connection {conn_id!r} is defined in {where} but cannot be read: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
        if conn is not None:
            return conn
    return None


def _ask_execution_api(conn_id: str) -> Connection | None:
    """Ask the API server (through the task's supervisor) and accept only a definite 404."""
    from airflow.sdk.exceptions import AirflowRuntimeError, ErrorType
    from airflow.sdk.execution_time import task_runner
    from airflow.sdk.execution_time.comms import ErrorResponse, GetConnection
    from airflow.sdk.execution_time.context import _process_connection_result_conn

    comms = getattr(task_runner, "SUPERVISOR_COMMS", None)
    if comms is None:
        return None
    try:
        msg = comms.send(GetConnection(conn_id=conn_id))
    except AirflowRuntimeError as exc:
        raise ConnectionUnreadable(
            f"connection {conn_id!r} could not be read from the Airflow API server: {exc}"
        ) from exc
    if isinstance(msg, ErrorResponse):
        if msg.error == ErrorType.CONNECTION_NOT_FOUND:
            return None
        raise ConnectionUnreadable(
            f"connection {conn_id!r} could not be read from the Airflow API server: "
            f"{msg.error.value} {msg.detail}"
        )
    return _process_connection_result_conn(msg)
