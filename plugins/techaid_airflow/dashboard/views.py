"""What the dashboard shows, from one month's :class:`~techaid.outputs.report.data.Rollup`.

The pages and the JSON endpoints are built here from the same rows, so both always agree. Pages are
rendered with the rollup report's Jinja environment (autoescaped: names and file names come from
configuration and offices). Nothing here imports Airflow, so ``snapshot`` renders a page without a
server.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from techaid import config
from techaid.outputs.report import charts
from techaid.outputs.report.build import rollup_paths
from techaid.outputs.report.data import (
    HistoryPoint,
    IndicatorRow,
    RankingRow,
    Reason,
    ReportingRow,
    Rollup,
)
from techaid.outputs.report.html import data_uri, environment
from techaid.outputs.report.labels import (
    STATE_FILL,
    STATE_ZH,
    STATUS_COLOUR,
    STATUS_FILL,
    STATUS_ZH,
    indicator_label,
    status_zh,
)
from techaid.outputs.report.workbook import ranking_reasons
from techaid.paths import output_root

OVERVIEW = "dashboard/overview.html.j2"
OUTBOX = "dashboard/outbox.html.j2"
MESSAGE = "dashboard/message.html.j2"

# matplotlib's style context changes process-wide settings: one chart at a time per server.
_CHART_LOCK = threading.Lock()


@dataclass(frozen=True)
class Links:
    """Where the page points: app paths (None when the file does not exist yet)."""

    base: str  # the app's root path, ending in "/"
    workbook: str | None
    data_docs: str | None
    outbox: str


@dataclass(frozen=True)
class OutboxEntry:
    name: str
    href: str
    subject: str
    to: str
    size_kb: float
    modified: str


def _file_href(base: str, path: Path) -> str | None:
    """The app path of a file under the output root (None when it does not exist)."""
    if not path.is_file():
        return None
    return f"{base}files/{path.resolve().relative_to(output_root().resolve()).as_posix()}"


def page_links(base: str, period: str | None = None) -> Links:
    """The navigation of a page at ``base``: the month's workbook, the Data Docs, the outbox."""
    from techaid.outputs.data_docs import docs_dir  # pulls in pandas: only when a page needs it

    workbook = rollup_paths(period)[0] if period else None
    return Links(
        base=base,
        workbook=_file_href(base, workbook) if workbook else None,
        data_docs=_file_href(base, docs_dir() / "index.html"),
        outbox=f"{base}outbox",
    )


# ---------------------------------------------------------------- JSON


def _indicator(row: IndicatorRow) -> dict[str, Any]:
    return {
        "indicator": row.indicator,
        "name": row.label.zh,
        "kind": row.kind,
        "value": row.value,
        "expected": row.expected,
        "target": row.target,
        "attainment": row.attainment,
        "status": row.status,
        "status_zh": status_zh(row.status),
        "carried_forward": row.carried_forward,
        "forecast_period": row.forecast_period,
        "required_monthly_rate": row.required_monthly_rate,
    }


def _reason(reason: Reason) -> dict[str, Any]:
    return {
        "code": reason.code,
        "name": reason.name,
        "status": reason.status,
        "value": reason.value,
        "expected": reason.expected,
        "target": reason.target,
        "gap": reason.gap,
        "forecast_period": reason.forecast_period,
    }


def _ranked(row: RankingRow) -> dict[str, Any]:
    return {
        "rank": row.rank,
        "previous_rank": row.previous_rank,
        "rank_change": row.rank_change,
        "movement": row.movement,
        "county_code": row.county_code,
        "county_name": row.county_name,
        "city_code": row.city_code,
        "city_name": row.city_name,
        "lagging": row.lagging,
        "score": row.score,
        "reasons": [_reason(r) for r in row.reasons],
    }


def _city(row: ReportingRow, lagging_counties: int, counties: int) -> dict[str, Any]:
    return {
        "city_code": row.city_code,
        "city_name": row.city_name,
        "state": row.state,
        "state_zh": STATE_ZH.get(row.state, row.state),
        "on_time": row.on_time,
        "received_local": row.received_local,
        "file_name": row.file_name,
        "versions": row.versions,
        "rows_loaded": row.rows_loaded,
        "rows_quarantined": row.rows_quarantined,
        "warnings": row.warnings,
        "reporting_rate": row.reporting_rate,
        "counties": counties,
        "lagging_counties": lagging_counties,
    }


