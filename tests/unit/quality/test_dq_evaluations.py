"""Evaluations checked at the door: each broken row is a row error with its Chinese message, so
the yearly shortlist only ever reads evaluations of known subjects, one per subject and year,
for a year the file may carry, with a score between 0 and 100."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

Rows = dict[str, list[dict[str, Any]]]


def hits(findings: list, rule: str) -> list[tuple]:
    return [(f.severity, f.sheet, f.row, f.column, f.message) for f in findings if f.rule == rule]


def test_evaluation_of_an_unknown_expert(rows: Rows, run: Callable) -> None:
    rows["evaluations"][0]["subject_id"] = "E0999"
    assert hits(run(rows), "dq.unknown_expert") == [
        (
            "error",
            "evaluations",
            2,
            "subject_id",
            "第2行 对象编号 E0999 不在本文件的专家名册中，请先登记该专家或改正编号",
        ),
    ]


def test_evaluation_of_an_unknown_organization(rows: Rows, run: Callable) -> None:
    # an expert's id under the organization kind is no organization either
    rows["evaluations"][1]["subject_id"] = "E001"
    assert hits(run(rows), "dq.unknown_organization") == [
        (
            "error",
            "evaluations",
            3,
            "subject_id",
            "第3行 对象编号 E001 不在本文件的科技组织表中，请先登记该组织或改正编号",
        ),
    ]


def test_duplicate_subject_and_year_flags_both_rows(rows: Rows, run: Callable) -> None:
    rows["evaluations"].append({**rows["evaluations"][1], "score": 60})
    rows["evaluations"].append({**rows["evaluations"][0], "year": 2018})  # another year: fine
    assert [(s, r) for s, _, r, _, _ in hits(run(rows), "dq.duplicate_record")] == [
        ("error", 3),
        ("error", 4),
    ]


@pytest.mark.parametrize(
    ("period", "year", "allowed"),
    [
        ("2018-06", 2018, None),
        ("2018-06", 2017, None),
        ("2019-01", 2018, None),  # December's evaluation corrected in January
        ("2018-06", 2016, "2017至2018"),
        ("2018-06", 2019, "2017至2018"),
        ("2019-01", 2017, "2018至2019"),
    ],
)
def test_year_is_the_files_or_the_one_before(
    rows: Rows, run: Callable, period: str, year: int, allowed: str | None
) -> None:
    rows["evaluations"][0]["year"] = int(period[:4])  # the other row: always allowed
    rows["evaluations"][1]["year"] = year
    if period != "2018-06":  # keep the file's other dated rows inside its month
        rows["activities"] = []
    found = hits(run(rows, period=period), "dq.evaluation_year")
    if allowed is None:
        assert found == []
    else:
        assert found == [
            (
                "error",
                "evaluations",
                3,
                "year",
                f"第3行 年度 {year} 不能在本月报送（应为{allowed}）：年度评估随当年12月报送，或在次年更正",
            ),
        ]


@pytest.mark.parametrize("score", [-0.5, 100.5])
def test_score_outside_0_to_100(rows: Rows, run: Callable, score: float) -> None:
    rows["evaluations"][0]["score"] = score
    assert hits(run(rows), "dq.range") == [
        ("error", "evaluations", 2, "score", f"第2行 考核得分 {score} 超出允许范围，应为0至100"),
    ]
