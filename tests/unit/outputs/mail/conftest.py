"""Fixtures of the mail tests: an empty warehouse with the outbox table, and email factories."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from techaid.outputs.mail.email import Attachment, Email, dedupe_key
from techaid.warehouse.engine import make_engine
from techaid.warehouse.schema import email_outbox

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def engine(sqlite_url: str) -> Engine:
    eng = make_engine(sqlite_url)
    email_outbox.create(eng)
    return eng


def build_email(**overrides: Any) -> Email:
    """A receipt-like email for city 341600, June 2018 (``about`` picks the dedupe key)."""
    about = overrides.pop("about", "v1")
    fields: dict[str, Any] = {
        "kind": "receipt",
        "period": "2018-06",
        "city_code": "341600",
        "to": ["bozhou-kx@example.org"],
        "cc": ["techaid-province@example.org"],
        "subject": "[科技助力精准扶贫] 数据回执 receipt 2018-06 亳州市",
        "html": "<p>亳州市 2018-06：已接收 1 个文件。</p>\n<p>加载 120 行</p>",
        "text": "亳州市 2018-06：已接收 1 个文件。\n加载 120 行",
        "dedupe_key": dedupe_key("receipt", "2018-06", "341600", about),
        "attachments": [Attachment("反馈_亳州市_2018-06.xlsx", b"PK\x03\x04 workbook", XLSX)],
    }
    fields.update(overrides)
    return Email(**fields)


@pytest.fixture
def make_email() -> Callable[..., Email]:
    return build_email
