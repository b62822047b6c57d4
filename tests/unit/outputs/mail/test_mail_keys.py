"""Dedupe keys and the .eml names derived from them: deterministic, never colliding."""

from __future__ import annotations

import pytest

from techaid.outputs.mail import eml
from techaid.outputs.mail.email import dedupe_key
from techaid.outputs.mail.failure import FailedTask


def test_key_reads_as_kind_period_city_and_what_it_is_about() -> None:
    assert dedupe_key("overdue", "2018-06", "341600", "d+7") == "overdue/2018-06/341600/d+7"
    assert dedupe_key("shortlist", "2019", None) == "shortlist/2019/-"


def test_parts_holding_the_separator_never_make_the_same_key() -> None:
    a = dedupe_key("receipt", "2018-06", "341600", "a/b", "c")
    b = dedupe_key("receipt", "2018-06", "341600", "a", "b/c")
    assert a != b
    assert dedupe_key("receipt", "2018-06", "341600", "%2F") != dedupe_key(
        "receipt", "2018-06", "341600", "/"
    )


@pytest.mark.parametrize(
    ("kind", "period", "city"),
    [("Receipt", "2018-06", None), ("receipt", "2018-6", None), ("receipt", "2018-06", "3416")],
)
def test_malformed_key_facts_are_refused(kind: str, period: str, city: str | None) -> None:
    with pytest.raises(ValueError, match="dedupe_key: "):
        dedupe_key(kind, period, city, "x")


def test_each_failed_task_instance_has_its_own_key() -> None:
    def failed(map_index: int, try_number: int) -> FailedTask:
        return FailedTask(
            dag_id="monthly_reporting",
            task_id="load",
            run_id="scheduled__2018-07-06T00:00:00+00:00",
            map_index=map_index,
            try_number=try_number,
            period="2018-06",
            log_url=None,
            error="boom",
        )

    assert failed(0, 1).dedupe_key == failed(0, 3).dedupe_key  # retries: the same instance
    assert failed(0, 1).dedupe_key != failed(1, 1).dedupe_key  # mapped cities apart
    assert "monthly_reporting" in failed(0, 1).dedupe_key


def test_file_names_are_safe_and_distinct_for_keys_differing_in_unsafe_characters() -> None:
    a = eml.file_name("pipeline_failure/2018-06/-/dag/run:1/t/-1")
    b = eml.file_name("pipeline_failure/2018-06/-/dag/run_1/t/-1")
    assert a != b
    for name in (a, b):
        assert name.endswith(".eml")
        assert "/" not in name
        assert ":" not in name
    assert eml.file_name("x/" * 400).__len__() < 200
