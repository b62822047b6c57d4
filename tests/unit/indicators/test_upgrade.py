"""A warehouse computed before flows had a completeness gets the column without losing rows."""

from __future__ import annotations

import sqlalchemy as sa

from techaid.warehouse import migrate
from tests.unit.indicators.scenarios import QIANSHAN_OLD, Warehouse, scenario_carry_forward


def test_completeness_is_added_to_an_existing_warehouse(sqlite_url: str) -> None:
    wh = Warehouse(sqlite_url)
    scenario_carry_forward(wh)
    with wh.engine.begin() as conn:  # the tables as an older release left them
        conn.exec_driver_sql("alter table indicator_value drop column completeness")
        conn.exec_driver_sql("alter table indicator_stage drop column months_accepted")
        conn.exec_driver_sql("alter table indicator_stage drop column months_expected")
    report = migrate.upgrade(wh.engine)
    assert "add column indicator_value.completeness" in report.applied
    with wh.engine.connect() as conn:
        kept = conn.execute(sa.text("select count(*) from indicator_value")).scalar()
    assert kept == len(wh.values()) > 0
    assert (
        wh.value("2018-06", "youth_participation", "county", QIANSHAN_OLD)["completeness"] is None
    )
    wh.recompute("2018-05")
    assert wh.value("2018-06", "youth_participation", "county", QIANSHAN_OLD)["completeness"] == 0.5
    wh.dispose()
