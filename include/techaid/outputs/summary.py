"""Print what a run did, from the warehouse: `python -m techaid.outputs.summary 2018-06 [2018-07 ...]`.

`make run` and `make demo` end with it, so the person at the terminal sees what was accepted,
repaired, quarantined and refused, and where to look next.
"""

from __future__ import annotations

import argparse
import sys

import sqlalchemy as sa

from techaid import paths
from techaid.warehouse import engine as wh_engine
from techaid.warehouse.schema import dq_issue, repair_count, submission


def period_report(engine: sa.Engine, period: str) -> str:
    """One line per file version of the period, then its refusals and top row problems."""
    with engine.connect() as conn:
        subs = conn.execute(
            sa.select(submission)
            .where(submission.c.period == period)
            .order_by(submission.c.city_code, submission.c.received_at)
        ).all()
        ids = [s.submission_id for s in subs]
        repairs = dict(
            conn.execute(
                sa.select(repair_count.c.submission_id, sa.func.sum(repair_count.c.count))
                .where(repair_count.c.submission_id.in_(ids))
                .group_by(repair_count.c.submission_id)
            ).all()
        )
        fatal = dict(
            conn.execute(
                sa.select(dq_issue.c.submission_id, dq_issue.c.message).where(
                    dq_issue.c.submission_id.in_(ids), dq_issue.c.severity == "fatal"
                )
            ).all()
        )
    lines = [f"{period}: {len(subs)} file version(s)"]
    header = f"  {'city':6} {'status':21} {'on time':7} {'loaded':>8} {'quarant.':>8} {'repairs':>8} {'warn':>5}  file"
    lines.append(header)
    for s in subs:
        lines.append(
            f"  {s.city_code or '-':6} {s.status:21} {_yn(s.on_time):7} {s.rows_loaded:>8}"
            f" {s.rows_quarantined:>8} {repairs.get(s.submission_id, 0) or 0:>8} {s.warnings:>5}"
            f"  {s.file_name}"
        )
        if s.submission_id in fatal:
            lines.append(f"  {'':6} refused: {fatal[s.submission_id]}")
    return "\n".join(lines)


def _yn(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "LATE")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("periods", nargs="+", help="YYYY-MM")
    parser.add_argument("--warehouse", help="SQLAlchemy URL (default: the configured warehouse)")
    args = parser.parse_args(argv)
    engine = wh_engine.make_engine(wh_engine.warehouse_url(args.warehouse))
    for period in args.periods:
        print(period_report(engine, period))
    out = paths.output_root()
    print(f"\nWarehouse: {engine.url.render_as_string(hide_password=True)}")
    print(f"Reports and feedback: {out}   Staged files: {paths.staging_root()}")
    print("Every finding with row, column and Chinese message: table dq_issue.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
