"""What each user got from the runs of some months: ``python -m techaid.outputs.compose 2018-06 ...``.

``make demo`` ends with it: the outbox by kind and status, one office's lagging alert and the
provincial team's report of the last month (as ``.eml`` files when there is no mail server), and
the rollup page.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa

from techaid import config, paths
from techaid.outputs.mail import eml
from techaid.outputs.report import rollup_paths
from techaid.warehouse import engine as wh_engine
from techaid.warehouse.schema import email_outbox as T


def _where(row: sa.Row, out_dir: Path) -> str:
    if row.status == "written":
        return str(eml.path_for(out_dir, row.dedupe_key))
    return f"{row.status} to {row.recipients} (key {row.dedupe_key})"


def report(engine: sa.Engine, periods: Sequence[str]) -> str:
    out_dir = eml.outbox_dir()
    with engine.connect() as conn:
        counts = conn.execute(
            sa.select(T.c.kind, T.c.status, sa.func.count())
            .where(T.c.period.in_(list(periods)))
            .group_by(T.c.kind, T.c.status)
            .order_by(T.c.kind, T.c.status)
        ).all()
        last = max(periods)
        alert = conn.execute(
            sa.select(T)
            .where(T.c.kind == "lagging_alert", T.c.period == last)
            .order_by(T.c.city_code)
            .limit(1)
        ).first()
        team = conn.execute(
            sa.select(T).where(T.c.kind == "provincial_report", T.c.period == last)
        ).first()
    lines = [f"Emails of {', '.join(periods)} (table email_outbox; files in {out_dir}):"]
    lines += [f"  {kind:18} {status:8} {n:>4}" for kind, status, n in counts] or ["  none"]
    if alert is not None:
        city = config.hierarchy().name(alert.city_code or "")
        lines.append(
            f"A municipal office's lagging alert ({city}, {last}): {_where(alert, out_dir)}"
        )
    if team is not None:
        lines.append(f"The provincial team's report email ({last}): {_where(team, out_dir)}")
    html = rollup_paths(last, paths.output_root())[1]
    if html.exists():
        lines.append(f"The provincial rollup page ({last}): {html}")
    lines.append("Read an .eml in any mail client, or: python -m techaid.outputs.mail FILE.eml")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m techaid.outputs.compose", description=__doc__)
    parser.add_argument("periods", nargs="+", help="YYYY-MM")
    parser.add_argument("--warehouse", help="SQLAlchemy URL (default: the configured warehouse)")
    args = parser.parse_args(argv)
    engine = wh_engine.make_engine(wh_engine.warehouse_url(args.warehouse))
    print(report(engine, args.periods))
    return 0


if __name__ == "__main__":
    sys.exit(main())
