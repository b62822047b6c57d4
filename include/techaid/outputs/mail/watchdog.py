"""What the daily run reports to the data engineers beyond a failed task (``pipeline_failure``).

- **A missing monthly run**: the daily run that closes a month (on or after its closing day, the
  day after its deadline day) starts its monthly run; when no successful run of the month is in
  ``run_log`` a few days after that run (``notices.monthly_run_grace_days``), one email says so.
  Its key is the month's (``pipeline_failure/<period>/-/monthly_reporting/not_succeeded``): said
  once.
- **Emails that ended failed**: every email that ended ``failed`` after those already reported
  (``reminder_run.failed_until``), ``pipeline_failure`` emails apart (a failed report must not
  report itself), in one email listing them. Its key holds a fingerprint of the keys listed, so
  a retried run records it once and a later failure is never hidden behind an earlier report.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from techaid import config
from techaid.deadlines import Calendar
from techaid.outputs.mail import outbox
from techaid.outputs.mail.email import Email, dedupe_key
from techaid.outputs.mail.states import OutboxRow
from techaid.outputs.mail.templates import render
from techaid.periods import period_of
from techaid.warehouse import run_log

KIND = "pipeline_failure"
DAILY_DAG = "submission_reminders"
SUBJECT_PREFIX = "[科技助力精准扶贫]"
MAX_LISTED = 200  # failed emails listed in one body; the count is always given
_EPOCH = dt.datetime(1970, 1, 1)


@dataclass
class Watch:
    """What one watchdog step found: the emails' keys, and how far failures are now reported."""

    keys: list[str] = field(default_factory=list)
    missed_months: list[str] = field(default_factory=list)
    failed_emails: list[str] = field(default_factory=list)
    failed_until: dt.datetime | None = None


def _engineers() -> tuple[list[str], list[str]]:
    who = config.recipients().data_engineers
    return list(who.to), [a for a in dict.fromkeys(who.cc) if a not in who.to]


def missed_run_key(period: str) -> str:
    return dedupe_key(KIND, period, None, run_log.MONTHLY_DAG, "not_succeeded")


def missed_monthly_runs(
    engine: Engine, calendar: Calendar, last_run: dt.date | None, day: dt.date
) -> list[tuple[dt.date, str]]:
    """``(closed_on, period)`` of the months closed by earlier daily runs whose monthly run was
    due to have succeeded in the run's window and has not."""
    due = calendar.closings_to_watch(run_log.closings(engine, day), last_run, day)
    done = run_log.succeeded_periods(engine, [p for _, p in due])
    return [(closed_on, p) for closed_on, p in due if p not in done]


def missed_run_email(calendar: Calendar, period: str, closed_on: dt.date, day: dt.date) -> Email:
    to, cc = _engineers()
    closing = calendar.closing_day(period)
    body = render(
        "pipeline_failure_missed_run",
        dag_id=run_log.MONTHLY_DAG,
        period=period,
        deadline=f"{calendar.deadline(period):%Y-%m-%d}",
        closing=f"{closing:%Y-%m-%d}",
        closed_on=f"{closed_on:%Y-%m-%d}",
        grace=calendar.monthly_run_grace_days,
        watch_day=f"{calendar.watchdog_day(closed_on):%Y-%m-%d}",
        as_of=f"{day:%Y-%m-%d}",
    )
    return Email(
        kind=KIND,
        period=period,
        city_code=None,
        to=to,
        cc=cc,
        subject=(
            f"{SUBJECT_PREFIX} 任务失败 pipeline_failure: {run_log.MONTHLY_DAG} {period} "
            f"未成功（应于 {closed_on:%Y-%m-%d} 启动）"
        ),
        html=body.html,
        text=body.text,
        dedupe_key=missed_run_key(period),
    )


def failed_emails_key(day: dt.date, rows: list[OutboxRow]) -> str:
    digest = hashlib.sha256("\n".join(sorted(r.dedupe_key for r in rows)).encode()).hexdigest()
    return dedupe_key(KIND, period_of(day), None, DAILY_DAG, "failed_emails", digest[:16])


def failed_emails_email(rows: list[OutboxRow], day: dt.date) -> Email | None:
    """One email listing ``rows`` (emails that ended failed); None when there are none."""
    if not rows:
        return None
    to, cc = _engineers()
    listed = [
        {
            "key": r.dedupe_key,
            "kind": r.kind,
            "period": r.period,
            "city": r.city_code or "-",
            "recipients": r.recipients,
            "attempts": r.attempts,
            "failed_at": f"{r.failed_at:%Y-%m-%d %H:%M} UTC" if r.failed_at else "-",
            "error": " ".join((r.last_error or "-").split())[:500],
        }
        for r in rows[:MAX_LISTED]
    ]
    body = render(
        "pipeline_failure_failed_emails", emails=listed, total=len(rows), as_of=f"{day:%Y-%m-%d}"
    )
    return Email(
        kind=KIND,
        period=period_of(day),
        city_code=None,
        to=to,
        cc=cc,
        subject=(
            f"{SUBJECT_PREFIX} 任务失败 pipeline_failure: {len(rows)} 封邮件发送失败 "
            f"failed emails（截至 {day:%Y-%m-%d}）"
        ),
        html=body.html,
        text=body.text,
        dedupe_key=failed_emails_key(day, rows),
    )


def newly_failed(engine: Engine) -> list[OutboxRow]:
    """Emails that ended failed after the last one reported (``pipeline_failure`` apart)."""
    until = run_log.failed_reported_until(engine)
    since = until + dt.timedelta(microseconds=1) if until is not None else _EPOCH
    return outbox.failed_since(engine, since, exclude_kinds={KIND})


def watch(
    engine: Engine,
    calendar: Calendar,
    last_run: dt.date | None,
    day: dt.date,
    created_at: dt.datetime,
) -> Watch:
    """Record the watchdog's emails for the run as of ``day``; the caller stores
    ``failed_until`` once the run is done (:func:`techaid.warehouse.run_log.record_reminder_run`)."""
    found = Watch(failed_until=run_log.failed_reported_until(engine))
    emails = []
    for closed_on, period in missed_monthly_runs(engine, calendar, last_run, day):
        emails.append(missed_run_email(calendar, period, closed_on, day))
        found.missed_months.append(period)
    failed = newly_failed(engine)
    report = failed_emails_email(failed, day)
    if report is not None:
        emails.append(report)
        found.failed_emails = [r.dedupe_key for r in failed]
        found.failed_until = max(r.failed_at for r in failed if r.failed_at is not None)
    outbox.record(engine, emails, created_at)
    found.keys = [e.dedupe_key for e in emails]
    return found
