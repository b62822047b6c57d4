"""Print a year's published shortlist: ``python -m techaid.recommend 2019 [--warehouse URL]``.

What ``make shortlist`` shows after the run: the ranked experts and organizations with their
scores, how many were excluded for each reason, and where the workbook and notice are.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from techaid.recommend import eligibility, notice
from techaid.recommend.shortlist import RANKED, read
from techaid.warehouse.engine import make_engine


def report(rows: list[dict], year: int, top: int | None = None) -> str:
    """The year's shortlist as text: the ranked (the first ``top`` of each kind when given), then
    the count of exclusions by reason."""
    ranked = [r for r in rows if r["status"] == RANKED]
    lines = [f"Shortlist {year}: {len(ranked)} ranked, {len(rows) - len(ranked)} excluded"]
    if ranked:
        lines.append(f"notice {ranked[0]['notice_start']} .. {ranked[0]['notice_end']}")
    shown = [r for r in ranked if top is None or r["rank"] <= top]
    for r in shown:
        lines.append(
            f"  {r['subject_kind']:<12} {r['rank']:>3}  {r['score']:>8.2f}  {r['subject_id']:<16} "
            f"{r['display_name'] or ''}  ({r['affiliation'] or ''})"
        )
    if len(shown) < len(ranked):
        lines.append(f"  ... {len(ranked) - len(shown)} more ranked (all in the workbook)")
    reasons = Counter(r["reasons"] for r in rows if r["status"] != RANKED)
    for code in eligibility.REASONS:
        if reasons[code]:
            lines.append(f"  excluded {code:<22} {reasons[code]:>6}  {eligibility.REASON_ZH[code]}")
    lines.append(f"Files: {notice.xlsx_path(year)}  {notice.html_path(year)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("year", type=int)
    parser.add_argument("--warehouse", help="SQLAlchemy URL (default: the configured warehouse)")
    parser.add_argument("--top", type=int, help="show only the first N ranked of each kind")
    args = parser.parse_args(argv)
    print(report(read(make_engine(args.warehouse), args.year), args.year, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
