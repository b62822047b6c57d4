"""The daily run as plain functions: what each ``submission_reminders`` task calls.

A run is as of one day in the program's time zone. It takes in every submission file received
by the end of that day and not yet recorded (intake and data quality only: no rollup), tells the
offices (receipts, feedback), records the ``reminder`` and ``overdue`` notices due, reports a
missing monthly run and failed emails to the data engineers, says which month closes (its monthly
run starts), and finally records the day in ``reminder_run``. What fell due is judged on the
window after the last day recorded before it (:mod:`techaid.deadlines`), so missed days are
caught up once and a retried or re-run day records nothing new.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from techaid import config, deadlines, paths, periods, pipeline
from techaid.outputs.mail import outbox, reminders, watchdog
from techaid.warehouse import engine as wh_engine
from techaid.warehouse import run_log
from techaid.warehouse.schema import email_outbox, submission

log = logging.getLogger(__name__)


def run_day(run_after: dt.datetime, date: str | None = None) -> dt.date:
    """The day a run is as of: ``date`` (YYYY-MM-DD) when given, else the run's date in the
    program's time zone."""
    if date:
        return dt.date.fromisoformat(date)
    if run_after.tzinfo is None:
        run_after = run_after.replace(tzinfo=dt.UTC)
    return run_after.astimezone(ZoneInfo(config.program().program.timezone)).date()


def delivery_date(day: dt.date) -> dt.datetime:
    """The Date of the run's emails: 09:00 of its day, local (never the clock, so a re-run
    writes the same bytes)."""
    tz = ZoneInfo(config.program().program.timezone)
    return dt.datetime.combine(day, dt.time(9), tz)


def cutoff(day: dt.date) -> dt.datetime:
    """Files received before this instant (UTC, naive) count for a run as of ``day``."""
    return reminders.end_of_day(day, config.program().program.timezone)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _last_run(engine: Engine, day: dt.date) -> dt.date | None:
    return run_log.last_reminder_run(engine, day)


# ---------------------------------------------------------------- intake


def discover(url: str, day: dt.date) -> list[dict[str, Any]]:
    """Every submission version received by the end of ``day`` and not yet recorded; one plan
    per city, read, checked and loaded by the same functions as the monthly run."""
    return pipeline.discover(url, periods.period_of(day), received_before=cutoff(day))


def publish_quality(url: str, day: dt.date, plans: list[dict[str, Any]]) -> dict[str, Any]:
    """Feedback workbooks, Data Docs and the warehouse checks, as after a monthly run's loads."""
    return pipeline.publish_quality(url, periods.add_months(periods.period_of(day), -1), plans)


def refused_by(engine: Engine, before: dt.datetime) -> list[str]:
    """Every refused version of a known city received before ``before``, oldest first (each is
    told once: its feedback key)."""
    t = submission
    query = (
        sa.select(t.c.submission_id)
        .where(t.c.outcome == "rejected", t.c.city_code.is_not(None), t.c.received_at < before)
        .order_by(t.c.received_at, t.c.submission_id)
    )
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


def tell_offices(url: str, day: dt.date, plans: list[dict[str, Any]]) -> dict[str, Any]:
    """Record a receipt for each version decided now and accepted, and a feedback for each
    refused or partly quarantined one (refusals at discovery included), unless already
    recorded by any run."""
    from techaid.outputs.compose.monthly import version_emails

    engine = wh_engine.make_engine(url)
    decided = [v["submission_id"] for plan in plans for v in plan["versions"]]
    ids = list(dict.fromkeys([*decided, *refused_by(engine, cutoff(day))]))
    emails, already = version_emails(engine, ids, paths.output_root())
    recorded = outbox.record(engine, emails, _now())
    keys = [e.dedupe_key for e in emails]
    log.info("receipts and feedback recorded: %d (%d already recorded)", recorded, len(already))
    return {"recorded": keys, "already": len(already)}


# ---------------------------------------------------------------- by the calendar


def notices(url: str, day: dt.date) -> dict[str, Any]:
    """Record the reminder and overdue notices due in the run's window."""
    engine = wh_engine.make_engine(url)
    last = _last_run(engine, day)
    keys = reminders.record_notices(engine, deadlines.from_config(), last, day, _now())
    log.info("as of %s (previous run %s): notices %s", day, last or "none", keys or "none")
    return {"day": day.isoformat(), "previous_run": last and last.isoformat(), "notices": keys}


