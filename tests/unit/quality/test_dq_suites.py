"""The suite files: generated from the rules, up to date, every expectation mapped to a registered
rule; and quality.yaml validated against the schema and the registry."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from techaid import config
from techaid.config import ConfigError
from techaid.config.quality_rules import load_quality
from techaid.quality import suites


def test_suite_files_are_up_to_date(gx: Any) -> None:
    assert suites.stale() == [], "run: python -m techaid.quality.suites --write"


def test_a_stale_or_missing_suite_file_is_detected(gx: Any, tmp_path: Path) -> None:
    suites.write(tmp_path)
    assert suites.stale(tmp_path) == []
    path = suites.suite_path("households", tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["expectations"][1]["kwargs"]["max_value"] = 30  # hand-edited: not what the rules say
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    suites.suite_path("villages", tmp_path).unlink()
    assert suites.stale(tmp_path) == ["villages", "households"]
    assert suites.main(["--check", "--dir", str(tmp_path)]) == 1


def test_one_suite_per_sheet_named_domain_sheet() -> None:
    for sheet in config.schema().sheets:
        path = suites.suite_path(sheet)
        assert path.name == f"submission.{sheet}.json"
        assert json.loads(path.read_text(encoding="utf-8"))["name"] == f"submission.{sheet}"


def test_every_expectation_names_a_registered_rule() -> None:
    rules = config.rules()
    for sheet in config.schema().sheets:
        data = json.loads(suites.suite_path(sheet).read_text(encoding="utf-8"))
        assert data["expectations"], sheet
        for exp in data["expectations"]:
            assert exp["meta"]["rule"] in rules, (sheet, exp)


def test_every_key_is_checked_unique() -> None:
    for name, spec in config.schema().sheets.items():
        data = json.loads(suites.suite_path(name).read_text(encoding="utf-8"))
        first = data["expectations"][0]
        key = first["kwargs"].get("column_list") or [first["kwargs"]["column"]]
        assert key == spec.key
        assert first["type"] in (
            "expect_column_values_to_be_unique",
            "expect_compound_columns_to_be_unique",
        )


def test_month_bounds_are_run_time_parameters() -> None:
    data = json.loads(suites.suite_path("activities").read_text(encoding="utf-8"))
    held = next(e for e in data["expectations"] if e["kwargs"].get("column") == "held_on")
    assert held["kwargs"]["min_value"] == {"$PARAMETER": suites.MONTH_START}
    assert held["kwargs"]["max_value"] == {"$PARAMETER": suites.MONTH_END}


# ------------------------------------------------------------------ quality.yaml validation


@pytest.fixture
def quality_file(tmp_path: Path) -> tuple[Path, dict]:
    src = config.config_dir() / "quality.yaml"
    dst = tmp_path / "quality.yaml"
    shutil.copy(src, dst)
    return dst, yaml.safe_load(src.read_text(encoding="utf-8"))


def _write(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_quality_yaml_loads() -> None:
    q = load_quality()
    assert q.ranges["households"]["techniques"].max == 20


def test_number_column_without_a_range_is_refused(quality_file: tuple[Path, dict]) -> None:
    path, data = quality_file
    del data["ranges"]["households"]["income_projects"]
    _write(path, data)
    with pytest.raises(ConfigError, match="income_projects"):
        load_quality(path)


def test_unknown_rule_is_refused(quality_file: tuple[Path, dict]) -> None:
    path, data = quality_file
    data["checks"]["experts"][1]["rule"] = "dq.no_such_rule"
    _write(path, data)
    with pytest.raises(ConfigError, match=re.escape("dq.no_such_rule")):
        load_quality(path)


def test_unknown_column_is_refused(quality_file: tuple[Path, dict]) -> None:
    path, data = quality_file
    data["checks"]["activities"][0]["column"] = "held_at"
    _write(path, data)
    with pytest.raises(ConfigError, match="held_at"):
        load_quality(path)


def test_check_missing_an_argument_is_refused(quality_file: tuple[Path, dict]) -> None:
    path, data = quality_file
    del data["checks"]["experts"][1]["regex"]
    _write(path, data)
    with pytest.raises(ConfigError, match="regex"):
        load_quality(path)
