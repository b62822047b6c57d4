"""The yearly recommendation shortlist: every candidate ranked or excluded, published.

Candidates that pass every rule are ordered by score (ties: earlier filing, then id) within their
kind; walking that order, one whose city already has its cap is ``over_city_cap`` and one past
the kind's quota ``over_quota``; the rest are ranked 1, 2, ... and carry the notice period. The
notice's first day comes from configuration or the run's date (never the clock), so re-running a
year publishes the same rows. Publishing replaces the year's rows in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from techaid import config
from techaid.recommend import eligibility
from techaid.recommend.candidates import Candidate, load_candidates
from techaid.recommend.rules import RecommendationRules, recommendation_rules
from techaid.recommend.score import score
from techaid.warehouse import schema
from techaid.warehouse.engine import make_engine, write_transaction

RECOMMENDATION, PAIRING = "recommendation", "pairing"
RANKED, EXCLUDED = "ranked", "excluded"
KIND_ORDER = {"expert": 0, "organization": 1}


class Affiliations:
    """What the notice shows beside a name: an expert's source (来源) and the city it serves; an
    organization's type and the county of its location. Labels are looked up once per run."""

    def __init__(self) -> None:
        sch = config.schema()
        self.hierarchy = config.hierarchy()
        self.labels = {
            "expert": sch.enum_values("expert_source"),
            "organization": sch.enum_values("org_type"),
        }

    def __call__(self, c: Candidate) -> str:
        h = self.hierarchy
        label = self.labels[c.subject_kind].get(c.category, c.category)
        if c.subject_kind == "expert":
            city = h.city_of(c.county_code or "") or c.city_code
            return f"{label}，服务{h.name(city)}"
        return f"{label}，位于{h.name(c.county_code or '')}"


def affiliation(candidate: Candidate) -> str:
    """One candidate's affiliation (see :class:`Affiliations`)."""
    return Affiliations()(candidate)


def _row(
    c: Candidate,
    year: int,
    status: str,
    reasons: str,
    total: float | None,
    rank: int | None,
    affiliations: Affiliations,
) -> dict[str, Any]:
    return {
        "year": year,
        "period": None,
        "kind": RECOMMENDATION,
        "status": status,
        "subject_kind": c.subject_kind,
        "subject_id": c.subject_id,
        "display_name": c.display_name,
        "city_code": c.city_code,
        "county_code": c.county_code,
        "score": total,
        "rank": rank,
        "reasons": reasons,
        "notice_start": None,
        "notice_end": None,
        "affiliation": affiliations(c),
        "filed_on": c.filed_on,
    }


def compute(
    candidates: Iterable[Candidate], year: int, run_date: dt.date, rules: RecommendationRules
) -> list[dict[str, Any]]:
    """The ``shortlist`` rows of ``year``: ranked ones first (experts, then organizations, by
    rank), then the excluded (by kind, reason, id)."""
    start = rules.notice.start_for(year, run_date)
    end = rules.notice.end_for(start)
    names = Affiliations()
    ranked: list[dict[str, Any]] = []
    excluded: list[dict[str, Any]] = []
    passing: dict[str, list[tuple[Candidate, Any]]] = {"expert": [], "organization": []}
    for c in candidates:
        breakdown = score(c, rules.score.weights)
        total = breakdown.total if breakdown else None
        reason = eligibility.first_failure(c, year, rules.score.threshold)
        if reason is None:
            passing[c.subject_kind].append((c, breakdown))
        else:
            excluded.append(_row(c, year, EXCLUDED, reason, total, None, names))
    for kind, items in passing.items():
        items.sort(key=lambda it: (-it[1].total, it[0].filed_on, it[0].subject_id))
        cap, quota = rules.city_cap.of(kind), rules.quotas.of(kind)
        per_city: Counter[str] = Counter()
        taken = 0
        for c, breakdown in items:
            total = breakdown.total
            if cap is not None and per_city[c.city_code] >= cap:
                excluded.append(
                    _row(c, year, EXCLUDED, eligibility.OVER_CITY_CAP, total, None, names)
                )
            elif taken >= quota:
                excluded.append(_row(c, year, EXCLUDED, eligibility.OVER_QUOTA, total, None, names))
            else:
                taken += 1
                per_city[c.city_code] += 1
                row = _row(c, year, RANKED, breakdown.to_json(), total, taken, names)
                ranked.append(row | {"notice_start": start, "notice_end": end})
    order = {r: i for i, r in enumerate(eligibility.REASONS)}
    excluded.sort(
        key=lambda r: (KIND_ORDER[r["subject_kind"]], order[r["reasons"]], r["subject_id"])
    )
    return ranked + excluded


def publish(
    engine: Engine,
    rows: Sequence[Mapping[str, Any]],
    kind: str,
    year: int,
    period: str | None = None,
) -> int:
    """Replace the rows of (kind, year[, period]) by ``rows`` in one transaction; idempotent."""
    table = schema.shortlist
    where = [table.c.kind == kind, table.c.year == year]
    where.append(table.c.period.is_(None) if period is None else table.c.period == period)
    with write_transaction(engine, lock=f"shortlist:{kind}:{year}:{period or ''}") as conn:
        conn.execute(sa.delete(table).where(*where))
        if rows:
            conn.execute(sa.insert(table), [dict(r) for r in rows])
    return len(rows)


def build(
    engine: Engine, year: int, run_date: dt.date, rules: RecommendationRules | None = None
) -> list[dict[str, Any]]:
    """Read the year's candidates from the warehouse and compute their rows."""
    rules = rules or recommendation_rules()
    return compute(load_candidates(engine, year, rules.org_types), year, run_date, rules)


def run(engine: Engine | str, year: int, run_date: dt.date) -> dict[str, Any]:
    """Compute and publish the year's shortlist; counts for the task log."""
    engine = make_engine(engine) if isinstance(engine, str) else engine
    rows = build(engine, year, run_date)
    publish(engine, rows, RECOMMENDATION, year)
    return summary(rows)


def summary(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Ranked per kind and excluded per reason."""
    ranked: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for r in rows:
        if r["status"] == RANKED:
            ranked[r["subject_kind"]] += 1
        else:
            reasons[r["reasons"]] += 1
    return {"ranked": dict(sorted(ranked.items())), "excluded": dict(sorted(reasons.items()))}


def read(engine: Engine, year: int) -> list[dict[str, Any]]:
    """The published rows of ``year`` in their display order (ranked, then excluded)."""
    t = schema.shortlist
    query = sa.select(t).where(t.c.kind == RECOMMENDATION, t.c.year == year, t.c.period.is_(None))
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    order = {r: i for i, r in enumerate(eligibility.REASONS)}
    return sorted(
        rows,
        key=lambda r: (
            r["status"] != RANKED,
            KIND_ORDER.get(r["subject_kind"], 9),
            r["rank"] or 0,
            order.get(r["reasons"], 99) if r["status"] != RANKED else 0,
            r["subject_id"],
        ),
    )
