"""The pipeline's mail server: the Airflow connection ``techaid_smtp``.

Defined in any of Airflow's forms (an ``AIRFLOW_CONN_TECHAID_SMTP`` URI such as
``smtp://user:pass@host:587?__extra__=<url-encoded JSON>`` or its JSON form, a secrets backend,
or ``airflow connections add``): host, port, login, password (the login is skipped when empty) and
extra ``{"starttls": bool, "ssl": bool, "sender": "...", "timeout": seconds}``. Resolved with the
task SDK's own connection API into the domain's plain
:class:`~techaid.outputs.mail.smtp.SmtpSettings`.

``None`` means one thing only: the connection is defined nowhere, so emails are written as
``.eml`` files (the embedded default). A connection that is defined but cannot be read (a
malformed URI or extra, an API server error, a missing host or sender) raises: falling back would
silently turn every email into a file nobody reads.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection
from typing import Any

from airflow.sdk import BaseHook
from sqlalchemy.engine import Engine

from techaid.outputs.mail import eml, outbox
from techaid.outputs.mail.smtp import SmtpSettings
from techaid_airflow.hooks import ConnectionUnreadable, defined_connection

CONN_ID = "techaid_smtp"


class TechaidSmtpHook(BaseHook):
    """Reads ``techaid_smtp``; :meth:`get_conn` gives the settings, or None when undefined."""

    conn_name_attr = "smtp_conn_id"
    default_conn_name = CONN_ID
    conn_type = "smtp"
    hook_name = "techaid SMTP"

    def __init__(self, smtp_conn_id: str = CONN_ID) -> None:
        super().__init__()
        self.smtp_conn_id = smtp_conn_id

    def get_conn(self) -> SmtpSettings | None:
        conn = defined_connection(self.smtp_conn_id)
        if conn is None:
            return None
        try:
            return SmtpSettings.from_connection(
                host=conn.host,
                port=conn.port,
                login=conn.login,
                password=conn.password,
                extra=_extra(conn.extra),
            )
        except ValueError as exc:
            raise ConnectionUnreadable(f"connection {self.smtp_conn_id!r}: {exc}") from exc


def _extra(raw: Any) -> dict[str, Any]:
    """The connection's extra, strictly: the SDK's ``extra_dejson`` turns bad JSON into {}."""
    if raw in (None, ""):
        return {}
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"extra is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise ValueError(f"extra must be a JSON object, not {type(value).__name__}")
    return value


def smtp_settings(conn_id: str = CONN_ID) -> SmtpSettings | None:
    """The mail server's settings, or None when ``conn_id`` is defined nowhere."""
    return TechaidSmtpHook(conn_id).get_conn()


def deliver_outbox(
    engine: Engine, logical_date: dt.datetime, keys: Collection[str] | None = None
) -> outbox.DeliveryReport:
    """What a DAG's send step calls: every pending email (or those of ``keys``) over
    ``techaid_smtp``, or written to ``<output>/outbox/`` when the connection is not defined."""
    return outbox.deliver(engine, smtp_settings(), logical_date, eml.outbox_dir(), keys=keys)
