"""The monthly ``provincial_report`` to the provincial team.

The body shows the province against its targets, the city table, the county ranking, reporting
and the data-quality summary, with the rollup's charts inline as related MIME parts whose
Content-IDs are derived from the chart names (``chart-<name>``), so the message is reproducible;
the full rollup workbook (the same bytes as ``<output>/<period>/rollup_<period>.xlsx``) is
attached. Its key is kind and period: one report a month.
"""

from __future__ import annotations

from collections.abc import Mapping

from techaid.outputs.compose.common import SUBJECT_PREFIX, XLSX_TYPE, one_line, team_addresses
from techaid.outputs.compose.views import indicator_view, ranking_view
from techaid.outputs.mail.email import Attachment, Email, InlineImage, dedupe_key
from techaid.outputs.mail.templates import render
from techaid.outputs.report.charts import CHART_TITLES
from techaid.outputs.report.data import Rollup
from techaid.outputs.report.labels import SEVERITIES, SEVERITY_ZH, STATE_ZH, STATUS_ZH, show

KIND = "provincial_report"
CHART_ORDER = ("province_progress", "city_reporting", "county_ranking", "county_history")


def report_key(period: str) -> str:
    return dedupe_key(KIND, period, None)


def chart_cid(name: str) -> str:
    return f"chart-{name}"


def _charts(charts: Mapping[str, bytes]) -> tuple[dict[str, str], list[InlineImage]]:
    names = [n for n in CHART_ORDER if n in charts] + sorted(set(charts) - set(CHART_ORDER))
    images = [InlineImage(chart_cid(n), charts[n], "image/png") for n in names]
    return {n: chart_cid(n) for n in names}, images


def provincial_report(rollup: Rollup, charts: Mapping[str, bytes], xlsx: bytes) -> Email:
    """The report of ``rollup``'s month with ``charts`` (name -> PNG) inline and ``xlsx``."""
    to, cc = team_addresses()
    period = rollup.period
    cids, images = _charts(charts)
    lagging = sum(1 for r in rollup.ranking if r.lagging)
    received = sum(1 for r in rollup.reporting if r.state in ("accepted", "accepted_with_errors"))
    reporting = [
        {
            "city": r.city_name,
            "state": STATE_ZH.get(r.state, r.state),
            "on_time": "—" if r.on_time is None else "是" if r.on_time else "否",
            "received": r.received_local or "—",
            "file": one_line(r.file_name or "—", 60),
            "versions": r.versions,
            "loaded": f"{r.rows_loaded:,}",
            "quarantined": f"{r.rows_quarantined:,}",
            "warnings": f"{r.warnings:,}",
            "rate": show("share", r.reporting_rate),
        }
        for r in rollup.reporting
    ]
    quality = []
    for q in rollup.quality_by_city():
        rules = [x for x in rollup.quality if x.city_code == q["city_code"]][:3]
        quality.append(
            {
                "city": q["city_name"],
                "counts": [q[s] for s in SEVERITIES],
                "rules": "；".join(
                    f"{x.rule}（{SEVERITY_ZH.get(x.severity, x.severity)}）×{x.issues}"
                    for x in rules
                )
                or "—",
            }
        )
    attachment = f"rollup_{period}.xlsx"
    body = render(
        KIND,
        r=rollup,
        period=period,
        province=[indicator_view(p) for p in rollup.province],
        cities=[
            {
                "name": c.city_name,
                "counties": c.counties,
                "lagging": c.lagging_counties,
                "rate": show("share", c.reporting_rate),
                "statuses": [c.statuses.get(s, 0) for s in STATUS_ZH],
            }
            for c in rollup.city_summary
        ],
        status_names=list(STATUS_ZH.values()),
        ranking=[ranking_view(r) for r in rollup.ranking],
        reporting=reporting,
        quality=quality,
        severity_names=[SEVERITY_ZH[s] for s in SEVERITIES],
        chart_cids=cids,
        chart_titles={n: CHART_TITLES.get(n, n) for n in cids},
        lagging=lagging,
        received=received,
        cities_total=len(rollup.reporting),
        attachment_name=attachment,
    )
    return Email(
        kind=KIND,
        period=period,
        city_code=None,
        to=to,
        cc=cc,
        subject=(
            f"{SUBJECT_PREFIX} 月度汇总报告 {KIND} {period} {rollup.province_name}："
            f"落后县 {lagging} 个，{received}/{len(rollup.reporting)} 市已报送"
        ),
        html=body.html,
        text=body.text,
        dedupe_key=report_key(period),
        attachments=[Attachment(attachment, xlsx, XLSX_TYPE)],
        inline_images=images,
    )
