"""Composing an email: what a mail client reads back, byte-for-byte reproducible."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

from techaid.outputs.mail.email import Email, InlineImage
from techaid.outputs.mail.message import compose, message_id
from techaid.outputs.mail.templates import render

SENDER = "techaid@mail.example.org"
WHEN = dt.datetime(2018, 7, 6, 2, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def test_headers_as_a_mail_client_reads_them(make_email: Callable[..., Email]) -> None:
    e = make_email(to=["a@example.org", "b@example.org"], cc=["c@example.org"])
    msg = parse(compose(e, SENDER, WHEN, "安徽省科技助力精准扶贫监测"))
    assert msg["Subject"] == "[科技助力精准扶贫] 数据回执 receipt 2018-06 亳州市"
    assert msg["From"] == "安徽省科技助力精准扶贫监测 <techaid@mail.example.org>"
    assert [a.addr_spec for a in msg["To"].addresses] == ["a@example.org", "b@example.org"]
    assert [a.addr_spec for a in msg["Cc"].addresses] == ["c@example.org"]
    assert msg["Date"].datetime == WHEN
    assert msg["Message-ID"] == message_id(e.dedupe_key, SENDER)


def test_same_email_same_bytes_and_message_id_follows_the_key(
    make_email: Callable[..., Email],
) -> None:
    e = make_email()
    first = compose(e, SENDER, WHEN)
    assert compose(e, SENDER, WHEN) == first
    other = parse(compose(make_email(about="v2"), SENDER, WHEN))
    assert other["Message-ID"] != parse(first)["Message-ID"]
    assert all(line.endswith(b"\r\n") for line in first.splitlines(keepends=True))


def test_bodies_are_exactly_the_rendered_html_and_a_real_plain_text(
    make_email: Callable[..., Email],
) -> None:
    e = make_email()
    msg = parse(compose(e, SENDER, WHEN))
    assert msg.get_body(("html",)).get_content() == e.html
    assert msg.get_body(("plain",)).get_content() == e.text
    assert "<br>" not in msg.get_body(("plain",)).get_content()


def test_chinese_attachment_name_reads_back_with_explicit_type_and_bytes(
    make_email: Callable[..., Email],
) -> None:
    raw = compose(make_email(), SENDER, WHEN)
    assert b"filename*=utf-8''" in raw  # RFC 2231
    (part,) = list(parse(raw).iter_attachments())
    assert part.get_filename() == "反馈_亳州市_2018-06.xlsx"
    assert part.get_content_type() == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert part.get_content_disposition() == "attachment"
    assert part.get_content() == b"PK\x03\x04 workbook"


def test_a_body_that_names_an_existing_file_stays_text(
    make_email: Callable[..., Email], tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    e = make_email(html=str(secret), text=str(secret), attachments=[])
    raw = compose(e, SENDER, WHEN)
    msg = parse(raw)
    assert list(msg.iter_attachments()) == []
    assert msg.get_body(("plain",)).get_content() == str(secret)
    assert msg.get_body(("html",)).get_content() == str(secret)
    assert b"TOP-SECRET" not in raw
    assert b"VE9QLVNFQ1JFVC" not in raw


def test_inline_image_has_the_id_the_html_names(make_email: Callable[..., Email]) -> None:
    e = make_email(
        html='<p>图</p><img src="cid:chart-1">',
        inline_images=[InlineImage("chart-1", b"\x89PNG fake", "image/png")],
    )
    raw = compose(e, SENDER, WHEN)
    assert compose(e, SENDER, WHEN) == raw
    images = [p for p in parse(raw).walk() if p.get_content_type() == "image/png"]
    assert [p["Content-ID"] for p in images] == ["<chart-1>"]
    assert images[0].get_content() == b"\x89PNG fake"


def test_html_templates_escape_values_and_text_templates_keep_them() -> None:
    class Facts:
        dag_id, task_id, map_index, map_label = "d", "t", -1, None
        run_id, try_number, period, log_url = "r", 1, "2018-06", None
        error = "<script>alert(1)</script> & co"

    body = render("pipeline_failure", f=Facts())
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in body.html
    assert "<script>" not in body.html
    assert "<script>alert(1)</script> & co" in body.text
