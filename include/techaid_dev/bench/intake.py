"""The intake part: one generated month through discover+read, check and load, per warehouse.

Each warehouse gets its own staging folder and an empty warehouse (a SQLite file; a fresh
PostgreSQL schema, dropped afterwards), so both runs start from the same state: the register is
new (discovery loads it, about as many rows as the month itself) and every city's file is new.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from techaid_dev.bench.child import JobResult, run_job
from techaid_dev.bench.report import Row
from techaid_dev.bench.scratch import fresh_schema

PERIOD = "2018-06"


@dataclass
class Floor:
    """The floor's seconds by step (reads always; COPYs only with PostgreSQL) and its rows."""

    seconds: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    rss_mb: float = 0.0

    def get(self, *keys: str) -> float | None:
        if not all(k in self.seconds for k in keys):
            return None
        return sum(self.seconds[k] for k in keys)


@dataclass
class Outcome:
    rows: list[Row]
    facts: dict[str, Any]
    notes: list[str]
    totals: dict[str, dict[str, Any]]  # backend -> total seconds, ratio, peak RSS, statuses


# ---------------------------------------------------------------- PostgreSQL schemas


def pg_problem(url: str) -> str | None:
    """None when PostgreSQL answers at ``url``, else why not."""
    try:
        with sa.create_engine(url).connect() as conn:
            conn.execute(sa.text("select 1"))
    except Exception as exc:  # any failure means "not reachable"
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return None


def pg_version(url: str) -> str:
    with sa.create_engine(url).connect() as conn:
        return str(conn.execute(sa.text("show server_version")).scalar())


def checkpoint(url: str) -> None:
    """Flush PostgreSQL's dirty pages before a measured part, so it does not pay for the
    previous part's writes (needs a superuser; skipped otherwise)."""
    with contextlib.suppress(sa.exc.DBAPIError), sa.create_engine(url).begin() as conn:
        conn.execute(sa.text("checkpoint"))


# ---------------------------------------------------------------- the parts


def generate(landing: Path, scale: float, fmt: str, work: Path) -> JobResult:
    args = {"landing": str(landing), "period": PERIOD, "scale": scale, "seed": 7, "fmt": fmt}
    return run_job("generate", args, work)


def measure_floor(landing: Path, pg_url: str | None, work: Path) -> Floor:
    """pyarrow reading the files, then (with PostgreSQL) COPY of the rows into fresh tables."""
    read = run_job("floor_read", {"landing": str(landing)}, work / "floor")
    floor = Floor(dict(read.seconds), dict(read.rows), read.rss_mb)
    if pg_url is not None:
        checkpoint(pg_url)
        with fresh_schema(pg_url) as url:
            args = {"url": url, "landing": str(landing), "period": PERIOD}
            copy = run_job("floor_copy", args, work / "floor")
        floor.seconds.update(copy.seconds)
        floor.rss_mb = max(floor.rss_mb, copy.rss_mb)
    return floor


def run_pipeline(url: str, landing: Path, work: Path) -> dict[str, JobResult]:
    """The monthly run's parts, each in its own process, against the warehouse at ``url``."""
    env = {
        "TECHAID_DATA": str(work / "data"),
        "TECHAID_OUTPUT": str(work / "output"),
        "TECHAID_LANDING": str(landing),
        "AIRFLOW_CONN_TECHAID_WAREHOUSE": url,
    }
    args = {"url": url}
    return {
        "prepare": run_job("prepare", args, work, env),
        "discover_read": run_job(
            "discover_read",
            {**args, "period": PERIOD, "landing": str(landing), "work": str(work)},
            work,
            env,
        ),
        "check": run_job("check", {**args, "work": str(work)}, work, env),
        "load": run_job("load", {**args, "period": PERIOD, "work": str(work)}, work, env),
    }


