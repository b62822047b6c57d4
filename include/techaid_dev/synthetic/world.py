"""The synthetic world: every entity of a city, each with the program month it appears in.

A month's submission is a pure function of this world and the month (see ``tables``): an entity is
listed once its month has come, a count is the number of its milestones passed. That is what
makes the clean data consistent by construction: snapshots only grow, cumulative counts never go
down, and a county's station count is the count of its station organisations because both come
from the same milestone. Months are program months (0 = the program's first month); ``NEVER``
means not within any horizon we generate.

Progress follows a ``Curve``: the share of a county's entities that have reached a milestone by
month m. Each entity draws a stratified quantile u (``strata``: a permutation of 0, 1/n, ...), and
reaches the milestone in the first month whose share is at least u, so at every month a county
has at least ``share(m)`` of its entities there, whatever the scale. On-track counties run a little
ahead of the linear expectation; lagging-by-design counties run at about 60 % of it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import overload

import numpy as np

from techaid.config import ProgramSettings
from techaid.config.hierarchy import Hierarchy, Unit
from techaid.periods import add_months, first_day, last_day, months_between, period_range
from techaid_dev.synthetic import names
from techaid_dev.synthetic.rng import rng, stable_int

NEVER = 10_000

# Magnitudes at scale 1.0 (the real program's orders of size): per poverty county 15-30 townships
# and 150-400 villages, 40-70 of them poor; about 1.9 million registered households in all; the
# province targets 6,000 experts (we field about 10 % more so that on-track counties meet it).
TOWNSHIPS = (15, 30)
VILLAGES = (150, 400)
POOR_VILLAGES = (40, 70)
HOUSEHOLDS_PER_COUNTY = 1_900_000 / 31
EXPERTS_PER_COUNTY = 6_600 / 31
ACTIVITIES_PER_COUNTY_MONTH = 40
DEMO_BASES_PER_COUNTY = 8
HOUSEHOLD_AGREEMENT_SHARE = 0.005

ASPECTS = ("experts", "coverage", "villages", "townships", "households", "county_items", "orgs")
LAG_KINDS: dict[str, tuple[str, ...]] = {
    "broad": ASPECTS,
    "households": ("households",),
    "coverage": ("coverage", "villages"),
    "county_items": ("county_items",),
}
# The catalogue indicators (docs/indicators.md) each aspect drives.
ASPECT_INDICATORS: dict[str, tuple[str, ...]] = {
    "experts": ("experts_engaged",),
    "coverage": ("village_coverage",),
    "villages": ("village_association", "village_entity", "village_brand", "village_estation"),
    "townships": ("township_federation", "township_industry", "township_society"),
    "households": ("household_skills", "household_projects"),
    "county_items": (
        "county_station",
        "county_caravan",
        "county_museum_tours",
        "county_school_museum",
        "county_consulting",
    ),
    "orgs": (),
}

EXPERT_SOURCES = ("society", "university", "institute", "extension", "enterprise", "other")
EXPERT_SOURCE_P = (0.25, 0.2, 0.15, 0.3, 0.05, 0.05)
SPECIALTIES = (
    "crops",
    "livestock",
    "aquaculture",
    "processing",
    "ecommerce",
    "health",
    "engineering",
    "other",
)
SPECIALTY_P = (0.35, 0.2, 0.08, 0.1, 0.07, 0.08, 0.07, 0.05)
ENTITY_TYPES = ("cooperative", "family_farm", "grower", "enterprise")
ENTITY_P = (0.45, 0.25, 0.2, 0.1)
HELPER_ORG_TYPES = frozenset(
    {"association", "expert_station", "cooperative", "extension_station", "demo_base", "society"}
)


@dataclass(frozen=True)
class Curve:
    """Share of a county's entities past a milestone by program month m: linear from a baseline."""

    baseline: float
    speed: float
    months: int

    def share(self, m: int) -> float:
        return min(1.0, self.baseline + (1 - self.baseline) * self.speed * (m + 1) / self.months)

    def months_of(self, u: np.ndarray) -> np.ndarray:
        """First month whose share reaches each quantile u (0 for those under the baseline)."""
        x = (u - self.baseline) / (1 - self.baseline) * self.months / self.speed - 1
        m = np.ceil(x - 1e-9)
        return np.clip(np.where(u <= self.share(0), 0, m), 0, NEVER).astype(np.int32)


