"""The monthly county ranking: every county ranked every month, furthest behind first.

score = sum over key indicators of weight x max(0, expected - value) / expected, key and weight
as the catalogue states them; a county without any accepted data counts as 0 on them (the
furthest behind). A county is lagging when it is
lagging or critical on any key indicator, or its city's submission for the month is missing or was
rejected. Ranks break ties by county code, so the order, and each county's movement since last
month (followed across recodes by series code), is always defined.

``reasons`` (JSON) lists why, in this order: the submission reason (``submission_missing`` /
``submission_rejected``), then each lagging key indicator, largest shortfall first, with value,
expected, target, how far behind, the monthly rate still needed and the forecast month.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from techaid.indicators.catalogue import Catalogue
from techaid.indicators.status import CRITICAL, LAGGING, NO_DATA

SUBMISSION_MISSING, SUBMISSION_REJECTED = "submission_missing", "submission_rejected"
DIGITS = 9


def submission_reason(state: Mapping[str, Any] | None) -> str | None:
    """Why a city's month counts against its counties: nothing accepted, and a refused file
    (rejected) or nothing at all (missing)."""
    if state and state.get("accepted"):
        return None
    if state and state.get("rejected"):
        return SUBMISSION_REJECTED
    return SUBMISSION_MISSING


def _shortfall(row: Mapping[str, Any]) -> float | None:
    """max(0, expected - value) / expected; no data counts as 0; None when not judged."""
    exp, status = row["expected"], row["status"]
    if row["target"] is None or exp is None or status is None:
        return None
    if exp <= 0:
        return 0.0
    value = 0.0 if status == NO_DATA or row["value"] is None else row["value"]
    return max(0.0, exp - value) / exp


def rank(
    *,
    period: str,
    counties: Iterable[tuple[str, str]],
    values: Iterable[Mapping[str, Any]],
    catalogue: Catalogue,
    submissions: Mapping[str, Mapping[str, Any]],
    previous: Mapping[str, int],
    series_code: Any,
) -> list[dict[str, Any]]:
    """``county_ranking`` rows of ``period``.

    counties: (county_code, city_code) valid on the period's last day; values: its published
    county-level indicator rows; submissions: city -> {accepted, rejected}; previous: last
    month's rank by series code; series_code: code -> series code (the hierarchy's).
    """
    key = {i.code: i for i in catalogue.key_indicators()}
    by_county: dict[str, list[Mapping[str, Any]]] = {}
    for row in values:
        if row["level"] == "county" and row["indicator"] in key:
            by_county.setdefault(row["org_code"], []).append(row)
    scored: list[dict[str, Any]] = []
    for county, city in counties:
        score, behind = 0.0, []
        for row in by_county.get(county, []):
            short = _shortfall(row)
            if short is None:
                continue
            score += key[row["indicator"]].weight * short
            if row["status"] in (LAGGING, CRITICAL):
                behind.append((short, row))
        behind.sort(key=lambda item: (-item[0], item[1]["indicator"]))
        reasons: list[dict[str, Any]] = []
        sub = submission_reason(submissions.get(city))
        if sub:
            reasons.append({"code": sub})
        reasons += [_indicator_reason(short, row) for short, row in behind]
        scored.append(
            {
                "period": period,
                "county_code": county,
                "city_code": city,
                "lagging": bool(behind) or sub is not None,
                "score": round(score, DIGITS),
                "lagging_indicators": ",".join(r["indicator"] for _, r in behind),
                "reasons": json.dumps(reasons, ensure_ascii=False, sort_keys=True),
            }
        )
    scored.sort(key=lambda r: (-r["score"], r["county_code"]))
    for i, row in enumerate(scored, start=1):
        prev = previous.get(series_code(row["county_code"]))
        row["rank"] = i
        row["previous_rank"] = prev
        row["rank_change"] = None if prev is None else prev - i
    return scored


def _indicator_reason(short: float, row: Mapping[str, Any]) -> dict[str, Any]:
    value = row["value"]
    return {
        "code": row["indicator"],
        "status": row["status"],
        "value": value,
        "expected": row["expected"],
        "target": row["target"],
        "gap": round(row["expected"] - (value or 0.0), DIGITS),
        "shortfall": round(short, DIGITS),
        "required_monthly_rate": row["required_monthly_rate"],
        "forecast_period": row["forecast_period"],
    }
