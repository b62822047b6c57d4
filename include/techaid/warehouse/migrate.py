"""Bring an existing warehouse up to the current schema without losing data.

The schema is code (:mod:`techaid.warehouse.schema`, the clean tables generated from
``sheets.yaml``), so a new sheet column must reach warehouses that already hold years of data.
Alembic compares the live database with the metadata; only additive changes are applied (new
tables, new columns — always nullable, since existing rows have no value — and new indexes).
Anything else (a dropped or retyped column, a table the code no longer knows) is logged for a
person to decide: a migration never destroys data on its own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy.engine import Connection, Engine

from techaid.warehouse import schema
from techaid.warehouse.engine import write_transaction

log = logging.getLogger(__name__)

FINGERPRINT_KEY = "schema_fingerprint"
_LOCK = "techaid.warehouse.migrate"


@dataclass
class UpgradeReport:
    """What :func:`upgrade` did: ``applied`` changes, ``skipped`` (non-additive) differences."""

    fingerprint: str
    applied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def upgrade(engine: Engine, metadata: sa.MetaData | None = None) -> UpgradeReport:
    """Create missing tables, columns and indexes of ``metadata`` (default: the full warehouse
    schema) in one transaction; idempotent, never drops anything."""
    metadata = metadata if metadata is not None else schema.all_tables()
    report = UpgradeReport(fingerprint(metadata))
    with write_transaction(engine, lock=_LOCK) as conn:
        ops = Operations(MigrationContext.configure(conn))
        diffs = compare_metadata(ops.migration_context, metadata)
        created: set[str] = set()
        for diff in _flatten(diffs):
            _apply(conn, ops, metadata, diff, created, report)
        _record_fingerprint(conn, report)
    return report


def _flatten(diffs: Iterable[Any]) -> Iterable[tuple[Any, ...]]:
    """Alembic groups column modifications of one column in a nested list."""
    for diff in diffs:
        if isinstance(diff, list):
            yield from diff
        else:
            yield diff


def _apply(
    conn: Connection,
    ops: Operations,
    metadata: sa.MetaData,
    diff: tuple[Any, ...],
    created: set[str],
    report: UpgradeReport,
) -> None:
    kind = diff[0]
    if kind == "add_table":
        # Alembic hands over a copy without indexes: create the metadata's own table, with them.
        table: sa.Table = metadata.tables.get(diff[1].key, diff[1])
        table.create(conn)
        created.add(table.name)
        report.applied.append(f"add table {table.name}")
    elif kind == "add_column":
        _add_column(ops, diff[2], diff[3], report)
    elif kind == "add_index":
        index: sa.Index = diff[1]
        if index.table is not None and index.table.name in created:
            return
        index.create(conn)
        report.applied.append(f"add index {index.name}")
    else:
        text = _describe(diff)
        log.warning("warehouse schema difference not applied (not additive): %s", text)
        report.skipped.append(text)


def _add_column(ops: Operations, table: str, column: sa.Column, report: UpgradeReport) -> None:
    """Existing rows have no value for a new column, so it is added nullable (a NOT NULL
    constraint stays the loaders' promise for new rows)."""
    if column.primary_key:
        text = f"add column {table}.{column.name} (part of the primary key)"
        log.warning("warehouse schema difference not applied: %s", text)
        report.skipped.append(text)
        return
    new = sa.Column(column.name, column.type, nullable=True, server_default=column.server_default)
    ops.add_column(table, new)
    report.applied.append(f"add column {table}.{column.name}")
    if not column.nullable:
        log.info("column %s.%s added as nullable (existing rows have no value)", table, column.name)


def _describe(diff: tuple[Any, ...]) -> str:
    kind = diff[0]
    if kind in ("remove_table", "add_table"):
        return f"{kind} {diff[1].name}"
    if kind in ("remove_column",):
        return f"{kind} {diff[2]}.{diff[3].name}"
    if kind in ("remove_index", "add_index"):
        return f"{kind} {diff[1].name}"
    if kind.startswith("modify_"):
        return f"{kind} {diff[2]}.{diff[3]}: {diff[5]!r} -> {diff[6]!r}"
    return repr(diff)


def fingerprint(metadata: sa.MetaData) -> str:
    """A digest of every table, column (type, nullability, key) and index: two warehouses built
    from the same code have the same fingerprint."""
    h = hashlib.sha256()
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        h.update(f"table {table.name}\n".encode())
        for col in table.columns:
            h.update(f" {col.name} {col.type!r} {col.nullable} {col.primary_key}\n".encode())
        for index in sorted(table.indexes, key=lambda i: i.name or ""):
            cols = ",".join(c.name for c in index.columns)
            h.update(f" index {index.name} {cols} {index.unique}\n".encode())
    return h.hexdigest()


def _record_fingerprint(conn: Connection, report: UpgradeReport) -> None:
    """Written only when something changed, so an idempotent re-run leaves the table as it was."""
    meta = schema.warehouse_meta
    if not sa.inspect(conn).has_table(meta.name):
        return  # an upgrade against foreign metadata that lacks the bookkeeping table
    row = conn.execute(
        sa.select(meta.c.value).where(meta.c.key == FINGERPRINT_KEY)
    ).scalar_one_or_none()
    if row == report.fingerprint and not report.applied:
        return
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    conn.execute(sa.delete(meta).where(meta.c.key == FINGERPRINT_KEY))
    conn.execute(
        sa.insert(meta).values(key=FINGERPRINT_KEY, value=report.fingerprint, updated_at=now)
    )


def stored_fingerprint(engine: Engine) -> str | None:
    """The fingerprint recorded by the last :func:`upgrade` (None before the first one)."""
    meta = schema.warehouse_meta
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(meta.name):
            return None
        return conn.execute(
            sa.select(meta.c.value).where(meta.c.key == FINGERPRINT_KEY)
        ).scalar_one_or_none()
