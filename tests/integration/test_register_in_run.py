"""A bad register in the landing area does not stop the province: the monthly run, through the
pipeline's own functions, refuses it whole with its reasons on record, keeps the previous register
in force, and loads, checks and computes the month as usual."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from techaid import pipeline
from techaid.warehouse import reads

pytestmark = pytest.mark.slow
CITY = "341600"  # Bozhou
BAD_DATE = dt.date(2018, 6, 1)


def run_month(url: str, landing: Path, period: str) -> dict:
    """Every task of the monthly DAG but the emails, in order."""
    plans = pipeline.discover(url, period, str(landing))
    for plan in plans:
        if plan["versions"]:
            pipeline.load_city(url, pipeline.check_city(url, pipeline.read_city(plan)))
    computed = pipeline.rollup(url, period, plans)
    published = pipeline.publish_quality(url, period, plans)
    return {"plans": plans, "computed": computed, "published": published}


def plant_bad_register(landing: Path) -> dict[str, str]:
    """A copy of the first register dated 2018-06-01 with a household id listed twice, a
    village filed under another county than its code says, and a village of a county that is
    no poverty county. Returns what was planted."""
    first = sorted((landing / "register").iterdir())[0]
    villages = pd.read_csv(first / "villages.csv", dtype=str)
    households = pd.read_csv(first / "households.csv", dtype=str)
    moved = villages.iloc[0].copy()
    other_county = next(c for c in villages["county_code"] if c != moved["county_code"])
    moved["village_code"] = moved["village_code"][:-3] + "999"
    moved["county_code"] = other_county
    foreign = villages.iloc[1].copy()
    foreign["village_code"] = "340102" + foreign["village_code"][6:]
    foreign["township_code"] = "340102" + foreign["township_code"][6:]
    foreign["county_code"] = "340102"
    villages = pd.concat([villages, pd.DataFrame([moved, foreign])], ignore_index=True)
    households = pd.concat([households, households.iloc[[0]]], ignore_index=True)
    folder = landing / "register" / BAD_DATE.isoformat()
    folder.mkdir()
    when = dt.datetime(2018, 6, 1, 9, tzinfo=dt.UTC).timestamp()
    for name, frame in (("villages.csv", villages), ("households.csv", households)):
        frame.to_csv(folder / name, index=False)
        os.utime(folder / name, (when, when))
    return {"first": first.name, "duplicate": households.iloc[0]["household_id"]}


def test_a_bad_register_is_refused_and_the_month_runs_on(techaid_env) -> None:
    from techaid_dev.synthetic import generate

    landing, url = techaid_env["landing"], techaid_env["url"]
    generate(landing, "2018-06", "2018-06", scale=0.01, cities=[CITY], fmt="xlsx")
    planted = plant_bad_register(landing)
    pipeline.prepare(url)

    run = run_month(url, landing, "2018-06")

    engine = sa.create_engine(url)
    first = dt.date.fromisoformat(planted["first"])
    assert reads.register_in_force(engine, "2018-06") == first  # the previous one stays
    with engine.connect() as conn:
        versions = dict(
            conn.execute(sa.text("select register_date, status from register_version")).all()
        )
        subs = conn.execute(sa.text("select * from submission order by file_name")).mappings().all()
        register_sub = next(s for s in subs if s["city_code"] is None)
        found = conn.execute(
            sa.text(
                "select rule, sheet, row_number, value, message from dq_issue"
                " where submission_id = :s order by seq"
            ),
            {"s": register_sub["submission_id"]},
        )
        issues = found.mappings().all()
    assert {str(k): v for k, v in versions.items()} == {
        planted["first"]: "accepted",
        BAD_DATE.isoformat(): "rejected",
    }
    assert register_sub["status"] == "rejected"
    assert register_sub["file_name"] == f"register/{BAD_DATE.isoformat()}"
    rules = [i["rule"] for i in issues]
    assert rules[0] == "register.refused"
    assert rules.count("register.duplicate_key") == 2  # both copies of the household
    assert {i["value"] for i in issues if i["rule"] == "register.duplicate_key"} == {
        "*" * (len(planted["duplicate"]) - 4) + planted["duplicate"][-4:]
    }
    assert "register.prefix_mismatch" in rules
    assert [i["value"] for i in issues if i["rule"] == "register.county_invalid"] == ["340102"]

    # The month itself went through: the city's file accepted, the month computed.
    city_subs = [s for s in subs if s["city_code"] == CITY]
    assert [s["status"] for s in city_subs] == ["accepted"]
    assert run["computed"] == ["2018-06"]

    # The refusal reaches the data engineers as a feedback workbook too.
    book = next(p for p in run["published"]["feedback"] if register_sub["submission_id"] in p)
    rows = list(openpyxl.load_workbook(book)["问题清单"].iter_rows(values_only=True))
    assert rows[1][4] == "register.refused"
    assert len(rows) == len(issues) + 1
    # Sheets named as the register's files, not as the monthly sheets of the same name.
    by_rule = {r[4]: r for r in rows[1:]}
    assert by_rule["register.duplicate_key"][0] == "建档立卡贫困户"
    assert by_rule["register.county_invalid"][0] == "贫困村名册"

    # The next run changes nothing and records nothing twice.
    run_month(url, landing, "2018-06")
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from submission")).scalar() == len(subs)
