"""Small hand-made warehouses for the indicator tests (SQLite and PostgreSQL alike).

The hierarchy is cut down to three reporting units so every number in a test can be worked out
by hand: Anqing 340800 with Qianshan (340824 until 2018-07, 340882 from 2018-08) and Taihu 340825,
and Chizhou 341700 with Shitai 341722. Rows go straight into the tables intake and data quality
fill (``submission``, ``clean_<sheet>``, ``register_*``), the way their loaders leave them: only
the current accepted version of a (city, month) has clean rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from techaid import config
from techaid.config.hierarchy import Hierarchy
from techaid.indicators.catalogue import Catalogue, load_catalogue
from techaid.indicators.compute import Settings, compute_period, recompute
from techaid.indicators.status import ProgramWindow
from techaid.periods import add_months
from techaid.warehouse import published, schema
from techaid.warehouse.engine import make_engine

ANQING, CHIZHOU, PROVINCE = "340800", "341700", "340000"
QIANSHAN_OLD, QIANSHAN, TAIHU, SHITAI = "340824", "340882", "340825", "341722"
KEEP = {PROVINCE, ANQING, CHIZHOU, QIANSHAN_OLD, QIANSHAN, TAIHU, SHITAI}


def test_hierarchy() -> Hierarchy:
    return Hierarchy([u for u in config.hierarchy().units if u.code in KEEP], source="test")


test_hierarchy.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


def village(county: str, n: int, township: int = 1) -> str:
    """A 12-digit village code in ``county``: county + township 1xx + village 2xx."""
    return f"{county}{100 + township:03d}{200 + n:03d}"


def township(county: str, n: int) -> str:
    return f"{county}{100 + n:03d}"


class Warehouse:
    """A fresh warehouse with the indicator tables, and helpers to fill and read it."""

    def __init__(
        self, url: str, catalogue: Catalogue | None = None, reporting_start: str | None = None
    ):
        self.engine = make_engine(url)
        schema.all_tables().create_all(self.engine)
        self.hierarchy = test_hierarchy()
        self.settings = Settings(
            catalogue=catalogue or load_catalogue(),
            hierarchy=self.hierarchy,
            window=ProgramWindow("2017-01", "2020-12"),
            reporting_start=reporting_start,
            schema=config.schema(),
        )
        self._seq = 0
        self.clean = schema.clean_tables()
        self.reg = schema.register_tables()

    # -- filling
    def counties_of(self, city: str, period: str) -> list[str]:
        return sorted(u.code for u in self.hierarchy.counties_of(city, period))

    def submit(
        self,
        city: str,
        period: str,
        *,
        counties: Mapping[str, Mapping[str, Any]] | None = None,
        status: str = "accepted",
        on_time: bool = True,
        **sheets: Iterable[Mapping[str, Any]],
    ) -> str:
        """A version of (city, period). Accepted: it becomes current (earlier accepted versions
        superseded, the clean rows replaced). ``counties`` maps county code -> overrides of a
        row of zeros; every county of the city in the month gets a row."""
        self._seq += 1
        sid = f"s{self._seq:04d}"
        sub = schema.submission
        with self.engine.begin() as conn:
            if status in ("accepted", "accepted_with_errors"):
                conn.execute(
                    sub.update()
                    .where(sub.c.city_code == city, sub.c.period == period)
                    .where(sub.c.status.in_(["accepted", "accepted_with_errors"]))
                    .values(status="superseded")
                )
                for table in self.clean.values():
                    conn.execute(
                        table.delete().where(table.c.city_code == city, table.c.period == period)
                    )
                rows = {"counties": self._county_rows(city, period, counties or {})}
                rows.update({k: list(v) for k, v in sheets.items()})
                for name, items in rows.items():
                    table = self.clean[name]
                    data = [
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
                    if data:
                        conn.execute(table.insert(), data)
            conn.execute(
                sub.insert(),
                {
                    "submission_id": sid,
                    "city_code": city,
                    "period": period,
                    "file_name": f"{city}_{period}.xlsx",
                    "sha256": sid * 8,
                    "received_at": dt.datetime(2019, 1, 1) + dt.timedelta(minutes=self._seq),
                    "status": status,
                    "on_time": on_time,
                    "rows_loaded": 0,
                    "rows_quarantined": 0,
                    "warnings": 0,
                    "outcome": status,
                    "file_path": f"/landing/{city}_{period}.xlsx",
                    "size_bytes": 1,
                    "repairs": 0,
                },
            )
        return sid

    def _county_rows(
        self, city: str, period: str, overrides: Mapping[str, Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        ints = [c.name for c in config.schema().sheet("counties").column_list()][1:]
        return [
            {"county_code": code, **dict.fromkeys(ints, 0), **overrides.get(code, {})}
            for code in self.counties_of(city, period)
        ]

    def register(
        self,
        date: str,
        villages: Iterable[str] = (),
        households: Iterable[tuple[str, str, bool]] = (),
        status: str = "accepted",
    ) -> None:
        """A register version: poor village codes, and households (id, village, labour)."""
        day = dt.date.fromisoformat(date)
        villages, households = list(villages), list(households)
        with self.engine.begin() as conn:
            conn.execute(
                schema.register_version.insert(),
                {
                    "register_date": day,
                    "villages_sha256": date,
                    "households_sha256": date,
                    "status": status,
                    "villages": len(villages),
                    "households": len(households),
                },
            )
            if status != "accepted":
                return
            if villages:
                conn.execute(
                    self.reg["villages"].insert(),
                    [
                        {
                            "register_date": day,
                            "village_code": v,
                            "village_name": v,
                            "township_code": v[:9],
                            "township_name": v[:9],
                            "county_code": v[:6],
                        }
                        for v in villages
                    ],
                )
            if households:
                conn.execute(
                    self.reg["households"].insert(),
                    [
                        {
                            "register_date": day,
                            "household_id": h,
                            "village_code": v,
                            "members": 3,
                            "labor_capable": labour,
                        }
                        for h, v, labour in households
                    ],
                )

    # -- computing
    def compute(self, *periods: str) -> None:
        for p in periods:
            compute_period(self.engine, p, self.settings)

    def compute_range(self, start: str, end: str) -> None:
        p = start
        while p <= end:
            self.compute(p)
            p = add_months(p, 1)

    def recompute(self, from_period: str, to_period: str | None = None) -> list[str]:
        return recompute(self.engine, from_period, to_period, self.settings)

    # -- reading
    def values(self, **where: Any) -> list[dict[str, Any]]:
        t = published.indicator_value
        q = sa.select(t)
        for k, v in where.items():
            q = q.where(t.c[k] == v)
        q = q.order_by(t.c.period, t.c.level, t.c.org_code, t.c.indicator)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def value(self, period: str, indicator: str, level: str, org: str) -> dict[str, Any]:
        rows = self.values(period=period, indicator=indicator, level=level, org_code=org)
        assert len(rows) == 1, (period, indicator, level, org, rows)
        return rows[0]

    def ranking(self, period: str) -> list[dict[str, Any]]:
        t = published.county_ranking
        q = sa.select(t).where(t.c.period == period).order_by(t.c.rank)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def dispose(self) -> None:
        self.engine.dispose()


def catalogue_with(tmp_path: Path, replace: Mapping[str, str]) -> Catalogue:
    """The shipped catalogue with text replaced (e.g. a filled allocation), loaded from a copy."""
    text = (config.DEFAULT_CONFIG_DIR / "indicators.yaml").read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    p = tmp_path / "indicators.yaml"
    p.write_text(text, encoding="utf-8")
    return load_catalogue(p)


# ---------------------------------------------------------------- a richer shared scenario


def build_showcase(wh: Warehouse) -> list[str]:
    """Several months touching every shape, for the SQLite/PostgreSQL comparison; returns the
    months computed."""
    q1, q2 = village(QIANSHAN_OLD, 1), village(QIANSHAN_OLD, 2)
    t1, t2 = village(TAIHU, 1), village(TAIHU, 2)
    s1 = village(SHITAI, 1)
    wh.register(
        "2018-05-20",
        villages=[q1, q2, t1, t2, s1],
        households=[
            ("hh01", q1, True),
            ("hh02", q1, True),
            ("hh03", t1, True),
            ("hh04", t2, False),
            ("hh05", s1, True),
        ],
    )
    months = ["2018-06", "2018-07", "2018-08", "2018-09"]
    for i, p in enumerate(months):
        qs = QIANSHAN_OLD if p < "2018-08" else QIANSHAN
        qv1, qv2 = village(qs, 1), village(qs, 2)
        if p != "2018-08":  # Anqing misses August: carried forward
            wh.submit(
                ANQING,
                p,
                on_time=i != 1,
                counties={
                    qs: {
                        "expert_stations": 1,
                        "museum_tours": i,
                        "county_federations": 1,
                        "youth_participants": 10 * (i + 1),
                        "pairing_funds": 1.5,
                    },
                    TAIHU: {
                        "science_caravans": 1,
                        "consulting_reports": 2,
                        "youth_participants": 7,
                        "pairing_funds": 0.25,
                    },
                },
                townships=[
                    {
                        "township_code": township(qs, 1),
                        "industry_base": True,
                        "federation": i >= 1,
                        "industry": "茶叶",
                        "society_link": None,
                    },
                    {
                        "township_code": township(TAIHU, 1),
                        "industry_base": True,
                        "federation": False,
                        "industry": "",
                        "society_link": "农学会",
                    },
                ],
                villages=[
                    {
                        "village_code": qv1,
                        "one_product": True,
                        "associations": 1,
                        "business_entities": i,
                        "brand": "天柱山",
                        "e_station": True,
                        "service_covered": True,
                    },
                    {
                        "village_code": qv2,
                        "one_product": i < 2,
                        "associations": 0,
                        "business_entities": 0,
                        "brand": None,
                        "e_station": False,
                        "service_covered": i >= 2,
                    },
                    {
                        "village_code": t1,
                        "one_product": True,
                        "associations": 2,
                        "business_entities": 1,
                        "brand": "",
                        "e_station": False,
                        "service_covered": True,
                    },
                ],
                households=[
                    {"household_id": "hh01", "techniques": 1, "income_projects": 0},
                    {"household_id": "hh03", "techniques": 2, "income_projects": 1},
                ],
                experts=[
                    {
                        "expert_id": "E1",
                        "source": "society",
                        "specialty": "crops",
                        "county_code": qs,
                        "registered_on": dt.date(2018, 6, 30),
                    },
                    {
                        "expert_id": "E2",
                        "source": "university",
                        "specialty": "crops",
                        "county_code": TAIHU,
                        "registered_on": dt.date(2018, 7, 1),
                    },
                ],
                organizations=[
                    {"org_id": "O1", "org_type": "association", "location_code": township(TAIHU, 1)}
                ],
                agreements=[
                    {
                        "agreement_id": "A1",
                        "helper_kind": "expert",
                        "helper_id": "E1",
                        "target_kind": "village",
                        "target_id": qv1,
                        "status": "active",
                        "start_on": dt.date(2018, 1, 1),
                        "end_on": dt.date(2018, 7, 31),
                    },
                    {
                        "agreement_id": "A2",
                        "helper_kind": "expert",
                        "helper_id": "E2",
                        "target_kind": "household",
                        "target_id": "hh03",
                        "status": "active",
                        "start_on": dt.date(2018, 6, 30),
                        "end_on": dt.date(2019, 6, 30),
                    },
                ],
            )
        if p == "2018-07":
            wh.submit(CHIZHOU, p, status="rejected")
        else:
            wh.submit(
                CHIZHOU,
                p,
                counties={
                    SHITAI: {"expert_stations": 2, "youth_participants": 3, "pairing_funds": 0.1}
                },
                villages=[
                    {
                        "village_code": s1,
                        "one_product": False,
                        "associations": 3,
                        "business_entities": 0,
                        "service_covered": i % 2 == 0,
                    }
                ],
                households=[{"household_id": "hh05", "techniques": i, "income_projects": 1}],
                experts=[
                    {
                        "expert_id": "E2",
                        "source": "university",
                        "specialty": "crops",
                        "county_code": SHITAI,
                        "registered_on": dt.date(2018, 5, 1),
                    }
                ],
            )
    for p in months:
        wh.compute(p)
    return months


# ---------------------------------------------------------------- hand-computed scenarios
# Each builds a small warehouse and computes it; the tests state the expected figures with the
# arithmetic. Program 2017-01 .. 2020-12 (48 months): month index = months since 2017-01.


def covered(codes: Iterable[str], covered_codes: Iterable[str], **extra: Any) -> list[dict]:
    """Village rows: every code listed, covered when in ``covered_codes``."""
    cov = set(covered_codes)
    return [
        {
            "village_code": c,
            "associations": 0,
            "business_entities": 0,
            "service_covered": c in cov,
            **extra,
        }
        for c in codes
    ]


def scenario_carry_forward(wh: Warehouse) -> None:
    """Anqing reports May and July 2018, nothing in June; Chizhou never reports."""
    q = [village(QIANSHAN_OLD, i) for i in (1, 2)]
    wh.register("2018-01-01", villages=q)
    for period, stations, youth in (("2018-05", 1, 10), ("2018-07", 2, 4)):
        wh.submit(
            ANQING,
            period,
            counties={QIANSHAN_OLD: {"expert_stations": stations, "youth_participants": youth}},
            villages=[
                {
                    "village_code": q[0],
                    "associations": 2,
                    "business_entities": 0,
                    "service_covered": True,
                },
                {
                    "village_code": q[1],
                    "associations": 1,
                    "business_entities": 0,
                    "service_covered": False,
                },
            ],
        )
    wh.compute("2018-05", "2018-06", "2018-07")


def scenario_flows(wh: Warehouse) -> None:
    """Youth participants and funds of Qianshan over three months, computed twice."""
    for period, youth, funds in (("2018-01", 10, 0.1), ("2018-02", 20, 0.2), ("2018-03", 5, 0.4)):
        wh.submit(
            ANQING,
            period,
            counties={QIANSHAN_OLD: {"youth_participants": youth, "pairing_funds": funds}},
        )
    wh.compute("2018-01", "2018-02", "2018-03")
    wh.compute("2018-01", "2018-02", "2018-03")  # a re-run


def scenario_ratio_of_sums(wh: Warehouse) -> None:
    """Qianshan covers 1 of 4 poor villages, Taihu 1 of 1, Shitai 0 of 2."""
    q = [village(QIANSHAN_OLD, i) for i in range(1, 5)]
    t = [village(TAIHU, 1)]
    s = [village(SHITAI, i) for i in (1, 2)]
    wh.register("2018-01-01", villages=q + t + s)
    wh.submit(ANQING, "2018-06", villages=covered(q + t, [q[0], t[0]]))
    wh.submit(CHIZHOU, "2018-06", villages=covered(s, []))
    wh.compute("2018-06")


def scenario_register_denominator(wh: Warehouse) -> None:
    """Taihu has 3 poor villages in the register; June lists all three, July only the first."""
    t1, t2, t3 = (village(TAIHU, i) for i in (1, 2, 3))
    non_poor = village(TAIHU, 9)
    wh.register("2018-01-01", villages=[t1, t2, t3])

    def row(code: str, *, cov: bool, one: bool, assoc: int) -> dict:
        return {
            "village_code": code,
            "service_covered": cov,
            "one_product": one,
            "associations": assoc,
            "business_entities": 0,
        }

    wh.submit(
        ANQING,
        "2018-06",
        villages=[
            row(t1, cov=True, one=True, assoc=1),
            row(t2, cov=True, one=True, assoc=0),
            row(t3, cov=False, one=False, assoc=0),
            row(non_poor, cov=True, one=True, assoc=5),
        ],
    )
    wh.submit(
        ANQING,
        "2018-07",
        villages=[row(t1, cov=True, one=True, assoc=1), row(non_poor, cov=True, one=True, assoc=5)],
    )
    wh.compute("2018-06", "2018-07")


def scenario_stations(wh: Warehouse) -> None:
    """Qianshan and Shitai have an expert station, Taihu none; computed before and at the step
    trajectory's due month (2018-12)."""
    for period in ("2018-06", "2018-12"):
        q = QIANSHAN_OLD if period < "2018-08" else QIANSHAN
        wh.submit(ANQING, period, counties={q: {"expert_stations": 1}})
        wh.submit(CHIZHOU, period, counties={SHITAI: {"expert_stations": 3}})
    wh.compute("2018-06", "2018-12")


