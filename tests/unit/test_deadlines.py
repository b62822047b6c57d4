"""The calendar of the daily run, day by day over the whole program: which notice falls due
when, which month closes (its monthly run starts) and when a missing monthly run is reported,
with runs every day, with missed days, and for a first run."""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
from pathlib import Path

import pytest

from techaid import config, deadlines
from techaid.deadlines import Calendar
from techaid.periods import add_months, period_range

CAL = deadlines.from_config()
ALL_DAYS = [
    dt.date(2017, 1, 1) + dt.timedelta(days=i)
    for i in range((dt.date(2021, 3, 1) - dt.date(2017, 1, 1)).days)
]
MONTHS = period_range("2017-01", "2020-12")


def _by_day() -> dict[dt.date, set[tuple[str, str, int]]]:
    """Every (kind, period, offset) by the day it falls due, from the rules as written."""
    out: dict[dt.date, set[tuple[str, str, int]]] = {}
    for p in MONTHS:
        due = CAL.deadline(p)
        for kind, offsets in (("reminder", (-3, -1)), ("overdue", (1, 3, 7))):
            for d in offsets:
                out.setdefault(due + dt.timedelta(days=d), set()).add((kind, p, d))
    return out


BY_DAY = _by_day()


def _brute_force_due_on(day: dt.date) -> set[tuple[str, str, int]]:
    return BY_DAY.get(day, set())


def test_shipped_calendar_is_the_documented_one() -> None:
    assert (CAL.reminder_days_before, CAL.overdue_days_after) == ((3, 1), (1, 3, 7))
    assert CAL.copy_team_days_after == (7,)
    assert CAL.monthly_run_grace_days == 2
    assert CAL.deadline("2018-05") == dt.date(2018, 6, 5)
    assert CAL.deadline("2019-01") == dt.date(2019, 2, 12)  # Spring Festival override
    assert CAL.deadline("2018-09") == dt.date(2018, 10, 12)  # National Day override


def test_a_run_every_day_sends_each_notice_once_on_its_own_day() -> None:
    seen: list[tuple[str, str, int]] = []
    for day in ALL_DAYS:
        due = CAL.notices_due(day - dt.timedelta(days=1), day)
        got = {(n.kind, n.period, n.offset) for n in due}
        assert got == _brute_force_due_on(day), day
        assert all(n.day == day for n in due)
        seen += [(n.kind, n.period, n.offset) for n in due]
    assert len(seen) == len(set(seen)) == len(MONTHS) * 5


def test_notice_days_and_tags_of_a_month_with_an_override() -> None:
    notices = CAL.notices("2019-01")
    assert [(n.kind, n.tag, n.day) for n in notices] == [
        ("reminder", "d-3", dt.date(2019, 2, 9)),
        ("reminder", "d-1", dt.date(2019, 2, 11)),
        ("overdue", "d+1", dt.date(2019, 2, 13)),
        ("overdue", "d+3", dt.date(2019, 2, 15)),
        ("overdue", "d+7", dt.date(2019, 2, 19)),
    ]
    assert [n.copy_team for n in notices] == [False, False, False, False, True]
    # Nothing for January falls due on the default days around 5 February.
    for day in (dt.date(2019, 2, 2), dt.date(2019, 2, 4), dt.date(2019, 2, 6)):
        assert not [
            n for n in CAL.notices_due(day - dt.timedelta(days=1), day) if n.period == "2019-01"
        ]


@pytest.mark.parametrize("skip_every", [2, 3, 4, 5, 9])
def test_after_missed_days_only_the_latest_notice_of_a_month_is_sent(skip_every: int) -> None:
    """Runs only every ``skip_every`` days: each run sends, per month, the most recent notice
    that fell due since the previous run, and none that fell due before it."""
    days = ALL_DAYS[::skip_every]
    for last, day in itertools.pairwise(days):
        due = CAL.notices_due(last, day)
        assert len({n.period for n in due}) == len(due)  # one per month at most
        for n in due:
            assert last < n.day <= day
            later = [m for m in CAL.notices(n.period) if n.day < m.day <= day]
            assert later == [], (day, n, later)
        # Every month that had a notice in the window gets exactly one.
        window = [last + dt.timedelta(days=i) for i in range(1, (day - last).days + 1)]
        windowed = {p for d in window for _, p, _ in _brute_force_due_on(d)}
        assert {n.period for n in due} == windowed


def test_first_run_acts_only_on_what_falls_due_that_day() -> None:
    assert CAL.notices_due(None, dt.date(2018, 6, 9)) == []  # d+3 was the 8th
    assert [n.tag for n in CAL.notices_due(None, dt.date(2018, 6, 12))] == ["d+7"]
    assert CAL.month_to_close(None, dt.date(2018, 6, 7)) is None
    assert CAL.month_to_close(None, dt.date(2018, 6, 6)) == "2018-05"


def test_each_month_closes_once_the_day_after_its_deadline_day() -> None:
    closed = {}
    for day in ALL_DAYS:
        period = CAL.month_to_close(day - dt.timedelta(days=1), day)
        if period is not None:
            assert period not in closed
            closed[period] = day
    assert closed == {p: CAL.deadline(p) + dt.timedelta(days=1) for p in MONTHS}
    assert closed["2019-01"] == dt.date(2019, 2, 13)  # not the 6th: offices were within time
    assert closed["2018-05"] == dt.date(2018, 6, 6)
    assert closed["2020-09"] == dt.date(2020, 10, 13)


