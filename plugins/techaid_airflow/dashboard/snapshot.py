"""``python -m techaid_airflow.dashboard.snapshot [--period YYYY-MM] --png FILE [--url URL]``.

Photographs the dashboard's page of a month (default: the latest computed) for the README
(``make screenshots``): the page the app serves, rendered from the warehouse by the same code
(without Airflow's frame and login) into a temporary file, and taken by the rollup report's
headless Chromium (:func:`techaid.outputs.report.screenshot.screenshot`).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from techaid.outputs.report.data import ReportDataError, computed_periods, read_rollup
from techaid.outputs.report.screenshot import screenshot
from techaid.warehouse.engine import make_engine
from techaid_airflow.dashboard import views

BASE = "/techaid/"  # the links as the app at /techaid shows them


def render_page(url: str | None, period: str | None, county: str | None = None) -> str:
    """The dashboard's HTML of ``period`` (default the latest computed month)."""
    engine = make_engine(url)
    try:
        known = computed_periods(engine)
        chosen = period or (known[-1] if known else None)
        if chosen is None:
            raise ReportDataError("no month has been computed yet (`make demo` computes three)")
        rollup = read_rollup(engine, chosen, county)
    finally:
        engine.dispose()
    return views.render_overview(rollup, known, views.page_links(BASE, chosen))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m techaid_airflow.dashboard.snapshot", description=__doc__
    )
    parser.add_argument("--period", help="the month, YYYY-MM (default: the latest computed)")
    parser.add_argument("--png", type=Path, required=True, help="where the screenshot goes")
    parser.add_argument("--url", help="warehouse URL (default: the techaid_warehouse connection)")
    parser.add_argument("--county", help="county whose history is drawn (default: rank 1)")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=2300)
    args = parser.parse_args(argv)
    try:
        page = render_page(args.url, args.period, args.county)
    except ReportDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="techaid-dashboard-") as folder:
        html = Path(folder) / "dashboard.html"
        html.write_text(page, encoding="utf-8")
        print(screenshot(html, args.png, args.width, args.height))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
