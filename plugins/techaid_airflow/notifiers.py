"""The failure notifier every DAG carries (through the shared default args)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseNotifier

if TYPE_CHECKING:
    from techaid.outputs.mail.failure import FailedTask


class PipelineFailureNotifier(BaseNotifier):
    """Records a ``pipeline_failure`` email for the data engineers (DAG, task, map index, run,
    period, log link, error) in the outbox and delivers it at once: over SMTP when the
    ``techaid_smtp`` connection is defined, else as an ``.eml`` file. One email per failed task
    instance, however often the callback runs. When the warehouse itself is what failed, the
    email is still written as an ``.eml`` file, so the alert is never lost silently."""

    def notify(self, context: Any) -> None:
        from techaid import config
        from techaid.outputs.mail import eml, failure, outbox
        from techaid.outputs.mail.message import compose
        from techaid.warehouse import migrate
        from techaid.warehouse.engine import make_engine
        from techaid_airflow.hooks import warehouse_url
        from techaid_airflow.mail import deliver_outbox

        when = run_date(context)
        email = failure.failure_email(failed_task(context, when))
        out_dir = eml.outbox_dir()
        try:
            engine = make_engine(warehouse_url())
            migrate.upgrade(engine)
            outbox.record(engine, [email], created_at=dt.datetime.now(dt.UTC))
        except Exception:  # the alert must survive a broken warehouse
            self.log.exception("pipeline_failure alert not recorded in the warehouse")
            delivery = config.program().delivery
            message = compose(email, delivery.file_sender, when, delivery.sender_name)
            path = eml.write(out_dir, email.dedupe_key, message)
            self.log.error("pipeline_failure alert written to %s instead", path)
            return
        report = deliver_outbox(engine, when, keys=[email.dedupe_key])
        self.log.info("pipeline_failure alert %s: %s", email.dedupe_key, report.summary())


def run_date(context: Any) -> dt.datetime:
    """The run's logical date (its run_after when it has none), never the clock."""
    dag_run = context.get("dag_run")
    for value in (
        context.get("logical_date"),
        getattr(dag_run, "logical_date", None),
        getattr(dag_run, "run_after", None),
    ):
        if isinstance(value, dt.datetime):
            return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.now(dt.UTC)


def failed_task(context: Any, when: dt.datetime) -> FailedTask:
    """What failed, from the callback's context (a FailedTask)."""
    from zoneinfo import ZoneInfo

    from techaid import config
    from techaid.outputs.mail.failure import FailedTask
    from techaid.periods import period_of

    ti = context.get("ti") or context.get("task_instance")
    dag_run = context.get("dag_run")
    params = context.get("params") or {}
    exc = context.get("exception")
    local_day = when.astimezone(ZoneInfo(config.program().program.timezone)).date()
    period = (
        params.get("period")
        or (str(params["year"]) if params.get("year") else None)
        or (str(params["date"])[:7] if params.get("date") else None)
        or period_of(local_day)
    )
    map_index = getattr(ti, "map_index", -1)
    return FailedTask(
        dag_id=str(getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", "?")),
        task_id=str(getattr(ti, "task_id", "?")),
        run_id=str(getattr(dag_run, "run_id", None) or getattr(ti, "run_id", "?")),
        map_index=map_index if isinstance(map_index, int) else -1,
        try_number=int(getattr(ti, "try_number", 0) or 0),
        period=period,
        log_url=getattr(ti, "log_url", None),
        error=f"{type(exc).__name__}: {exc}" if exc is not None else "(no exception given)",
        map_label=getattr(ti, "rendered_map_index", None) or None,
    )
