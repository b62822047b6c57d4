"""The county ranking from published rows (pure)."""

from __future__ import annotations

import json

from techaid.indicators.catalogue import catalogue
from techaid.indicators.ranking import rank


def _row(county: str, indicator: str, value, expected, status, target=1.0) -> dict:
    return {"level": "county", "org_code": county, "indicator": indicator, "value": value,
            "expected": expected, "target": target, "status": status,
            "required_monthly_rate": 0.02, "forecast_period": None}  # fmt: skip


def test_score_rank_and_reasons() -> None:
    values = [
        # A: coverage 0.2 of expected 0.5 -> shortfall 0.6 (critical); skills 0.4 of 0.5 -> 0.2
        _row("000001", "village_coverage", 0.2, 0.5, "critical"),
        _row("000001", "household_skills", 0.4, 0.5, "lagging"),
        # B: never reported -> counts as 0: shortfall 1 on each (no_data is not "lagging")
        _row("000002", "village_coverage", None, 0.5, "no_data"),
        _row("000002", "household_skills", None, 0.5, "no_data"),
        # C: ahead on both; a monitored indicator is ignored
        _row("000003", "village_coverage", 0.6, 0.5, "on_track"),
        _row("000003", "youth_participation", 5, None, None, target=None),
    ]
    ranked = rank(
        period="2018-12",
        counties=[("000001", "100"), ("000002", "200"), ("000003", "100")],
        values=values,
        catalogue=catalogue(),
        submissions={"100": {"accepted": 1, "rejected": 0}, "200": {"accepted": 0, "rejected": 0}},
        previous={"000003": 1},
        series_code=lambda c: c,
    )
    assert [(r["county_code"], r["score"], r["rank"]) for r in ranked] == [
        ("000002", 2.0, 1), ("000001", 0.8, 2), ("000003", 0.0, 3),
    ]  # fmt: skip
    a = ranked[1]
    assert a["lagging"] and a["lagging_indicators"] == "village_coverage,household_skills"
    reasons = json.loads(a["reasons"])
    assert [r["code"] for r in reasons] == ["village_coverage", "household_skills"]
    assert reasons[0]["gap"] == 0.3 and reasons[0]["shortfall"] == 0.6
    b = ranked[0]
    assert b["lagging"] and json.loads(b["reasons"]) == [{"code": "submission_missing"}]
    c = ranked[2]
    assert not c["lagging"] and (c["previous_rank"], c["rank_change"]) == (1, -2)
