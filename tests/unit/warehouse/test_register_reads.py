"""A city's checks read the register in force for its counties only: by village-code range over an
index of its own, not a scan of every province's row. What comes back is what a user would check
against, on both backends."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from techaid.warehouse import reads, schema
from techaid.warehouse.register import load_register

DAY, OTHER_DAY = dt.date(2018, 1, 1), dt.date(2018, 6, 1)
TAIHU, SUSONG, YUEXI = "340825", "340826", "340828"


def _villages(codes: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "village_code": codes,
            "village_name": [f"村{c[-3:]}" for c in codes],
            "township_code": [c[:9] for c in codes],
            "township_name": [f"镇{c[6:9]}" for c in codes],
            "county_code": [c[:6] for c in codes],
        }
    )


def _households(villages: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "household_id": [f"{v}{i:07d}" for i, v in enumerate(villages)],
            "village_code": villages,
            "members": [3] * len(villages),
            "labor_capable": [True] * len(villages),
        }
    )


@pytest.fixture
def registered(backend: sa.Engine) -> sa.Engine:
    # Taihu and Susong are neighbours by code; Yuexi two further; 340825999999 is Taihu's last
    # possible village, 340826000000 Susong's first: the ranges must split them exactly.
    codes = [f"{TAIHU}101201", f"{TAIHU}999999", f"{SUSONG}000000", f"{SUSONG}102203"]
    codes += [f"{YUEXI}103204"]
    load_register(backend, DAY, _villages(codes), _households(codes), ("a", "b"), "accepted")
    later = [f"{TAIHU}101299"]
    load_register(backend, OTHER_DAY, _villages(later), _households(later), ("c", "d"), "accepted")
    return backend


def test_a_citys_counties_get_their_villages_and_households_only(registered: sa.Engine) -> None:
    households, villages = reads.register_ids(registered, DAY, [TAIHU, YUEXI])

    assert villages == {f"{TAIHU}101201", f"{TAIHU}999999", f"{YUEXI}103204"}
    assert {h[:12] for h in households} == villages
    assert len(households) == 3


def test_only_the_register_of_the_date_asked(registered: sa.Engine) -> None:
    households, villages = reads.register_ids(registered, OTHER_DAY, [TAIHU, SUSONG])

    assert villages == {f"{TAIHU}101299"}
    assert len(households) == 1


def test_no_counties_read_nothing(registered: sa.Engine) -> None:
    assert reads.register_ids(registered, DAY, []) == (set(), set())


def test_the_register_households_have_a_village_index(registered: sa.Engine) -> None:
    table = schema.register_tables()["households"].name
    indexes = sa.inspect(registered).get_indexes(table)

    assert ["register_date", "village_code"] in [i["column_names"] for i in indexes]


@pytest.mark.parametrize("bad", ["34082%", "3408 5", ""])
def test_a_prefix_that_is_not_a_code_is_refused(bad: str) -> None:
    column = schema.register_tables()["villages"].c.village_code
    with pytest.raises(ValueError, match="not a code prefix"):
        reads.code_prefixes(column, [bad])
