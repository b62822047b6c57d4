"""What the monthly run tells people, composed and recorded in the outbox in one step.

:func:`compose_month` records, for the run's month:

- a ``receipt`` for every accepted version and a ``feedback`` for every refused or partly
  quarantined one, among the versions of the months the run touched and every refused file
  (a file refused at discovery, whatever month it names, is told once);
- a ``lagging_alert`` to each city with lagging counties;
- the ``provincial_report`` to the provincial team.

Keys already in the outbox are skipped before anything is rendered: a re-run or a retried task
records nothing new and costs a few queries (no workbook, no chart). Emails are only recorded
here; the send step delivers them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from techaid import config
from techaid.outputs.compose import feedback, lagging_alert, provincial_report, receipt
from techaid.outputs.compose.common import recorded_keys
from techaid.outputs.compose.version_facts import read_versions
from techaid.outputs.mail import outbox
from techaid.outputs.mail.email import Email
from techaid.outputs.report import charts as chart_module
from techaid.outputs.report.data import read_rollup
from techaid.outputs.report.workbook import workbook_bytes
from techaid.warehouse.schema import submission

log = logging.getLogger(__name__)


@dataclass
class Composed:
    """What one compose step did: the keys it recorded, and those already there."""

    recorded: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)

    def by_kind(self) -> dict[str, int]:
        return dict(sorted(Counter(k.split("/", 1)[0] for k in self.recorded).items()))

    def summary(self) -> dict[str, object]:
        return {
            "recorded": len(self.recorded),
            "by_kind": self.by_kind(),
            "already_recorded": len(self.already),
            "keys": self.recorded,
        }


def versions_to_tell(engine: Engine, periods: Collection[str]) -> list[str]:
    """Every version of ``periods`` and every refused version (any month), oldest first."""
    t = submission
    query = sa.select(t.c.submission_id).where(
        sa.or_(t.c.period.in_(sorted(periods)), t.c.outcome == "rejected")
    )
    with engine.connect() as conn:
        return list(conn.execute(query.order_by(t.c.received_at, t.c.submission_id)).scalars())


def version_emails(
    engine: Engine, submission_ids: Iterable[str], out_root: Path
) -> tuple[list[Email], set[str]]:
    """Receipts and feedback due for ``submission_ids`` and not yet in the outbox, and the keys
    already there. The daily intake can call this too: the keys make each email go out once,
    whichever run composes it first."""
    due: dict[str, str] = {}
    for v in read_versions(engine, submission_ids, details=False):
        if receipt.wants_receipt(v):
            due[receipt.receipt_key(v)] = v.submission_id
        if feedback.wants_feedback(v):
            due[feedback.feedback_key(v)] = v.submission_id
    already = recorded_keys(engine, due)
    todo = {k for k in due if k not in already}
    emails: list[Email] = []
    for v in read_versions(engine, dict.fromkeys(sid for k, sid in due.items() if k in todo)):
        if receipt.wants_receipt(v) and receipt.receipt_key(v) in todo:
            emails += _some(receipt.receipt_email(v))
        if feedback.wants_feedback(v) and feedback.feedback_key(v) in todo:
            attachment = feedback.workbook_bytes(engine, v, out_root)
            emails += _some(feedback.feedback_email(v, attachment))
    return emails, already


def month_emails(engine: Engine, period: str) -> tuple[list[Email], set[str]]:
    """The lagging alerts and the provincial report of ``period`` not yet in the outbox, and
    the keys already there."""
    from techaid.recommend import pairing

    alert_keys = {c: lagging_alert.alert_key(period, c) for c in config.hierarchy().city_codes()}
    report_key = provincial_report.report_key(period)
    already = recorded_keys(engine, [*alert_keys.values(), report_key])
    if len(already) == len(alert_keys) + 1:
        return [], already
    rollup = read_rollup(engine, period)
    emails: list[Email] = []
    wanted = [c for c in lagging_alert.lagging_cities(rollup) if alert_keys[c] not in already]
    if wanted:
        suggestions = pairing.suggest(engine, period)
        for city in wanted:
            emails += _some(lagging_alert.lagging_alert(rollup, city, suggestions))
    if report_key not in already:
        pngs = chart_module.render(rollup)
        emails.append(provincial_report.provincial_report(rollup, pngs, workbook_bytes(rollup)))
    return emails, already


def _some(email: Email | None) -> list[Email]:
    return [] if email is None else [email]


def compose_month(
    engine: Engine,
    period: str,
    periods: Collection[str],
    out_root: Path,
    created_at: dt.datetime,
) -> Composed:
    """Record the month's emails (see the module's docstring); ``periods`` are the months the
    run touched (its own and those of the versions it decided)."""
    ids = versions_to_tell(engine, {period, *periods})
    office, seen = version_emails(engine, ids, out_root)
    month, seen_month = month_emails(engine, period)
    emails = office + month
    outbox.record(engine, emails, created_at)
    done = Composed(recorded=[e.dedupe_key for e in emails], already=sorted(seen | seen_month))
    log.info("emails recorded: %s; already in the outbox: %d", done.by_kind(), len(done.already))
    return done