def strata(r: np.random.Generator, n: int) -> np.ndarray:
    """Stratified quantiles 0, 1/n, ..., (n-1)/n in random order: the first entity is there from
    the start and every share is met exactly, however few entities a small scale leaves."""
    return r.permutation(n) / max(n, 1)


@dataclass
class Township:
    suffix: str  # 3 digits after the county code
    name: str
    eligible: bool  # industry_base: the township targets apply
    federation_month: int
    industry_month: int
    industry: str
    society_month: int
    society: str


@dataclass
class Village:
    suffix: str  # 6 digits after the county code: township (3) + village (3)
    name: str
    township: int
    poor: bool
    one_product: bool
    product: str
    brand_month: int
    brand: str
    estation_month: int
    covered_month: int


@dataclass
class Households:
    """Registered poor households of a county, as arrays (a county may hold 100,000)."""

    village: np.ndarray  # index into the county's villages
    ids: np.ndarray  # object array of str register numbers (16-19 digits)
    members: np.ndarray
    labor: np.ndarray  # bool
    techniques: tuple[np.ndarray, ...]  # month each technique is mastered (NEVER = not)
    projects: tuple[np.ndarray, ...]  # month each income project is joined

    def counts(self, m: int) -> tuple[np.ndarray, np.ndarray]:
        zero = np.zeros(len(self.village), dtype=np.int64)
        tech = sum(((t <= m).astype(np.int64) for t in self.techniques), zero)
        proj = sum(((p <= m).astype(np.int64) for p in self.projects), zero)
        return tech, proj


@dataclass
class Expert:
    county: str  # series code of its county
    name: str
    source: str
    specialty: str
    phone: str
    month: int  # listed from this month
    filed: dt.date | None  # registered_on (filed in the register); None = never filed
    id: str = ""


@dataclass
class Org:
    county: str
    org_type: str
    name: str
    location: str  # suffix after the county code: "" (county), 3 (township) or 6 (village) digits
    month: int
    filed: dt.date | None
    id: str = ""


@dataclass
class Agreement:
    county: str
    helper_kind: str  # expert | organization
    helper: Expert | Org
    target_kind: str  # village | household
    target: int | str  # village index in the county, or household id
    month: int  # signed in this month
    signed: dt.date
    start: dt.date
    end: dt.date
    texts: tuple[str, ...]  # goals, tasks, measures, mechanism
    terminated_month: int = NEVER
    id: str = ""


@dataclass
class Flows:
    youth: float
    paired: bool
    projects: int
    workers: float
    talents: float
    funds: float
    phase: int  # where in the yearly pattern (``tables.SEASON``) the county's months start


@dataclass
class CountyWorld:
    series: str  # the newest code of the county: stable across recodes
    lineage: list[str]  # every code it had, oldest first
    base_code: str  # the code valid at the program start (household ids are built on it)
    name: str
    weight: float  # size relative to an average county
    lag_kind: str | None
    curves: dict[str, Curve]
    townships: list[Township]
    villages: list[Village]
    households: Households
    milestones: dict[str, list[int]]  # county items: months each one more is in place
    flows: Flows
    experts: list[Expert] = field(default_factory=list)
    orgs: list[Org] = field(default_factory=list)
    agreements: list[Agreement] = field(default_factory=list)
    village_assoc: list[list[Org]] = field(default_factory=list)
    village_entities: list[list[Org]] = field(default_factory=list)


@dataclass
class CityWorld:
    city_code: str
    name: str
    counties: list[CountyWorld]
    experts: list[Expert]
    orgs: list[Org]
    agreements: list[Agreement]


@dataclass(frozen=True)
class Context:
    """What every draw depends on besides the entity: the seed, the scale and the calendar."""

    seed: int
    scale: float
    program_start: str
    months: int  # program length in months (48 for 2017-01 .. 2020-12)

    def month_index(self, period: str) -> int:
        return months_between(self.program_start, period)

    def period_of(self, m: int) -> str:
        return add_months(self.program_start, m)

    def day(self, m: int, day: int) -> dt.date:
        """Day ``day`` of program month m, clamped to the month's length."""
        period = self.period_of(m)
        return first_day(period).replace(day=min(day, last_day(period).day))


