"""The report's charts, drawn with matplotlib (Agg, no pyplot state) as PNG bytes.

PNG rather than SVG: the same bytes go inline into the provincial email, and common mail clients
do not show SVG. The files are reproducible (no software or date stamp), so a re-run writes
identical bytes. Every chart is drawn with the registered CJK font (:mod:`.fonts`).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from techaid.outputs.report import fonts, staged_charts
from techaid.outputs.report.data import Rollup
from techaid.outputs.report.labels import STATUS_COLOUR, indicator_label, status_zh

DPI = 144
WIDTH = 9.0  # inches: 1296 px at DPI, shown at up to 900 px in the HTML
GREY, RED, AMBER, GREEN, BLUE = "#9E9E9E", "#D32F2F", "#FFB300", "#2E7D32", "#1565C0"
MONITORED = "#90A4AE"
# What the PNGs depend on besides the rollup: the drawing code and matplotlib (staged charts are
# keyed by both, so a worker drawing differently never reuses another's).
DRAWING = hashlib.sha256(
    b"".join(
        Path(__file__).with_name(f).read_bytes() for f in ("charts.py", "fonts.py", "labels.py")
    )
    + matplotlib.__version__.encode()
).hexdigest()
CHART_TITLES = {
    "province_progress": "全省各指标完成情况（占目标比例）",
    "city_reporting": "各市按时报送率",
    "county_ranking": "落后县排名",
    "county_history": "县历史",
}


def _colour(status: str | None) -> str:
    return "#" + STATUS_COLOUR[status] if status in STATUS_COLOUR else MONITORED


@contextmanager
def _style() -> Iterator[None]:
    family = fonts.register()
    with matplotlib.rc_context(
        {
            "font.family": [family],
            "font.size": 10,
            "axes.unicode_minus": False,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "figure.dpi": DPI,
            "savefig.dpi": DPI,
        }
    ):
        yield


def _province_progress(rollup: Rollup) -> Figure:
    """Each indicator with a target: where it stands and where it should be by now."""
    rows = [r for r in rollup.province if r.target]
    fig = Figure(figsize=(WIDTH, 0.38 * max(len(rows), 3) + 1.2), layout="constrained")
    ax = fig.add_subplot()
    ys = list(range(len(rows)))
    shares = [min((r.value or 0.0) / r.target, 1.25) for r in rows]  # type: ignore[operator]
    ax.barh(ys, shares, color=[_colour(r.status) for r in rows], height=0.6, zorder=2)
    for y, r in zip(ys, rows, strict=True):
        right = shares[y]
        if r.expected is not None:
            exp = min(r.expected / r.target, 1.25)  # type: ignore[operator]
            ax.plot([exp, exp], [y - 0.4, y + 0.4], color="#212121", linewidth=2, zorder=3)
            right = max(right, exp)
        text = "无数据" if r.value is None else f"{(r.value / r.target):.0%}"  # type: ignore[operator]
        ax.text(right + 0.015, y, text, va="center", fontsize=8)
    ax.axvline(1.0, color=GREEN, linestyle=":", linewidth=1)
    ax.set_yticks(ys, [r.label.zh for r in rows])
    ax.invert_yaxis()
    ax.set_xlim(0, 1.35)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("完成值 / 目标（黑线：本月预期进度；绿点线：目标）")
    ax.set_title(f"{rollup.province_name} {rollup.title_month} {CHART_TITLES['province_progress']}")
    _status_legend(ax, {r.status for r in rows})
    return fig


def _status_legend(ax: Axes, statuses: set[str | None]) -> None:
    order = ["met", "on_track", "lagging", "critical", "no_data"]
    handles = [Patch(color=_colour(s), label=status_zh(s)) for s in order if s in statuses]
    if handles:
        ax.figure.legend(
            handles=handles,
            loc="outside lower center",
            ncol=len(handles),
            fontsize=8,
            frameon=False,
        )


def _city_reporting(rollup: Rollup) -> Figure:
    """Cumulative on-time rate per city, coloured by this month's submission."""
    rows = rollup.reporting
    fig = Figure(figsize=(WIDTH, 4.2), layout="constrained")
    ax = fig.add_subplot()
    colour = {"missing": RED, "rejected": RED}
    colours = [colour.get(r.state, GREEN if r.on_time else AMBER) for r in rows]
    xs = list(range(len(rows)))
    ax.bar(xs, [r.reporting_rate or 0.0 for r in rows], color=colours, width=0.6, zorder=2)
    for x, r in zip(xs, rows, strict=True):
        label = "—" if r.reporting_rate is None else f"{r.reporting_rate:.0%}"
        ax.text(x, (r.reporting_rate or 0.0) + 0.02, label, ha="center", fontsize=8)
    province = next((p.value for p in rollup.province if p.indicator == "reporting_rate"), None)
    if province is not None:
        ax.axhline(province, color=BLUE, linestyle="--", linewidth=1, label=f"全省 {province:.0%}")
    ax.set_xticks(xs, [r.city_name for r in rows])
    ax.set_ylim(0, 1.3)  # room for the legend above the 100 % bars
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("累计按时报送月数 / 应报送月数")
    ax.set_title(f"{rollup.title_month} {CHART_TITLES['city_reporting']}")
    handles: list[Artist] = [
        Patch(color=GREEN, label="本月按时"),
        Patch(color=AMBER, label="本月逾期"),
        Patch(color=RED, label="本月未报送或被拒收"),
    ]
    if province is not None:
        handles.append(ax.get_lines()[-1])
    ax.legend(handles=handles, loc="upper left", ncol=len(handles), fontsize=8, frameon=False)
    return fig


