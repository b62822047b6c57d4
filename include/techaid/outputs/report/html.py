"""``rollup_<period>.html``: the month's rollup as one self-contained page with its charts.

Rendered from ``include/templates/report/rollup.html.j2`` with autoescaping on (names and file
names come from configuration and offices). Charts are embedded as ``data:`` URIs, so the file
stands alone; the email composer renders the same template with ``cid:`` sources instead and
attaches the same chart bytes.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jinja2

from techaid.outputs.report.data import IndicatorRow, Rollup
from techaid.outputs.report.labels import (
    SECTION_ZH,
    SEVERITIES,
    SEVERITY_ZH,
    STATE_FILL,
    STATE_ZH,
    STATUS_FILL,
    STATUS_ZH,
    indicator_labels,
    show,
    status_zh,
)
from techaid.outputs.report.workbook import ranking_reasons
from techaid.paths import TEMPLATES_DIR

TEMPLATE = "report/rollup.html.j2"


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["show"] = lambda v, kind: show(kind, v)
    env.filters["pct"] = lambda v: show("share", v)
    env.filters["status_zh"] = status_zh
    return env


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _matrix(rows: Sequence[IndicatorRow]) -> dict[str, Any]:
    """Units x judged indicators (those with a status at this level), in catalogue order."""
    judged = {r.indicator for r in rows if r.status is not None}
    codes = [c for c in indicator_labels() if c in judged]
    units: dict[str, dict[str, Any]] = {}
    for r in rows:
        unit = units.setdefault(
            r.org_code, {"code": r.org_code, "name": r.org_name, "city": r.city_name, "cells": {}}
        )
        unit["cells"][r.indicator] = r
    return {
        "codes": codes,
        "names": {c: indicator_labels()[c].zh for c in codes},
        "units": list(units.values()),
    }


def render_html(
    rollup: Rollup,
    charts: Mapping[str, bytes],
    image_src: Callable[[str, bytes], str] | None = None,
) -> str:
    """The page; ``image_src(name, png)`` gives each chart's ``src`` (default: a data URI)."""
    src = image_src or (lambda _name, png: data_uri(png))
    return (
        environment()
        .get_template(TEMPLATE)
        .render(
            r=rollup,
            chart_src={n: src(n, png) for n, png in charts.items()},
            section=SECTION_ZH,
            city_matrix=_matrix(rollup.cities),
            county_matrix=_matrix(rollup.counties),
            quality_by_city=rollup.quality_by_city(),
            severities=SEVERITIES,
            severity_zh=SEVERITY_ZH,
            status_fill=STATUS_FILL,
            status_zh_map=STATUS_ZH,
            state_zh=STATE_ZH,
            state_fill=STATE_FILL,
            reasons=ranking_reasons,
        )
    )
