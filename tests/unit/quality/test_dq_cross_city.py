"""An expert or organization id another city's current file of the month also lists: a warning
naming that city, whichever file arrived first; nothing is quarantined."""

from __future__ import annotations

import copy
import datetime as dt
import functools
from collections import Counter
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from dq_builders import CITY, PERIOD, build_file, clean_rows, typed_frame

from techaid import config
from techaid.quality.cross_city import RULE, cross_city_duplicates
from techaid.quality.flow import ACCEPTED, Decision, decide
from techaid.warehouse import reads, versions
from tests.unit.warehouse.builders import fresh

SUZHOU, LUAN = "341300", "341500"


def _load(engine: sa.Engine, city: str, seed: str, received: dt.datetime, **sheets: Any) -> str:
    """Record an accepted version of ``city`` for June whose clean rows are ``sheets``."""
    frames = {name: typed_frame(name, rows) for name, rows in sheets.items()}
    info = versions.VersionInfo.of(
        city, PERIOD, f"{seed:0>64}", f"submissions/{city}_{PERIOD}.xlsx", received
    )
    versions.record_outcome(engine, info, Decision(ACCEPTED, [], frames), None, Counter(), True)
    return info.submission_id


def _expert(expert_id: str, county: str = "341321") -> dict[str, Any]:
    return {
        "expert_id": expert_id,
        "name": "王五",
        "source": "other",
        "specialty": "crops",
        "county_code": county,
    }


def _org(org_id: str, location: str = "341321") -> dict[str, Any]:
    return {"org_id": org_id, "name": "协会", "org_type": "association", "location_code": location}


@pytest.fixture
def engine(sqlite_url: str) -> sa.Engine:
    return fresh(sqlite_url)


def _frames(rows: dict[str, list[dict[str, Any]]]) -> dict[str, pd.DataFrame]:
    return {name: sheet.frame for name, sheet in build_file(rows).sheets.items()}


def test_should_warn_on_an_id_another_city_lists(engine: sa.Engine) -> None:
    _load(
        engine,
        SUZHOU,
        "s1",
        dt.datetime(2018, 7, 1),
        experts=[_expert("E001"), _expert("E777")],
        organizations=[_org("O002")],
    )
    found = cross_city_duplicates(
        _others(engine, CITY, PERIOD), CITY, PERIOD, _frames(clean_rows())
    )
    assert [(f.sheet, f.row, f.column, f.value) for f in found] == [
        ("experts", 2, "expert_id", "E001"),
        ("organizations", 3, "org_id", "O002"),
    ]
    assert all(f.rule == RULE and f.severity == "warning" for f in found)
    assert config.hierarchy().name(SUZHOU) in found[0].message


def test_should_name_every_other_city(engine: sa.Engine) -> None:
    _load(engine, SUZHOU, "s1", dt.datetime(2018, 7, 1), experts=[_expert("E002")])
    _load(engine, LUAN, "l1", dt.datetime(2018, 7, 2), experts=[_expert("E002", "341522")])
    (f,) = cross_city_duplicates(_others(engine, CITY, PERIOD), CITY, PERIOD, _frames(clean_rows()))
    h = config.hierarchy()
    assert f.row == 3
    assert f"{h.name(SUZHOU)}、{h.name(LUAN)}" in f.message


def test_should_ignore_own_city_other_months_and_superseded_versions(engine: sa.Engine) -> None:
    _load(engine, CITY, "c1", dt.datetime(2018, 7, 1), experts=[_expert("E001", "340825")])
    old = _load(engine, SUZHOU, "s1", dt.datetime(2018, 7, 1), experts=[_expert("E001")])
    _load(engine, SUZHOU, "s2", dt.datetime(2018, 7, 3), experts=[_expert("E999")])
    assert (
        reads.current_submissions(engine, PERIOD, SUZHOU)
        .set_index("submission_id")
        .loc[old, "status"]
        == "superseded"
    )
    assert (
        cross_city_duplicates(_others(engine, CITY, PERIOD), CITY, PERIOD, _frames(clean_rows()))
        == []
    )
    assert cross_city_duplicates(_others(engine, SUZHOU, "2018-05"), SUZHOU, "2018-05", {}) == []


def test_should_warn_whichever_file_arrived_first(engine: sa.Engine) -> None:
    """Both cities' rows are loaded; the later file is told, the earlier one loses nothing."""
    rows = copy.deepcopy(clean_rows())
    _load(engine, SUZHOU, "s1", dt.datetime(2018, 7, 1), experts=[_expert("E001")])
    parsed = build_file(rows)
    found = cross_city_duplicates(_others(engine, CITY, PERIOD), CITY, PERIOD, _frames(rows))
    decision = decide(parsed, found)
    assert decision.outcome == ACCEPTED
    assert decision.warnings == 1
    assert len(decision.clean["experts"]) == len(rows["experts"])


def test_should_handle_many_ids_and_empty_cells(engine: sa.Engine) -> None:
    many = [_expert(f"X{i:04d}") for i in range(1200)]
    _load(engine, SUZHOU, "s1", dt.datetime(2018, 7, 1), experts=many)
    frame = typed_frame("experts", [*many[::-1], {"expert_id": None}])
    found = cross_city_duplicates(_others(engine, CITY, PERIOD), CITY, PERIOD, {"experts": frame})
    assert len(found) == 1200
    assert found[0].value == "X1199"
    assert found[0].row == 2


def _others(engine, city: str, period: str):
    return functools.partial(reads.ids_in_other_cities, engine, city, period)
