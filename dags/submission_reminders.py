"""
### submission_reminders

Every day, tells the municipal offices what became of the files they uploaded and what they
still owe, and starts each month's monthly run once the month's deadline has passed.

**When:** daily at 09:00 Asia/Shanghai, as of that day. Trigger with `params.date`
(`YYYY-MM-DD`) to run as of any day (`make remind DATE=2018-06-04`).

**What:** `prepare` (configuration check, warehouse migrations, the run's day) → `discover`
(every submission file received by the end of the day and not yet recorded; files received
later wait for a later run, registers for the monthly run) → per city (mapped): `read` → `check`
→ `load`, the monthly run's own steps → `publish_quality` (feedback workbooks, Data Docs,
warehouse checks) → `tell_offices` (a `receipt` or `feedback` email for each version decided) →
`notices` (a `reminder` on the calendar days 3 and 1 before a month's deadline day, an `overdue`
notice on the days 1, 3 and 7 after it, the 7-day one copying the provincial team; only to
offices with nothing accepted for the month as of the day) → `watchdog` (`pipeline_failure` to
the data engineers for a monthly run not succeeded 2 days after its day, and one listing the
emails that ended `failed`) → `close_month` (on the day after a month's deadline day, overrides
included: an event on the asset `techaid_month_closed` naming the month, which starts
`monthly_reporting`; skipped on other days) → `finish` (records the day in the warehouse table
`reminder_run`) → `send` (delivers the outbox). Days and offsets: `program.yaml`, sections
`deadline` and `notices`.

Missed days are caught up: a run acts on what fell due after the last day recorded in
`reminder_run`, and for each month only on its most recent notice, if still needed. A first run
(empty table) acts only on what falls due that day.

**Needs:** connection `techaid_warehouse` (default: SQLite in `data/`), `TECHAID_LANDING`,
`TECHAID_OUTPUT`; connection `techaid_smtp` (without it emails are written as `.eml` files to
`<output>/outbox/`). Loads run in pool `techaid_warehouse`.

**Triage:** every task is idempotent: clear and re-run it. A file problem never fails the run
(the file is recorded `rejected` and its office gets a feedback email). A failed task before
`finish` leaves the day unrecorded, so the next run covers it too. A failed `send` (rejected SMTP
login, say) leaves the emails `pending`: fix the connection and clear `send`. `monthly_reporting`
is scheduled on `techaid_month_closed`: pausing this DAG stops it starting too; run a month by
hand with `make run PERIOD=YYYY-MM`. The watchdog's emails name the month and what to check.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import CronTriggerTimetable, Param, dag, get_current_context, task

from techaid_airflow.assets import MONTH_CLOSED
from techaid_airflow.city_tasks import per_city
from techaid_airflow.defaults import DEFAULT_ARGS, TIMEZONE


@dag(
    schedule=CronTriggerTimetable("0 9 * * *", timezone=TIMEZONE),
    start_date=pendulum.datetime(2017, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params={"date": Param(None, type=["null", "string"], pattern=r"^\d{4}-\d{2}-\d{2}$")},
    tags=["techaid", "daily"],
    doc_md=__doc__,
)
def submission_reminders() -> None:
    @task
    def prepare() -> str:
        """Check the configuration, bring the warehouse schema up to date, fix the run's day."""
        from techaid import daily, pipeline
        from techaid_airflow.hooks import warehouse_url

        ctx = get_current_context()
        day = daily.run_day(ctx["dag_run"].run_after, ctx["params"].get("date"))
        pipeline.prepare(warehouse_url())
        return day.isoformat()

    @task
    def discover(day: str) -> list[dict]:
        """Record every submission file received by the end of the day; one plan per city."""
        import datetime as dt

        from techaid import daily
        from techaid_airflow.hooks import warehouse_url

        return daily.discover(warehouse_url(), dt.date.fromisoformat(day))

    @task(multiple_outputs=False)
    def publish_quality(day: str, plans: list[dict]) -> dict:
        """Feedback workbooks, the Data Docs site, and the warehouse checks."""
        import datetime as dt

        from techaid import daily
        from techaid_airflow.hooks import warehouse_url

        return daily.publish_quality(warehouse_url(), dt.date.fromisoformat(day), plans)

    @task(multiple_outputs=False)
    def tell_offices(day: str, plans: list[dict]) -> dict:
        """Record a receipt or feedback email for each version decided."""
        import datetime as dt

        from techaid import daily
        from techaid_airflow.hooks import warehouse_url

        return daily.tell_offices(warehouse_url(), dt.date.fromisoformat(day), plans)

    @task(multiple_outputs=False)
    def notices(day: str) -> dict:
        """Record the reminder and overdue notices due since the last run."""
        import datetime as dt

        from techaid import daily
        from techaid_airflow.hooks import warehouse_url

        return daily.notices(warehouse_url(), dt.date.fromisoformat(day))

    @task(multiple_outputs=False)
    def watchdog(day: str) -> dict:
        """Record pipeline_failure emails: a monthly run missing, emails that ended failed."""
        import datetime as dt

        from techaid import daily
        from techaid_airflow.hooks import warehouse_url

        return daily.watch(warehouse_url(), dt.date.fromisoformat(day))

    @task(outlets=[MONTH_CLOSED])
    def close_month(day: str) -> str:
        """On a month's closing day, emit the asset event that starts its monthly run."""
        import datetime as dt

        from airflow.sdk.exceptions import AirflowSkipException

        from techaid import daily
        from techaid_airflow.hooks import warehouse_url

        period = daily.month_to_close(warehouse_url(), dt.date.fromisoformat(day))
        if period is None:
            raise AirflowSkipException(f"no month's deadline day ended just before {day}")
        get_current_context()["outlet_events"][MONTH_CLOSED].extra = {
            "period": period,
            "closed_on": day,
        }
        return period

    @task(trigger_rule="none_failed")
    def finish(day: str, watched: dict) -> None:
        """Record the day as run: the next run's window starts after it."""
        import datetime as dt

        from techaid import daily
        from techaid_airflow.hooks import warehouse_url

        daily.finish(warehouse_url(), dt.date.fromisoformat(day), watched["failed_until"])

    @task(multiple_outputs=False)
    def send(day: str) -> dict:
        """Deliver the outbox: over SMTP, or as .eml files without a mail server."""
        import datetime as dt

        from techaid import daily
        from techaid.warehouse.engine import make_engine
        from techaid_airflow.hooks import warehouse_url
        from techaid_airflow.mail import deliver_outbox

        when = daily.delivery_date(dt.date.fromisoformat(day))
        report = deliver_outbox(make_engine(warehouse_url()), when)
        return {"summary": report.summary(), "pending": report.pending, "failed": report.failed}

    day = prepare()
    plans = discover(day)
    quality = publish_quality(day, plans)
    per_city.expand(plan=plans) >> quality
    told = tell_offices(day, plans)
    noticed = notices(day)
    watched = watchdog(day)
    closed = close_month(day)
    done = finish(day, watched)
    quality >> told >> noticed >> watched >> closed >> done >> send(day)


submission_reminders()
