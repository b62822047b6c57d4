"""Validate a sheet's typed frame against its expectation suite and turn every failing row into a
Finding the office can act on.

Great Expectations takes about 10 s to import, so nothing here imports it at module level: the
first validation in a process imports it, builds one in-memory (ephemeral) context with analytics
and progress bars off, and every later call reuses it. Results come back in the COMPLETE format
with ``row_number`` as the index column, so each failure names the row as the office sees it; the
rule comes from the expectation's ``meta.rule`` and with it the severity and the Chinese message.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from techaid import config
from techaid.findings import Finding, finding
from techaid.quality.gx_context import batch_definition, engine, load_suite

log = logging.getLogger(__name__)

ROW = "row_number"
RESULT_FORMAT = {"result_format": "COMPLETE", "unexpected_index_column_names": [ROW]}

# rule -> function(value) -> the message's {detail}; overrides the generic detail of a failure.
Explain = Mapping[str, Callable[[Any], str]]


class QualityCheckError(RuntimeError):
    """An expectation could not run (a bug or a malformed suite, never bad data): fail loudly
    rather than let rows through unchecked."""


# ---------------------------------------------------------------- failures -> findings


@dataclass(frozen=True)
class Failure:
    """One failing row of one expectation, before it becomes a Finding."""

    rule: str
    row: int
    column: str | None
    value: Any
    detail: str


def text(value: Any) -> str:
    """A value as the office would write it: 3 not 3.0, dates as 2018-06-05."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _range_text(low: Any, high: Any) -> str:
    if low is not None and high is not None:
        return f"{text(low)}至{text(high)}"
    if low is not None:
        return f"不小于{text(low)}"
    return f"不大于{text(high)}"


def _resolve(value: Any, parameters: Mapping[str, Any]) -> Any:
    if isinstance(value, dict) and "$PARAMETER" in value:
        return parameters.get(value["$PARAMETER"])
    return value


def _failures(result: Any, parameters: Mapping[str, Any]) -> list[Failure]:
    """The failing rows of one expectation result."""
    cfg = result.expectation_config
    kind, kw = cfg.type, cfg.kwargs
    rule = (cfg.meta or {}).get("rule")
    if not rule:
        raise QualityCheckError(f"expectation {kind} on {kw} has no meta.rule")
    rows = result.result.get("unexpected_index_list") or []
    out: list[Failure] = []
    if "column_list" in kw:  # a compound key
        cols = list(kw["column_list"])
        groups: dict[tuple, list[int]] = defaultdict(list)
        for r in rows:
            groups[tuple((c, text(r.get(c))) for c in cols)].append(int(r[ROW]))
        for key, numbers in groups.items():
            for n in numbers:
                others = "、".join(str(m) for m in numbers if m != n)
                out.append(Failure(rule, n, None, key, others))
        return out
    if "column_A" in kw:  # a pair: A is reported, B explains
        a, b = kw["column_A"], kw["column_B"]
        return [Failure(rule, int(r[ROW]), a, r.get(a), text(r.get(b))) for r in rows]
    column = kw["column"]
    if kind in ("expect_column_values_to_be_unique",):
        rows_of: dict[str, list[int]] = defaultdict(list)
        for r in rows:
            rows_of[text(r.get(column))].append(int(r[ROW]))
        for r in rows:
            n = int(r[ROW])
            others = "、".join(str(m) for m in rows_of[text(r.get(column))] if m != n)
            out.append(Failure(rule, n, column, r.get(column), others))
        return out
    if kind == "expect_column_values_to_be_between":
        detail = _range_text(
            _resolve(kw.get("min_value"), parameters), _resolve(kw.get("max_value"), parameters)
        )
        return [Failure(rule, int(r[ROW]), column, r.get(column), detail) for r in rows]
    if kind == "expect_column_values_prefix_to_be_in_set":
        n = int(_resolve(kw["prefix_length"], parameters))
        return [
            Failure(rule, int(r[ROW]), column, r.get(column), text(r.get(column))[:n]) for r in rows
        ]
    return [Failure(rule, int(r[ROW]), column, r.get(column), "") for r in rows]


def _compound_value(sheet: str, key: tuple[tuple[str, str], ...]) -> str:
    """A compound key as the office reads it: Chinese column names and enum labels."""
    schema = config.schema()
    spec = schema.sheets.get(sheet)
    parts = []
    for name, v in key:
        col = spec.columns.get(name) if spec else None
        if col is None:
            parts.append(f"{name} {v}")
            continue
        label = schema.enum_values(col.enum).get(v, v) if col.enum else v
        parts.append(f"{col.zh} {label}")
    return "，".join(parts)


def to_findings(
    sheet: str, failures: list[Failure], explain: Explain | None = None
) -> list[Finding]:
    """Findings of the registry's rules: severity and Chinese message come from there."""
    out = []
    for f in failures:
        value = _compound_value(sheet, f.value) if isinstance(f.value, tuple) else f.value
        detail = explain[f.rule](value) if explain and f.rule in explain else f.detail
        shown = None if value is None else text(value)
        out.append(
            finding(f.rule, sheet=sheet, row=f.row, column=f.column, value=shown, detail=detail)
        )
    return out


