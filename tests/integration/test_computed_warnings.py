"""What the computation notices reaches the office: a poor village of the register left out of the
month's snapshot (here: its row quarantined) is a warning on the city's current version, in
``dq_issue`` and in the feedback workbook; recomputing never duplicates it, and a correction that
lists the village again clears it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from techaid import config, pipeline

pytestmark = pytest.mark.slow
CITY = "341600"  # Bozhou
RULE = "indicator.village_unlisted"


def run_month(url: str, landing: Path, period: str) -> dict:
    plans = pipeline.discover(url, period, str(landing))
    for plan in plans:
        if plan["versions"]:
            pipeline.load_city(url, pipeline.check_city(url, pipeline.read_city(plan)))
    pipeline.rollup(url, period, plans)
    return pipeline.publish_quality(url, period, plans)


def spoil_village(book: Path, village: str) -> int:
    """Give the village's row a negative association count (a row error); returns its row."""
    spec = config.schema().sheet("villages")
    code_zh, count_zh = spec.columns["village_code"].zh, spec.columns["associations"].zh
    mtime = book.stat().st_mtime
    wb = openpyxl.load_workbook(book)
    ws = next(ws for ws in wb.worksheets if ws.title in (spec.zh, "villages"))
    header = next(r for r in ws.iter_rows() if any(c.value == code_zh for c in r))
    cols = {c.value: c.column - 1 for c in header}
    for row in ws.iter_rows(min_row=header[0].row + 1):
        if row[cols[code_zh]].value == village:
            row[cols[count_zh]].value = -1
            wb.save(book)
            os.utime(book, (mtime, mtime))
            return row[0].row
    raise AssertionError(f"{village} not in the villages sheet")


def issues(url: str, sid: str) -> list[dict]:
    with sa.create_engine(url).connect() as conn:
        rows = conn.execute(
            sa.text("select * from dq_issue where submission_id = :s order by seq"), {"s": sid}
        )
        return [dict(r) for r in rows.mappings()]


def submission(url: str, file_name: str) -> dict:
    with sa.create_engine(url).connect() as conn:
        row = conn.execute(
            sa.text("select * from submission where file_name = :f"), {"f": file_name}
        )
        return dict(row.mappings().one())


def workbook_issues(path: Path) -> list[tuple]:
    rows = list(openpyxl.load_workbook(path)["问题清单"].iter_rows(values_only=True))
    return rows[1:]


def test_a_village_left_out_is_a_warning_of_the_citys_version(techaid_env, tmp_path) -> None:
    from techaid_dev.synthetic import generate

    landing, url = techaid_env["landing"], techaid_env["url"]
    generate(landing, "2018-06", "2018-06", scale=0.01, cities=[CITY], fmt="xlsx")
    register = sorted((landing / "register").iterdir())[0]
    poor = pd.read_csv(register / "villages.csv", dtype=str)
    village = poor["village_code"].iloc[0]
    june = next(landing.rglob(f"{CITY}_2018-06.xlsx"))
    pristine = shutil.copy(june, tmp_path / "pristine.xlsx")
    row = spoil_village(june, village)
    pipeline.prepare(url)

    published = run_month(url, landing, "2018-06")

    sub = submission(url, june.name)
    assert sub["status"] == "accepted_with_errors"
    found = issues(url, sub["submission_id"])
    assert [(i["rule"], i["row_number"]) for i in found if i["severity"] == "error"] == [
        ("dq.range", row)
    ]
    [warning] = [i for i in found if i["rule"] == RULE]
    assert warning["severity"] == "warning"
    assert (warning["sheet"], warning["value"]) == ("villages", village)
    assert warning["seq"] == max(i["seq"] for i in found)  # after the file's own findings
    assert village in warning["message"]
    assert "按该村未达到计算" in warning["message"]
    assert sub["warnings"] == sum(i["severity"] == "warning" for i in found)

    book = next(Path(p) for p in published["feedback"] if sub["submission_id"] in p)
    listed = [r for r in workbook_issues(book) if r[4] == RULE]
    assert [(r[2], r[3], r[6]) for r in listed] == [("村代码", village, warning["message"])]

    # Recomputing the month replaces the warning, never duplicates it.
    run_month(url, landing, "2018-06")
    assert issues(url, sub["submission_id"]) == found
    assert submission(url, june.name)["warnings"] == sub["warnings"]

    # The office resends June with the village's row right: the warning goes with the old version.
    fixed = june.with_name(f"{CITY}_2018-06_fix.xlsx")
    shutil.copy(pristine, fixed)
    later = june.stat().st_mtime + 3600
    os.utime(fixed, (later, later))
    published = run_month(url, landing, "2018-06")

    old, new = submission(url, june.name), submission(url, fixed.name)
    assert (old["status"], new["status"]) == ("superseded", "accepted")
    assert [i for i in issues(url, old["submission_id"]) if i["rule"] == RULE] == []
    assert [i for i in issues(url, new["submission_id"]) if i["rule"] == RULE] == []
    assert old["warnings"] == sub["warnings"] - 1
    book = next(Path(p) for p in published["feedback"] if old["submission_id"] in p)
    assert [r for r in workbook_issues(book) if r[4] == RULE] == []
