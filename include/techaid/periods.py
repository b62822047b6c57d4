"""Reporting months ("periods", YYYY-MM) and the submission deadline."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_period(text: str) -> tuple[int, int]:
    """Return (year, month) of a ``YYYY-MM`` string; ValueError otherwise."""
    m = PERIOD_RE.match(text or "")
    if not m:
        raise ValueError(f"period {text!r} is not YYYY-MM")
    return int(m.group(1)), int(m.group(2))


def period_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def add_months(period: str, n: int) -> str:
    y, m = parse_period(period)
    idx = y * 12 + (m - 1) + n
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def months_between(start: str, end: str) -> int:
    """Months from start to end (end - start); 0 when equal."""
    ys, ms = parse_period(start)
    ye, me = parse_period(end)
    return (ye * 12 + me) - (ys * 12 + ms)


def period_range(start: str, end: str) -> list[str]:
    """Every period from start to end, both included."""
    return [add_months(start, i) for i in range(months_between(start, end) + 1)]


def first_day(period: str) -> dt.date:
    y, m = parse_period(period)
    return dt.date(y, m, 1)


def last_day(period: str) -> dt.date:
    return first_day(add_months(period, 1)) - dt.timedelta(days=1)


def deadline_day(period: str, day: int, overrides: dict[str, int]) -> dt.date:
    """The last calendar day a period's submission is on time (in the program's time zone)."""
    nxt = first_day(add_months(period, 1))
    d = overrides.get(period, day)
    return nxt.replace(day=min(d, last_day(period_of(nxt)).day))


def deadline_cutoff(period: str, day: int, overrides: dict[str, int], tz: str) -> dt.datetime:
    """The instant (UTC) from which a submission is late: the day after the deadline, 00:00 local."""
    local = dt.datetime.combine(
        deadline_day(period, day, overrides) + dt.timedelta(days=1), dt.time(0), ZoneInfo(tz)
    )
    return local.astimezone(dt.UTC)


def previous_period_local(instant: dt.datetime, tz: str) -> str:
    """The month before ``instant`` as seen in ``tz``: the period a monthly run reports on."""
    local = instant.astimezone(ZoneInfo(tz))
    return add_months(period_of(local.date()), -1)


def utc_naive(ts: dt.datetime) -> dt.datetime:
    """Timestamps are stored as naive UTC; aware ones are converted, naive ones taken as UTC
    (a pandas Timestamp becomes a plain datetime)."""
    if hasattr(ts, "to_pydatetime"):
        ts = ts.to_pydatetime()
    if ts.tzinfo is not None:
        ts = ts.astimezone(dt.UTC).replace(tzinfo=None)
    return ts
