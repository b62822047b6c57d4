"""Emails: how every kind of email is recorded once and delivered at most once.

- :mod:`.email`: the :class:`~.email.Email` a kind builds, and :func:`~.email.dedupe_key`;
- :mod:`.templates`: the Jinja environment of ``include/templates/email/`` (HTML autoescaped);
- :mod:`.outbox`: ``record()`` into ``email_outbox``, ``deliver()`` what is due, ``failed_since()``;
- :mod:`.states`: the row's states and transitions; :mod:`.message`: the exact bytes (yagmail);
- :mod:`.smtp`: one SMTP connection per batch (``SmtpSettings``); :mod:`.eml`: ``.eml`` files
  when there is no mail server;
- :mod:`.failure`: the ``pipeline_failure`` email of a failed task.

See ``docs/emails.md`` for the states, the keys and the connection forms.
"""