# ----------------------------------------------------------------------------- plans


def lagging_plan(seed: int, hierarchy: Hierarchy, program_periods: list[str]) -> dict[str, str]:
    """County series code -> lag kind: one county in each city of three or more counties.

    Chosen over the whole hierarchy and the program period, never over the cities or months
    requested, so a county lags (or not) in every run with the same seed.
    """
    chosen: list[str] = []
    for city in hierarchy.city_codes():
        series = sorted(
            {
                hierarchy.series_code(u.code)
                for p in program_periods
                for u in hierarchy.counties_of(city, p)
            }
        )
        if len(series) >= 3:
            chosen.append(min(series, key=lambda c: stable_int(seed, "lagging", c)))
    kinds = list(LAG_KINDS)
    offset = stable_int(seed, "lag-kinds") % len(kinds)
    return {c: kinds[(offset + i) % len(kinds)] for i, c in enumerate(sorted(chosen))}


def late_cities(seed: int, hierarchy: Hierarchy) -> list[str]:
    """Two cities that send some months late by design (about one month in three)."""
    return sorted(hierarchy.city_codes(), key=lambda c: stable_int(seed, "late", c))[:2]


def is_late(seed: int, city: str, period: str, late: list[str]) -> bool:
    return city in late and stable_int(seed, "late", city, period) % 3 == 0


# ----------------------------------------------------------------------------- building


def build_city(
    ctx: Context, hierarchy: Hierarchy, city: str, periods: list[str], lag: dict[str, str]
) -> CityWorld:
    """Every county of the city valid in the program or any of ``periods`` (so ids never depend
    on the months asked for); ids assigned city-wide in the order the entities appear (offices
    number their registers as they grow)."""
    months = sorted({*period_range(ctx.program_start, ctx.period_of(ctx.months - 1)), *periods})
    series = sorted(
        {hierarchy.series_code(u.code) for p in months for u in hierarchy.counties_of(city, p)}
    )
    start_day = first_day(ctx.program_start)
    counties = []
    for s in series:
        lineage = hierarchy.lineage(s)
        units = [hierarchy.counties_by_code[c] for c in lineage]
        base = next((u.code for u in units if u.valid_on(start_day)), lineage[-1])
        counties.append(build_county(ctx, s, lineage, base, units[-1], lag.get(s)))
    experts = sorted(
        (e for c in counties for e in c.experts),
        key=lambda e: (e.month, series.index(e.county), e.phone),
    )
    for i, e in enumerate(experts, 1):
        e.id = f"ZJ{city}{i:05d}"
    orgs = sorted(
        (o for c in counties for o in c.orgs),
        key=lambda o: (o.month, series.index(o.county), o.org_type, o.location, o.name),
    )
    for i, o in enumerate(orgs, 1):
        o.id = f"ZZ{city}{i:05d}"
    agreements = sorted(
        (a for c in counties for a in c.agreements),
        key=lambda a: (a.signed, series.index(a.county), str(a.target)),
    )
    for i, a in enumerate(agreements, 1):
        a.id = f"XY{city}{i:06d}"
    return CityWorld(city, hierarchy.name(city), counties, experts, orgs, agreements)


def _curves(r: np.random.Generator, months: int, lag_kind: str | None) -> dict[str, Curve]:
    curves = {}
    lagging = LAG_KINDS.get(lag_kind or "", ())
    for aspect in ASPECTS:
        b, s = r.uniform(0.08, 0.2), r.uniform(1.05, 1.25)
        if aspect in lagging:
            b, s = 0.02, r.uniform(0.5, 0.65)
        curves[aspect] = Curve(float(b), float(s), months)
    return curves


@overload
def _random_months(r: np.random.Generator, months: int) -> int: ...
@overload
def _random_months(r: np.random.Generator, months: int, n: int) -> np.ndarray: ...
def _random_months(r: np.random.Generator, months: int, n: int | None = None) -> int | np.ndarray:
    """Months spread over twice the program: about half land inside it."""
    if n is None:
        return int(r.integers(0, 2 * months))
    return r.integers(0, 2 * months, n)


