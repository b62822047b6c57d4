"""Compose an :class:`Email` into the exact bytes that are sent (or written as ``.eml``), offline.

yagmail's ``prepare_send()`` builds the message (headers, the multipart layout, attachments with
RFC 2231 names) without connecting; nothing is handed to yagmail that it could misread:

- no body is passed as a "content" string (yagmail attaches any string that names an existing
  file, and turns newlines into ``<br>``): the HTML and plain-text parts are put in afterwards,
  exactly as rendered;
- attachments are named in-memory buffers, their type set explicitly afterwards (yagmail guesses
  it from the name);
- recipients are plain address lists, never ``{address: name}`` dicts;
- ``prettify_html=False`` (premailer may fetch URLs).

The result is reproducible byte for byte: the Message-ID is derived from the dedupe key, the Date
is the run's logical date, MIME boundaries and inline-image ids are derived from the key, never
random. Lines end in CRLF, as SMTP sends them.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import hashlib
import io
import logging
from email import message_from_string
from email.header import Header
from email.message import Message
from email.mime.image import MIMEImage
from email.mime.text import MIMEText
from email.utils import format_datetime

from techaid.outputs.mail.email import Email

log = logging.getLogger(__name__)

_POLICY = email.policy.compat32.clone(linesep="\r\n")


def message_id(key: str, sender: str) -> str:
    """``<sha256(key)[:32]@sender's domain>``: the same email has the same id everywhere."""
    domain = sender.rsplit("@", 1)[-1] or "techaid.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def compose(email_: Email, sender: str, date: dt.datetime, sender_name: str = "") -> bytes:
    """The RFC 5322 bytes of ``email_`` from ``sender`` dated ``date`` (naive = UTC)."""
    import yagmail

    if date.tzinfo is None:
        date = date.replace(tzinfo=dt.UTC)
    user: str | dict[str, str] = {sender: sender_name} if sender_name else sender
    yag = yagmail.SMTP(
        user=user, password="", smtp_skip_login=True, soft_email_validation=False
    )  # never connects: only prepare_send() is called
    yag.set_logging(None)
    yag.log = log
    buffers = []
    for a in email_.attachments:
        buf = io.BytesIO(a.content)
        buf.name = a.filename
        buffers.append(buf)
    _, text = yag.prepare_send(
        to=list(email_.to),
        cc=list(email_.cc) or None,
        subject=email_.subject,
        contents=None,
        attachments=buffers or None,
        headers={
            "Date": format_datetime(date),
            "Auto-Submitted": "auto-generated",
            "X-Techaid-Key": email_.dedupe_key,
        },
        prettify_html=False,
        message_id=message_id(email_.dedupe_key, sender),
    )
    msg = message_from_string(text)
    _fix_headers(msg, email_)
    _fill_bodies(msg, email_)
    _fix_attachment_types(msg, email_)
    _fix_boundaries(msg, email_.dedupe_key)
    return msg.as_bytes(policy=_POLICY)


def _fix_headers(msg: Message, email_: Email) -> None:
    """Headers as the parsed message would refold them badly: the subject as encoded words
    folded at 78 columns, addresses separated by ", " so a long list folds between them."""
    subject = Header(email_.subject, "utf-8", header_name="Subject")
    msg.replace_header("Subject", subject)  # type: ignore[arg-type]  # compat32 takes a Header
    msg.replace_header("To", ", ".join(email_.to))
    if email_.cc:
        msg.replace_header("Cc", ", ".join(email_.cc))


def _subparts(msg: Message) -> list[Message]:
    payload = msg.get_payload()
    if not isinstance(payload, list) or not all(isinstance(p, Message) for p in payload):
        raise RuntimeError("yagmail built an unexpected MIME layout")
    return [p for p in payload if isinstance(p, Message)]


def _parts(msg: Message) -> tuple[Message, Message]:
    """yagmail's layout: mixed[alternative[plain, related[html]], attachment...]."""
    try:
        alternative = _subparts(msg)[0]
        related = _subparts(alternative)[1]
    except IndexError as exc:
        raise RuntimeError("yagmail built an unexpected MIME layout") from exc
    if (alternative.get_content_type(), related.get_content_type()) != (
        "multipart/alternative",
        "multipart/related",
    ):
        raise RuntimeError("yagmail built an unexpected MIME layout")
    return alternative, related


def _fill_bodies(msg: Message, email_: Email) -> None:
    alternative, related = _parts(msg)
    alternative.set_payload([MIMEText(email_.text, "plain", "utf-8"), related])
    images = []
    for img in email_.inline_images:
        _, subtype = img.mime_type.split("/", 1)
        part = MIMEImage(img.content, _subtype=subtype)
        part.add_header("Content-ID", f"<{img.cid}>")
        part.add_header("Content-Disposition", "inline", filename=img.cid)
        images.append(part)
    related.set_payload([MIMEText(email_.html, "html", "utf-8"), *images])


def _fix_attachment_types(msg: Message, email_: Email) -> None:
    parts = _subparts(msg)[1:]
    if len(parts) != len(email_.attachments):
        raise RuntimeError("yagmail did not attach every file")
    for part, attachment in zip(parts, email_.attachments, strict=True):
        model = Message()  # formats the RFC 2231 name parameter
        model.add_header(
            "Content-Type", attachment.mime_type, name=("utf-8", "", attachment.filename)
        )
        part.replace_header("Content-Type", model["Content-Type"])
        if part.get("Content-Disposition") is None:
            part.add_header("Content-Disposition", "attachment", filename=attachment.filename)


def _fix_boundaries(msg: Message, key: str) -> None:
    """Boundaries from the key ("_" never occurs in base64, so no part can contain one)."""
    stem = hashlib.sha256(key.encode()).hexdigest()[:24]
    for i, part in enumerate(p for p in msg.walk() if p.is_multipart()):
        part.set_boundary(f"techaid_{stem}_{i}")