def scenario_correction(wh: Warehouse) -> dict[str, list[dict]]:
    """Anqing reports March and April 2018, nothing in May; April is then corrected. Returns the
    rows of each month before the correction."""
    t = [village(TAIHU, i) for i in (1, 2, 3, 4)]
    wh.register("2018-01-01", villages=t)
    wh.submit(
        ANQING, "2018-03", villages=covered(t, t[:1]), counties={TAIHU: {"youth_participants": 1}}
    )
    wh.submit(
        ANQING, "2018-04", villages=covered(t, t[:2]), counties={TAIHU: {"youth_participants": 2}}
    )
    wh.compute("2018-03", "2018-04", "2018-05")
    before = {p: wh.values(period=p) for p in ("2018-03", "2018-04", "2018-05")}
    wh.submit(
        ANQING, "2018-04", villages=covered(t, t[:3]), counties={TAIHU: {"youth_participants": 7}}
    )
    return before


def scenario_recode(wh: Warehouse) -> None:
    """Qianshan: June and July 2018 under 340824, nothing in August, September under 340882.
    The register (dated before the recode) lists its villages under 340824."""
    old = [village(QIANSHAN_OLD, i) for i in (1, 2, 3, 4)]
    new = [village(QIANSHAN, i) for i in (1, 2, 3, 4)]
    wh.register("2018-01-01", villages=old)
    for period, codes, n_covered, youth in (
        ("2018-06", old, 1, 10),
        ("2018-07", old, 2, 20),
        ("2018-09", new, 3, 5),
    ):
        county = codes[0][:6]
        wh.submit(
            ANQING,
            period,
            villages=covered(codes, codes[:n_covered]),
            counties={county: {"youth_participants": youth}},
        )
    wh.compute("2018-06", "2018-07", "2018-08", "2018-09")


