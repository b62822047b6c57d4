"""The Airflow side of email: the ``techaid_smtp`` connection and the failure notifier."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from techaid.warehouse.engine import make_engine
from tests.integration.smtp_server import Handler, Server, free_port

ENV = "AIRFLOW_CONN_TECHAID_SMTP"


def settings() -> Any:
    from techaid_airflow.mail import smtp_settings

    return smtp_settings()


def test_not_defined_anywhere_means_eml_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    assert settings() is None


def test_uri_form_with_url_encoded_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = quote(json.dumps({"starttls": True, "sender": "techaid@example.org", "timeout": 9}))
    monkeypatch.setenv(ENV, f"smtp://apikey:p%40ss@mail.example.org:587?__extra__={extra}")
    s = settings()
    assert (s.host, s.port, s.login, s.password) == ("mail.example.org", 587, "apikey", "p@ss")
    assert (s.starttls, s.ssl, s.sender, s.timeout) == (True, False, "techaid@example.org", 9.0)


def test_json_form_with_empty_login(monkeypatch: pytest.MonkeyPatch) -> None:
    conn = {
        "conn_type": "smtp",
        "host": "relay.example.org",
        "port": 25,
        "extra": {"sender": "techaid@example.org"},
    }
    monkeypatch.setenv(ENV, json.dumps(conn))
    s = settings()
    assert (s.host, s.port, s.sender) == ("relay.example.org", 25, "techaid@example.org")
    assert (s.login, s.password) == ("", "")


@pytest.mark.parametrize(
    "value",
    [
        "smtp://relay.example.org:notaport",  # the SDK cannot parse it
        '{"conn_type": "smtp", "host": ',  # broken JSON
        "smtp://relay.example.org:25",  # no sender anywhere
        "garbage",  # parses as a connection without host
    ],
)
def test_defined_but_unreadable_raises_instead_of_writing_files(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    from techaid_airflow.hooks import ConnectionUnreadable

    monkeypatch.setenv(ENV, value)
    with pytest.raises(ConnectionUnreadable):
        settings()


def context(map_index: int, exc: Exception) -> dict[str, Any]:
    run_id = "scheduled__2018-07-05T18:00:00+00:00"
    ti = SimpleNamespace(
        dag_id="monthly_reporting",
        task_id="load",
        run_id=run_id,
        map_index=map_index,
        try_number=3,
        log_url="http://localhost:8080/log",
        rendered_map_index="341600",
    )
    run = SimpleNamespace(
        run_id=run_id, logical_date=dt.datetime(2018, 7, 5, 18, tzinfo=dt.UTC), run_after=None
    )
    return {"ti": ti, "dag_run": run, "params": {"period": "2018-06"}, "exception": exc}


def outbox_rows(url: str) -> list[tuple[str, str, str]]:
    with make_engine(url).connect() as conn:
        rows = conn.execute(sa.text("select dedupe_key, kind, status from email_outbox"))
        return sorted(tuple(r) for r in rows)


def test_failure_notifier_records_one_email_per_failed_task_instance(
    techaid_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from techaid_airflow.notifiers import PipelineFailureNotifier

    monkeypatch.delenv(ENV, raising=False)
    notifier = PipelineFailureNotifier()
    notifier.notify(context(0, ValueError("<boom>")))
    notifier.notify(context(0, ValueError("<boom>")))  # the callback ran twice
    notifier.notify(context(1, ValueError("other city")))
    rows = outbox_rows(techaid_env["url"])
    assert [(kind, status) for _, kind, status in rows] == [("pipeline_failure", "written")] * 2
    assert all(key.endswith(("/load/0", "/load/1")) for key, _, _ in rows)
    files = sorted((techaid_env["output"] / "outbox").glob("*.eml"))
    assert len(files) == 2
    assert b"X-Techaid-Key: " in files[0].read_bytes()


def test_failure_notifier_sends_over_smtp_when_the_connection_is_defined(
    techaid_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from techaid_airflow.notifiers import PipelineFailureNotifier

    handler = Handler()
    server = Server(handler, free_port()).start()
    extra = quote(json.dumps({"sender": "techaid@example.org"}))
    monkeypatch.setenv(ENV, f"smtp://127.0.0.1:{server.port}?__extra__={extra}")
    try:
        PipelineFailureNotifier().notify(context(2, RuntimeError("warehouse down")))
        PipelineFailureNotifier().notify(context(2, RuntimeError("warehouse down")))
    finally:
        server.stop()
    assert len(handler.received) == 1
    assert handler.envelopes == [("techaid@example.org", ["techaid-data@example.org"])]
    assert [status for _, _, status in outbox_rows(techaid_env["url"])] == ["sent"]


def test_failure_alert_survives_a_broken_warehouse(
    techaid_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from techaid_airflow.notifiers import PipelineFailureNotifier

    monkeypatch.delenv(ENV, raising=False)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the warehouse's folder should be")
    monkeypatch.setenv("AIRFLOW_CONN_TECHAID_WAREHOUSE", f"sqlite:///{blocker}/w.db")
    PipelineFailureNotifier().notify(context(0, OSError("disk full")))
    (eml,) = (techaid_env["output"] / "outbox").glob("*.eml")
    assert b"pipeline_failure" in eml.read_bytes()
