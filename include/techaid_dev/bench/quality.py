"""The validation part: GX on a province's month of households, warm, beside plain pandas.

It reuses :mod:`techaid_dev.bench.validation` (its synthetic province-in-one-file and its pandas
version of the households rules), so both benches measure the same thing; this module only runs
it in a child process (for the peak memory) and turns the figures into report rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from techaid_dev.bench.child import run_job
from techaid_dev.bench.report import Row

PROVINCE_HOUSEHOLDS = 1_900_000


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The fastest of ``repeat`` runs (the least disturbed by the rest of the machine)."""
    best, result = float("inf"), None
    for _ in range(max(repeat, 1)):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def measure(households: int, repeat: int) -> tuple[dict[str, float], dict[str, int], dict]:
    """Child side: the quality bench's measurements, returned instead of printed."""
    from techaid_dev.bench import validation as qbench

    seconds: dict[str, float] = {}
    start = time.perf_counter()
    parsed, ctx = qbench.synthetic_file(households)
    seconds["build"] = time.perf_counter() - start
    start = time.perf_counter()
    from techaid.quality import gx_runner
    from techaid.quality.check import check_file, suite_parameters

    gx_runner.engine()
    seconds["gx_import"] = time.perf_counter() - start
    frame = parsed.sheets["households"].frame
    params = suite_parameters(parsed, ctx)
    gx_runner.validate_frame("households", frame.head(100), params)  # warm: suite loaded
    seconds["gx_households"], fails = best_of(
        lambda: gx_runner.validate_frame("households", frame, params), repeat
    )
    seconds["pandas_households"], bad = best_of(
        lambda: qbench.pandas_households(frame, None), repeat
    )
    seconds["check_file"], found = best_of(lambda: check_file(parsed, ctx), repeat)
    register = ctx.register_households
    seconds["pandas_all"], _ = best_of(lambda: qbench.pandas_households(frame, register), repeat)
    rows = {"households": len(frame), "rows": sum(len(s.frame) for s in parsed.sheets.values())}
    extra = {"gx_failing_rows": len(fails), "pandas_bad_rows": int(bad), "findings": len(found)}
    return seconds, rows, extra


def run(scale: float, repeat: int, work: Path) -> tuple[list[Row], dict[str, Any]]:
    """Parent side: one child, its figures as rows (GX against pandas as the floor)."""
    households = max(int(PROVINCE_HOUSEHOLDS * scale), 1000)
    r = run_job("quality", {"households": households, "repeat": repeat}, work / "quality")
    s, n = r.seconds, r.rows
    rows = [
        Row(
            label="build the synthetic file",
            seconds=s["build"],
            rows=n["rows"],
            note="not measured against",
        ),
        Row(
            label="GX import and context (once per process)",
            seconds=s["gx_import"],
            rss_mb=r.rss_mb,
        ),
        Row(
            label="households suite, GX (warm)",
            seconds=s["gx_households"],
            rows=n["households"],
            floor_s=s["pandas_households"],
            note="floor: the same rules in pandas",
        ),
        Row(
            label="check_file, every suite and context check",
            seconds=s["check_file"],
            rows=n["rows"],
            floor_s=s["pandas_all"],
            note="floor: households rules + register in pandas",
        ),
    ]
    facts = {"households": households, "repeat": repeat, **r.extra, "rss_mb": r.rss_mb, **s}
    return rows, facts
