"""What every monthly email shares: who receives it, its subject line, and text made safe.

Recipients come from ``recipients.yaml`` alone (never from a submitted file): an office's
``to`` then ``cc``, an address never twice. Text copied from a submission into an email (file
names, cell values, messages) goes through :func:`scrub`, a second guard behind the masking
done at intake: a mobile number or a household id that slipped into a free-text column is
masked the same way (last 4 characters kept).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from techaid import config
from techaid.findings import mask
from techaid.warehouse.schema import email_outbox

SUBJECT_PREFIX = "[科技助力精准扶贫]"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# An 11-digit mainland mobile number, and a 16-19 digit household id, standing alone.
PHONE_RE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
HOUSEHOLD_ID_RE = re.compile(r"(?<!\d)\d{16,19}(?!\d)")
_KEY_CHUNK = 500


def scrub(value: object) -> str:
    """``value`` as text with any phone number or household id masked (None: empty)."""
    if value is None:
        return ""
    text = str(value)
    text = PHONE_RE.sub(lambda m: mask(m.group()), text)
    return HOUSEHOLD_ID_RE.sub(lambda m: mask(m.group()), text)


def one_line(value: object, limit: int = 120) -> str:
    """Scrubbed text fit for a subject or a table cell: one line, at most ``limit`` chars."""
    text = " ".join(scrub(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def office_addresses(city_code: str) -> tuple[list[str], list[str]] | None:
    """The city office's ``(to, cc)``; None when ``recipients.yaml`` lists no such city."""
    office = config.recipients().cities.get(city_code)
    if office is None:
        return None
    return list(office.to), [a for a in dict.fromkeys(office.cc) if a not in office.to]


def team_addresses() -> tuple[list[str], list[str]]:
    """The provincial team's ``(to, cc)``."""
    team = config.recipients().provincial_team
    return list(team.to), [a for a in dict.fromkeys(team.cc) if a not in team.to]


def city_name(code: str | None) -> str:
    return config.hierarchy().name(code) if code else "未知"


def local_time(moment: dt.datetime | None) -> str:
    """A UTC timestamp (naive = UTC) as Beijing time, to the minute."""
    if moment is None:
        return "—"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    tz = ZoneInfo(config.program().program.timezone)
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def yes_no(value: bool | None) -> str:
    return "无法判断" if value is None else "是" if value else "否"


def recorded_keys(engine: Engine, keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` the outbox already holds (whatever their status): those emails are
    never composed again, so a re-run costs a query, not a rendering."""
    wanted = sorted(set(keys))
    found: set[str] = set()
    t = email_outbox
    with engine.connect() as conn:
        for i in range(0, len(wanted), _KEY_CHUNK):
            chunk = wanted[i : i + _KEY_CHUNK]
            found |= set(
                conn.execute(sa.select(t.c.dedupe_key).where(t.c.dedupe_key.in_(chunk))).scalars()
            )
    return found
