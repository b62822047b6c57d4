"""Pairing suggestions for the month's lagging counties: matches first, then the county's own
city, then the least loaded, then id; never a fabricator; a reason for each; another city's
helper shown by name, specialty and city only; published idempotently under the county helped.

Each test runs on SQLite and on PostgreSQL (the ``postgres`` marker: required under CI=true).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from techaid.recommend import pairing, shortlist
from tests.unit.recommend.world import (
    ANQING,
    CHIZHOU,
    QIANSHAN,
    RUN,
    SHITAI,
    TAIHU,
    Warehouse,
    agreement,
    evaluation,
    expert,
    org,
    rules,
)

JUNE = "2018-06"


@pytest.fixture
def wh(backend_url: str) -> Iterator[Warehouse]:
    w = Warehouse(backend_url)
    w.submit(
        ANQING,
        JUNE,
        townships=[
            {"township_code": f"{TAIHU}101", "industry": "茶叶、生猪"},
            {"township_code": f"{TAIHU}102", "industry": None},
            {"township_code": f"{QIANSHAN}101", "industry": "水产"},
        ],
        experts=[
            expert("E01"),  # crops: matches 茶叶, but two agreements in force
            expert("E02"),  # crops, free
            expert("E03", specialty="livestock"),  # matches 生猪
            expert("E04", specialty="health"),  # no match
            expert("E05"),  # flagged for fabricated material: never suggested
            expert("E06", filed=None),  # not filed: never suggested
        ],
        organizations=[
            org("O01"),
            org("O02", location=QIANSHAN),
            org("O03", kind="enterprise"),  # not a helping type
        ],
        agreements=[
            agreement("A1", "E01"),
            agreement("A2", "E01"),
            agreement("A3", "E02", status="completed"),
        ],
        evaluations=[evaluation("E05", 95, year=2017, fabrication=True)],
    )
    # Chizhou's latest accepted file is May's: its snapshot stands for June
    w.submit(
        CHIZHOU,
        "2018-05",
        townships=[{"township_code": f"{SHITAI}101", "industry": "乡村旅游"}],
        experts=[expert("C01", county=SHITAI)],
    )
    w.lagging(JUNE, TAIHU, ANQING, 1)
    w.lagging(JUNE, SHITAI, CHIZHOU, 2)
    w.lagging(JUNE, QIANSHAN, ANQING, 3, lagging=False)
    yield w
    w.dispose()


def by_county(found: list[pairing.Suggestion]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for s in found:
        out.setdefault(s.county_code, []).append(s.subject_id)
    return out


def test_order_matches_city_load_id_and_never_a_fabricator(wh: Warehouse) -> None:
    found = pairing.suggest(wh.engine, JUNE, rules())
    # Taihu grows tea and pigs: crops and livestock experts and the association located there
    # match; among them Anqing's own first, the free before E01 (two in force), then Chizhou's.
    # Shitai's tourism matches no keyword: its own city first, then the least loaded by id.
    assert by_county(found) == {
        TAIHU: ["E02", "E03", "O01", "E01", "C01"],
        SHITAI: ["C01", "E02", "E03", "E04", "O01"],
    }
    taihu = {s.subject_id: s for s in found if s.county_code == TAIHU}
    assert (
        taihu["E02"].reason
        == "专业「种植」对应该县特色产业（茶叶、生猪）；本市专家；执行中帮扶协议0项"
    )
    assert taihu["E01"].reason.endswith("执行中帮扶协议2项")
    assert taihu["O01"].reason.startswith("农技协，位于该县")
    assert taihu["C01"].reason.endswith("外市（池州市）专家；执行中帮扶协议0项")
    shitai = [s for s in found if s.county_code == SHITAI]
    assert all(
        "该县特色产业（乡村旅游）未匹配任何专业关键词" in s.reason
        for s in shitai
        if s.subject_kind == "expert"
    )
    assert [s.rank for s in shitai] == [1, 2, 3, 4, 5]


def test_another_citys_helper_shows_name_specialty_and_city_only(wh: Warehouse) -> None:
    found = pairing.suggest(wh.engine, JUNE, rules())
    other = next(s for s in found if s.county_code == TAIHU and s.subject_id == "C01")
    assert other.shown() == {
        "name": "专家C01",
        "specialty": "种植",
        "city": "池州市",
        "reason": other.reason,
    }
    assert SHITAI not in other.reason
    assert SHITAI not in other.affiliation
    own = next(s for s in found if s.county_code == TAIHU and s.subject_id == "E02")
    assert own.shown()["id"] == "E02"


def test_published_under_the_county_helped_and_replaced_on_rerun(wh: Warehouse) -> None:
    shortlist.publish(
        wh.engine, shortlist.build(wh.engine, 2018, RUN, rules()), "recommendation", 2018
    )
    wh.lagging("2018-05", TAIHU, ANQING, 1)
    pairing.publish(wh.engine, "2018-05")
    may = wh.rows(kind="pairing", period="2018-05")
    recommendation = wh.rows(kind="recommendation")
    pairing.publish(wh.engine, JUNE)
    first = wh.rows(kind="pairing", period=JUNE)
    pairing.publish(wh.engine, JUNE)
    assert wh.rows(kind="pairing", period=JUNE) == first  # replaced, never doubled
    assert wh.rows(kind="pairing", period="2018-05") == may
    assert wh.rows(kind="recommendation") == recommendation
    c01 = next(r for r in first if r["subject_id"] == "C01" and r["county_code"] == TAIHU)
    expected = {"city_code": ANQING, "year": 2018, "status": "ranked", "rank": 5}
    assert {k: c01[k] for k in expected} == expected
    assert c01["affiliation"] == "种植，池州市"
    assert c01["notice_start"] is None
    assert len(first) == 10
