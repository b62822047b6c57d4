"""What falls due on which day around a month's deadline: pure functions of dates.

Everything the daily run decides by the calendar is here, so it can be tested day by day:

- the **notices** of a month: a ``reminder`` on the calendar days before its deadline day and an
  ``overdue`` notice on the days after it (some of which copy the provincial team);
- the month's **closing day**, the day after its deadline day: the monthly run for the month is
  started then, so no office is ranked while it is still inside its deadline;
- the **watchdog day**, a few days after the day a run actually closed the month (started its
  monthly run): a monthly run that has not succeeded by then is reported to the data engineers.
  Counted from the run that closed it, not from the closing day, so a run catching up on missed
  days never reports a monthly run it is only now starting.

Runs can be missed (the scheduler was down, a run failed). A run as of ``day`` whose previous run
was ``last_run`` acts on what fell due in the window ``last_run < due <= day``, and for the
notices of one month only on the most recent one (an office hears once, with what is true now).
A first run (no ``last_run``) acts only on what falls due that very day: it never catches up on
what was due before the pipeline ran at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from techaid import config
from techaid.periods import add_months, deadline_day, period_of, period_range

REMINDER: Literal["reminder"] = "reminder"
OVERDUE: Literal["overdue"] = "overdue"


@dataclass(frozen=True)
class Notice:
    """One notice of one month, due on ``day``: ``offset`` days from the deadline day."""

    kind: Literal["reminder", "overdue"]
    period: str
    deadline: dt.date
    offset: int  # negative before the deadline day (reminders), positive after (overdue)
    copy_team: bool

    @property
    def day(self) -> dt.date:
        return self.deadline + dt.timedelta(days=self.offset)

    @property
    def tag(self) -> str:
        """The notice within its month, as the dedupe key carries it: ``d-3``, ``d+7``."""
        return f"d{self.offset:+d}"


@dataclass(frozen=True)
class Calendar:
    """The program's deadline rules (from ``program.yaml``: see :func:`from_config`)."""

    start: str  # first and last monitored month
    end: str
    deadline_day: int
    overrides: dict[str, int]
    reminder_days_before: tuple[int, ...] = (3, 1)
    overdue_days_after: tuple[int, ...] = (1, 3, 7)
    copy_team_days_after: tuple[int, ...] = (7,)
    monthly_run_grace_days: int = 2

    # -- one month

    def deadline(self, period: str) -> dt.date:
        """The month's deadline day (the last day a submission is on time)."""
        return deadline_day(period, self.deadline_day, self.overrides)

    def notices(self, period: str) -> list[Notice]:
        """Every notice of ``period``, in the order they fall due."""
        due = self.deadline(period)
        out = [Notice(REMINDER, period, due, -d, False) for d in self.reminder_days_before]
        out += [
            Notice(OVERDUE, period, due, d, d in self.copy_team_days_after)
            for d in self.overdue_days_after
        ]
        return sorted(out, key=lambda n: n.offset)

    def closing_day(self, period: str) -> dt.date:
        """The day the month's monthly run is started: the day after its deadline day."""
        return self.deadline(period) + dt.timedelta(days=1)

    def watchdog_day(self, closed_on: dt.date) -> dt.date:
        """The day a monthly run started by the run as of ``closed_on`` must have succeeded."""
        return closed_on + dt.timedelta(days=self.monthly_run_grace_days)

    # -- one run

    def months_near(self, last_run: dt.date | None, day: dt.date) -> list[str]:
        """The monitored months whose events can fall in the run's window (oldest first): a
        month's deadline day lies in the month after it, its events at most the largest
        offset before or after that day."""
        before = max(self.reminder_days_before, default=0)
        after = max((*self.overdue_days_after, 1))
        first = last_run + dt.timedelta(days=1) if last_run is not None else day
        lo = max(add_months(period_of(first - dt.timedelta(days=after)), -1), self.start)
        hi = min(period_of(day + dt.timedelta(days=before)), self.end)
        return period_range(lo, hi) if lo <= hi else []

    def notices_due(self, last_run: dt.date | None, day: dt.date) -> list[Notice]:
        """For each month, the most recent of its notices that fell due in the run's window."""
        out = []
        for period in self.months_near(last_run, day):
            due = [n for n in self.notices(period) if in_window(n.day, last_run, day)]
            if due:
                out.append(due[-1])
        return out

    def months_closing(self, last_run: dt.date | None, day: dt.date) -> list[str]:
        """The months whose closing day fell in the run's window (oldest first): the run closes
        them. Only the last one's monthly run is started (it takes in every month's files); an
        earlier one, after days missed for a month or more, is left to the watchdog."""
        return [
            p
            for p in self.months_near(last_run, day)
            if in_window(self.closing_day(p), last_run, day)
        ]

    def month_to_close(self, last_run: dt.date | None, day: dt.date) -> str | None:
        """The month whose monthly run the run starts: the latest one it closes, if any."""
        closing = self.months_closing(last_run, day)
        return closing[-1] if closing else None

    def closings_to_watch(
        self, closings: Iterable[tuple[dt.date, str]], last_run: dt.date | None, day: dt.date
    ) -> list[tuple[dt.date, str]]:
        """Of the ``(closed_on, period)`` closings made by earlier runs, those whose monthly run
        must have succeeded by a day in the run's window."""
        return [
            (closed_on, period)
            for closed_on, period in closings
            if closed_on < day and in_window(self.watchdog_day(closed_on), last_run, day)
        ]


def in_window(due: dt.date, last_run: dt.date | None, day: dt.date) -> bool:
    """Whether something due on ``due`` is the business of a run as of ``day`` after ``last_run``."""
    if last_run is None:
        return due == day
    return last_run < due <= day


def from_config() -> Calendar:
    """The calendar of ``program.yaml`` (deadline day and overrides, notice days, grace)."""
    p = config.program()
    n = p.notices
    return Calendar(
        start=p.program.start,
        end=p.program.end,
        deadline_day=p.deadline.day,
        overrides=dict(p.deadline.overrides),
        reminder_days_before=tuple(n.reminder_days_before),
        overdue_days_after=tuple(n.overdue_days_after),
        copy_team_days_after=tuple(n.copy_team_days_after),
        monthly_run_grace_days=n.monthly_run_grace_days,
    )