# ---------------------------------------------------------------- validation


def _applicable(suite: Any, columns: set[str]) -> Any:
    """The suite limited to expectations whose columns the frame has (intake refuses a file that
    lacks a required column; an optional column left out has nothing to check)."""

    def cols(e: Any) -> set[str]:
        kw = e.configuration.kwargs
        named = {
            kw.get("column"),
            kw.get("column_A"),
            kw.get("column_B"),
            *kw.get("column_list", []),
        }
        return {c for c in named if c}

    kept = [e for e in suite.expectations if cols(e) <= columns]
    if len(kept) == len(suite.expectations):
        return suite
    for e in suite.expectations:
        if not cols(e) <= columns:
            log.warning(
                "%s: %s skipped, no column %s", suite.name, e.expectation_type, cols(e) - columns
            )
    gx = engine().gx
    return gx.ExpectationSuite(name=suite.name, expectations=kept)


def _exception(info: Any) -> str | None:
    """The error message when an expectation raised. GX reports it either at the top level or,
    when a metric failed, keyed by metric id; either way the result then has no failing rows, so
    missing it would let every row through."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    for sub in info.values():
        if isinstance(sub, dict) and sub.get("raised_exception"):
            return str(sub.get("exception_message"))
    return None


def _as_dates(column: pd.Series) -> pd.Series:
    """Timestamps as datetime.date objects, missing as None (how intake types dates)."""
    return column.astype(object).map(
        lambda v: None if pd.isna(v) else v.date() if isinstance(v, dt.datetime) else v
    )


def _gx_view(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as GX gets it. Nullable numbers (Int64, Float64) become float64 with NaN,
    because GX compares ranges row by row in Python for any other dtype (4 s instead of 0.1 s on
    1.9 M rows; counts are far below 2**53, so floats hold them exactly). Dates stored as
    timestamps (a frame read back from Parquet, say) become dates, which the month bounds are."""
    changed: dict[str, pd.Series] = {}
    for c, t in frame.dtypes.items():
        if pd.api.types.is_bool_dtype(t):
            continue
        if isinstance(t, pd.api.extensions.ExtensionDtype) and pd.api.types.is_numeric_dtype(t):
            changed[str(c)] = frame[c].astype("float64")
        elif pd.api.types.is_datetime64_any_dtype(t) or "date32" in str(t):
            changed[str(c)] = _as_dates(frame[c])
    return frame.assign(**changed) if changed else frame


def _parameter_names(suite: Any) -> set[str]:
    """The ``$PARAMETER`` names a suite uses (GX copies every parameter given into each result,
    so only those are passed)."""
    return {
        v["$PARAMETER"]
        for e in suite.expectations
        for v in e.configuration.kwargs.values()
        if isinstance(v, dict) and "$PARAMETER" in v
    }


def validate_frame(
    sheet: str,
    frame: pd.DataFrame,
    parameters: Mapping[str, Any] | None = None,
    *,
    suite: Any = None,
    keep: dict[str, Any] | None = None,
) -> list[Failure]:
    """Every failing row of ``frame`` against the sheet's suite (or ``suite``). With ``keep``,
    the suite's result and batch id are kept there under the sheet's name, so the Data Docs
    can store this very validation instead of running it again."""
    if ROW not in frame.columns:
        raise QualityCheckError(f"{sheet}: frame has no {ROW} column")
    parameters = dict(parameters or {})
    suite = _applicable(suite if suite is not None else load_suite(sheet), set(frame.columns))
    if not suite.expectations or frame.empty:
        return []
    from great_expectations.validator.v1_validator import Validator

    # What ValidationDefinition.run does, without storing every result in the context (a worker
    # validates many files) and without Batch.validate's second load of the batch (GX
    # fingerprints the whole frame at each load: about 1 s per million rows).
    validator = Validator(
        batch_definition=batch_definition(sheet),
        batch_parameters={"dataframe": _gx_view(frame)},
        result_format=RESULT_FORMAT,
    )
    used = _parameter_names(suite)
    if used - parameters.keys():
        raise QualityCheckError(
            f"{sheet}: suite parameters not given: {sorted(used - parameters.keys())}"
        )
    results = validator.validate_expectation_suite(
        suite, {k: v for k, v in parameters.items() if k in used}
    )
    if keep is not None:
        keep[sheet] = (results, validator.active_batch_id)
    failures: list[Failure] = []
    for res in results.results:
        problem = _exception(res.exception_info)
        if problem:
            what = res.expectation_config.type if res.expectation_config else "an expectation"
            raise QualityCheckError(f"{sheet}: {what} could not run: {problem}")
        if not res.success:
            failures += _failures(res, parameters)
    return failures


def validate_sheet(
    sheet: str,
    frame: pd.DataFrame,
    parameters: Mapping[str, Any] | None = None,
    explain: Explain | None = None,
    keep: dict[str, Any] | None = None,
) -> list[Finding]:
    """The findings of one sheet's suite (its result kept in ``keep``, see validate_frame)."""
    return to_findings(sheet, validate_frame(sheet, frame, parameters, keep=keep), explain)