def scenario_linear(wh: Warehouse) -> None:
    """Taihu covers 1, 2, ... 6 of its 20 poor villages in 2017-01 .. 2017-06 (5 points a month);
    Qianshan covers 50, 51, 52 of 100 in 2017-01 .. 2017-03 (1 point a month)."""
    t = [village(TAIHU, i) for i in range(1, 21)]
    q = [village(QIANSHAN_OLD, i % 100, township=1 + i // 100) for i in range(100)]
    wh.register("2016-12-01", villages=t + q)
    for m in range(6):
        period = add_months("2017-01", m)
        q_cov = q[: 50 + m] if m < 3 else q[:52]
        wh.submit(ANQING, period, villages=covered(t + q, t[: m + 1] + q_cov))
    wh.compute_range("2017-01", "2017-06")


def scenario_flat(wh: Warehouse) -> None:
    """Taihu covers 3 of its 10 poor villages in each of 2018-01 .. 2018-03 (flat); Shitai 5, 4,
    then 3 of its 10 (falling)."""
    t = [village(TAIHU, i) for i in range(1, 11)]
    s = [village(SHITAI, i) for i in range(1, 11)]
    wh.register("2017-12-01", villages=t + s)
    for m, period in enumerate(("2018-01", "2018-02", "2018-03")):
        wh.submit(ANQING, period, villages=covered(t, t[:3]))
        wh.submit(CHIZHOU, period, villages=covered(s, s[: 5 - m]))
    wh.compute("2018-01", "2018-02", "2018-03")


def scenario_experts(wh: Warehouse) -> None:
    """Experts of June 2018: E1 listed by both cities, E2 filed on the month's last day, E3 filed
    after it, E4 never filed."""

    def expert(eid: str, county: str, filed: dt.date | None) -> dict:
        return {
            "expert_id": eid,
            "source": "society",
            "specialty": "crops",
            "county_code": county,
            "registered_on": filed,
        }

    wh.submit(
        ANQING,
        "2018-06",
        experts=[
            expert("E1", QIANSHAN_OLD, dt.date(2018, 1, 5)),
            expert("E2", TAIHU, dt.date(2018, 6, 30)),
            expert("E3", TAIHU, dt.date(2018, 7, 1)),
            expert("E4", TAIHU, None),
        ],
    )
    wh.submit(CHIZHOU, "2018-06", experts=[expert("E1", SHITAI, dt.date(2018, 2, 1))])
    wh.compute("2018-06")


def scenario_reporting(wh: Warehouse) -> None:
    """Anqing: January on time, February late, March on time then corrected late. Chizhou:
    January refused (on time), February nothing, March on time."""
    wh.submit(ANQING, "2018-01")
    wh.submit(ANQING, "2018-02", on_time=False)
    wh.submit(ANQING, "2018-03")
    wh.submit(ANQING, "2018-03", on_time=False, counties={TAIHU: {"expert_stations": 1}})
    wh.submit(CHIZHOU, "2018-01", status="rejected")
    wh.submit(CHIZHOU, "2018-03")
    wh.compute("2018-01", "2018-02", "2018-03")


def scenario_agreements(wh: Warehouse) -> None:
    """Agreements on 2018-06-30: A1 active until that day, A2 ended 2018-06-29, A3 completed, A4
    for household H1 (registered in a Taihu village: its county comes from the register)."""
    t5 = village(TAIHU, 5)
    wh.register("2018-01-01", villages=[t5], households=[("H1", t5, True)])

    def agreement(aid: str, kind: str, target: str, status: str, end: dt.date) -> dict:
        return {
            "agreement_id": aid,
            "helper_kind": "expert",
            "helper_id": "E1",
            "target_kind": kind,
            "target_id": target,
            "status": status,
            "start_on": dt.date(2018, 1, 1),
            "end_on": end,
        }

    wh.submit(
        ANQING,
        "2018-06",
        agreements=[
            agreement("A1", "village", village(TAIHU, 1), "active", dt.date(2018, 6, 30)),
            agreement("A2", "village", village(TAIHU, 2), "active", dt.date(2018, 6, 29)),
            agreement("A3", "village", village(TAIHU, 3), "completed", dt.date(2019, 1, 1)),
            agreement("A4", "household", "H1", "active", dt.date(2019, 1, 1)),
        ],
    )
    wh.submit(CHIZHOU, "2018-06")
    wh.compute("2018-06")


SCENARIOS = {
    "carry_forward": scenario_carry_forward,
    "flows": scenario_flows,
    "ratio_of_sums": scenario_ratio_of_sums,
    "register_denominator": scenario_register_denominator,
    "stations": scenario_stations,
    "correction": scenario_correction,
    "recode": scenario_recode,
    "linear": scenario_linear,
    "flat": scenario_flat,
    "experts": scenario_experts,
    "reporting": scenario_reporting,
    "agreements": scenario_agreements,
    "showcase": build_showcase,
}
