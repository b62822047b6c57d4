"""Builders for warehouse tests: typed frames as intake hands them over, decisions, versions, and
one standard sequence of loads whose end state two warehouses can be compared on."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

import pandas as pd
import sqlalchemy as sa

from techaid import config
from techaid.findings import Finding
from techaid.quality.flow import ACCEPTED, REJECTED, WITH_ERRORS, Decision
from techaid.warehouse import migrate, reads, schema, versions
from techaid.warehouse import register as wh_register
from techaid.warehouse.engine import make_engine

CITY, OTHER_CITY, PERIOD = "340100", "341500", "2018-06"
SHEETS = ("counties", "townships", "villages", "households", "activities", "evaluations")
# text that CSV and COPY must carry unchanged
TRICKY = ['a "quoted", text', "多行\n文本", "", " padded ", "\\N", "back\\slash"]

_TEXT_TYPES = {"text", "id", "enum", "household_id", "id_list"}
_CODE_DIGITS = {"code6": 6, "code9": 9, "code12": 12, "code": 12}


def when(day: int, hour: int = 8) -> dt.datetime:
    """A naive UTC time in July 2018 (June's submissions arrive then)."""
    return dt.datetime(2018, 7, day, hour, 0, 0)


def _value(rng: random.Random, ctype: str, required: bool) -> Any:
    if not required and rng.random() < 0.2:
        return None
    if ctype in _CODE_DIGITS:
        return "".join(rng.choice("0123456789") for _ in range(_CODE_DIGITS[ctype]))
    if ctype in _TEXT_TYPES:
        return rng.choice(TRICKY) if rng.random() < 0.3 else f"v{rng.randint(0, 10**6)}"
    if ctype == "int":
        return rng.randint(0, 500)
    if ctype == "decimal":
        return rng.choice([0.1, 1 / 3, 12.25, 1e-7, 123456.789])
    if ctype == "bool":
        return rng.random() < 0.5
    if ctype == "date":
        return dt.date(2018, rng.randint(1, 12), rng.randint(1, 28))
    if ctype == "period":
        return PERIOD
    raise AssertionError(ctype)


_DTYPES = {"int": "Int64", "decimal": "Float64", "bool": "boolean"}


def frame(sheet: str, rows: int, seed: int = 0) -> pd.DataFrame:
    """A parsed sheet: schema columns typed as intake types them, plus ``row_number``."""
    spec = config.schema().sheet(sheet)
    rng = random.Random(f"{sheet}-{seed}")
    data: dict[str, Any] = {"row_number": list(range(2, rows + 2))}
    for col in spec.column_list():
        values = [_value(rng, col.type, col.required) for _ in range(rows)]
        data[col.name] = pd.Series(values, dtype=_DTYPES.get(col.type, object))
    return pd.DataFrame(data)


def finding(severity: str = "error", row: int | None = 3, rule: str = "value.range") -> Finding:
    return Finding(rule, severity, f"第{row}行有问题", "villages", row, "associations", "-1")


def decision(seed: int, rows: int = 4, outcome: str = ACCEPTED, warnings: int = 1) -> Decision:
    """A decision whose clean frames depend on ``seed`` (so two versions differ)."""
    findings = [finding("warning", rule="history.outlier") for _ in range(warnings)]
    quarantined: dict[str, set[int]] = {}
    if outcome == WITH_ERRORS:
        findings.append(finding("error", row=1000))
        quarantined = {"villages": {1000}}
    if outcome == REJECTED:
        findings.append(finding("fatal", row=None, rule="file.quarantine_threshold"))
        return Decision(REJECTED, findings, {}, quarantined)
    clean = {s: frame(s, rows + i, seed) for i, s in enumerate(SHEETS)}
    return Decision(outcome, findings, clean, quarantined)


def refusal() -> Finding:
    return Finding("file.unreadable", "fatal", "文件无法读取")


def version(
    sha_seed: str, received_at: dt.datetime, city: str = CITY, period: str = PERIOD
) -> versions.VersionInfo:
    digest = f"{sha_seed:0>64}"[-64:]
    path = f"submissions/{city}/{city}_{period}_{sha_seed}.xlsx"
    return versions.VersionInfo.of(city, period, digest, path, received_at, 1000)


REPAIRS = Counter({("villages", "village_code", "code_number"): 3, ("meta", "period", "date"): 1})


def fresh(url: str) -> sa.Engine:
    engine = make_engine(url)
    migrate.upgrade(engine)
    return engine


COMPARED = ("submission", "dq_issue", "repair_count", "register_version")


def dump(engine: sa.Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every table a load writes, as canonical snapshots."""
    names = [*COMPARED, *(t.name for t in schema.clean_tables().values())]
    names += [t.name for t in schema.register_tables().values()]
    return {name: reads.table_snapshot(engine, name) for name in names}


def standard_sequence(engine: sa.Engine) -> None:
    """Corrections, a refusal, an older version arriving late, two cities, a register."""
    v1, v2, v3 = version("a1", when(2)), version("b2", when(4)), version("c3", when(5))
    old = version("d0", when(1))
    record = versions.record_outcome
    record(engine, v1, decision(1), None, REPAIRS, True)
    record(engine, v2, decision(2, outcome=WITH_ERRORS), None, Counter(), True)
    record(engine, v3, None, refusal(), Counter(), True)
    record(engine, old, decision(0), None, Counter(), True)
    other = version("e5", when(9), city=OTHER_CITY)
    record(engine, other, decision(5, rows=6), None, Counter(), False)
    villages = register_frame("villages", 5)
    households = register_frame("households", 7)
    shas = {"villages": "1" * 64, "households": "2" * 64}
    wh_register.load_register(engine, dt.date(2018, 1, 1), villages, households, shas, "accepted")


def register_frame(name: str, rows: int, seed: int = 0) -> pd.DataFrame:
    spec = config.schema().register_sheet(name)
    rng = random.Random(f"register-{name}-{seed}")
    data: dict[str, Any] = {}
    for col in spec.column_list():
        values = [_value(rng, col.type, True) for _ in range(rows)]
        data[col.name] = pd.Series(values, dtype=_DTYPES.get(col.type, object))
    key = spec.key[0]
    data[key] = [f"{i:016d}" if name == "households" else f"{i:012d}" for i in range(rows)]
    return pd.DataFrame(data)


# ---------------------------------------------------------------- migrations

_DROPPED = {"submission": {"refused_rule", "repairs"}, "clean_villages": {"service_covered"}}


def old_metadata() -> sa.MetaData:
    """The warehouse as an older release left it: ``repair_count`` missing, three columns and the
    submission index missing."""
    old = sa.MetaData()
    for table in schema.all_tables().sorted_tables:
        if table.name == "repair_count":
            continue
        dropped = _DROPPED.get(table.name)
        if dropped is None:
            table.to_metadata(old)
        else:  # without the dropped columns and without indexes
            sa.Table(table.name, old, *(c._copy() for c in table.columns if c.name not in dropped))
    return old


def migration_roundtrip(engine: sa.Engine) -> None:
    """Build the old warehouse with rows in it, upgrade, and check nothing was lost."""
    old = old_metadata()
    old.create_all(engine)
    sub = {
        "submission_id": "s1",
        "city_code": CITY,
        "period": PERIOD,
        "file_name": "f.xlsx",
        "sha256": "a" * 64,
        "received_at": when(2),
        "status": "accepted",
        "on_time": True,
        "rows_loaded": 1,
        "rows_quarantined": 0,
        "warnings": 0,
        "outcome": "accepted",
        "file_path": "submissions/f.xlsx",
        "size_bytes": 10,
    }
    village = {
        "city_code": CITY,
        "period": PERIOD,
        "submission_id": "s1",
        "row_number": 2,
        "village_code": "340100000001",
        "village_name": "村",
        "associations": 2,
    }
    with engine.begin() as conn:
        conn.execute(old.tables["submission"].insert(), [sub])
        conn.execute(old.tables["clean_villages"].insert(), [village])

    report = migrate.upgrade(engine)
    assert sorted(report.applied) == [
        "add column clean_villages.service_covered",
        "add column submission.refused_rule",
        "add column submission.repairs",
        "add index ix_clean_villages_period_city",
        "add index ix_submission_city_period",
        "add table repair_count",
    ]
    inspector = sa.inspect(engine)
    assert inspector.has_table("repair_count")
    assert "ix_submission_city_period" in {i["name"] for i in inspector.get_indexes("submission")}
    subs = reads.table_snapshot(engine, "submission")
    assert len(subs) == 1
    assert subs[0][0] == "s1"
    assert subs[0][-2:] == (None, None)
    villages = reads.table_snapshot(engine, "clean_villages")
    assert villages == [
        (CITY, PERIOD, "s1", 2, "340100000001", "村", None, 2, None, None, None, None)
    ]
    assert migrate.upgrade(engine).applied == []  # idempotent
    # the upgraded warehouse takes a full load
    v = version("b2", when(4))
    versions.record_outcome(engine, v, decision(2), None, REPAIRS, True)
    statuses = {r[0]: r[6] for r in reads.table_snapshot(engine, "submission")}
    assert statuses == {"s1": "superseded", v.submission_id: "accepted"}
    assert {r[2] for r in reads.table_snapshot(engine, "clean_villages")} == {v.submission_id}
