"""``python -m techaid.outputs.report --period YYYY-MM [--out DIR] [--url URL] [--county CODE]``.

Writes the month's rollup workbook and page from the warehouse (the ``techaid_warehouse``
connection, or the embedded SQLite file) under the output root, and prints their paths.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from techaid.outputs.report.build import write_rollup
from techaid.outputs.report.data import ReportDataError
from techaid.outputs.report.fonts import CjkFontMissing
from techaid.periods import parse_period
from techaid.warehouse.engine import make_engine


def _period(text: str) -> str:
    try:
        parse_period(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m techaid.outputs.report", description=__doc__)
    parser.add_argument("--period", required=True, type=_period, help="the month, YYYY-MM")
    parser.add_argument("--out", type=Path, help="output root (default: TECHAID_OUTPUT or output/)")
    parser.add_argument("--url", help="warehouse URL (default: the techaid_warehouse connection)")
    parser.add_argument("--county", help="county whose history is charted (default: rank 1)")
    args = parser.parse_args(argv)
    engine = make_engine(args.url)
    started = time.perf_counter()
    try:
        files = write_rollup(engine, args.period, args.out, county=args.county)
    except (ReportDataError, CjkFontMissing) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(files.xlsx)
    print(files.html)
    print(f"({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
