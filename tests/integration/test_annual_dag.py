"""The yearly shortlist through the real DAG (dag.test): a scheduled run shortlists the year
before its date, writes the workbook and the notice, and emails the provincial team once; running
the year again changes nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pendulum
import pytest
import sqlalchemy as sa

from techaid.paths import PROJECT_ROOT
from techaid.warehouse import reads
from tests.unit.recommend.world import (
    ANQING,
    Warehouse,
    agreement,
    evaluation,
    expert,
    org,
)

pytestmark = [pytest.mark.airflow, pytest.mark.slow]
ROOT = PROJECT_ROOT
SCHEDULED = pendulum.datetime(2019, 1, 25, 3, tz="Asia/Shanghai")  # 2019-01-24 19:00 UTC
BY_HAND = pendulum.datetime(2019, 1, 25, 10, tz="Asia/Shanghai")  # later the same day


def _dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags" / "annual_recommendations.py"))
    assert bag.import_errors == {}
    return bag.dags["annual_recommendations"]


def _state(url: str, out: Path) -> tuple:
    engine = sa.create_engine(url)
    files = {p.name: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    with engine.connect() as conn:
        mail = conn.execute(sa.text("select dedupe_key, kind, period, status from email_outbox"))
        emails = [tuple(r) for r in mail]
    return reads.table_snapshot(engine, "shortlist"), files, emails


def test_scheduled_run_shortlists_last_year_once(airflow_db, techaid_env) -> None:
    wh = Warehouse(techaid_env["url"])
    wh.submit(
        ANQING,
        "2018-12",
        experts=[expert("E1", name="张三"), expert("E2", filed=None)],
        organizations=[org("O1", name="茶叶农技协")],
        agreements=[agreement("A1", "E1"), agreement("A2", "O1", kind="organization")],
        evaluations=[evaluation("E1", 95), evaluation("O1", 85, kind="organization")],
    )
    wh.dispose()
    dag = _dag()
    assert dag.test(run_after=SCHEDULED).state == "success"
    first = _state(techaid_env["url"], techaid_env["output"])
    rows, files, emails = first
    ranked = {(r[4], r[5]): r for r in rows if r[3] == "ranked"}  # subject_kind, subject_id
    assert set(ranked) == {("expert", "E1"), ("organization", "O1")}
    assert {r[0] for r in rows} == {2018}  # the year before the run's date
    assert {r[12] for r in ranked.values()} == {dt.date(2019, 1, 25)}  # notice: the run's date
    assert {"shortlist_2018.xlsx", "notice_2018.html"} <= set(files)
    assert len([n for n in files if n.endswith(".eml")]) == 1
    assert [(k, p, s) for _, k, p, s in emails] == [("shortlist", "2018", "written")]

    # the same year again, by hand the same day: the same rows, the same bytes, no second email
    assert dag.test(run_after=BY_HAND, run_conf={"year": 2018}).state == "success"
    assert _state(techaid_env["url"], techaid_env["output"]) == first