def test_after_missed_days_the_latest_closed_month_is_named() -> None:
    assert CAL.month_to_close(dt.date(2018, 6, 1), dt.date(2018, 6, 20)) == "2018-05"
    assert CAL.month_to_close(dt.date(2018, 5, 1), dt.date(2018, 7, 20)) == "2018-06"
    assert CAL.month_to_close(dt.date(2018, 6, 6), dt.date(2018, 7, 5)) is None


def test_the_month_is_carried_even_when_its_closing_day_is_two_months_later() -> None:
    """An override to the 31st of a 30-day month ends on the 30th; the next day is already the
    month after next, where "the month before the run's date" would name the wrong month."""
    cal = Calendar("2018-01", "2018-12", 5, {"2018-03": 31})
    assert cal.deadline("2018-03") == dt.date(2018, 4, 30)
    assert cal.month_to_close(dt.date(2018, 4, 30), dt.date(2018, 5, 1)) == "2018-03"
    assert add_months("2018-05", -1) != "2018-03"


def test_each_monthly_run_is_watched_once_two_days_after_the_run_that_started_it() -> None:
    closings: list[tuple[dt.date, str]] = []
    watched: dict[str, dt.date] = {}
    for day in ALL_DAYS:
        last = day - dt.timedelta(days=1)
        for closed_on, period in CAL.closings_to_watch(closings, last, day):
            assert period not in watched
            assert closed_on == CAL.closing_day(period)
            watched[period] = day
        closings += [(day, p) for p in CAL.months_closing(last, day)]
    assert watched == {p: CAL.deadline(p) + dt.timedelta(days=3) for p in MONTHS}


def test_a_month_closed_late_is_watched_from_the_run_that_closed_it() -> None:
    """Runs missed from 2 to 9 June: the run of the 10th closes May and starts its monthly run,
    and is not the one to say that run is missing; the run two days later is."""
    last, day = dt.date(2018, 6, 1), dt.date(2018, 6, 10)
    assert CAL.months_closing(last, day) == ["2018-05"]
    closings = [(day, "2018-05")]
    assert CAL.closings_to_watch(closings, last, day) == []
    assert CAL.closings_to_watch(closings, day, dt.date(2018, 6, 11)) == []
    assert CAL.closings_to_watch(closings, dt.date(2018, 6, 11), dt.date(2018, 6, 12)) == closings
    # Missed days again: the next run after the watchdog day still says it, once.
    assert CAL.closings_to_watch(closings, day, dt.date(2018, 6, 20)) == closings
    assert CAL.closings_to_watch(closings, dt.date(2018, 6, 20), dt.date(2018, 6, 21)) == []


def test_after_a_month_of_missed_days_every_month_in_the_window_is_closed() -> None:
    assert CAL.months_closing(dt.date(2018, 5, 1), dt.date(2018, 7, 20)) == [
        "2018-04",
        "2018-05",
        "2018-06",
    ]
    assert CAL.month_to_close(dt.date(2018, 5, 1), dt.date(2018, 7, 20)) == "2018-06"


def test_no_notice_outside_the_program() -> None:
    before = [n for d in ALL_DAYS[:40] for n in CAL.notices_due(d - dt.timedelta(days=1), d)]
    assert {n.period for n in before} <= set(MONTHS)
    after = CAL.notices_due(dt.date(2021, 2, 1), dt.date(2021, 3, 1))
    assert after == []


@pytest.fixture
def cfg_dir(tmp_path: Path) -> Path:
    d = tmp_path / "config"
    shutil.copytree(config.DEFAULT_CONFIG_DIR, d)
    return d


def test_a_team_copy_on_a_day_without_an_overdue_notice_is_refused(cfg_dir: Path) -> None:
    p = cfg_dir / "program.yaml"
    p.write_text(p.read_text().replace("copy_team_days_after: [7]", "copy_team_days_after: [5]"))
    with pytest.raises(config.ConfigError, match="copy_team_days_after"):
        config.load_program(p)


def test_notice_days_come_from_the_configuration(cfg_dir: Path) -> None:
    p = cfg_dir / "program.yaml"
    p.write_text(p.read_text().replace("reminder_days_before: [3, 1]", "reminder_days_before: [5]"))
    n = config.load_program(p).notices
    assert n.reminder_days_before == (5,)
    p.write_text(p.read_text().replace("reminder_days_before: [5]", "reminder_days_before: [0]"))
    with pytest.raises(config.ConfigError, match="reminder_days_before"):
        config.load_program(p)


def test_long_offsets_reach_months_beyond_the_run_date() -> None:
    """A reminder 40 days ahead falls in the month before the one it is about."""
    cal = Calendar(
        "2018-01", "2018-12", 5, {}, reminder_days_before=(40,), overdue_days_after=(30,)
    )
    assert [(n.period, n.tag) for n in cal.notices_due(None, dt.date(2018, 5, 26))] == [
        ("2018-06", "d-40")
    ]
    assert [(n.period, n.tag) for n in cal.notices_due(None, dt.date(2018, 8, 4))] == [
        ("2018-06", "d+30")
    ]
