"""How long the data-quality checks take on a province-sized month, against plain pandas.

    python -m techaid_dev.bench.validation [--households 1900000]

Builds a synthetic file for one city with a province month's worth of households (about 1.9 M
rows; a few hundred bad ones) and modest other sheets, then times, warm (GX imported, suites
loaded): the households suite alone and the same rules written in vectorized pandas, and
:func:`techaid.quality.check.check_file` on the whole file (every suite and context check) against
pandas doing the households rules plus the register lookup. The figures go to docs (no test asserts
timings: they depend on the machine).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from techaid import config
from techaid.intake.model import ParsedFile, ParsedSheet
from techaid.quality import gx_runner
from techaid.quality.check import check_file, suite_parameters
from techaid.quality.context_checks import CheckContext, IdSet, is_member

CITY, PERIOD = "340800", "2018-06"
T = TypeVar("T")

COUNTIES = ["340824", "340825", "340826", "340827", "340828"]


def _typed(sheet: str, data: dict[str, Any], n: int) -> pd.DataFrame:
    """A frame with every schema column (missing ones empty), typed as intake types them."""
    spec = config.schema().sheet(sheet)
    out: dict[str, object] = {"row_number": np.arange(2, n + 2)}
    for name, col in spec.columns.items():
        values = data.get(name, [None] * n)
        if col.type == "int":
            out[name] = pd.array(values, dtype="Int64")
        elif col.type == "decimal":
            out[name] = pd.array(values, dtype="Float64")
        elif col.type == "bool":
            out[name] = pd.array(values, dtype="boolean")
        elif col.type == "date":
            out[name] = pd.Series(values, dtype=object)
        else:
            out[name] = pd.Series(values, dtype="str")
    return pd.DataFrame(out)


def synthetic_file(households: int, seed: int = 7) -> tuple[ParsedFile, CheckContext]:
    rng = np.random.default_rng(seed)
    townships = [f"{c}{i:03d}" for c in COUNTIES for i in range(100, 140)]
    villages = [f"{t}{i:03d}" for t in townships for i in range(200, 215)]
    village_of = rng.choice(villages, households)
    hh_ids = pd.Series(village_of, dtype="str") + pd.Series(
        np.char.zfill(np.arange(households).astype(str), 7), dtype="str"
    )
    techniques = rng.integers(0, 21, households)
    techniques[rng.choice(households, 200, replace=False)] = 25  # a few bad rows
    register = pd.Series(hh_ids, dtype="str")
    hh_ids.iloc[rng.choice(households, 100, replace=False)] = "3408259999990000001"
    n_exp, n_org, n_agr, n_act = 2000, 2000, 20000, 5000
    experts = [f"E{i:05d}" for i in range(n_exp)]
    orgs = [f"O{i:05d}" for i in range(n_org)]
    day = dt.date(2018, 6, 15)
    sheets = {
        "counties": _typed(
            "counties",
            {
                "county_code": COUNTIES,
                **{
                    c: [1] * 5
                    for c in (
                        "expert_stations",
                        "science_caravans",
                        "museum_tours",
                        "school_museums",
                        "consulting_reports",
                        "county_federations",
                        "youth_participants",
                        "pairing_projects",
                        "pairing_workers",
                        "pairing_talents",
                        "pairing_funds",
                    )
                },
            },
            5,
        ),
        "townships": _typed("townships", {"township_code": townships}, len(townships)),
        "villages": _typed(
            "villages",
            {
                "village_code": villages,
                "associations": [1] * len(villages),
                "business_entities": [2] * len(villages),
                "service_covered": [False] * len(villages),
            },
            len(villages),
        ),
        "households": _typed(
            "households",
            {
                "household_id": hh_ids,
                "techniques": techniques,
                "income_projects": rng.integers(0, 21, households),
            },
            households,
        ),
        "experts": _typed(
            "experts",
            {
                "expert_id": experts,
                "source": ["university"] * n_exp,
                "specialty": ["crops"] * n_exp,
                "county_code": rng.choice(COUNTIES, n_exp),
                "phone": ["13912345678"] * n_exp,
            },
            n_exp,
        ),
        "organizations": _typed(
            "organizations",
            {
                "org_id": orgs,
                "org_type": ["cooperative"] * (n_org - 5) + ["expert_station"] * 5,
                "location_code": rng.choice(villages, n_org),
            },
            n_org,
        ),
        "agreements": _typed(
            "agreements",
            {
                "agreement_id": [f"A{i:06d}" for i in range(n_agr)],
                "helper_kind": ["expert"] * n_agr,
                "helper_id": rng.choice(experts, n_agr),
                "target_kind": ["village"] * n_agr,
                "target_id": rng.choice(villages, n_agr),
                "start_on": [dt.date(2018, 1, 1)] * n_agr,
                "end_on": [dt.date(2018, 12, 31)] * n_agr,
                **{c: ["x"] * n_agr for c in ("goals", "tasks", "measures", "mechanism")},
                "status": ["active"] * n_agr,
            },
            n_agr,
        ),
        "activities": _typed(
            "activities",
            {
                "activity_id": [f"T{i:06d}" for i in range(n_act)],
                "kind": ["training"] * n_act,
                "held_on": [day] * n_act,
                "county_code": ["340825"] * n_act,
                "village_code": rng.choice(villages[600:1200], n_act),
                "expert_ids": rng.choice(experts, n_act),
                "participants": [10] * n_act,
                "poor_households": [3] * n_act,
            },
            n_act,
        ),
    }
    parsed = ParsedFile(CITY, PERIOD, {}, {k: ParsedSheet(k, f) for k, f in sheets.items()})
    ctx = CheckContext.for_city(CITY, PERIOD, register_households=register, register_villages=None)
    return parsed, ctx


def pandas_households(frame: pd.DataFrame, register: IdSet | None) -> int:
    """The households rules in plain vectorized pandas: ranges, unique key, (register)."""
    bad = (
        ~frame["techniques"].between(0, 20).fillna(True)
        | ~frame["income_projects"].between(0, 20).fillna(True)
        | frame["household_id"].duplicated(keep=False)
    )
    if register is not None:
        bad |= frame["household_id"].notna().to_numpy() & ~is_member(
            frame["household_id"], register
        )
    return int(bad.sum())


def _best(fn: Callable[[], T], repeat: int) -> tuple[float, T]:
    """The fastest of ``repeat`` runs (at least one) and the last run's result."""
    seconds = []
    for _ in range(max(repeat, 1)):
        t = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - t)
    return min(seconds), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m techaid_dev.bench.validation")
    parser.add_argument("--households", type=int, default=1_900_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    t = time.perf_counter()
    parsed, ctx = synthetic_file(args.households)
    print(f"synthetic file: {time.perf_counter() - t:.1f} s, {args.households:,} households")
    t = time.perf_counter()
    gx_runner.engine()
    print(f"GX import and context: {time.perf_counter() - t:.1f} s (once per process)")
    frame = parsed.sheets["households"].frame
    params = suite_parameters(parsed, ctx)
    gx_runner.validate_frame("households", frame.head(100), params)  # warm: suite loaded
    gx_s, fails = _best(lambda: gx_runner.validate_frame("households", frame, params), args.repeat)
    pd_s, bad = _best(lambda: pandas_households(frame, None), args.repeat)
    print(f"households suite (GX): {gx_s:.2f} s, {len(fails)} failing rows")
    print(f"same rules in pandas:  {pd_s:.2f} s, {bad} bad rows; ratio {gx_s / pd_s:.1f}x")
    all_s, found = _best(lambda: check_file(parsed, ctx), args.repeat)
    reg = ctx.register_households
    pd_all, bad = _best(lambda: pandas_households(frame, reg), args.repeat)
    print(f"check_file, all sheets and context checks: {all_s:.2f} s, {len(found)} findings")
    print(f"households rules + register in pandas: {pd_all:.2f} s; ratio {all_s / pd_all:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
