"""The mail server's settings from an Airflow connection's fields."""

from __future__ import annotations

import pytest

from techaid.outputs.mail.smtp import SmtpSettings


def test_extra_flags_sender_and_timeout_are_read() -> None:
    s = SmtpSettings.from_connection(
        host="mail.example.org",
        port=None,
        login="apikey",
        password="s3cret",
        extra={"starttls": True, "sender": "techaid@example.org", "timeout": 12},
    )
    assert (s.host, s.port, s.login) == ("mail.example.org", 587, "apikey")
    assert (s.sender, s.starttls, s.ssl) == ("techaid@example.org", True, False)
    assert s.timeout == 12.0
    assert "s3cret" not in repr(s)


def test_uri_query_strings_count_as_flags_and_the_login_can_be_the_sender() -> None:
    s = SmtpSettings.from_connection("h.example.org", 465, "me@example.org", "", {"ssl": "true"})
    assert (s.ssl, s.starttls, s.sender, s.port) == (True, False, "me@example.org", 465)
    plain = SmtpSettings.from_connection("h", None, "", None, {"sender": "a@example.org"})
    assert (plain.port, plain.login, plain.password) == (25, "", "")


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ({"sender": "a@example.org", "starttsl": True}, "unknown extra"),
        ({}, "sender"),
        ({"sender": "not-an-address"}, "sender"),
        ({"sender": "a@example.org", "ssl": True, "starttls": True}, "not both"),
        ({"sender": "a@example.org", "ssl": "yes please"}, "true or false"),
    ],
)
def test_a_connection_that_cannot_work_is_refused_naming_why(
    extra: dict[str, object], problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        SmtpSettings.from_connection("mail.example.org", None, "login", "pw", extra)


def test_a_connection_without_host_is_refused() -> None:
    with pytest.raises(ValueError, match="host"):
        SmtpSettings.from_connection(None, None, None, None, {"sender": "a@example.org"})
