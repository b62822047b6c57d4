"""
### annual_recommendations

The yearly recommendation shortlist (评估考核, 组织申报) and its public notice (公示).

**When:** 25 January, 03:00 Asia/Shanghai (after December's data and its corrections are in), for
the year before the run's date in Asia/Shanghai. Trigger with `params.year` (`YYYY`) to run any
year by hand (`make shortlist YEAR=2019`).

**What:** `prepare` (configuration check, warehouse migrations; the run's year and date) →
`shortlist` (every expert and eligible organization of the year's current accepted submissions
ranked with its score's breakdown, or excluded with its first failing reason; published in the
`shortlist` table, the year's rows replaced in one transaction) → `notice_files`
(`<output>/shortlist_<year>.xlsx` for the provincial team and `<output>/notice_<year>.html`, the
notice to publish) → `compose` (the `shortlist` email to the provincial team, both files attached,
recorded once in `email_outbox`) → `send` (over `techaid_smtp`, or written to `<output>/outbox/`).

**Rules:** weights, threshold, quotas, the optional per-city cap and the notice's text, first day
and length (at least 7 days) in `include/config/recommendations.yaml`. The notice starts on the
run's date unless the file names a first day for the year, so a re-run gives the same rows and
files.

**Needs:** connection `techaid_warehouse` (default: SQLite in `data/`), optional `techaid_smtp`,
environment `TECHAID_OUTPUT`.

**Triage:** every task is idempotent: clear and re-run a failed task. A `ConfigError` in
`prepare` names the file, key and value to fix. An empty shortlist is not a failure: read the
`shortlist` log (excluded counts per reason) — usually December's evaluations are missing or
late; re-run the year once they are loaded. A changed shortlist (after corrections) is emailed
again; an unchanged one never twice.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import CronTriggerTimetable, Param, dag, get_current_context, task

from techaid_airflow.defaults import DEFAULT_ARGS, TIMEZONE, WAREHOUSE_POOL


@dag(
    schedule=CronTriggerTimetable("0 3 25 1 *", timezone=TIMEZONE),
    start_date=pendulum.datetime(2018, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params={"year": Param(None, type=["null", "integer"], minimum=2000, maximum=2100)},
    tags=["techaid", "yearly"],
    doc_md=__doc__,
)
def annual_recommendations() -> None:
    @task
    def prepare() -> dict:
        """Check the configuration and migrate the warehouse; the run's year and date."""
        from techaid.recommend import annual
        from techaid_airflow.hooks import warehouse_url

        ctx = get_current_context()
        return annual.prepare(warehouse_url(), ctx["dag_run"].run_after, ctx["params"].get("year"))

    @task(pool=WAREHOUSE_POOL)
    def shortlist(plan: dict) -> dict:
        """Rank or exclude every candidate of the year and publish the rows."""
        from techaid.recommend import annual
        from techaid_airflow.hooks import warehouse_url

        return annual.publish_shortlist(warehouse_url(), plan)

    @task
    def notice_files(plan: dict) -> dict:
        """Write the shortlist workbook and the public notice page."""
        from techaid.recommend import annual
        from techaid_airflow.hooks import warehouse_url

        return annual.write_files(warehouse_url(), plan)

    @task
    def compose(plan: dict, files: dict) -> str:
        """Record the `shortlist` email to the provincial team in the outbox."""
        from techaid.outputs import shortlist_mail
        from techaid_airflow.hooks import warehouse_url

        return shortlist_mail.record(warehouse_url(), plan, files)

    @task
    def send(key: str) -> dict:
        """Deliver the email: over SMTP, or as an .eml file without a mail server."""
        from techaid.outputs import shortlist_mail
        from techaid_airflow.hooks import warehouse_url
        from techaid_airflow.mail import smtp_settings

        run_after = get_current_context()["dag_run"].run_after
        return shortlist_mail.send(warehouse_url(), smtp_settings(), run_after, key)

    plan = prepare()
    published = shortlist(plan)
    files = notice_files(plan)
    published >> files
    send(compose(plan, files))


annual_recommendations()
