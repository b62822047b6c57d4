"""docker-compose.yaml is valid and wires what the DAGs need (no Docker engine runs here)."""

from __future__ import annotations

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


def test_image_installs_the_pinned_requirements() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "requirements.txt" in dockerfile
    assert "apache/airflow:3.3.2" in dockerfile
