"""The measured parts, each run alone in a child process (``python -m techaid_dev.bench.jobs``).

The pipeline parts call the monthly run's own functions (:mod:`techaid.pipeline`) in the order
the DAG does, the nine cities one after another (one worker), handing plans between parts as JSON
files the way XComs hand them between Airflow tasks. Imports are timed apart from the work: under
Airflow every task pays them, but they say nothing about how the code scales with the data.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from techaid.warehouse import reads

Seconds = dict[str, float]
Rows = dict[str, int]
Outcome = tuple[Seconds, Rows, dict[str, Any]]


@contextmanager
def timed(seconds: Seconds, key: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        seconds[key] = seconds.get(key, 0.0) + time.perf_counter() - start


def _write(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- the landing area


def generate(landing: str, period: str, scale: float, seed: int, fmt: str) -> Outcome:
    """One synthetic month (every city, the register) written into ``landing``."""
    seconds: Seconds = {}
    with timed(seconds, "import"):
        from techaid_dev.synthetic.generator import generate as write_month
    with timed(seconds, "generate"):
        write_month(landing, period, period, seed=seed, scale=scale, fmt=fmt)
    files = [p for p in Path(landing).rglob("*") if p.is_file() and p.name != "manifest.json"]
    extra = {"files": len(files), "bytes": sum(p.stat().st_size for p in files)}
    return seconds, {}, extra


# ---------------------------------------------------------------- the monthly run


def prepare(url: str) -> Outcome:
    seconds: Seconds = {}
    with timed(seconds, "import"):
        from techaid import pipeline
    with timed(seconds, "prepare"):
        pipeline.prepare(url)
    return seconds, {}, {}


def discover_read(url: str, period: str, landing: str, work: str) -> Outcome:
    """Discovery (hashing, the register read and loaded) then every city's file parsed and
    staged; the staged plans go to ``work/staged.json`` for the check part."""
    seconds: Seconds = {}
    with timed(seconds, "import"):
        from techaid import pipeline
    with timed(seconds, "discover"):
        plans = pipeline.discover(url, period, landing)
    with timed(seconds, "read"):
        staged = [pipeline.read_city(plan) for plan in plans]
    _write(Path(work) / "staged.json", staged)
    rows = {**_register_rows(url), "parsed": _staged_rows(staged)}
    files = sum(len(s["versions"]) for s in staged)
    return seconds, rows, {"files": files}


def check(url: str, work: str) -> Outcome:
    """Every city's staged file through the quality rules; GX's import is timed apart (it is
    paid once per process, whatever the data)."""
    seconds: Seconds = {}
    with timed(seconds, "import"):
        from techaid import pipeline
    with timed(seconds, "gx_import"):
        from techaid.quality import gx_runner

        gx_runner.engine()
    staged = _read(Path(work) / "staged.json")
    with timed(seconds, "check"):
        checked = [pipeline.check_city(url, s) for s in staged]
    _write(Path(work) / "checked.json", checked)
    return seconds, {"parsed": _staged_rows(staged)}, {}


def load(url: str, period: str, work: str) -> Outcome:
    seconds: Seconds = {}
    with timed(seconds, "import"):
        from techaid import pipeline
    checked = _read(Path(work) / "checked.json")
    with timed(seconds, "load"):
        done = [pipeline.load_city(url, c) for c in checked]
    statuses = [v["status"] for d in done for v in d["loaded"]]
    return seconds, {"loaded": _loaded_rows(url, period)}, {"statuses": statuses}


def _staged_rows(staged: list[dict[str, Any]]) -> int:
    """Rows of every sheet parsed into staging (from the Parquet footers: nothing is read)."""
    import pyarrow.parquet as pq

    from techaid import paths

    total = 0
    for plan in staged:
        for v in plan["versions"]:
            out = paths.staging_root() / v["submission_id"]
            total += sum(pq.read_metadata(p).num_rows for p in out.glob("parsed.*.parquet"))
    return total


def _register_rows(url: str) -> Rows:
    import sqlalchemy as sa

    from techaid.warehouse import engine, schema

    t = schema.register_version
    query = sa.select(sa.func.sum(t.c.villages), sa.func.sum(t.c.households))
    with engine.make_engine(url).connect() as conn:
        villages, households = conn.execute(query.where(t.c.status == "accepted")).one()
    return {"register": int(villages or 0) + int(households or 0)}


def _loaded_rows(url: str, period: str) -> int:
    from techaid.warehouse import engine

    subs = reads.current_submissions(engine.make_engine(url), period, current_only=True)
    return int(subs["rows_loaded"].sum()) if len(subs) else 0


# ---------------------------------------------------------------- the floor and the checks


def floor_read(landing: str) -> Outcome:
    from techaid_dev.bench import floor

    seconds: Seconds = {}
    with timed(seconds, "register_read"):
        register = floor.read_registers(landing)
    with timed(seconds, "submissions_read"):
        submissions = floor.read_submissions(landing)
    rows = {"register": floor.count(register), "submissions": floor.count(submissions)}
    return seconds, rows, {}


def floor_copy(url: str, landing: str, period: str) -> Outcome:
    """The same rows into the same (freshly migrated) tables by COPY; reading is not timed here
    (floor_read times it)."""
    from techaid.warehouse import engine, migrate
    from techaid_dev.bench import floor

    eng = engine.make_engine(url)
    migrate.upgrade(eng)
    register, submissions = floor.read_registers(landing), floor.read_submissions(landing)
    seconds: Seconds = {}
    with timed(seconds, "register_copy"):
        n_register = floor.copy_registers(eng, register)
    with timed(seconds, "submissions_copy"):
        n_submissions = floor.copy_submissions(eng, submissions, period)
    return seconds, {"register": n_register, "submissions": n_submissions}, {}


def quality(households: int, repeat: int) -> Outcome:
    from techaid_dev.bench import quality as q

    return q.measure(households, repeat)


JOBS: dict[str, Callable[..., Outcome]] = {
    "generate": generate,
    "prepare": prepare,
    "discover_read": discover_read,
    "check": check,
    "load": load,
    "floor_read": floor_read,
    "floor_copy": floor_copy,
    "quality": quality,
}


def peak_rss_mb() -> float:
    """This process's peak resident set size (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def main(argv: list[str] | None = None) -> int:
    name, args_path, out_path = argv if argv is not None else sys.argv[1:]
    seconds, rows, extra = JOBS[name](**_read(Path(args_path)))
    result = {"seconds": seconds, "rows": rows, "rss_mb": peak_rss_mb(), "extra": extra}
    _write(Path(out_path), result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
