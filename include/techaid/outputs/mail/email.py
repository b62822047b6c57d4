"""One email as the pipeline means it, before any MIME or SMTP: who, what, and its dedupe key.

Every kind of email (receipt, reminder, lagging alert, ...) is built as an :class:`Email` and
handed to :func:`techaid.outputs.mail.outbox.record`. The dedupe key is what makes an email
"the same email" across task retries, re-runs and warehouses: build it with :func:`dedupe_key`
from facts of the run (kind, period, city, the version or day offset it is about), never from the
clock or a random value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import quote

KIND_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
PERIOD_RE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]))?$")  # YYYY-MM, or YYYY for yearly emails
CITY_RE = re.compile(r"^\d{6}$")
ADDRESS_RE = re.compile(r"^[^@\s,;<>\"']+@[^@\s,;<>\"']+\.[^@\s,;<>\"']+$")
CID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_KEY_CHARS = 900  # an SMTP header line (X-Techaid-Key) must stay under 998
# Characters kept as they are in a key part; "/" (the separator) and "%" are always escaped.
_KEY_SAFE = "-_.:+@~=,"


class Attachment(NamedTuple):
    """A file attached to an email: its name as the reader sees it (Chinese is fine), its bytes,
    and an explicit ``application/...`` type (mail clients show those as attachments)."""

    filename: str
    content: bytes
    mime_type: str


class InlineImage(NamedTuple):
    """A picture shown inside the HTML body, referenced there as ``<img src="cid:NAME">``."""

    cid: str
    content: bytes
    mime_type: str  # image/png, image/svg+xml, ...


@dataclass(frozen=True)
class Email:
    """An email to record in the outbox. ``html`` must already be escaped (render it with
    :mod:`techaid.outputs.mail.templates`); ``text`` is the plain-text alternative."""

    kind: str
    period: str
    city_code: str | None
    to: list[str]
    cc: list[str]
    subject: str
    html: str
    text: str
    dedupe_key: str
    attachments: list[Attachment] = field(default_factory=list)
    inline_images: list[InlineImage] = field(default_factory=list)

    def __post_init__(self) -> None:
        problems = list(_problems(self))
        if problems:
            raise ValueError(f"email {self.dedupe_key!r}: " + "; ".join(problems))

    @property
    def recipients(self) -> list[str]:
        """Every address, To before Cc (the envelope and ``email_outbox.recipients``)."""
        return [*self.to, *self.cc]


def _problems(e: Email) -> list[str]:
    out: list[str] = []
    if not KIND_RE.match(e.kind):
        out.append(f"kind {e.kind!r} must be lowercase letters, digits and _")
    if not PERIOD_RE.match(e.period):
        out.append(f"period {e.period!r} must be YYYY-MM (or YYYY for yearly emails)")
    if e.city_code is not None and not CITY_RE.match(e.city_code):
        out.append(f"city_code {e.city_code!r} must be 6 digits or None")
    if not e.to:
        out.append("no To address")
    for addr in e.recipients:
        if not isinstance(addr, str) or not ADDRESS_RE.match(addr):
            out.append(f"{addr!r} is not a plain email address")
    if len(set(e.recipients)) != len(e.recipients):
        out.append("an address appears twice in To and Cc")
    if not e.subject.strip() or "\n" in e.subject or "\r" in e.subject:
        out.append("subject must be one non-empty line")
    if not e.html.strip() or not e.text.strip():
        out.append("html and text bodies must both be non-empty")
    if not e.dedupe_key or len(e.dedupe_key) > MAX_KEY_CHARS or not e.dedupe_key.isascii():
        out.append(f"dedupe_key must be 1-{MAX_KEY_CHARS} ASCII characters (use dedupe_key())")
    for a in e.attachments:
        if not a.filename or any(c in a.filename for c in "/\\\r\n\0"):
            out.append(f"attachment name {a.filename!r} must be a plain file name")
        if not a.mime_type.startswith("application/"):
            out.append(f"attachment {a.filename!r}: type {a.mime_type!r} must be application/...")
        if not isinstance(a.content, bytes):
            out.append(f"attachment {a.filename!r}: content must be bytes")
    names = [a.filename for a in e.attachments]
    if len(set(names)) != len(names):
        out.append("two attachments share a file name")
    for img in e.inline_images:
        if not CID_RE.match(img.cid):
            out.append(f"inline image id {img.cid!r} must be letters, digits, . _ -")
        if not img.mime_type.startswith("image/"):
            out.append(f"inline image {img.cid!r}: type {img.mime_type!r} must be image/...")
    return out


def dedupe_key(kind: str, period: str, city_code: str | None, *about: str | int) -> str:
    """The deterministic key of an email: ``kind/period/city/about...`` (``-`` for no city).

    ``about`` names what the email is about beyond kind, period and city: a submission id for a
    receipt, a day offset (``"d-3"``, ``"d+7"``) for a reminder or overdue notice, the DAG, run,
    task and map index of a failed task. Each part is percent-escaped where it holds ``/`` or
    ``%`` (and any non-ASCII), so two different tuples never give the same key.
    """
    if not KIND_RE.match(kind):
        raise ValueError(f"dedupe_key: kind {kind!r} must be lowercase letters, digits and _")
    if not PERIOD_RE.match(period):
        raise ValueError(f"dedupe_key: period {period!r} must be YYYY-MM or YYYY")
    if city_code is not None and not CITY_RE.match(city_code):
        raise ValueError(f"dedupe_key: city_code {city_code!r} must be 6 digits or None")
    parts = [kind, period, city_code or "-", *(_part(a) for a in about)]
    key = "/".join(parts)
    if len(key) > MAX_KEY_CHARS:
        raise ValueError(f"dedupe_key longer than {MAX_KEY_CHARS} characters: {key[:80]}...")
    return key


def _part(value: str | int) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError(f"dedupe_key: {value!r} must be a str or an int")
    text = str(value)
    if not text:
        raise ValueError("dedupe_key: an empty part would make keys ambiguous")
    return quote(text, safe=_KEY_SAFE)
