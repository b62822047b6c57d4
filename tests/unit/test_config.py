"""The configuration files load, and a bad one is refused naming file, key and value."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from techaid import config

CONFIG = Path(config.DEFAULT_CONFIG_DIR)


@pytest.fixture
def cfg_dir(tmp_path: Path) -> Path:
    d = tmp_path / "config"
    shutil.copytree(CONFIG, d)
    return d


def test_shipped_configuration_is_valid() -> None:
    config.validate_all(CONFIG)


def test_bad_deadline_day_names_file_key_and_value(cfg_dir: Path) -> None:
    p = cfg_dir / "program.yaml"
    p.write_text(p.read_text().replace("day: 5 ", "day: 40 "))
    with pytest.raises(config.ConfigError) as err:
        config.validate_all(cfg_dir)
    assert err.value.file.endswith("program.yaml")
    assert err.value.key == "deadline.day"
    assert err.value.value == 40


def test_bad_override_period_is_refused(cfg_dir: Path) -> None:
    p = cfg_dir / "program.yaml"
    p.write_text(p.read_text().replace('"2019-01": 12', '"2019-13": 12'))
    with pytest.raises(config.ConfigError, match="2019-13"):
        config.load_program(p)


def test_unknown_time_zone_is_refused(cfg_dir: Path) -> None:
    p = cfg_dir / "program.yaml"
    p.write_text(p.read_text().replace("Asia/Shanghai", "Asia/Atlantis"))
    with pytest.raises(config.ConfigError, match=re.escape("program.timezone")):
        config.load_program(p)


def test_recipient_for_unknown_city_is_refused(cfg_dir: Path) -> None:
    p = cfg_dir / "recipients.yaml"
    p.write_text(p.read_text() + '  "999999": {to: [x@example.org]}\n')
    with pytest.raises(config.ConfigError, match=re.escape("cities.999999")):
        config.validate_all(cfg_dir)


def test_malformed_email_is_refused(cfg_dir: Path) -> None:
    p = cfg_dir / "recipients.yaml"
    p.write_text(p.read_text().replace("bozhou-kx@example.org", "Bozhou <bozhou@example.org>"))
    with pytest.raises(config.ConfigError, match=re.escape("cities.341600.to")):
        config.validate_all(cfg_dir)


def test_hierarchy_bad_date_names_line(cfg_dir: Path) -> None:
    p = cfg_dir / "hierarchy.csv"
    p.write_text(p.read_text().replace("2018-08-01", "2018-08-41"))
    with pytest.raises(config.ConfigError) as err:
        config.load_hierarchy(p)
    assert "valid_from" in err.value.key
    assert err.value.value == "2018-08-41"


def test_pairing_with_unknown_county_is_refused(cfg_dir: Path) -> None:
    p = cfg_dir / "pairing.csv"
    p.write_text(p.read_text() + "340100,x,x,999999,guess\n")
    with pytest.raises(config.ConfigError, match="poverty_county_code"):
        config.validate_all(cfg_dir)


def test_enum_reference_must_exist(cfg_dir: Path) -> None:
    p = cfg_dir / "sheets.yaml"
    p.write_text(p.read_text().replace("enum: specialty,", "enum: speciality,"))
    with pytest.raises(config.ConfigError, match="speciality"):
        config.load_schema(p)


def test_severity_must_be_known(cfg_dir: Path) -> None:
    p = cfg_dir / "rules.yaml"
    p.write_text(p.read_text().replace("severity: error", "severity: severe", 1))
    with pytest.raises(config.ConfigError, match="severity"):
        config.load_rules(p)
