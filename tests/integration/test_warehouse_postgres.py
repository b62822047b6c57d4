"""The warehouse layer on both engines: the same loads give the same tables on SQLite and
PostgreSQL (COPY there, executemany here), and every versioning property holds on each."""

from __future__ import annotations

import threading
import time
from collections import Counter

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from techaid.quality.flow import ACCEPTED, WITH_ERRORS, Decision
from techaid.warehouse import bulk, migrate, reads, schema, versions
from techaid.warehouse.engine import make_engine
from tests.unit.warehouse.builders import (
    CITY,
    PERIOD,
    REPAIRS,
    decision,
    dump,
    frame,
    fresh,
    migration_roundtrip,
    refusal,
    standard_sequence,
    version,
    when,
)

ENGINES = [
    pytest.param("sqlite_url", id="sqlite"),
    pytest.param("pg_url", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=ENGINES)
def url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(request.param)


@pytest.fixture
def engine(url: str) -> sa.Engine:
    return fresh(url)


def statuses(engine: sa.Engine) -> dict[str, str]:
    return {r[0]: r[6] for r in reads.table_snapshot(engine, "submission")}


def loaded_ids(engine: sa.Engine) -> set[str]:
    ids: set[str] = set()
    with engine.connect() as conn:
        for t in schema.clean_tables().values():
            query = sa.select(t.c.submission_id).where(t.c.city_code == CITY)
            ids.update(conn.execute(query).scalars())
    return ids


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


def test_should_migrate_without_losing_rows(url: str) -> None:
    migration_roundtrip(make_engine(url))


def test_should_supersede_and_reload_on_a_correction(engine: sa.Engine) -> None:
    v1, v2 = version("a1", when(2)), version("b2", when(4))
    versions.record_outcome(engine, v1, decision(1), None, REPAIRS, True)
    versions.record_outcome(engine, v2, decision(2, outcome=WITH_ERRORS), None, Counter(), True)
    assert statuses(engine) == {v1.submission_id: "superseded", v2.submission_id: WITH_ERRORS}
    assert loaded_ids(engine) == {v2.submission_id}


def test_should_keep_accepted_data_over_refusals_and_late_old_versions(engine: sa.Engine) -> None:
    current, refused, old = version("b2", when(4)), version("c3", when(6)), version("a1", when(1))
    versions.record_outcome(engine, current, decision(2), None, Counter(), True)
    before = {k: v for k, v in dump(engine).items() if k.startswith("clean_")}
    versions.record_outcome(engine, refused, None, refusal(), Counter(), True)
    versions.record_outcome(engine, old, decision(0), None, Counter(), True)
    after = {k: v for k, v in dump(engine).items() if k.startswith("clean_")}
    assert after == before
    assert statuses(engine) == {
        current.submission_id: ACCEPTED,
        refused.submission_id: "rejected",
        old.submission_id: "superseded",
    }


def test_should_be_identical_after_a_rerun(engine: sa.Engine) -> None:
    standard_sequence(engine)
    once = dump(engine)
    standard_sequence(engine)
    assert dump(engine) == once


def test_should_keep_the_previous_version_when_a_bulk_load_fails(engine: sa.Engine) -> None:
    v1, v2 = version("a1", when(2)), version("b2", when(4))
    versions.record_outcome(engine, v1, decision(1), None, REPAIRS, True)
    before = dump(engine)
    bad = decision(2)
    households = bad.clean["households"]
    households.loc[len(households) - 1, "row_number"] = households.row_number.iloc[0]
    with pytest.raises(sa.exc.IntegrityError):
        versions.record_outcome(engine, v2, bad, None, Counter(), True)
    assert dump(engine) == before


def test_should_keep_the_previous_version_when_an_insert_raises(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    v1, v2 = version("a1", when(2)), version("b2", when(4))
    versions.record_outcome(engine, v1, decision(1), None, Counter(), True)
    before = dump(engine)
    real, calls = bulk.insert_frame, []

    def failing(conn, table, frame, constants=None):  # noqa: ANN001, ANN202 - test double
        calls.append(table.name)
        if len(calls) == 4:
            raise RuntimeError("connection lost")
        return real(conn, table, frame, constants)

    monkeypatch.setattr(versions, "insert_frame", failing)
    with pytest.raises(RuntimeError):
        versions.record_outcome(engine, v2, decision(2), None, Counter(), True)
    assert dump(engine) == before


def test_should_settle_on_one_current_version_under_concurrent_loads(engine: sa.Engine) -> None:
    """Parallel tasks recording versions of the same month end in the same state as a serial
    run: the latest accepted version current, its rows loaded, the others superseded."""
    days = [3, 7, 5, 4]
    vs = [version(f"{i}f", when(day)) for i, day in enumerate(days)]
    errors: list[BaseException] = []

    def load(i: int) -> None:
        try:
            versions.record_outcome(engine, vs[i], decision(i), None, Counter(), True)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=load, args=(i,)) for i in range(len(vs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    latest = vs[days.index(max(days))].submission_id
    assert statuses(engine) == {
        v.submission_id: ACCEPTED if v.submission_id == latest else "superseded" for v in vs
    }
    assert loaded_ids(engine) == {latest}


@pytest.mark.slow
def test_should_load_a_big_city_in_seconds(engine: sa.Engine) -> None:
    n = 300_000
    rng = np.random.default_rng(0)
    households = pd.DataFrame(
        {
            "row_number": np.arange(2, n + 2),
            "household_id": [f"34010{i:013d}" for i in range(n)],
            "techniques": pd.array(rng.integers(0, 20, n), dtype="Int64"),
            "income_projects": pd.array(rng.integers(0, 20, n), dtype="Int64"),
        }
    )
    households.loc[7, "techniques"] = pd.NA
    clean = {"households": households, "counties": frame("counties", 6)}
    for i, day in enumerate((2, 4)):
        started = time.perf_counter()
        d = Decision(ACCEPTED, [], clean)
        versions.record_outcome(engine, version(f"{i}b", when(day)), d, None, Counter(), True)
        assert time.perf_counter() - started < 20
    with engine.connect() as conn:
        t = schema.clean_tables()["households"]
        count = conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
        nulls = conn.execute(
            sa.select(sa.func.count()).select_from(t).where(t.c.techniques.is_(None))
        ).scalar_one()
    assert (count, nulls) == (n, 1)
    assert reads.current_submissions(engine, PERIOD, current_only=True).rows_loaded[0] == n + 6
