"""Pairing suggestions: who could help each lagging county of a month.

For each lagging county (``county_ranking.lagging``), up to ``pairing.per_county`` filed experts
and organizations (of the helping types), never anyone flagged for fabricated material, ordered:

1. a match first: an expert whose specialty is one the county's characteristic industries call
   for (townships' 特色产业 read through ``specialty_keywords.yaml``); an organization located in
   the county itself (organizations have no specialty);
2. then the county's own city before others;
3. then fewest agreements in force (the least loaded helper);
4. then id.

Each comes with its reason in Chinese; a county whose industries match no keyword says so. A
suggestion from another city is shown by name, specialty (or type) and city name only — never
its county — so the city's alert carries no other city's codes. Published in ``shortlist`` as
kind ``pairing``: city and county are those of the lagging county helped.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from techaid import config
from techaid.periods import last_day, parse_period
from techaid.recommend.candidates import as_date, select
from techaid.recommend.rules import (
    RecommendationRules,
    SpecialtyKeywords,
    recommendation_rules,
    specialty_keywords,
)
from techaid.recommend.shortlist import PAIRING, RANKED
from techaid.recommend.shortlist import publish as publish_rows
from techaid.warehouse.engine import make_engine


@dataclass(frozen=True)
class Helper:
    """A filed expert or organization that could be suggested."""

    subject_kind: str
    subject_id: str
    display_name: str | None
    category: str  # expert: specialty; organization: org_type
    county_code: str | None  # served (expert) or located in (organization), as published
    city_code: str
    filed_on: dt.date | None
    active_agreements: int


@dataclass(frozen=True)
class CountyNeeds:
    """What a lagging county's townships say it grows or makes, and the specialties that fit."""

    county_code: str
    city_code: str
    industries: tuple[str, ...]  # distinct texts, in township order
    specialties: frozenset[str]


@dataclass(frozen=True)
class Suggestion:
    period: str
    county_code: str  # the lagging county helped
    city_code: str  # its city
    rank: int  # 1 = first suggestion for the county
    subject_kind: str
    subject_id: str
    display_name: str | None
    category: str  # expert: specialty; organization: org_type
    category_zh: str
    home_city_code: str
    home_city_name: str
    same_city: bool
    matches: bool
    active_agreements: int
    reason: str  # Chinese
    filed_on: dt.date | None

    @property
    def affiliation(self) -> str:
        """What may be shown beside the name: specialty (or type) and city name."""
        return f"{self.category_zh}，{self.home_city_name}"

    def shown(self) -> dict[str, str]:
        """The fields an email to the lagging county's city may show. Another city's helper:
        name, specialty (or type) and city name only — no id, no county."""
        shown = {
            "name": self.display_name or "",
            "specialty": self.category_zh,
            "city": self.home_city_name,
            "reason": self.reason,
        }
        if self.same_city:
            shown["id"] = self.subject_id
        return shown


# ---------------------------------------------------------------- reading


def _needs(
    rows: Iterable[Mapping[str, Any]],
    lagging: Sequence[Mapping[str, Any]],
    period: str,
    keywords: SpecialtyKeywords,
) -> dict[str, CountyNeeds]:
    hierarchy = config.hierarchy()
    texts: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        code = r["county_code"]
        if code in hierarchy.counties_by_code:
            code = hierarchy.publish_code(code, period)
        text = str(r["industry"]).strip()
        if text and text not in texts[code]:
            texts[code].append(text)
    out = {}
    for county in lagging:
        code = county["county_code"]
        found: set[str] = set()
        for text in texts.get(code, []):
            found |= keywords.specialties_of(text)[0]
        out[code] = CountyNeeds(
            county_code=code,
            city_code=county["city_code"],
            industries=tuple(texts.get(code, [])),
            specialties=frozenset(found),
        )
    return out


def _helpers(
    experts: Iterable[Mapping[str, Any]],
    orgs: Iterable[Mapping[str, Any]],
    loads: Mapping[tuple[str, str], int],
    flagged: set[tuple[str, str]],
    period: str,
) -> list[Helper]:
    hierarchy = config.hierarchy()
    out = []
    for kind, rows, category in (
        ("expert", experts, "specialty"),
        ("organization", orgs, "org_type"),
    ):
        for r in rows:
            key = (kind, r["subject_id"])
            if key in flagged:
                continue
            county = r["county_code"]
            if county in hierarchy.counties_by_code:
                county = hierarchy.publish_code(county, period)
            out.append(
                Helper(
                    subject_kind=kind,
                    subject_id=r["subject_id"],
                    display_name=r["display_name"],
                    category=r[category],
                    county_code=county,
                    city_code=r["city_code"],
                    filed_on=as_date(r["filed_on"]),
                    active_agreements=int(loads.get(key, 0)),
                )
            )
    return out


# ---------------------------------------------------------------- ordering and reasons


def _matches(helper: Helper, needs: CountyNeeds) -> bool:
    if helper.subject_kind == "expert":
        return helper.category in needs.specialties
    return helper.county_code == needs.county_code


