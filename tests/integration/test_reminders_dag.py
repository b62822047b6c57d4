"""The daily DAG through Airflow (dag.test) as of the day after May 2018's deadline: the file an
office uploaded before the deadline is taken in and gets its receipt, a file received after the
run's day is left for later, every office with nothing accepted gets its overdue notice, and
the month closes (the asset event that starts its monthly run, naming the month)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from techaid.paths import PROJECT_ROOT

pytestmark = [pytest.mark.airflow, pytest.mark.slow]
ROOT = PROJECT_ROOT
TZ = ZoneInfo("Asia/Shanghai")
BOZHOU, ANQING = "341600", "340800"


def _dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags" / "submission_reminders.py"))
    assert bag.import_errors == {}
    return bag.dags["submission_reminders"]


def _received(landing: Path, city: str, when: dt.datetime) -> None:
    files = [p for p in (landing / "submissions").rglob(f"{city}_2018-05*") if p.is_file()]
    assert files, city
    for p in files:
        os.utime(p, (when.timestamp(), when.timestamp()))


def test_a_daily_run_takes_files_in_tells_offices_and_closes_the_month(
    airflow_db, techaid_env
) -> None:
    from techaid_dev.synthetic import generate

    generate(techaid_env["landing"], "2018-05", "2018-05", scale=0.01, cities=[BOZHOU, ANQING])
    _received(techaid_env["landing"], BOZHOU, dt.datetime(2018, 6, 3, 10, 0, tzinfo=TZ))
    _received(techaid_env["landing"], ANQING, dt.datetime(2018, 6, 7, 10, 0, tzinfo=TZ))

    run = _dag().test(run_conf={"date": "2018-06-06"})
    assert run.state == "success"
    states = {ti.task_id: ti.state for ti in run.get_task_instances() if ti.map_index <= 0}
    assert states["close_month"] == "success"
    assert states["finish"] == "success"

    engine = sa.create_engine(techaid_env["url"])
    with engine.connect() as conn:
        subs = conn.execute(
            sa.text("select submission_id, city_code, status from submission")
        ).all()
        outbox = dict(conn.execute(sa.text("select dedupe_key, status from email_outbox")).all())
        days = conn.execute(sa.text("select run_date, closed_periods from reminder_run")).all()
    # Bozhou's file (3 June) is in; Anqing's (7 June, after the run's day) waits.
    assert [(c, s) for _, c, s in subs] == [(BOZHOU, "accepted")]
    assert outbox[f"receipt/2018-05/{BOZHOU}/{subs[0][0]}"] == "written"
    # The first run acts on what falls due that day: the overdue notice of day 1, to every
    # office with nothing accepted as of the day (Anqing included), none to Bozhou.
    overdue = {k.split("/")[2] for k in outbox if k.startswith("overdue/2018-05/")}
    assert ANQING in overdue
    assert BOZHOU not in overdue
    assert len(overdue) == 8
    assert all(k.endswith("/d+1") for k in outbox if k.startswith("overdue/"))
    assert not [k for k in outbox if k.startswith("reminder/")]
    assert set(outbox.values()) == {"written"}
    assert len(list((techaid_env["output"] / "outbox").glob("*.eml"))) == len(outbox)
    assert [(str(d)[:10], c) for d, c in days] == [("2018-06-06", "2018-05")]

    # The month closed: one event on the asset, naming May, which starts monthly_reporting.
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session

    with create_session() as session:
        events = (
            session.query(AssetEvent)
            .join(AssetModel, AssetEvent.asset_id == AssetModel.id)
            .filter(
                AssetModel.name == "techaid_month_closed", AssetEvent.source_run_id == run.run_id
            )
            .all()
        )
        assert [e.extra for e in events] == [{"period": "2018-05", "closed_on": "2018-06-06"}]
