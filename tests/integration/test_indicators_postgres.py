"""The indicator engine on PostgreSQL: the same hand-computed tests as on SQLite, and identical
``indicator_value`` and ``county_ranking`` rows from the same fixtures on both databases.

Needs PostgreSQL at 127.0.0.1:5432 (skipped outside CI when absent, failing under CI=true).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.unit.indicators import test_semantics
from tests.unit.indicators.scenarios import SCENARIOS, Warehouse

pytestmark = pytest.mark.postgres


@pytest.fixture
def url(pg_url: str) -> str:
    return pg_url


@pytest.fixture
def wh(url: str) -> Iterator[Warehouse]:
    w = Warehouse(url)
    yield w
    w.dispose()


# Every semantic test of the SQLite suite, run again here against PostgreSQL (``url`` above).
globals().update({n: f for n, f in vars(test_semantics).items() if n.startswith("test_")})


def _published(url: str, build: Callable[[Warehouse], Any]) -> tuple[list, list]:
    wh = Warehouse(url)
    try:
        build(wh)
        values = wh.values()
        periods = sorted({r["period"] for r in values})
        return values, [r for p in periods for r in wh.ranking(p)]
    finally:
        wh.dispose()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_same_rows_on_sqlite_and_postgres(name: str, sqlite_url: str, pg_url: str) -> None:
    on_sqlite = _published(sqlite_url, SCENARIOS[name])
    on_postgres = _published(pg_url, SCENARIOS[name])
    assert on_sqlite[0], "the scenario computed nothing"
    assert on_postgres == on_sqlite


def _period_statistics(wh: Warehouse, table: str, column: str) -> str | None:
    import sqlalchemy as sa

    q = sa.text(
        "select most_common_vals::text from pg_stats where schemaname = current_schema()"
        " and tablename = :t and attname = :c"
    )
    with wh.engine.connect() as conn:
        return conn.execute(q, {"t": table, "c": column}).scalar()


def test_a_month_just_loaded_is_analyzed_before_it_is_read(wh: Warehouse) -> None:
    """Computed right after its load, a month is not yet in the statistics of clean_households
    (nor a new register in register_households'): the computation analyzes them first, so the
    planner does not take a month's households for one row."""
    from tests.unit.indicators.scenarios import QIANSHAN, village

    v = village(QIANSHAN, 1)
    wh.register("2018-08-01", [v], [(f"h{i}", v, True) for i in range(20)])
    for period in ("2018-08", "2018-09"):
        rows = [
            {"household_id": f"h{i}", "techniques": i % 2, "income_projects": 0} for i in range(20)
        ]
        wh.submit("340800", period, households=rows)
        assert period not in (_period_statistics(wh, "clean_households", "period") or "")
        wh.compute(period)
        assert period in (_period_statistics(wh, "clean_households", "period") or "")
    assert "2018-08-01" in (_period_statistics(wh, "register_households", "register_date") or "")
    assert wh.value("2018-09", "household_skills", "county", QIANSHAN)["value"] == 0.5
