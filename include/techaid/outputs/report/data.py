"""One month's rollup read from the published warehouse tables, as plain rows for the report.

Everything the provincial report shows comes from ``indicator_value``, ``county_ranking``,
``submission`` and ``dq_issue`` (no clean data, so no personal data), with names from the dated
hierarchy and the indicator catalogue. The readers are the only place the report touches SQL;
the workbook, charts and HTML work on these rows alone.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from techaid import config
from techaid.outputs.report.labels import (
    SEVERITIES,
    SUBMISSION_REASON_ZH,
    IndicatorLabel,
    Kind,
    indicator_label,
)
from techaid.periods import parse_period
from techaid.sqlfiles import render

HISTORY_INDICATORS = 4  # lines in one county's history chart


class ReportDataError(LookupError):
    """The warehouse holds no rollup for the month asked for."""


@dataclass(frozen=True)
class IndicatorRow:
    """One ``indicator_value`` row with the names a reader needs."""

    level: str
    org_code: str
    org_name: str
    city_code: str | None
    city_name: str
    indicator: str
    label: IndicatorLabel
    value: float | None
    numerator: float | None
    denominator: float | None
    target: float | None
    expected: float | None
    attainment: float | None
    status: str | None
    carried_forward: bool
    forecast_period: str | None
    required_monthly_rate: float | None
    source_period: str | None

    @property
    def kind(self) -> Kind:
        return self.label.kind(self.level)


@dataclass(frozen=True)
class Reason:
    """Why a county is lagging: its city's month, or one indicator and how far behind."""

    code: str
    name: str
    status: str | None = None
    value: float | None = None
    expected: float | None = None
    target: float | None = None
    gap: float | None = None
    required_monthly_rate: float | None = None
    forecast_period: str | None = None
    kind: Kind = "count"


@dataclass(frozen=True)
class RankingRow:
    rank: int
    previous_rank: int | None
    rank_change: int | None
    county_code: str
    county_name: str
    city_code: str
    city_name: str
    lagging: bool
    score: float
    lagging_indicators: tuple[str, ...]
    reasons: tuple[Reason, ...]

    @property
    def movement(self) -> str:
        """Rank 1 is furthest behind: moving towards it is falling back."""
        if self.rank_change is None:
            return "首次排名"
        if self.rank_change > 0:
            return f"退步{self.rank_change}位"
        if self.rank_change < 0:
            return f"进步{-self.rank_change}位"
        return "持平"


@dataclass(frozen=True)
class ReportingRow:
    """A city's month: the version that counts, and its cumulative on-time reporting rate."""

    city_code: str
    city_name: str
    state: str  # accepted | accepted_with_errors | rejected | missing
    on_time: bool | None
    received_local: str | None
    file_name: str | None
    versions: int
    rows_loaded: int
    rows_quarantined: int
    warnings: int
    reporting_rate: float | None
    reporting_status: str | None


@dataclass(frozen=True)
class QualityRow:
    city_code: str
    city_name: str
    severity: str
    rule: str
    issues: int


@dataclass(frozen=True)
class CitySummary:
    city_code: str
    city_name: str
    counties: int
    lagging_counties: int
    reporting_rate: float | None
    statuses: Mapping[str, int]  # status -> indicators of the city in it


@dataclass(frozen=True)
class HistoryPoint:
    period: str
    indicator: str
    value: float | None
    expected: float | None
    target: float | None
    status: str | None


@dataclass(frozen=True)
class Rollup:
    period: str
    province_name: str
    province: list[IndicatorRow]
    cities: list[IndicatorRow]
    counties: list[IndicatorRow]
    city_summary: list[CitySummary]
    ranking: list[RankingRow]
    reporting: list[ReportingRow]
    quality: list[QualityRow]
    history_county: str | None
    history_indicators: tuple[str, ...]
    history: list[HistoryPoint] = field(default_factory=list)

    @property
    def title_month(self) -> str:
        year, month = parse_period(self.period)
        return f"{year}年{month}月"

    def quality_by_city(self) -> list[dict[str, Any]]:
        """Per city: findings by severity (every city listed, zeros included)."""
        counts: Counter[tuple[str, str]] = Counter()
        for q in self.quality:
            counts[(q.city_code, q.severity)] += q.issues
        return [
            {
                "city_code": r.city_code,
                "city_name": r.city_name,
                **{s: counts[(r.city_code, s)] for s in SEVERITIES},
            }
            for r in self.reporting
        ]


# ---------------------------------------------------------------- reading


