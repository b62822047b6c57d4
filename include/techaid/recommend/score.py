"""A candidate's score: the weighted evaluation plus its measured contribution in the year.

score = sum over measures of weight x measure (weights in ``recommendations.yaml``). The
breakdown is published with every ranked candidate, so anyone can check the sum by hand.
Rounded to 6 decimals so SQLite and PostgreSQL warehouses give the same ranking.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from techaid.recommend.candidates import Candidate
from techaid.recommend.rules import Weights

DIGITS = 6
MEASURES = ("evaluation", "villages", "households", "activities", "county_progress")
MEASURE_ZH = {
    "evaluation": "评估得分",
    "villages": "帮扶村数",
    "households": "帮扶户数",
    "activities": "参与活动次数",
    "county_progress": "服务县进展（百分点）",
}


@dataclass(frozen=True)
class Part:
    measure: float
    weight: float
    points: float


@dataclass(frozen=True)
class Breakdown:
    parts: dict[str, Part]
    total: float

    def to_json(self) -> str:
        """The published ``reasons`` of a ranked candidate."""
        body = {
            name: {"measure": p.measure, "weight": p.weight, "points": p.points}
            for name, p in self.parts.items()
        }
        return json.dumps({**body, "total": self.total}, ensure_ascii=False, sort_keys=True)


def measures(candidate: Candidate) -> dict[str, float]:
    rating = candidate.evaluation
    return {
        "evaluation": rating.score if rating and rating.score is not None else 0.0,
        "villages": float(candidate.villages),
        "households": float(candidate.households),
        "activities": float(candidate.activities),
        "county_progress": candidate.county_progress,
    }


def score(candidate: Candidate, weights: Weights) -> Breakdown | None:
    """The breakdown, or None for a candidate without an evaluation score (nothing to weigh)."""
    rating = candidate.evaluation
    if rating is None or rating.score is None:
        return None
    parts = {}
    for name, value in measures(candidate).items():
        weight = float(getattr(weights, name))
        parts[name] = Part(round(value, DIGITS), weight, round(weight * value, DIGITS))
    return Breakdown(parts, round(sum(p.points for p in parts.values()), DIGITS))
