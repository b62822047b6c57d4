"""Test set-up shared by every test.

Airflow reads its settings when first imported, so AIRFLOW_HOME and its SQLite metadata database are
set here, before any test module imports airflow: a private folder per test session, never the
developer's own. PostgreSQL tests use a fresh schema each; outside CI they skip with a clear message
when the server is absent, under CI=true they fail instead.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from techaid.paths import PROJECT_ROOT

if TYPE_CHECKING:
    import sqlalchemy as sa

ROOT = PROJECT_ROOT
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="techaid-airflow-home-"))
# Under pytest-xdist every worker inherits the controller's environment: a home this file made
# there is dropped, so each worker migrates and writes its own SQLite metadata database.
_INHERITED = os.environ.get("TECHAID_TEST_AIRFLOW_HOME")
if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get("AIRFLOW_HOME", "") == _INHERITED:
    os.environ.pop("AIRFLOW_HOME")
    os.environ.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", None)
if "AIRFLOW_HOME" not in os.environ:
    os.environ["TECHAID_TEST_AIRFLOW_HOME"] = str(_AIRFLOW_HOME)
os.environ.setdefault("AIRFLOW_HOME", str(_AIRFLOW_HOME))
os.environ.setdefault(
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{_AIRFLOW_HOME / 'airflow.db'}"
)
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(ROOT / "dags"))
os.environ.setdefault("AIRFLOW__CORE__PLUGINS_FOLDER", str(ROOT / "plugins"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")

PG_URL = os.environ.get("TECHAID_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _pg_available() -> str | None:
    """None when PostgreSQL answers, else why not."""
    import sqlalchemy as sa

    try:
        with sa.create_engine(PG_URL).connect() as conn:
            conn.execute(sa.text("select 1"))
    except Exception as exc:  # any failure means "not reachable"
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return None


@pytest.fixture(scope="session", autouse=True)
def deployment_roots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Landing, output and data roots of the session's own: a test that does not set its own
    (``techaid_env``) must never write into the checkout's data/ (staged charts, feedback)."""
    with pytest.MonkeyPatch.context() as patch:
        for var in ("TECHAID_LANDING", "TECHAID_OUTPUT", "TECHAID_DATA"):
            patch.setenv(var, str(tmp_path_factory.mktemp(var.lower())))
        yield


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The PostgreSQL URL; skip (fail under CI=true) when the server does not answer."""
    problem = _pg_available()
    if problem:
        msg = f"PostgreSQL not reachable at {PG_URL}: {problem}"
        if IN_CI:
            pytest.fail(msg + " (required under CI=true)")
        pytest.skip(msg)
    return PG_URL


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A URL whose connections use a fresh, empty schema, dropped afterwards."""
    import sqlalchemy as sa

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(pg_server)
    with admin.begin() as conn:
        conn.execute(sa.text(f'create schema "{name}"'))
    sep = "&" if "?" in pg_server else "?"
    yield f"{pg_server}{sep}options=-csearch_path%3D{name}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'drop schema "{name}" cascade'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'warehouse.db'}"


# One test body, run once per warehouse backend: SQLite (the embedded default) and PostgreSQL
# (production). The PostgreSQL run carries the ``postgres`` marker, so ``make test-unit`` leaves it
# out and it skips (fails under CI=true) without a server, like every PostgreSQL test.
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def backend_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty warehouse database on each backend in turn."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def backend(backend_url: str) -> Iterator[sa.Engine]:
    """A migrated, empty warehouse on each backend in turn (``backend.dialect.name`` says which)."""
    from techaid.warehouse.engine import make_engine
    from techaid.warehouse.migrate import upgrade

    engine = make_engine(backend_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """Airflow's metadata database, migrated once per test session (about 5-15 s)."""
    import subprocess
    import sys

    airflow = Path(sys.executable).parent / "airflow"
    subprocess.run([str(airflow), "db", "migrate"], check=True, capture_output=True, env=os.environ)
    return Path(os.environ["AIRFLOW_HOME"])


@pytest.fixture
def techaid_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A private landing area, output folder, data folder and SQLite warehouse for one test."""
    paths = {name: tmp_path / name for name in ("landing", "output", "data")}
    for p in paths.values():
        p.mkdir()
    monkeypatch.setenv("TECHAID_LANDING", str(paths["landing"]))
    monkeypatch.setenv("TECHAID_OUTPUT", str(paths["output"]))
    monkeypatch.setenv("TECHAID_DATA", str(paths["data"]))
    url = f"sqlite:///{paths['data'] / 'warehouse.db'}"
    monkeypatch.setenv("AIRFLOW_CONN_TECHAID_WAREHOUSE", url)
    paths["url"] = url  # type: ignore[assignment]
    return paths