def _movement_mark(change: int | None) -> str:
    if change is None:
        return "新"
    if change > 0:
        return f"↑{change}"
    if change < 0:
        return f"↓{-change}"
    return "－"


def _county_ranking(rollup: Rollup) -> Figure:
    """Every county by score, furthest behind on top, with its move since last month."""
    rows = rollup.ranking
    fig = Figure(figsize=(WIDTH, 0.27 * max(len(rows), 3) + 1.3), layout="constrained")
    ax = fig.add_subplot()
    ys = list(range(len(rows)))
    ax.barh(
        ys,
        [r.score for r in rows],
        color=[RED if r.lagging else GREY for r in rows],
        height=0.65,
        zorder=2,
    )
    top = max([r.score for r in rows] + [1.0])
    for y, r in zip(ys, rows, strict=True):
        ax.text(
            r.score + top * 0.01,
            y,
            f"{r.score:.2f}  {_movement_mark(r.rank_change)}",
            va="center",
            fontsize=8,
        )
    ax.set_yticks(ys, [f"{r.rank}. {r.county_name}（{r.city_name}）" for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.15)
    ax.set_xlabel("落后得分（各关键指标低于预期的比例之和）；↑ 较上月更靠前即更落后，↓ 好转")
    ax.set_title(f"{rollup.title_month} {CHART_TITLES['county_ranking']}")
    fig.legend(
        handles=[Patch(color=RED, label="落后"), Patch(color=GREY, label="未落后")],
        loc="outside lower center",
        ncol=2,
        fontsize=8,
        frameon=False,
    )
    return fig


def _county_history(rollup: Rollup) -> Figure:
    """One county's weakest indicators month by month, against where they should be."""
    fig = Figure(figsize=(WIDTH, 4.2), layout="constrained")
    ax = fig.add_subplot()
    periods = sorted({p.period for p in rollup.history})
    index = {p: i for i, p in enumerate(periods)}
    palette = [RED, BLUE, AMBER, GREEN, "#6A1B9A", "#00838F"]
    for n, code in enumerate(rollup.history_indicators):
        points = [p for p in rollup.history if p.indicator == code and p.target]
        colour = palette[n % len(palette)]
        name = indicator_label(code).zh
        vals = [(index[p.period], p.value / p.target) for p in points if p.value is not None]  # type: ignore[operator]
        exps = [(index[p.period], p.expected / p.target) for p in points if p.expected is not None]  # type: ignore[operator]
        if vals:
            ax.plot(*zip(*vals, strict=True), color=colour, marker="o", markersize=3, label=name)
        if exps:
            ax.plot(*zip(*exps, strict=True), color=colour, linestyle="--", linewidth=1)
    step = max(1, len(periods) // 12)
    ax.set_xticks(range(0, len(periods), step), periods[::step], rotation=45, fontsize=8)
    ax.set_ylim(0, 1.1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("完成值 / 目标（虚线：预期进度）")
    county = rollup.history_county or ""
    name = next((r.county_name for r in rollup.ranking if r.county_code == county), county)
    ax.set_title(f"{name}：主要滞后指标历史（至{rollup.title_month}）")
    if rollup.history_indicators and periods:
        ax.legend(loc="upper left", fontsize=8, frameon=False)
    else:
        ax.text(0.5, 0.5, "暂无历史数据", transform=ax.transAxes, ha="center", va="center")
    return fig


def figures(rollup: Rollup) -> dict[str, Figure]:
    """The report's figures (inside the CJK style; call :func:`render` for bytes)."""
    with _style():
        return {
            "province_progress": _province_progress(rollup),
            "city_reporting": _city_reporting(rollup),
            "county_ranking": _county_ranking(rollup),
            "county_history": _county_history(rollup),
        }


def png_bytes(fig: Figure) -> bytes:
    """A figure as PNG bytes that depend only on what is drawn."""
    buf = io.BytesIO()
    with _style():
        fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def draw(rollup: Rollup) -> dict[str, bytes]:
    """Chart name -> PNG bytes, in the order the report shows them, drawn now."""
    return {name: png_bytes(fig) for name, fig in figures(rollup).items()}


def render(rollup: Rollup) -> dict[str, bytes]:
    """The charts of :func:`draw`, drawn once per rollup content: the email and the page of a
    monthly run are two tasks, and the second reads the PNGs the first staged (same bytes)."""
    return staged_charts.drawn_once(rollup, draw, DRAWING)
