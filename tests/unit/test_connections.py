"""The warehouse connection as the DAGs' tasks resolve it (techaid_airflow.hooks).

Every way a deployment defines ``techaid_warehouse`` gives the URL it meant; the embedded SQLite
default is taken only when the connection is defined nowhere, never when it is defined but broken,
and never under an executor that runs tasks on several machines.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from techaid.warehouse import engine
from techaid_airflow import hooks

CONN_ENV = "AIRFLOW_CONN_TECHAID_WAREHOUSE"


@pytest.fixture(autouse=True)
def _one_machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(CONN_ENV, raising=False)
    monkeypatch.setenv("TECHAID_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "LocalExecutor")


def test_undefined_connection_uses_the_embedded_sqlite_file(tmp_path: Path) -> None:
    assert hooks.warehouse_url() == f"sqlite:///{tmp_path / 'data' / 'warehouse.db'}"


def test_no_embedded_warehouse_when_the_data_root_is_a_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TECHAID_DATA", "s3://techaid-staging/data")
    with pytest.raises(ValueError, match="AIRFLOW_CONN_TECHAID_WAREHOUSE"):
        hooks.warehouse_url()


def test_uri_connection_is_used_with_psycopg2_and_its_libpq_options(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(CONN_ENV, "postgres://tech%40aid:p%3Ass@db.example:5433/wh?sslmode=require")
    url = sa.make_url(hooks.warehouse_url())
    assert url.drivername == "postgresql+psycopg2"
    assert (url.username, url.password, url.host, url.port) == (
        "tech@aid",
        "p:ss",
        "db.example",
        5433,
    )
    assert url.database == "wh"
    assert dict(url.query) == {"sslmode": "require"}


def test_uri_with_an_encoded_extra_keeps_only_what_libpq_understands(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    extra = json.dumps({"sslmode": "verify-full", "connect_timeout": 5, "cursor": "dictcursor"})
    from urllib.parse import quote

    monkeypatch.setenv(CONN_ENV, f"postgresql://u@db/wh?__extra__={quote(extra)}")
    url = sa.make_url(hooks.warehouse_url())
    assert dict(url.query) == {"sslmode": "verify-full", "connect_timeout": "5"}


@pytest.mark.parametrize("extra_as_string", [False, True])
def test_json_connection_with_extra(monkeypatch: pytest.MonkeyPatch, extra_as_string: bool) -> None:
    extra: Any = {"sslmode": "require", "application_name": "techaid", "iam": False}
    conn = {
        "conn_type": "postgres",
        "host": "db",
        "login": "techaid",
        "password": "s3cr@t/x",
        "schema": "warehouse",
        "port": "5433",
        "extra": json.dumps(extra) if extra_as_string else extra,
    }
    monkeypatch.setenv(CONN_ENV, json.dumps(conn))
    url = sa.make_url(hooks.warehouse_url())
    assert (url.username, url.password, url.host, url.port) == ("techaid", "s3cr@t/x", "db", 5433)
    assert url.database == "warehouse"
    assert dict(url.query) == {"sslmode": "require", "application_name": "techaid"}


@pytest.mark.parametrize(
    "value",
    [
        "sqlite:////srv/techaid/w.db",
        json.dumps({"conn_type": "sqlite", "host": "/srv/techaid/w.db"}),
    ],
)
def test_sqlite_connection_in_either_form(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(CONN_ENV, value)
    assert hooks.warehouse_url() == "sqlite:////srv/techaid/w.db"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ('{"conn_type": "postgres", "host": ', "JSONDecodeError"),
        ("postgresql://db:not-a-port/wh", "Port could not be cast"),
        ('{"conn_type": "postgres", "port": "x"}', "integer value for `port`"),
    ],
)
def test_unreadable_connection_fails_instead_of_falling_back(
    monkeypatch: pytest.MonkeyPatch, value: str, reason: str
) -> None:
    monkeypatch.setenv(CONN_ENV, value)
    with pytest.raises(hooks.ConnectionUnreadable, match=reason) as err:
        hooks.warehouse_url()
    assert "EnvironmentVariablesBackend" in str(err.value)


@pytest.mark.parametrize("value", ["mysql://u@db/wh", "nonsense", '{"conn_type": "sqlite"}'])
def test_connection_the_warehouse_cannot_use_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(CONN_ENV, value)
    with pytest.raises(ValueError, match="techaid_warehouse"):
        hooks.warehouse_url()


@pytest.mark.parametrize(
    "executor",
    ["CeleryExecutor", "LocalExecutor,CeleryExecutor", "my_company.executors.K8sLike:k8s"],
)
def test_sqlite_default_is_refused_under_a_distributed_executor(
    monkeypatch: pytest.MonkeyPatch, executor: str
) -> None:
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", executor)
    with pytest.raises(hooks.DefaultRefused) as err:
        hooks.warehouse_url()
    message = str(err.value)
    assert executor in message
    assert "AIRFLOW_CONN_TECHAID_WAREHOUSE=postgresql://" in message


def test_defined_connection_is_used_under_celery(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "CeleryExecutor")
    monkeypatch.setenv(CONN_ENV, "postgresql://u:p@warehouse:5432/techaid")
    assert hooks.warehouse_url() == "postgresql+psycopg2://u:p@warehouse:5432/techaid"


@pytest.mark.parametrize(
    "executor", ["LocalExecutor", "airflow.executors.local_executor.LocalExecutor"]
)
def test_local_executors_keep_the_default(monkeypatch: pytest.MonkeyPatch, executor: str) -> None:
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", executor)
    assert hooks.warehouse_url().startswith("sqlite:///")


# Inside a task the SDK asks the API server through the task's supervisor. A fake supervisor
# stands in for it: the three answers it can give.


class _FakeSupervisor:
    def __init__(self, answer: Callable[[], Any]) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def send(self, msg: Any) -> Any:
        self.asked.append(type(msg).__name__)
        return self.answer()


@pytest.fixture
def in_task(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[], Any]], Any]:
    from airflow.sdk.execution_time import task_runner

    def install(answer: Callable[[], Any]) -> _FakeSupervisor:
        fake = _FakeSupervisor(answer)
        monkeypatch.setattr(task_runner, "SUPERVISOR_COMMS", fake, raising=False)
        return fake

    return install


def test_in_a_task_a_connection_from_the_metadata_database_is_used(in_task: Any) -> None:
    from airflow.sdk.execution_time.comms import ConnectionResult

    fake = in_task(
        lambda: ConnectionResult(
            conn_id="techaid_warehouse",
            conn_type="postgres",
            host="pg",
            schema="wh",
            login="u",
            password="p",
            port=5432,
            extra=None,
        )
    )
    assert hooks.warehouse_url() == "postgresql+psycopg2://u:p@pg:5432/wh"
    assert fake.asked.count("GetConnection") == 1


def test_in_a_task_a_definite_not_found_uses_the_default(in_task: Any) -> None:
    from airflow.sdk.exceptions import ErrorType
    from airflow.sdk.execution_time.comms import ErrorResponse

    fake = in_task(lambda: ErrorResponse(error=ErrorType.CONNECTION_NOT_FOUND))
    assert hooks.warehouse_url() == engine.default_url()
    assert fake.asked.count("GetConnection") == 2  # the SDK's answer, then ours


def test_in_a_task_an_api_server_error_fails_instead_of_falling_back(in_task: Any) -> None:
    from airflow.sdk.exceptions import AirflowRuntimeError, ErrorType
    from airflow.sdk.execution_time.comms import ErrorResponse

    def broken() -> Any:
        raise AirflowRuntimeError(
            ErrorResponse(error=ErrorType.API_SERVER_ERROR, detail={"status_code": 503})
        )

    in_task(broken)
    with pytest.raises(hooks.ConnectionUnreadable, match=r"API server.*503"):
        hooks.warehouse_url()
