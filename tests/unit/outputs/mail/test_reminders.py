"""The daily run's notices and watchdog over a month boundary, on a SQLite warehouse.

Every day from 2018-05-28 to 2018-06-15 the run records what is due and the outbox is delivered
(as .eml files), as ``submission_reminders`` does; two days are missed. May's deadline is
2018-06-05. Offices upload (simulated ``submission`` rows) at known times, so the exact set of
notices each office must get is known in advance, and each must be in the outbox once.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from techaid import daily
from techaid.outputs.mail import outbox, watchdog
from techaid.warehouse import run_log
from techaid.warehouse.engine import make_engine
from techaid.warehouse.schema import dq_issue, email_outbox, metadata, submission

TZ = ZoneInfo("Asia/Shanghai")
BOZHOU, ANQING, FUYANG, CHUZHOU, HUAINAN = "341600", "340800", "341200", "341100", "340400"
ON_TIME_CITIES = ("340300", "341300", "341500", "341700")  # accepted on 20 May
TEAM = "techaid-province@example.org"
DAYS = [dt.date(2018, 5, 28) + dt.timedelta(days=i) for i in range(19)]  # to 15 June
MISSED = {dt.date(2018, 6, 8), dt.date(2018, 6, 9)}


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), TZ)


def _add_version(engine: Engine, sid: str, city: str, received: dt.datetime, outcome: str) -> None:
    status = outcome
    with engine.begin() as conn:
        conn.execute(
            sa.insert(submission).values(
                submission_id=sid,
                city_code=city,
                period="2018-05",
                file_name=f"{city}_2018-05.xlsx",
                sha256=sid * 4,
                received_at=received.astimezone(dt.UTC).replace(tzinfo=None),
                status=status,
                on_time=True,
                rows_loaded=0 if outcome == "rejected" else 10,
                rows_quarantined=0,
                warnings=0,
                outcome=outcome,
                file_path=f"/x/{sid}.xlsx",
                size_bytes=1,
                repairs=0,
                refused_rule="file.unreadable" if outcome == "rejected" else None,
            )
        )
        if outcome == "rejected":
            conn.execute(
                sa.insert(dq_issue).values(
                    submission_id=sid,
                    seq=0,
                    rule="file.unreadable",
                    severity="fatal",
                    message="文件无法读取（损坏的压缩包），请确认是 Excel 工作簿后重新上传",
                )
            )


# What each office uploads, and when (local time). Huainan's file comes on 9 June but is put in
# the warehouse from the start: a run as of an earlier day must not count it yet.
UPLOADS = [
    *[(f"ok{c}", c, _local(dt.date(2018, 5, 20), 10), "accepted") for c in ON_TIME_CITIES],
    ("bz1", BOZHOU, _local(dt.date(2018, 6, 3), 10), "accepted"),
    ("aq1", ANQING, _local(dt.date(2018, 6, 1), 11), "rejected"),
    ("aq2", ANQING, _local(dt.date(2018, 6, 7), 10), "accepted_with_errors"),
    ("fy1", FUYANG, _local(dt.date(2018, 6, 5), 23, 30), "accepted"),
    ("hn1", HUAINAN, _local(dt.date(2018, 6, 9), 16), "accepted"),
]
# The notices each office must get, and the day each is recorded.
EXPECTED = {
    f"reminder/2018-05/{BOZHOU}/d-3": dt.date(2018, 6, 2),
    f"reminder/2018-05/{ANQING}/d-3": dt.date(2018, 6, 2),
    f"reminder/2018-05/{ANQING}/d-1": dt.date(2018, 6, 4),
    f"overdue/2018-05/{ANQING}/d+1": dt.date(2018, 6, 6),
    f"reminder/2018-05/{FUYANG}/d-3": dt.date(2018, 6, 2),
    f"reminder/2018-05/{FUYANG}/d-1": dt.date(2018, 6, 4),
    f"reminder/2018-05/{CHUZHOU}/d-3": dt.date(2018, 6, 2),
    f"reminder/2018-05/{CHUZHOU}/d-1": dt.date(2018, 6, 4),
    f"overdue/2018-05/{CHUZHOU}/d+1": dt.date(2018, 6, 6),
    f"overdue/2018-05/{CHUZHOU}/d+3": dt.date(2018, 6, 10),  # due the 8th, a missed day
    f"overdue/2018-05/{CHUZHOU}/d+7": dt.date(2018, 6, 12),
    f"reminder/2018-05/{HUAINAN}/d-3": dt.date(2018, 6, 2),
    f"reminder/2018-05/{HUAINAN}/d-1": dt.date(2018, 6, 4),
    f"overdue/2018-05/{HUAINAN}/d+1": dt.date(2018, 6, 6),  # its file arrives later
}


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TECHAID_OUTPUT", str(tmp_path / "output"))
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    engine = make_engine(url)
    names = ("submission", "dq_issue", "email_outbox", "reminder_run", "run_log")
    metadata.create_all(engine, tables=[metadata.tables[n] for n in names])
    for upload in UPLOADS:
        _add_version(engine, *upload)
    return url


def _run(url: str, day: dt.date, out: Path) -> dict:
    """One daily run after intake: notices, watchdog, the day recorded, the outbox delivered."""
    noticed = daily.notices(url, day)
    watched = daily.watch(url, day)
    daily.finish(url, day, watched["failed_until"])
    outbox.deliver(make_engine(url), None, daily.delivery_date(day), out)
    return {"notices": noticed["notices"], "watchdog": watched}


def _keys(url: str, kinds: tuple[str, ...] = ("reminder", "overdue")) -> dict[str, str]:
    with make_engine(url).connect() as conn:
        rows = conn.execute(
            sa.select(email_outbox.c.dedupe_key, email_outbox.c.recipients).where(
                email_outbox.c.kind.in_(kinds)
            )
        ).all()
    return dict(rows)


def _body(url: str, key: str) -> str:
    row = outbox.get(make_engine(url), key)
    assert row is not None
    assert row.message is not None
    msg = email.message_from_bytes(row.message, policy=email.policy.default)
    parts = [msg.get_body((k,)) for k in ("plain", "html")]
    return str(msg["Subject"]) + "\n" + "\n".join(p.get_content() for p in parts if p)


def test_every_day_of_a_month_boundary_sends_exactly_the_notices_due_once(
    url: str, tmp_path: Path
) -> None:
    out = tmp_path / "outbox"
    recorded_on: dict[str, dt.date] = {}
    for day in DAYS:
        if day in MISSED:
            continue
        before = set(_keys(url))
        _run(url, day, out)
        for key in set(_keys(url)) - before:
            recorded_on[key] = day
    assert recorded_on == EXPECTED

    recipients = _keys(url)
    assert recipients[f"overdue/2018-05/{CHUZHOU}/d+7"] == f"chuzhou-kx@example.org,{TEAM}"
    assert recipients[f"overdue/2018-05/{CHUZHOU}/d+3"] == "chuzhou-kx@example.org"
    assert all(TEAM not in r for k, r in recipients.items() if not k.endswith("d+7"))
    with make_engine(url).connect() as conn:
        states = set(conn.execute(sa.select(email_outbox.c.status)).scalars())
    assert states == {"written"}
    assert len(list(out.glob("*.eml"))) == len(
        _keys(url, ("reminder", "overdue", "pipeline_failure"))
    )

    # Running any day again (a retry, a re-run) records nothing new.
    snapshot = _keys(url, ("reminder", "overdue", "pipeline_failure"))
    for day in (dt.date(2018, 6, 2), dt.date(2018, 6, 6), dt.date(2018, 6, 10), DAYS[-1]):
        _run(url, day, out)
    assert _keys(url, ("reminder", "overdue", "pipeline_failure")) == snapshot


def test_the_notices_say_month_deadline_what_is_missing_and_days_overdue(
    url: str, tmp_path: Path
) -> None:
    for day in DAYS:
        if day not in MISSED:
            _run(url, day, tmp_path / "outbox")

    reminder = _body(url, f"reminder/2018-05/{ANQING}/d-3")
    assert "报送提醒 reminder 2018-05 安庆市" in reminder
    assert "2018-06-05 23:59" in reminder
    assert "距截止还有 3 天" in reminder
    assert "文件无法读取" in reminder
    assert "file.unreadable" in reminder
    assert "340800_2018-05.xlsx" in reminder

    late = _body(url, f"overdue/2018-05/{CHUZHOU}/d+3")
    assert "逾期未报 overdue 2018-05 滁州市" in late
    assert "已逾期 5 天" in late  # sent on the 10th, the 8th and 9th being missed
    assert "截至 2018-06-10" in late
    week = _body(url, f"overdue/2018-05/{CHUZHOU}/d+7")
    assert "已逾期 7 天" in week
    assert "抄送省科协" in week


def test_a_file_received_after_the_run_day_does_not_count_yet(url: str, tmp_path: Path) -> None:
    """Huainan's accepted file is already in the warehouse, received on the 9th: runs as of the
    2nd and the 6th still tell Huainan, a run as of the 10th no longer does."""
    out = tmp_path / "outbox"
    _run(url, dt.date(2018, 6, 2), out)
    _run(url, dt.date(2018, 6, 6), out)
    assert f"overdue/2018-05/{HUAINAN}/d+1" in _keys(url)
    _run(url, dt.date(2018, 6, 10), out)
    assert f"overdue/2018-05/{HUAINAN}/d+3" not in _keys(url)
    assert f"overdue/2018-05/{CHUZHOU}/d+3" in _keys(url)


def test_a_missing_monthly_run_is_reported_once(url: str, tmp_path: Path) -> None:
    out = tmp_path / "outbox"
    for day in DAYS:
        if day not in MISSED:
            _run(url, day, out)
    key = watchdog.missed_run_key("2018-05")
    with make_engine(url).connect() as conn:
        alerts = conn.execute(
            sa.select(email_outbox.c.dedupe_key, email_outbox.c.recipients).where(
                email_outbox.c.kind == "pipeline_failure"
            )
        ).all()
    assert [tuple(a) for a in alerts] == [(key, "techaid-data@example.org")]
    text = _body(url, key)
    assert "monthly_reporting 2018-05" in text
    assert "2018-06-06" in text
    assert "make run PERIOD=2018-05" in text


def test_a_month_closed_by_a_late_run_is_watched_from_that_run(url: str, tmp_path: Path) -> None:
    """Runs missed from 2 to 9 June: the run of the 10th starts May's monthly run and does not
    report it missing; the run of the 12th, two days later, does."""
    out = tmp_path / "outbox"
    key = watchdog.missed_run_key("2018-05")
    for day in (dt.date(2018, 6, 1), dt.date(2018, 6, 10), dt.date(2018, 6, 11)):
        _run(url, day, out)
        assert key not in _keys(url, ("pipeline_failure",)), day
    _run(url, dt.date(2018, 6, 12), out)
    assert key in _keys(url, ("pipeline_failure",))
    assert "应在 2018-06-10 由 submission_reminders 启动" in _body(url, key)


def test_a_monthly_run_that_succeeded_is_not_reported(url: str, tmp_path: Path) -> None:
    engine = make_engine(url)
    run_log.record_success(engine, "2018-05", "asset_triggered__2018-06-06", _local(DAYS[9], 10))
    run_log.record_success(engine, "2018-05", "asset_triggered__2018-06-06", _local(DAYS[9], 11))
    for day in DAYS:
        _run(url, day, tmp_path / "outbox")
    assert watchdog.missed_run_key("2018-05") not in _keys(url, ("pipeline_failure",))


def test_failed_emails_are_reported_once_each(url: str, tmp_path: Path) -> None:
    out = tmp_path / "outbox"
    engine = make_engine(url)

    def fail(key: str) -> None:
        with engine.begin() as conn:
            conn.execute(
                sa.update(email_outbox)
                .where(email_outbox.c.dedupe_key == key)
                .values(
                    status="failed",
                    failed_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                    last_error="550 5.1.1 mailbox unavailable",
                )
            )

    _run(url, dt.date(2018, 6, 2), out)
    fail(f"reminder/2018-05/{CHUZHOU}/d-3")
    first = _run(url, dt.date(2018, 6, 3), out)["watchdog"]
    assert first["failed_emails"] == [f"reminder/2018-05/{CHUZHOU}/d-3"]
    assert _run(url, dt.date(2018, 6, 4), out)["watchdog"]["failed_emails"] == []
    fail(f"reminder/2018-05/{FUYANG}/d-1")
    third = _run(url, dt.date(2018, 6, 5), out)["watchdog"]
    assert third["failed_emails"] == [f"reminder/2018-05/{FUYANG}/d-1"]

    reports = [k for k in _keys(url, ("pipeline_failure",)) if "/failed_emails/" in k]
    assert len(reports) == 2
    text = "\n".join(_body(url, k) for k in reports)
    assert "550 5.1.1 mailbox unavailable" in text
    assert f"reminder/2018-05/{CHUZHOU}/d-3" in text


def test_the_days_summary_names_the_notices(url: str, tmp_path: Path) -> None:
    _run(url, dt.date(2018, 6, 4), tmp_path / "outbox")
    text = daily.summary(url, dt.date(2018, 6, 4))
    assert "previous run: none" in text
    assert f"reminder/2018-05/{CHUZHOU}/d-1: written" in text
    assert f"reminder/2018-05/{BOZHOU}/d-1" not in text  # accepted on the 3rd
