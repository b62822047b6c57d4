"""Write one month's rollup files: ``<out>/<period>/rollup_<period>.xlsx`` and ``.html``.

Idempotent: the files depend only on the warehouse's content, so a re-run (a retried task, a
recomputed month) rewrites identical bytes, and readers never see half a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from techaid.outputs.report import charts as chart_module
from techaid.outputs.report.data import read_rollup
from techaid.outputs.report.html import render_html
from techaid.outputs.report.workbook import workbook_bytes
from techaid.paths import output_root
from techaid.periods import parse_period
from techaid.stable_files import write_atomic


@dataclass(frozen=True)
class RollupFiles:
    """The files written, and the chart PNGs (name -> bytes) for the provincial email."""

    xlsx: Path
    html: Path
    charts: dict[str, bytes]


def rollup_paths(period: str, out_root: Path | None = None) -> tuple[Path, Path]:
    """Where a period's workbook and page go under the output root."""
    parse_period(period)
    folder = Path(out_root or output_root()) / period
    return folder / f"rollup_{period}.xlsx", folder / f"rollup_{period}.html"


def write_rollup(
    engine: Engine, period: str, out_root: Path | None = None, county: str | None = None
) -> RollupFiles:
    """Read the month's rollup from the warehouse and write its workbook and page.

    ``county`` picks the county whose history is charted (default: rank 1, furthest behind).
    """
    rollup = read_rollup(engine, period, county)
    pngs = chart_module.render(rollup)
    xlsx, html = rollup_paths(period, out_root)
    write_atomic(xlsx, workbook_bytes(rollup))
    write_atomic(html, render_html(rollup, pngs).encode("utf-8"))
    return RollupFiles(xlsx=xlsx, html=html, charts=pngs)
