"""The recommendation and keyword files: the shipped ones load, and a bad value is refused naming
the file, the key and the value."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from techaid import config
from techaid.recommend.rules import load_keywords, load_rules

SHIPPED = yaml.safe_load((config.config_dir() / "recommendations.yaml").read_text("utf-8"))


def write(tmp_path: Path, data: object, name: str = "recommendations.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_shipped_files_load() -> None:
    rules = load_rules()
    assert rules.notice.days >= 7
    assert rules.score.threshold == 80
    assert rules.notice.end_for(dt.date(2019, 1, 25)) == dt.date(2019, 1, 25) + dt.timedelta(
        days=rules.notice.days - 1
    )
    specialties, words = load_keywords().specialties_of("稻虾共养、茶叶")
    assert specialties == {"crops", "aquaculture"}
    assert {"茶", "虾"} <= words
    assert load_keywords().specialties_of("乡村旅游") == (set(), set())


@pytest.mark.parametrize(
    ("change", "key", "value"),
    [
        ({"notice": {**SHIPPED["notice"], "days": 6}}, "notice.days", 6),
        ({"score": {**SHIPPED["score"], "threshold": 120}}, "score.threshold", 120),
        ({"quotas": {"expert": -1, "organization": 5}}, "quotas.expert", -1),
        ({"org_types": ["association", "bank"]}, "org_types.1", "bank"),
        (
            {"notice": {**SHIPPED["notice"], "objections": "电话 0551-6286 1234"}},
            "notice.objections",
            "电话 0551-6286 1234",
        ),
        (
            {"notice": {**SHIPPED["notice"], "start": {2019: "2020-02-30"}}},
            "notice.start.2019",
            "2020-02-30",
        ),
    ],
)
def test_bad_recommendations_refused_naming_file_key_value(
    tmp_path: Path, change: dict, key: str, value: object
) -> None:
    path = write(tmp_path, SHIPPED | change)
    with pytest.raises(config.ConfigError) as err:
        load_rules(path)
    assert (err.value.file, err.value.key, err.value.value) == (str(path), key, value)


@pytest.mark.parametrize(
    ("data", "key", "value"),
    [
        ({"crops": ["茶"], "fishing": ["鱼"]}, "fishing", "fishing"),
        ({"crops": ["茶", ""]}, "crops.1", ""),
        ({"crops": "茶"}, "crops", "茶"),
    ],
)
def test_bad_keywords_refused_naming_file_key_value(
    tmp_path: Path, data: dict, key: str, value: object
) -> None:
    path = write(tmp_path, data, "specialty_keywords.yaml")
    with pytest.raises(config.ConfigError) as err:
        load_keywords(path)
    assert (err.value.file, err.value.key, err.value.value) == (str(path), key, value)