def _rows(conn: Connection, name: str, **params: Any) -> list[dict[str, Any]]:
    stmt = sa.text(render(f"report/{name}.sql"))
    if "codes" in params:
        stmt = stmt.bindparams(sa.bindparam("codes", expanding=True))
    return [dict(r._mapping) for r in conn.execute(stmt, params)]


def _float(v: Any) -> float | None:
    return None if v is None else float(v)


def _indicator_rows(
    conn: Connection, period: str, level: str, hierarchy: Any
) -> list[IndicatorRow]:
    rows = []
    for r in _rows(conn, "select_indicator_values", period=period, level=level):
        code = r["org_code"]
        city = code if level == "city" else hierarchy.city_of(code) if level == "county" else None
        rows.append(
            IndicatorRow(
                level=level,
                org_code=code,
                org_name=hierarchy.name(code),
                city_code=city,
                city_name=hierarchy.name(city) if city else "",
                indicator=r["indicator"],
                label=indicator_label(r["indicator"]),
                value=_float(r["value"]),
                numerator=_float(r["numerator"]),
                denominator=_float(r["denominator"]),
                target=_float(r["target"]),
                expected=_float(r["expected"]),
                attainment=_float(r["attainment"]),
                status=r["status"],
                carried_forward=bool(r["carried_forward"]),
                forecast_period=r["forecast_period"],
                required_monthly_rate=_float(r["required_monthly_rate"]),
                source_period=r["source_period"],
            )
        )
    city_order = {c: i for i, c in enumerate(hierarchy.city_codes())}
    rows.sort(key=lambda x: (city_order.get(x.city_code or "", 99), x.org_code, x.label.order))
    return rows


def _reason(item: Mapping[str, Any]) -> Reason:
    """One entry of ``county_ranking.reasons`` (JSON written by the ranking)."""
    code = str(item.get("code", ""))
    if code in SUBMISSION_REASON_ZH:
        return Reason(code=code, name=SUBMISSION_REASON_ZH[code])
    label = indicator_label(code)
    return Reason(
        code=code,
        name=label.zh,
        status=item.get("status"),
        value=_float(item.get("value")),
        expected=_float(item.get("expected")),
        target=_float(item.get("target")),
        gap=_float(item.get("gap")),
        required_monthly_rate=_float(item.get("required_monthly_rate")),
        forecast_period=item.get("forecast_period"),
        kind=label.kind("county"),
    )


def _ranking(conn: Connection, period: str, hierarchy: Any) -> list[RankingRow]:
    rows = []
    for r in _rows(conn, "select_county_ranking", period=period):
        reasons = json.loads(r["reasons"] or "[]")
        codes = tuple(c for c in (r["lagging_indicators"] or "").split(",") if c)
        rows.append(
            RankingRow(
                rank=int(r["rank"]),
                previous_rank=r["previous_rank"],
                rank_change=r["rank_change"],
                county_code=r["county_code"],
                county_name=hierarchy.name(r["county_code"]),
                city_code=r["city_code"],
                city_name=hierarchy.name(r["city_code"]),
                lagging=bool(r["lagging"]),
                score=float(r["score"]),
                lagging_indicators=codes,
                reasons=tuple(_reason(x) for x in reasons),
            )
        )
    return rows


def _local(received_at: Any, tz: str) -> str | None:
    if received_at is None:
        return None
    if isinstance(received_at, str):
        received_at = dt.datetime.fromisoformat(received_at)
    local = received_at.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(tz))
    return local.strftime("%Y-%m-%d %H:%M")


def _reporting(
    conn: Connection, period: str, hierarchy: Any, cities: Sequence[IndicatorRow]
) -> list[ReportingRow]:
    tz = config.program().program.timezone
    got = {r["city_code"]: r for r in _rows(conn, "select_city_submissions", period=period)}
    rate = {c.org_code: c for c in cities if c.indicator == "reporting_rate"}
    rows = []
    for code in hierarchy.city_codes():
        r = got.get(code)
        rr = rate.get(code)
        state = "missing" if r is None else r["status"]
        rows.append(
            ReportingRow(
                city_code=code,
                city_name=hierarchy.name(code),
                state=state,
                on_time=None if r is None or r["on_time"] is None else bool(r["on_time"]),
                received_local=_local(r["received_at"], tz) if r else None,
                file_name=r["file_name"] if r else None,
                versions=int(r["versions"]) if r else 0,
                rows_loaded=int(r["rows_loaded"] or 0) if r else 0,
                rows_quarantined=int(r["rows_quarantined"] or 0) if r else 0,
                warnings=int(r["warnings"] or 0) if r else 0,
                reporting_rate=rr.value if rr else None,
                reporting_status=rr.status if rr else None,
            )
        )
    return rows


