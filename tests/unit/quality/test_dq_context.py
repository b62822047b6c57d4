"""The context checks called directly (no GX): history warnings, recodes, the accepted codes and
the fast membership test."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pandas as pd
import pytest
from dq_builders import build_file, clean_rows, context

from techaid import config
from techaid.config import Unit
from techaid.config.hierarchy import Hierarchy
from techaid.quality import context_checks as cc


def _history(rows: list[tuple[str, str, dict[str, Any]]]) -> pd.DataFrame:
    return pd.DataFrame([{"period": p, "county_code": c, **v} for p, c, v in rows])


def _months(n: int, end: str = "2018-05") -> list[str]:
    from techaid.periods import add_months

    return [add_months(end, -i) for i in range(n)][::-1]


def _warnings(history: pd.DataFrame, period: str = "2018-06", **county: Any) -> list:
    rows = copy.deepcopy(clean_rows())
    rows["counties"][1].update(county)  # 340825, row 3
    parsed = build_file(rows, period)
    return cc.history_warnings(parsed, context(period, history=history))


def test_cumulative_count_went_down() -> None:
    hist = _history(
        [("2018-04", "340825", {"museum_tours": 9}), ("2018-05", "340825", {"museum_tours": 12})]
    )
    (f,) = _warnings(hist, museum_tours=10)
    assert (f.rule, f.severity, f.sheet, f.row, f.column) == (
        "dq.cumulative_decreased",
        "warning",
        "counties",
        3,
        "museum_tours",
    )
    assert (
        f.message
        == "县级指标第3行 流动科技馆巡展累计次数 10 比 2018-05 的 12 少，累计数不应减少，请核对"
    )


def test_cumulative_count_kept_or_raised_is_fine() -> None:
    hist = _history([("2018-05", "340825", {"museum_tours": 10, "consulting_reports": 3})])
    assert _warnings(hist, museum_tours=10, consulting_reports=4) == []


def test_history_after_the_period_is_ignored() -> None:
    hist = _history([("2018-07", "340825", {"museum_tours": 50})])
    assert _warnings(hist, museum_tours=10) == []


def test_outlier_against_the_county_history() -> None:
    hist = _history(
        [(p, "340825", {"pairing_workers": 30 + i % 3}) for i, p in enumerate(_months(12))]
    )
    found = _warnings(hist, pairing_workers=9000)
    assert [f.rule for f in found] == ["dq.outlier", "dq.jump"]  # also 9000 after 32 last month
    f = found[0]
    assert (f.severity, f.row, f.column) == ("warning", 3, "pairing_workers")
    assert (
        f.message == "县级指标第3行 劳务协作人数 9000 远离该县以往数值（近12个月中位数 31），请核对"
    )


def test_value_inside_the_history_is_no_outlier() -> None:
    hist = _history(
        [(p, "340825", {"pairing_workers": 30 + i % 3}) for i, p in enumerate(_months(12))]
    )
    assert _warnings(hist, pairing_workers=32) == []


def test_no_outlier_before_enough_history() -> None:
    hist = _history([(p, "340825", {"pairing_workers": 30}) for p in _months(5, "2018-04")])
    assert _warnings(hist, pairing_workers=9000) == []


def test_month_on_month_jump() -> None:
    hist = _history([("2018-05", "340825", {"youth_participants": 150})])
    (f,) = _warnings(hist, youth_participants=2400)
    assert (f.rule, f.severity, f.row, f.column) == ("dq.jump", "warning", 3, "youth_participants")
    assert (
        f.message
        == "县级指标第3行 青少年参与科普活动人次 2400 与上月（2018-05）的 150 相比变化过大，请核对"
    )


@pytest.mark.parametrize(("before", "now"), [(10, 15), (150, 300), (None, 3000)])
def test_small_or_moderate_changes_are_no_jump(before: int | None, now: int) -> None:
    hist = _history([("2018-05", "340825", {"youth_participants": before})] if before else [])
    assert _warnings(hist, youth_participants=now) == []


def test_jump_from_zero() -> None:
    hist = _history([("2018-05", "340825", {"pairing_projects": 0})])
    assert [f.rule for f in _warnings(hist, pairing_projects=40)] == ["dq.jump"]


def test_history_follows_the_recode() -> None:
    # July 2018 accepted under Qianshan County 340824; September's file uses Qianshan City 340882
    hist = _history([("2018-08", "340824", {"museum_tours": 30})])
    rows = copy.deepcopy(clean_rows())
    rows["counties"][0].update(county_code="340882", museum_tours=20)
    found = cc.history_warnings(build_file(rows, "2018-09"), context("2018-09", history=hist))
    assert [(f.rule, f.row) for f in found] == [("dq.cumulative_decreased", 2)]


def test_no_history_no_warning() -> None:
    assert _warnings(pd.DataFrame(columns=["period", "county_code"]), museum_tours=0) == []
    parsed = build_file(copy.deepcopy(clean_rows()))
    assert cc.history_warnings(parsed, context(history=None)) == []


# ------------------------------------------------------------------ the accepted codes


def test_accepted_counties_follow_the_hierarchy() -> None:
    huainan = cc.CheckContext.for_city("340400", "2018-06")
    assert set(huainan.accepted_counties) == {"340422", "341521"}
    assert huainan.accepted_counties["341521"].mapped
    assert huainan.county_aliases == {"340422": "340422", "341521": "340422"}
    luan = cc.CheckContext.for_city("341500", "2018-06")
    assert "341521" not in luan.accepted_counties
    assert luan.expected_counties() == ["341502", "341503", "341504", "341522", "341523", "341524"]


def test_township_variants_across_the_recode() -> None:
    ctx = cc.CheckContext.for_city("340800", "2018-09")
    assert sorted(ctx.variants("340824101")) == ["340824101", "340882101"]
    assert ctx.variants("340101101") == []


def test_register_villages_limited_to_the_city() -> None:
    ctx = context(register_villages={"340825101201", "341602101201", "340824101201"})
    assert ctx.city_register_villages == ["340824101201", "340825101201", "340882101201"]


def test_explain_a_code_not_valid_in_the_month() -> None:
    gone = Unit(
        level="county",
        code="340899",
        name_zh="旧县",
        name_en="Old",
        parent_code="340800",
        poverty_level="national",
        valid_from=None,
        valid_to=dt.date(2010, 12, 31),
        predecessor_code=None,
    )
    h = Hierarchy([*config.hierarchy().units, gone])
    ctx = cc.CheckContext("340800", "2018-06", h)
    assert cc.explain_county("340899101", ctx) == "前6位 340899（旧县）在 2018-06 无效"
    assert "340899" not in ctx.accepted_counties


def test_is_member_handles_sets_series_and_missing_values() -> None:
    values = pd.Series(["a", None, "c", "d"], dtype="str")
    assert cc.is_member(values, {"a", "d"}).tolist() == [True, False, False, True]
    known = pd.Series(["c"], dtype=object)
    assert cc.is_member(values, known).tolist() == [False, False, True, False]
    assert cc.is_member(values, set()).tolist() == [False] * 4
