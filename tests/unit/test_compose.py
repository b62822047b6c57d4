"""The production stack: docker-compose.yaml is valid, wires what the DAGs need, takes its secrets
from .env, scales its workers; the image ships the runtime lock only. No Docker engine runs here:
the file is checked against the Compose specification and read as data, with .env.example's values
substituted the way compose interpolates them.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from techaid.paths import PROJECT_ROOT

ROOT = PROJECT_ROOT
COMPOSE = ROOT / "docker-compose.yaml"
ENV_EXAMPLE = ROOT / ".env.example"
AIRFLOW_COMMANDS = {"api-server", "scheduler", "dag-processor", "triggerer", "celery worker"}
_VAR = re.compile(r"(?<!\$)\$\{(\w+)(?::([-?])([^}]*))?\}")


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _env_example() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in ENV_EXAMPLE.read_text().splitlines())
    return {k: v for k, v in (p for p in pairs if len(p) == 2) if not k.startswith("#")}


def _interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?error}`` over a parsed document."""
    if isinstance(value, dict):
        return {k: _interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def one(m: re.Match) -> str:
        name, op, arg = m.groups()
        if env.get(name):
            return env[name]
        if op == "?":
            raise KeyError(f"{name} is required: {arg}")
        return arg if op == "-" else ""

    return _VAR.sub(one, value.replace("$$", "\0")).replace("\0", "$")


def _command(svc: dict) -> str:
    command = svc.get("command") or ""
    return command if isinstance(command, str) else " ".join(command)


def _airflow_services(compose: dict) -> dict[str, dict]:
    return {
        name: svc
        for name, svc in compose["services"].items()
        if _command(svc) in AIRFLOW_COMMANDS or name == "airflow-init"
    }


def test_compose_file_matches_the_compose_spec() -> None:
    exe = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(exe), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_stack_has_every_component_of_a_celery_deployment() -> None:
    compose = _compose()
    commands = {_command(svc) for svc in compose["services"].values()}
    assert commands >= AIRFLOW_COMMANDS
    assert {"postgres", "warehouse", "redis", "mailpit", "airflow-init"} <= compose[
        "services"
    ].keys()
    env = compose["x-airflow-common"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:6379/")
    # Workers reach the API server by its service name (Airflow 3 runs tasks through it).
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"].startswith("http://airflow-apiserver:")


def test_every_project_folder_the_dags_use_is_mounted_in_every_airflow_service() -> None:
    for name, svc in _airflow_services(_compose()).items():
        mounted = {v.split(":")[0]: v.split(":")[1] for v in svc["volumes"]}
        for folder in ("./dags", "./plugins", "./include", "./sql", "./expectations"):
            assert mounted.get(folder) == f"/opt/airflow/{folder[2:]}", (name, folder)
            assert (ROOT / folder).is_dir()


def test_landing_output_and_staging_share_one_volume_in_every_airflow_service() -> None:
    filled = {k: v or "a-secret" for k, v in _env_example().items()}
    compose = _interpolate(_compose(), filled)
    for name, svc in _airflow_services(compose).items():
        env = svc["environment"]
        shared = [v.split(":")[1] for v in svc["volumes"] if v.split(":")[0] == "techaid-shared"]
        assert shared == ["/opt/airflow/shared"], name
        for var in ("TECHAID_LANDING", "TECHAID_OUTPUT", "TECHAID_DATA"):
            assert env[var].startswith("/opt/airflow/shared/"), (name, var)
        assert env["PYTHONPATH"].split(":")[:2] == ["/opt/airflow/include", "/opt/airflow/plugins"]
    assert "techaid-shared" in compose["volumes"]


def test_airflow_services_get_both_connections_from_the_env_file() -> None:
    raw = _compose()
    for name, svc in _airflow_services(raw).items():
        env = svc["environment"]
        assert env["AIRFLOW_CONN_TECHAID_WAREHOUSE"].startswith(
            "${AIRFLOW_CONN_TECHAID_WAREHOUSE:?"
        ), name
        assert env["AIRFLOW_CONN_TECHAID_SMTP"] == "${AIRFLOW_CONN_TECHAID_SMTP:-}", name


def test_the_example_connections_point_at_the_bundled_services(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sqlalchemy as sa
    from airflow.sdk import Connection

    from techaid_airflow import hooks

    example = _env_example()
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "CeleryExecutor")
    monkeypatch.setenv("AIRFLOW_CONN_TECHAID_WAREHOUSE", example["AIRFLOW_CONN_TECHAID_WAREHOUSE"])
    url = sa.make_url(hooks.warehouse_url())
    services = _compose()["services"]
    assert url.host == "warehouse"
    assert url.database == "techaid"
    assert url.port == 5432
    assert url.username == services["warehouse"]["environment"]["POSTGRES_USER"]
    assert url.password == example["TECHAID_WAREHOUSE_PASSWORD"]
    smtp = Connection.from_uri(example["AIRFLOW_CONN_TECHAID_SMTP"], conn_id="techaid_smtp")
    assert (smtp.host, smtp.port) == ("mailpit", 1025)
    assert 1025 in services["mailpit"]["expose"]
    assert smtp.extra_dejson["starttls"] is False
    assert "@" in smtp.extra_dejson["sender"]


def test_secrets_come_from_the_env_file_and_each_is_documented() -> None:
    text = COMPOSE.read_text()
    documented = _env_example().keys() | {
        m.group(1) for m in re.finditer(r"^# ?(\w+)=", ENV_EXAMPLE.read_text(), re.M)
    }
    used = {m.group(1) for m in _VAR.finditer(text)}
    assert sorted(used - documented) == []
    required = {m.group(1) for m in _VAR.finditer(text) if m.group(2) == "?"}
    for secret in (
        "AIRFLOW_FERNET_KEY",
        "AIRFLOW_JWT_SECRET",
        "AIRFLOW_API_SECRET_KEY",
        "AIRFLOW_DB_PASSWORD",
        "TECHAID_WAREHOUSE_PASSWORD",
        "TECHAID_ADMIN_PASSWORD",
    ):
        assert secret in required, f"{secret} must come from .env"
    with pytest.raises(KeyError, match="is required"):
        _interpolate(_compose(), {})
    # No password is written into the file itself.
    assert not re.search(r"://\w+:(?!\$\{)[^@/]+@", text)
    ignored = (ROOT / ".gitignore").read_text().split()
    assert ".env" in ignored or "/.env" in ignored


def test_workers_scale_without_colliding() -> None:
    worker = _compose()["services"]["airflow-worker"]
    assert "container_name" not in worker
    assert "hostname" not in worker
    assert "ports" not in worker


def test_dependencies_name_existing_services_with_health_checks() -> None:
    compose = _compose()
    services = compose["services"]
    for name, svc in services.items():
        for dep, cond in (svc.get("depends_on") or {}).items():
            assert dep in services, f"{name} depends on unknown service {dep}"
            if cond["condition"] == "service_healthy":
                assert "healthcheck" in services[dep], f"{dep} has no health check"
    for name in _airflow_services(compose):
        if name != "airflow-init":
            assert services[name]["depends_on"]["airflow-init"] == {
                "condition": "service_completed_successfully"
            }


# Tools that must never ship in the image: tests, linters, type checks, benches, browsers.
DEV_ONLY = frozenset(
    {
        "pytest",
        "pytest-timeout",
        "aiosmtpd",
        "ruff",
        "mypy",
        "pandas-stubs",
        "types-pyyaml",
        "sqlfluff",
        "import-linter",
        "playwright",
        "pre-commit",
        "check-jsonschema",
        "duckdb",
        "xlwt",
    }
)


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
            *sources, dest = [w for w in words[1:] if not w.startswith("--")]
            for src in sources:  # several sources copy into a folder, under their own names
                copied[dest if len(sources) == 1 else f"{dest.rstrip('/')}/{Path(src).name}"] = src
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
