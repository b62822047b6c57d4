"""``sqlgen.timing()``: what the indicator bench reads to say where a month's computation goes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from techaid.indicators import compute_period, computed_periods, plan, sqlgen
from techaid.indicators.sqlgen import TemplateRun
from tests.unit.indicators.scenarios import ANQING, TAIHU, Warehouse, covered, village

# The templates one month runs besides the catalogue's shape templates (plan.runs); the
# reporting start is read from the warehouse because the test settings leave it unset.
MONTH_TEMPLATES = [
    "select_register_date",
    "select_reporting_start",
    "insert_county_source",
    "select_source_periods",
    "delete_indicator_stage",
    "select_indicator_rollup",
    "select_indicator_history",
    "delete_indicator_value",
    "select_submission_states",
    "delete_county_ranking",
    "select_unlisted_villages",
]


@pytest.fixture
def wh(backend_url: str) -> Iterator[Warehouse]:
    """June 2018: Taihu has two poor villages in the register, Anqing's file lists only one."""
    w = Warehouse(backend_url)
    t1, t2 = village(TAIHU, 1), village(TAIHU, 2)
    w.register("2018-01-01", villages=[t1, t2])
    w.submit(ANQING, "2018-06", villages=covered([t1], [t1], one_product=True, associations=1))
    yield w
    w.dispose()


def test_a_month_shows_each_template_once_with_its_time_and_rows(wh: Warehouse) -> None:
    start = time.perf_counter()
    with sqlgen.timing() as runs:
        compute_period(wh.engine, "2018-06", wh.settings)
    elapsed = time.perf_counter() - start
    computed_periods(wh.engine)  # after the block: not recorded
    shapes = [r.template for r in plan.runs(wh.settings.catalogue, wh.settings.schema)]
    assert sorted(r.name for r in runs) == sorted(MONTH_TEMPLATES + shapes)
    assert all(r.seconds >= 0 for r in runs)
    assert sum(r.seconds for r in runs) <= elapsed  # each run timed once, inside the compute
    by_name = {r.name: r for r in runs}
    # Qianshan, Taihu and Shitai are the counties of 2018-06: one source row each.
    assert by_name["insert_county_source"].rows == 3
    assert by_name["select_unlisted_villages"].rows == 1  # Taihu's second village
    assert by_name["select_indicator_rollup"].rows > 0


def test_runs_in_another_thread_are_not_mixed_in(sqlite_url: str) -> None:
    w = Warehouse(sqlite_url)
    seen: list[TemplateRun] = []

    def other() -> None:
        with sqlgen.timing() as own:
            computed_periods(w.engine)
        seen.extend(own)

    try:
        with sqlgen.timing() as runs:
            thread = threading.Thread(target=other)
            thread.start()
            thread.join()
    finally:
        w.dispose()
    assert runs == []
    assert [r.name for r in seen] == ["select_computed_periods"]
