"""Delivery against a real SMTP server (aiosmtpd on loopback): each email at most once.

The server's handler can refuse or drop the connection at chosen points; every test counts what
the server really received.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy.engine import Engine

from techaid.outputs.mail import outbox
from techaid.outputs.mail.email import Attachment, Email, dedupe_key
from techaid.outputs.mail.smtp import SmtpSettings
from techaid.warehouse.engine import make_engine
from techaid.warehouse.schema import email_outbox
from tests.integration.smtp_server import Handler, Server, free_port

RUN = dt.datetime(2018, 7, 5, 18, 0, tzinfo=dt.UTC)
SENDER = "techaid@mail.example.org"


@pytest.fixture
def handler() -> Handler:
    return Handler()


@pytest.fixture
def server(handler: Handler) -> Iterator[Server]:
    srv = Server(handler, free_port()).start()
    yield srv
    srv.stop()


@pytest.fixture
def engine(sqlite_url: str) -> Engine:
    eng = make_engine(sqlite_url)
    email_outbox.create(eng)
    return eng


def settings(port: int, **kw: Any) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, sender=SENDER, **{"timeout": 5, **kw})


def make(about: str, to: list[str] | None = None) -> Email:
    return Email(
        kind="receipt",
        period="2018-06",
        city_code="341600",
        to=to or ["bozhou-kx@example.org"],
        cc=["techaid-province@example.org"],
        subject="[科技助力精准扶贫] 数据回执 receipt 2018-06 亳州市",
        html="<p>已接收</p>",
        text="已接收",
        dedupe_key=dedupe_key("receipt", "2018-06", "341600", about),
        attachments=[Attachment("反馈.xlsx", b"PK\x03\x04", "application/vnd.ms-excel")],
    )


Deliver = Callable[..., outbox.DeliveryReport]


@pytest.fixture
def deliver(engine: Engine, tmp_path: Any) -> Deliver:
    def run(port: int, **kw: Any) -> outbox.DeliveryReport:
        return outbox.deliver(engine, settings(port), RUN, tmp_path / "outbox", **kw)

    return run


def status(engine: Engine, e: Email) -> tuple[str, int, str | None]:
    row = outbox.get(engine, e.dedupe_key)
    assert row is not None
    return row.status, row.attempts, row.last_error


@pytest.mark.usefixtures("no_yagmail_magic")
def test_sent_once_over_one_connection_and_never_again(
    engine: Engine, server: Server, handler: Handler, deliver: Deliver
) -> None:
    emails = [make("v1"), make("v2")]
    outbox.record(engine, emails, RUN)
    report = deliver(server.port)
    assert sorted(report.sent) == sorted(e.dedupe_key for e in emails)
    assert len(handler.received) == 2
    sender, recipients = handler.envelopes[0]
    assert sender == SENDER
    assert recipients == ["bozhou-kx@example.org", "techaid-province@example.org"]
    row = outbox.get(engine, emails[0].dedupe_key)
    assert row is not None
    assert row.status == "sent"
    assert row.attempts == 1
    assert row.message in handler.received  # exactly the stored bytes went out

    # a task retry, a re-run of the period: the same emails are recorded and delivered again
    assert outbox.record(engine, [make("v1"), make("v2")], RUN) == 0
    again = deliver(server.port)
    assert again.sent == []
    assert len(handler.received) == 2


def test_the_attempt_is_committed_before_the_message_data_goes_out(
    engine: Engine, server: Server, handler: Handler, deliver: Deliver
) -> None:
    e = make("v1")
    outbox.record(engine, [e], RUN)
    seen: list[tuple[str, int, str | None]] = []
    handler.on_data = lambda: seen.append(status(engine, e))  # read by another connection
    assert deliver(server.port).sent == [e.dedupe_key]
    assert seen == [("sending", 1, None)]


def test_temporary_refusal_at_rcpt_stays_pending_then_goes_out_once(
    engine: Engine, server: Server, handler: Handler, deliver: Deliver
) -> None:
    e = make("v1")
    outbox.record(engine, [e], RUN)
    handler.rcpt_reply["techaid-province@example.org"] = "451 4.3.0 try again later"
    report = deliver(server.port)
    assert report.pending == [e.dedupe_key]
    assert handler.received == []
    state, attempts, error = status(engine, e)
    assert (state, attempts) == ("pending", 1)
    assert error is not None
    assert "451" in error

    handler.rcpt_reply.clear()
    assert deliver(server.port).sent == [e.dedupe_key]
    assert deliver(server.port).sent == []
    assert len(handler.received) == 1
    assert status(engine, e)[:2] == ("sent", 2)


def test_refused_recipient_ends_failed_naming_it_and_the_next_email_still_goes(
    engine: Engine, server: Server, handler: Handler, deliver: Deliver
) -> None:
    bad, good = make("bad", to=["gone@example.org"]), make("good")
    outbox.record(engine, [bad, good], RUN)
    handler.rcpt_reply["gone@example.org"] = "550 5.1.1 no such user"
    report = deliver(server.port)
    assert report.failed == [bad.dedupe_key]
    assert report.sent == [good.dedupe_key]
    state, _, error = status(engine, bad)
    assert state == "failed"
    assert error is not None
    assert "gone@example.org" in error
    assert len(handler.received) == 1
    assert [r.dedupe_key for r in outbox.failed_since(engine, RUN)] == [bad.dedupe_key]


def test_permanent_refusal_of_the_message_ends_failed_and_is_not_resent(
    engine: Engine, server: Server, handler: Handler, deliver: Deliver
) -> None:
    e = make("v1")
    outbox.record(engine, [e], RUN)
    handler.data_reply = "554 5.6.0 message refused"
    assert deliver(server.port).failed == [e.dedupe_key]
    handler.data_reply = None
    assert deliver(server.port).sent == []
    state, attempts, error = status(engine, e)
    assert (state, attempts) == ("failed", 1)
    assert error is not None
    assert "554" in error
    assert handler.received == []


def test_connection_dropped_before_data_stays_pending(
    engine: Engine, server: Server, handler: Handler, deliver: Deliver
) -> None:
    first, second = make("v1"), make("v2")
    outbox.record(engine, [first, second], RUN)
    handler.drop_at_rcpt = True
    report = deliver(server.port)
    assert sorted(report.pending) == sorted([first.dedupe_key, second.dedupe_key])
    assert report.connection_error is not None
    assert [status(engine, e)[:2] for e in (first, second)] == [("pending", 1), ("pending", 1)]
    handler.drop_at_rcpt = False
    assert len(deliver(server.port).sent) == 2
    assert len(handler.received) == 2


def test_connection_dropped_after_data_is_outcome_unknown_and_never_resent(
    engine: Engine, server: Server, handler: Handler, deliver: Deliver
) -> None:
    e, untouched = make("v1"), make("v2")
    outbox.record(engine, [e, untouched], RUN)
    handler.drop_after_data = True
    report = deliver(server.port)
    assert report.failed == [e.dedupe_key]
    assert report.pending == [untouched.dedupe_key]
    state, attempts, error = status(engine, e)
    assert (state, attempts) == ("failed", 1)
    assert error is not None
    assert "outcome unknown" in error
    handler.drop_after_data = False
    assert deliver(server.port).sent == [untouched.dedupe_key]
    assert len(handler.received) == 2  # the first arrived once, and was not sent again


def test_server_down_stays_pending_then_sent_exactly_once_when_back(
    engine: Engine, handler: Handler, deliver: Deliver
) -> None:
    port = free_port()  # nothing listens yet
    e = make("v1")
    outbox.record(engine, [e], RUN)
    report = deliver(port)
    assert report.pending == [e.dedupe_key]
    assert report.connection_error
    assert status(engine, e)[:2] == ("pending", 1)
    srv = Server(handler, port).start()
    try:
        assert deliver(port).sent == [e.dedupe_key]
        assert deliver(port).sent == []
    finally:
        srv.stop()
    assert len(handler.received) == 1
    assert status(engine, e)[:2] == ("sent", 2)


def test_attempt_limit_ends_failed(engine: Engine, deliver: Deliver) -> None:
    port = free_port()
    e = make("v1")
    outbox.record(engine, [e], RUN)
    assert deliver(port, max_attempts=2).pending == [e.dedupe_key]
    assert deliver(port, max_attempts=2).failed == [e.dedupe_key]
    state, attempts, error = status(engine, e)
    assert (state, attempts) == ("failed", 2)
    assert error is not None
    assert "limit 2" in error


def test_silent_server_times_out_and_stays_pending(engine: Engine, tmp_path: Any) -> None:
    e = make("v1")
    outbox.record(engine, [e], RUN)
    with socket.socket() as silent:  # accepts connections, never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        report = outbox.deliver(
            engine, settings(silent.getsockname()[1], timeout=0.5), RUN, tmp_path
        )
    assert report.pending == [e.dedupe_key]
    assert "timed out" in (report.connection_error or "")
    assert status(engine, e)[:2] == ("pending", 1)


@pytest.fixture
def no_yagmail_magic(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail loudly if yagmail would look in the keyring, ~/.yagmail or prompt for a password."""
    import getpass

    import yagmail.sender

    def forbidden(*_a: Any, **_k: Any) -> None:
        raise AssertionError("yagmail tried the keyring, ~/.yagmail or a password prompt")

    monkeypatch.setattr(yagmail.sender, "handle_password", forbidden)
    monkeypatch.setattr(yagmail.sender, "find_user_home_path", forbidden)
    monkeypatch.setattr(getpass, "getpass", forbidden)


