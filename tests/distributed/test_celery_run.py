"""monthly_reporting on Airflow's CeleryExecutor with two workers, as production runs it.

Real components as processes on this machine (no Docker): Airflow's metadata in a fresh PostgreSQL
database, the warehouse in another, Celery over Redis (its own database number), the api-server
(Airflow 3 workers run tasks through its Execution API), the scheduler, the dag-processor and two
Celery workers (one task at a time each, no prefetching, each with its own host name). The run is
triggered through the REST API like an operator would. Logs: ``var/distributed/``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from celery_cluster import Api, Cluster, ClusterError, free_port

from techaid.paths import PROJECT_ROOT

pytestmark = [pytest.mark.distributed, pytest.mark.postgres, pytest.mark.timeout(1500)]

ROOT = PROJECT_ROOT
VAR = ROOT / "var" / "distributed"
BIN = Path(sys.executable).parent
META_DB = "techaid_airflow_meta"
WAREHOUSE_DB = "techaid_dist_wh"
REDIS_URL = os.environ.get("TECHAID_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
DAG_ID = "monthly_reporting"
PERIOD = "2018-05"
WORKERS = ("worker-a", "worker-b")
PUBLISHED = ("submission", "indicator_value", "county_ranking")
# Ledgers of runs (one row per successful run, by design): the only tables a rerun may grow.
RUN_LEDGERS = ("run_log",)
IN_CI = os.environ.get("CI", "").lower() == "true"
CELERY_CONFIG = "techaid_airflow.celery_config.CELERY_CONFIG"  # as docker-compose.yaml sets it

# Bounded waits, in seconds (generous: two shared cores; typical figures in docs/deployment.md).
MIGRATE_S, START_S, RUN_S = 300, 240, 600


def _database_url(server: str, database: str) -> str:
    return (
        sa.make_url(server).set(database=database, query={}).render_as_string(hide_password=False)
    )


def _recreate_databases(server: str) -> None:
    admin = sa.create_engine(_database_url(server, "postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for db in (META_DB, WAREHOUSE_DB):
            conn.exec_driver_sql(f'drop database if exists "{db}" with (force)')
            conn.exec_driver_sql(f'create database "{db}"')
    admin.dispose()


def _fresh_redis() -> None:
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
        client.flushdb()
    except redis.RedisError as exc:
        msg = f"Redis not reachable at {REDIS_URL}: {exc}"
        if IN_CI:
            pytest.fail(msg + " (required under CI=true)")
        pytest.skip(msg)


def _landing_command(landing: Path) -> list[str]:
    """The synthetic generator (its package moved once; whichever exists)."""
    module = next(
        m for m in ("techaid_dev.synthetic", "techaid.synthetic") if importlib.util.find_spec(m)
    )
    options = ["--landing", str(landing), "--start", PERIOD, "--end", PERIOD, "--scale", "0.01"]
    return [sys.executable, "-m", module, *options]


def _environment(server: str, port: int, password_file: Path) -> dict[str, str]:
    from cryptography.fernet import Fernet

    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AIRFLOW", "TECHAID_", "_AIRFLOW")) and k != "PYTHONPATH"
    }
    meta = _database_url(server, META_DB)
    return {
        **base,
        "PATH": f"{BIN}:{base.get('PATH', '')}",
        "PYTHONPATH": f"{ROOT / 'include'}:{ROOT / 'plugins'}:{ROOT}",
        "AIRFLOW_HOME": str(VAR / "airflow-home"),
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": meta,
        "AIRFLOW__CELERY__BROKER_URL": REDIS_URL,
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + meta.replace("+psycopg2", ""),
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": "1",
        "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": "1",
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Shanghai",
        # Only the runs this test triggers: no scheduled run of the latest month on unpausing.
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}/",
        # Shared by every component, as in docker-compose.yaml.
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
        "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
        "AIRFLOW__CORE__AUTH_MANAGER": (
            "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
        ),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(password_file),
        "AIRFLOW_CONN_TECHAID_WAREHOUSE": _database_url(server, WAREHOUSE_DB),
        "TECHAID_LANDING": str(VAR / "landing"),
        "TECHAID_OUTPUT": str(VAR / "output"),
        "TECHAID_DATA": str(VAR / "data"),
    }


@pytest.fixture(scope="module")
def deployment(pg_server: str) -> Iterator[tuple[Cluster, Api, str]]:
    """The whole deployment, started and healthy; stopped (every process, by PID) afterwards."""
    _fresh_redis()
    shutil.rmtree(VAR, ignore_errors=True)
    for folder in ("airflow-home", "landing", "output", "data"):
        (VAR / folder).mkdir(parents=True)
    _recreate_databases(pg_server)

    port = free_port()
    password = secrets.token_urlsafe(16)
    password_file = VAR / "airflow-home" / "passwords.json"
    password_file.write_text(json.dumps({"admin": password}))
    env = _environment(pg_server, port, password_file)
    airflow = str(BIN / "airflow")
    cluster = Cluster(root=VAR, env=env, cwd=ROOT)
    api = Api(f"http://127.0.0.1:{port}", "admin", password)
    begun = time.monotonic()
    try:
        landing = cluster.job("synthetic", _landing_command(VAR / "landing"))  # meanwhile
        cluster.run("db-migrate", [airflow, "db", "migrate"], timeout=MIGRATE_S)
        api_server = [airflow, "api-server", "-H", "127.0.0.1", "-p", str(port), "-w", "1"]
        cluster.start("api-server", api_server)
        cluster.start("scheduler", [airflow, "scheduler"])
        cluster.start("dag-processor", [airflow, "dag-processor"])
        for name in WORKERS:
            options = ["--concurrency", "1", "--celery-hostname", f"{name}@%h", "--skip-serve-logs"]
            worker = [airflow, "celery", "worker", *options]
            cluster.start(
                name,
                worker,
                extra_env={
                    "TECHAID_WORKER_HOST": name,
                    "AIRFLOW__CORE__HOSTNAME_CALLABLE": "worker_identity.hostname",
                    "AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS": CELERY_CONFIG,
                    "PYTHONPATH": f"{env['PYTHONPATH']}:{Path(__file__).parent}",
                },
            )
        cluster.wait_for("the api-server", lambda: _ok(api.get("/monitor/health")), START_S)
        api.login()
        api.call("POST", "/pools", json={"name": "techaid_warehouse", "slots": 4})
        cluster.wait_for(f"{DAG_ID} to be parsed", lambda: _dag_parsed(api), START_S)
        for name in WORKERS:
            cluster.wait_for(
                f"{name} to be ready", lambda n=name: _worker_ready(cluster, n), START_S
            )
        cluster.finish(landing, MIGRATE_S)
        api.call("PATCH", f"/dags/{DAG_ID}", json={"is_paused": False})
        cluster.started_s = time.monotonic() - begun
        yield cluster, api, _database_url(pg_server, WAREHOUSE_DB)
    except ClusterError:
        raise
    except Exception as exc:
        raise ClusterError(f"{type(exc).__name__}: {exc}\n{cluster.report()}") from exc
    finally:
        api.close()
        cluster.stop()


def _ok(response: Any) -> bool | None:
    return True if response.status_code == 200 else None


def _dag_parsed(api: Api) -> bool | None:
    errors = api.get("/importErrors").json().get("import_errors", [])
    if errors:
        raise ClusterError("DAG import errors:\n" + json.dumps(errors, indent=1)[:4000])
    return _ok(api.get(f"/dags/{DAG_ID}"))


def _worker_ready(cluster: Cluster, name: str) -> bool | None:
    log = (VAR / f"{name}.log").read_text(errors="replace")
    return True if f"{name}@" in log and " ready." in log else None


def _run_to_completion(cluster: Cluster, api: Api, run_id: str) -> dict[str, Any]:
    api.call(
        "POST",
        f"/dags/{DAG_ID}/dagRuns",
        json={"dag_run_id": run_id, "logical_date": None, "conf": {"period": PERIOD}},
    )

    def finished() -> dict | None:
        run = api.call("GET", f"/dags/{DAG_ID}/dagRuns/{run_id}")
        return run if run["state"] in ("success", "failed") else None

    run = cluster.wait_for(f"run {run_id}", finished, RUN_S)
    if run["state"] != "success":
        states = [(t["task_id"], t["map_index"], t["state"]) for t in _task_instances(api, run_id)]
        raise ClusterError(f"run {run_id} {run['state']}: {states}\n{cluster.report(60)}")
    return run


def _task_instances(api: Api, run_id: str) -> list[dict[str, Any]]:
    body = api.call("GET", f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances", params={"limit": 1000})
    return body["task_instances"]


def _rows_loaded(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                sa.text(
                    "select coalesce(sum(rows_loaded), 0) from submission"
                    " where status in ('accepted', 'accepted_with_errors')"
                )
            ).scalar_one()
    finally:
        engine.dispose()


def _snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of every warehouse table, in a stable order."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            tables = sa.inspect(conn).get_table_names()
            return {
                t: sorted(
                    (tuple(r) for r in conn.execute(sa.text(f'select * from "{t}"'))), key=repr
                )
                for t in tables
            }
    finally:
        engine.dispose()


def test_monthly_reporting_spreads_over_two_celery_workers_and_reruns_idempotently(
    deployment: tuple[Cluster, Api, str],
) -> None:
    cluster, api, warehouse = deployment
    started = time.monotonic()
    _run_to_completion(cluster, api, "distributed-1")
    first_run_s = time.monotonic() - started

    tis = _task_instances(api, "distributed-1")
    per_city = [t for t in tis if t["task_id"].startswith("per_city.") and t["map_index"] >= 0]
    assert len({t["map_index"] for t in per_city}) == 9, "one mapped group per city"
    assert all(t["state"] == "success" for t in tis)
    assert {t["hostname"] for t in per_city} == set(WORKERS)

    first = _snapshot(warehouse)
    empty = [t for t in PUBLISHED if not first.get(t)]
    assert empty == [], f"published tables without rows: {empty}"
    clean_rows = sum(len(rows) for t, rows in first.items() if t.startswith("clean_"))
    assert clean_rows > 0
    assert clean_rows == _rows_loaded(warehouse), "every loaded row is in a clean table"

    started = time.monotonic()
    _run_to_completion(cluster, api, "distributed-2")
    second_run_s = time.monotonic() - started
    second = _snapshot(warehouse)
    changed = sorted(
        t
        for t in first.keys() | second.keys()
        if t not in RUN_LEDGERS and first.get(t) != second.get(t)
    )
    assert changed == [], f"a second run of {PERIOD} changed these tables: {changed}"
    for ledger in RUN_LEDGERS:
        if ledger in first:
            grown = set(second[ledger]) - set(first[ledger])
            assert len(grown) == 1, grown
            assert "distributed-2" in next(iter(grown))

    figures = (
        f"start-up {cluster.started_s:.0f} s, first run {first_run_s:.0f} s, second run "
        f"{second_run_s:.0f} s, peak memory of the "
        f"deployment {cluster.peak_mb:.0f} MiB; tasks per worker: "
        + ", ".join(f"{w} {sum(t['hostname'] == w for t in tis)}" for w in WORKERS)
    )
    (VAR / "figures.txt").write_text(figures + "\n")
    print(figures)
