"""One generated month through the real DAG (dag.test): discover -> read -> check -> load."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from techaid.paths import PROJECT_ROOT
from techaid.warehouse import reads

pytestmark = [pytest.mark.airflow, pytest.mark.slow]
ROOT = PROJECT_ROOT


def _dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags" / "monthly_reporting.py"))
    assert bag.import_errors == {}
    return bag.dags["monthly_reporting"]


def _submissions(url: str) -> list[dict]:
    with sa.create_engine(url).connect() as conn:
        rows = conn.execute(sa.text("select * from submission order by file_name")).mappings()
        return [dict(r) for r in rows]


def _published(url: str) -> dict[str, list[tuple]]:

    engine = sa.create_engine(url)
    tables = ("indicator_value", "county_ranking", "dq_issue", "clean_households")
    return {t: reads.table_snapshot(engine, t) for t in tables}


def test_a_generated_month_runs_end_to_end(airflow_db, techaid_env) -> None:
    from techaid_dev.synthetic import generate

    generate(techaid_env["landing"], "2018-06", "2018-06", scale=0.01, cities=["341600", "340800"])
    run = _dag().test(run_conf={"period": "2018-06"})
    assert run.state == "success"

    subs = _submissions(techaid_env["url"])
    assert {s["city_code"] for s in subs} == {"341600", "340800"}
    assert all(s["status"] == "accepted" and s["rows_loaded"] > 0 for s in subs)
    with sa.create_engine(techaid_env["url"]).connect() as conn:
        counties = conn.execute(sa.text("select count(*) from clean_counties")).scalar()
        assert counties == 5 + 4  # Bozhou's 4 + Anqing's 5 poverty counties (hierarchy.csv)
        levels = dict(
            conn.execute(
                sa.text(
                    "select level, count(distinct org_code) from indicator_value"
                    " where period = '2018-06' group by level"
                )
            ).all()
        )
        ranked = conn.execute(
            sa.text("select count(*) from county_ranking where period = '2018-06'")
        ).scalar()
    # Every unit gets its figures, every county a rank (missing cities' counties: no_data).
    assert levels == {"county": 32, "city": 9, "province": 1}
    assert ranked == 32


def test_messy_month_refuses_quarantines_and_reruns_identically(airflow_db, techaid_env) -> None:
    from techaid_dev.synthetic import generate

    manifest = generate(techaid_env["landing"], "2018-06", "2018-06", scale=0.01, messy=True)
    dag = _dag()
    assert dag.test(run_conf={"period": "2018-06"}).state == "success"
    first = _submissions(techaid_env["url"])

    refused = {c.file.rsplit("/", 1)[-1] for c in manifest.cases if c.expected == "fatal"}
    by_name = {s["file_name"]: s for s in first}
    for name in refused:
        if name in by_name:  # files whose name is unusable are still recorded, by path
            assert by_name[name]["status"] == "rejected", name
    assert any(s["status"] == "accepted_with_errors" for s in first)
    assert json.dumps(first, default=str)

    # Quarantined rows never reach the clean tables; the rest of their file does.
    with sa.create_engine(techaid_env["url"]).connect() as conn:
        errors = conn.execute(
            sa.text(
                "select i.submission_id, i.sheet, i.row_number from dq_issue i join submission s"
                " on s.submission_id = i.submission_id"
                " where i.severity = 'error' and s.status = 'accepted_with_errors'"
            )
        ).all()
        assert errors
        for sid, sheet, row in errors:
            leaked = conn.execute(
                sa.text(
                    f"select count(*) from clean_{sheet} where submission_id = :s and row_number = :r"
                ),
                {"s": sid, "r": row},
            ).scalar()
            assert leaked == 0, (sheet, row)
        rejected_rows = conn.execute(
            sa.text(
                "select count(*) from clean_counties c join submission s"
                " on s.submission_id = c.submission_id where s.status = 'rejected'"
            )
        ).scalar()
        assert rejected_rows == 0

    # The office gets a feedback workbook for each refused or partly quarantined version,
    # and the engineer a Data Docs site.
    feedback = {p.name for p in (techaid_env["output"] / "feedback").glob("*.xlsx")}
    for s in first:
        if s["status"] in ("rejected", "accepted_with_errors"):
            assert any(s["submission_id"] in name for name in feedback), s["file_name"]
    assert (techaid_env["output"] / "data_docs" / "index.html").exists()

    # A second run of the same period changes nothing.
    published = _published(techaid_env["url"])
    assert published["indicator_value"]
    assert published["county_ranking"]
    assert dag.test(run_conf={"period": "2018-06"}).state == "success"
    assert _submissions(techaid_env["url"]) == first
    assert _published(techaid_env["url"]) == published
