"""Warehouse-level checks on both engines: a warehouse built by the versioned load passes them
all, and each fails on a bad state written directly into the tables."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from techaid import audit as wc
from techaid.quality.flow import WITH_ERRORS
from techaid.warehouse import schema, versions
from tests.unit.warehouse.builders import (
    CITY,
    OTHER_CITY,
    PERIOD,
    decision,
    fresh,
    refusal,
    version,
    when,
)

REFUSED_MONTH = "2018-05"  # OTHER_CITY's only version of this month was refused


@pytest.fixture
def engine(backend: sa.Engine) -> sa.Engine:
    """A warehouse after corrections, a refusal beside accepted data, and a refused month."""
    engine = backend
    record = versions.record_outcome
    record(engine, version("a1", when(2)), decision(1), None, Counter(), True)
    record(engine, version("b2", when(4)), decision(2, outcome=WITH_ERRORS), None, Counter(), True)
    record(engine, version("c3", when(5)), None, refusal(), Counter(), True)
    record(engine, version("e5", when(9), city=OTHER_CITY), decision(5), None, Counter(), False)
    refused = version("f6", when(3), city=OTHER_CITY, period=REFUSED_MONTH)
    record(engine, refused, None, refusal(), Counter(), True)
    return engine


def _failed(engine: sa.Engine) -> dict[str, wc.CheckResult]:
    return {r.name: r for r in wc.run_warehouse_checks(engine) if not r.passed}


def _insert(engine: sa.Engine, table: str, **values: object) -> None:
    with engine.begin() as conn:
        conn.execute(sa.insert(schema.clean_tables()[table]).values(**values))


def _sid(seed: str, city: str = CITY, period: str = PERIOD) -> str:
    return version(seed, when(1), city=city, period=period).submission_id


def test_should_pass_every_check_on_a_loaded_warehouse(engine: sa.Engine) -> None:
    results = wc.assert_warehouse_ok(engine)
    assert [r.name for r in results] == [c.name for c in wc.CHECKS]
    assert all(r.passed and r.failing_rows == 0 for r in results)


def test_should_pass_on_an_empty_warehouse(sqlite_url: str) -> None:
    assert all(r.passed for r in wc.run_warehouse_checks(fresh(sqlite_url)))


def _orphan(engine: sa.Engine) -> None:  # a superseded version's row left behind
    _insert(
        engine,
        "villages",
        city_code=CITY,
        period=PERIOD,
        submission_id=_sid("a1"),
        row_number=9999,
        village_code="340100000001",
        associations=1,
    )


def _two_current(engine: sa.Engine) -> None:  # the superseded version marked current again
    t = schema.submission
    with engine.begin() as conn:
        conn.execute(sa.update(t).where(t.c.submission_id == _sid("a1")).values(status="accepted"))


def _none_current(engine: sa.Engine) -> None:  # the other city's accepted month lost its current
    t = schema.submission
    sid = _sid("e5", OTHER_CITY)
    with engine.begin() as conn:
        conn.execute(sa.update(t).where(t.c.submission_id == sid).values(status="superseded"))


def _negative(engine: sa.Engine) -> None:
    t = schema.clean_tables()["counties"]
    with engine.begin() as conn:
        row = conn.execute(sa.select(t.c.row_number).where(t.c.city_code == CITY)).first()
        query = sa.update(t).where(t.c.city_code == CITY, t.c.row_number == row.row_number)
        conn.execute(query.values(museum_tours=-3))


def _rejected_month_rows(engine: sa.Engine) -> None:
    _insert(
        engine,
        "households",
        city_code=OTHER_CITY,
        period=REFUSED_MONTH,
        submission_id=_sid("f6", OTHER_CITY, REFUSED_MONTH),
        row_number=2,
        household_id="3415000000000001",
        techniques=1,
        income_projects=0,
    )


@pytest.mark.parametrize(
    ("breaks", "expected"),
    [
        pytest.param(_orphan, {"no_orphan_clean_rows": 1}, id="orphan"),
        pytest.param(_two_current, {"one_current_version": 1}, id="two-current"),
        # the rows of a version no longer current are orphans too
        pytest.param(
            _none_current,
            {"one_current_version": 1, "no_orphan_clean_rows": None},
            id="none-current",
        ),
        pytest.param(_negative, {"no_negative_stocks": 1}, id="negative"),
        pytest.param(
            _rejected_month_rows,
            {"no_rows_for_rejected_months": 1, "no_orphan_clean_rows": 1},
            id="rejected-month",
        ),
    ],
)
def test_should_fail_on_a_broken_state(
    engine: sa.Engine, breaks: Callable[[sa.Engine], None], expected: dict[str, int | None]
) -> None:
    breaks(engine)
    failed = _failed(engine)
    assert set(failed) == set(expected)
    for name, rows in expected.items():
        assert failed[name].failing_rows == rows or rows is None
        assert failed[name].failing_rows > 0
    with pytest.raises(wc.WarehouseCheckFailed) as err:
        wc.assert_warehouse_ok(engine)
    assert {r.name for r in err.value.failed} == set(expected)
    assert all(name in str(err.value) for name in expected)


def test_should_name_the_violation_in_the_detail(engine: sa.Engine) -> None:
    _negative(engine)
    detail = _failed(engine)["no_negative_stocks"].detail
    assert "clean_counties" in detail
    assert "museum_tours" in detail
    assert CITY in detail


def test_should_cover_every_clean_table() -> None:
    sql = wc.render("select_orphan_clean_rows")
    assert all(f"from {t.name} as r" in sql for t in schema.clean_tables().values())
    assert sql.rstrip().endswith("order by table_name, city_code, period, submission_id")
