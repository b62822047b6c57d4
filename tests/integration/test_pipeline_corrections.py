"""A correction for an earlier month, picked up by a later month's run, through the pipeline's
own functions: the old version is superseded, and that month's indicators and every later
month's are recomputed in the same run (carried-forward values and trends depend on them)."""

from __future__ import annotations

import os
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from techaid import pipeline

pytestmark = pytest.mark.slow
CITY = "341600"


def _run(url: str, landing: Path, period: str) -> list[str]:
    plans = pipeline.discover(url, period, str(landing))
    for plan in plans:
        if plan["versions"]:
            pipeline.load_city(url, pipeline.check_city(url, pipeline.read_city(plan)))
    return pipeline.rollup(url, period, plans)


def _correct_stations(original: Path, corrected: Path, stations: int) -> None:
    """The office resends May with every county's expert stations set to ``stations``."""
    wb = openpyxl.load_workbook(original)
    ws = next(ws for ws in wb.worksheets if ws.title in ("县级指标", "counties"))
    header_row = next(r for r in ws.iter_rows() if any(c.value == "农技专家服务站数" for c in r))
    col = next(c.column for c in header_row if c.value == "农技专家服务站数")
    for row in ws.iter_rows(min_row=header_row[0].row + 1):
        if row[0].value:
            row[col - 1].value = stations
    wb.save(corrected)
    mtime = original.stat().st_mtime + 40 * 86400  # sent weeks later
    os.utime(corrected, (mtime, mtime))


def _station_values(url: str, period: str) -> dict[str, float]:
    with sa.create_engine(url).connect() as conn:
        rows = conn.execute(
            sa.text(
                "select org_code, value from indicator_value"
                " where period = :p and indicator = 'county_station' and level = 'city'"
            ),
            {"p": period},
        ).all()
    return dict(rows)


def test_correction_of_may_recomputes_may_and_june_not_april(techaid_env) -> None:
    from techaid_dev.synthetic import generate

    landing, url = techaid_env["landing"], techaid_env["url"]
    generate(landing, "2018-04", "2018-06", scale=0.01, cities=[CITY], fmt="xlsx")
    pipeline.prepare(url)
    for period in ("2018-04", "2018-05", "2018-06"):
        assert period in _run(url, landing, period)
    before = {p: _station_values(url, p) for p in ("2018-04", "2018-05", "2018-06")}

    may = next(landing.rglob(f"{CITY}_2018-05.xlsx"))
    _correct_stations(may, may.with_name(f"{CITY}_2018-05_fix.xlsx"), stations=0)
    recomputed = _run(url, landing, "2018-06")  # the correction arrives before June's run

    assert recomputed == ["2018-05", "2018-06"]
    after = {p: _station_values(url, p) for p in ("2018-04", "2018-05", "2018-06")}
    assert after["2018-04"] == before["2018-04"]
    assert after["2018-05"][CITY] == 0.0 != before["2018-05"][CITY]
    with sa.create_engine(url).connect() as conn:
        statuses = dict(
            conn.execute(
                sa.text("select file_name, status from submission where period = '2018-05'")
            ).all()
        )
    assert statuses == {
        f"{CITY}_2018-05.xlsx": "superseded",
        f"{CITY}_2018-05_fix.xlsx": "accepted",
    }
