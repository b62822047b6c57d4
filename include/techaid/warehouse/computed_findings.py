"""Findings of the indicator computation, recorded on the file version they are about.

Computing a month can notice what checking a file cannot: a poor village of the register in force
that the city's snapshot leaves out is counted as not reached. Such a finding belongs to the city's
current version of that month, in ``dq_issue`` after the file's own findings (and counted in
``submission.warnings``), so the office's feedback workbook and the reports show it like any other.

The computation of month M writes the findings about M's files and replaces those it wrote before:
recomputing never duplicates them, a corrected file or a new register clears them, and a version
that stops being current loses them to the one that is. A month whose counties are carried forward
has no file of its own to warn: its source month's computation already did.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from techaid.findings import Finding, finding
from techaid.warehouse import schema
from techaid.warehouse.engine import write_transaction
from techaid.warehouse.versions import ACCEPTED_OUTCOMES, _version_lock

VILLAGE_UNLISTED = "indicator.village_unlisted"
RULES = (VILLAGE_UNLISTED,)  # every rule this module writes (and only this module)


class Unlisted(Protocol):
    """A register village a snapshot leaves out (``techaid.indicators.compute.UnlistedVillage``)."""

    @property
    def city_code(self) -> str: ...
    @property
    def period(self) -> str: ...
    @property
    def village_code(self) -> str: ...
    @property
    def village_name(self) -> str | None: ...


def unlisted_findings(period: str, unlisted: Iterable[Unlisted]) -> dict[str, list[Finding]]:
    """City -> one warning per register village its file for ``period`` leaves out (villages
    left out of an older, carried-forward snapshot are that month's to report)."""
    out: dict[str, list[Finding]] = {}
    for v in unlisted:
        if v.period != period:
            continue
        out.setdefault(v.city_code, []).append(
            finding(
                VILLAGE_UNLISTED,
                sheet="villages",
                column="village_code",
                value=v.village_code,
                detail=v.village_name or "名称未登记",
            )
        )
    return out


def replace_period_findings(
    engine: Engine, period: str, by_city: Mapping[str, list[Finding]]
) -> dict[str, int]:
    """Replace the computation's findings on the versions of ``period``: each city's current
    version gets ``by_city[city]``, every other version of the month none. Returns the number
    written per current version."""
    written: dict[str, int] = {}
    for city in sorted(set(_cities(engine, period)) | set(by_city)):
        with write_transaction(engine, lock=_version_lock(city, period)) as conn:
            sid, n = _replace_city(conn, city, period, by_city.get(city, []))
        if sid is not None and n:
            written[sid] = n
    return written


def _cities(engine: Engine, period: str) -> list[str]:
    t = schema.submission
    query = sa.select(t.c.city_code).distinct().where(t.c.period == period)
    with engine.connect() as conn:
        return [c for c in conn.execute(query).scalars() if c is not None]


def _replace_city(
    conn: Connection, city: str, period: str, findings: list[Finding]
) -> tuple[str | None, int]:
    sub, issue = schema.submission, schema.dq_issue
    rows = conn.execute(
        sa.select(sub.c.submission_id, sub.c.status).where(
            sub.c.city_code == city, sub.c.period == period
        )
    ).all()
    ids = [r.submission_id for r in rows]
    current = next((r.submission_id for r in rows if r.status in ACCEPTED_OUTCOMES), None)
    if not ids:
        return None, 0
    mine = sa.and_(issue.c.submission_id.in_(ids), issue.c.rule.in_(RULES))
    dropped = Counter(
        conn.execute(
            sa.select(issue.c.submission_id).where(mine, issue.c.severity == "warning")
        ).scalars()
    )
    conn.execute(sa.delete(issue).where(mine))
    added = findings if current is not None else []
    if added:
        last = conn.execute(
            sa.select(sa.func.max(issue.c.seq)).where(issue.c.submission_id == current)
        ).scalar()
        conn.execute(
            sa.insert(issue),
            [
                {
                    "submission_id": current,
                    "seq": (last or 0) + i,
                    "sheet": f.sheet,
                    "row_number": f.row,
                    "column_name": f.column,
                    "value": f.value,
                    "rule": f.rule,
                    "severity": f.severity,
                    "message": f.message,
                }
                for i, f in enumerate(added, start=1)
            ],
        )
    change = Counter({sid: -n for sid, n in dropped.items()})
    if current is not None:
        change[current] += sum(f.severity == "warning" for f in added)
    for sid, delta in change.items():
        if delta:
            conn.execute(
                sa.update(sub)
                .where(sub.c.submission_id == sid)
                .values(warnings=sub.c.warnings + delta)
            )
    return current, len(added)
