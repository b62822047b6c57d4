"""The asset that starts a month's monthly run: a month closed (its deadline day has passed).

``submission_reminders`` emits an event on it on the month's closing day (the day after the
deadline day, overrides included), the month in the event's extra (``{"period": "YYYY-MM"}``);
``monthly_reporting`` is scheduled on it and reads the month back with :func:`closed_period`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from airflow.sdk import Asset

MONTH_CLOSED = Asset(name="techaid_month_closed", uri="techaid://warehouse/month-closed")
PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def closed_period(context: Mapping[str, Any]) -> str | None:
    """The latest month named by the events that triggered this run (None: not triggered by
    the asset, as when run by hand or under ``dags test``)."""
    events = context.get("triggering_asset_events") or {}
    try:
        found = events[MONTH_CLOSED]
    except KeyError:
        return None
    months = [str((e.extra or {}).get("period", "")) for e in found]
    months = [m for m in months if PERIOD_RE.match(m)]
    return max(months) if months else None
