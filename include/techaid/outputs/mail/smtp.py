"""Sending pending emails over one SMTP connection, with the outbox's state machine.

The connection is yagmail's (``yagmail.SMTP``), but ``send()`` is never called: it reconnects
without closing, resends after a lost connection (duplicates when the first copy arrived) and
swallows failures. Instead one connection is opened per batch, the login done once, and each
email driven by hand: ``mail()``, ``rcpt()`` per address, ``data()``. What each answer means:

- before ``data()``: a lost connection, a timeout or a 4xx reply leaves the email ``pending``
  (its attempt counted), to go out on a later run; a 5xx reply or a refused recipient ends it
  ``failed``;
- once ``data()`` has started, any break (lost connection, timeout) ends it ``failed`` with
  "outcome unknown": the server may have taken the message, so it is never resent; its final
  reply decides otherwise (250 sent, 4xx pending, 5xx failed);
- a rejected login (``SMTPAuthenticationError``) or a server lacking what the connection asks
  for (STARTTLS, AUTH, a valid certificate) raises: a configuration error must fail the task,
  and burns no email's attempts.

Nothing reaches yagmail's keyring, ``~/.yagmail``, OAuth or password prompt: the login is done
here with the connection's own login and password, so the sender address and the login name may
differ (an API-key login, for example).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import smtplib
import ssl
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from techaid.outputs.mail import states
from techaid.outputs.mail.email import ADDRESS_RE
from techaid.outputs.mail.message import compose

log = logging.getLogger(__name__)

EXTRA_KEYS = frozenset({"starttls", "ssl", "sender", "timeout"})


@dataclass(frozen=True)
class SmtpSettings:
    """The mail server, as the Airflow connection ``techaid_smtp`` describes it."""

    host: str
    port: int
    sender: str
    login: str = ""
    password: str = field(default="", repr=False)
    starttls: bool = False
    ssl: bool = False
    timeout: float | None = None  # None: the configured delivery timeout

    def __post_init__(self) -> None:
        if not self.host:
            raise ValueError("SMTP connection: host is empty")
        if not 0 < self.port < 65536:
            raise ValueError(f"SMTP connection: port {self.port} is not a TCP port")
        if not ADDRESS_RE.match(self.sender):
            raise ValueError(f"SMTP connection: sender {self.sender!r} is not an email address")
        if self.starttls and self.ssl:
            raise ValueError("SMTP connection: choose ssl (port 465) or starttls, not both")
        if self.timeout is not None and not self.timeout > 0:
            raise ValueError(f"SMTP connection: timeout {self.timeout!r} must be positive")

    @classmethod
    def from_connection(
        cls,
        host: str | None,
        port: int | None,
        login: str | None,
        password: str | None,
        extra: Mapping[str, Any],
    ) -> SmtpSettings:
        """From an Airflow connection's fields; ``extra`` holds starttls, ssl, sender, timeout.
        The sender defaults to the login when that is an address."""
        unknown = sorted(set(extra) - EXTRA_KEYS)
        if unknown:
            raise ValueError(
                f"SMTP connection: unknown extra {unknown} (known: {sorted(EXTRA_KEYS)})"
            )
        use_ssl = _flag(extra, "ssl")
        use_starttls = _flag(extra, "starttls")
        login = login or ""
        sender = str(extra.get("sender") or (login if "@" in login else ""))
        if not sender:
            raise ValueError('SMTP connection: set extra "sender" (the From address)')
        timeout = extra.get("timeout")
        return cls(
            host=host or "",
            port=int(port) if port else (465 if use_ssl else 587 if use_starttls else 25),
            sender=sender,
            login=login,
            password=password or "",
            starttls=use_starttls,
            ssl=use_ssl,
            timeout=float(timeout) if timeout not in (None, "") else None,
        )


def _flag(extra: Mapping[str, Any], key: str) -> bool:
    value = extra.get(key, False)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", ""):
        return value.strip().lower() in ("true", "1")
    raise ValueError(f"SMTP connection: extra {key!r} = {value!r} must be true or false")


# ---------------------------------------------------------------- one batch


class _Broken(Exception):
    """The connection is unusable: stop the batch."""


def send_pending(
    engine: Engine,
    settings: SmtpSettings,
    rows: list[states.OutboxRow],
    date: dt.datetime,
    report: states.DeliveryReport,
    *,
    max_attempts: int,
    timeout: float,
    sender_name: str = "",
) -> None:
    """Send ``rows`` (pending emails) over one connection, recording each outcome."""
    if not rows:
        return
    yag = _client(settings, settings.timeout or timeout)
    try:
        _open(yag, settings)
    except Exception as exc:
        if not _is_outage(exc):
            _close(yag)
            raise
        _count_untried(engine, rows, _describe(exc), max_attempts, report)
        report.connection_error = _describe(exc)
        log.warning("mail server %s:%s unreachable: %s", settings.host, settings.port, exc)
        _close(yag)
        return
    try:
        for i, row in enumerate(rows):
            try:
                _send_row(engine, yag.smtp, settings, row, date, sender_name, max_attempts, report)
            except _Broken as exc:
                report.connection_error = str(exc)
                _count_untried(engine, rows[i + 1 :], str(exc), max_attempts, report)
                return
    finally:
        _close(yag)


def _client(settings: SmtpSettings, timeout: float) -> Any:
    import yagmail

    context = ssl.create_default_context()
    kwargs: dict[str, Any] = {"timeout": timeout}
    if settings.ssl:
        kwargs["context"] = context
    yag = yagmail.SMTP(
        user=settings.sender,
        password=settings.password or "",  # never None: None means keyring, then a prompt
        host=settings.host,
        port=settings.port,
        smtp_ssl=settings.ssl,
        smtp_starttls={"context": context} if settings.starttls else False,
        smtp_skip_login=True,  # the login is ours (see _open): login and sender may differ
        soft_email_validation=False,  # addresses are checked when an Email is built
        **kwargs,
    )
    yag.set_logging(None)
    yag.log = log
    return yag


def _open(yag: Any, settings: SmtpSettings) -> None:
    yag.login()  # connects (and STARTTLS); with smtp_skip_login it never authenticates
    yag.smtp.ehlo_or_helo_if_needed()  # mail() does not greet by itself (sendmail() would)
    if settings.login:
        yag.smtp.login(settings.login, settings.password)


def _close(yag: Any) -> None:
    try:
        if yag.smtp is not None:
            yag.smtp.quit()
    except (smtplib.SMTPException, OSError):
        with contextlib.suppress(OSError):
            yag.smtp.close()
    yag.is_closed = True


def _is_outage(exc: BaseException) -> bool:
    """True for a server that cannot be reached now (try later), False for a configuration
    error (a rejected login, no STARTTLS/AUTH, a certificate that does not verify)."""
    if isinstance(exc, smtplib.SMTPAuthenticationError | ssl.SSLCertVerificationError):
        return False
    if isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError | OSError):
        return True
    if isinstance(exc, smtplib.SMTPHeloError):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return False


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        msg = exc.smtp_error
        text = msg.decode("utf-8", "replace") if isinstance(msg, bytes) else str(msg)
        return f"{type(exc).__name__}: {exc.smtp_code} {text}"
    return f"{type(exc).__name__}: {exc}"


def _reply(code: int, msg: bytes | str) -> str:
    text = msg.decode("utf-8", "replace") if isinstance(msg, bytes) else str(msg)
    return f"{code} {text}".strip()


def _count_untried(
    engine: Engine,
    rows: list[states.OutboxRow],
    error: str,
    max_attempts: int,
    report: states.DeliveryReport,
) -> None:
    for row in rows:
        status = states.count_attempt(engine, row.dedupe_key, f"not sent: {error}", max_attempts)
        _tally(report, row.dedupe_key, status)


def _tally(report: states.DeliveryReport, key: str, status: str) -> None:
    {
        states.SENT: report.sent,
        states.FAILED: report.failed,
        states.PENDING: report.pending,
    }.get(status, report.pending).append(key)


def _send_row(
    engine: Engine,
    smtp: smtplib.SMTP,
    settings: SmtpSettings,
    row: states.OutboxRow,
    date: dt.datetime,
    sender_name: str,
    max_attempts: int,
    report: states.DeliveryReport,
) -> None:
    key = row.dedupe_key
    email_ = row.email()
    message = row.message
    if message is None:
        try:
            message = compose(email_, settings.sender, date, sender_name)
        except Exception as exc:  # a broken email must not stop the others
            states.mark_failed(engine, key, None, f"cannot compose: {_describe(exc)}")
            report.failed.append(key)
            return
    token = uuid.uuid4().hex
    if not states.claim(engine, key, token, message if row.message is None else None):
        return  # another delivery run took it
    stored = states.get(engine, key)
    message = stored.message if stored is not None and stored.message else message

    try:
        refusal = _envelope(smtp, settings.sender, email_.recipients)
    except (smtplib.SMTPException, OSError) as exc:
        status = states.release(engine, key, token, f"not sent: {_describe(exc)}", max_attempts)
        _tally(report, key, status)
        raise _Broken(_describe(exc)) from exc
    if refusal is not None:
        code, text = refusal
        if 400 <= code < 500:
            _tally(report, key, states.release(engine, key, token, text, max_attempts))
        else:
            states.mark_failed(engine, key, token, text)
            report.failed.append(key)
        _reset(smtp)
        return

    try:
        code, reply = smtp.data(message)
    except smtplib.SMTPDataError as exc:  # the DATA command itself refused: nothing was sent
        text = f"DATA refused: {_describe(exc)}"
        if 400 <= exc.smtp_code < 500:
            _tally(report, key, states.release(engine, key, token, text, max_attempts))
        else:
            states.mark_failed(engine, key, token, text)
            report.failed.append(key)
        _reset(smtp)
        return
    except (smtplib.SMTPException, OSError) as exc:
        error = (
            f"{states.OUTCOME_UNKNOWN}: the connection broke after the message data started "
            f"({_describe(exc)}); not resent"
        )
        states.mark_failed(engine, key, token, error)
        report.failed.append(key)
        raise _Broken(_describe(exc)) from exc
    if code == 250:
        states.mark_sent(engine, key, token)
        report.sent.append(key)
        log.info("sent %s to %s", key, ", ".join(email_.recipients))
    elif 400 <= code < 500:
        status = states.release(
            engine, key, token, f"message refused: {_reply(code, reply)}", max_attempts
        )
        _tally(report, key, status)
    else:
        states.mark_failed(engine, key, token, f"message refused: {_reply(code, reply)}")
        report.failed.append(key)


def _envelope(smtp: smtplib.SMTP, sender: str, recipients: list[str]) -> tuple[int, str] | None:
    """MAIL FROM and RCPT TO each address: None when all were accepted, else the first
    permanent refusal (or, without one, the first temporary one) as (code, text)."""
    code, msg = smtp.mail(sender)
    if code != 250:
        return code, f"sender refused: {_reply(code, msg)}"
    refused: list[tuple[int, str]] = []
    for addr in recipients:
        code, msg = smtp.rcpt(addr)
        if code not in (250, 251):
            refused.append((code, f"recipient {addr} refused: {_reply(code, msg)}"))
    if not refused:
        return None
    permanent = [r for r in refused if r[0] >= 500]
    worst = permanent or refused
    return worst[0][0], "; ".join(text for _, text in worst)


def _reset(smtp: smtplib.SMTP) -> None:
    """RSET after a refusal, so the next email starts a clean transaction."""
    try:
        code, msg = smtp.rset()
    except (smtplib.SMTPException, OSError) as exc:
        raise _Broken(_describe(exc)) from exc
    if code != 250:
        raise _Broken(f"RSET refused: {_reply(code, msg)}")
