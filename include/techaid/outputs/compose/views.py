"""Rollup rows turned into the plain strings an email template shows (values, gaps, rates)."""

from __future__ import annotations

from typing import Any

from techaid.outputs.report.data import IndicatorRow, RankingRow, Reason
from techaid.outputs.report.labels import show, status_zh


def reason_view(r: Reason) -> dict[str, Any]:
    """One reason a county lags: an indicator with value, expected, target, gap, the monthly
    rate still needed and the forecast month; or its city's missing or refused month."""
    k = r.kind
    step = "share" if k == "flag" else k
    judged = not (r.status is None and r.value is None and r.expected is None)
    return {
        "code": r.code,
        "name": r.name,
        "judged": judged,
        "status": status_zh(r.status) if judged else "",
        "value": show(k, r.value),
        "expected": show(k, r.expected),
        "target": show(k, r.target),
        "gap": show(step, r.gap),
        "rate": show(step, r.required_monthly_rate),
        "forecast": r.forecast_period or "—",
    }


def ranking_view(r: RankingRow) -> dict[str, Any]:
    return {
        "rank": r.rank,
        "movement": r.movement,
        "county_code": r.county_code,
        "county": r.county_name,
        "city": r.city_name,
        "score": f"{r.score:.3f}",
        "lagging": "是" if r.lagging else "否",
        "lagging_flag": r.lagging,
        "codes": ", ".join(r.lagging_indicators) or "—",
        "reasons": [reason_view(x) for x in r.reasons],
    }


def indicator_view(r: IndicatorRow) -> dict[str, Any]:
    k = r.kind
    return {
        "code": r.indicator,
        "name": r.label.zh,
        "value": show(k, r.value),
        "target": show(k, r.target),
        "expected": show(k, r.expected),
        "attainment": show("share", r.attainment),
        "status": status_zh(r.status),
        "status_code": r.status or "",
        "forecast": r.forecast_period or "—",
        "rate": show("share" if k == "flag" else k, r.required_monthly_rate),
        "carried": r.carried_forward,
    }