def build_county(
    ctx: Context, series: str, lineage: list[str], base_code: str, unit: Unit, lag_kind: str | None
) -> CountyWorld:
    r = rng(ctx.seed, "county", series)
    M, scale = ctx.months, ctx.scale
    curves = _curves(r, M, lag_kind)
    poor_raw = r.uniform(*POOR_VILLAGES)
    weight = poor_raw / sum(POOR_VILLAGES) * 2
    n_poor = max(2, round(poor_raw * scale))
    n_town = max(3, round(r.uniform(*TOWNSHIPS) * scale))
    n_vill = max(n_town, n_poor + 2, round(r.uniform(*VILLAGES) * scale))

    townships = _townships(r, ctx, n_town, curves["townships"])
    villages = _villages(r, ctx, n_town, n_vill, n_poor, curves, townships)
    households = _households(ctx, r, series, base_code, villages, weight, curves["households"])
    cw = CountyWorld(
        series=series,
        lineage=lineage,
        base_code=base_code,
        name=unit.name_zh,
        weight=weight,
        lag_kind=lag_kind,
        curves=curves,
        townships=townships,
        villages=villages,
        households=households,
        milestones=_milestones(r, M, lag_kind),
        flows=_flows(r, unit.poverty_level == "national"),
    )
    _experts(r, ctx, cw)
    _orgs(r, ctx, cw)
    _agreements(r, ctx, cw)
    return cw


def _townships(r: np.random.Generator, ctx: Context, n: int, curve: Curve) -> list[Township]:
    eligible = set(r.choice(n, max(1, round(0.07 * n)), replace=False).tolist())
    fed = curve.months_of(strata(r, len(eligible)))
    ind = curve.months_of(strata(r, len(eligible)))
    soc = curve.months_of(strata(r, len(eligible)))
    out, k = [], 0
    for i in range(n):
        name, product = names.township_name(r), names.pick(r, names.PRODUCTS)
        industry = product + ("种植" if r.random() < 0.6 else "加工")
        if i in eligible:
            f, ind_m, soc_m = int(fed[k]), int(ind[k]), int(soc[k])
            k += 1
        else:
            f = NEVER
            ind_m = int(_random_months(r, ctx.months)) if r.random() < 0.3 else NEVER
            soc_m = int(_random_months(r, ctx.months)) if r.random() < 0.1 else NEVER
        out.append(Township(f"{101 + i:03d}", name, i in eligible, f, ind_m, industry, soc_m, ""))
    return out


def _villages(
    r: np.random.Generator,
    ctx: Context,
    n_town: int,
    n_vill: int,
    n_poor: int,
    curves: dict[str, Curve],
    townships: list[Township],
) -> list[Village]:
    town_of = np.sort(np.concatenate([np.arange(n_town), r.integers(0, n_town, n_vill - n_town)]))
    poor = np.zeros(n_vill, bool)
    poor[r.choice(n_vill, n_poor, replace=False)] = True
    poor_idx = np.flatnonzero(poor)
    one_poor = set(r.choice(poor_idx, max(1, round(0.2 * n_poor)), replace=False).tolist())
    rich_idx = np.flatnonzero(~poor)
    n_rich_one = round(0.05 * len(rich_idx))
    one_rich = set(r.choice(rich_idx, n_rich_one, replace=False).tolist()) if n_rich_one else set()
    covered = dict(
        zip(
            poor_idx.tolist(), curves["coverage"].months_of(strata(r, n_poor)).tolist(), strict=True
        )
    )
    op = sorted(one_poor)
    vc = curves["villages"]
    brand = dict(zip(op, vc.months_of(strata(r, len(op))).tolist(), strict=True))
    estation = dict(zip(op, vc.months_of(strata(r, len(op))).tolist(), strict=True))
    out, seq = [], dict.fromkeys(range(n_town), 0)
    for i in range(n_vill):
        t = int(town_of[i])
        seq[t] += 1
        name, product = names.village_name(r), names.pick(r, names.PRODUCTS)
        cov = covered.get(i, int(_random_months(r, ctx.months)) if r.random() < 0.15 else NEVER)
        est = estation.get(i, int(_random_months(r, ctx.months)) if r.random() < 0.2 else NEVER)
        out.append(
            Village(
                suffix=f"{townships[t].suffix}{200 + seq[t]:03d}",
                name=name,
                township=t,
                poor=bool(poor[i]),
                one_product=i in one_poor or i in one_rich,
                product=product,
                brand_month=brand.get(i, NEVER),
                brand=name[:2] + product,
                estation_month=est,
                covered_month=cov,
            )
        )
    return out


