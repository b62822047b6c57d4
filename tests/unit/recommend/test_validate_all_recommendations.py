"""``config.validate_all`` refuses a bad recommendation or keyword file, naming file, key and value
(the DAG's first task calls it, so a typo stops the run before anything is published)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from techaid import config


@pytest.fixture
def cfg_dir(tmp_path: Path) -> Path:
    d = tmp_path / "config"
    shutil.copytree(config.DEFAULT_CONFIG_DIR, d)
    return d


def test_validate_all_refuses_a_notice_shorter_than_seven_days(cfg_dir: Path) -> None:
    p = cfg_dir / "recommendations.yaml"
    p.write_text(p.read_text("utf-8").replace("days: 7 ", "days: 5 "), "utf-8")
    with pytest.raises(config.ConfigError) as err:
        config.validate_all(cfg_dir)
    assert err.value.file.endswith("recommendations.yaml")
    assert (err.value.key, err.value.value) == ("notice.days", 5)


def test_validate_all_refuses_an_unknown_specialty(cfg_dir: Path) -> None:
    p = cfg_dir / "specialty_keywords.yaml"
    p.write_text(p.read_text("utf-8") + "\nastrology: [星象]\n", "utf-8")
    with pytest.raises(config.ConfigError) as err:
        config.validate_all(cfg_dir)
    assert err.value.file.endswith("specialty_keywords.yaml")
    assert (err.value.key, err.value.value) == ("astrology", "astrology")
