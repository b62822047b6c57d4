"""The expectation suites: one reviewable JSON file per sheet, generated from the schema and the
value rules, never edited by hand.

``expectations/submission.<sheet>.json`` is built from ``sheets.yaml`` (keys) and ``quality.yaml``
(ranges and checks); every expectation carries ``meta.rule``, the registered rule a failure
reports. Values that depend on the file's city and month (the month's bounds, the city's counties,
the file's townships, the register's villages) are ``{"$PARAMETER": name}`` placeholders filled at
run time by :func:`techaid.quality.check.suite_parameters`.

    python -m techaid.quality.suites --write    # regenerate the files after changing the rules
    python -m techaid.quality.suites --check    # exit 1 when a file is stale (a test does this too)

Building the suites imports Great Expectations (about 10 s), so that the files are exactly what GX
itself serializes and loads back.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from functools import reduce
from pathlib import Path
from typing import Any

from techaid import config
from techaid.config.quality_rules import Check, QualitySettings, quality, resolve_bound
from techaid.quality.gx_context import engine, suite_name, suite_path, suites_dir

# Suite parameters: names of the run-time values (see techaid.quality.check.suite_parameters).
MONTH_START, MONTH_END = "month_start", "month_end"
CITY_COUNTIES = "city_counties"  # county codes accepted for the city in the month (with recodes)
FILE_TOWNSHIPS = "file_townships"  # township codes of this file under the city's counties
REGISTER_VILLAGES = "register_villages"  # the register's villages of the city
COUNTY_ALIASES = "county_aliases"  # accepted county code -> the code valid in the month
FILE_YEAR, YEAR_BEFORE = "file_year", "year_before"  # the file's year and the one before it


def _param(name: str) -> dict[str, str]:
    return {"$PARAMETER": name}


def _condition(when: dict[str, str] | None) -> Any:
    if not when:
        return None
    from great_expectations.expectations.row_conditions import Column, Condition

    conditions: list[Condition] = [Column(c) == v for c, v in when.items()]
    return reduce(lambda a, b: a & b, conditions)


def _check_expectations(chk: Check, sheet: str) -> list[Any]:
    """The GX expectations of one quality.yaml check."""
    from techaid.quality import gx_custom

    gx = engine().gx
    common: dict[str, Any] = {"meta": {"rule": chk.rule}}
    if chk.when:
        common["row_condition"] = _condition(chk.when)
    note = f"quality.yaml checks.{sheet}: {chk.check}"
    ex = gx.expectations
    match chk.check:
        case "not_null":
            return [
                ex.ExpectColumnValuesToNotBeNull(column=c, notes=note, **common)
                for c in chk.columns or []
            ]
        case "not_before":
            return [
                ex.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A=chk.column,
                    column_B=chk.other,
                    or_equal=True,
                    ignore_row_if="either_value_is_missing",
                    notes=note,
                    **common,
                )
            ]
        case "in_month":
            return [
                ex.ExpectColumnValuesToBeBetween(
                    column=chk.column,
                    min_value=_param(MONTH_START),
                    max_value=_param(MONTH_END),
                    notes=note,
                    **common,
                )
            ]
        case "recent_year":
            return [
                ex.ExpectColumnValuesToBeBetween(
                    column=chk.column,
                    min_value=_param(YEAR_BEFORE),
                    max_value=_param(FILE_YEAR),
                    notes=note,
                    **common,
                )
            ]
        case "regex":
            return [
                ex.ExpectColumnValuesToMatchRegex(
                    column=chk.column, regex=chk.regex, notes=note, **common
                )
            ]
        case "county":
            return [
                ex.ExpectColumnValuesToBeInSet(
                    column=chk.column, value_set=_param(CITY_COUNTIES), notes=note, **common
                )
            ]
        case "county_prefix":
            assert chk.column is not None  # every check but not_null names a column (on load)
            return [
                gx_custom.ExpectColumnValuesPrefixToBeInSet(
                    column=chk.column,
                    prefix_length=6,
                    value_set=_param(CITY_COUNTIES),
                    notes=note,
                    **common,
                )
            ]
        case "known_village":
            assert chk.column is not None  # every check but not_null names a column (on load)
            return [
                gx_custom.ExpectColumnValuesPrefixToBeInSet(
                    column=chk.column,
                    prefix_length=9,
                    value_set=_param(FILE_TOWNSHIPS),
                    also_allowed=_param(REGISTER_VILLAGES),
                    notes=note,
                    **common,
                )
            ]
        case "prefix_agrees":
            assert chk.column is not None  # required on load, like the parent
            assert chk.parent is not None
            return [
                gx_custom.ExpectColumnPairValuesAPrefixToEqualB(
                    column_A=chk.column,
                    column_B=chk.parent,
                    prefix_length=6,
                    aliases=_param(COUNTY_ALIASES),
                    notes=note,
                    **common,
                )
            ]
    raise ValueError(f"unknown check {chk.check!r}")  # pragma: no cover - the model forbids it


def build_suite(sheet: str, q: QualitySettings | None = None) -> Any:
    """The ExpectationSuite of one sheet: key uniqueness, ranges, then the other checks."""

    gx = engine().gx  # GX builds suites only inside a context
    q = q or quality()
    spec = config.schema().sheet(sheet)
    suite = gx.ExpectationSuite(name=suite_name(sheet))
    ex = gx.expectations
    key_rule = q.keys.rule_for(sheet, len(spec.key))
    key_note = f"sheets.yaml {sheet}.key; rule from quality.yaml keys"
    if len(spec.key) == 1:
        suite.add_expectation(
            ex.ExpectColumnValuesToBeUnique(
                column=spec.key[0], meta={"rule": key_rule}, notes=key_note
            )
        )
    else:
        suite.add_expectation(
            ex.ExpectCompoundColumnsToBeUnique(
                column_list=list(spec.key), meta={"rule": key_rule}, notes=key_note
            )
        )
    for column, rng in q.ranges.get(sheet, {}).items():
        bounds = {
            k: v
            for k, v in (
                ("min_value", resolve_bound(rng.min)),
                ("max_value", resolve_bound(rng.max)),
            )
            if v is not None
        }
        suite.add_expectation(
            ex.ExpectColumnValuesToBeBetween(
                column=column,
                meta={"rule": rng.rule},
                notes=f"quality.yaml ranges.{sheet}.{column}",
                **bounds,
            )
        )
    for chk in q.checks.get(sheet, []):
        for expectation in _check_expectations(chk, sheet):
            suite.add_expectation(expectation)
    return suite


def render(sheet: str, q: QualitySettings | None = None) -> str:
    """The suite file's text, exactly as written: GX's own JSON, stable and reviewable."""
    data = build_suite(sheet, q).to_json_dict()
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def stale(directory: Path | None = None) -> list[str]:
    """Sheets whose suite file is missing or differs from what the rules generate."""
    out = []
    for sheet in config.schema().sheets:
        path = suite_path(sheet, directory)
        if not path.exists() or path.read_text(encoding="utf-8") != render(sheet):
            out.append(sheet)
    return out


def write(directory: Path | None = None) -> list[Path]:
    directory = directory or suites_dir()
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for sheet in config.schema().sheets:
        path = suite_path(sheet, directory)
        path.write_text(render(sheet), encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m techaid.quality.suites", description=__doc__)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", action="store_true", help="regenerate the suite files")
    group.add_argument("--check", action="store_true", help="exit 1 when a suite file is stale")
    parser.add_argument(
        "--dir", type=Path, default=None, help="suites folder (default: expectations/)"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    if args.write:
        for path in write(args.dir):
            print(path)
        return 0
    bad = stale(args.dir)
    for sheet in bad:
        print(
            f"stale: {suite_path(sheet, args.dir)} (run python -m techaid.quality.suites --write)"
        )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
