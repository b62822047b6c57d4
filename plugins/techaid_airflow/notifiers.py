"""The failure notifier every DAG carries (through the shared default args)."""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseNotifier


class PipelineFailureNotifier(BaseNotifier):
    """Writes a ``pipeline_failure`` email for the data engineers: DAG, task, period, log link."""

    def notify(self, context: Any) -> None:
        from techaid import alerts, paths

        ti = context.get("ti") or context.get("task_instance")
        dag_run = context.get("dag_run")
        params = context.get("params") or {}
        failure = alerts.Failure(
            dag_id=getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", "?"),
            task_id=getattr(ti, "task_id", "?"),
            run_id=getattr(dag_run, "run_id", None) or getattr(ti, "run_id", "?"),
            try_number=int(getattr(ti, "try_number", 0) or 0),
            period=params.get("period") or params.get("year") or params.get("date"),
            log_url=getattr(ti, "log_url", None),
            error=repr(context.get("exception")),
        )
        key = f"pipeline_failure_{failure.dag_id}_{failure.run_id}_{failure.task_id}"
        path = alerts.write_eml(
            alerts.failure_email(failure), paths.output_root() / "outbox", key
        )
        self.log.info("pipeline_failure alert written to %s", path)
