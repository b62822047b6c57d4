"""The warehouse check that children add up to parents for every additive indicator."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from techaid import audit as wc

PERIOD = "2018-06"
CITY, PROVINCE = "341600", "340000"


def _value(level: str, org: str, indicator: str, num: float | None, den: float | None) -> dict:
    value = None if num is None else (num / den if den else num)
    return {
        "period": PERIOD,
        "level": level,
        "org_code": org,
        "indicator": indicator,
        "value": value,
        "numerator": num,
        "denominator": den,
        "carried_forward": False,
    }


@pytest.fixture
def engine(backend: sa.Engine) -> sa.Engine:
    """Two counties of one city, rolled up correctly:
    federations (sum): 2 + 3 = 5; village_coverage (ratio of sums): (1 + 2) / (2 + 4) = 3/6;
    county_station (share of counties): 1 + 0 counties having one, of 2 counties."""
    engine = backend
    rows = [
        _value("county", "341623", "federations", 2, None),
        _value("county", "341602", "federations", 3, None),
        _value("city", CITY, "federations", 5, None),
        _value("province", PROVINCE, "federations", 5, None),
        _value("county", "341623", "village_coverage", 1, 2),
        _value("county", "341602", "village_coverage", 2, 4),
        _value("city", CITY, "village_coverage", 3, 6),
        _value("province", PROVINCE, "village_coverage", 3, 6),
        _value("county", "341623", "county_station", 1, None),
        _value("county", "341602", "county_station", 0, None),
        _value("city", CITY, "county_station", 1, 2),
        _value("province", PROVINCE, "county_station", 1, 2),
        # distinct counts are not additive: an expert in two counties counts once above them
        _value("county", "341623", "experts_engaged", 3, None),
        _value("county", "341602", "experts_engaged", 3, None),
        _value("city", CITY, "experts_engaged", 5, None),
    ]
    ranking = [
        {
            "period": PERIOD,
            "county_code": c,
            "city_code": CITY,
            "lagging": False,
            "score": 0.0,
            "rank": i,
            "lagging_indicators": "",
            "reasons": "[]",
        }
        for i, c in enumerate(("341602", "341623"), start=1)
    ]
    with engine.begin() as conn:
        conn.execute(sa.table("indicator_value", *map(sa.column, rows[0])).insert(), rows)
        conn.execute(sa.table("county_ranking", *map(sa.column, ranking[0])).insert(), ranking)
    return engine


def _rollup_check(engine: sa.Engine) -> wc.CheckResult:
    return next(r for r in wc.run_warehouse_checks(engine) if r.name == "children_add_up")


def test_should_pass_when_children_add_up(engine: sa.Engine) -> None:
    assert _rollup_check(engine).passed


@pytest.mark.parametrize(
    ("level", "org", "indicator", "column", "value"),
    [
        ("city", CITY, "federations", "numerator", 6),
        ("province", PROVINCE, "village_coverage", "denominator", 7),
        ("city", CITY, "county_station", "denominator", 3),
    ],
)
def test_should_fail_when_a_parent_disagrees_with_its_children(
    engine: sa.Engine, level: str, org: str, indicator: str, column: str, value: float
) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                f"update indicator_value set {column} = :v"
                " where level = :l and org_code = :o and indicator = :i"
            ),
            {"v": value, "l": level, "o": org, "i": indicator},
        )
    result = _rollup_check(engine)
    assert not result.passed
    assert indicator in result.detail
    assert f"level={level}" in result.detail
    with pytest.raises(wc.WarehouseCheckFailed, match="children_add_up"):
        wc.assert_warehouse_ok(engine)
