"""The month's emails through a real SMTP server on loopback (aiosmtpd): each kind reaches the
addresses of ``recipients.yaml`` with its subject, a body a mail client parses, and its
attachment (opened and read); a second send step sends nothing."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import io
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from techaid import config, pipeline
from techaid.outputs.compose.monthly import compose_month
from techaid.outputs.mail.smtp import SmtpSettings
from techaid.outputs.report.workbook import SHEETS
from tests.integration.smtp_server import Handler, Server, free_port
from tests.unit.outputs.report.report_builders import (
    ANQING,
    CHIZHOU,
    LUAN,
    PERIOD,
    QIANSHAN,
    SHITAI,
    TAIHU,
    build,
)

RUN = dt.datetime(2018, 7, 5, 18, 0, tzinfo=dt.UTC)
SENDER = "techaid@mail.example.org"


@pytest.fixture
def server() -> Iterator[tuple[Server, Handler]]:
    handler = Handler()
    srv = Server(handler, free_port()).start()
    yield srv, handler
    srv.stop()


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A warehouse whose outbox holds the month's emails, as compose_emails leaves it."""
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    engine = build(url)
    compose_month(engine, PERIOD, {PERIOD}, tmp_path / "output", RUN)
    engine.dispose()
    return url


def _office(city: str) -> list[str]:
    office = config.recipients().cities[city]
    return [*office.to, *office.cc]


def _sheets(data: bytes) -> dict[str, list[tuple[object, ...]]]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def test_each_kind_arrives_at_its_addresses_with_subject_body_and_attachment(
    url: str, server: tuple[Server, Handler], tmp_path: Path
) -> None:
    srv, handler = server
    settings = SmtpSettings(host="127.0.0.1", port=srv.port, sender=SENDER, timeout=5)
    result = pipeline.send_outbox(url, settings, RUN)
    assert result["sent"] == 7
    assert result["failed"] == []
    assert result["pending"] == []

    got: dict[str, tuple[list[str], EmailMessage]] = {}
    for raw, (mail_from, rcpts) in zip(handler.received, handler.envelopes, strict=True):
        assert mail_from == SENDER
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        got[str(msg["X-Techaid-Key"])] = (rcpts, msg)
    team = [*config.recipients().provincial_team.to, *config.recipients().provincial_team.cc]
    expected = {
        f"receipt/{PERIOD}/{LUAN}/l1": _office(LUAN),
        f"receipt/{PERIOD}/{ANQING}/a2": _office(ANQING),
        f"feedback/{PERIOD}/{ANQING}/a2": _office(ANQING),
        f"feedback/{PERIOD}/{CHIZHOU}/c1": _office(CHIZHOU),
        f"lagging_alert/{PERIOD}/{ANQING}": _office(ANQING),
        f"lagging_alert/{PERIOD}/{CHIZHOU}": _office(CHIZHOU),
        f"provincial_report/{PERIOD}/-": team,
    }
    assert {k: rcpts for k, (rcpts, _) in got.items()} == expected

    for key, (_, msg) in got.items():
        kind = key.split("/", 1)[0]
        assert kind in msg["Subject"]
        assert PERIOD in msg["Subject"]
        assert msg.get_body(("plain",)).get_content().strip()
        assert "</html>" in msg.get_body(("html",)).get_content()

    assert not list(got[f"receipt/{PERIOD}/{LUAN}/l1"][1].iter_attachments())

    (feedback,) = got[f"feedback/{PERIOD}/{CHIZHOU}/c1"][1].iter_attachments()
    issues = _sheets(feedback.get_content())["问题清单"]
    assert issues[0][:2] == ("工作表", "行号")
    assert issues[1][4] == "file.missing_sheet"

    (alert,) = got[f"lagging_alert/{PERIOD}/{ANQING}"][1].iter_attachments()
    counties = _sheets(alert.get_content())["counties"]
    assert {row[0] for row in counties[1:]} == {QIANSHAN, TAIHU}  # never Chizhou's SHITAI

    report = got[f"provincial_report/{PERIOD}/-"][1]
    (rollup,) = report.iter_attachments()
    sheets = _sheets(rollup.get_content())
    assert tuple(sheets) == SHEETS
    assert {row[3] for row in sheets["ranking"][1:]} >= {QIANSHAN, SHITAI}
    images = [p for p in report.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 4
    assert all(p["Content-ID"].startswith("<chart-") for p in images)

    # The send step retried, or the period re-run: nothing goes out twice.
    engine = sa.create_engine(url)
    assert (
        compose_month(engine, PERIOD, {PERIOD}, Path(url[10:]).parent / "output", RUN).recorded
        == []
    )
    assert pipeline.send_outbox(url, settings, RUN)["sent"] == 0
    assert len(handler.received) == 7
