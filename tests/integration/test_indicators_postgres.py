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