def watch(url: str, day: dt.date) -> dict[str, Any]:
    """Record the watchdog's pipeline_failure emails (missing monthly run, failed emails)."""
    engine = wh_engine.make_engine(url)
    found = watchdog.watch(engine, deadlines.from_config(), _last_run(engine, day), day, _now())
    log.info(
        "watchdog: monthly runs missing %s; failed emails reported %d",
        found.missed_months or "none",
        len(found.failed_emails),
    )
    return {
        "keys": found.keys,
        "missed_months": found.missed_months,
        "failed_emails": found.failed_emails,
        "failed_until": found.failed_until.isoformat() if found.failed_until else None,
    }


def month_to_close(url: str, day: dt.date) -> str | None:
    """The month whose monthly run starts with this run (its closing day fell in the window)."""
    engine = wh_engine.make_engine(url)
    return deadlines.from_config().month_to_close(_last_run(engine, day), day)


def finish(url: str, day: dt.date, failed_until: str | None) -> None:
    """Record the day as run, with the months it closed: the next run's window starts after
    it, and the watchdog counts from it."""
    engine = wh_engine.make_engine(url)
    until = dt.datetime.fromisoformat(failed_until) if failed_until else None
    closed = deadlines.from_config().months_closing(_last_run(engine, day), day)
    run_log.record_reminder_run(engine, day, _now(), until, closed)


# ---------------------------------------------------------------- summary


def summary(url: str | None, day: dt.date) -> str:
    """The day at a glance from the warehouse: versions received that day, the notices and
    watchdog emails of the run, and the outbox's state."""
    engine = wh_engine.make_engine(url)
    cal = deadlines.from_config()
    last = _last_run(engine, day)
    h = config.hierarchy()
    lines = [f"submission_reminders as of {day} (previous run: {last or 'none'})"]
    t = submission
    start = cutoff(day - dt.timedelta(days=1))
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.c.city_code, t.c.period, t.c.status, t.c.file_name)
            .where(t.c.received_at >= start, t.c.received_at < cutoff(day))
            .order_by(t.c.received_at)
        ).all()
    lines.append(f"  file versions received that day: {len(rows)}")
    lines += [f"    {r.city_code} {r.period} {r.status} {r.file_name}" for r in rows]
    keys = [
        reminders.notice_key(n, c)
        for n in cal.notices_due(last, day)
        for c in h.city_codes()
        if h.counties_of(c, n.period)
    ]
    watched = cal.closings_to_watch(run_log.closings(engine, day), last, day)
    keys += [watchdog.missed_run_key(p) for _, p in watched]
    with engine.connect() as conn:
        status: dict[str, str] = dict(
            conn.execute(
                sa.select(email_outbox.c.dedupe_key, email_outbox.c.status).where(
                    email_outbox.c.dedupe_key.in_(keys)
                )
            ).all()
        )
        counts: dict[str, int] = dict(
            conn.execute(
                sa.select(email_outbox.c.status, sa.func.count()).group_by(email_outbox.c.status)
            ).all()
        )
    lines.append("  notices and watchdog emails due (none to an office whose month is accepted):")
    lines += [f"    {k}: {status[k]}" for k in keys if k in status] or ["    none"]
    closing = cal.month_to_close(last, day)
    lines.append(f"  month closed (its monthly_reporting run starts): {closing or 'none'}")
    lines.append(f"  outbox: {', '.join(f'{s} {n}' for s, n in sorted(counts.items())) or 'empty'}")
    text = "\n".join(lines)
    log.info("%s", text)
    return text


def main(argv: list[str] | None = None) -> int:
    """``python -m techaid.daily YYYY-MM-DD``: the summary of a day (after ``make remind``)."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("date", help="the day (YYYY-MM-DD)")
    parser.add_argument("--warehouse", help="SQLAlchemy URL (default: the configured warehouse)")
    args = parser.parse_args(argv)
    print(summary(args.warehouse, dt.date.fromisoformat(args.date)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
