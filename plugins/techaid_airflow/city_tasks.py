"""The per-city read → check → load group both intake DAGs map over the cities.

One definition, so the monthly run and the daily run take a file in exactly the same way (the
same labels, pool and cap on concurrent checks). Imports nothing heavy: the tasks import the
domain package when they run.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import get_current_context, task, task_group

from techaid_airflow.defaults import WAREHOUSE_POOL

# Each check imports GX (seconds of CPU, hundreds of MB): two at a time, not nine.
CHECKS_AT_ONCE = 2


def _label(city_code: str) -> None:
    """Name the mapped task instance after its city in the UI (read by ``map_index_template``)."""
    from techaid import pipeline

    context = get_current_context()
    # The template reads keys a task adds to its context; Airflow's TypedDict lists only its own.
    context["city_label"] = pipeline.city_label(city_code)  # type: ignore[typeddict-unknown-key]


@task(map_index_template="{{ city_label }}", multiple_outputs=False)
def read(plan: dict) -> dict:
    """Parse and repair each version into staging (a refused file is staged as such)."""
    from techaid import pipeline

    _label(plan["city_code"])
    return pipeline.read_city(plan)


@task(
    map_index_template="{{ city_label }}",
    multiple_outputs=False,
    max_active_tis_per_dagrun=CHECKS_AT_ONCE,
)
def check(staged: dict) -> dict:
    """Apply the rule registry: refuse the file, quarantine rows, or accept."""
    from techaid import pipeline
    from techaid_airflow.hooks import warehouse_url

    _label(staged["city_code"])
    return pipeline.check_city(warehouse_url(), staged)


@task(map_index_template="{{ city_label }}", pool=WAREHOUSE_POOL, multiple_outputs=False)
def load(checked: dict) -> dict:
    """Record each outcome; the current version atomically replaces the city's rows."""
    from techaid import pipeline
    from techaid_airflow.hooks import warehouse_url

    _label(checked["city_code"])
    return pipeline.load_city(warehouse_url(), checked)


@task_group
def per_city(plan: Any) -> None:
    """One city's new versions: read, check, load (``plan`` is the mapped XCom of a city's plan)."""
    # Wiring passes XComArgs where the task functions take the values they resolve to.
    load(check(read(plan)))  # type: ignore[arg-type]
