"""The workbook attached to a city's lagging alert: its own part of the month's rollup.

The same six sheets as the provincial ``rollup_<period>.xlsx`` (written by the same code, so text
is never a formula and the bytes are reproducible), holding only the province's figures, the
city's own row, its own counties, their ranking, its reporting and its data-quality counts: never
another city's county rows.
"""

from __future__ import annotations

from dataclasses import replace

from techaid.outputs.report.data import Rollup
from techaid.outputs.report.workbook import workbook_bytes


def own_city_rollup(rollup: Rollup, city_code: str) -> Rollup:
    """``rollup`` cut down to what the office of ``city_code`` may see."""
    return replace(
        rollup,
        cities=[c for c in rollup.cities if c.org_code == city_code],
        counties=[c for c in rollup.counties if c.city_code == city_code],
        city_summary=[c for c in rollup.city_summary if c.city_code == city_code],
        ranking=[r for r in rollup.ranking if r.city_code == city_code],
        reporting=[r for r in rollup.reporting if r.city_code == city_code],
        quality=[q for q in rollup.quality if q.city_code == city_code],
        history_county=None,
        history_indicators=(),
        history=[],
    )


def city_workbook(rollup: Rollup, city_code: str) -> bytes:
    """The xlsx bytes of the city's own rollup."""
    return workbook_bytes(own_city_rollup(rollup, city_code))
