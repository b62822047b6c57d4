"""The versioned load: versions, current version, clean rows, atomicity, idempotence, on SQLite
and on PostgreSQL (the ``backend`` fixture runs each test once per backend)."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from techaid.quality.flow import ACCEPTED, REJECTED, WITH_ERRORS, Decision
from techaid.warehouse import bulk, landing, reads, schema, versions
from techaid.warehouse import register as wh_register
from tests.unit.warehouse.builders import (
    CITY,
    OTHER_CITY,
    PERIOD,
    REPAIRS,
    decision,
    dump,
    frame,
    refusal,
    register_frame,
    standard_sequence,
    version,
    when,
)


@pytest.fixture
def engine(backend: sa.Engine) -> sa.Engine:
    return backend


def statuses(engine: sa.Engine) -> dict[str, str]:
    subs = reads.current_submissions(engine)
    return dict(zip(subs.submission_id, subs.status, strict=True))


def clean_ids(engine: sa.Engine, sheet: str = "villages", city: str = CITY) -> set[str]:
    t = schema.clean_tables()[sheet]
    query = sa.select(t.c.submission_id).where(t.c.city_code == city, t.c.period == PERIOD)
    with engine.connect() as conn:
        return set(conn.execute(query).scalars())


def clean_count(engine: sa.Engine, sheet: str) -> int:
    t = schema.clean_tables()[sheet]
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()


# ---------------------------------------------------------------- identities


def test_should_give_the_same_id_to_the_same_version_anywhere() -> None:
    a = versions.submission_id(CITY, PERIOD, "f" * 64)
    assert a == versions.submission_id(CITY, PERIOD, "f" * 64)
    assert len(a) == 20
    assert int(a, 16) >= 0
    assert a != versions.submission_id(CITY, "2018-07", "f" * 64)
    assert version("a1", when(2)).submission_id == version("a1", when(9)).submission_id


def test_should_count_the_same_file_twice_as_one_version(engine: sa.Engine) -> None:
    copy_late, copy_early = version("a1", when(6)), version("a1", when(3))
    copy_early = versions.VersionInfo.of(
        CITY, PERIOD, copy_early.sha256, "submissions/x/copy.xlsx", when(3)
    )
    pending = versions.pending_versions(engine, [copy_late, copy_early])
    assert pending == [copy_early]  # one version, its earliest sighting

    versions.record_outcome(engine, copy_early, decision(1), None, Counter(), True)
    versions.record_outcome(engine, copy_late, decision(1), None, Counter(), False)
    subs = reads.current_submissions(engine)
    assert len(subs) == 1
    assert subs.received_at[0] == when(3)
    assert bool(subs.on_time[0]) is True
    assert subs.file_name[0] == "copy.xlsx"
    assert versions.pending_versions(engine, [copy_late, (CITY, PERIOD, "9" * 64)]) == [
        (CITY, PERIOD, "9" * 64)
    ]


# ---------------------------------------------------------------- current version


def test_should_supersede_and_reload_on_a_later_correction(engine: sa.Engine) -> None:
    v1, v2 = version("a1", when(2)), version("b2", when(4))
    r1 = versions.record_outcome(engine, v1, decision(1, rows=4), None, REPAIRS, True)
    assert r1.replaced_clean
    assert r1.current_id == v1.submission_id
    assert clean_ids(engine) == {v1.submission_id}

    r2 = versions.record_outcome(engine, v2, decision(2, rows=7), None, Counter(), True)
    assert r2.status == ACCEPTED
    assert r2.replaced_clean
    assert statuses(engine) == {v1.submission_id: "superseded", v2.submission_id: ACCEPTED}
    assert clean_ids(engine) == {v2.submission_id}
    assert clean_count(engine, "counties") == 7  # the correction's rows only, none of v1's


def test_should_never_let_a_refused_correction_displace_accepted_data(engine: sa.Engine) -> None:
    v1, v2, v3 = version("a1", when(2)), version("b2", when(4)), version("c3", when(5))
    versions.record_outcome(engine, v1, decision(1, outcome=WITH_ERRORS), None, Counter(), True)
    before = dump(engine)
    r2 = versions.record_outcome(engine, v2, None, refusal(), Counter(), True)
    rejected = decision(3, outcome=REJECTED)
    r3 = versions.record_outcome(engine, v3, rejected, rejected.fatal, Counter(), True)

    assert r2.status == r3.status == REJECTED
    assert r2.current_id == v1.submission_id
    assert statuses(engine) == {
        v1.submission_id: WITH_ERRORS,
        v2.submission_id: REJECTED,
        v3.submission_id: REJECTED,
    }
    after = dump(engine)
    for name in before:
        if name.startswith("clean_"):
            assert after[name] == before[name]
    subs = reads.current_submissions(engine).set_index("submission_id")
    assert subs.loc[v2.submission_id, "refused_rule"] == "file.unreadable"
    assert subs.loc[v3.submission_id, "refused_rule"] == "file.quarantine_threshold"
    assert subs.loc[v2.submission_id, "rows_loaded"] == 0
    issues = [r for r in after["dq_issue"] if r[0] == v3.submission_id]
    assert issues[0][1] == 1
    assert issues[0][7] == "fatal"


def test_should_keep_the_current_version_when_an_older_one_arrives_late(engine: sa.Engine) -> None:
    new, old = version("b2", when(4)), version("a1", when(2))
    versions.record_outcome(engine, new, decision(2), None, Counter(), True)
    before = dump(engine)
    r = versions.record_outcome(engine, old, decision(1), None, Counter(), True)
    assert r.status == "superseded"
    assert not r.replaced_clean
    assert r.current_id == new.submission_id
    assert r.reload_needed is None
    assert statuses(engine) == {new.submission_id: ACCEPTED, old.submission_id: "superseded"}
    after = dump(engine)
    assert {n: after[n] for n in after if n.startswith("clean_")} == {
        n: before[n] for n in before if n.startswith("clean_")
    }


def test_should_break_a_received_time_tie_by_sha256(engine: sa.Engine) -> None:
    a, b = version("b2", when(4)), version("a1", when(4))
    versions.record_outcome(engine, a, decision(2), None, Counter(), True)
    versions.record_outcome(engine, b, decision(1), None, Counter(), True)
    assert statuses(engine)[a.submission_id] == ACCEPTED  # "...b2" > "...a1"
    assert clean_ids(engine) == {a.submission_id}


def test_should_keep_cities_and_periods_apart(engine: sa.Engine) -> None:
    mine, other = version("a1", when(2)), version("b2", when(4), city=OTHER_CITY)
    versions.record_outcome(engine, mine, decision(1), None, Counter(), True)
    versions.record_outcome(engine, other, decision(2), None, Counter(), True)
    assert set(statuses(engine).values()) == {ACCEPTED}
    assert clean_ids(engine) == {mine.submission_id}
    assert clean_ids(engine, city=OTHER_CITY) == {other.submission_id}


# ---------------------------------------------------------------- idempotence and atomicity


def test_should_leave_every_table_identical_when_run_again(engine: sa.Engine) -> None:
    standard_sequence(engine)
    once = dump(engine)
    standard_sequence(engine)
    assert dump(engine) == once


def test_should_keep_the_previous_version_when_a_load_fails_halfway(engine: sa.Engine) -> None:
    v1, v2 = version("a1", when(2)), version("b2", when(4))
    versions.record_outcome(engine, v1, decision(1), None, REPAIRS, True)
    before = dump(engine)
    bad = decision(2)
    households = bad.clean["households"]
    households.loc[len(households) - 1, "row_number"] = households.row_number.iloc[0]
    with pytest.raises(sa.exc.IntegrityError):
        versions.record_outcome(engine, v2, bad, None, REPAIRS, True)
    assert dump(engine) == before


def test_should_roll_back_when_an_insert_raises(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    v1, v2 = version("a1", when(2)), version("b2", when(4))
    versions.record_outcome(engine, v1, decision(1), None, Counter(), True)
    before = dump(engine)
    real, calls = bulk.insert_frame, []

    def failing(conn, table, frame, constants=None):  # test double
        calls.append(table.name)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(conn, table, frame, constants)

    monkeypatch.setattr(versions, "insert_frame", failing)
    with pytest.raises(RuntimeError, match="disk full"):
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
        except BaseException as exc:  # reported below
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
    assert clean_ids(engine) == {latest}


@pytest.mark.slow
def test_should_load_a_big_city_whole(engine: sa.Engine) -> None:
    """300,000 households twice (a correction): every row of the current version, NA as NULL;
    its speed is the bench's business (make bench), not a test's."""
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
        d = Decision(ACCEPTED, [], clean)
        versions.record_outcome(engine, version(f"{i}b", when(day)), d, None, Counter(), True)
    assert clean_count(engine, "households") == n
    t = schema.clean_tables()["households"]
    with engine.connect() as conn:
        nulls = conn.execute(
            sa.select(sa.func.count()).select_from(t).where(t.c.techniques.is_(None))
        ).scalar_one()
    assert nulls == 1
    assert reads.current_submissions(engine, PERIOD, current_only=True).rows_loaded[0] == n + 6


# ---------------------------------------------------------------- received time


def test_should_lower_the_received_time_for_an_earlier_sighting(engine: sa.Engine) -> None:
    late = version("a1", when(8))
    versions.record_outcome(engine, late, decision(1), None, Counter(), False)
    earlier = versions.VersionInfo.of(CITY, PERIOD, late.sha256, "submissions/b/x.xlsx", when(3))
    assert versions.record_sightings(engine, [earlier]) == []
    subs = reads.current_submissions(engine)
    assert subs.received_at[0] == when(3)
    assert bool(subs.on_time[0]) is True
    assert subs.file_path[0] == "submissions/b/x.xlsx"
    # a later sighting changes nothing
    before = dump(engine)
    assert versions.record_sightings(engine, [late]) == []
    assert dump(engine) == before


def test_should_ask_for_a_reload_when_an_earlier_sighting_changes_the_order(
    engine: sa.Engine,
) -> None:
    first, second = version("a1", when(3)), version("b2", when(6))
    versions.record_outcome(engine, first, decision(1), None, Counter(), True)
    versions.record_outcome(engine, second, decision(2), None, Counter(), True)
    copy = versions.VersionInfo.of(CITY, PERIOD, second.sha256, "submissions/z.xlsx", when(1))
    assert versions.record_sightings(engine, [copy]) == [first.submission_id]
    # the caller reads the file again and records it: it becomes current
    r = versions.record_outcome(engine, first, decision(1), None, Counter(), True)
    assert r.replaced_clean
    assert r.reload_needed is None
    assert statuses(engine) == {first.submission_id: ACCEPTED, second.submission_id: "superseded"}
    assert clean_ids(engine) == {first.submission_id}


def test_should_store_aware_times_as_naive_utc(engine: sa.Engine) -> None:
    shanghai = dt.timezone(dt.timedelta(hours=8))
    v = version("a1", dt.datetime(2018, 7, 5, 23, 0, tzinfo=shanghai))
    versions.record_outcome(engine, v, decision(1), None, Counter(), True)
    assert reads.current_submissions(engine).received_at[0] == dt.datetime(2018, 7, 5, 15, 0)
    assert versions.is_on_time(PERIOD, dt.datetime(2018, 7, 5, 15, 59)) is True
    assert versions.is_on_time(PERIOD, dt.datetime(2018, 7, 5, 16, 0)) is False
    assert versions.is_on_time(None, dt.datetime(2018, 7, 5)) is None


# ---------------------------------------------------------------- what is written


def test_should_write_counts_issues_and_repairs(engine: sa.Engine) -> None:
    v = version("a1", when(2))
    d = decision(1, rows=4, outcome=WITH_ERRORS, warnings=2)
    versions.record_outcome(engine, v, d, None, REPAIRS, True)
    row = reads.current_submissions(engine).iloc[0]
    assert (row.status, row.outcome) == (WITH_ERRORS, WITH_ERRORS)
    assert row.rows_loaded == d.rows_loaded
    assert row.rows_quarantined == 1
    assert row.warnings == 2
    assert row.repairs == 4
    assert row.size_bytes == 1000
    issues = reads.table_snapshot(engine, "dq_issue")
    assert [(i[1], i[6], i[7]) for i in issues] == [
        (1, "history.outlier", "warning"),
        (2, "history.outlier", "warning"),
        (3, "value.range", "error"),
    ]
    assert reads.table_snapshot(engine, "repair_count") == [
        (v.submission_id, "meta", "period", "date", 1),
        (v.submission_id, "villages", "village_code", "code_number", 3),
    ]


def test_should_store_na_as_null_and_keep_types(engine: sa.Engine) -> None:
    villages = pd.DataFrame(
        {
            "row_number": [2, 3],
            "village_code": ["340100000001", "340100000002"],
            "village_name": ["", None],
            "one_product": pd.array([True, None], dtype="boolean"),
            "associations": pd.array([3, None], dtype="Int64"),
            "business_entities": [1, 2],
        }
    )
    activities = frame("activities", 2).assign(held_on=[dt.date(2018, 6, 3), None])
    d = Decision(ACCEPTED, [], {"villages": villages, "activities": activities})
    v = version("a1", when(2))
    versions.record_outcome(engine, v, d, None, Counter(), True)
    rows = reads.table_snapshot(engine, "clean_villages")
    assert rows[0][4:10] == ("340100000001", "", True, 3, 1, None)
    assert rows[1][4:10] == ("340100000002", None, None, None, 2, None)
    held = [r[6] for r in reads.table_snapshot(engine, "clean_activities")]
    assert held == [dt.date(2018, 6, 3), None]


def test_should_refuse_a_frame_for_an_unknown_sheet(engine: sa.Engine) -> None:
    d = Decision(ACCEPTED, [], {"nonsense": frame("villages", 2)})
    with pytest.raises(ValueError, match="nonsense"):
        versions.record_outcome(engine, version("a1", when(2)), d, None, Counter(), True)
    assert reads.current_submissions(engine).empty


def test_should_record_a_file_refused_before_its_city_was_known(engine: sa.Engine) -> None:
    v = versions.VersionInfo.of(None, None, "e" * 64, "submissions/junk.xlsx", when(2))
    r = versions.record_outcome(engine, v, None, refusal(), Counter(), None)
    assert r.status == REJECTED
    assert r.current_id is None
    row = reads.current_submissions(engine).iloc[0]
    assert row.status == REJECTED
    assert row.city_code is None
    assert row.on_time is None


def test_should_filter_current_submissions(engine: sa.Engine) -> None:
    standard_sequence(engine)
    assert len(reads.current_submissions(engine, PERIOD)) == 5
    assert reads.current_submissions(engine, "2018-07").empty
    current = reads.current_submissions(engine, PERIOD, current_only=True)
    assert sorted(current.city_code) == [CITY, OTHER_CITY]
    assert list(reads.current_submissions(engine, city_code=OTHER_CITY).city_code) == [OTHER_CITY]


# ---------------------------------------------------------------- landing files and register


def test_should_remember_landing_files(engine: sa.Engine) -> None:
    assert landing.known_landing_files(engine) == {}
    aware = dt.datetime(2018, 7, 3, 10, 0, tzinfo=dt.UTC)
    landing.record_landing_files(
        engine,
        {
            "submissions/a/340100_2018-06.xlsx": (10, aware, "a" * 64),
            "register/2018-01-01/villages.csv": (20, when(1), None),
        },
    )
    landing.record_landing_files(
        engine, {"submissions/a/340100_2018-06.xlsx": (11, when(4), "b" * 64)}
    )
    assert landing.known_landing_files(engine) == {
        "submissions/a/340100_2018-06.xlsx": (11, when(4), "b" * 64),
        "register/2018-01-01/villages.csv": (20, when(1), None),
    }
    assert list(landing.known_landing_files(engine, kind="register")) == [
        "register/2018-01-01/villages.csv"
    ]


def test_should_replace_a_dated_register(engine: sa.Engine) -> None:
    day = dt.date(2018, 1, 1)
    shas = {"villages": "1" * 64, "households": "2" * 64}
    v5, h7 = register_frame("villages", 5), register_frame("households", 7)
    wh_register.load_register(engine, day, v5, h7, shas, "accepted")
    wh_register.load_register(engine, dt.date(2017, 1, 1), v5, h7, ("3" * 64, "4" * 64), "accepted")
    v2 = register_frame("villages", 2, seed=1)
    wh_register.load_register(engine, day, v2, h7, shas, "accepted", "corrected")
    rows = reads.table_snapshot(engine, "register_villages")
    assert sum(r[0] == day for r in rows) == 2
    assert len(rows) == 7
    version_row = next(r for r in reads.table_snapshot(engine, "register_version") if r[0] == day)
    assert version_row[3:] == ("accepted", 2, 7, "corrected")

    # A refused resend never displaces the accepted register of its date.
    assert not wh_register.load_register(engine, day, None, None, shas, "rejected", "bad file")
    rows = reads.table_snapshot(engine, "register_households")
    assert {r[0] for r in rows} == {day, dt.date(2017, 1, 1)}
    version_row = next(r for r in reads.table_snapshot(engine, "register_version") if r[0] == day)
    assert version_row[3:] == ("accepted", 2, 7, "corrected")

    # A date never accepted records its refusal, with no rows.
    other = dt.date(2018, 6, 1)
    assert wh_register.load_register(engine, other, None, None, shas, "rejected", "bad file")
    version_row = next(r for r in reads.table_snapshot(engine, "register_version") if r[0] == other)
    assert version_row[3:] == ("rejected", 0, 0, "bad file")


@dataclass(frozen=True)
class _Found:
    """Shaped like discovery's LandingFile / Version (duck-typed inputs)."""

    path: str
    size: int
    mtime: dt.datetime
    sha256: str | None
    kind: str
    city_code: str = CITY
    period: str = PERIOD

    @property
    def received_at(self) -> dt.datetime:
        return self.mtime


def test_should_take_discovery_objects(engine: sa.Engine) -> None:
    aware = dt.datetime(2018, 7, 3, 10, 0, tzinfo=dt.UTC)
    late = _Found("s/b/340100_2018-06.xlsx", 5, aware, "a" * 64, "submission")
    early = _Found("s/a/340100_2018-06.xlsx", 5, when(1), "a" * 64, "submission")
    register = _Found("register/2018-01-01/villages.csv", 9, when(1), None, "register")
    landing.record_landing_files(engine, [late, early, register])
    known = landing.known_landing_files(engine)
    assert known[late.path] == (5, dt.datetime(2018, 7, 3, 10, 0), "a" * 64)
    assert landing.known_landing_files(engine, kind="register") == {
        register.path: (9, when(1), None)
    }
    assert versions.pending_versions(engine, [late, early]) == [early]
