"""Warehouse tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

Published tables (``submission``, ``dq_issue``, ...) have the stable names and columns of
``docs/outputs.md``. The clean per-sheet tables are generated from the sheet schema (``sheets.yaml``), so a
column added there becomes a column here; :mod:`techaid.warehouse.migrate` adds it to an existing
warehouse without losing data.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeEngine

from techaid import config

metadata = MetaData()

# One row per received file version, keyed (city, period, sha256). status is one of
# accepted, accepted_with_errors, rejected, superseded; outcome keeps what validation decided
# (accepted, accepted_with_errors, rejected) after a newer version supersedes it.
submission = Table(
    "submission",
    metadata,
    Column("submission_id", String(40), primary_key=True),
    Column("city_code", String(6)),
    Column("period", String(7)),
    Column("file_name", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("received_at", DateTime, nullable=False),  # UTC, naive
    Column("status", String(24), nullable=False),
    Column("on_time", Boolean),
    Column("rows_loaded", BigInteger, nullable=False, default=0),
    Column("rows_quarantined", BigInteger, nullable=False, default=0),
    Column("warnings", Integer, nullable=False, default=0),
    # further columns (allowed by the contract)
    Column("outcome", String(24), nullable=False),
    Column("file_path", Text, nullable=False),
    Column("size_bytes", BigInteger, nullable=False, default=0),
    Column("repairs", Integer, nullable=False, default=0),
    Column("refused_rule", String(64)),
    Index("ix_submission_city_period", "city_code", "period"),
)

dq_issue = Table(
    "dq_issue",
    metadata,
    Column("submission_id", String(40), nullable=False),
    Column("seq", Integer, nullable=False),  # order of the finding within its submission
    # sheet and column as the office named them when unknown: free text, any length
    Column("sheet", Text),
    Column("row_number", Integer),
    Column("column_name", Text),
    Column("value", Text),
    Column("rule", String(64), nullable=False),
    Column("severity", String(8), nullable=False),
    Column("message", Text, nullable=False),
    PrimaryKeyConstraint("submission_id", "seq"),
)

# Repairs made silently, counted per submission, sheet, column and kind (the office's receipt).
repair_count = Table(
    "repair_count",
    metadata,
    Column("submission_id", String(40), nullable=False),
    Column("sheet", Text, nullable=False),
    Column("column_name", Text, nullable=False),
    Column("repair", String(32), nullable=False),
    Column("count", BigInteger, nullable=False),
    PrimaryKeyConstraint("submission_id", "sheet", "column_name", "repair"),
)

# Every path seen in the landing area, so unchanged files are not hashed again.
landing_file = Table(
    "landing_file",
    metadata,
    Column("path", Text, primary_key=True),
    Column("size_bytes", BigInteger, nullable=False),
    Column("mtime", DateTime, nullable=False),  # UTC, naive
    Column("sha256", String(64)),
    Column("kind", String(16), nullable=False),  # submission | register
)

# The poverty office register: one version per date folder.
register_version = Table(
    "register_version",
    metadata,
    Column("register_date", Date, primary_key=True),
    Column("villages_sha256", String(64), nullable=False),
    Column("households_sha256", String(64), nullable=False),
    Column("status", String(16), nullable=False),  # accepted | rejected
    Column("villages", Integer, nullable=False, default=0),
    Column("households", BigInteger, nullable=False, default=0),
    Column("message", Text),
)

# Bookkeeping of the warehouse itself (schema fingerprint, when migrations last ran).
warehouse_meta = Table(
    "warehouse_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", DateTime, nullable=False),  # UTC, naive
)

# Published: the yearly recommendation shortlist (kind recommendation, period empty; every
# candidate ranked or excluded with its first failing reason) and the monthly pairing suggestions
# (kind pairing; city and county are the lagging county's). Written by techaid.recommend, which
# replaces the rows of one (kind, year[, period]) in one transaction.
shortlist = Table(
    "shortlist",
    metadata,
    Column("year", Integer, nullable=False),
    Column("period", String(7)),  # YYYY-MM for pairing; empty for recommendation
    Column("kind", String(16), nullable=False),  # recommendation | pairing
    Column("status", String(8), nullable=False),  # ranked | excluded
    Column("subject_kind", String(16), nullable=False),  # expert | organization
    Column("subject_id", Text, nullable=False),
    Column("display_name", Text),
    Column("city_code", String(6)),
    Column("county_code", String(6)),
    Column("score", Float),
    Column("rank", Integer),  # empty when excluded
    Column("reasons", Text, nullable=False),  # exclusion reason, or the score's breakdown (JSON)
    Column("notice_start", Date),  # ranked recommendations only
    Column("notice_end", Date),
    # further columns (allowed by the contract)
    Column("affiliation", Text),  # what the notice shows beside the name
    Column("filed_on", Date),  # filing in the register (备案日期), the first tie-break
    Index("ix_shortlist_kind_year_period", "kind", "year", "period"),
)

# Published: one row per email (docs/outputs.md), recorded once per dedupe key, never overwritten.
# status: pending -> sending -> sent | failed over SMTP, pending -> written as an .eml file without
# a mail server. `sending` is internal: the attempt was counted and committed before the message
# data went out, so a row left there by a dead process ends `failed` (outcome unknown), not resent.
email_outbox = Table(
    "email_outbox",
    metadata,
    Column("dedupe_key", String(1000), primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("period", String(7), nullable=False),  # YYYY-MM, or YYYY for yearly emails
    Column("city_code", String(6)),
    Column("recipients", Text, nullable=False),  # every address, comma-separated, To before Cc
    Column("subject", Text, nullable=False),
    Column("status", String(8), nullable=False),  # pending | sending | sent | failed | written
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("created_at", DateTime, nullable=False),  # UTC, naive
    Column("sent_at", DateTime),  # UTC, naive: accepted by the mail server, or written
    # further columns (allowed by the contract)
    Column("content", Text, nullable=False),  # the email as recorded (JSON): what is composed
    Column("message", LargeBinary),  # the exact bytes sent, composed at the first attempt
    Column("failed_at", DateTime),  # UTC, naive
    Column("claim", String(32)),  # the delivery run that moved it to `sending`
    Column("claimed_at", DateTime),  # UTC, naive
    Index("ix_email_outbox_status", "status"),
)

# Internal: each day submission_reminders has run for (its window of what fell due starts after
# the last one before it), the months it closed (started their monthly run; the watchdog counts
# from here), and up to which failure time it has reported failed emails.
reminder_run = Table(
    "reminder_run",
    metadata,
    Column("run_date", Date, primary_key=True),  # the day the run was as of (program time zone)
    Column("closed_periods", Text),  # YYYY-MM, comma-separated; empty when none closed
    Column("failed_until", DateTime),  # UTC, naive: failed emails up to this are reported
    Column("finished_at", DateTime, nullable=False),  # UTC, naive
)

# Internal: each monthly_reporting run that succeeded, for the daily run's watchdog.
run_log = Table(
    "run_log",
    metadata,
    Column("dag_id", String(250), nullable=False),
    Column("period", String(7), nullable=False),
    Column("run_id", String(250), nullable=False),
    Column("succeeded_at", DateTime, nullable=False),  # UTC, naive
    PrimaryKeyConstraint("dag_id", "period", "run_id"),
)

_SQL_TYPES: dict[str, Callable[[], TypeEngine[Any]]] = {
    "int": BigInteger,
    "decimal": Float,
    "bool": Boolean,
    "date": Date,
    "code6": lambda: String(6),
    "code9": lambda: String(9),
    "code12": lambda: String(12),
    "code": lambda: String(12),
    "period": lambda: String(7),
}


def _columns(spec: config.SheetSpec) -> list[Column]:
    return [Column(c.name, _SQL_TYPES.get(c.type, Text)()) for c in spec.column_list()]


def _clean_table(name: str, spec: config.SheetSpec) -> Table:
    """Accepted rows of the current version of each (city, period)."""
    return Table(
        f"clean_{name}",
        metadata,
        Column("city_code", String(6), nullable=False),
        Column("period", String(7), nullable=False),
        Column("submission_id", String(40), nullable=False),
        Column("row_number", Integer, nullable=False),
        *_columns(spec),
        PrimaryKeyConstraint("city_code", "period", "row_number"),
        # Province-wide reads of one month (the indicators) must not scan every month held:
        # the key leads with city_code, so a month needs an index of its own.
        Index(f"ix_clean_{name}_period_city", "period", "city_code"),
    )


def _register_table(name: str, spec: config.SheetSpec) -> Table:
    return Table(
        f"register_{name}",
        metadata,
        Column("register_date", Date, nullable=False),
        *_columns(spec),
        PrimaryKeyConstraint("register_date", *spec.key),
        *_register_indexes(name, spec),
    )


def _register_indexes(name: str, spec: config.SheetSpec) -> list[Index]:
    """A city's checks read the register's households by village code range (their key is the
    household id), so that read needs an index of its own."""
    if "village_code" not in spec.columns or spec.key[:1] == ["village_code"]:
        return []
    return [Index(f"ix_register_{name}_date_village", "register_date", "village_code")]


@functools.cache
def clean_tables() -> dict[str, Table]:
    return {name: _clean_table(name, spec) for name, spec in config.schema().sheets.items()}


@functools.cache
def register_tables() -> dict[str, Table]:
    return {
        name: _register_table(name, spec) for name, spec in config.schema().register_sheets.items()
    }


# Modules that define further tables on this ``metadata`` (the indicator engine's, ...): imported
# by all_tables(), so migrations create them whichever modules the caller happened to import.
TABLE_MODULES = ("techaid.warehouse.published",)


def all_tables() -> MetaData:
    """The full metadata, clean and register tables and every table module included."""
    for name in TABLE_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    clean_tables()
    register_tables()
    return metadata
