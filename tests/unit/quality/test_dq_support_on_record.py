"""A village marked covered is judged on the support on record, not on this month's file alone:
an activity held there in an earlier accepted month counts; one of another city, of a later month
or of a refused file does not."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any

import pandas as pd
import sqlalchemy as sa
from dq_builders import CITY, PERIOD

from techaid.quality.flow import ACCEPTED, REJECTED, Decision
from techaid.warehouse import migrate, reads, versions
from techaid.warehouse.engine import make_engine

Rows = dict[str, list[dict[str, Any]]]
VILLAGE = "340826102203"  # row 3 of the villages sheet: not covered, no support in the file


def covered_warnings(findings: list) -> list:
    return [f for f in findings if f.rule == "dq.covered_without_support"]


def test_covered_village_with_an_earlier_activity_is_not_warned(rows: Rows, run: Callable) -> None:
    rows["villages"][1]["service_covered"] = True
    assert len(covered_warnings(run(rows, supported_villages=set()))) == 1
    assert covered_warnings(run(rows, supported_villages={VILLAGE})) == []


def test_support_on_record_follows_a_recoded_county(rows: Rows, run: Callable) -> None:
    """An activity filed under Qianshan's old code supports the village under its new one."""
    rows["counties"][0]["county_code"] = "340882"
    rows["villages"].append(
        {
            "village_code": "340882101201",
            "village_name": "三村",
            "associations": 0,
            "business_entities": 0,
            "service_covered": True,
        }
    )
    rows["townships"].append(
        {"township_code": "340882101", "township_name": "丙镇", "industry_base": False}
    )
    found = run(rows, period="2018-09", supported_villages={"340824101201"})
    assert covered_warnings(found) == []


def _activities(village: str | None, seed: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row_number": [2],
            "activity_id": [f"T{seed}"],
            "kind": ["training"],
            "held_on": [None],
            "county_code": [VILLAGE[:6]],
            "village_code": [village],
            "expert_ids": [None],
            "participants": [1],
            "poor_households": [0],
        }
    )


def _load(
    engine: sa.Engine, city: str, period: str, village: str | None, outcome: str, day: int = 1
) -> None:
    """One version of the city's month whose only activity is held in ``village``."""
    sha = f"{city}{period}{day}{outcome}".replace("-", "").ljust(64, "0")[:64]
    received = dt.datetime(2018, 7, day, 8)
    info = versions.VersionInfo.of(city, period, sha, f"{city}_{period}.xlsx", received)
    clean = {} if outcome == REJECTED else {"activities": _activities(village, day)}
    versions.record_outcome(engine, info, Decision(outcome, [], clean, {}), None, Counter(), True)


def test_support_on_record_is_the_citys_accepted_earlier_months(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    migrate.upgrade(engine)
    _load(engine, CITY, "2018-04", "340826102201", ACCEPTED)
    _load(engine, CITY, "2018-05", "340826102202", ACCEPTED)
    _load(engine, CITY, "2018-05", None, ACCEPTED, day=9)  # a correction replaces May's rows
    _load(engine, CITY, "2018-03", "340826102209", REJECTED)  # refused: never on record
    _load(engine, CITY, PERIOD, "340826102206", ACCEPTED)  # the month itself: its own file
    _load(engine, CITY, "2018-07", "340826102207", ACCEPTED)  # later: not yet on record
    _load(engine, "341500", "2018-04", "341522102204", ACCEPTED)  # another city

    assert reads.supported_villages(engine, CITY, PERIOD) == {"340826102201"}
