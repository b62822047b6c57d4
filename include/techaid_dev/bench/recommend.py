"""Bench of the yearly shortlist and the monthly pairing at Anhui scale.

A year (12 months) of the sheets the recommendation reads, as the loader leaves them in the clean
tables: about 6,600 experts (the province's 6,000 target plus the tenth more the generator
fields), 2,000 organizations, 13,000 agreements by December, 3,000 activities a month naming
1-3 experts, December's evaluations of 40 % of the filed, townships with industries, and the
published county values and ranking the progress measure and the pairing read. Rows are drawn
from a fixed seed, so every run measures the same warehouse.

    python -m techaid_dev.bench.recommend [--pg URL] [--runs 3]

Prints one Markdown table (median of the runs for each step) for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from techaid import config
from techaid.periods import add_months, last_day, period_range
from techaid.recommend import notice, pairing, shortlist
from techaid.warehouse import migrate, schema
from techaid.warehouse.bulk import insert_frame
from techaid.warehouse.engine import make_engine

YEAR = 2019
EXPERTS, ORGS, AGREEMENTS, ACTIVITIES_PER_MONTH = 6_600, 2_000, 13_000, 3_000
PRODUCTS = ("茶叶", "中药材", "蔬菜", "生猪", "肉牛", "小龙虾", "水果", "乡村旅游", "电商", "光伏")


def _frame(rows: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def build_year(engine: sa.Engine, seed: int = 11) -> dict[str, int]:
    """Fill a migrated warehouse with the year; row counts per table."""
    r = np.random.default_rng(seed)
    h = config.hierarchy()
    periods = period_range(f"{YEAR}-01", f"{YEAR}-12")
    counties = [
        (u.code, u.parent_code)
        for u in h.counties(periods[-1])
        if u.poverty_level and u.parent_code  # a county always has its city
    ]
    sch = config.schema()
    sources, specialties = (
        list(sch.enum_values("expert_source")),
        list(sch.enum_values("specialty")),
    )
    org_types = list(sch.enum_values("org_type"))

    def pick(n: int, k: int) -> np.ndarray:
        """n draws from 0..k-1."""
        return r.integers(0, k, n)

    ci = pick(EXPERTS, len(counties))
    experts = _frame(
        {
            "expert_id": [f"ZJ{counties[c][1]}{i:05d}" for i, c in enumerate(ci)],
            "name": [f"专家{i}" for i in range(EXPERTS)],
            "source": [sources[k] for k in pick(EXPERTS, len(sources))],
            "specialty": [specialties[k] for k in pick(EXPERTS, len(specialties))],
            "county_code": [counties[c][0] for c in ci],
            "city_code": [counties[c][1] for c in ci],
            "phone": "13800000000",
            "registered_on": [
                None if x < 0.1 else dt.date(2017, 1, 1) + dt.timedelta(days=int(d))
                for x, d in zip(r.random(EXPERTS), pick(EXPERTS, 1000), strict=True)
            ],
            "from_month": np.where(r.random(EXPERTS) < 0.7, 1, pick(EXPERTS, 12) + 1),
        }
    )
    oi = pick(ORGS, len(counties))
    orgs = _frame(
        {
            "org_id": [f"ZZ{counties[c][1]}{i:05d}" for i, c in enumerate(oi)],
            "name": [f"组织{i}" for i in range(ORGS)],
            "org_type": [org_types[k] for k in pick(ORGS, len(org_types))],
            "location_code": [
                f"{counties[c][0]}{100 + k:03d}" for c, k in zip(oi, pick(ORGS, 15), strict=True)
            ],
            "city_code": [counties[c][1] for c in oi],
            "registered_on": [
                dt.date(2017, 6, 1) + dt.timedelta(days=int(d)) for d in pick(ORGS, 800)
            ],
            "from_month": 1,
        }
    )
    helpers_e = experts.sample(n=int(AGREEMENTS * 0.7), replace=True, random_state=seed)
    helpers_o = orgs.sample(n=AGREEMENTS - len(helpers_e), replace=True, random_state=seed)
    starts = [dt.date(2016, 1, 1) + dt.timedelta(days=int(d)) for d in pick(AGREEMENTS, 1400)]
    agreements = _frame(
        {
            "agreement_id": [f"XY{i:07d}" for i in range(AGREEMENTS)],
            "helper_kind": ["expert"] * len(helpers_e) + ["organization"] * len(helpers_o),
            "helper_id": [*helpers_e["expert_id"], *helpers_o["org_id"]],
            "city_code": [*helpers_e["city_code"], *helpers_o["city_code"]],
            "target_kind": np.where(r.random(AGREEMENTS) < 0.25, "village", "household"),
            "target_id": [
                f"{counties[c][0]}101{200 + k:03d}{j:06d}"
                for c, k, j in zip(
                    pick(AGREEMENTS, len(counties)),
                    pick(AGREEMENTS, 50),
                    pick(AGREEMENTS, 999_999),
                    strict=True,
                )
            ],
            "signed_on": starts,
            "start_on": starts,
            "end_on": [
                s + dt.timedelta(days=int(d))
                for s, d in zip(starts, pick(AGREEMENTS, 1500) + 90, strict=True)
            ],
            "goals": "增收",
            "tasks": "培训",
            "measures": "指导",
            "mechanism": "月报",
            "status": np.where(r.random(AGREEMENTS) < 0.8, "active", "completed"),
            "from_month": pick(AGREEMENTS, 12) + 1,
        }
    )
    agreements.loc[agreements["target_kind"] == "village", "target_id"] = agreements[
        "target_id"
    ].str[:12]
    tables = schema.clean_tables()
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        for m, period in enumerate(periods, start=1):
            for city in sorted({c for _, c in counties}):
                sid = f"bench{city}{period}"
                const = {"city_code": city, "period": period, "submission_id": sid}
                for name, frame in (
                    ("experts", experts),
                    ("organizations", orgs),
                    ("agreements", agreements),
                ):
                    part = frame[(frame["city_code"] == city) & (frame["from_month"] <= m)]
                    part = part.drop(columns=["city_code", "from_month"]).reset_index(drop=True)
                    part["row_number"] = np.arange(2, len(part) + 2)
                    counts[name] = counts.get(name, 0) + insert_frame(
                        conn, tables[name], part, const
                    )
                city_experts = experts[
                    (experts["city_code"] == city) & (experts["from_month"] <= m)
                ]
                n = ACTIVITIES_PER_MONTH * len(city_experts) // EXPERTS
                ids = city_experts["expert_id"].to_numpy()
                acts = _frame(
                    {
                        "activity_id": [f"HD{i:05d}" for i in range(n)],
                        "kind": "training",
                        "held_on": last_day(period),
                        "county_code": city_experts["county_code"].iloc[0] if n else None,
                        "expert_ids": [";".join(r.choice(ids, int(k) + 1)) for k in pick(n, 3)],
                        "participants": 20,
                        "poor_households": 5,
                        "row_number": np.arange(2, n + 2),
                    }
                )
                counts["activities"] = counts.get("activities", 0) + insert_frame(
                    conn, tables["activities"], acts, const
                )
                towns = _frame(
                    {
                        "township_code": [
                            f"{c}{100 + k:03d}" for c, p in counties if p == city for k in range(15)
                        ],
                    }
                )
                towns["industry"] = [PRODUCTS[k] for k in pick(len(towns), len(PRODUCTS))]
                towns["row_number"] = np.arange(2, len(towns) + 2)
                insert_frame(conn, tables["townships"], towns, const)
                if m == 12:
                    filed = [("expert", e) for e in city_experts["expert_id"]] + [
                        ("organization", o) for o in orgs[orgs["city_code"] == city]["org_id"]
                    ]
                    chosen = [
                        s for s, x in zip(filed, r.random(len(filed)), strict=True) if x < 0.4
                    ]
                    ev = _frame(
                        {
                            "subject_kind": [k for k, _ in chosen],
                            "subject_id": [i for _, i in chosen],
                            "year": YEAR,
                            "score": np.clip(r.normal(80, 8, len(chosen)), 40, 99.5).round(1),
                            "city_recommends": r.random(len(chosen)) < 0.3,
                            "fabrication": np.arange(len(chosen)) == 0,
                            "row_number": np.arange(2, len(chosen) + 2),
                        }
                    )
                    counts["evaluations"] = counts.get("evaluations", 0) + insert_frame(
                        conn, tables["evaluations"], ev, const
                    )
                conn.execute(
                    schema.submission.insert(),
                    {
                        **const,
                        "file_name": f"{city}_{period}.xlsx",
                        "sha256": sid,
                        "received_at": dt.datetime(YEAR, 1, 1),
                        "status": "accepted",
                        "on_time": True,
                        "rows_loaded": 0,
                        "rows_quarantined": 0,
                        "warnings": 0,
                        "outcome": "accepted",
                        "file_path": sid,
                        "size_bytes": 0,
                        "repairs": 0,
                    },
                )
        md = schema.all_tables()
        values, ranking = md.tables["indicator_value"], md.tables["county_ranking"]
        for period in (add_months(f"{YEAR}-12", -12), f"{YEAR}-12"):
            conn.execute(
                values.insert(),
                [
                    {
                        "period": period,
                        "level": "county",
                        "org_code": c,
                        "indicator": f"i{k}",
                        "value": 1.0,
                        "target": 1.0,
                        "attainment": float(r.random()),
                        "carried_forward": False,
                    }
                    for c, _ in counties
                    for k in range(12)
                ],
            )
        conn.execute(
            ranking.insert(),
            [
                {
                    "period": f"{YEAR}-12",
                    "county_code": c,
                    "city_code": p,
                    "lagging": i < 10,
                    "score": 1.0,
                    "rank": i + 1,
                    "lagging_indicators": "",
                    "reasons": "[]",
                }
                for i, (c, p) in enumerate(counties)
            ],
        )
    return counts


def _time(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def measure(url: str, label: str, runs: int, out_dir: Path) -> list[str]:
    engine = make_engine(url)
    migrate.upgrade(engine)
    t = time.perf_counter()
    counts = build_year(engine)
    built = time.perf_counter() - t
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text("analyze"))
    run_date = dt.date(YEAR + 1, 1, 25)
    build, rows = _time(lambda: shortlist.build(engine, YEAR, run_date), runs)
    pub, _ = _time(lambda: shortlist.publish(engine, rows, "recommendation", YEAR), runs)
    files, _ = _time(lambda: notice.write(engine, YEAR, run_date, out_dir), runs)

    def whole_year() -> dict[str, Any]:
        """What the annual task does: the shortlist, then its two files."""
        done = shortlist.run(engine, YEAR, run_date)
        notice.write(engine, YEAR, run_date, out_dir)
        return done

    whole, summary = _time(whole_year, runs)
    pair, found = _time(lambda: pairing.publish(engine, f"{YEAR}-12"), runs)
    engine.dispose()
    ranked = sum(summary["ranked"].values())
    return [
        f"| **{label}** (rows built in {built:.0f} s: {counts['experts']:,} expert, "
        f"{counts['agreements']:,} agreement, {counts['activities']:,} activity, "
        f"{counts['evaluations']:,} evaluation rows) | | |",
        f"| candidates read and judged (`shortlist.build`) | {build:.2f} | {len(rows):,} candidates |",
        f"| rows published (`shortlist.publish`) | {pub:.2f} | |",
        f"| workbook and notice (`notice.write`) | {files:.2f} | |",
        f"| **the year: `shortlist.run` + `notice.write`** | **{whole:.2f}** | {ranked} ranked |",
        f"| pairing of a month (`pairing.publish`, 10 lagging counties) | {pair:.2f} | "
        f"{len(found)} suggestions |",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pg", help="PostgreSQL URL (a fresh schema is created and dropped)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    lines = ["| Step | Time (s), median | Note |", "|---|---:|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        lines += measure(f"sqlite:///{tmp}/w.db", "SQLite", args.runs, Path(tmp) / "out")
        if args.pg:
            name = f"bench_{uuid.uuid4().hex[:8]}"
            admin = sa.create_engine(args.pg)
            with admin.begin() as conn:
                conn.execute(sa.text(f'create schema "{name}"'))
            try:
                sep = "&" if "?" in args.pg else "?"
                url = f"{args.pg}{sep}options=-csearch_path%3D{name}"
                lines += measure(url, "PostgreSQL", args.runs, Path(tmp) / "out-pg")
            finally:
                with admin.begin() as conn:
                    conn.execute(sa.text(f'drop schema "{name}" cascade'))
                admin.dispose()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; nproc {os.cpu_count()}; "
        f"load average {load}; median of {args.runs} runs.\n"
    )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