@pytest.mark.usefixtures("no_yagmail_magic")
def test_rejected_login_raises_without_burning_attempts(
    engine: Engine, handler: Handler, tmp_path: Any
) -> None:
    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.password == b"right"
        return AuthResult(success=ok, handled=False)  # the server answers 535 itself

    srv = Server(handler, free_port(), authenticator=authenticator, auth_require_tls=False).start()
    e = make("v1")
    outbox.record(engine, [e], RUN)
    try:
        wrong = settings(srv.port, login="techaid", password="wrong")
        with pytest.raises(smtplib.SMTPAuthenticationError):
            outbox.deliver(engine, wrong, RUN, tmp_path)
        assert status(engine, e)[:2] == ("pending", 0)
        right = settings(srv.port, login="techaid", password="right")
        assert outbox.deliver(engine, right, RUN, tmp_path).sent == [e.dedupe_key]
    finally:
        srv.stop()
    assert len(handler.received) == 1


@pytest.mark.postgres
def test_refusals_outage_and_delivery_on_postgresql(
    pg_url: str, handler: Handler, tmp_path: Any
) -> None:
    eng = make_engine(pg_url)
    email_outbox.create(eng)
    later, gone = make("later"), make("gone", to=["gone@example.org"])
    outbox.record(eng, [later, gone], RUN)
    port = free_port()
    first = outbox.deliver(eng, settings(port), RUN, tmp_path, max_attempts=3)
    assert sorted(first.pending) == sorted([later.dedupe_key, gone.dedupe_key])
    handler.rcpt_reply["gone@example.org"] = "550 5.1.1 no such user"
    srv = Server(handler, port).start()
    try:
        second = outbox.deliver(eng, settings(port), RUN, tmp_path, max_attempts=3)
    finally:
        srv.stop()
    assert second.sent == [later.dedupe_key]
    assert second.failed == [gone.dedupe_key]
    assert [status(eng, e)[:2] for e in (later, gone)] == [("sent", 2), ("failed", 2)]
    assert [r.dedupe_key for r in outbox.failed_since(eng, RUN)] == [gone.dedupe_key]
    assert len(handler.received) == 1
    eng.dispose()
