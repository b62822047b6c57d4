"""Celery settings of the workers: Airflow's own, plus the modules every task needs, imported once.

Airflow runs each task in a process forked from its Celery worker, so whatever the worker imported
at start is already loaded in every task. Without this each task imports pandas, SQLAlchemy and
the pipeline again, and each check task Great Expectations (about 10 s of CPU alone). Workers use it
through ``AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS=techaid_airflow.celery_config.CELERY_CONFIG``.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG

# Celery imports these in the worker's main process before it forks its pool.
PRELOADED = ("techaid.pipeline", "great_expectations")

CELERY_CONFIG: dict[str, Any] = {**DEFAULT_CELERY_CONFIG, "imports": PRELOADED}