def backend_rows(label: str, jobs: dict[str, JobResult], floor: Floor) -> list[Row]:
    """The table rows of one warehouse's run."""
    dr, chk, ld = jobs["discover_read"], jobs["check"], jobs["load"]
    s = {
        "prepare": jobs["prepare"].seconds["prepare"],
        "discover": dr.seconds["discover"],
        "read": dr.seconds["read"],
        "check": chk.seconds["check"],
        "load": ld.seconds["load"],
    }
    register, parsed, loaded = dr.rows["register"], dr.rows["parsed"], ld.rows["loaded"]
    total = sum(s.values())
    floor_all = floor.get("register_read", "register_copy", "submissions_read", "submissions_copy")
    peak = max(j.rss_mb for j in jobs.values())
    walls = sum(j.wall for j in jobs.values())
    startup = walls - total
    return [
        Row(label=f"**{label}**", seconds=None),
        Row(
            label="prepare (schema up to date)", seconds=s["prepare"], rss_mb=jobs["prepare"].rss_mb
        ),
        Row(
            label="discover: hash files, read + load the register",
            seconds=s["discover"],
            rows=register,
            floor_s=floor.get("register_read", "register_copy"),
            note="floor: pyarrow read + COPY of the register",
        ),
        Row(
            label=f"read: {dr.extra['files']} files parsed, staged as Parquet",
            seconds=s["read"],
            rows=parsed,
            floor_s=floor.get("submissions_read"),
            note="floor: pyarrow read of the files",
        ),
        Row(
            label="= discover + read (one process)",
            seconds=s["discover"] + s["read"],
            rows=register + parsed,
            rss_mb=dr.rss_mb,
            floor_s=floor.get("register_read", "register_copy", "submissions_read"),
        ),
        Row(
            label="check: quality rules, decisions staged",
            seconds=s["check"],
            rows=parsed,
            rss_mb=chk.rss_mb,
            note=f"GX import apart: {chk.seconds['gx_import']:.1f} s; no floor",
        ),
        Row(
            label="load: versioned load of the clean rows",
            seconds=s["load"],
            rows=loaded,
            rss_mb=ld.rss_mb,
            floor_s=floor.get("submissions_copy"),
            note="floor: COPY of the file rows",
        ),
        Row(
            label="**total** (prepare + discover + read + check + load)",
            seconds=total,
            rows=register + parsed,
            rss_mb=peak,
            floor_s=floor_all,
            note="floor: all reads + all COPYs",
        ),
        Row(
            label="intake + load without check",
            seconds=total - s["check"],
            rows=register + parsed,
            rss_mb=peak,
            floor_s=floor_all,
        ),
        Row(
            label="wall of the 4 processes (start-up, imports, GX import included)",
            seconds=walls,
            note=f"start-up and imports: {startup:.1f} s",
        ),
    ]


def floor_rows(floor: Floor) -> list[Row]:
    s, n = floor.seconds, floor.rows
    rows = [
        Row("**floor** (same files, same rows)", None),
        Row("pyarrow: read the register", s["register_read"], n["register"]),
        Row("pyarrow / calamine: read the monthly files", s["submissions_read"], n["submissions"]),
    ]
    if "register_copy" in s:
        rows += [
            Row("COPY the register into PostgreSQL", s["register_copy"], n["register"]),
            Row("COPY the monthly rows into PostgreSQL", s["submissions_copy"], n["submissions"]),
        ]
        total = sum(s.values())
        rows.append(Row("floor total", total, n["register"] + n["submissions"], floor.rss_mb))
    return rows


def run(
    scale: float, work: Path, backends: list[str], pg_url: str | None, fmt: str = "auto"
) -> Outcome:
    """Generate the month, measure the floor, then the pipeline on each warehouse."""
    notes: list[str] = []
    landing = work / "landing"
    gen = generate(landing, scale, fmt, work / "generate")
    facts: dict[str, Any] = {
        "scale": scale,
        "period": PERIOD,
        "files": gen.extra["files"],
        "landing_mb": gen.extra["bytes"] / 2**20,
        "generate_s": gen.seconds["generate"],
    }
    rows = [
        Row(
            label=f"generate one month (scale {scale:g}, 9 cities, register)",
            seconds=gen.seconds["generate"],
            rss_mb=gen.rss_mb,
            note=f"{gen.extra['files']} files, {facts['landing_mb']:.0f} MB; not measured against",
        ),
    ]
    if "postgres" in backends and pg_url is not None:
        problem = pg_problem(pg_url)
        if problem:
            notes.append(f"PostgreSQL skipped: not reachable at {pg_url} ({problem}).")
            pg_url = None
        else:
            facts["postgres"] = pg_version(pg_url)
    else:
        pg_url = None
    floor = measure_floor(landing, pg_url, work)
    if pg_url is None:
        notes.append("No PostgreSQL: the floor has no COPY, so only reads have a ratio.")
    totals: dict[str, dict[str, Any]] = {}
    for backend in backends:
        label = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[backend]
        bwork = work / backend
        if backend == "sqlite":
            jobs = run_pipeline(f"sqlite:///{bwork / 'warehouse.db'}", landing, bwork)
        elif pg_url is not None:
            checkpoint(pg_url)
            with fresh_schema(pg_url) as url:
                jobs = run_pipeline(url, landing, bwork)
        else:
            continue  # PostgreSQL asked for but not reachable: noted above
        brows = backend_rows(label, jobs, floor)
        rows += brows
        total = next(r for r in brows if r.label.startswith("**total**"))
        no_check = next(r for r in brows if r.label.startswith("intake + load"))
        totals[backend] = {
            "all_s": total.seconds or 0.0,
            "all_ratio": total.ratio,
            "intake_load_s": no_check.seconds or 0.0,
            "intake_load_ratio": no_check.ratio,
            "rss_mb": total.rss_mb or 0.0,
            "statuses": sorted(set(jobs["load"].extra["statuses"])),
        }
    rows += floor_rows(floor)
    return Outcome(rows, facts, notes, totals)
