"""docker-compose.yaml is valid and wires what the DAGs need (no Docker engine runs here)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yaml"


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_file_matches_the_compose_spec() -> None:
    exe = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(exe), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_project_folder_the_dags_use_is_mounted() -> None:
    common = _compose()["x-airflow-common"]
    mounted = {v.split(":")[0] for v in common["volumes"]}
    for folder in ("./dags", "./plugins", "./include", "./sql", "./expectations"):
        assert folder in mounted, f"{folder} not mounted into the Airflow containers"
        assert (ROOT / folder).is_dir()


def test_dependencies_name_existing_services_with_health_checks() -> None:
    compose = _compose()
    services = compose["services"]
    for name, svc in services.items():
        for dep, cond in (svc.get("depends_on") or {}).items():
            assert dep in services, f"{name} depends on unknown service {dep}"
            if cond["condition"] == "service_healthy":
                assert "healthcheck" in services[dep], f"{dep} has no health check"


def test_airflow_services_get_the_warehouse_connection_and_paths() -> None:
    env = _compose()["x-airflow-common"]["environment"]
    assert env["AIRFLOW_CONN_TECHAID_WAREHOUSE"].startswith("postgresql://")
    assert "@warehouse:5432/" in env["AIRFLOW_CONN_TECHAID_WAREHOUSE"]
    for var in ("TECHAID_LANDING", "TECHAID_OUTPUT", "PYTHONPATH"):
        assert env[var]
    assert "/opt/airflow/include" in env["PYTHONPATH"]


# Tools that must never ship in the image: tests, linters, type checks, benches, browsers.
DEV_ONLY = frozenset(
    {
        "pytest", "pytest-timeout", "aiosmtpd", "ruff", "mypy", "pandas-stubs", "types-pyyaml",
        "sqlfluff", "import-linter", "playwright", "pre-commit", "check-jsonschema", "duckdb",
        "xlwt",
    }
)  # fmt: skip


def _pins(lock: Path) -> dict[str, str]:
    pins = {}
    for line in lock.read_text().splitlines():
        if line and not line.startswith((" ", "#", "-")):
            name, _, version = line.partition("==")
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def _locks_the_image_installs() -> list[Path]:
    """The host files behind every ``pip install -r`` of the Dockerfile (through its COPYs)."""
    copied: dict[str, str] = {}
    installed: list[str] = []
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        words = line.split()
        if words[:1] == ["COPY"]:
            src, dest = [w for w in words[1:] if not w.startswith("--")]
            copied[dest] = src
        if words[:1] == ["RUN"]:
            installed += re.findall(r"-r\s+(\S+)", line)
    return [ROOT / copied.get(path, path) for path in installed]


def test_image_installs_only_the_runtime_lock() -> None:
    assert "FROM apache/airflow:3.3.2-python3.11" in (ROOT / "Dockerfile").read_text()
    locks = _locks_the_image_installs()
    assert [lock.name for lock in locks] == ["requirements.txt"]
    pins = _pins(locks[0])
    assert pins["apache-airflow"] == "3.3.2"
    for needed in ("apache-airflow-providers-celery", "psycopg2-binary", "great-expectations"):
        assert needed in pins
    assert sorted(DEV_ONLY & pins.keys()) == []


def test_development_lock_keeps_the_runtime_versions() -> None:
    runtime, dev = _pins(ROOT / "requirements.txt"), _pins(ROOT / "requirements-dev.txt")
    assert sorted(DEV_ONLY - dev.keys()) == []
    differ = {n: (v, runtime[n]) for n, v in dev.items() if n in runtime and runtime[n] != v}
    assert differ == {}
