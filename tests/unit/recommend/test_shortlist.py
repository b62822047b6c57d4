"""The yearly shortlist: who is considered, why each one is excluded, how the ranked are ordered,
what the score is made of, and that publishing a year again changes nothing.

Each test runs on SQLite and on PostgreSQL (the ``postgres`` marker: required under CI=true).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest

from techaid.recommend import shortlist
from techaid.recommend.rules import Weights
from tests.unit.recommend.world import (
    ANQING,
    CHIZHOU,
    QIANSHAN,
    RUN,
    SHITAI,
    TAIHU,
    Warehouse,
    activity,
    agreement,
    evaluation,
    expert,
    org,
    rules,
    village,
)

D = dt.date


@pytest.fixture
def wh(backend_url: str) -> Iterator[Warehouse]:
    w = Warehouse(backend_url)
    yield w
    w.dispose()


def by_id(rows: list[dict]) -> dict[str, dict]:
    return {r["subject_id"]: r for r in rows}


def test_each_candidate_once_with_its_first_failing_reason(wh: Warehouse) -> None:
    helped = [agreement(f"A{i}", e) for i, e in enumerate(["E04", "E05", "E06", "E07", "E08"])]
    wh.submit(ANQING, "2017-12", evaluations=[evaluation("E07", 95, year=2017, fabrication=True)])
    wh.submit(ANQING, "2018-06", experts=[expert("E08")])
    wh.submit(
        ANQING,
        "2018-12",
        experts=[
            expert("E01", filed=None),  # fails everything: the first reason is told
            expert("E02", filed=D(2019, 1, 10)),
            expert("E03"),
            expert("E04"),
            expert("E05"),
            expert("E06"),
            expert("E07"),
            expert("E08"),
        ],
        organizations=[org("O01"), org("O02", kind="enterprise")],  # enterprises not eligible
        agreements=[*helped, agreement("A9", "O01", kind="organization")],
        evaluations=[
            evaluation("E03", 95),
            evaluation("E04", 95, recommends=False),
            evaluation("E06", 79.9),
            evaluation("E07", 95),
            evaluation("E08", 85),
            evaluation("O01", 90, kind="organization"),
        ],
    )
    rows = shortlist.build(wh.engine, 2018, RUN, rules())
    got = {
        r["subject_id"]: (r["status"], r["reasons"] if r["status"] == "excluded" else r["rank"])
        for r in rows
    }
    assert got == {
        "E01": ("excluded", "not_filed"),
        "E02": ("excluded", "filed_after_year_end"),
        "E03": ("excluded", "no_active_agreement"),
        "E04": ("excluded", "not_recommended"),
        "E05": ("excluded", "no_evaluation"),
        "E06": ("excluded", "below_threshold"),
        "E07": ("excluded", "fabrication"),
        "E08": ("ranked", 1),
        "O01": ("ranked", 1),
    }
    assert len(rows) == len(got)  # E08, listed in two months, appears once


def test_ties_then_city_cap_then_quota(wh: Warehouse) -> None:
    anqing = {
        "E1": (90, D(2018, 5, 1)),
        "E2": (90, D(2018, 2, 1)),
        "E3": (90, D(2018, 2, 1)),
        "E4": (84, D(2018, 1, 1)),
    }
    chizhou = {"E5": (85, D(2018, 6, 1)), "E6": (83, D(2018, 1, 1))}
    for city, county, people in ((ANQING, TAIHU, anqing), (CHIZHOU, SHITAI, chizhou)):
        wh.submit(
            city,
            "2018-12",
            experts=[expert(e, county=county, filed=f) for e, (_, f) in people.items()],
            agreements=[agreement(f"A{e}", e, target=village(county, 1)) for e in people],
            evaluations=[evaluation(e, s) for e, (s, _) in people.items()],
        )
    rows = by_id(shortlist.build(wh.engine, 2018, RUN, rules(quotas=(3, 3), cap=2)))
    ranked = sorted((r["rank"], e) for e, r in rows.items() if r["status"] == "ranked")
    # equal scores: earlier filing first (E2, E3 before E1), then id (E2 before E3)
    assert ranked == [(1, "E2"), (2, "E3"), (3, "E5")]
    assert rows["E1"]["reasons"] == "over_city_cap"  # Anqing already has its 2
    assert rows["E4"]["reasons"] == "over_city_cap"
    assert rows["E6"]["reasons"] == "over_quota"  # Chizhou has room, the quota has not
    assert rows["E6"]["score"] == 83
    assert rows["E6"]["rank"] is None


def test_quota_cuts_a_three_way_tie_by_filing_date_then_id(wh: Warehouse) -> None:
    """Three experts tie on the score where the quota of 2 cuts: the earlier filing goes first,
    the same filing date falls back to the id, and the third is over the quota."""
    people = {"E7": D(2018, 3, 1), "E8": D(2018, 2, 1), "E9": D(2018, 3, 1)}
    wh.submit(
        ANQING,
        "2018-12",
        experts=[expert(e, county=TAIHU, filed=f) for e, f in people.items()],
        agreements=[agreement(f"A{e}", e, target=village(TAIHU, 1)) for e in people],
        evaluations=[evaluation(e, 88) for e in people],
    )
    rows = by_id(shortlist.build(wh.engine, 2018, RUN, rules(quotas=(2, 2), cap=None)))
    ranked = sorted((r["rank"], e) for e, r in rows.items() if r["status"] == "ranked")
    assert ranked == [(1, "E8"), (2, "E7")]
    assert rows["E9"]["reasons"] == "over_quota"
    assert rows["E9"]["score"] == rows["E7"]["score"]


def test_score_is_the_weighted_evaluation_plus_the_years_measured_contribution(
    wh: Warehouse,
) -> None:
    w = Weights(evaluation=1, villages=2, households=0.5, activities=1, county_progress=0.1)
    v = [village(TAIHU, n) for n in range(1, 5)]
    deals = [
        agreement("A1", "E1", target=v[0]),
        agreement("A2", "E1", target=v[1]),
        agreement("A3", "E1", target=v[0]),  # the same village twice counts once
        agreement("A4", "E1", target="3408251012010001", target_kind="household"),
        agreement("A5", "E1", target="3408251012010002", target_kind="household"),
        agreement("A6", "E1", target=v[2], start=D(2017, 1, 1), end=D(2017, 12, 31)),  # before
        # started earlier and completed since: it overlapped the year, so it counts
        agreement(
            "A7", "E1", target=v[3], start=D(2016, 1, 1), end=D(2018, 2, 28), status="completed"
        ),
    ]
    wh.submit(ANQING, "2018-06", activities=[activity("H1", ["E1", "E2"]), activity("H2", ["E1"])])
    wh.submit(ANQING, "2018-07", activities=[activity("H1", ["E1"], held=D(2018, 7, 3))])
    wh.submit(ANQING, "2019-01", activities=[activity("H9", ["E1"], held=D(2019, 1, 3))])
    wh.submit(
        ANQING,
        "2018-12",
        experts=[expert("E1")],
        agreements=deals,
        evaluations=[evaluation("E1", 88)],
    )
    for period, values in (("2018-12", (0.8, 1.5)), ("2017-12", (0.5, 0.5))):
        for n, att in enumerate(values):
            wh.indicator(period, TAIHU, f"ind{n}", att)
    row = by_id(shortlist.build(wh.engine, 2018, RUN, rules(weights=w)))["E1"]
    parts = json.loads(row["reasons"])
    measured = {k: parts[k]["measure"] for k in parts if k != "total"}
    # villages v1, v2, v4; households 2; activities H1, H2 (June) and H1 (July: ids are unique
    # within a file only), not January 2019's; county attainment (min(0.8,1) + min(1.5,1)) / 2 = 0.9 at 2018-12 against 0.5 a year
    # earlier: 40 points
    assert measured == pytest.approx(
        {"evaluation": 88, "villages": 3, "households": 2, "activities": 3, "county_progress": 40}
    )
    assert row["score"] == pytest.approx(88 + 2 * 3 + 0.5 * 2 + 1 * 3 + 0.1 * 40)
    assert parts["total"] == pytest.approx(row["score"])
    assert sum(p["points"] for k, p in parts.items() if k != "total") == pytest.approx(row["score"])


def test_latest_listing_and_next_years_evaluation_decide(wh: Warehouse) -> None:
    wh.submit(ANQING, "2018-03", experts=[expert("E1", filed=None), expert("E2", filed=None)])
    wh.submit(
        ANQING,
        "2018-09",
        experts=[expert("E1", filed=D(2018, 8, 1), county=QIANSHAN), expert("E2", filed=None)],
        agreements=[agreement("A1", "E1"), agreement("A2", "E2")],
        evaluations=[evaluation("E1", 70)],
    )
    # the evaluation of 2018 corrected in January 2019's file; one for 2017 does not count
    wh.submit(
        ANQING, "2019-01", evaluations=[evaluation("E1", 91), evaluation("E2", 99, year=2017)]
    )
    rows = by_id(shortlist.build(wh.engine, 2018, RUN, rules()))
    assert rows["E1"]["status"] == "ranked"
    assert rows["E1"]["score"] == 91
    assert rows["E1"]["county_code"] == QIANSHAN
    assert rows["E1"]["filed_on"] == D(2018, 8, 1)
    assert rows["E1"]["affiliation"] == "高校，服务安庆市"
    assert rows["E2"]["reasons"] == "not_filed"


def test_notice_period_and_republishing_the_year(wh: Warehouse) -> None:
    wh.submit(
        ANQING,
        "2018-12",
        experts=[expert("E1")],
        agreements=[agreement("A1", "E1")],
        evaluations=[evaluation("E1", 90)],
    )
    wh.submit(ANQING, "2017-12", experts=[expert("E1", filed=D(2017, 1, 1))])
    cfg = rules(days=9)
    shortlist.publish(wh.engine, shortlist.build(wh.engine, 2017, RUN, cfg), "recommendation", 2017)
    first = shortlist.build(wh.engine, 2018, RUN, cfg)
    shortlist.publish(wh.engine, first, "recommendation", 2018)
    before = wh.rows()
    shortlist.publish(wh.engine, shortlist.build(wh.engine, 2018, RUN, cfg), "recommendation", 2018)
    assert wh.rows() == before  # the same rows, nothing doubled, 2017 untouched
    ranked = wh.rows(year=2018, status="ranked")
    assert [(r["notice_start"], r["notice_end"]) for r in ranked] == [(RUN, D(2019, 2, 2))]
    assert [r["year"] for r in wh.rows(year=2017)] == [2017]
    assert all(r["notice_start"] is None for r in wh.rows(status="excluded"))
    fixed = rules(start={2018: D(2019, 2, 11)})
    rows = shortlist.build(wh.engine, 2018, D(2019, 3, 1), fixed)
    assert (rows[0]["notice_start"], rows[0]["notice_end"]) == (D(2019, 2, 11), D(2019, 2, 17))
