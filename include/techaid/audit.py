"""Warehouse-level checks after the loads: the invariants of the versioned load, in SQL.

The submission checks judge an office's file; these judge the pipeline. Each check is a SQL file
``sql/quality/select_<what>.sql`` (the same text on SQLite and PostgreSQL) whose rows are the
violations, each with ``n``, how many warehouse rows it stands for (one when the check has no
``n`` column: a line per broken pair or parent); no row means the check passed. A failed check means the pipeline is broken (a bug, a half-applied manual fix), never
that an office sent a bad file, so :func:`assert_warehouse_ok` raises and the DAG task fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from techaid import sqlfiles
from techaid.warehouse import schema
from techaid.warehouse.engine import make_engine

DETAIL_LINES = 10  # violations named in a result's detail; the count covers all of them


@dataclass(frozen=True)
class Check:
    """A named check: its SQL file and what it guarantees (the failure message's first words)."""

    name: str
    sql: str
    guarantee: str


CHECKS: tuple[Check, ...] = (
    Check(
        "no_orphan_clean_rows",
        "select_orphan_clean_rows",
        "every clean row belongs to the current accepted version of its (city, period)",
    ),
    Check(
        "one_current_version",
        "select_current_version_conflicts",
        "a (city, period) with an accepted version has exactly one current version",
    ),
    Check(
        "no_negative_stocks",
        "select_negative_stocks",
        "no negative counts in clean_counties and clean_villages",
    ),
    Check(
        "no_rows_for_rejected_months",
        "select_rows_of_rejected_months",
        "no clean rows for a (city, period) whose versions were all refused",
    ),
    Check(
        "children_add_up",
        "select_rollup_mismatches",
        "every additive indicator's city and province figures equal the sums of their counties",
    ),
)


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    failing_rows: int  # warehouse rows (or (city, period) pairs) in violation
    detail: str  # what the check guarantees, and the first violations


class WarehouseCheckFailed(RuntimeError):
    """One or more warehouse invariants do not hold: the pipeline, not a file, is at fault."""

    def __init__(self, failed: Sequence[CheckResult]):
        self.failed = list(failed)
        lines = [f"{len(self.failed)} warehouse check(s) failed:"]
        lines += [f"- {r.name}: {r.failing_rows} row(s); {r.detail}" for r in self.failed]
        super().__init__("\n".join(lines))


def render(name: str) -> str:
    """The SQL of ``sql/quality/<name>.sql``; table names come only from the schema."""
    tables = sorted(t.name for t in schema.clean_tables().values())
    sql = sqlfiles.render(f"quality/{name}.sql", clean_tables=tables, additive=_additive())
    return sql.strip().rstrip(";")


def _additive() -> list[tuple[str, str]]:
    """(indicator, spatial aggregation) of every indicator whose rollup adds up."""
    from techaid.indicators.catalogue import catalogue

    additive = ("sum", "ratio_of_sums", "share_of_counties")
    return [(i.code, i.spatial) for i in catalogue().indicators.values() if i.spatial in additive]


def _describe(row: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in row.items() if k != "n")


def _count(row: dict[str, Any]) -> int:
    return int(row.get("n", 1))


def run_check(engine: Engine, check: Check) -> CheckResult:
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.text(render(check.sql)))]
    failing = sum(_count(r) for r in rows)
    detail = check.guarantee
    if rows:
        shown = "; ".join(f"{_describe(r)} ({_count(r)})" for r in rows[:DETAIL_LINES])
        more = f"; and {len(rows) - DETAIL_LINES} more" if len(rows) > DETAIL_LINES else ""
        detail = f"{check.guarantee}: {shown}{more}"
    return CheckResult(check.name, not rows, failing, detail)


def run_warehouse_checks(engine: Engine | str) -> list[CheckResult]:
    """Every check, passed or not (in the order of :data:`CHECKS`)."""
    if isinstance(engine, str):
        engine = make_engine(engine)
    return [run_check(engine, check) for check in CHECKS]


def assert_warehouse_ok(engine: Engine | str) -> list[CheckResult]:
    """Run every check; raise :class:`WarehouseCheckFailed` naming each failed one."""
    results = run_warehouse_checks(engine)
    failed = [r for r in results if not r.passed]
    if failed:
        raise WarehouseCheckFailed(failed)
    return results
