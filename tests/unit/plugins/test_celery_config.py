"""The Celery settings the production workers start with: Airflow's own, plus modules preloaded
once per worker (a name that does not import would stop every worker at start)."""

from __future__ import annotations

import importlib.util

import pytest

from techaid_airflow.celery_config import CELERY_CONFIG, PRELOADED


@pytest.mark.parametrize("module", PRELOADED)
def test_every_preloaded_module_exists(module: str) -> None:
    assert importlib.util.find_spec(module) is not None


def test_airflow_settings_are_kept_and_only_the_imports_added() -> None:
    from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG

    assert CELERY_CONFIG["imports"] == PRELOADED
    assert {k: v for k, v in CELERY_CONFIG.items() if k != "imports"} == {
        k: v for k, v in DEFAULT_CELERY_CONFIG.items() if k != "imports"
    }
