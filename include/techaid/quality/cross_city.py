"""The same expert or organization id in two cities' files: a warning, never a row error.

Ids are unique province-wide, so an id another city also lists is worth a look; but which file
arrived first must not decide whose row is dropped, so both rows are loaded and the province
totals count distinct ids. The file being checked is compared with the other cities' current
accepted rows of the same month (the clean tables hold exactly those).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from techaid import config
from techaid.findings import Finding, finding
from techaid.quality.gx_runner import text

RULE = "dq.id_in_other_city"
ID_COLUMNS = {"experts": "expert_id", "organizations": "org_id"}  # sheet -> its id column


# (sheet, id column, ids) -> id -> the other cities whose current rows of the month list it
OtherCities = Callable[[str, str, list[str]], Mapping[str, set[str]]]


def cross_city_duplicates(
    others_of: OtherCities, parsed_city: str, period: str, frames: Mapping[str, pd.DataFrame]
) -> list[Finding]:
    """A warning for each experts / organizations row whose id another city's current file of
    the month also lists, naming that city (or cities). ``frames`` are the file's parsed sheets
    (with ``row_number``); sheets other than experts and organizations are ignored.
    ``others_of`` looks the ids up in the warehouse (:func:`techaid.warehouse.reads.ids_in_other_cities`)."""
    h = config.hierarchy()
    out: list[Finding] = []
    for sheet, column in ID_COLUMNS.items():
        frame = frames.get(sheet)
        if frame is None or frame.empty or column not in frame.columns:
            continue
        values = [text(v) for v in frame[column].tolist()]
        ids = sorted({v for v in values if v})
        others = others_of(sheet, column, ids) if ids else {}
        for row, value in zip(frame["row_number"].tolist(), values, strict=True):
            if value in others:
                cities = "、".join(h.name(c) for c in sorted(others[value]))
                out.append(
                    finding(
                        RULE, sheet=sheet, row=int(row), column=column, value=value, detail=cities
                    )
                )
    return out
