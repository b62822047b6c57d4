"""The outbox table: recorded once, written as .eml without a mail server, failures visible."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from techaid.outputs.mail import eml, outbox, states
from techaid.outputs.mail.email import Email
from techaid.warehouse.engine import make_engine
from techaid.warehouse.schema import email_outbox

RUN = dt.datetime(2018, 7, 5, 18, 0, tzinfo=dt.UTC)  # 6 July 02:00 in Anhui
NOW = dt.datetime(2018, 7, 5, 18, 5, tzinfo=dt.UTC)


def test_recorded_once_per_key_and_never_overwritten(
    engine: Engine, make_email: Callable[..., Email]
) -> None:
    first = make_email()
    assert outbox.record(engine, [first, make_email(about="v2")], NOW) == 2
    changed = make_email(subject="另一个主题 another subject", to=["x@example.org"], cc=[])
    assert outbox.record(engine, [changed, first], NOW + dt.timedelta(days=1)) == 0
    row = outbox.get(engine, first.dedupe_key)
    assert row is not None
    assert (row.subject, row.status, row.attempts) == (first.subject, "pending", 0)
    assert row.recipients == "bozhou-kx@example.org,techaid-province@example.org"  # To, Cc
    assert row.created_at == NOW.replace(tzinfo=None)
    assert row.email() == first


def test_without_mail_server_each_email_is_written_once(
    engine: Engine, make_email: Callable[..., Email], tmp_path: Path
) -> None:
    e = make_email()
    outbox.record(engine, [e], NOW)
    report = outbox.deliver(engine, None, RUN, tmp_path / "outbox")
    assert report.written == [e.dedupe_key]
    path = eml.path_for(tmp_path / "outbox", e.dedupe_key)
    row = outbox.get(engine, e.dedupe_key)
    assert row is not None
    assert row.status == "written"
    assert row.sent_at is not None
    assert path.read_bytes() == row.message
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert msg["Subject"] == e.subject
    assert msg["Date"].datetime == RUN  # the run's logical date, not the clock
    assert msg["From"].addresses[0].addr_spec == "techaid-pipeline@localhost"

    path.unlink()
    again = outbox.deliver(engine, None, RUN, tmp_path / "outbox")
    assert again.written == []
    assert not path.exists()


def test_eml_file_is_byte_identical_when_a_period_is_run_again(
    make_email: Callable[..., Email], tmp_path: Path
) -> None:
    def run(name: str) -> bytes:
        eng = make_engine(f"sqlite:///{tmp_path / name}.db")
        email_outbox.create(eng)
        outbox.record(eng, [make_email()], dt.datetime.now(dt.UTC))
        outbox.deliver(eng, None, RUN, tmp_path / name)
        return eml.path_for(tmp_path / name, make_email().dedupe_key).read_bytes()

    assert run("first") == run("second")


def test_email_left_sending_by_a_dead_run_ends_failed_outcome_unknown(
    engine: Engine, make_email: Callable[..., Email], tmp_path: Path
) -> None:
    dead, alive = make_email(about="dead"), make_email(about="alive")
    outbox.record(engine, [dead, alive], NOW)
    assert states.claim(engine, dead.dedupe_key, "dead-run", b"bytes")
    assert states.claim(engine, alive.dedupe_key, "live-run", b"bytes")
    two_hours_ago = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=2)
    with engine.begin() as conn:
        conn.execute(
            email_outbox.update()
            .where(email_outbox.c.dedupe_key == dead.dedupe_key)
            .values(claimed_at=two_hours_ago)
        )
    report = outbox.deliver(engine, None, RUN, tmp_path)
    assert report.recovered == [dead.dedupe_key]
    assert report.written == []
    row = outbox.get(engine, dead.dedupe_key)
    assert row is not None
    assert row.status == "failed"
    assert row.last_error is not None
    assert "outcome unknown" in row.last_error
    assert outbox.get(engine, alive.dedupe_key).status == "sending"  # type: ignore[union-attr]
    assert list(tmp_path.glob("*.eml")) == []  # neither was written as a file


def test_failed_since_lists_the_failed_for_the_data_engineers(
    engine: Engine, make_email: Callable[..., Email]
) -> None:
    a, b, c = make_email(about="a"), make_email(about="b"), make_email(about="c")
    failure = make_email(kind="pipeline_failure", about="p", dedupe_key="pipeline_failure/x")
    outbox.record(engine, [a, b, c, failure], NOW)
    before = dt.datetime.now(dt.UTC)
    for e in (a, failure):
        assert states.mark_failed(engine, e.dedupe_key, None, "550 no such user")
    listed = outbox.failed_since(engine, before, exclude_kinds={"pipeline_failure"})
    assert [(r.dedupe_key, r.last_error) for r in listed] == [(a.dedupe_key, "550 no such user")]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    assert outbox.failed_since(engine, later) == []


def test_the_table_appears_through_the_warehouse_migration(sqlite_url: str) -> None:
    from techaid.warehouse import migrate

    eng = make_engine(sqlite_url)
    report = migrate.upgrade(eng)
    assert "add table email_outbox" in report.applied
    columns = {c["name"] for c in sa.inspect(eng).get_columns("email_outbox")}
    assert {
        "dedupe_key",
        "kind",
        "period",
        "city_code",
        "recipients",
        "subject",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
    } <= columns


@pytest.mark.postgres
def test_record_and_write_on_postgresql(
    pg_url: str, make_email: Callable[..., Email], tmp_path: Path
) -> None:
    eng = make_engine(pg_url)
    email_outbox.create(eng)
    e = make_email()
    assert outbox.record(eng, [e, e], NOW) == 1
    assert outbox.record(eng, [make_email(subject="changed")], NOW) == 0
    report = outbox.deliver(eng, None, RUN, tmp_path)
    row = outbox.get(eng, e.dedupe_key)
    assert report.written == [e.dedupe_key]
    assert row is not None
    assert row.subject == e.subject
    assert eml.path_for(tmp_path, e.dedupe_key).read_bytes() == row.message
    eng.dispose()


def test_a_written_email_reads_in_the_terminal(
    engine: Engine, make_email: Callable[..., Email], tmp_path: Path
) -> None:
    import io

    from techaid.outputs.mail.__main__ import main

    e = make_email()
    outbox.record(engine, [e], NOW)
    outbox.deliver(engine, None, RUN, tmp_path)
    out = io.StringIO()
    assert main([str(eml.path_for(tmp_path, e.dedupe_key))], out) == 0
    text = out.getvalue()
    assert f"Subject: {e.subject}" in text
    assert f"X-Techaid-Key: {e.dedupe_key}" in text
    assert e.text in text
    assert "[attachment] 反馈_亳州市_2018-06.xlsx" in text
