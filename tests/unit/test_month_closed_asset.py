"""monthly_reporting reads its month from the asset events that started it (Airflow's own
accessor, as a task's context holds it), and is scheduled on that asset, not on a fixed day."""

from __future__ import annotations

import datetime as dt

from airflow.sdk.execution_time.comms import AssetEventDagRunReferenceResult
from airflow.sdk.execution_time.context import TriggeringAssetEventsAccessor

from techaid.paths import PROJECT_ROOT
from techaid_airflow.assets import MONTH_CLOSED, closed_period

ROOT = PROJECT_ROOT


def _event(extra: dict, asset_name: str = MONTH_CLOSED.name) -> AssetEventDagRunReferenceResult:
    uri = MONTH_CLOSED.uri if asset_name == MONTH_CLOSED.name else f"x://{asset_name}"
    return AssetEventDagRunReferenceResult.model_validate(
        {
            "asset": {"name": asset_name, "uri": uri, "extra": {}},
            "extra": extra,
            "source_task_id": "close_month",
            "source_dag_id": "submission_reminders",
            "source_run_id": "scheduled__2019-02-13T01:00:00+00:00",
            "source_map_index": -1,
            "source_aliases": [],
            "timestamp": dt.datetime(2019, 2, 13, 1, 5, tzinfo=dt.UTC),
        }
    )


def test_the_month_comes_from_the_triggering_event() -> None:
    events = TriggeringAssetEventsAccessor.build([_event({"period": "2019-01"})])
    assert closed_period({"triggering_asset_events": events}) == "2019-01"


def test_queued_events_run_the_latest_month_and_bad_extras_are_ignored() -> None:
    events = TriggeringAssetEventsAccessor.build(
        [_event({"period": "2018-12"}), _event({"period": "2019-01"}), _event({"period": "x"})]
    )
    assert closed_period({"triggering_asset_events": events}) == "2019-01"


def test_no_event_means_no_month_from_the_asset() -> None:
    assert closed_period({}) is None
    other = TriggeringAssetEventsAccessor.build([_event({"period": "2019-01"}, "something_else")])
    assert closed_period({"triggering_asset_events": other}) is None


def test_monthly_reporting_is_scheduled_on_the_asset() -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags" / "monthly_reporting.py"))
    assert bag.import_errors == {}
    dag = bag.dags["monthly_reporting"]
    assert MONTH_CLOSED.name in str(dag.timetable)
    # The success record is the run's last task: every other leaf is upstream of it.
    last = dag.get_task("record_success")
    assert last.downstream_task_ids == set()
    assert [t.task_id for t in dag.tasks if not t.downstream_task_ids] == ["record_success"]
