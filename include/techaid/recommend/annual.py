"""What each task of the ``annual_recommendations`` DAG calls, so the DAG file stays thin and
every step runs (and is tested) without Airflow.

A run is about the year before its date in the program's time zone (``params.year``
overrides); the run's date is the notice's first day unless configured. Every step is
idempotent: retried or re-run, it leaves the same rows, the same files and one email.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from techaid import config
from techaid.recommend import notice, rules, shortlist
from techaid.warehouse import migrate
from techaid.warehouse.engine import make_engine


def run_day(run_after: dt.datetime) -> dt.date:
    """The run's date in the program's time zone (naive means UTC)."""
    if run_after.tzinfo is None:
        run_after = run_after.replace(tzinfo=dt.UTC)
    return run_after.astimezone(ZoneInfo(config.program().program.timezone)).date()


def run_year(run_after: dt.datetime, override: int | None = None) -> int:
    """The year a run shortlists: ``override``, else the year before the run's date."""
    return int(override) if override else run_day(run_after).year - 1


def prepare(url: str, run_after: dt.datetime, year: int | None = None) -> dict[str, Any]:
    """Check the configuration, bring the warehouse up to date; the run's year and date."""
    config.validate_all()
    rules.load_rules()
    rules.load_keywords()
    migrate.upgrade(make_engine(url))
    return {"year": run_year(run_after, year), "run_date": run_day(run_after).isoformat()}


def publish_shortlist(url: str, plan: dict[str, Any]) -> dict[str, Any]:
    """Compute and publish the year's ``shortlist`` rows; counts for the log."""
    return shortlist.run(url, plan["year"], dt.date.fromisoformat(plan["run_date"]))


def write_files(url: str, plan: dict[str, Any], out_dir: Path | None = None) -> dict[str, str]:
    """``shortlist_<year>.xlsx`` and ``notice_<year>.html`` under the output root."""
    run_date = dt.date.fromisoformat(plan["run_date"])
    written = notice.write(url, plan["year"], run_date, out_dir)
    return {kind: str(path) for kind, path in written.items()}