def _quality(conn: Connection, period: str, hierarchy: Any) -> list[QualityRow]:
    order = {c: i for i, c in enumerate(hierarchy.city_codes())}
    rows = [
        QualityRow(
            city_code=r["city_code"],
            city_name=hierarchy.name(r["city_code"]),
            severity=r["severity"],
            rule=r["rule"],
            issues=int(r["issues"]),
        )
        for r in _rows(conn, "select_quality_counts", period=period)
    ]
    sev = {s: i for i, s in enumerate(SEVERITIES)}
    rows.sort(key=lambda q: (order.get(q.city_code, 99), sev.get(q.severity, 9), -q.issues, q.rule))
    return rows


def _city_summary(
    hierarchy: Any, period: str, cities: Sequence[IndicatorRow], ranking: Sequence[RankingRow]
) -> list[CitySummary]:
    out = []
    for code in hierarchy.city_codes():
        own = [c for c in cities if c.org_code == code]
        statuses = Counter(c.status for c in own if c.status)
        rate = next((c.value for c in own if c.indicator == "reporting_rate"), None)
        out.append(
            CitySummary(
                city_code=code,
                city_name=hierarchy.name(code),
                counties=len(hierarchy.counties_of(code, period)),
                lagging_counties=sum(1 for r in ranking if r.city_code == code and r.lagging),
                reporting_rate=rate,
                statuses=dict(statuses),
            )
        )
    return out


def _history_indicators(
    county: str, ranking: Sequence[RankingRow], counties: Sequence[IndicatorRow]
) -> tuple[str, ...]:
    """The county's lagging indicators, largest shortfall first, topped up with its judged
    indicators of lowest attainment."""
    row = next((r for r in ranking if r.county_code == county), None)
    codes = list(row.lagging_indicators[:HISTORY_INDICATORS]) if row else []
    judged = sorted(
        (
            c
            for c in counties
            if c.org_code == county and c.attainment is not None and c.indicator not in codes
        ),
        key=lambda c: (c.attainment, c.label.order),
    )
    codes += [c.indicator for c in judged[: HISTORY_INDICATORS - len(codes)]]
    return tuple(codes)


def _history(
    conn: Connection, hierarchy: Any, county: str, period: str, indicators: Sequence[str]
) -> list[HistoryPoint]:
    since = config.program().program.start
    rows = _rows(
        conn, "select_county_history", codes=hierarchy.lineage(county), since=since, period=period
    )
    wanted = set(indicators)
    return [
        HistoryPoint(
            period=r["period"],
            indicator=r["indicator"],
            value=_float(r["value"]),
            expected=_float(r["expected"]),
            target=_float(r["target"]),
            status=r["status"],
        )
        for r in rows
        if r["indicator"] in wanted
    ]


def read_rollup(engine: Engine, period: str, county: str | None = None) -> Rollup:
    """The month's rollup; ``county`` picks the county whose history is drawn (default: rank 1,
    the county furthest behind)."""
    parse_period(period)
    hierarchy = config.hierarchy()
    with engine.connect() as conn:
        province = _indicator_rows(conn, period, "province", hierarchy)
        if not province:
            raise ReportDataError(
                f"no rollup for {period} in the warehouse: the month's indicators have not been "
                "computed yet (run monthly_reporting for it first)"
            )
        cities = _indicator_rows(conn, period, "city", hierarchy)
        counties = _indicator_rows(conn, period, "county", hierarchy)
        ranking = _ranking(conn, period, hierarchy)
        reporting = _reporting(conn, period, hierarchy, cities)
        quality = _quality(conn, period, hierarchy)
        chosen = county or (ranking[0].county_code if ranking else None)
        indicators = _history_indicators(chosen, ranking, counties) if chosen else ()
        history = _history(conn, hierarchy, chosen, period, indicators) if chosen else []
    return Rollup(
        period=period,
        province_name=hierarchy.province().name_zh,
        province=province,
        cities=cities,
        counties=counties,
        city_summary=_city_summary(hierarchy, period, cities, ranking),
        ranking=ranking,
        reporting=reporting,
        quality=quality,
        history_county=chosen,
        history_indicators=indicators,
        history=history,
    )


def computed_periods(engine: Engine) -> list[str]:
    """Every month with a computed rollup, oldest first (empty before the first computation)."""
    with engine.connect() as conn:
        return [str(r["period"]) for r in _rows(conn, "select_computed_periods")]
