"""The ``reminder`` and ``overdue`` notices to municipal offices, as of one day.

Which notices fall due is the calendar's business (:mod:`techaid.deadlines`); this module decides
which offices get them and composes them. An office gets a month's notice only when nothing for
that month is accepted yet as of the run's day: no version of it received before the end of that
day (program time zone) was accepted, with or without quarantined rows (a later correction that
superseded it still counts; a refused file does not). Files received after the day do not count
yet, so a run for a past day decides as that day would have.

The notice says the month, its deadline, what is missing (the file with the office's counties,
and any file received but refused, with the reason) and, for an overdue notice, how many days
overdue it is on the run's day. Its dedupe key is ``kind/period/city/d-3`` (the notice's day
relative to the deadline day), so each notice goes to an office at most once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from techaid import config
from techaid.deadlines import OVERDUE, Calendar, Notice
from techaid.outputs.mail import outbox
from techaid.outputs.mail.email import Email, dedupe_key
from techaid.outputs.mail.templates import render
from techaid.warehouse.schema import dq_issue, submission

SUBJECT_PREFIX = "[科技助力精准扶贫]"
ACCEPTED_OUTCOMES = ("accepted", "accepted_with_errors")
REFUSED = "rejected"


@dataclass(frozen=True)
class RefusedFile:
    """A version of the month that was received but refused, as the notice lists it."""

    submission_id: str
    received: str  # local time, to the minute
    rule: str
    message: str


@dataclass(frozen=True)
class MonthState:
    """What an office has for a month as of a day."""

    city_code: str
    period: str
    accepted: bool = False
    refused: list[RefusedFile] = field(default_factory=list)


def end_of_day(day: dt.date, tz: str) -> dt.datetime:
    """The instant (UTC, naive, as stored) a day ends in ``tz``: files received before it count."""
    local = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), ZoneInfo(tz))
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def month_states(
    engine: Engine, period: str, cities: Iterable[str], day: dt.date
) -> dict[str, MonthState]:
    """Each city's state for ``period`` counting the versions received by the end of ``day``."""
    tz = config.program().program.timezone
    wanted = sorted(set(cities))
    t = submission
    query = (
        sa.select(t.c.submission_id, t.c.city_code, t.c.outcome, t.c.received_at, t.c.refused_rule)
        .where(
            t.c.period == period,
            t.c.city_code.in_(wanted),
            t.c.received_at < end_of_day(day, tz),
        )
        .order_by(t.c.received_at, t.c.submission_id)
    )
    accepted: set[str] = set()
    refused: dict[str, list[tuple[str, dt.datetime, str | None]]] = {}
    with engine.connect() as conn:
        for r in conn.execute(query):
            if r.outcome in ACCEPTED_OUTCOMES:
                accepted.add(r.city_code)
            elif r.outcome == REFUSED:
                refused.setdefault(r.city_code, []).append(
                    (r.submission_id, r.received_at, r.refused_rule)
                )
        messages = _fatal_messages(conn, [sid for rows in refused.values() for sid, _, _ in rows])
    out = {}
    for city in wanted:
        files = [
            RefusedFile(sid, _local(received, tz), rule or "", messages.get(sid, ""))
            for sid, received, rule in refused.get(city, [])
        ]
        out[city] = MonthState(city, period, city in accepted, files)
    return out


def _fatal_messages(conn: sa.Connection, ids: list[str]) -> dict[str, str]:
    """The first fatal message of each refused version (already masked in ``dq_issue``)."""
    if not ids:
        return {}
    t = dq_issue
    rows = conn.execute(
        sa.select(t.c.submission_id, t.c.message)
        .where(t.c.submission_id.in_(ids), t.c.severity == "fatal")
        .order_by(t.c.submission_id, t.c.seq)
    )
    out: dict[str, str] = {}
    for sid, message in rows:
        out.setdefault(sid, " ".join(str(message or "").split())[:300])
    return out


def _local(moment: dt.datetime, tz: str) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def notice_key(notice: Notice, city_code: str) -> str:
    return dedupe_key(notice.kind, notice.period, city_code, notice.tag)


def notice_email(notice: Notice, state: MonthState, day: dt.date) -> Email | None:
    """The notice to ``state``'s office as of ``day``; None when the month is accepted or the
    city has no recipients."""
    if state.accepted:
        return None
    who = config.recipients()
    office = who.cities.get(state.city_code)
    if office is None:
        return None
    to = list(dict.fromkeys(office.to))
    cc = [a for a in dict.fromkeys(office.cc) if a not in to]
    if notice.copy_team:
        team = [*who.provincial_team.to, *who.provincial_team.cc]
        cc += [a for a in dict.fromkeys(team) if a not in to and a not in cc]
    h = config.hierarchy()
    city = h.name(state.city_code)
    counties = [(u.code, u.name_zh) for u in h.counties_of(state.city_code, notice.period)]
    days = (day - notice.deadline).days  # negative before the deadline day
    body = render(
        notice.kind,
        city=city,
        city_code=state.city_code,
        period=notice.period,
        month_zh=f"{notice.period[:4]}年{int(notice.period[5:])}月",
        deadline=f"{notice.deadline:%Y-%m-%d} 23:59",
        as_of=f"{day:%Y-%m-%d}",
        days_left=max(-days, 0),
        days_overdue=max(days, 0),
        counties=counties,
        refused=state.refused,
        file_example=f"{state.city_code}_{notice.period}.xlsx",
        copy_team=notice.copy_team,
        tag=notice.tag,
    )
    if notice.kind == OVERDUE:
        what = (
            f"逾期未报 {notice.kind} {notice.period} {city}：已逾期 {max(days, 0)} 天，请尽快报送"
        )
    else:
        left = "今天截止" if days >= 0 else f"距截止还有 {-days} 天"
        what = f"报送提醒 {notice.kind} {notice.period} {city}：{left}（{notice.deadline:%m-%d}）"
    return Email(
        kind=notice.kind,
        period=notice.period,
        city_code=state.city_code,
        to=to,
        cc=cc,
        subject=f"{SUBJECT_PREFIX} {what}",
        html=body.html,
        text=body.text,
        dedupe_key=notice_key(notice, state.city_code),
    )


def notices_due(
    engine: Engine, calendar: Calendar, last_run: dt.date | None, day: dt.date
) -> list[Email]:
    """Every notice the run as of ``day`` (after ``last_run``) must send: for each month the most
    recent one that fell due in its window, to each office with nothing accepted yet."""
    h = config.hierarchy()
    emails = []
    for notice in calendar.notices_due(last_run, day):
        cities = [c for c in h.city_codes() if h.counties_of(c, notice.period)]
        for state in month_states(engine, notice.period, cities, day).values():
            email = notice_email(notice, state, day)
            if email is not None:
                emails.append(email)
    return emails


def record_notices(
    engine: Engine,
    calendar: Calendar,
    last_run: dt.date | None,
    day: dt.date,
    created_at: dt.datetime,
) -> list[str]:
    """Record the notices due (see :func:`notices_due`); returns their keys, recorded now or
    before (a retried or re-run day records nothing new)."""
    emails = notices_due(engine, calendar, last_run, day)
    outbox.record(engine, emails, created_at)
    return [e.dedupe_key for e in emails]