def _households(
    ctx: Context,
    r: np.random.Generator,
    series: str,
    base_code: str,
    villages: list[Village],
    weight: float,
    curve: Curve,
) -> Households:
    M = ctx.months
    n = max(40, round(HOUSEHOLDS_PER_COUNTY * weight * ctx.scale))
    p = np.array([3.0 if v.poor else 1.0 for v in villages])
    per_village = r.multinomial(n, p / p.sum())
    village = np.repeat(np.arange(len(villages)), per_village).astype(np.int32)
    starts = np.repeat(np.cumsum(per_village) - per_village, per_village)
    seq = np.arange(n) - starts + 1
    width = 4 + stable_int(ctx.seed, "id-length", series) % 4  # ids of 16..19 digits
    prefixes = [base_code + v.suffix for v in villages]
    ids = np.array(
        [
            f"{prefixes[v]}{s:0{width}d}"
            for v, s in zip(village.tolist(), seq.tolist(), strict=True)
        ],
        dtype=object,
    )
    members = r.choice(np.arange(1, 7), n, p=[0.15, 0.25, 0.25, 0.18, 0.1, 0.07]).astype(np.int8)
    labor = r.random(n) < r.uniform(0.70, 0.85)
    lab = np.flatnonzero(labor)
    never = np.full(n, NEVER, np.int32)
    t1, t2, t3, p1, p2 = (never.copy() for _ in range(5))
    t1[lab] = curve.months_of(strata(r, len(lab)))
    p1[lab] = Curve(curve.baseline * 0.8, curve.speed, M).months_of(strata(r, len(lab)))
    second = labor & (r.random(n) < 0.6)
    t2[second] = t1[second] + r.integers(3, 25, second.sum())
    third = second & (r.random(n) < 0.15)
    t3[third] = t2[third] + r.integers(6, 25, third.sum())
    more = labor & (r.random(n) < 0.3)
    p2[more] = p1[more] + r.integers(4, 25, more.sum())
    weak = ~labor
    some = weak & (r.random(n) < 0.2)
    t1[some] = _random_months(r, M, some.sum())
    some = weak & (r.random(n) < 0.25)
    p1[some] = _random_months(r, M, some.sum())
    cap = [np.minimum(a, NEVER).astype(np.int16) for a in (t1, t2, t3, p1, p2)]
    return Households(village, ids, members, labor, tuple(cap[:3]), tuple(cap[3:]))


def _milestones(r: np.random.Generator, M: int, lag_kind: str | None) -> dict[str, list[int]]:
    """Months each county item grows by one. On track: everything in place by the second year;
    lagging: late, and the second museum tour never comes within the program."""

    def i(lo: int, hi: int) -> int:
        return int(r.integers(lo, hi))

    if "county_items" in LAG_KINDS.get(lag_kind or "", ()):
        tour1 = i(18, 31)
        first = i(24, 41)
        return {
            "expert_station": [i(20, 37)],
            "caravan": [i(26, 41)],
            "museum_tour": [tour1, M + i(6, 20)],
            "school_museum": [i(30, 45)],
            "consulting": [first, first + i(10, 16)],
            "county_federation": [M + i(0, 12)],
        }
    tour1 = i(1, 11)
    tours = [tour1, tour1 + i(4, 11)]
    if r.random() < 0.2:
        tours.append(tours[-1] + i(8, 20))
    school = [i(0, 13)]
    if r.random() < 0.3:
        school.append(school[0] + i(12, 30))
    consulting = [i(0, 13)]
    while consulting[-1] < 2 * M:
        consulting.append(consulting[-1] + i(8, 15))
    return {
        "expert_station": [i(0, 9)],
        "caravan": [i(0, 11)],
        "museum_tour": tours,
        "school_museum": school,
        "consulting": consulting,
        "county_federation": [i(0, 25)] if r.random() < 0.65 else [],
    }


