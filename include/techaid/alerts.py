"""Failure alerts for the data engineers, written as emails.

Until the delivery issue brings the email outbox table and SMTP sending, a failure alert is written
as an ``.eml`` file in ``<output>/outbox/``, under a deterministic name so a retried callback
overwrites rather than duplicates it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from techaid import config


@dataclass(frozen=True)
class Failure:
    dag_id: str
    task_id: str
    run_id: str
    try_number: int
    period: str | None
    log_url: str | None
    error: str


def failure_email(f: Failure) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = (
        f"[科技助力精准扶贫] 任务失败 pipeline_failure: {f.dag_id}.{f.task_id} {f.period or ''}"
    )
    msg["To"] = ", ".join(config.recipients().data_engineers.to)
    msg["From"] = "techaid-pipeline@localhost"
    msg.set_content(
        "\n".join(
            [
                f"DAG: {f.dag_id}",
                f"任务 task: {f.task_id}",
                f"运行 run: {f.run_id} (第 {f.try_number} 次尝试)",
                f"月份 period: {f.period or '-'}",
                f"日志 log: {f.log_url or '-'}",
                "",
                f"错误 error: {f.error}",
            ]
        )
    )
    return msg


def write_eml(msg: EmailMessage, outbox: Path, key: str) -> Path:
    """Write under a name derived from ``key`` (the dedupe key), replacing an earlier copy."""
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / (re.sub(r"[^A-Za-z0-9_.-]+", "_", key) + ".eml")
    path.write_bytes(bytes(msg))
    return path
