"""What every task gets from the shared default args without asking: retries with a growing,
capped delay, a time limit and the failure email; and the pool and time zone the DAGs use are the
ones the deployment files create and the program is configured in."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from techaid import config
from techaid.paths import PROJECT_ROOT
from techaid_airflow.defaults import DEFAULT_ARGS, TIMEZONE, WAREHOUSE_POOL
from techaid_airflow.notifiers import PipelineFailureNotifier

ROOT = PROJECT_ROOT


@pytest.fixture(scope="module")
def task() -> Any:
    """A task of a DAG built on the shared default args, as Airflow resolves them (a misspelt
    key would be dropped silently and show up here as Airflow's own default)."""
    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.sdk import DAG

    with DAG("defaults_probe", default_args=DEFAULT_ARGS, schedule=None):
        return EmptyOperator(task_id="probe")


def test_a_failed_task_is_retried_twice_with_a_growing_delay_up_to_15_minutes(task: Any) -> None:
    assert task.retries == 2
    assert task.retry_delay == dt.timedelta(minutes=1)
    assert task.retry_exponential_backoff
    assert task.max_retry_delay == dt.timedelta(minutes=15)


def test_a_hung_task_is_stopped_after_an_hour(task: Any) -> None:
    assert task.execution_timeout == dt.timedelta(hours=1)


def test_a_failed_task_emails_the_data_engineers(task: Any) -> None:
    callbacks = task.on_failure_callback
    callbacks = callbacks if isinstance(callbacks, list) else [callbacks]
    assert [type(c) for c in callbacks] == [PipelineFailureNotifier]
    assert task.owner == "techaid-data"


@pytest.mark.parametrize(
    ("path", "pattern"),
    [
        ("Makefile", r"pools set (\S+)"),
        ("docker-compose.yaml", r"pools set (\S+)"),
    ],
)
def test_the_warehouse_pool_is_the_one_each_deployment_creates(path: str, pattern: str) -> None:
    """Tasks in a pool nobody created never run: the local set-up and the production stack
    must create the pool the loads ask for."""
    created = re.findall(pattern, (ROOT / path).read_text(encoding="utf-8"))
    assert created == [WAREHOUSE_POOL]


def test_the_dags_run_in_the_time_zone_of_the_program() -> None:
    """Schedules, deadlines and the logical dates tasks read are all in one zone."""
    assert config.program().program.timezone == TIMEZONE
