"""Default args shared by every DAG, so none can forget retries, timeouts or alerting."""

from __future__ import annotations

import datetime as dt

from techaid_airflow.notifiers import PipelineFailureNotifier

TIMEZONE = "Asia/Shanghai"
WAREHOUSE_POOL = "techaid_warehouse"  # one slot on SQLite: parallel loads never hit "locked"

DEFAULT_ARGS = {
    "owner": "techaid-data",
    "retries": 2,
    "retry_delay": dt.timedelta(minutes=1),
    "retry_exponential_backoff": True,
    "max_retry_delay": dt.timedelta(minutes=15),
    "execution_timeout": dt.timedelta(hours=1),
    "on_failure_callback": PipelineFailureNotifier(),
}
