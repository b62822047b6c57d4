"""Expected values, trends and statuses (pure functions; the status rules of docs/indicators.md)."""

from __future__ import annotations

import pytest

from techaid.indicators.catalogue import StatusSettings, catalogue
from techaid.indicators.status import (
    ProgramWindow,
    classify,
    expected,
    fit_line,
    forecast_index,
    required_rate,
    trend_points,
)

W = ProgramWindow("2017-01", "2020-12")
S = StatusSettings()


def test_elapsed_share_counts_the_month_itself() -> None:
    assert W.total_months == 48
    assert W.elapsed_share("2017-01") == 1 / 48
    assert W.elapsed_share("2018-12") == 0.5
    assert W.elapsed_share("2020-12") == 1.0
    assert W.elapsed_share("2021-06") == 1.0
    assert W.elapsed_share("2016-06") == 0.0
    assert W.months_left("2020-11") == 1
    assert W.months_left("2020-12") == 0


def test_expected_follows_the_trajectory() -> None:
    cat = catalogue()
    # pro rata: 0 + (350 - 0) x 12/48
    assert expected(cat["associations"], "province", 350, "2017-12", W) == 87.5
    # step: 0 before the due month, the target from it on
    assert expected(cat["county_station"], "county", 1, "2018-11", W) == 0
    assert expected(cat["county_station"], "county", 1, "2018-12", W) == 1
    # constant
    assert expected(cat["reporting_rate"], "city", 1, "2017-01", W) == 1
    assert expected(cat["agreements_active"], "county", None, "2017-01", W) is None


def test_a_baseline_shifts_the_trajectory(tmp_path) -> None:
    from tests.unit.indicators.scenarios import catalogue_with

    cat = catalogue_with(
        tmp_path,
        {"target: {province: 350}": "target: {province: 350}\n    baseline: {province: 110}"},
    )
    # 110 + (350 - 110) x 24/48 = 230
    assert expected(cat["associations"], "province", 350, "2018-12", W) == 230


def test_forecast_on_a_known_linear_series() -> None:
    points = [(i, 0.05 + 0.05 * i) for i in range(6)]
    assert fit_line(points) == pytest.approx((0.05, 0.05))
    assert forecast_index(points, 1.0, 5) == 19  # 0.05 + 0.05 x 19 = 1.0 -> 2018-08
    assert W.period(19) == "2018-08"
    assert forecast_index([(0, 0.5), (1, 0.5), (2, 0.5)], 1.0, 2) is None  # flat: never
    assert forecast_index([(0, 0.9), (1, 0.8), (2, 0.7)], 1.0, 2) is None  # falling: never
    assert required_rate(0.3, 1.0, 42) == pytest.approx(0.7 / 42)
    assert required_rate(0.3, 1.0, 0) is None  # no month left
    assert required_rate(1.2, 1.0, 3) == 0


def test_the_trend_uses_the_last_observed_months_only() -> None:
    history = [(i, 0.1 * i, False) for i in range(10)] + [(10, 0.9, True)]
    points = trend_points(history, S)
    assert points is not None
    assert [x for x, _ in points] == [4, 5, 6, 7, 8, 9]
    assert trend_points([(0, 0.1, False), (1, 0.2, False), (2, 0.3, True)], S) is None  # < 3


def _status(value, target=1.0, exp=0.5, forecast=None, trend=False, has_data=True):
    return classify(
        has_data=has_data,
        value=value,
        target=target,
        expected_value=exp,
        forecast=forecast,
        trend_known=trend,
        end_index=47,
        settings=S,
    )


def test_status_order_and_thresholds() -> None:
    assert _status(None, has_data=False) == "no_data"
    assert _status(1.0) == "met"
    assert _status(0.34) == "critical"  # below 0.5 x 0.7 = 0.35
    assert _status(0.35) == "lagging"  # not below 0.35, below 0.5 x 0.9 = 0.45
    assert _status(0.45) == "on_track"
    assert _status(0.6, forecast=48, trend=True) == "critical"  # reaches it after 2020-12
    assert _status(0.6, forecast=47, trend=True) == "on_track"
    assert _status(0.6, forecast=None, trend=False) == "on_track"  # no trend yet: vs expected


def test_a_trend_that_never_reaches_the_target_is_critical() -> None:
    # Flat or falling (no forecast month) counts as reaching the target after the deadline:
    # critical even when the value is within the tolerance of expected, or above it.
    flat = [(12, 0.3), (13, 0.3), (14, 0.3)]
    assert forecast_index(flat, 1.0, 14) is None
    assert _status(0.3, exp=0.3125, forecast=None, trend=True) == "critical"
    assert _status(0.6, exp=0.5, forecast=None, trend=True) == "critical"
    # ... never milder than a trend that reaches it too late.
    assert _status(0.6, forecast=48, trend=True) == _status(0.6, forecast=None, trend=True)
    assert _status(0.6, target=None) is None  # monitored
    assert _status(None) is None  # data, but nothing to judge (empty population)