def _label(helper: Helper) -> str:
    enum = "specialty" if helper.subject_kind == "expert" else "org_type"
    return config.schema().enum_values(enum).get(helper.category, helper.category)


def _reason(helper: Helper, needs: CountyNeeds, matched: bool, same_city: bool) -> str:
    names = config.hierarchy().name
    industries = "、".join(needs.industries)
    label = _label(helper)
    if helper.subject_kind == "expert":
        if not needs.industries:
            fit = "该县乡镇未填报特色产业，无法按专业匹配"
        elif not needs.specialties:
            fit = f"该县特色产业（{industries}）未匹配任何专业关键词，无法按专业匹配"
        elif matched:
            fit = f"专业「{label}」对应该县特色产业（{industries}）"
        else:
            fit = f"专业「{label}」与该县特色产业（{industries}）不对应"
    elif matched:
        fit = f"{label}，位于该县"
    elif same_city:
        fit = f"{label}，位于本市{names(helper.county_code or '')}"
    else:
        fit = f"{label}，不在该县"
    who = "本市" if same_city else f"外市（{names(helper.city_code)}）"
    kind = "专家" if helper.subject_kind == "expert" else "组织"
    return f"{fit}；{who}{kind}；执行中帮扶协议{helper.active_agreements}项"


def rank_for(
    needs: CountyNeeds, helpers: Sequence[Helper], period: str, limit: int
) -> list[Suggestion]:
    """The first ``limit`` helpers for one lagging county, in the documented order."""
    names = config.hierarchy().name

    def key(h: Helper) -> tuple[Any, ...]:
        return (
            not _matches(h, needs),
            h.city_code != needs.city_code,
            h.active_agreements,
            h.subject_id,
            h.subject_kind,
        )

    out = []
    for rank, h in enumerate(sorted(helpers, key=key)[:limit], start=1):
        matched, same_city = _matches(h, needs), h.city_code == needs.city_code
        out.append(
            Suggestion(
                period=period,
                county_code=needs.county_code,
                city_code=needs.city_code,
                rank=rank,
                subject_kind=h.subject_kind,
                subject_id=h.subject_id,
                display_name=h.display_name,
                category=h.category,
                category_zh=_label(h),
                home_city_code=h.city_code,
                home_city_name=names(h.city_code),
                same_city=same_city,
                matches=matched,
                active_agreements=h.active_agreements,
                reason=_reason(h, needs, matched, same_city),
                filed_on=h.filed_on,
            )
        )
    return out


# ---------------------------------------------------------------- public


def suggest(
    engine: Engine | str,
    period: str,
    rules: RecommendationRules | None = None,
    keywords: SpecialtyKeywords | None = None,
) -> list[Suggestion]:
    """Suggestions for every lagging county of ``period``, counties furthest behind first."""
    engine = make_engine(engine) if isinstance(engine, str) else engine
    rules, keywords = rules or recommendation_rules(), keywords or specialty_keywords()
    params = {"period": period, "last_day": last_day(period)}
    with engine.connect() as conn:
        lagging = select(conn, "select_lagging_counties", period=period, lagging=True)
        if not lagging:
            return []
        experts = select(conn, "select_pairing_experts", **params)
        orgs = select(
            conn, "select_pairing_organizations", **params, org_types=sorted(rules.org_types)
        )
        loads = {
            (r["subject_kind"], r["subject_id"]): r["active_agreements"]
            for r in select(conn, "select_active_agreements", period=period)
        }
        flagged = {
            (r["subject_kind"], r["subject_id"])
            for r in select(conn, "select_fabrication_flags", flagged=True)
        }
        townships = select(conn, "select_township_industries", period=period)
    needs = _needs(townships, lagging, period, keywords)
    helpers = _helpers(experts, orgs, loads, flagged, period)
    out: list[Suggestion] = []
    for county in lagging:
        out += rank_for(needs[county["county_code"]], helpers, period, rules.pairing.per_county)
    return out


def rows(suggestions: Iterable[Suggestion]) -> list[dict[str, Any]]:
    """``shortlist`` rows (kind pairing) of the suggestions."""
    return [
        {
            "year": parse_period(s.period)[0],
            "period": s.period,
            "kind": PAIRING,
            "status": RANKED,
            "subject_kind": s.subject_kind,
            "subject_id": s.subject_id,
            "display_name": s.display_name,
            "city_code": s.city_code,
            "county_code": s.county_code,
            "score": None,
            "rank": s.rank,
            "reasons": s.reason,
            "notice_start": None,
            "notice_end": None,
            "affiliation": s.affiliation,
            "filed_on": s.filed_on,
        }
        for s in suggestions
    ]


def publish(engine: Engine | str, period: str) -> list[Suggestion]:
    """Compute the month's suggestions and replace its pairing rows (one transaction)."""
    engine = make_engine(engine) if isinstance(engine, str) else engine
    found = suggest(engine, period)
    publish_rows(engine, rows(found), PAIRING, parse_period(period)[0], period)
    return found