def cities(rollup: Rollup) -> list[dict[str, Any]]:
    """Each city's month: its submission, reporting rate and lagging counties, in city order."""
    summary = {c.city_code: c for c in rollup.city_summary}
    out = []
    for row in rollup.reporting:
        s = summary.get(row.city_code)
        out.append(_city(row, s.lagging_counties if s else 0, s.counties if s else 0))
    return out


def history(rollup: Rollup) -> dict[str, Any]:
    """The chosen county's indicators month by month."""
    county = rollup.history_county
    name = next((r.county_name for r in rollup.ranking if r.county_code == county), county)
    return {
        "county_code": county,
        "county_name": name,
        "indicators": [
            {"indicator": code, "name": indicator_label(code).zh}
            for code in rollup.history_indicators
        ],
        "points": [_point(p) for p in rollup.history],
    }


def _point(p: HistoryPoint) -> dict[str, Any]:
    return {
        "period": p.period,
        "indicator": p.indicator,
        "value": p.value,
        "expected": p.expected,
        "target": p.target,
        "status": p.status,
    }


def rollup_json(rollup: Rollup) -> dict[str, Any]:
    """One month as the JSON endpoint returns it."""
    return {
        "period": rollup.period,
        "province_name": rollup.province_name,
        "province": [_indicator(r) for r in rollup.province],
        "cities": cities(rollup),
        "ranking": [_ranked(r) for r in rollup.ranking],
    }


# ---------------------------------------------------------------- pages


def _share(part: float | None, whole: float | None) -> float | None:
    """part / whole as a bar width in percent (0..100), None when it cannot be drawn."""
    if part is None or not whole:
        return None
    return max(0.0, min(part / whole, 1.0)) * 100


def _progress(row: IndicatorRow) -> dict[str, Any]:
    return {
        "row": row,
        "done": _share(row.value, row.target),
        "due": _share(row.expected, row.target),
    }


def history_chart(rollup: Rollup) -> str | None:
    """The county history chart as a data URI (None without a county to draw)."""
    if not rollup.history_county:
        return None
    with _CHART_LOCK:
        figure = charts.figures(rollup)["county_history"]
        return data_uri(charts.png_bytes(figure))


def render_overview(rollup: Rollup, periods: Sequence[str], links: Links) -> str:
    """The month's page: province progress, cities, ranking, one county's history."""
    return (
        environment()
        .get_template(OVERVIEW)
        .render(
            r=rollup,
            periods=list(reversed(periods)),
            links=links,
            progress=[_progress(p) for p in rollup.province],
            cities=cities(rollup),
            reasons=ranking_reasons,
            history=history(rollup),
            history_src=history_chart(rollup),
            status_fill=STATUS_FILL,
            status_colour=STATUS_COLOUR,
            status_zh_map=STATUS_ZH,
            state_fill=STATE_FILL,
        )
    )


def outbox_entries(folder: Path, href_prefix: str) -> list[OutboxEntry]:
    """The ``.eml`` files of the outbox, newest first, with their subject and recipients."""
    if not folder.is_dir():
        return []
    tz = ZoneInfo(config.program().program.timezone)
    parser = BytesHeaderParser(policy=default_policy)
    entries = []
    for path in folder.glob("*.eml"):
        if not path.is_file():
            continue
        stat = path.stat()
        with path.open("rb") as fh:
            headers = parser.parse(fh)
        entries.append(
            OutboxEntry(
                name=path.name,
                href=href_prefix + path.name,
                subject=str(headers.get("Subject", "")),
                to=str(headers.get("To", "")),
                size_kb=stat.st_size / 1024,
                modified=dt.datetime.fromtimestamp(stat.st_mtime, tz).strftime("%Y-%m-%d %H:%M"),
            )
        )
    entries.sort(key=lambda e: (e.modified, e.name), reverse=True)
    return entries


def render_outbox(entries: Sequence[OutboxEntry], links: Links) -> str:
    return environment().get_template(OUTBOX).render(entries=entries, links=links)


def render_message(title: str, text: str, links: Links) -> str:
    """A short page saying why there is nothing to show (no month yet, unknown month...)."""
    return environment().get_template(MESSAGE).render(title=title, text=text, links=links)