def _flows(r: np.random.Generator, paired: bool) -> Flows:
    """County-level monthly flows. They are facts about a county, not volumes of listed entities,
    so they do not scale; the national-level counties have a developed partner county."""
    return Flows(
        youth=float(r.uniform(1500, 5000)),
        paired=paired,
        projects=int(r.integers(1, 3)),
        workers=float(r.uniform(100, 600)),
        talents=float(r.uniform(3, 15)),
        funds=float(r.uniform(30, 300)),
        phase=int(r.integers(12)),
    )


def _filed(r: np.random.Generator, ctx: Context, month: int, share: float) -> dt.date | None:
    """The day an entity was filed in the register, or None (never filed). Those there from the
    first month were filed before the program began, so the count of filed entities starts at
    its baseline instead of jumping in the program's second month."""
    if r.random() >= share:
        return None
    if month == 0:
        return first_day(ctx.program_start) - dt.timedelta(days=int(r.integers(1, 366)))
    return ctx.day(month + int(r.integers(0, 3)), int(r.integers(1, 29)))


def _experts(r: np.random.Generator, ctx: Context, cw: CountyWorld) -> None:
    n = max(3, round(EXPERTS_PER_COUNTY * cw.weight * ctx.scale))
    months = cw.curves["experts"].months_of(strata(r, n))
    sources = r.choice(len(EXPERT_SOURCES), n, p=EXPERT_SOURCE_P)
    specs = r.choice(len(SPECIALTIES), n, p=SPECIALTY_P)
    for k in range(n):
        m = int(months[k])
        cw.experts.append(
            Expert(
                county=cw.series,
                name=names.person(r),
                source=EXPERT_SOURCES[sources[k]],
                specialty=SPECIALTIES[specs[k]],
                phone=names.phone(r),
                month=m,
                filed=_filed(r, ctx, m, 0.92),
            )
        )


def _orgs(r: np.random.Generator, ctx: Context, cw: CountyWorld) -> None:
    M = ctx.months

    def add(org_type: str, name: str, location: str, month: int) -> Org:
        org = Org(cw.series, org_type, name, location, month, _filed(r, ctx, month, 0.9))
        cw.orgs.append(org)
        return org

    add("extension_station", f"{cw.name}农业技术推广中心", "", 0)
    socs = r.choice(len(names.SOCIETIES), 1 + int(r.random() < 0.5), replace=False)
    societies = [names.SOCIETIES[int(i)] for i in socs]
    for s in societies:
        add("society", s, "", 0)
    for t in cw.townships:
        t.society = societies[int(r.integers(len(societies)))]
    for m in cw.milestones["expert_station"]:
        add("expert_station", f"{cw.name}农技专家服务站", "", m)
    for m in cw.milestones["county_federation"]:
        add("federation", f"{cw.name}农村专业技术协会联合会", "", m)
    for t in cw.townships:
        if t.federation_month < NEVER:
            add("federation", f"{t.name}农技协联合会", t.suffix, t.federation_month)
    vc = cw.curves["villages"]
    one_poor = [i for i, v in enumerate(cw.villages) if v.poor and v.one_product]
    assoc1 = dict(zip(one_poor, vc.months_of(strata(r, len(one_poor))).tolist(), strict=True))
    entity1 = dict(zip(one_poor, vc.months_of(strata(r, len(one_poor))).tolist(), strict=True))
    for i, v in enumerate(cw.villages):
        assoc: list[int] = []
        entity: list[int] = []
        if i in assoc1:
            assoc = [assoc1[i]] + (
                [assoc1[i] + int(r.integers(6, 31))] if r.random() < 0.25 else []
            )
            entity = [entity1[i]]
            if r.random() < 0.4:
                entity.append(entity[-1] + int(r.integers(3, 25)))
                if r.random() < 0.35:
                    entity.append(entity[-1] + int(r.integers(3, 25)))
        elif v.one_product:
            assoc = [int(_random_months(r, M))] if r.random() < 0.5 else []
            entity = [int(_random_months(r, M))] if r.random() < 0.6 else []
        elif r.random() < (0.2 if v.poor else 0.04):
            entity = [int(_random_months(r, M))]
        cw.village_assoc.append(
            [
                add("association", f"{v.name}{v.product}技术协会", v.suffix, min(m, NEVER))
                for m in assoc
            ]
        )
        ents = []
        for m in entity:
            kind = ENTITY_TYPES[int(r.choice(len(ENTITY_TYPES), p=ENTITY_P))]
            label = {
                "cooperative": f"{v.name}{v.product}专业合作社",
                "family_farm": f"{names.person(r)}{v.product}家庭农场",
                "grower": f"{v.name}{v.product}种养大户（{names.person(r)}）",
                "enterprise": f"安徽{v.name[:2]}{v.product}农业发展有限公司",
            }[kind]
            ents.append(add(kind, label, v.suffix, min(m, NEVER)))
        cw.village_entities.append(ents)
    n_demo = max(1, round(DEMO_BASES_PER_COUNTY * cw.weight * ctx.scale))
    for k, m in enumerate(cw.curves["orgs"].months_of(strata(r, n_demo)).tolist()):
        t = cw.townships[k % len(cw.townships)]
        add("demo_base", f"{t.name}农村科普示范基地", t.suffix, m)


