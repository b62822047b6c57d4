"""Migrations add what is missing and never lose data, on SQLite and on PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa

from techaid.warehouse import migrate, schema
from techaid.warehouse.engine import make_engine
from tests.unit.warehouse.builders import migration_roundtrip


def test_should_add_missing_tables_columns_and_indexes_keeping_rows(backend_url: str) -> None:
    migration_roundtrip(make_engine(backend_url))


def test_should_create_a_fresh_warehouse_and_then_do_nothing(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    first = migrate.upgrade(engine)
    assert f"add table {schema.submission.name}" in first.applied
    assert migrate.stored_fingerprint(engine) == first.fingerprint
    with engine.connect() as conn:
        stamp = conn.execute(sa.select(schema.warehouse_meta)).all()
    again = migrate.upgrade(engine)
    assert again.applied == []
    assert again.skipped == []
    with engine.connect() as conn:
        assert conn.execute(sa.select(schema.warehouse_meta)).all() == stamp


def test_should_log_but_never_drop_what_the_code_no_longer_knows(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("create table legacy (x integer)")
        conn.exec_driver_sql("insert into legacy values (7)")
        conn.exec_driver_sql("alter table submission add column old_note text")
    report = migrate.upgrade(engine)
    assert report.applied == []
    assert "remove_table legacy" in report.skipped
    assert "remove_column submission.old_note" in report.skipped
    with engine.connect() as conn:
        assert conn.exec_driver_sql("select x from legacy").scalar() == 7
        assert "old_note" in {c["name"] for c in sa.inspect(conn).get_columns("submission")}


def test_fingerprint_changes_with_the_schema() -> None:
    md = sa.MetaData()
    sa.Table("t", md, sa.Column("a", sa.Integer))
    before = migrate.fingerprint(md)
    md.tables["t"].append_column(sa.Column("b", sa.Text))
    assert migrate.fingerprint(md) != before
    assert migrate.fingerprint(schema.all_tables()) == migrate.fingerprint(schema.all_tables())
