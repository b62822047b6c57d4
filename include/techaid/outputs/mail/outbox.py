"""The email outbox (table ``email_outbox``): record emails once, deliver what is due.

Every email kind is composed by its own module as an :class:`~techaid.outputs.mail.email.Email`
and recorded here; a separate step delivers the outbox::

    outbox.record(engine, emails, created_at)                   # new keys only; never overwrites
    outbox.deliver(engine, settings, logical_date, out_dir)     # SMTP, or .eml files

Recording is idempotent per dedupe key: a task retry or a re-run of a period records nothing new,
and an email already recorded is never changed (what was composed first is what goes out).
Delivery sends each email at most once: with SMTP settings over one connection
(:mod:`techaid.outputs.mail.smtp`), without them as ``.eml`` files in ``out_dir``
(:mod:`techaid.outputs.mail.eml`). The message bytes are composed at the first attempt (sender
from the settings, Date from the run's logical date, Message-ID from the key) and stored, so every
later attempt sends exactly those bytes. States and their transitions:
:mod:`techaid.outputs.mail.states`. Emails that ended ``failed``: :func:`failed_since`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from techaid import config
from techaid.outputs.mail import eml, smtp, states
from techaid.outputs.mail.email import Email
from techaid.outputs.mail.smtp import SmtpSettings
from techaid.outputs.mail.states import DeliveryReport, OutboxRow
from techaid.warehouse.engine import is_postgres, write_transaction
from techaid.warehouse.schema import email_outbox as T

__all__ = [
    "DeliveryReport",
    "OutboxRow",
    "deliver",
    "due",
    "failed_since",
    "get",
    "record",
]

log = logging.getLogger(__name__)

due = states.due
get = states.get


def record(engine: Engine, emails: Iterable[Email], created_at: dt.datetime) -> int:
    """Record each email as ``pending`` unless its dedupe key is already in the outbox (whatever
    its status): an email is never recorded twice nor overwritten. Returns how many were new."""
    created = states.utc_naive(created_at)
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for e in emails:
        if e.dedupe_key in seen:
            continue
        seen.add(e.dedupe_key)
        rows.append(
            {
                "dedupe_key": e.dedupe_key,
                "kind": e.kind,
                "period": e.period,
                "city_code": e.city_code,
                "recipients": ",".join(e.recipients),
                "subject": e.subject,
                "status": states.PENDING,
                "attempts": 0,
                "created_at": created,
                "content": states.email_to_json(e),
            }
        )
    if not rows:
        return 0
    inserted = 0
    with write_transaction(engine, lock="techaid.outputs.mail.outbox") as conn:
        for row in rows:
            inserted += _insert_absent(conn, row)
    return inserted


def _insert_absent(conn: Connection, row: dict[str, Any]) -> int:
    dialect = postgresql if is_postgres(conn) else sqlite
    stmt = dialect.insert(T).values(**row).on_conflict_do_nothing(index_elements=["dedupe_key"])
    return conn.execute(stmt).rowcount


def deliver(
    engine: Engine,
    settings: SmtpSettings | None,
    logical_date: dt.datetime,
    out_dir: Path,
    *,
    keys: Collection[str] | None = None,
    max_attempts: int | None = None,
) -> DeliveryReport:
    """Deliver every pending email (or only those of ``keys``).

    ``settings`` None (no mail server): each is written as ``out_dir/<name from key>.eml`` and
    becomes ``written``. Otherwise each is sent over one SMTP connection and becomes ``sent``,
    stays ``pending`` (temporary refusal, outage) or ends ``failed``. First, emails left
    ``sending`` by a run that died end ``failed`` ("outcome unknown"). ``logical_date`` (the
    run's, never the clock) becomes the Date of newly composed messages. Raises on an SMTP
    configuration error (rejected login); an unreachable server is reported, not raised.
    """
    cfg = config.program()
    limits = cfg.delivery
    report = DeliveryReport()
    stale = dt.timedelta(minutes=limits.stale_sending_minutes)
    report.recovered = states.recover_stale(engine, stale)
    for key in report.recovered:
        log.error("email %s: %s", key, "outcome unknown (its delivery run died); not resent")
    rows = states.due(engine, keys)
    date = _local(logical_date, cfg.program.timezone)
    if settings is None:
        _write_all(
            engine, rows, date, Path(out_dir), limits.file_sender, limits.sender_name, report
        )
    else:
        smtp.send_pending(
            engine,
            settings,
            rows,
            date,
            report,
            max_attempts=max_attempts or limits.max_attempts,
            timeout=limits.timeout_seconds,
            sender_name=limits.sender_name,
        )
    log.info("outbox: %s", report.summary())
    return report


def _local(moment: dt.datetime, tz: str) -> dt.datetime:
    """The logical date in the program's time zone (naive means UTC), as the Date header."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(ZoneInfo(tz))


def _write_all(
    engine: Engine,
    rows: list[OutboxRow],
    date: dt.datetime,
    out_dir: Path,
    sender: str,
    sender_name: str,
    report: DeliveryReport,
) -> None:
    from techaid.outputs.mail.message import compose

    for row in rows:
        message = row.message
        if message is None:
            try:
                message = compose(row.email(), sender, date, sender_name)
            except Exception as exc:  # one broken email must not stop the rest
                states.mark_failed(engine, row.dedupe_key, None, f"cannot compose: {exc!r}")
                report.failed.append(row.dedupe_key)
                continue
        path = eml.write(out_dir, row.dedupe_key, message)
        if states.mark_written(engine, row.dedupe_key, message):
            report.written.append(row.dedupe_key)
            log.info("email %s written to %s", row.dedupe_key, path)


def failed_since(
    engine: Engine, since: dt.datetime, *, exclude_kinds: Collection[str] = ()
) -> list[OutboxRow]:
    """Emails that ended ``failed`` at or after ``since`` (oldest first), for the data engineers'
    report. Exclude ``pipeline_failure`` when reporting by email, or a failed report would
    report itself."""
    query = sa.select(*states.ROW_COLUMNS).where(
        T.c.status == states.FAILED, T.c.failed_at >= states.utc_naive(since)
    )
    if exclude_kinds:
        query = query.where(T.c.kind.not_in(sorted(exclude_kinds)))
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(T.c.failed_at, T.c.dedupe_key)).all()
    return [states.row_of(r) for r in rows]