def _helper(r: np.random.Generator, cw: CountyWorld, month: int) -> tuple[str, Expert | Org]:
    """An expert (70 %) or a helping organisation already listed in that month."""
    if r.random() < 0.3:
        orgs = [o for o in cw.orgs if o.month <= month and o.org_type in HELPER_ORG_TYPES]
        if orgs:
            return "organization", orgs[int(r.integers(len(orgs)))]
    experts = [e for e in cw.experts if e.month <= month]
    return "expert", experts[int(r.integers(len(experts)))]


def _agreement(
    r: np.random.Generator,
    ctx: Context,
    cw: CountyWorld,
    kind: str,
    target: int | str,
    month: int,
    label: str,
    product: str,
) -> Agreement:
    helper_kind, helper = _helper(r, cw, month)
    signed = ctx.day(month, int(r.integers(1, 29)))
    start = signed + dt.timedelta(days=int(r.integers(0, 10)))
    end = start + dt.timedelta(days=365 * int(r.integers(1, 4)) - 1)
    texts = names.agreement_texts(r, label, product)
    return Agreement(cw.series, helper_kind, helper, kind, target, month, signed, start, end, texts)


def _agreements(r: np.random.Generator, ctx: Context, cw: CountyWorld) -> None:
    """One agreement per village the day it is covered (so every covered village has one on
    record), and agreements with about 0.5 % of the labour-capable households."""
    for i, v in enumerate(cw.villages):
        if v.covered_month < NEVER:
            cw.agreements.append(
                _agreement(r, ctx, cw, "village", i, v.covered_month, v.name, v.product)
            )
    hh = cw.households
    lab = np.flatnonzero(hh.labor)
    n = max(1, round(HOUSEHOLD_AGREEMENT_SHARE * len(lab)))
    for k in np.sort(r.choice(lab, min(n, len(lab)), replace=False)).tolist():
        t1 = int(hh.techniques[0][k])
        month = max(0, t1 - 1) if t1 < NEVER else int(_random_months(r, ctx.months))
        v = cw.villages[int(hh.village[k])]
        a = _agreement(
            r, ctx, cw, "household", str(hh.ids[k]), month, f"{v.name}结对贫困户", v.product
        )
        if r.random() < 0.03:
            a.terminated_month = month + int(r.integers(2, 13))
        cw.agreements.append(a)


# ----------------------------------------------------------------------------- month views


def county_code_in(hierarchy: Hierarchy, cw: CountyWorld, period: str) -> str | None:
    """The code of the county valid on the period's last day (None: the county does not exist)."""
    return code_on(hierarchy, cw, last_day(period))


def code_on(hierarchy: Hierarchy, cw: CountyWorld, day: dt.date) -> str | None:
    for code in reversed(cw.lineage):
        if hierarchy.counties_by_code[code].valid_on(day):
            return code
    return None


def program_periods(program: ProgramSettings) -> list[str]:
    return period_range(program.program.start, program.program.end)
