"""The county ranking from published rows (pure)."""

from __future__ import annotations

import json
from pathlib import Path

from techaid.indicators.catalogue import Catalogue, catalogue
from techaid.indicators.ranking import rank
from tests.unit.indicators.scenarios import catalogue_with


def _row(
    county: str,
    indicator: str,
    value: float | None,
    expected: float | None,
    status: str | None,
    target: float | None = 1.0,
) -> dict:
    return {
        "level": "county",
        "org_code": county,
        "indicator": indicator,
        "value": value,
        "expected": expected,
        "target": target,
        "status": status,
        "required_monthly_rate": 0.02,
        "forecast_period": None,
    }


VALUES = [
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


def _rank(cat: Catalogue) -> list[dict]:
    return rank(
        period="2018-12",
        counties=[("000001", "100"), ("000002", "200"), ("000003", "100")],
        values=VALUES,
        catalogue=cat,
        submissions={"100": {"accepted": 1, "rejected": 0}, "200": {"accepted": 0, "rejected": 0}},
        previous={"000003": 1},
        series_code=lambda c: c,
    )


COVERAGE = "numerator: {service_covered: true}\n    target: {all: 1.0}\n    key: true\n"
SKILLS = "numerator: {techniques: {gte: 1}}\n    target: {all: 1.0}\n    key: true\n"


def test_the_weights_of_the_catalogue_scale_the_score(tmp_path: Path) -> None:
    cat = catalogue_with(tmp_path, {COVERAGE + "    weight: 1": COVERAGE + "    weight: 2.5"})
    scores = {r["county_code"]: r["score"] for r in _rank(cat)}
    # A: 2.5 x 0.6 + 0.2; B (no data, value 0): 2.5 x 1 + 1; C: nothing behind.
    assert scores == {"000001": 1.7, "000002": 3.5, "000003": 0.0}


def test_an_indicator_taken_off_the_key_list_neither_scores_nor_flags(tmp_path: Path) -> None:
    off_the_list = SKILLS.replace("key: true", "key: false") + "    weight: 0"
    cat = catalogue_with(tmp_path, {SKILLS + "    weight: 1": off_the_list})
    a = next(r for r in _rank(cat) if r["county_code"] == "000001")
    assert (a["score"], a["lagging_indicators"]) == (0.6, "village_coverage")


def test_score_rank_and_reasons() -> None:
    ranked = _rank(catalogue())
    assert [(r["county_code"], r["score"], r["rank"]) for r in ranked] == [
        ("000002", 2.0, 1),
        ("000001", 0.8, 2),
        ("000003", 0.0, 3),
    ]
    a = ranked[1]
    assert a["lagging"]
    assert a["lagging_indicators"] == "village_coverage,household_skills"
    reasons = json.loads(a["reasons"])
    assert [r["code"] for r in reasons] == ["village_coverage", "household_skills"]
    assert reasons[0]["gap"] == 0.3
    assert reasons[0]["shortfall"] == 0.6
    b = ranked[0]
    assert b["lagging"]
    assert json.loads(b["reasons"]) == [{"code": "submission_missing"}]
    c = ranked[2]
    assert not c["lagging"]
    assert (c["previous_rank"], c["rank_change"]) == (1, -2)
