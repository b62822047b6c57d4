"""What the DAGs remember about their own runs, in the warehouse rather than in Airflow's state.

- ``run_log``: each monthly run that succeeded (DAG, period, run id), so the daily run can tell
  when a month's run is missing, whatever happened to Airflow's metadata database;
- ``reminder_run``: each day the daily run has run for, so a run knows which of its days were
  missed; the months it closed (started their monthly run), and how far failed emails have been
  reported.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from techaid.periods import utc_naive
from techaid.warehouse.engine import is_postgres, write_transaction
from techaid.warehouse.schema import reminder_run, run_log

MONTHLY_DAG = "monthly_reporting"


def record_success(
    engine: Engine, period: str, run_id: str, when: dt.datetime, dag_id: str = MONTHLY_DAG
) -> None:
    """Record that ``dag_id``'s run ``run_id`` for ``period`` succeeded (again: no change)."""
    row = {"dag_id": dag_id, "period": period, "run_id": run_id, "succeeded_at": utc_naive(when)}
    with write_transaction(engine) as conn:
        dialect = postgresql if is_postgres(conn) else sqlite
        conn.execute(
            dialect.insert(run_log)
            .values(**row)
            .on_conflict_do_nothing(index_elements=["dag_id", "period", "run_id"])
        )


def succeeded_periods(engine: Engine, periods: list[str], dag_id: str = MONTHLY_DAG) -> set[str]:
    """Which of ``periods`` have at least one successful run of ``dag_id``."""
    if not periods:
        return set()
    query = sa.select(run_log.c.period).where(
        run_log.c.dag_id == dag_id, run_log.c.period.in_(sorted(set(periods)))
    )
    with engine.connect() as conn:
        return set(conn.execute(query).scalars())


def last_reminder_run(engine: Engine, before: dt.date) -> dt.date | None:
    """The latest day before ``before`` the daily run finished for (None: never)."""
    query = sa.select(sa.func.max(reminder_run.c.run_date)).where(reminder_run.c.run_date < before)
    with engine.connect() as conn:
        value = conn.execute(query).scalar_one_or_none()
    if isinstance(value, str):  # SQLite hands back text for an aggregate over a date column
        return dt.date.fromisoformat(value)
    return value


def closings(engine: Engine, before: dt.date) -> list[tuple[dt.date, str]]:
    """``(run_date, period)`` of every month closed by a daily run before ``before``."""
    t = reminder_run
    query = (
        sa.select(t.c.run_date, t.c.closed_periods)
        .where(t.c.run_date < before, t.c.closed_periods.is_not(None), t.c.closed_periods != "")
        .order_by(t.c.run_date)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [(r.run_date, p) for r in rows for p in r.closed_periods.split(",") if p]


def failed_reported_until(engine: Engine) -> dt.datetime | None:
    """Failed emails up to this failure time (UTC, naive) have been reported."""
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.max(reminder_run.c.failed_until))).scalar()


def record_reminder_run(
    engine: Engine,
    day: dt.date,
    finished_at: dt.datetime,
    failed_until: dt.datetime | None,
    closed: list[str] | None = None,
) -> None:
    """Record that the daily run for ``day`` finished, having closed the months ``closed``;
    ``failed_until`` only ever moves on."""
    finished = utc_naive(finished_at)
    closed_text = ",".join(sorted(set(closed or [])))
    until = utc_naive(failed_until) if failed_until is not None else None
    with write_transaction(engine, lock="techaid.warehouse.reminder_run") as conn:
        old = conn.execute(
            sa.select(reminder_run.c.failed_until).where(reminder_run.c.run_date == day)
        ).first()
        if old is None:
            conn.execute(
                sa.insert(reminder_run).values(
                    run_date=day,
                    closed_periods=closed_text,
                    failed_until=until,
                    finished_at=finished,
                )
            )
            return
        if old.failed_until is not None and (until is None or old.failed_until > until):
            until = old.failed_until
        conn.execute(
            sa.update(reminder_run)
            .where(reminder_run.c.run_date == day)
            .values(closed_periods=closed_text, failed_until=until, finished_at=finished)
        )
