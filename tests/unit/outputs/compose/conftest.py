"""The report tests' tiny warehouse (two cities' counties, a ranking, four versions), once per
module, and helpers that read what an email carries."""

from __future__ import annotations

import email
import email.policy
import io
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from techaid.outputs.mail.email import Email
from techaid.outputs.mail.message import compose
from tests.unit.outputs.report.report_builders import build

SENDER = "techaid@example.org"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    folder = tmp_path_factory.mktemp("compose-warehouse")
    engine = build(f"sqlite:///{folder / 'warehouse.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def fresh_warehouse(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = build(f"sqlite:///{tmp_path / 'warehouse.db'}")
    yield engine
    engine.dispose()


def parsed(e: Email) -> EmailMessage:
    """The email as a reader's client parses the composed bytes."""
    import datetime as dt

    raw = compose(e, SENDER, dt.datetime(2018, 7, 6, 2, 0))
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def bodies(msg: EmailMessage) -> str:
    """Plain text and HTML of a parsed message, one string."""
    out = []
    for kind in ("plain", "html"):
        part = msg.get_body((kind,))
        assert part is not None, kind
        out.append(part.get_content())
    return "\n".join(out)


def workbook_cells(data: bytes) -> dict[str, list[list[Any]]]:
    """Every sheet of an xlsx as rows of cell values."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def cell_texts(data: bytes) -> str:
    return "\n".join(
        str(v)
        for rows in workbook_cells(data).values()
        for row in rows
        for v in row
        if v is not None
    )
