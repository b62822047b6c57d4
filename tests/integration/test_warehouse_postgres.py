"""The warehouse on both engines at once: the same loads give the same tables on SQLite and
PostgreSQL (COPY there, executemany here). Every versioning property runs on each backend in
tests/unit/warehouse (the ``backend`` fixture)."""

from __future__ import annotations

import pytest

from techaid.warehouse import migrate
from tests.unit.warehouse.builders import dump, fresh, standard_sequence


@pytest.mark.postgres
def test_should_give_identical_tables_on_sqlite_and_postgres(sqlite_url: str, pg_url: str) -> None:
    lite, pg = fresh(sqlite_url), fresh(pg_url)
    standard_sequence(lite)
    standard_sequence(pg)
    a, b = dump(lite), dump(pg)
    assert a.keys() == b.keys()
    for name in a:
        assert a[name] == b[name], name
    assert sum(len(rows) for rows in a.values()) > 100
    assert migrate.stored_fingerprint(lite) == migrate.stored_fingerprint(pg)
