"""Custom Great Expectations classes for rules no built-in expectation expresses.

Both are about administrative codes, whose first digits name the parent unit (6 = county,
9 = township): a township belongs to a county of this city, a village to a township of the file or
the register, an activity's village to the activity's county. The allowed sets depend on the city
and the month, so the suites hold ``{"$PARAMETER": ...}`` placeholders filled at run time.

Importing this module imports ``great_expectations`` (about 10 s) and registers the classes with
GX (its metaclasses do that on class creation); only :mod:`techaid.quality.gx_runner` and
:mod:`techaid.quality.suites` import it, lazily.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, ClassVar, Literal

import pandas as pd
from great_expectations.compatibility import pydantic
from great_expectations.core.suite_parameters import SuiteParameterDict
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import (
    ColumnMapExpectation,
    ColumnPairMapExpectation,
)
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnMapMetricProvider,
    ColumnPairMapMetricProvider,
    column_condition_partial,
    column_pair_condition_partial,
)


def _as_str(column: pd.Series) -> pd.Series:
    """Codes as text whatever the frame's dtype (object, str or the pandas string dtype)."""
    return column if pd.api.types.is_string_dtype(column) else column.astype("string")


# ----------------------------------------------------------------- prefix in a set


class ColumnValuesPrefixInSet(ColumnMapMetricProvider):
    """Row-wise: the value's first ``prefix_length`` characters are in ``value_set``, or the
    whole value is in ``also_allowed``."""

    condition_metric_name = "column_values.prefix_in_set"
    condition_value_keys = ("prefix_length", "value_set", "also_allowed")

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(
        cls,
        column: pd.Series,
        prefix_length: int,
        value_set: Collection[str] | None,
        also_allowed: Collection[str] | None = None,
        **kwargs: Any,
    ) -> pd.Series:
        text = _as_str(column)
        ok = text.str.slice(0, int(prefix_length)).isin(list(value_set or ()))
        if also_allowed:
            ok = ok | text.isin(list(also_allowed))
        return ok.fillna(False).astype(bool)


class ExpectColumnValuesPrefixToBeInSet(ColumnMapExpectation):
    """Expect each value's first ``prefix_length`` characters to be one of ``value_set`` (or the
    whole value to be one of ``also_allowed``).

    Used for the parent of a code: a township code's first 6 digits must be a county of the city,
    a village code's first 9 a township of the same file unless the village itself is in the
    register. Both sets are usually suite parameters computed for the city and month.

    Args:
        column: The column holding the codes.
        prefix_length: How many leading characters name the parent.
        value_set: The allowed prefixes.
        also_allowed: Whole values accepted regardless of their prefix (optional).
    """

    prefix_length: int | SuiteParameterDict = pydantic.Field(description="Leading characters.")
    value_set: list | SuiteParameterDict = pydantic.Field(description="Allowed prefixes.")
    also_allowed: list | SuiteParameterDict | None = pydantic.Field(
        default=None, description="Whole values accepted regardless of their prefix."
    )

    library_metadata: ClassVar[dict] = {
        "maturity": "experimental",
        "tags": ["techaid", "column map expectation", "administrative codes"],
        "contributors": ["techaid"],
        "requirements": [],
        "has_full_test_suite": True,
        "manually_reviewed_code": True,
    }

    map_metric = "column_values.prefix_in_set"
    success_keys = ("prefix_length", "value_set", "also_allowed", "mostly")
    args_keys = ("column", "prefix_length", "value_set", "also_allowed")


# ----------------------------------------------------------------- prefix equals another column


class ColumnPairValuesAPrefixEqualB(ColumnPairMapMetricProvider):
    """Row-wise: A's first ``prefix_length`` characters equal B, both read through ``aliases``
    (old code -> the code both sides are compared as), so a recoded county still agrees."""

    condition_metric_name = "column_pair_values.a_prefix_equal_b"
    condition_domain_keys = (
        "batch_id",
        "table",
        "column_A",
        "column_B",
        "row_condition",
        "condition_parser",
        "ignore_row_if",
    )
    condition_value_keys = ("prefix_length", "aliases")

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(
        cls,
        column_A: pd.Series,
        column_B: pd.Series,
        prefix_length: int,
        aliases: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> pd.Series:
        a = _as_str(column_A).str.slice(0, int(prefix_length))
        b = _as_str(column_B)
        if aliases:
            a = a.map(lambda v: aliases.get(v, v))
            b = b.map(lambda v: aliases.get(v, v))
        return (a == b).fillna(False).astype(bool)


class ExpectColumnPairValuesAPrefixToEqualB(ColumnPairMapExpectation):
    """Expect column A's first ``prefix_length`` characters to equal column B.

    Used for an activity's village: its first 6 digits must be the activity's county. ``aliases``
    maps codes to the code both sides are compared as (a recoded county's old and new codes map
    to one), so a row mixing the old and the new code of one county still agrees.

    Args:
        column_A: The longer code (e.g. village_code).
        column_B: The parent code (e.g. county_code).
        prefix_length: How many leading characters of A name B.
        aliases: Code -> the code it is compared as (optional).
        ignore_row_if: Rows skipped; by default a row with either value missing.
    """

    prefix_length: int | SuiteParameterDict = pydantic.Field(description="Leading characters.")
    aliases: dict | SuiteParameterDict | None = pydantic.Field(
        default=None, description="Code -> the code it is compared as."
    )
    ignore_row_if: (
        Literal["both_values_are_missing", "either_value_is_missing", "neither"]
        | SuiteParameterDict
    ) = pydantic.Field(default="either_value_is_missing")

    library_metadata: ClassVar[dict] = {
        "maturity": "experimental",
        "tags": ["techaid", "column pair map expectation", "administrative codes"],
        "contributors": ["techaid"],
        "requirements": [],
        "has_full_test_suite": True,
        "manually_reviewed_code": True,
    }

    map_metric = "column_pair_values.a_prefix_equal_b"
    success_keys = ("column_A", "column_B", "prefix_length", "aliases", "ignore_row_if", "mostly")
    args_keys = ("column_A", "column_B", "prefix_length", "aliases")
