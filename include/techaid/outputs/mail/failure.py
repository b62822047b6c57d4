"""The ``pipeline_failure`` email of a failed task, for the data engineers.

One email per failed task instance: its dedupe key holds the DAG, the run, the task and the map
index, so the mapped task of each city gets its own email, and a failure callback that runs twice
records one.
"""

from __future__ import annotations

from dataclasses import dataclass

from techaid import config
from techaid.outputs.mail.email import Email, dedupe_key
from techaid.outputs.mail.templates import render

KIND = "pipeline_failure"
MAX_ERROR_CHARS = 4000


@dataclass(frozen=True)
class FailedTask:
    dag_id: str
    task_id: str
    run_id: str
    map_index: int  # -1 when the task is not mapped
    try_number: int
    period: str  # YYYY-MM (or YYYY) the run is about
    log_url: str | None
    error: str
    map_label: str | None = None  # the mapped task's label (a city), when it has one

    @property
    def dedupe_key(self) -> str:
        return dedupe_key(
            KIND, self.period, None, self.dag_id, self.run_id, self.task_id, self.map_index
        )


def failure_email(failed: FailedTask) -> Email:
    """The email to the data engineers (recipients config) about ``failed``."""
    error = failed.error
    if len(error) > MAX_ERROR_CHARS:
        error = error[:MAX_ERROR_CHARS] + " …"
    f = FailedTask(**{**failed.__dict__, "error": error})
    who = config.recipients().data_engineers
    mapped = f"[{f.map_index}]" if f.map_index >= 0 else ""
    body = render(KIND, f=f)
    return Email(
        kind=KIND,
        period=f.period,
        city_code=None,
        to=list(who.to),
        cc=[a for a in who.cc if a not in who.to],
        subject=(
            f"[科技助力精准扶贫] 任务失败 pipeline_failure: {f.dag_id}.{f.task_id}{mapped} {f.period}"
        ),
        html=body.html,
        text=body.text,
        dedupe_key=f.dedupe_key,
    )
