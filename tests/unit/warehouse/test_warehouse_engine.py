"""Where the warehouse is and how connections behave."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from techaid import paths
from techaid.warehouse import engine as wh


@pytest.fixture(autouse=True)
def _no_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(wh.CONN_ENV, raising=False)
    monkeypatch.delenv(wh.DATA_ENV, raising=False)


def test_should_default_to_sqlite_in_the_data_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    assert wh.warehouse_url() == f"sqlite:///{paths.PROJECT_ROOT / 'data' / 'warehouse.db'}"
    monkeypatch.setenv(wh.DATA_ENV, "/srv/techaid")
    assert wh.warehouse_url() == "sqlite:////srv/techaid/warehouse.db"


def test_should_prefer_explicit_then_the_airflow_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(wh.CONN_ENV, "postgres://u:p@db:5432/techaid")
    assert wh.warehouse_url() == "postgresql+psycopg2://u:p@db:5432/techaid"
    assert wh.warehouse_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://db/techaid", "postgresql+psycopg2://db/techaid"),
        ("postgresql+psycopg2://db/techaid", "postgresql+psycopg2://db/techaid"),
        ("postgresql+psycopg://db/techaid", "postgresql+psycopg2://db/techaid"),
        (
            "postgres://u:p%40ss@db/w?sslmode=require",
            "postgresql+psycopg2://u:p%40ss@db/w?sslmode=require",
        ),
        ("sqlite:////var/w.db", "sqlite:////var/w.db"),
    ],
)
def test_should_accept_sqlalchemy_urls(given: str, expected: str) -> None:
    assert wh.warehouse_url(given) == expected


def test_should_leave_the_airflow_json_form_to_airflow(monkeypatch: pytest.MonkeyPatch) -> None:
    # The domain package never imports Airflow; tasks get the URL from techaid_airflow.hooks.
    monkeypatch.setenv(wh.CONN_ENV, json.dumps({"conn_type": "postgres", "host": "db"}))
    with pytest.raises(ValueError, match="--warehouse"):
        wh.warehouse_url()
    assert wh.warehouse_url("postgresql://db/w") == "postgresql+psycopg2://db/w"


def test_should_configure_sqlite_for_concurrent_tasks(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'folder' / 'w.db'}"
    engine = wh.make_engine(url)
    with engine.connect() as conn:
        pragma = {p: conn.exec_driver_sql(f"pragma {p}").scalar() for p in ("journal_mode",)}
        pragma["busy_timeout"] = conn.exec_driver_sql("pragma busy_timeout").scalar()
        pragma["foreign_keys"] = conn.exec_driver_sql("pragma foreign_keys").scalar()
    assert pragma == {"journal_mode": "wal", "busy_timeout": 30_000, "foreign_keys": 1}
    assert (tmp_path / "new" / "folder" / "w.db").exists()


def test_should_roll_back_ddl_and_writes_together_on_sqlite(sqlite_url: str) -> None:
    engine = wh.make_engine(sqlite_url)

    def fail_halfway() -> None:
        with wh.write_transaction(engine) as conn:
            conn.exec_driver_sql("create table t (x integer)")
            conn.exec_driver_sql("insert into t values (1)")
            raise RuntimeError("halfway")

    with pytest.raises(RuntimeError, match="halfway"):
        fail_halfway()
    assert not sa.inspect(engine).has_table("t")


def test_should_give_stable_lock_keys() -> None:
    assert wh.lock_key("a") == wh.lock_key("a") != wh.lock_key("b")
    assert -(2**63) <= wh.lock_key("a") < 2**63
