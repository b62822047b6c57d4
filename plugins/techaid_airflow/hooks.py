"""Where the DAGs get their warehouse URL: the Airflow connection ``techaid_warehouse``."""

from __future__ import annotations


def warehouse_url() -> str:
    """The SQLAlchemy URL of the warehouse.

    From the Airflow connection ``techaid_warehouse`` when one is defined (environment variable,
    metadata database or secrets backend); otherwise the embedded SQLite default.
    """
    from airflow.sdk import BaseHook

    from techaid.warehouse.engine import warehouse_url as resolve

    try:
        conn = BaseHook.get_connection("techaid_warehouse")
    except Exception:  # noqa: BLE001 - not defined anywhere: use the embedded default
        return resolve(None)
    if conn.conn_type == "sqlite":
        return resolve(f"sqlite:///{conn.host}" if conn.host else None)
    return resolve(conn.get_uri())
