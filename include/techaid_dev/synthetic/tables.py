"""One month of one city as the sheets of the contract: a pure function of the world and month.

A ``Table`` is a sheet as it will be written: canonical columns in a DataFrame of Python values
(str codes, int, float, bool, date, None), the header labels, and any title rows above the header
or total rows below the data. It knows the row number each data row will have in the file (the
Excel row or CSV line, header counted), which is what the manifest of planted cases needs.
Values are clean here; ``messy`` changes cells afterwards and the writers render what it leaves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from techaid import config
from techaid.config.hierarchy import Hierarchy
from techaid.config.recommendations import recommendation_rules
from techaid.periods import first_day, last_day, parse_period
from techaid_dev.synthetic import names
from techaid_dev.synthetic.rng import rng
from techaid_dev.synthetic.world import (
    Agreement,
    CityWorld,
    Context,
    CountyWorld,
    Expert,
    Org,
    county_code_in,
)

# What a month lists: an entity of the world appears from its month on, in its county.
_Listed = TypeVar("_Listed", Expert, Org, Agreement)

ACTIVITY_KINDS = ("training", "field_guidance", "remote_guidance", "science_event")
ACTIVITY_P = (0.35, 0.3, 0.15, 0.2)
EVALUATED_ORG_TYPES = frozenset(
    {
        "society",
        "association",
        "federation",
        "demo_base",
        "cooperative",
        "extension_station",
        "expert_station",
    }
)


@dataclass
class Table:
    """A sheet as written: ``frame`` holds canonical columns; ``headers`` their labels in the
    file (None for the key/value meta sheet, which has no header row)."""

    sheet: str
    frame: pd.DataFrame
    headers: list[str] | None
    title_rows: list[list[Any]] = field(default_factory=list)
    footer_rows: list[list[Any]] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        return list(self.frame.columns)

    @property
    def header_row(self) -> int | None:
        return len(self.title_rows) + 1 if self.headers is not None else None

    def row_number(self, index: int) -> int:
        """Row (Excel) or line (CSV) of data row ``index`` as the office sees it."""
        return len(self.title_rows) + (self.headers is not None) + index + 1

    def footer_row_number(self, k: int) -> int:
        return self.row_number(len(self.frame)) + k

    def col_index(self, column: str) -> int:
        return self.columns.index(column) + 1

    def get(self, index: int, column: str) -> Any:
        return self.frame.iat[index, self.columns.index(column)]

    def set(self, index: int, column: str, value: Any) -> None:
        """Put any Python value in a cell (the column becomes an object column if need be)."""
        if self.frame[column].dtype != object:
            self.frame[column] = self.frame[column].astype(object)
        self.frame.iat[index, self.columns.index(column)] = value

    def append(self, row: dict[str, Any]) -> int:
        """Add a data row (missing columns empty); returns its index."""
        extra = pd.DataFrame(
            [[row.get(c) for c in self.columns]], columns=self.columns, dtype=object
        )
        self.frame = pd.concat([self.frame.astype(object), extra], ignore_index=True)
        return len(self.frame) - 1


def _frame(rows: list[list[Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns, dtype=object) if rows else _empty(columns)


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})


def sheet_table(sheet: str, rows: list[list[Any]] | pd.DataFrame) -> Table:
    spec = config.schema().sheet(sheet)
    cols = list(spec.columns)
    frame = rows if isinstance(rows, pd.DataFrame) else _frame(rows, cols)
    return Table(sheet, frame, [spec.columns[c].zh for c in cols])


def meta_table(city: str, period: str | Any, prepared_by: str, prepared_on: dt.date) -> Table:
    """Key/value rows, keys by their Chinese names as offices write them."""
    keys = config.schema().meta.keys
    values = {
        "city_code": city,
        "period": period,
        "prepared_by": prepared_by,
        "contact_email": f"kx{city}@example.com",
        "prepared_on": prepared_on,
    }
    rows = [[keys[k].zh, values[k]] for k in keys]
    return Table("meta", _frame(rows, ["key", "value"]), None)


def enum_zh(enum: str, value: str) -> str:
    return config.schema().enum_values(enum)[value]


@dataclass
class MonthView:
    """The world as of one month: which counties exist, under which codes."""

    ctx: Context
    world: CityWorld
    period: str
    m: int
    counties: list[tuple[CountyWorld, str]]  # (county, code valid in the month)

    @classmethod
    def of(cls, ctx: Context, hierarchy: Hierarchy, world: CityWorld, period: str) -> MonthView:
        active = []
        for cw in world.counties:
            code = county_code_in(hierarchy, cw, period)
            if code:
                active.append((cw, code))
        return cls(ctx, world, period, ctx.month_index(period), active)

    def code_of(self, series: str) -> str:
        return next(code for cw, code in self.counties if cw.series == series)

    def has(self, series: str) -> bool:
        return any(cw.series == series for cw, _ in self.counties)


def month_tables(
    view: MonthView, prepared_by: str, prepared_on: dt.date, evaluate: bool | None = None
) -> dict[str, Table]:
    """Every sheet of the city's file for the month, clean. The year's evaluations come with the
    month ``evaluate`` says (default: December; the generator passes the last month it writes of
    each year, so a run that stops before December still has a year to shortlist)."""
    tables = {
        "meta": meta_table(view.world.city_code, view.period, prepared_by, prepared_on),
        "counties": counties_table(view),
        "townships": townships_table(view),
        "villages": villages_table(view),
        "households": households_table(view),
        "experts": experts_table(view),
        "organizations": organizations_table(view),
        "agreements": agreements_table(view),
        "activities": activities_table(view),
    }
    if parse_period(view.period)[1] == 12 if evaluate is None else evaluate:
        tables["evaluations"] = evaluations_table(view)
        _filed_ahead(view, tables["experts"])
    return tables


def _present(items: Iterable[_Listed], m: int, view: MonthView) -> list[_Listed]:
    return [x for x in items if x.month <= m and view.has(x.county)]


# A yearly pattern of flows around their base: 12 evenly spread levels (-1..1) in an order chosen
# so that any run of 6 or more months is itself spread out. A county's own history then always
# has a real spread (its median absolute deviation never collapses), so no clean month looks like
# an outlier against the months before it, and month on month changes stay under 1.5x.
SEASON = np.linspace(-1, 1, 12)[[6, 2, 10, 1, 5, 8, 0, 7, 9, 3, 11, 4]]
SEASON_AMPLITUDE = 0.2


def counties_table(view: MonthView) -> Table:
    m, rows = view.m, []
    for cw, code in view.counties:
        orgs = [o for o in cw.orgs if o.month <= m]
        ms = cw.milestones
        f = cw.flows
        fr = rng(view.ctx.seed, "flows", cw.series, m)
        level = 1 + SEASON_AMPLITUDE * SEASON[(m + f.phase) % 12]

        def flow(base: float) -> float:
            return float(base * level * fr.uniform(0.98, 1.02))  # noqa: B023 - used at once

        paired = f.paired
        rows.append(
            [
                code,
                sum(o.org_type == "expert_station" for o in orgs),
                sum(x <= m for x in ms["caravan"]),
                sum(x <= m for x in ms["museum_tour"]),
                sum(x <= m for x in ms["school_museum"]),
                sum(x <= m for x in ms["consulting"]),
                sum(o.org_type == "federation" and o.location == "" for o in orgs),
                round(flow(f.youth)),
                f.projects + int(fr.random() < 0.3) if paired else 0,
                round(flow(f.workers)) if paired else 0,
                max(1, round(flow(f.talents))) if paired else 0,
                round(flow(f.funds), 2) if paired else 0.0,
            ]
        )
    return sheet_table("counties", rows)


def townships_table(view: MonthView) -> Table:
    m, rows = view.m, []
    for cw, code in view.counties:
        fed = {o.location for o in cw.orgs if o.org_type == "federation" and o.month <= m}
        for t in cw.townships:
            rows.append(
                [
                    code + t.suffix,
                    t.name,
                    t.eligible,
                    t.suffix in fed,
                    t.industry if t.industry_month <= m else None,
                    t.society if t.society_month <= m else None,
                ]
            )
    return sheet_table("townships", rows)


def villages_table(view: MonthView) -> Table:
    m, rows = view.m, []
    for cw, code in view.counties:
        for i, v in enumerate(cw.villages):
            rows.append(
                [
                    code + v.suffix,
                    v.name,
                    v.one_product,
                    sum(o.month <= m for o in cw.village_assoc[i]),
                    sum(o.month <= m for o in cw.village_entities[i]),
                    v.brand if v.brand_month <= m else None,
                    v.estation_month <= m,
                    v.covered_month <= m,
                ]
            )
    return sheet_table("villages", rows)


def households_table(view: MonthView) -> Table:
    """Every registered household of the city with its techniques and projects: built from
    arrays, since a city may list several hundred thousand households."""
    ids, tech, proj = [], [], []
    for cw, _ in view.counties:
        t, p = cw.households.counts(view.m)
        ids.append(cw.households.ids)
        tech.append(t)
        proj.append(p)
    frame = pd.DataFrame(
        {
            "household_id": pd.Series(np.concatenate(ids) if ids else [], dtype=object),
            "techniques": np.concatenate(tech) if tech else np.array([], np.int64),
            "income_projects": np.concatenate(proj) if proj else np.array([], np.int64),
        }
    )
    return sheet_table("households", frame)


def _filed_by(day: dt.date | None, period: str) -> dt.date | None:
    return day if day is not None and day <= last_day(period) else None


def experts_table(view: MonthView) -> Table:
    rows = [
        [
            e.id,
            e.name,
            enum_zh("expert_source", e.source),
            enum_zh("specialty", e.specialty),
            view.code_of(e.county),
            e.phone,
            _filed_by(e.filed, view.period),
        ]
        for e in _present(view.world.experts, view.m, view)
    ]
    return sheet_table("experts", rows)


def organizations_table(view: MonthView) -> Table:
    rows = [
        [
            o.id,
            o.name,
            enum_zh("org_type", o.org_type),
            view.code_of(o.county) + o.location,
            _filed_by(o.filed, view.period),
        ]
        for o in _present(view.world.orgs, view.m, view)
    ]
    return sheet_table("organizations", rows)


def agreement_status(a: Agreement, m: int, period: str) -> str:
    if a.terminated_month <= m:
        return "terminated"
    return "completed" if a.end < last_day(period) else "active"


def agreements_table(view: MonthView) -> Table:
    rows = []
    counties = {cw.series: cw for cw, _ in view.counties}
    for a in _present(view.world.agreements, view.m, view):
        code = view.code_of(a.county)
        target = a.target
        if a.target_kind == "village":
            assert isinstance(a.target, int), "a village target is the village's index"
            target = code + counties[a.county].villages[a.target].suffix
        rows.append(
            [
                a.id,
                enum_zh("helper_kind", a.helper_kind),
                a.helper.id,
                enum_zh("target_kind", a.target_kind),
                target,
                a.signed,
                a.start,
                a.end,
                *a.texts,
                enum_zh("agreement_status", agreement_status(a, view.m, view.period)),
            ]
        )
    return sheet_table("agreements", rows)


def activities_table(view: MonthView) -> Table:
    """This month's activities: training and guidance by the county's listed experts, plus a
    museum-tour activity in each month the county's tour count goes up and caravan visits once
    it has a caravan. The first activity of a county has two experts when it can."""
    m, ctx = view.m, view.ctx
    start, end = first_day(view.period), last_day(view.period)
    drafts = []
    for ci, (cw, code) in enumerate(view.counties):
        ar = rng(ctx.seed, "activities", cw.series, m)
        experts = [e.id for e in cw.experts if e.month <= m]
        lam = max(1.0, 40 * cw.weight * ctx.scale)
        kinds = [
            ACTIVITY_KINDS[int(k)]
            for k in ar.choice(len(ACTIVITY_KINDS), ar.poisson(lam), p=ACTIVITY_P)
        ]
        kinds += ["museum_tour"] * sum(x == m for x in cw.milestones["museum_tour"])
        if any(x <= m for x in cw.milestones["caravan"]) and ar.random() < 0.35:
            kinds.append("caravan_visit")
        for k, kind in enumerate(kinds):
            n_exp = 1 + int(ar.random() < 0.5) + int(ar.random() < 0.2)
            if k == 0:
                n_exp = max(n_exp, 2)
            chosen = ar.choice(len(experts), min(n_exp, len(experts)), replace=False)
            ids = ";".join(experts[int(i)] for i in sorted(chosen.tolist()))
            village = None
            if ar.random() < 0.65:
                poor = [v for v in cw.villages if v.poor]
                pool = poor if poor and ar.random() < 0.7 else cw.villages
                village = code + pool[int(ar.integers(len(pool)))].suffix
            day = start + dt.timedelta(days=int(ar.integers(0, (end - start).days + 1)))
            big = kind in ("science_event", "caravan_visit", "museum_tour")
            participants = int(ar.integers(50, 500) if big else ar.integers(10, 120))
            poor_households = int(ar.integers(0, max(1, participants // 3)))
            kind_zh = enum_zh("activity_kind", kind)
            row = [None, kind_zh, day, code, village, ids, participants, poor_households]
            drafts.append((day, ci, k, row))
    drafts.sort(key=lambda d: d[:3])
    yyyymm = view.period.replace("-", "")
    rows = []
    for n, (_, _, _, row) in enumerate(drafts, 1):
        row[0] = f"HD{view.world.city_code}{yyyymm}{n:04d}"
        rows.append(row)
    return sheet_table("activities", rows)


# How a city evaluates its year: who is evaluated, how scores spread, whom it recommends.
EVALUATED_SHARE = 0.9  # of the filed subjects listed that helped in the year; the rest: none
IDLE_EVALUATED_SHARE = 0.3  # of those with no agreement in the year
SCORE_MEAN, IDLE_SCORE_MEAN, SCORE_SD = 85.0, 75.0, 8.0
RECOMMEND_MARGIN = 10.0  # the city recommends scores down to this far below the threshold...
NOT_RECOMMENDED_SHARE = 0.1  # ...but not all of them
FABRICATION_SHARE = 0.5  # cities that catch one subject with fabricated material in the year


def evaluations_table(view: MonthView) -> Table:
    """The city's evaluation of the year's filed experts and organizations: most of those with an
    agreement in the year (scores around 85), fewer of the others (around 75); recommended by the
    city from 10 points below the threshold (a few are not); in half the cities one recommended
    subject caught with fabricated material. The shortlist then has ranked candidates and every
    reason for exclusion."""
    year = parse_period(view.period)[0]
    er = rng(view.ctx.seed, "evaluations", view.world.city_code, year)
    end = last_day(view.period)
    threshold = recommendation_rules().score.threshold
    subjects = [
        ("expert", e.id)
        for e in _present(view.world.experts, view.m, view)
        if e.filed and e.filed <= end
    ]
    subjects += [
        ("organization", o.id)
        for o in _present(view.world.orgs, view.m, view)
        if o.filed and o.filed <= end and o.org_type in EVALUATED_ORG_TYPES
    ]
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    helped = {
        a.helper.id
        for a in _present(view.world.agreements, view.m, view)
        if a.start <= last and a.end >= first
    }
    share = {True: EVALUATED_SHARE, False: IDLE_EVALUATED_SHARE}
    chosen = [s for s in subjects if er.random() < share[s[1] in helped]] or subjects[:1]
    means = np.array([SCORE_MEAN if sid in helped else IDLE_SCORE_MEAN for _, sid in chosen])
    scores = np.clip(er.normal(means, SCORE_SD), 40, 99.5).round(1)
    recommended = [
        bool(score >= threshold - RECOMMEND_MARGIN and er.random() >= NOT_RECOMMENDED_SHARE)
        for score in scores
    ]
    passing = [i for i, ok in enumerate(recommended) if ok and scores[i] >= threshold]
    fabricated = -1
    if passing and er.random() < FABRICATION_SHARE:
        fabricated = passing[int(er.integers(len(passing)))]
    rows = []
    for i, (kind, sid) in enumerate(chosen):
        text = None
        if recommended[i]:
            text = f"开展{names.pick(er, names.PRODUCTS)}技术服务，带动{int(er.integers(20, 300))}户贫困户增收"
        rows.append(
            [
                enum_zh("subject_kind", kind),
                sid,
                year,
                float(scores[i]),
                recommended[i],
                i == fabricated,
                text,
            ]
        )
    return sheet_table("evaluations", rows)


def _filed_ahead(view: MonthView, experts: Table) -> None:
    """With the evaluations, one expert not yet filed (if any) shows a filing date early next
    year: the office typed the date the filing is booked for. Nothing checks a future date in
    the sheet (the filed-expert count only counts dates up to the month's end), so it is clean
    data; the shortlist excludes the expert as filed after the year's end."""
    year = parse_period(view.period)[0]
    er = rng(view.ctx.seed, "filed-ahead", view.world.city_code, year)
    unfiled = [
        i for i, v in enumerate(experts.frame["registered_on"].tolist()) if v is None or pd.isna(v)
    ]
    if unfiled:
        i = unfiled[int(er.integers(len(unfiled)))]
        experts.set(i, "registered_on", dt.date(year + 1, int(er.integers(1, 4)), 15))
