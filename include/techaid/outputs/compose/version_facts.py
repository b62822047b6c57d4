"""What a receipt or a feedback email says about one file version, read from published tables.

``submission`` gives the outcome and counts, ``repair_count`` the silent repairs, ``dq_issue``
the findings (values of personal columns already masked there). Only the first
:data:`BODY_ISSUES` issues of a kind are read for a body: the rest are in the workbook.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, RowMapping

from techaid import config
from techaid.outputs.compose.common import one_line, scrub
from techaid.periods import period_of
from techaid.warehouse.landing import landing_kind
from techaid.warehouse.schema import dq_issue, repair_count, submission

BODY_ISSUES = 50  # issues listed in a body; every one of them is in the attached workbook
SEVERITY_ORDER = ("fatal", "error", "warning")
SEVERITY_ZH = {"fatal": "致命", "error": "错误", "warning": "提示"}
PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Issue:
    """One ``dq_issue`` row as the office reads it (Chinese sheet and column names)."""

    sheet: str
    row: int | None
    column: str
    value: str
    rule: str
    severity: str
    message: str

    @property
    def severity_zh(self) -> str:
        return SEVERITY_ZH.get(self.severity, self.severity)

    @property
    def where(self) -> str:
        """Sheet, row and column as far as known; a finding about the file says so."""
        row = f"第{self.row}行" if self.row is not None else ""
        return " ".join(p for p in (self.sheet, row, self.column) if p) or "（整个文件）"


@dataclass(frozen=True)
class Repair:
    sheet: str
    column: str
    kind: str
    count: int


@dataclass(frozen=True)
class VersionFacts:
    submission_id: str
    city_code: str | None
    period: str | None
    file_name: str
    received_at: dt.datetime
    status: str
    outcome: str
    on_time: bool | None
    rows_loaded: int
    rows_quarantined: int
    warnings: int
    refused_rule: str | None
    repairs: list[Repair] = field(default_factory=list)
    severities: Mapping[str, int] = field(default_factory=dict)
    rules: list[tuple[str, str, int]] = field(default_factory=list)  # severity, rule, count
    first_issues: list[Issue] = field(default_factory=list)  # every severity, fatal first
    first_warnings: list[Issue] = field(default_factory=list)

    @property
    def repairs_total(self) -> int:
        return sum(r.count for r in self.repairs)

    @property
    def issues_total(self) -> int:
        return sum(self.severities.values())

    @property
    def email_period(self) -> str:
        """The period an email about this version carries: its own, or (a file whose name
        names no valid month) the month it was received in, so its key never changes."""
        if self.period and PERIOD_RE.match(self.period):
            return self.period
        return period_of(self.received_at.date())


def _severity_rank() -> Any:
    t = dq_issue
    return sa.case({s: i for i, s in enumerate(SEVERITY_ORDER)}, value=t.c.severity, else_=9)


def _issues(conn: Connection, sid: str, severities: Sequence[str], register: bool) -> list[Issue]:
    t = dq_issue
    rows = conn.execute(
        sa.select(t)
        .where(t.c.submission_id == sid, t.c.severity.in_(severities))
        .order_by(_severity_rank(), t.c.seq)
        .limit(BODY_ISSUES)
    ).mappings()
    out = []
    for r in rows:
        sheet_zh, column_zh = config.schema().labels(r["sheet"], r["column_name"], register)
        out.append(
            Issue(
                sheet=one_line(sheet_zh, 40),
                row=r["row_number"],
                column=one_line(column_zh, 40),
                value=one_line(r["value"], 60),
                rule=r["rule"],
                severity=r["severity"],
                message=one_line(r["message"], 300),
            )
        )
    return out


def _repairs(conn: Connection, sid: str, register: bool) -> list[Repair]:
    t = repair_count
    rows = conn.execute(
        sa.select(t)
        .where(t.c.submission_id == sid)
        .order_by(t.c.sheet, t.c.column_name, t.c.repair)
    ).mappings()
    out = []
    for r in rows:
        sheet_zh, column_zh = config.schema().labels(
            r["sheet"] or None, r["column_name"] or None, register
        )
        out.append(Repair(scrub(sheet_zh), scrub(column_zh), r["repair"], int(r["count"])))
    return out


def _rule_counts(conn: Connection, sid: str) -> list[tuple[str, str, int]]:
    t = dq_issue
    rows = conn.execute(
        sa.select(t.c.severity, t.c.rule, sa.func.count())
        .where(t.c.submission_id == sid)
        .group_by(t.c.severity, t.c.rule)
    ).all()
    rank = {s: i for i, s in enumerate(SEVERITY_ORDER)}
    return sorted(
        ((s, r, int(n)) for s, r, n in rows), key=lambda x: (rank.get(x[0], 9), -x[2], x[1])
    )


def read_versions(
    engine: Engine, submission_ids: Iterable[str], details: bool = True
) -> list[VersionFacts]:
    """The facts of each version (unknown ids skipped), in the order given; without
    ``details`` only the ``submission`` row (enough to know which emails a version gets)."""
    ids = list(dict.fromkeys(submission_ids))
    out = []
    t = submission
    with engine.connect() as conn:
        for sid in ids:
            s = conn.execute(sa.select(t).where(t.c.submission_id == sid)).mappings().first()
            if s is None:
                continue
            if not details:
                out.append(_facts(s))
                continue
            rules = _rule_counts(conn, sid)
            register = landing_kind(s["file_path"] or "") == "register"
            severities: Counter[str] = Counter()
            for severity, _, n in rules:
                severities[severity] += n
            out.append(
                _facts(
                    s,
                    repairs=_repairs(conn, sid, register),
                    severities=dict(severities),
                    rules=rules,
                    first_issues=_issues(conn, sid, SEVERITY_ORDER, register),
                    first_warnings=_issues(conn, sid, ("warning",), register),
                )
            )
    return out


def _facts(s: RowMapping, **details: Any) -> VersionFacts:
    return VersionFacts(
        submission_id=s["submission_id"],
        city_code=s["city_code"],
        period=s["period"],
        file_name=one_line(s["file_name"], 200),
        received_at=s["received_at"],
        status=s["status"],
        outcome=s["outcome"],
        on_time=s["on_time"],
        rows_loaded=int(s["rows_loaded"] or 0),
        rows_quarantined=int(s["rows_quarantined"] or 0),
        warnings=int(s["warnings"] or 0),
        refused_rule=s["refused_rule"],
        **details,
    )
