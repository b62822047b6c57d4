"""Who is considered for a year's shortlist, with every fact the rules judge them on.

Everything comes from the current versions of accepted submissions (the clean tables hold exactly
those) and from the published indicator values; the SQL lives in ``sql/recommend/``. A candidate
is every expert, and every organization of an eligible type, listed in any month of the year,
once (its latest listing).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from techaid import config, sqlfiles
from techaid.periods import add_months

_ID_SEPARATORS = re.compile(r"[;；,、]")


@dataclass(frozen=True)
class Evaluation:
    """The year's evaluation row: score (may be empty) and whether the city recommends."""

    score: float | None
    recommended: bool


@dataclass(frozen=True)
class Candidate:
    subject_kind: str  # expert | organization
    subject_id: str
    display_name: str | None
    category: str  # expert: source (来源); organization: org_type
    specialty: str | None  # experts only
    city_code: str  # the city whose submissions list it
    county_code: str | None  # county served (expert) or of its location (organization)
    filed_on: dt.date | None  # 备案日期; empty = not filed
    agreements: int  # agreements overlapping the year
    villages: int
    households: int
    activities: int
    evaluation: Evaluation | None
    fabrication: bool  # flagged in any year
    county_progress: float  # percentage points of attainment gained by its county in the year


def select(conn: Connection, name: str, **params: Any) -> list[dict[str, Any]]:
    """Rows of ``sql/recommend/<name>.sql``; a list parameter binds as ``x in :name``."""
    clause = sa.text(sqlfiles.render(f"recommend/{name}.sql"))
    lists: list[sa.BindParameter[Any]] = [
        sa.bindparam(k, expanding=True) for k, v in params.items() if isinstance(v, list)
    ]
    if lists:
        clause = clause.bindparams(*lists)
    result = conn.execute(clause, params)
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result]


def as_date(value: Any) -> dt.date | None:
    """A date column read through plain SQL (SQLite gives text)."""
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    return dt.date.fromisoformat(str(value)[:10])


def split_ids(text: str | None) -> list[str]:
    """Expert ids of an activity (stored ``;``-joined; other separators tolerated)."""
    return [t.strip() for t in _ID_SEPARATORS.split(text or "") if t.strip()]


def year_window(year: int) -> dict[str, Any]:
    """The bind parameters every query of a year shares."""
    return {
        "year": year,
        "first_period": f"{year:04d}-01",
        "last_period": f"{year:04d}-12",
        "first_day": dt.date(year, 1, 1),
        "last_day": dt.date(year, 12, 31),
        # evaluations of a year may arrive with the next year's submissions
        "evaluation_last_period": f"{year + 1:04d}-12",
        "year_end": f"{year:04d}-12",
        "previous_year_end": add_months(f"{year:04d}-12", -12),
    }


def activity_counts(rows: Iterable[Mapping[str, Any]]) -> Counter[str]:
    """Activities each expert took part in: distinct (city, month, activity id) naming it."""
    seen: set[tuple[str, str, str, str]] = set()
    for row in rows:
        for expert in split_ids(row["expert_ids"]):
            seen.add((expert, row["city_code"], row["period"], row["activity_id"]))
    return Counter(key[0] for key in seen)


def load_candidates(engine: Engine, year: int, org_types: Iterable[str]) -> list[Candidate]:
    """Every candidate of ``year`` with its facts, experts first, each kind by id."""
    window = year_window(year)
    hierarchy = config.hierarchy()
    with engine.connect() as conn:
        people = select(conn, "select_expert_candidates", **window)
        orgs = select(
            conn, "select_organization_candidates", **window, org_types=sorted(set(org_types))
        )
        helped = {
            (r["subject_kind"], r["subject_id"]): r
            for r in select(conn, "select_helper_agreements", **window)
        }
        activities = activity_counts(select(conn, "select_activity_experts", **window))
        rated = {
            (r["subject_kind"], r["subject_id"]): r
            for r in select(conn, "select_evaluations", **window)
        }
        flagged = {
            (r["subject_kind"], r["subject_id"])
            for r in select(conn, "select_fabrication_flags", flagged=True)
        }
        progress = {
            r["county_code"]: 100.0 * ((r["attainment"] or 0.0) - (r["previous_attainment"] or 0.0))
            for r in select(conn, "select_county_progress", **window)
        }
    published = functools.cache(lambda code: hierarchy.publish_code(code, window["year_end"]))
    out: list[Candidate] = []
    for kind, rows in (("expert", people), ("organization", orgs)):
        for row in rows:
            key = (kind, row["subject_id"])
            county = row["county_code"]
            if county in hierarchy.counties_by_code:
                county = published(county)
            reach = helped.get(key, {})
            rating = rated.get(key)
            out.append(
                Candidate(
                    subject_kind=kind,
                    subject_id=row["subject_id"],
                    display_name=row["display_name"],
                    category=row["category"],
                    specialty=row["specialty"],
                    city_code=row["city_code"],
                    county_code=county,
                    filed_on=as_date(row["filed_on"]),
                    agreements=int(reach.get("agreements") or 0),
                    villages=int(reach.get("villages") or 0),
                    households=int(reach.get("households") or 0),
                    activities=activities.get(row["subject_id"], 0) if kind == "expert" else 0,
                    evaluation=None
                    if rating is None
                    else Evaluation(
                        score=None if rating["score"] is None else float(rating["score"]),
                        recommended=bool(rating["city_recommends"]),
                    ),
                    fabrication=key in flagged,
                    county_progress=progress.get(county, 0.0) if county else 0.0,
                )
            )
    return out
