"""The whole monthly run at Anhui scale on PostgreSQL, phase by phase, beside its floor.

``python -m techaid_dev.bench.run [--scale S]`` (``make bench-run``): one synthetic month is
written into a temporary landing area (in a child process, so its memory is not counted), then
``monthly_reporting``'s pipeline functions run in this process in the order the DAG runs them,
the nine cities one after another as ``airflow dags test`` runs them, into a fresh PostgreSQL
schema dropped afterwards. The floor is measured in the same run, so the ratio survives a loaded
machine: pyarrow reading the same files and COPY of the same rows (child processes, from
:mod:`techaid_dev.bench.floor`) plus DuckDB computing the same county values over the loaded
rows exported to Parquet (:func:`techaid_dev.bench.indicators.duckdb_floor`).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import os
import pstats
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from techaid import paths
from techaid_dev.bench import indicators as ind
from techaid_dev.bench.child import run_job
from techaid_dev.bench.report import machine, write_section
from techaid_dev.bench.scratch import fresh_schema, pipeline_env

DEFAULT_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
DOC = paths.DOCS_DIR / "benchmarks.md"


@dataclass
class AirflowRun:
    """The same month through ``airflow dags test`` (as ``make run``), in a process of its own."""

    seconds: float
    tasks: str  # task instances by state, e.g. "40 success, 2 skipped"
    state: str
    log: Path


@dataclass
class RunFigures:
    """What one bench run measured."""

    scale: float
    period: str
    phases: dict[str, float] = field(default_factory=dict)
    floor: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    rss_mb: float = 0.0
    children_rss_mb: float = 0.0
    load: list[str] = field(default_factory=list)
    machine: str = ""
    top: list[str] = field(default_factory=list)
    airflow: AirflowRun | None = None
    settled: list[float] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(self.phases.values())

    @property
    def floor_total(self) -> float:
        return sum(self.floor.values())


def _rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def monthly_run(url: str, period: str, landing: Path) -> tuple[dict[str, float], dict[str, Any]]:
    """``monthly_reporting``'s tasks in the DAG's order; seconds per phase (per-city phases
    summed over the nine cities)."""
    seconds: dict[str, float] = {}

    def timed(key: str, fn: Callable[..., Any], *args: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args)
        finally:
            seconds[key] = seconds.get(key, 0.0) + time.perf_counter() - start

    start = time.perf_counter()
    from techaid import pipeline
    from techaid.quality import gx_runner

    gx_runner.engine()
    seconds["imports (pipeline, GX)"] = time.perf_counter() - start
    run_after = dt.datetime.now(dt.UTC)
    timed("prepare", pipeline.prepare, url)
    plans = timed(
        "discover (hash, register read and load)", pipeline.discover, url, period, str(landing)
    )
    for plan in plans:
        staged = timed("read (9 cities)", pipeline.read_city, plan)
        checked = timed("check (9 cities)", pipeline.check_city, url, staged)
        timed("load (9 cities)", pipeline.load_city, url, checked)
    timed("rollup", pipeline.rollup, url, period, plans)
    quality = timed("publish_quality", pipeline.publish_quality, url, period, plans)
    timed("summarize", pipeline.summarize, url, period)
    timed("suggest_pairing", pipeline.suggest_pairing, url, period)
    composed = timed("compose_emails", pipeline.compose_emails, url, period, plans, run_after)
    timed("provincial_report", pipeline.provincial_report, url, period)
    sent = timed("send_outbox", pipeline.send_outbox, url, None, run_after)
    return seconds, {"quality": quality, "composed": composed, "sent": sent}


def floor(
    url: str, run_url: str, period: str, landing: Path, work: Path, repeat: int
) -> tuple[dict[str, float], float]:
    """Read (pyarrow), COPY (a fresh schema of its own), and DuckDB's county values over the rows
    the run loaded (``run_url``)."""
    from techaid import config
    from techaid.warehouse.engine import make_engine

    read = run_job("floor_read", {"landing": str(landing)}, work)
    with fresh_schema(url) as floor_url:
        copied = run_job(
            "floor_copy", {"url": floor_url, "landing": str(landing), "period": period}, work
        )
    engine = make_engine(run_url)
    parquet = work / "parquet"
    ind.export_parquet(engine, parquet, period)
    engine.dispose()
    program_start = config.program().program.start
    times, _, _ = ind.duckdb_floor(parquet, period, program_start, repeat)
    parts = {
        "pyarrow read": sum(read.seconds.values()),
        "DuckDB county values (median)": sorted(times)[len(times) // 2],
        "COPY": sum(copied.seconds.values()),
    }
    return parts, max(read.rss_mb, copied.rss_mb)


def airflow_run(url: str, period: str, landing: Path, work: Path) -> AirflowRun:
    """``airflow dags test monthly_reporting`` on the same files into a fresh schema, timed from
    the command's start to its end (interpreter start-up, DAG parsing and every task's Airflow
    overhead included); the metadata database is migrated first, untimed."""
    home = work / "airflow-home"
    home.mkdir()
    root = paths.PROJECT_ROOT
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(root / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(root / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW_CONN_TECHAID_WAREHOUSE": url,
        "TECHAID_LANDING": str(landing),
        "TECHAID_OUTPUT": str(work / "airflow-output"),
        "TECHAID_DATA": str(work / "airflow-data"),
    }
    airflow = str(Path(sys.executable).parent / "airflow")
    log = work / "airflow-run.log"
    with log.open("w", encoding="utf-8") as out:
        subprocess.run([airflow, "db", "migrate"], env=env, stdout=out, stderr=out, check=True)
        conf = json.dumps({"period": period})
        start = time.perf_counter()
        code = subprocess.run(
            [airflow, "dags", "test", "monthly_reporting", "-c", conf],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        ).returncode
        seconds = time.perf_counter() - start
    with sqlite3.connect(home / "airflow.db") as db:
        states = dict(db.execute("select state, count(*) from task_instance group by state"))
        run_state = db.execute("select state from dag_run").fetchone()
    state = run_state[0] if run_state and code == 0 else f"failed (exit {code}; log {log})"
    tasks = ", ".join(f"{n} {s}" for s, n in sorted(states.items(), key=lambda kv: str(kv[0])))
    return AirflowRun(seconds, tasks, state, log)


def settled_computation(url: str, period: str, repeat: int = 3) -> list[float]:
    """The month's indicators computed again after ``VACUUM ANALYZE``: with statistics settled,
    this is what the query plans cost at their best, to set beside the rollup's first computation
    right after the load (a month just loaded is otherwise planned as one row)."""
    from techaid.indicators import compute
    from techaid.warehouse.engine import make_engine

    engine = make_engine(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("vacuum analyze"))
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        compute.compute_period(engine, period)
        times.append(time.perf_counter() - start)
    engine.dispose()
    return times


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def bench(
    url: str,
    scale: float,
    period: str,
    seed: int,
    profile: Path | None,
    log: Callable[[str], None],
    through_airflow: bool = True,
) -> RunFigures:
    fig = RunFigures(scale, period, load=[_load()])
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        work = Path(tmp)
        landing = work / "landing"
        log(f"generate: {period} at scale {scale:g} (child process, not measured)")
        generated = run_job(
            "generate",
            {"landing": str(landing), "period": period, "scale": scale, "seed": seed, "fmt": "zip"},
            work,
        )
        with fresh_schema(url) as run_url, pipeline_env(landing, work, run_url):
            from techaid.warehouse.engine import make_engine

            fig.machine = machine(ind.server_facts(make_engine(run_url)))
            log("monthly_reporting, task by task")
            prof = cProfile.Profile() if profile else None
            if prof:
                prof.enable()
            fig.phases, _ = monthly_run(run_url, period, landing)
            if prof is not None and profile is not None:
                prof.disable()
                prof.dump_stats(profile)
                fig.top = top_functions(profile)
            fig.rss_mb = _rss_mb(resource.RUSAGE_SELF)
            fig.load.append(_load())
            fig.settled = settled_computation(run_url, period)
            fig.rows = ind.row_counts(
                make_engine(run_url), ("clean_households", "register_households")
            )
            for key, s in fig.phases.items():
                log(f"  {key}: {s:.2f} s")
            log(f"  {fig.total:.1f} s; peak RSS {fig.rss_mb:.0f} MB; floor next")
            fig.floor, floor_rss = floor(url, run_url, period, landing, work, repeat=3)
        if through_airflow:
            log("the same month through airflow dags test (a fresh schema)")
            with fresh_schema(url) as air_url:
                fig.airflow = airflow_run(air_url, period, landing, work)
            log(f"  {fig.airflow.seconds:.1f} s, {fig.airflow.state}")
        # Each child's own peak: RUSAGE_CHILDREN would count the parent's pages copied at fork.
        fig.children_rss_mb = max(generated.rss_mb, floor_rss)
        fig.load.append(_load())
    return fig


def top_functions(path: Path, n: int = 15) -> list[str]:
    """The profile's heaviest functions by cumulative time, inside the project's own code."""
    stats = pstats.Stats(str(path))
    rows = []
    for (file, line, name), (_, _, tt, ct, _) in stats.stats.items():  # type: ignore[attr-defined]
        if "/techaid/" in file:
            rows.append((ct, tt, f"{Path(file).parent.name}/{Path(file).name}:{line} {name}"))
    rows.sort(reverse=True)
    return [f"{ct:7.1f} s cumulative, {tt:6.1f} s own: {label}" for ct, tt, label in rows[:n]]


def section(fig: RunFigures, earlier: str = "") -> str:
    ratio = fig.total / fig.floor_total if fig.floor_total else float("nan")
    lines = [
        "## The whole monthly run (`make bench-run`)",
        "",
        f"`monthly_reporting` for {fig.period} at scale {fig.scale:g} "
        f"({fig.rows.get('clean_households', 0):,} household rows loaded, "
        f"{fig.rows.get('register_households', 0):,} register rows) on PostgreSQL, its tasks "
        "called in the DAG's order in one process (the cities one after another, as "
        "`airflow dags test` runs them), beside the floor measured in the same run.",
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {fig.machine}.",
        f"Load average (1/5/15 min) at start, after the run, at the end: {' | '.join(fig.load)}.",
        "",
        f"**{fig.total:.1f} s, {ratio:.1f}× the floor ({fig.floor_total:.1f} s); "
        f"peak RSS {fig.rss_mb:,.0f} MB** (the run's process; largest child, the generator or "
        f"the floor's: {fig.children_rss_mb:,.0f} MB).",
        "",
        "| Phase | Time (s) | Share |",
        "|---|---:|---:|",
    ]
    for key, s in sorted(fig.phases.items(), key=lambda kv: -kv[1]):
        lines.append(f"| {key} | {s:.2f} | {100 * s / fig.total:.0f} % |")
    lines += ["", "| Floor part | Time (s) |", "|---|---:|"]
    lines += [f"| {k} | {s:.2f} |" for k, s in fig.floor.items()]
    if fig.settled:
        settled = sorted(fig.settled)[len(fig.settled) // 2]
        first = fig.phases.get("rollup", float("nan"))
        lines += [
            "",
            f"**Query plans after the load**: the rollup's first computation of the month, right "
            f"after the load as the DAG runs it, {first:.2f} s; the same month computed again "
            f"after `VACUUM ANALYZE` (settled statistics, median of "
            f"{', '.join(f'{t:.2f}' for t in fig.settled)}) {settled:.2f} s, so "
            f"{first / settled:.1f}× the settled time.",
        ]
    if fig.airflow is not None:
        air = fig.airflow
        air_ratio = air.seconds / fig.floor_total if fig.floor_total else float("nan")
        lines += [
            "",
            f"**Through Airflow** (`airflow dags test monthly_reporting`, as `make run` runs it, in "
            f"a process of its own, into a fresh schema, on the same files): **{air.seconds:.1f} s, "
            f"{air_ratio:.1f}× the floor**, run {air.state} (task instances: {air.tasks}); interpreter start-up, DAG parsing and "
            f"each task's Airflow overhead included, the metadata database's migration not.",
        ]
    if fig.top:
        lines += ["", "Heaviest project functions (cProfile, cumulative):", "", "```"]
        lines += [*fig.top, "```"]
    if earlier:
        lines += ["", earlier.strip()]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m techaid_dev.bench.run", description=__doc__)
    p.add_argument("--url", default=os.environ.get("BENCH_PG_URL", DEFAULT_URL))
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--period", default="2018-03")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--profile", type=Path, help="write a cProfile of the run here")
    p.add_argument("--doc", type=Path, help="write the section into this file")
    p.add_argument("--notes", type=Path, help="text appended to the section (before/after notes)")
    p.add_argument(
        "--no-airflow",
        action="store_true",
        help="skip the second run of the month through `airflow dags test`",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    fig = bench(
        args.url, args.scale, args.period, args.seed, args.profile, print, not args.no_airflow
    )
    notes = args.notes.read_text(encoding="utf-8") if args.notes else ""
    body = section(fig, notes)
    print(body)
    if args.doc:
        part = "run" if args.scale == 1.0 else f"run-scale-{args.scale:g}"
        write_section(args.doc, part, body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
