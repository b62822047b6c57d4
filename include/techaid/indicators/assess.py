"""Targets, expected values, forecasts and statuses for the rows of one period.

The SQL computes what each unit has (values, numerators, denominators); this module compares it
with what the unit should have, the catalogue's business: targets per level (a county allocation
summed per city), trajectories, and the trend of the unit's own history. History is read by series
(:meth:`Hierarchy.series_code`), so a recoded county's trend runs across its two codes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from techaid.indicators.catalogue import Catalogue, Indicator
from techaid.indicators.status import (
    EPS,
    ProgramWindow,
    classify,
    expected,
    forecast_index,
    required_rate,
    trend_points,
)

DIGITS = 9  # published floats are rounded: the same figures on SQLite and PostgreSQL
FORECAST_HORIZON = 1200  # months after the deadline beyond which no forecast month is shown

# (indicator, level, series code) -> [(month index, value, carried_forward)]
History = Mapping[tuple[str, str, str], list[tuple[int, float | None, bool]]]


def target_for(
    ind: Indicator, level: str, org_code: str, period: str, hierarchy: Any
) -> float | None:
    """The unit's target: the catalogue's per-level value, or for an allocated indicator the
    county's share (by series, so a recoded county keeps its allocation) and the sum of its
    counties' for a city. An empty allocation leaves county and city without a target."""
    t = ind.target
    if t is None:
        return None
    if t.allocation is not None and level in ("county", "city"):
        alloc = {hierarchy.series_code(c): n for c, n in t.allocation.items()}
        if not alloc:
            return None
        if level == "county":
            return alloc.get(hierarchy.series_code(org_code), 0.0)
        counties = hierarchy.counties_of(org_code, period)
        return sum(alloc.get(hierarchy.series_code(u.code), 0.0) for u in counties)
    return t.at(level)


def _forecast_period(index: int | None, window: ProgramWindow) -> str | None:
    """The forecast month; empty when the trend never reaches the target, or not within
    ``FORECAST_HORIZON`` months of the deadline (still late for the status)."""
    if index is None or index > window.end_index + FORECAST_HORIZON:
        return None
    return window.period(index)


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), DIGITS)


def _completeness(row: Mapping[str, Any]) -> float | None:
    """A flow's months with accepted data / months in its window (empty for a stock, or before
    the window opens): how much of a sum may be missing."""
    expected_months = row.get("months_expected")
    if not expected_months:
        return None
    return _round((row.get("months_accepted") or 0) / expected_months)


def assess(
    rows: Iterable[Mapping[str, Any]],
    *,
    period: str,
    catalogue: Catalogue,
    hierarchy: Any,
    window: ProgramWindow,
    history: History,
) -> list[dict[str, Any]]:
    """Published ``indicator_value`` rows from the rollup rows of ``period``."""
    settings = catalogue.status
    now = window.index(period)
    out = []
    for row in rows:
        ind = catalogue[row["indicator"]]
        level, org = row["level"], row["org_code"]
        value = None if row["value"] is None else float(row["value"])
        has_data = bool(row["has_data"])
        carried = bool(row["carried_forward"])
        target = target_for(ind, level, org, period, hierarchy)
        exp = expected(ind, level, target, period, window)
        forecast = None
        points = None
        if target is not None and ind.trajectory.kind == "pro_rata" and value is not None:
            series = history.get((ind.code, level, hierarchy.series_code(org)), [])
            past = [p for p in series if p[0] < now]
            points = trend_points([*past, (now, value, carried)], settings)
            if value >= target - EPS:
                forecast = now  # already reached
            elif points:
                forecast = forecast_index(points, target, now)
        status = classify(
            has_data=has_data,
            value=value,
            target=target,
            expected_value=exp,
            forecast=forecast,
            trend_known=points is not None,
            end_index=window.end_index,
            settings=settings,
        )
        out.append(
            {
                "period": period,
                "level": level,
                "org_code": org,
                "indicator": ind.code,
                "value": _round(value),
                "numerator": _round(row["numerator"]),
                "denominator": _round(row["denominator"]),
                "target": _round(target),
                "expected": _round(exp),
                "attainment": _round(value / target) if value is not None and target else None,
                "status": status,
                "carried_forward": carried,
                "forecast_period": _forecast_period(forecast, window),
                "required_monthly_rate": _round(
                    required_rate(value, target, window.months_left(period))
                ),
                "source_period": row.get("source_period"),
                "completeness": _completeness(row),
            }
        )
    return out


def history_from(
    rows: Iterable[Mapping[str, Any]], hierarchy: Any, window: ProgramWindow
) -> History:
    """Past ``indicator_value`` rows grouped by series, for trends."""
    hist: dict[tuple[str, str, str], list[tuple[int, float | None, bool]]] = defaultdict(list)
    for r in rows:
        key = (r["indicator"], r["level"], hierarchy.series_code(r["org_code"]))
        value = None if r["value"] is None else float(r["value"])
        hist[key].append((window.index(r["period"]), value, bool(r["carried_forward"])))
    return hist
