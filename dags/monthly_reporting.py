"""
### monthly_reporting

Turns the municipal offices' monthly submissions into warehouse data, one run per reporting month.

**When:** on each month's closing day, the day after its deadline day (the 6th by default; a
deadline moved by an override in `program.yaml` moves the run with it): `submission_reminders`
emits an event on the asset `techaid_month_closed` naming the month, and this DAG is scheduled on
it. Trigger with `params.period` (`YYYY-MM`) to run any month by hand (`make run PERIOD=2018-06`);
without either, the month before the run's date in Asia/Shanghai. The last task, `record_success`,
writes the run to the warehouse table `run_log`; the daily watchdog emails the data engineers
when a month has no success 2 days after its closing day.

**What:** `prepare` (warehouse migrations, configuration check) → `discover` (every new file in the
landing area becomes a version keyed by city, period and SHA-256; new register dates are loaded) →
per city (mapped, labelled with the city): `read` (parse and repair) → `check` (the rule registry:
refuse, quarantine rows or accept) → `load` (atomically replace the city's current version) →
`rollup` (indicators county → city → province against the targets, status, forecast and the
lagging-county ranking, for the month and every month a correction or new register changed) →
`publish_quality` (feedback workbooks for refused or partly quarantined versions, the Data Docs
site, SQL checks of the warehouse) → `summarize` (the month's table in the log); and after
`publish_quality`: `suggest_pairing` (up to 5 helpers per lagging county, table `shortlist`) →
`compose_emails` (receipts and feedback for every version decided, a lagging alert to each city
with lagging counties, the provincial report; recorded once per key in `email_outbox`) →
`provincial_report` (`<output>/<period>/rollup_<period>.xlsx` and `.html`) → `send_outbox`
(SMTP over `techaid_smtp`, or `.eml` files in `<output>/outbox/`). Corrections and late files for
earlier months are taken in the same run.

**Needs:** connection `techaid_warehouse` (SQLAlchemy URL; default: SQLite in `data/`), environment
`TECHAID_LANDING` (path or fsspec URL) and `TECHAID_OUTPUT`. Loads run in pool
`techaid_warehouse` (1 slot on SQLite).

**Triage:** every task is idempotent, so clearing and re-running a failed task is safe. A file
problem never fails the run: the file is recorded `rejected` with a fatal `dq_issue` saying why.
A failed task means the pipeline itself is broken (warehouse unreachable, bug): read the task log,
fix, clear the task. A failed `publish_quality` names the warehouse check that failed (orphan
rows, two current versions, negative counts): a pipeline bug, never an office's file. Failure
emails go to the data engineers (`<output>/outbox/`). Data Docs: `<output>/data_docs/index.html`
(its path is also in the `publish_quality` log); feedback workbooks: `<output>/feedback/`.
`send_outbox` fails only when the mail server refuses the connection's settings (login, STARTTLS,
certificate): no email is used up; fix `techaid_smtp` and clear the task. An unreachable server
leaves the emails pending for the next send; an email is never sent twice (docs/emails.md).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

from techaid_airflow.assets import MONTH_CLOSED
from techaid_airflow.city_tasks import per_city
from techaid_airflow.defaults import DEFAULT_ARGS, TIMEZONE, WAREHOUSE_POOL


@dag(
    schedule=[MONTH_CLOSED],  # emitted by submission_reminders on each month's closing day
    start_date=pendulum.datetime(2017, 2, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params={"period": Param(None, type=["null", "string"], pattern=r"^\d{4}-(0[1-9]|1[0-2])$")},
    tags=["techaid", "monthly"],
    doc_md=__doc__,
)
def monthly_reporting() -> None:
    @task
    def prepare() -> str:
        """Check the configuration, bring the warehouse schema up to date, fix the run's month."""
        from techaid import pipeline
        from techaid_airflow.assets import closed_period
        from techaid_airflow.hooks import warehouse_url

        ctx = get_current_context()
        period = (
            ctx["params"].get("period")
            or closed_period(ctx)
            or pipeline.run_period(ctx["dag_run"].run_after)
        )
        pipeline.prepare(warehouse_url())
        return period

    @task
    def discover(period: str) -> list[dict]:
        """Record every new file version and register; one plan per city."""
        from techaid import pipeline
        from techaid_airflow.hooks import warehouse_url

        return pipeline.discover(warehouse_url(), period)

    @task(pool=WAREHOUSE_POOL)
    def rollup(period: str, plans: list[dict]) -> list[str]:
        """Indicators, status and ranking for the month and every month a change affected."""
        from techaid import pipeline
        from techaid_airflow.hooks import warehouse_url

        return pipeline.rollup(warehouse_url(), period, plans)

    @task(multiple_outputs=False)
    def publish_quality(period: str, plans: list[dict]) -> dict:
        """Feedback workbooks, the Data Docs site, and the warehouse checks."""
        from techaid import pipeline
        from techaid_airflow.hooks import warehouse_url

        return pipeline.publish_quality(warehouse_url(), period, plans)

    @task
    def summarize(period: str) -> str:
        """The month at a glance in the task log."""
        from techaid import pipeline
        from techaid_airflow.hooks import warehouse_url

        return pipeline.summarize(warehouse_url(), period)

    @task(pool=WAREHOUSE_POOL)
    def suggest_pairing(period: str) -> int:
        """Pairing suggestions for the month's lagging counties, published in `shortlist`."""
        from techaid import pipeline
        from techaid_airflow.hooks import warehouse_url

        return pipeline.suggest_pairing(warehouse_url(), period)

    @task(pool=WAREHOUSE_POOL, multiple_outputs=False)
    def compose_emails(period: str, plans: list[dict]) -> dict:
        """Record receipts, feedback, lagging alerts and the provincial report in the outbox."""
        from techaid import pipeline
        from techaid_airflow.hooks import warehouse_url

        run_after = get_current_context()["dag_run"].run_after
        return pipeline.compose_emails(warehouse_url(), period, plans, run_after)

    @task(multiple_outputs=False)
    def provincial_report(period: str) -> dict:
        """Write the rollup workbook and page under `<output>/<period>/`."""
        from techaid import pipeline
        from techaid_airflow.hooks import warehouse_url

        return pipeline.provincial_report(warehouse_url(), period)

    @task(multiple_outputs=False)
    def send_outbox() -> dict:
        """Deliver pending emails over `techaid_smtp`, or as .eml files without it; never twice."""
        from techaid import pipeline
        from techaid_airflow.hooks import warehouse_url
        from techaid_airflow.mail import smtp_settings

        run_after = get_current_context()["dag_run"].run_after
        return pipeline.send_outbox(warehouse_url(), smtp_settings(), run_after)

    period = prepare()
    plans = discover(period)
    checked = publish_quality(period, plans)
    per_city.expand(plan=plans) >> rollup(period, plans) >> checked >> summarize(period)
    composed = compose_emails(period, plans)
    checked >> suggest_pairing(period) >> composed >> provincial_report(period) >> send_outbox()

    @task
    def record_success(period: str) -> None:
        """Record the month's successful run in the warehouse, for the daily watchdog; remove
        staged files older than `staging.retention_days` (program.yaml)."""
        import datetime as dt

        from techaid import config, staging
        from techaid.warehouse import run_log
        from techaid.warehouse.engine import make_engine
        from techaid_airflow.hooks import warehouse_url

        run_id = get_current_context()["dag_run"].run_id
        run_log.record_success(
            make_engine(warehouse_url()), period, run_id, dt.datetime.now(dt.UTC)
        )
        staging.purge(config.program().staging.retention_days)

    # Keep this last: the run has succeeded only once every other task has (all leaves).
    succeeded = record_success(period).operator
    succeeded.set_upstream(
        [t for t in succeeded.dag.tasks if not t.downstream_list and t is not succeeded]
    )


monthly_reporting()
