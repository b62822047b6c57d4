"""A dated register is read and checked like a submission: a bad one is refused whole with every
reason on record (a ``submission`` row and its ``dq_issue`` rows), the previous register stays in
force, and discovery goes on. No Great Expectations here: the register rules are plain checks."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from techaid import pipeline
from techaid.intake import discover as disc
from techaid.warehouse import reads
from tests.unit.warehouse.builders import fresh

TAIHU, SUSONG = "340825", "340826"
QIANSHAN_OLD = "340824"  # retired on 2018-07-31 (became 340882)
HEFEI_DISTRICT = "340102"  # a county of Anhui, not a poverty county
FIRST, SECOND = dt.date(2018, 1, 1), dt.date(2018, 6, 1)

VILLAGE_HEADER = "village_code,village_name,township_code,township_name,county_code"
HOUSEHOLD_HEADER = "household_id,village_code,members,labor_capable"


def village(code: str, county: str | None = None) -> str:
    return f"{code},村{code[-3:]},{code[:9]},镇{code[6:9]},{county or code[:6]}"


GOOD_VILLAGES = [village(f"{TAIHU}101201"), village(f"{TAIHU}101202"), village(f"{SUSONG}102203")]
GOOD_HOUSEHOLDS = [
    f"{TAIHU}1012010000011,{TAIHU}101201,3,true",
    f"{TAIHU}1012020000022,{TAIHU}101202,4,false",
    f"{SUSONG}1022030000033,{SUSONG}102203,2,true",
    f"{SUSONG}1029990000044,{SUSONG}102999,5,true",  # a village that is not poor: fine
]


def write_register(
    landing: Path, day: dt.date, villages: list[str], households: list[str], hour: int = 9
) -> None:
    folder = landing / "register" / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    received = dt.datetime.combine(day, dt.time(hour), dt.UTC).timestamp()
    for name, header, lines in (
        ("villages.csv", VILLAGE_HEADER, villages),
        ("households.csv", HOUSEHOLD_HEADER, households),
    ):
        path = folder / name
        path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
        os.utime(path, (received, received))


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    (root / "submissions").mkdir(parents=True)
    return root


@pytest.fixture
def engine(sqlite_url: str) -> sa.Engine:
    return fresh(sqlite_url)


def run_discovery(engine: sa.Engine, landing: Path) -> list[str]:
    found = disc.discover(str(landing))
    return pipeline.load_registers(engine, str(landing), found)


def submissions(engine: sa.Engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text("select * from submission")).mappings()]


def issues(engine: sa.Engine, sid: str) -> list[dict]:
    query = sa.text("select * from dq_issue where submission_id = :s order by seq")
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query, {"s": sid}).mappings()]


def register_versions(engine: sa.Engine) -> dict[dt.date, str]:
    return {r[0]: r[3] for r in reads.table_snapshot(engine, "register_version")}


def bad_register() -> tuple[list[str], list[str]]:
    """A duplicate household id, a village under the wrong county, a non-poverty county."""
    villages = [
        *GOOD_VILLAGES,
        village(f"{SUSONG}102204", county=TAIHU),  # code under Susong, county says Taihu
        village(f"{HEFEI_DISTRICT}101201"),  # Hefei's Baohe district is no poverty county
    ]
    households = [*GOOD_HOUSEHOLDS, GOOD_HOUSEHOLDS[0].replace(",3,", ",5,")]
    return villages, households


def test_a_good_register_is_accepted_and_named_for_recomputation(
    engine: sa.Engine, landing: Path
) -> None:
    write_register(landing, FIRST, GOOD_VILLAGES, GOOD_HOUSEHOLDS)
    assert run_discovery(engine, landing) == ["2018-01-01"]
    assert register_versions(engine) == {FIRST: "accepted"}
    households, villages = reads.register_ids(engine, FIRST, [TAIHU, SUSONG])
    assert len(households) == 4
    assert len(villages) == 3
    assert submissions(engine) == []  # an accepted register is no office's file
    assert run_discovery(engine, landing) == []  # nothing new: nothing reloaded


def test_a_bad_register_is_refused_whole_with_every_reason(
    engine: sa.Engine, landing: Path
) -> None:
    write_register(landing, FIRST, GOOD_VILLAGES, GOOD_HOUSEHOLDS)
    run_discovery(engine, landing)
    write_register(landing, SECOND, *bad_register())

    assert run_discovery(engine, landing) == []  # no exception, nothing accepted

    assert register_versions(engine) == {FIRST: "accepted", SECOND: "rejected"}
    assert reads.register_in_force(engine, "2018-06") == FIRST
    with engine.connect() as conn:
        held = conn.execute(
            sa.text("select count(*) from register_households where register_date = :d"),
            {"d": SECOND.isoformat()},
        ).scalar()
    assert held == 0

    [sub] = submissions(engine)
    assert (sub["status"], sub["refused_rule"]) == ("rejected", "register.refused")
    assert (sub["city_code"], sub["period"]) == (None, None)  # the register is no city's month
    assert sub["file_name"] == "register/2018-06-01"
    found = [
        (i["rule"], i["severity"], i["sheet"], i["row_number"])
        for i in issues(engine, sub["submission_id"])
    ]
    assert found == [
        ("register.refused", "fatal", None, None),
        ("register.duplicate_key", "error", "households", 2),
        ("register.duplicate_key", "error", "households", 6),
        ("register.county_invalid", "error", "villages", 6),
        ("register.prefix_mismatch", "error", "villages", 5),
        ("register.prefix_mismatch", "error", "villages", 5),
    ]
    messages = [i["message"] for i in issues(engine, sub["submission_id"])]
    assert messages[0] == (
        "名册 register/2018-06-01 有 5 处错误（见以下各行），整个名册未导入，继续使用 2018-01-01 的名册；"
        "请改正后将 villages.csv 和 households.csv 一并重新上传"
    )
    assert messages[1] == (
        "名册 households.csv 第2行 户编号 ***************0011 重复（第6行相同），每个只能登记一行"
    )
    assert messages[3] == (
        "名册 villages.csv 第6行 县代码 340102 在名册日期 2018-06-01 不是有效的贫困县代码（不是贫困县代码）"
    )
    assert "前6位与县代码 340825 不一致" in messages[4]

    # Seen again, the same refused content is neither re-read nor recorded twice.
    assert run_discovery(engine, landing) == []
    assert len(submissions(engine)) == 1


def test_a_refused_replacement_never_displaces_the_accepted_register_of_its_date(
    engine: sa.Engine, landing: Path
) -> None:
    write_register(landing, FIRST, GOOD_VILLAGES, GOOD_HOUSEHOLDS)
    run_discovery(engine, landing)
    villages, households = bad_register()
    write_register(landing, FIRST, villages, households, hour=15)  # the same date, resent

    assert run_discovery(engine, landing) == []
    assert register_versions(engine) == {FIRST: "accepted"}
    assert len(reads.register_ids(engine, FIRST, [TAIHU, SUSONG])[0]) == 4
    [sub] = submissions(engine)
    assert sub["status"] == "rejected"
    assert issues(engine, sub["submission_id"])[0]["message"].startswith(
        "名册 register/2018-01-01 有 5 处错误"
    )

    write_register(landing, FIRST, GOOD_VILLAGES[:2], GOOD_HOUSEHOLDS[:2], hour=18)  # fixed
    assert run_discovery(engine, landing) == ["2018-01-01"]
    assert len(reads.register_ids(engine, FIRST, [TAIHU, SUSONG])[0]) == 2


def test_a_household_outside_every_poverty_county_and_a_retired_code(
    engine: sa.Engine, landing: Path
) -> None:
    villages = [*GOOD_VILLAGES, village(f"{QIANSHAN_OLD}101201")]  # retired before 2018-08-01
    households = [*GOOD_HOUSEHOLDS, f"{HEFEI_DISTRICT}1012010000055,{HEFEI_DISTRICT}101201,3,true"]
    write_register(landing, dt.date(2018, 8, 1), villages, households)

    assert run_discovery(engine, landing) == []
    [sub] = submissions(engine)
    found = {
        (i["rule"], i["row_number"]): i["message"] for i in issues(engine, sub["submission_id"])
    }
    assert found[("register.county_invalid", 5)].endswith(
        "（该代码已于 2018-07-31 停用，应为 340882）"
    )
    assert found[("register.village_unknown", 6)] == (
        "名册 households.csv 第6行 村代码 340102101201 不在贫困村名册中，"
        "其前6位 340102 也不是名册日期 2018-08-01 有效的贫困县代码"
    )
    assert reads.register_in_force(engine, "2018-08") is None  # no register yet: none in force


def test_parse_errors_and_an_unreadable_file_are_all_reported(
    engine: sa.Engine, landing: Path
) -> None:
    households = [*GOOD_HOUSEHOLDS, "34082510120,340825101201,3,true"]  # 11 digits
    write_register(landing, FIRST, GOOD_VILLAGES, households)
    (landing / "register" / FIRST.isoformat() / "villages.csv").write_bytes(b"")

    assert run_discovery(engine, landing) == []
    [sub] = submissions(engine)
    rules = [i["rule"] for i in issues(engine, sub["submission_id"])]
    assert rules[0] == "register.refused"
    assert set(rules[1:]) == {"file.header_not_found", "parse.household_id"}


def test_a_register_file_outside_a_date_folder_is_refused_on_its_own(
    engine: sa.Engine, landing: Path
) -> None:
    stray = landing / "register" / "2018-06" / "villages.csv"
    stray.parent.mkdir(parents=True)
    stray.write_text(VILLAGE_HEADER + "\n", encoding="utf-8")

    plans = pipeline.discover(f"sqlite:///{engine.url.database}", "2018-06", str(landing))

    assert all(p["versions"] == [] and p["registers"] == [] for p in plans)
    [sub] = submissions(engine)
    assert (sub["status"], sub["refused_rule"]) == ("rejected", "file.bad_register_name")
