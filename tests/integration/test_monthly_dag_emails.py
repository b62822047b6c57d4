"""The monthly DAG's tail through Airflow itself (dag.test): pairing, compose_emails,
provincial_report and send_outbox on a generated month, without a mail server (``.eml`` files);
run again, the period records, writes and sends nothing new."""

from __future__ import annotations

import email
import email.policy

import pytest
import sqlalchemy as sa

from techaid.paths import PROJECT_ROOT

pytestmark = [pytest.mark.airflow, pytest.mark.slow]
ROOT = PROJECT_ROOT
PERIOD = "2018-06"


def _dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags" / "monthly_reporting.py"))
    assert bag.import_errors == {}
    return bag.dags["monthly_reporting"]


def _outbox(url: str) -> list[tuple[str, str, str]]:
    with sa.create_engine(url).connect() as conn:
        rows = conn.execute(
            sa.text("select dedupe_key, kind, status from email_outbox order by dedupe_key")
        ).all()
    return [tuple(r) for r in rows]


def test_the_month_is_told_once_through_airflow(airflow_db, techaid_env, monkeypatch) -> None:
    from techaid_dev.synthetic import generate

    monkeypatch.delenv("AIRFLOW_CONN_TECHAID_SMTP", raising=False)
    generate(techaid_env["landing"], PERIOD, PERIOD, scale=0.01, cities=["341600", "341700"])
    dag = _dag()
    assert dag.test(run_conf={"period": PERIOD}).state == "success"

    url, out = techaid_env["url"], techaid_env["output"]
    rows = _outbox(url)
    kinds = {kind for _, kind, _ in rows}
    assert {"receipt", "lagging_alert", "provincial_report"} <= kinds
    assert {status for _, _, status in rows} == {"written"}
    files = {p.name: p.read_bytes() for p in (out / "outbox").glob("*.eml")}
    assert len(files) == len(rows)
    keys = {
        str(email.message_from_bytes(b, policy=email.policy.default)["X-Techaid-Key"])
        for b in files.values()
    }
    assert keys == {k for k, _, _ in rows}
    rollup = out / PERIOD / f"rollup_{PERIOD}.xlsx"
    assert rollup.exists()
    assert (out / PERIOD / f"rollup_{PERIOD}.html").exists()
    with sa.create_engine(url).connect() as conn:
        pairing = conn.execute(
            sa.text("select count(*) from shortlist where kind = 'pairing' and period = :p"),
            {"p": PERIOD},
        ).scalar()
    assert pairing  # the lagging counties got their suggestions before the alerts

    # The same period again: nothing recorded, nothing written again, the same files.
    assert dag.test(run_conf={"period": PERIOD}).state == "success"
    assert _outbox(url) == rows
    assert {p.name: p.read_bytes() for p in (out / "outbox").glob("*.eml")} == files
