"""Months run out of order: June run again after July was computed, with a correction for May that
arrived meanwhile, recomputes May, June and July (July's flows add May up), and so does a new
register dated in May (denominators). Through the pipeline's own functions."""

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


def _run(url: str, landing: Path, period: str) -> list[str]:
    plans = pipeline.discover(url, period, str(landing))
    for plan in plans:
        if plan["versions"]:
            pipeline.load_city(url, pipeline.check_city(url, pipeline.read_city(plan)))
    return pipeline.rollup(url, period, plans)


def _set_column(original: Path, corrected: Path, column: str, value: int) -> None:
    """The office resends the month with ``column`` of every county row set to ``value``."""
    header = config.schema().sheet("counties").columns[column].zh
    wb = openpyxl.load_workbook(original)
    ws = next(ws for ws in wb.worksheets if ws.title in ("县级指标", "counties"))
    header_row = next(r for r in ws.iter_rows() if any(c.value == header for c in r))
    col = next(c.column for c in header_row if c.value == header)
    for row in ws.iter_rows(min_row=header_row[0].row + 1):
        if row[0].value:
            row[col - 1].value = value
    wb.save(corrected)
    mtime = original.stat().st_mtime + 40 * 86400  # sent weeks later
    os.utime(corrected, (mtime, mtime))


def _value(url: str, period: str, indicator: str, column: str = "value") -> float:
    with sa.create_engine(url).connect() as conn:
        return conn.execute(
            sa.text(
                f"select {column} from indicator_value where period = :p and indicator = :i"
                " and level = 'city' and org_code = :c"
            ),
            {"p": period, "i": indicator, "c": CITY},
        ).scalar_one()


def _youth_reported(url: str, period: str) -> int:
    with sa.create_engine(url).connect() as conn:
        return conn.execute(
            sa.text("select sum(youth_participants) from clean_counties where period = :p"),
            {"p": period},
        ).scalar_one()


def test_june_after_july_recomputes_july_for_a_may_correction_and_a_may_register(
    techaid_env,
) -> None:
    from techaid_dev.synthetic import generate

    landing, url = techaid_env["landing"], techaid_env["url"]
    generate(landing, "2018-05", "2018-07", scale=0.01, cities=[CITY], fmt="xlsx")
    pipeline.prepare(url)
    for period in ("2018-05", "2018-06", "2018-07"):
        assert period in _run(url, landing, period)
    july_youth = _value(url, "2018-07", "youth_participation")
    may_youth = _youth_reported(url, "2018-05")
    assert may_youth > 0

    # May is corrected (no youth participants at all) after July's run; June is run again.
    may = next(landing.rglob(f"{CITY}_2018-05.xlsx"))
    _set_column(may, may.with_name(f"{CITY}_2018-05_fix.xlsx"), "youth_participants", 0)
    assert _run(url, landing, "2018-06") == ["2018-05", "2018-06", "2018-07"]
    assert _value(url, "2018-07", "youth_participation") == july_youth - may_youth

    # Nothing new: June alone, July left as it is.
    assert _run(url, landing, "2018-06") == ["2018-06"]

    # A register dated in May with one poor village fewer: May, June and July recomputed.
    first = sorted((landing / "register").iterdir())[0]
    may_register = landing / "register" / "2018-05-01"
    shutil.copytree(first, may_register)
    villages = pd.read_csv(may_register / "villages.csv", dtype=str)
    villages.iloc[1:].to_csv(may_register / "villages.csv", index=False)
    july_villages = _value(url, "2018-07", "village_coverage", "denominator")

    assert _run(url, landing, "2018-06") == ["2018-05", "2018-06", "2018-07"]
    assert _value(url, "2018-07", "village_coverage", "denominator") == july_villages - 1
