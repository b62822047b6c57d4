"""The life of an ``email_outbox`` row, one committed transition at a time.

::

    pending --claim (attempts+1, committed)--> sending --> sent
       ^                                          |----> failed   (5xx, refused recipient,
       |---- 4xx, timeout, lost connection -------|               outcome unknown)
    pending --> written   (no mail server: the .eml file)
    pending --> failed    (attempts reached the limit, or the email cannot be composed)

Every transition out of ``sending`` names the claim that entered it, so two delivery runs never
both send one email, and a run that outlives its claim being declared dead (stale) still records
the outcome it learnt. Timestamps are UTC, naive, like every warehouse table.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from techaid.outputs.mail.email import Attachment, Email, InlineImage
from techaid.warehouse.engine import write_transaction
from techaid.warehouse.schema import email_outbox as T

PENDING, SENDING, SENT, FAILED, WRITTEN = "pending", "sending", "sent", "failed", "written"
OUTCOME_UNKNOWN = "outcome unknown"


def utc_naive(moment: dt.datetime) -> dt.datetime:
    """A timestamp as the warehouse stores it: UTC without tzinfo (naive input is UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def now() -> dt.datetime:
    return utc_naive(dt.datetime.now(dt.UTC))


@dataclass
class DeliveryReport:
    """What one delivery run did, by dedupe key."""

    sent: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # still pending: a later run tries again
    failed: list[str] = field(default_factory=list)  # ended failed in this run
    recovered: list[str] = field(default_factory=list)  # left `sending` by a dead run: failed
    connection_error: str | None = None  # why the mail server could not be reached

    def summary(self) -> str:
        text = (
            f"sent {len(self.sent)}, written {len(self.written)}, still pending "
            f"{len(self.pending)}, failed {len(self.failed)}, outcome unknown after a dead run "
            f"{len(self.recovered)}"
        )
        return text + (f"; mail server: {self.connection_error}" if self.connection_error else "")


@dataclass(frozen=True)
class OutboxRow:
    dedupe_key: str
    kind: str
    period: str
    city_code: str | None
    recipients: str
    subject: str
    status: str
    attempts: int
    last_error: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    failed_at: dt.datetime | None
    content: str
    message: bytes | None

    def email(self) -> Email:
        return email_from_json(self.content)


ROW_COLUMNS = [T.c[name] for name in OutboxRow.__dataclass_fields__]


# ---------------------------------------------------------------- content


def email_to_json(e: Email) -> str:
    """The email as recorded: every field, binary parts in base64 (sorted keys: stable text)."""
    return json.dumps(
        {
            "kind": e.kind,
            "period": e.period,
            "city_code": e.city_code,
            "to": e.to,
            "cc": e.cc,
            "subject": e.subject,
            "html": e.html,
            "text": e.text,
            "dedupe_key": e.dedupe_key,
            "attachments": [[a.filename, _b64(a.content), a.mime_type] for a in e.attachments],
            "inline_images": [[i.cid, _b64(i.content), i.mime_type] for i in e.inline_images],
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def email_from_json(text: str) -> Email:
    d: dict[str, Any] = json.loads(text)
    return Email(
        kind=d["kind"],
        period=d["period"],
        city_code=d["city_code"],
        to=list(d["to"]),
        cc=list(d["cc"]),
        subject=d["subject"],
        html=d["html"],
        text=d["text"],
        dedupe_key=d["dedupe_key"],
        attachments=[Attachment(n, base64.b64decode(c), t) for n, c, t in d["attachments"]],
        inline_images=[InlineImage(n, base64.b64decode(c), t) for n, c, t in d["inline_images"]],
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# ---------------------------------------------------------------- reading


def due(engine: Engine, keys: Collection[str] | None = None) -> list[OutboxRow]:
    """Pending emails, oldest first (``keys`` limits them to those dedupe keys)."""
    query = sa.select(*ROW_COLUMNS).where(T.c.status == PENDING)
    if keys is not None:
        if not keys:
            return []
        query = query.where(T.c.dedupe_key.in_(sorted(keys)))
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(T.c.created_at, T.c.dedupe_key)).all()
    return [row_of(r) for r in rows]


def get(engine: Engine, key: str) -> OutboxRow | None:
    with engine.connect() as conn:
        r = conn.execute(sa.select(*ROW_COLUMNS).where(T.c.dedupe_key == key)).first()
    return row_of(r) if r is not None else None


def row_of(r: Any) -> OutboxRow:
    values = dict(r._mapping)
    if values["message"] is not None:
        values["message"] = bytes(values["message"])
    return OutboxRow(**values)


# ---------------------------------------------------------------- transitions


def claim(engine: Engine, key: str, token: str, message: bytes | None) -> bool:
    """pending -> sending, attempts + 1, committed before anything is sent. False when another
    run took it first. ``message`` is stored when the row has none yet (the first attempt)."""
    values: dict[str, Any] = {
        "status": SENDING,
        "attempts": T.c.attempts + 1,
        "claim": token,
        "claimed_at": now(),
    }
    if message is not None:
        values["message"] = sa.func.coalesce(T.c.message, message)
    return _update(engine, key, [T.c.status == PENDING], values)


def release(engine: Engine, key: str, token: str, error: str, max_attempts: int) -> str:
    """sending -> pending after a temporary refusal (or failed once attempts reach the limit).
    Returns the new status."""
    return _retry_or_fail(
        engine, key, [T.c.claim == token, T.c.status == SENDING], error, max_attempts
    )


def count_attempt(engine: Engine, key: str, error: str, max_attempts: int) -> str:
    """A pending email this run could not try (the server was unreachable): one attempt."""
    values = {"attempts": T.c.attempts + 1}
    return _retry_or_fail(engine, key, [T.c.status == PENDING], error, max_attempts, values)


def _retry_or_fail(
    engine: Engine,
    key: str,
    where: list[Any],
    error: str,
    max_attempts: int,
    extra: dict[str, Any] | None = None,
) -> str:
    attempts = T.c.attempts + 1 if extra else T.c.attempts
    give_up = attempts >= max_attempts
    values = {
        **(extra or {}),
        "status": sa.case((give_up, FAILED), else_=PENDING),
        "failed_at": sa.case((give_up, now()), else_=None),
        "last_error": sa.case(
            (give_up, f"{error} (attempt limit {max_attempts} reached)"), else_=error
        ),
    }
    _update(engine, key, where, values)
    row = get(engine, key)
    return row.status if row is not None else FAILED


def mark_sent(engine: Engine, key: str, token: str) -> bool:
    """The server accepted the message (also after a stale claim was declared failed)."""
    where = [T.c.claim == token, T.c.status.in_((SENDING, FAILED))]
    return _update(engine, key, where, {"status": SENT, "sent_at": now(), "last_error": None})


def mark_failed(engine: Engine, key: str, token: str | None, error: str) -> bool:
    """Ended without delivery (or with an unknown outcome): never tried again."""
    where = [T.c.status == PENDING] if token is None else [T.c.claim == token]
    if token is not None:
        where.append(T.c.status.in_((SENDING, FAILED)))
    return _update(engine, key, where, {"status": FAILED, "failed_at": now(), "last_error": error})


def mark_written(engine: Engine, key: str, message: bytes) -> bool:
    """pending -> written: the .eml file holds exactly ``message``."""
    values = {
        "status": WRITTEN,
        "attempts": T.c.attempts + 1,
        "message": message,
        "sent_at": now(),
        "last_error": None,
    }
    return _update(engine, key, [T.c.status == PENDING], values)


def recover_stale(engine: Engine, stale_after: dt.timedelta) -> list[str]:
    """Emails ``sending`` for longer than ``stale_after``: their run died between counting the
    attempt and learning the outcome, so the message may have gone out. They end failed,
    "outcome unknown", and are never resent automatically."""
    cutoff = now() - stale_after
    stale = [T.c.status == SENDING, T.c.claimed_at < cutoff]
    with engine.connect() as conn:
        keys = conn.execute(sa.select(T.c.dedupe_key).where(*stale)).scalars().all()
    recovered = []
    for key in keys:
        error = f"{OUTCOME_UNKNOWN}: the delivery run ended while sending; not resent"
        if _update(engine, key, stale, {"status": FAILED, "failed_at": now(), "last_error": error}):
            recovered.append(key)
    return recovered


def _update(engine: Engine, key: str, where: list[Any], values: dict[str, Any]) -> bool:
    with write_transaction(engine) as conn:
        result = conn.execute(T.update().where(T.c.dedupe_key == key, *where).values(**values))
    return result.rowcount == 1
