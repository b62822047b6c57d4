"""Targets, expected values, trend forecasts and statuses over the SQL results.

Pure functions of numbers and months, so the status rules (docs/indicators.md, with their
readings in docs/decisions.md) are tested without a database. Months are counted as indexes from the program start (start = 0).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from techaid.indicators.catalogue import Indicator, StatusSettings
from techaid.periods import add_months, months_between

EPS = 1e-9
NO_DATA, MET, CRITICAL, LAGGING, ON_TRACK = "no_data", "met", "critical", "lagging", "on_track"


@dataclass(frozen=True)
class ProgramWindow:
    """The monitored program period (default 2017-01 .. 2020-12, 48 months)."""

    start: str
    end: str

    @property
    def total_months(self) -> int:
        return months_between(self.start, self.end) + 1

    def index(self, period: str) -> int:
        return months_between(self.start, period)

    def period(self, index: int) -> str:
        return add_months(self.start, index)

    @property
    def end_index(self) -> int:
        return self.index(self.end)

    def elapsed_share(self, period: str) -> float:
        """Months from the start to ``period`` inclusive / all months, within 0..1."""
        return min(1.0, max(0.0, (self.index(period) + 1) / self.total_months))

    def months_left(self, period: str) -> int:
        """Months after ``period`` up to the deadline (0 in the last month and after it)."""
        return max(0, months_between(period, self.end))


def expected(
    ind: Indicator, level: str, target: float | None, period: str, window: ProgramWindow
) -> float | None:
    """What the unit should have reached by ``period`` on the indicator's trajectory."""
    if target is None:
        return None
    base = ind.baseline_at(level)
    kind = ind.trajectory.kind
    if kind == "constant":
        return target
    if kind == "step":
        assert ind.trajectory.due is not None
        return target if period >= ind.trajectory.due else base
    return base + (target - base) * window.elapsed_share(period)


def fit_line(points: Sequence[tuple[int, float]]) -> tuple[float, float]:
    """Least-squares (intercept, slope) of value over month index."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    slope = 0.0 if sxx == 0 else sum((x - mx) * (y - my) for x, y in points) / sxx
    return my - slope * mx, slope


def forecast_index(points: Sequence[tuple[int, float]], target: float, current: int) -> int | None:
    """First month index from ``current`` on where the trend line reaches ``target``; None when
    it never does (flat or falling below it)."""
    intercept, slope = fit_line(points)
    if intercept + slope * current >= target - EPS:
        return current
    if slope <= EPS:
        return None
    return max(current, math.ceil((target - intercept) / slope - EPS))


def required_rate(value: float | None, target: float | None, months_left: int) -> float | None:
    """Monthly progress still needed to reach the target by the deadline (empty when no month is
    left); 0 once the target is met."""
    if value is None or target is None or months_left <= 0:
        return None
    return max(0.0, target - value) / months_left


def trend_points(
    history: Sequence[tuple[int, float | None, bool]], settings: StatusSettings
) -> list[tuple[int, float]] | None:
    """The last ``trend_months`` observed months (a value, not carried forward) of a series,
    oldest first, when there are at least ``min_points``; else None."""
    observed = [(i, v) for i, v, carried in sorted(history) if v is not None and not carried]
    points = observed[-settings.trend_months :]
    return points if len(points) >= settings.min_points else None


def classify(
    *,
    has_data: bool,
    value: float | None,
    target: float | None,
    expected_value: float | None,
    forecast: int | None,
    trend_known: bool,
    end_index: int,
    settings: StatusSettings,
) -> str | None:
    """The status, checked in order no_data, met, critical, lagging, on_track. Empty for a
    monitored indicator, and for a unit whose population is empty (no share to judge).

    Critical by trend: with a known trend (``trend_known``), a forecast month after the deadline
    or none at all (a flat or falling line never reaches the target) is critical, so a county
    that is not improving is never judged milder than one improving too slowly."""
    if target is None or expected_value is None:
        return None
    if not has_data:
        return NO_DATA
    if value is None:
        return None
    if value >= target - EPS:
        return MET
    late = trend_known and (forecast is None or forecast > end_index)
    if value < expected_value * settings.critical_ratio - EPS or late:
        return CRITICAL
    if value < expected_value * (1 - settings.tolerance) - EPS:
        return LAGGING
    return ON_TRACK
