"""The dashboard app against the tiny report warehouse (two months, three ranked counties), an
output folder with a workbook, an outbox email and a Data Docs index, and tokens minted by
Airflow's own auth manager (the simple one, Airflow's default). Token checks read the metadata
database (revoked tokens), so the session's Airflow database is migrated first."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests.unit.outputs.report.report_builders import PERIOD, build

SIMPLE = "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
SUBJECT = "安庆市 2018年6月 报送回执"


def write_output(root: Path) -> dict[str, Path]:
    """The files a month leaves under the output root, and one secret file beside it."""
    workbook = root / PERIOD / f"rollup_{PERIOD}.xlsx"
    workbook.parent.mkdir(parents=True)
    workbook.write_bytes(b"PK\x03\x04 workbook")
    (root / PERIOD / f".rollup_{PERIOD}.xlsx.tmp").write_bytes(b"half written")
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = SUBJECT, "techaid@example.org", "aq@example.org"
    msg.set_content("回执")
    outbox = root / "outbox"
    outbox.mkdir()
    (outbox / "receipt-340800-2018-06.eml").write_bytes(bytes(msg))
    docs = root / "data_docs"
    docs.mkdir()
    (docs / "index.html").write_text("<html><title>Data Docs</title></html>", encoding="utf-8")
    vendor = docs / "static" / "vendor"
    vendor.mkdir(parents=True)
    (vendor / "jquery.min.js").write_text("/* jQuery */", encoding="utf-8")
    (docs / "static" / "page.html").write_text("<html>not an asset</html>", encoding="utf-8")
    secret = root.parent / "secret.txt"
    secret.write_text("not for readers", encoding="utf-8")
    (root / "escape").symlink_to(secret)
    (docs / "static" / "escape.js").symlink_to(secret)
    return {"workbook": workbook, "secret": secret}


@pytest.fixture(scope="session")
def dashboard_env(
    airflow_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """Environment of the dashboard tests: the warehouse connection, the output root and the
    simple auth manager; undone afterwards."""
    folder = tmp_path_factory.mktemp("dashboard")
    url = f"sqlite:///{folder / 'warehouse.db'}"
    build(url).dispose()
    output = folder / "output"
    output.mkdir()
    paths = write_output(output)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AIRFLOW_CONN_TECHAID_WAREHOUSE", url)
        mp.setenv("TECHAID_OUTPUT", str(output))
        mp.setenv("AIRFLOW__CORE__AUTH_MANAGER", SIMPLE)
        mp.setenv("AIRFLOW__API_AUTH__JWT_SECRET", secrets.token_urlsafe(64))
        yield {"url": url, "output": output, **paths}


@pytest.fixture(scope="session")
def auth_manager(dashboard_env: dict[str, Any]) -> Any:
    from airflow.api_fastapi.app import create_auth_manager

    return create_auth_manager()


@pytest.fixture(scope="session")
def mint(auth_manager: Any) -> Any:
    """``mint(role, seconds=3600)``: a JWT for a user of that role, as the login would issue."""
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    def _mint(role: str | None, seconds: int = 3600) -> str:
        user = SimpleAuthManagerUser(username=f"user-{role}", role=role)
        return auth_manager.generate_jwt(user, expiration_time_in_seconds=seconds)

    return _mint


@pytest.fixture(scope="session")
def client(dashboard_env: dict[str, Any], auth_manager: Any) -> Iterator[Any]:
    """The dashboard app as Airflow mounts it, without credentials of its own."""
    from fastapi.testclient import TestClient

    from techaid_airflow.dashboard.app import create_app

    with TestClient(create_app(), follow_redirects=False) as c:
        yield c


@pytest.fixture(scope="session")
def viewer(client: Any, mint: Any) -> dict[str, str]:
    """Headers of a logged-in reader (the simple auth manager's least role)."""
    return {"Authorization": f"Bearer {mint('viewer')}"}
