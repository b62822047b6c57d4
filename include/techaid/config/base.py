"""What every configuration loader shares: the error naming file, key and value, strict models,
and reading YAML and CSV files from the configuration folder."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from techaid.paths import CONFIG_DIR
from techaid.periods import PERIOD_RE

DEFAULT_CONFIG_DIR = CONFIG_DIR
EMAIL_RE = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
CODE6_RE = re.compile(r"^\d{6}$")


class ConfigError(ValueError):
    """A configuration file is invalid: which file, which key, which value, what is wrong."""

    def __init__(self, file: Path | str, key: str, value: Any, problem: str):
        self.file, self.key, self.value, self.problem = str(file), key, value, problem
        super().__init__(f"{file}: {key} = {value!r}: {problem}")


class Strict(BaseModel):
    """A frozen model that refuses unknown keys (a typo in a file is an error, not a default)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def check_period(v: str | None) -> str | None:
    if v is not None and not PERIOD_RE.match(str(v)):
        raise ValueError("must be a month YYYY-MM")
    return v


def config_dir() -> Path:
    return Path(os.environ.get("TECHAID_CONFIG_DIR") or DEFAULT_CONFIG_DIR)


def read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(path, "(file)", None, "file not found") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(path, "(file)", None, f"not valid YAML: {exc}") from exc


def validated(model: type[BaseModel], data: Any, path: Path) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "(root)"
        raise ConfigError(path, key, err.get("input"), err["msg"]) from exc


def csv_rows(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return list(csv.DictReader(fh))
    except FileNotFoundError as exc:
        raise ConfigError(path, "(file)", None, "file not found") from exc


def opt_date(path: Path, key: str, text: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError(path, key, text, "must be a date YYYY-MM-DD or empty") from exc
