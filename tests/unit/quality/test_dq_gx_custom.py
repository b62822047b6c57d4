"""The custom expectations on their own: registered with GX, saved and loaded as JSON, run-time
parameters, nulls skipped, failing rows named by row_number."""

from __future__ import annotations

import json
import re
from typing import Any

import pandas as pd
import pytest

from techaid.quality import gx_runner


@pytest.fixture(scope="module")
def custom(gx: Any) -> Any:
    from techaid.quality import gx_custom

    return gx_custom


def _validate(gx: Any, expectations: list, frame: pd.DataFrame, params: dict | None = None):
    suite = gx.gx.ExpectationSuite(name="test.custom", expectations=expectations)
    return gx_runner.validate_frame("custom_test", frame, params or {}, suite=suite)


def _frame(**columns: list) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    return pd.DataFrame({"row_number": range(10, 10 + n), **columns})


def test_registered_under_their_snake_case_names(gx: Any, custom: Any) -> None:
    from great_expectations.expectations.registry import get_expectation_impl

    assert get_expectation_impl("expect_column_values_prefix_to_be_in_set") is (
        custom.ExpectColumnValuesPrefixToBeInSet
    )
    assert get_expectation_impl("expect_column_pair_values_a_prefix_to_equal_b") is (
        custom.ExpectColumnPairValuesAPrefixToEqualB
    )


def test_prefix_in_set_flags_rows_outside(gx: Any, custom: Any) -> None:
    exp = custom.ExpectColumnValuesPrefixToBeInSet(
        column="code", prefix_length=6, value_set=["340825", "340826"], meta={"rule": "dq.range"}
    )
    frame = _frame(code=["340825101", "340101001", None, "340826102203"])
    failures = _validate(gx, [exp], frame)
    assert [(f.row, f.value, f.detail) for f in failures] == [(11, "340101001", "340101")]


def test_prefix_in_set_accepts_whole_values_and_parameters(gx: Any, custom: Any) -> None:
    exp = custom.ExpectColumnValuesPrefixToBeInSet(
        column="code",
        prefix_length=9,
        value_set={"$PARAMETER": "towns"},
        also_allowed={"$PARAMETER": "villages"},
        meta={"rule": "dq.village_unknown"},
    )
    frame = _frame(code=["340825101201", "340827555001", "340827555002"])
    params = {"towns": ["340825101"], "villages": ["340827555001"]}
    failures = _validate(gx, [exp], frame, params)
    assert [(f.rule, f.row, f.value) for f in failures] == [
        ("dq.village_unknown", 12, "340827555002")
    ]


def test_prefix_in_set_on_an_empty_set_flags_every_value(gx: Any, custom: Any) -> None:
    exp = custom.ExpectColumnValuesPrefixToBeInSet(
        column="code", prefix_length=6, value_set=[], meta={"rule": "dq.range"}
    )
    assert [f.row for f in _validate(gx, [exp], _frame(code=["340825101", None]))] == [10]


def test_pair_prefix_equal_with_aliases(gx: Any, custom: Any) -> None:
    exp = custom.ExpectColumnPairValuesAPrefixToEqualB(
        column_A="village",
        column_B="county",
        prefix_length=6,
        aliases={"$PARAMETER": "aliases"},
        meta={"rule": "dq.village_county_mismatch"},
    )
    frame = _frame(
        village=["340825101201", "340824101201", "340826102203", None],
        county=["340825", "340882", "340825", "340825"],
    )
    params = {"aliases": {"340824": "340882", "340882": "340882"}}
    failures = _validate(gx, [exp], frame, params)
    assert [(f.row, f.value, f.detail) for f in failures] == [(12, "340826102203", "340825")]


def test_pair_prefix_without_aliases_compares_literally(gx: Any, custom: Any) -> None:
    exp = custom.ExpectColumnPairValuesAPrefixToEqualB(
        column_A="village", column_B="county", prefix_length=6, meta={"rule": "dq.range"}
    )
    frame = _frame(village=["340824101201"], county=["340882"])
    assert [f.row for f in _validate(gx, [exp], frame)] == [10]


def test_saved_as_json_and_loaded_back(gx: Any, custom: Any) -> None:
    suite = gx.gx.ExpectationSuite(
        name="test.roundtrip",
        expectations=[
            custom.ExpectColumnValuesPrefixToBeInSet(
                column="code", prefix_length=6, value_set={"$PARAMETER": "c"}, meta={"rule": "x"}
            ),
            custom.ExpectColumnPairValuesAPrefixToEqualB(
                column_A="a", column_B="b", prefix_length=6, meta={"rule": "y"}
            ),
        ],
    )
    data = json.loads(json.dumps(suite.to_json_dict()))
    loaded = gx.gx.ExpectationSuite(**data)
    assert [type(e) for e in loaded.expectations] == [
        custom.ExpectColumnValuesPrefixToBeInSet,
        custom.ExpectColumnPairValuesAPrefixToEqualB,
    ]
    assert loaded.to_json_dict() == data


def test_expectation_without_rule_is_refused(gx: Any) -> None:
    exp = gx.gx.expectations.ExpectColumnValuesToNotBeNull(column="code")
    with pytest.raises(gx_runner.QualityCheckError, match=re.escape("meta.rule")):
        _validate(gx, [exp], _frame(code=[None]))


def test_expectation_that_cannot_run_fails_loudly(gx: Any) -> None:
    exp = gx.gx.expectations.ExpectColumnValuesToBeBetween(
        column="code", min_value=0, max_value=9, meta={"rule": "dq.range"}
    )
    frame = _frame(code=pd.Series(["1", "2"], dtype=object))  # text against numeric bounds
    with pytest.raises(gx_runner.QualityCheckError, match="could not run"):
        _validate(gx, [exp], frame)


def test_missing_suite_parameter_is_refused(gx: Any, custom: Any) -> None:
    exp = custom.ExpectColumnValuesPrefixToBeInSet(
        column="code", prefix_length=6, value_set={"$PARAMETER": "counties"}, meta={"rule": "x"}
    )
    with pytest.raises(gx_runner.QualityCheckError, match="counties"):
        _validate(gx, [exp], _frame(code=["340825101"]))


def test_expectation_on_an_absent_column_is_skipped(gx: Any) -> None:
    ex = gx.gx.expectations
    suite = [
        ex.ExpectColumnValuesToNotBeNull(column="absent", meta={"rule": "dq.range"}),
        ex.ExpectColumnValuesToNotBeNull(column="code", meta={"rule": "dq.range"}),
    ]
    assert [f.row for f in _validate(gx, suite, _frame(code=["1", None]))] == [11]
