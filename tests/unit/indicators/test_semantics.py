"""The indicator semantics (docs/indicators.md, docs/decisions.md) on hand-computed warehouses
(SQLite here; the same tests run on PostgreSQL in tests/integration/test_indicators_postgres.py).

Program 2017-01 .. 2020-12: 48 months; month index = months since 2017-01; elapsed share at M =
(index + 1) / 48. Codes: Anqing 340800 (Qianshan 340824 -> 340882 from 2018-08, Taihu 340825),
Chizhou 341700 (Shitai 341722), province 340000.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from techaid.indicators import affected_periods, compute_period
from tests.unit.indicators.scenarios import (
    ANQING,
    CHIZHOU,
    PROVINCE,
    QIANSHAN,
    QIANSHAN_OLD,
    SHITAI,
    TAIHU,
    Warehouse,
    scenario_agreements,
    scenario_carry_forward,
    scenario_correction,
    scenario_experts,
    scenario_flat,
    scenario_flows,
    scenario_linear,
    scenario_ratio_of_sums,
    scenario_recode,
    scenario_register_denominator,
    scenario_reporting,
    scenario_stations,
)


@pytest.fixture
def url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.fixture
def wh(url: str) -> Iterator[Warehouse]:
    w = Warehouse(url)
    yield w
    w.dispose()


def test_a_stock_is_carried_over_a_missing_month(wh: Warehouse) -> None:
    scenario_carry_forward(wh)
    june = wh.value("2018-06", "associations", "county", QIANSHAN_OLD)
    # Anqing sent nothing for June: May's villages (2 + 1 associations) are carried forward.
    assert (june["value"], june["carried_forward"], june["source_period"]) == (3, True, "2018-05")
    station = wh.value("2018-06", "county_station", "county", QIANSHAN_OLD)
    assert (station["value"], station["carried_forward"]) == (1, True)
    cov = wh.value("2018-06", "village_coverage", "county", QIANSHAN_OLD)
    assert (cov["numerator"], cov["denominator"], cov["value"]) == (1, 2, 0.5)  # 1 of 2 covered
    # A city is carried forward when all its counties with data are; so is the province here
    # (Chizhou has never reported, Anqing's counties are all carried).
    assert wh.value("2018-06", "associations", "city", ANQING)["carried_forward"] is True
    assert wh.value("2018-06", "associations", "province", PROVINCE)["carried_forward"] is True
    # A flow is never carried: June adds nothing, the sum stays May's 10.
    youth = wh.value("2018-06", "youth_participation", "county", QIANSHAN_OLD)
    assert (youth["value"], youth["carried_forward"]) == (10, False)
    # July is reported again: fresh values, 10 + 4 youth participants.
    july = wh.value("2018-07", "county_station", "county", QIANSHAN_OLD)
    assert (july["value"], july["carried_forward"], july["source_period"]) == (1, False, "2018-07")
    assert wh.value("2018-07", "youth_participation", "county", QIANSHAN_OLD)["value"] == 14


def test_a_flows_completeness_counts_its_missing_months(wh: Warehouse) -> None:
    scenario_carry_forward(wh)

    # The window runs from the first month held (2018-05; the program started 2017-01) to the
    # period. Anqing sent May and July, nothing in June; Chizhou (Shitai) nothing at all.
    def completeness(
        period: str, level: str, org: str, code: str = "youth_participation"
    ) -> float | None:
        return wh.value(period, code, level, org)["completeness"]

    assert completeness("2018-05", "county", QIANSHAN_OLD) == 1.0  # 1 of 1
    assert completeness("2018-06", "county", QIANSHAN_OLD) == 0.5  # 1 of 2
    assert completeness("2018-07", "county", QIANSHAN_OLD) == 0.666666667  # 2 of 3
    assert completeness("2018-07", "county", TAIHU) == 0.666666667
    assert completeness("2018-07", "county", SHITAI) == 0  # 0 of 3 (no value at all)
    assert completeness("2018-07", "county", QIANSHAN_OLD, "pairing_funds") == 0.666666667
    # Above the county: over the counties' months. Anqing (2 + 2) / (3 + 3); province 4 / 9.
    assert completeness("2018-07", "city", ANQING) == 0.666666667
    assert completeness("2018-07", "city", CHIZHOU) == 0
    assert completeness("2018-07", "province", PROVINCE) == 0.444444444
    # The reporting rate, a flow of the cities: months accepted (on time or not) / expected.
    assert completeness("2018-07", "city", ANQING, "reporting_rate") == 0.666666667
    assert completeness("2018-07", "province", PROVINCE, "reporting_rate") == 0.333333333
    # Stocks have none, at any level.
    stock_indicators = {"associations", "village_coverage", "county_station", "experts_engaged"}
    stocks = [r for r in wh.values(period="2018-07") if r["indicator"] in stock_indicators]
    assert stocks
    assert {r["completeness"] for r in stocks} == {None}


def test_a_configured_reporting_start_opens_the_flow_window(url: str) -> None:
    wh = Warehouse(url, reporting_start="2018-04")
    scenario_carry_forward(wh)
    # 2018-04 .. 2018-07: 4 months, Qianshan has May and July.
    row = wh.value("2018-07", "youth_participation", "county", QIANSHAN_OLD)
    assert (row["value"], row["completeness"]) == (14, 0.5)
    wh.dispose()


def test_a_county_never_accepted_has_no_data(wh: Warehouse) -> None:
    scenario_carry_forward(wh)
    shitai = wh.value("2018-06", "village_coverage", "county", SHITAI)
    assert (shitai["value"], shitai["status"]) == (None, "no_data")
    assert wh.value("2018-06", "village_coverage", "city", CHIZHOU)["status"] == "no_data"
    # Taihu reported but has no poor village in the register: no share to judge, no status.
    taihu = wh.value("2018-06", "village_coverage", "county", TAIHU)
    assert (taihu["value"], taihu["denominator"], taihu["status"]) == (None, 0, None)


def test_a_flow_is_not_double_counted_on_rerun(wh: Warehouse) -> None:
    scenario_flows(wh)  # computes every month twice
    # 10 + 20 + 5 youth participants; funds 0.1 + 0.2 + 0.4 (10,000 yuan).
    march = wh.value("2018-03", "youth_participation", "county", QIANSHAN_OLD)
    assert (march["value"], march["numerator"], march["denominator"]) == (35, 35, None)
    assert wh.value("2018-03", "pairing_funds", "county", QIANSHAN_OLD)["value"] == 0.7
    assert wh.value("2018-03", "youth_participation", "province", PROVINCE)["value"] == 35
    assert wh.value("2018-01", "youth_participation", "county", QIANSHAN_OLD)["value"] == 10
    # Monitored: no target, expected, attainment or status.
    unset = ("target", "expected", "attainment", "status")
    assert {k: march[k] for k in unset} == dict.fromkeys(unset)


def test_a_corrected_flow_month_replaces_its_figures(wh: Warehouse) -> None:
    scenario_flows(wh)
    wh.submit(ANQING, "2018-02", counties={QIANSHAN_OLD: {"youth_participants": 25}})
    wh.recompute("2018-02")
    # February's current version says 25, not 20: 10 + 25 + 5 = 40 (never 10 + 20 + 25 + 5).
    assert wh.value("2018-03", "youth_participation", "county", QIANSHAN_OLD)["value"] == 40


def test_a_share_is_a_ratio_of_sums_not_an_average(wh: Warehouse) -> None:
    scenario_ratio_of_sums(wh)
    assert wh.value("2018-06", "village_coverage", "county", QIANSHAN_OLD)["value"] == 0.25
    assert wh.value("2018-06", "village_coverage", "county", TAIHU)["value"] == 1.0
    city = wh.value("2018-06", "village_coverage", "city", ANQING)
    # (1 + 1) / (4 + 1) = 0.4; the average of the shares would be (0.25 + 1.0) / 2 = 0.625.
    assert (city["numerator"], city["denominator"], city["value"]) == (2, 5, 0.4)
    prov = wh.value("2018-06", "village_coverage", "province", PROVINCE)
    # (1 + 1 + 0) / (4 + 1 + 2) = 2/7
    assert (prov["numerator"], prov["denominator"], prov["value"]) == (2, 7, 0.285714286)


def test_a_submission_cannot_shrink_the_register_denominator(wh: Warehouse) -> None:
    scenario_register_denominator(wh)
    june = wh.value("2018-06", "village_coverage", "county", TAIHU)
    # t1, t2 covered of the 3 register villages (the non-poor village does not count).
    assert (june["numerator"], june["denominator"]) == (2, 3)
    july = wh.value("2018-07", "village_coverage", "county", TAIHU)
    # July lists only t1: t2 and t3 stay in the denominator and count 0: 1/3, not 1/1.
    assert (july["numerator"], july["denominator"], july["value"]) == (1, 3, 0.333333333)
    # One-product poor villages: t1 and t2 (t3 is not one-product). t1 has an association.
    assert wh.value("2018-06", "village_association", "county", TAIHU)["value"] == 0.5
    july_assoc = wh.value("2018-07", "village_association", "county", TAIHU)
    # t2, left out in July, keeps its last reported flag (yes) and counts 0: 1/2, not 1/1.
    assert (july_assoc["numerator"], july_assoc["denominator"]) == (1, 2)
    # The associations count takes every listed village, poor or not: 1 + 0 + 0 + 5 in June.
    assert wh.value("2018-06", "associations", "county", TAIHU)["value"] == 6


def test_every_county_has_a_station_rolls_up_as_a_share_of_counties(wh: Warehouse) -> None:
    scenario_stations(wh)
    # County level: 0 or 1 (Qianshan 1 station, Taihu none, Shitai 3 -> 1).
    assert wh.value("2018-06", "county_station", "county", TAIHU)["value"] == 0
    assert wh.value("2018-06", "county_station", "county", SHITAI)["value"] == 1
    anqing = wh.value("2018-06", "county_station", "city", ANQING)
    assert (anqing["numerator"], anqing["denominator"], anqing["value"]) == (1, 2, 0.5)
    prov = wh.value("2018-06", "county_station", "province", PROVINCE)
    assert (prov["numerator"], prov["denominator"], prov["value"]) == (2, 3, 0.666666667)
    # Step trajectory: expected 0 before the due month 2018-12, the target from it on.
    before = wh.value("2018-06", "county_station", "county", TAIHU)
    assert (before["expected"], before["status"]) == (0, "on_track")
    due = wh.value("2018-12", "county_station", "county", TAIHU)
    assert (due["expected"], due["target"], due["status"]) == (1, 1, "critical")  # 0 < 0.7
    assert due["forecast_period"] is None  # a step gets no trend forecast
    assert wh.value("2018-12", "county_station", "county", QIANSHAN)["status"] == "met"
    assert wh.value("2018-12", "county_station", "province", PROVINCE)["status"] == "critical"


def test_a_correction_changes_its_month_and_later_ones_only(wh: Warehouse) -> None:
    before = scenario_correction(wh)
    # Taihu covers 1 of 4 in March, 2 of 4 in April; May is carried from April.
    assert wh.value("2018-05", "village_coverage", "county", TAIHU)["value"] == 0.5
    assert affected_periods(wh.engine, ["2018-04"]) == ["2018-04", "2018-05"]
    assert wh.recompute("2018-04") == ["2018-04", "2018-05"]
    # The corrected April covers 3 of 4; May carries it; youth 1 + 7 instead of 1 + 2.
    assert wh.value("2018-04", "village_coverage", "county", TAIHU)["value"] == 0.75
    may = wh.value("2018-05", "village_coverage", "county", TAIHU)
    assert (may["value"], may["carried_forward"], may["source_period"]) == (0.75, True, "2018-04")
    assert wh.value("2018-05", "youth_participation", "county", TAIHU)["value"] == 8
    assert wh.values(period="2018-03") == before["2018-03"]  # March untouched
    assert wh.values(period="2018-05") != before["2018-05"]


def test_the_qianshan_recode_keeps_one_series(wh: Warehouse) -> None:
    scenario_recode(wh)
    codes = {
        p: {r["org_code"] for r in wh.values(period=p, level="county")}
        for p in ("2018-07", "2018-08")
    }
    assert QIANSHAN_OLD in codes["2018-07"]
    assert QIANSHAN not in codes["2018-07"]
    assert QIANSHAN in codes["2018-08"]
    assert QIANSHAN_OLD not in codes["2018-08"]
    aug = wh.value("2018-08", "village_coverage", "county", QIANSHAN)
    # August has no submission: July's value (2 of 4, filed under 340824) carried to 340882.
    assert (aug["value"], aug["carried_forward"], aug["source_period"]) == (0.5, True, "2018-07")
    sep = wh.value("2018-09", "village_coverage", "county", QIANSHAN)
    # September's villages (340882...) meet the register's (340824...): 3 of 4.
    assert (sep["numerator"], sep["denominator"], sep["carried_forward"]) == (3, 4, False)
    # Flows across both codes: 10 + 20 + 5.
    assert wh.value("2018-09", "youth_participation", "county", QIANSHAN)["value"] == 35
    # Trend over the observed months of both codes (August carried, left out):
    # (idx 17, 0.25), (18, 0.5), (20, 0.75): slope 0.75 / 4.6667 = 0.1607, intercept -2.4464;
    # 1.0 is reached at idx (1 + 2.4464) / 0.1607 = 21.44 -> 22 = 2018-11.
    assert sep["forecast_period"] == "2018-11"
    assert sep["status"] == "on_track"  # 0.75 >= expected 21/48 x 0.9
    # The ranking follows the series: August's previous rank is July's rank of 340824.
    aug_rank = {r["county_code"]: r for r in wh.ranking("2018-08")}
    jul_rank = {r["county_code"]: r for r in wh.ranking("2018-07")}
    assert aug_rank[QIANSHAN]["previous_rank"] == jul_rank[QIANSHAN_OLD]["rank"]


def test_forecast_and_required_rate_on_a_linear_series(wh: Warehouse) -> None:
    scenario_linear(wh)
    june = wh.value("2017-06", "village_coverage", "county", TAIHU)
    # 0.05, 0.10, ... 0.30 at idx 0..5: value = 0.05 + 0.05 idx reaches 1.0 at idx 19 = 2018-08.
    assert june["value"] == 0.3
    assert june["forecast_period"] == "2018-08"
    # (1.0 - 0.30) / (47 - 5 months left) = 0.7 / 42
    assert june["required_monthly_rate"] == pytest.approx(0.7 / 42, abs=1e-9)
    # expected = 6/48 = 0.125; attainment = 0.3 / 1.0
    assert (june["expected"], june["attainment"], june["status"]) == (0.125, 0.3, "on_track")
    # Qianshan: 0.50, 0.51, 0.52 by 2017-03: reaches 1.0 only at idx 50 = 2021-03, after the
    # deadline: critical although far above expected (3/48).
    march = wh.value("2017-03", "village_coverage", "county", QIANSHAN_OLD)
    assert (march["forecast_period"], march["status"]) == ("2021-03", "critical")
    # With 2 points there is no trend yet.
    feb = wh.value("2017-02", "village_coverage", "county", QIANSHAN_OLD)
    assert (feb["forecast_period"], feb["status"]) == (None, "on_track")


def test_a_flat_or_falling_trend_below_the_target_is_critical(wh: Warehouse) -> None:
    scenario_flat(wh)
    # Taihu: 0.3 every month. In 2018-03 (idx 14) expected = 15/48 = 0.3125; 0.3 is within the
    # 10 % tolerance (>= 0.28125), but the trend over 3 points is flat: it never reaches 1.0,
    # which counts as reaching it after the deadline.
    march = wh.value("2018-03", "village_coverage", "county", TAIHU)
    assert (march["value"], march["expected"]) == (0.3, 0.3125)
    assert (march["forecast_period"], march["status"]) == (None, "critical")
    # (1.0 - 0.3) / 33 months left still needed.
    assert march["required_monthly_rate"] == pytest.approx(0.7 / 33, abs=1e-9)
    # With 2 points there is no trend: judged against expected (14/48 = 0.2917): on track.
    assert wh.value("2018-02", "village_coverage", "county", TAIHU)["status"] == "on_track"
    # Shitai falls 0.5, 0.4, 0.3: critical too, and both are lagging in the ranking.
    assert wh.value("2018-03", "village_coverage", "county", SHITAI)["status"] == "critical"
    ranks = {r["county_code"]: r for r in wh.ranking("2018-03")}
    assert ranks[TAIHU]["lagging"]
    assert ranks[TAIHU]["lagging_indicators"] == "village_coverage"
    assert ranks[SHITAI]["lagging_indicators"] == "village_coverage"


def test_experts_are_counted_once_province_wide_when_filed(wh: Warehouse) -> None:
    scenario_experts(wh)
    # Qianshan E1; Taihu E2 (filed on 2018-06-30; E3 filed after, E4 never); Shitai E1.
    assert wh.value("2018-06", "experts_engaged", "county", QIANSHAN_OLD)["value"] == 1
    assert wh.value("2018-06", "experts_engaged", "county", TAIHU)["value"] == 1
    assert wh.value("2018-06", "experts_engaged", "city", ANQING)["value"] == 2
    assert wh.value("2018-06", "experts_engaged", "city", CHIZHOU)["value"] == 1
    prov = wh.value("2018-06", "experts_engaged", "province", PROVINCE)
    # E1 (two cities) and E2: 2, not 3. Target 6000, expected 6000 x 18/48 = 2250.
    assert (prov["value"], prov["target"], prov["expected"]) == (2, 6000, 2250)


def test_the_reporting_rate_counts_months_on_time(wh: Warehouse) -> None:
    scenario_reporting(wh)
    # From the first month held (2018-01) to March: Anqing on time in January and March (its
    # later correction does not undo that), late in February: 2/3. Chizhou: January refused,
    # February missing, March on time: 1/3. Province: 3/6.
    anqing = wh.value("2018-03", "reporting_rate", "city", ANQING)
    assert (anqing["numerator"], anqing["denominator"]) == (2, 3)
    assert anqing["status"] == "critical"  # constant trajectory: expected 1.0; 0.667 < 0.7
    assert wh.value("2018-03", "reporting_rate", "city", CHIZHOU)["value"] == 0.333333333
    prov = wh.value("2018-03", "reporting_rate", "province", PROVINCE)
    assert (prov["numerator"], prov["denominator"], prov["value"]) == (3, 6, 0.5)
    assert wh.value("2018-01", "reporting_rate", "city", ANQING)["status"] == "met"
    assert not wh.values(indicator="reporting_rate", level="county")


def test_a_configured_reporting_start_is_used(url: str) -> None:
    wh = Warehouse(url, reporting_start="2018-02")
    scenario_reporting(wh)
    # February late, March on time: 1/2.
    anqing = wh.value("2018-03", "reporting_rate", "city", ANQING)
    assert (anqing["numerator"], anqing["denominator"]) == (1, 2)
    wh.dispose()


def test_active_agreements_on_the_months_last_day(wh: Warehouse) -> None:
    scenario_agreements(wh)
    # A1 (valid through 2018-06-30) and A4 (household H1, a Taihu household by the register).
    assert wh.value("2018-06", "agreements_active", "county", TAIHU)["value"] == 2
    assert wh.value("2018-06", "agreements_active", "province", PROVINCE)["value"] == 2


def test_the_ranking_lists_the_furthest_behind_first(wh: Warehouse) -> None:
    scenario_stations(wh)
    ranks = wh.ranking("2018-12")
    # At 2018-12 four "every county" indicators are due and nobody has them (caravan, school
    # museum, consulting, association): shortfall 1 each; Taihu also lacks a station: 5 vs 4.
    assert [(r["county_code"], r["score"], r["rank"]) for r in ranks] == [
        (TAIHU, 5.0, 1),
        (QIANSHAN, 4.0, 2),
        (SHITAI, 4.0, 3),  # tie broken by county code
    ]
    taihu = ranks[0]
    assert taihu["lagging"] is True
    assert taihu["lagging_indicators"].split(",") == [
        "county_association",
        "county_caravan",
        "county_consulting",
        "county_school_museum",
        "county_station",
    ]
    # Before the due month nothing is expected: no score, nobody lagging, ranked by code.
    june = wh.ranking("2018-06")
    assert [(r["county_code"], r["score"], r["lagging"]) for r in june] == [
        (QIANSHAN_OLD, 0, False),
        (TAIHU, 0, False),
        (SHITAI, 0, False),
    ]


def test_a_missing_or_refused_submission_makes_its_counties_lagging(wh: Warehouse) -> None:
    scenario_reporting(wh)
    jan = {r["county_code"]: r for r in wh.ranking("2018-01")}
    assert jan[SHITAI]["lagging"] is True
    assert '"submission_rejected"' in jan[SHITAI]["reasons"]
    feb = {r["county_code"]: r for r in wh.ranking("2018-02")}
    assert '"submission_missing"' in feb[SHITAI]["reasons"]
    assert feb[TAIHU]["lagging"] is False  # Anqing's February was late but accepted
    assert feb[TAIHU]["previous_rank"] == jan[TAIHU]["rank"]
    assert feb[TAIHU]["rank_change"] == jan[TAIHU]["rank"] - feb[TAIHU]["rank"]


def test_computing_twice_gives_the_same_rows(wh: Warehouse) -> None:
    scenario_recode(wh)
    first = (wh.values(), [r for p in ("2018-06", "2018-09") for r in wh.ranking(p)])
    wh.compute("2018-06", "2018-07", "2018-08", "2018-09")
    assert (wh.values(), [r for p in ("2018-06", "2018-09") for r in wh.ranking(p)]) == first


def test_villages_left_out_of_a_snapshot_are_warned_about(wh: Warehouse) -> None:
    scenario_register_denominator(wh)
    result = compute_period(wh.engine, "2018-07", wh.settings)
    # July lists t1 only: t2 and t3 of the register are left out.
    assert result.warnings == (
        f"county {TAIHU}: 2 poor village(s) of the register not listed in the 2018-07"
        " submission (counted as not reached)",
    )
