"""Small hand-made warehouses for the recommendation tests (SQLite and PostgreSQL alike).

Rows go straight into ``submission`` and ``clean_<sheet>`` the way the loader leaves them: only
the current accepted version of a (city, month) has clean rows. Two cities: Anqing 340800
(Taihu 340825, Qianshan 340882) and Chizhou 341700 (Shitai 341722). Every builder fills the
columns a test does not care about with values that pass every rule, so a test states only what
it is about.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from techaid.recommend.rules import (
    Notice,
    PerKind,
    Quotas,
    RecommendationRules,
    Score,
    Weights,
    load_rules,
)
from techaid.warehouse import migrate, schema
from techaid.warehouse.engine import make_engine

ANQING, CHIZHOU = "340800", "341700"
TAIHU, QIANSHAN, SHITAI = "340825", "340882", "341722"
D = dt.date
FILED, YEAR_START, YEAR_END, JUNE = D(2018, 3, 1), D(2018, 1, 1), D(2018, 12, 31), D(2018, 6, 10)
Row = dict[str, Any]
RUN = D(2019, 1, 25)  # the run's date: the notice's first day unless configured


def village(county: str, n: int) -> str:
    return f"{county}101{200 + n:03d}"


def expert(eid: str, *, county: str = TAIHU, filed: dt.date | None = FILED, **kw: Any) -> Row:
    return {
        "expert_id": eid,
        "name": f"专家{eid}",
        "source": "university",
        "specialty": "crops",
        "county_code": county,
        "phone": "13800001234",
        "registered_on": filed,
    } | kw


def org(
    oid: str,
    *,
    kind: str = "association",
    location: str = TAIHU,
    filed: dt.date | None = FILED,
    **kw: Any,
) -> Row:
    return {
        "org_id": oid,
        "name": f"组织{oid}",
        "org_type": kind,
        "location_code": location,
        "registered_on": filed,
    } | kw


def agreement(
    aid: str,
    helper: str,
    *,
    kind: str = "expert",
    target: str | None = None,
    target_kind: str = "village",
    start: dt.date = YEAR_START,
    end: dt.date = YEAR_END,
    status: str = "active",
) -> Row:
    return {
        "agreement_id": aid,
        "helper_kind": kind,
        "helper_id": helper,
        "target_kind": target_kind,
        "target_id": target or village(TAIHU, 1),
        "signed_on": start,
        "start_on": start,
        "end_on": end,
        "goals": "g",
        "tasks": "t",
        "measures": "m",
        "mechanism": "k",
        "status": status,
    }


def evaluation(
    sid: str,
    score: float | None = 90.0,
    *,
    kind: str = "expert",
    year: int = 2018,
    recommends: bool = True,
    fabrication: bool = False,
) -> Row:
    return {
        "subject_kind": kind,
        "subject_id": sid,
        "year": year,
        "score": score,
        "city_recommends": recommends,
        "fabrication": fabrication,
        "contribution": None,
    }


def activity(aid: str, experts: Iterable[str], *, held: dt.date = JUNE) -> Row:
    return {
        "activity_id": aid,
        "kind": "training",
        "held_on": held,
        "county_code": TAIHU,
        "village_code": None,
        "expert_ids": ";".join(experts),
        "participants": 10,
        "poor_households": 2,
    }


def rules(
    *,
    quotas: tuple[int, int] = (30, 15),
    cap: int | None = None,
    weights: Weights | None = None,
    start: dict[int, dt.date] | None = None,
    days: int = 7,
) -> RecommendationRules:
    shipped = load_rules()
    return RecommendationRules(
        org_types=shipped.org_types,
        score=Score(threshold=80, weights=weights or Weights(evaluation=1.0)),
        quotas=Quotas(expert=quotas[0], organization=quotas[1]),
        city_cap=PerKind(expert=cap, organization=cap),
        notice=Notice(
            start=start or {},
            days=days,
            title="{year}年度公示",
            issuer="省科协",
            objections="书面反映",
        ),
    )


class Warehouse:
    """A fresh, migrated warehouse and helpers to fill it."""

    def __init__(self, url: str):
        self.engine = make_engine(url)
        migrate.upgrade(self.engine)
        self.clean = schema.clean_tables()
        self._seq = 0

    def submit(self, city: str, period: str, **sheets: Iterable[Mapping[str, Any]]) -> str:
        """The current accepted version of (city, period) with these sheets' rows."""
        self._seq += 1
        sid = f"s{self._seq:04d}"
        with self.engine.begin() as conn:
            for table in self.clean.values():
                conn.execute(
                    table.delete().where(table.c.city_code == city, table.c.period == period)
                )
            for name, items in sheets.items():
                table = self.clean[name]
                rows = [
                    {c.name: None for c in table.columns}
                    | {
                        "city_code": city,
                        "period": period,
                        "submission_id": sid,
                        "row_number": i + 2,
                    }
                    | dict(item)
                    for i, item in enumerate(items)
                ]
                if rows:
                    conn.execute(table.insert(), rows)
            conn.execute(
                schema.submission.insert(),
                {
                    "submission_id": sid,
                    "city_code": city,
                    "period": period,
                    "file_name": f"{city}_{period}.xlsx",
                    "sha256": sid * 8,
                    "received_at": dt.datetime(2019, 1, 1) + dt.timedelta(minutes=self._seq),
                    "status": "accepted",
                    "on_time": True,
                    "rows_loaded": 0,
                    "rows_quarantined": 0,
                    "warnings": 0,
                    "outcome": "accepted",
                    "file_path": f"/landing/{city}_{period}.xlsx",
                    "size_bytes": 1,
                    "repairs": 0,
                },
            )
        return sid

    def indicator(self, period: str, county: str, indicator: str, attainment: float | None) -> None:
        """One published county value with a target (what county progress is measured on)."""
        table = schema.all_tables().tables["indicator_value"]
        with self.engine.begin() as conn:
            conn.execute(
                table.insert(),
                {
                    "period": period,
                    "level": "county",
                    "org_code": county,
                    "indicator": indicator,
                    "value": attainment,
                    "target": 1.0,
                    "attainment": attainment,
                    "carried_forward": False,
                },
            )

    def lagging(self, period: str, county: str, city: str, rank: int, lagging: bool = True) -> None:
        """One county's ranking row of the month (what pairing reads)."""
        table = schema.all_tables().tables["county_ranking"]
        with self.engine.begin() as conn:
            conn.execute(
                table.insert(),
                {
                    "period": period,
                    "county_code": county,
                    "city_code": city,
                    "lagging": lagging,
                    "score": 1.0 / rank,
                    "rank": rank,
                    "lagging_indicators": "",
                    "reasons": "[]",
                },
            )

    def rows(self, **where: Any) -> list[dict[str, Any]]:
        t = schema.shortlist
        query = sa.select(t).order_by(
            t.c.kind, t.c.year, t.c.period, t.c.subject_kind, t.c.subject_id, t.c.county_code
        )
        for k, v in where.items():
            query = query.where(t.c[k] == v)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def dispose(self) -> None:
        self.engine.dispose()
