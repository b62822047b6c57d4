"""Versioned configuration files, validated on load.

Every rule users change lives in ``include/config/`` (or the folder named by ``TECHAID_CONFIG_DIR``):
program settings, the sheet schema, the rule registry, the dated hierarchy, pairing and recipients.
A bad file raises :class:`ConfigError` naming the file, the key and the offending value.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from techaid.config.base import (
    CODE6_RE,
    DEFAULT_CONFIG_DIR,
    EMAIL_RE,
    ConfigError,
    Strict,
    check_period,
    config_dir,
    read_yaml,
    validated,
)
from techaid.config.hierarchy import Hierarchy, Pair, Unit, load_hierarchy, load_pairing

__all__ = [
    "CODE6_RE",
    "DEFAULT_CONFIG_DIR",
    "EMAIL_RE",
    "ConfigError",
    "Hierarchy",
    "Pair",
    "Unit",
    "config_dir",
    "load_hierarchy",
    "load_pairing",
    "read_yaml",
    "validated",
]


# ---------------------------------------------------------------- program settings


class ProgramPeriod(Strict):
    start: str
    end: str
    timezone: str = "Asia/Shanghai"
    reporting_start: str | None = None

    _check_periods = field_validator("start", "end", "reporting_start")(check_period)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("unknown time zone") from exc
        return v

    @model_validator(mode="after")
    def _order(self) -> ProgramPeriod:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class Deadline(Strict):
    day: int = Field(5, ge=1, le=28)
    overrides: dict[str, int] = Field(default_factory=dict)

    @field_validator("overrides")
    @classmethod
    def _overrides(cls, v: dict[str, int]) -> dict[str, int]:
        for period, day in v.items():
            check_period(period)
            if not 1 <= day <= 31:
                raise ValueError(f"{period}: day {day} must be between 1 and 31")
        return v


class Limits(Strict):
    max_file_bytes: int = Field(200 * 1024 * 1024, gt=0)
    max_zip_members: int = Field(64, gt=0)
    max_zip_uncompressed_bytes: int = Field(2 * 1024**3, gt=0)
    max_zip_ratio: float = Field(200, gt=1)
    header_search_rows: int = Field(10, ge=1, le=100)


class Quarantine(Strict):
    max_share: float = Field(0.20, gt=0, le=1)
    min_sheet_rows: int = Field(20, ge=1)


class Delivery(Strict):
    """How the email outbox is delivered (SMTP, or .eml files without a mail server)."""

    max_attempts: int = Field(10, ge=1, le=1000)
    timeout_seconds: float = Field(30, gt=0, le=600)
    stale_sending_minutes: int = Field(60, ge=1)
    file_sender: str = "techaid-pipeline@localhost"
    sender_name: str = ""

    @field_validator("file_sender")
    @classmethod
    def _sender(cls, v: str) -> str:
        if "@" not in v or any(c in v for c in " ,;<>\"'"):
            raise ValueError("must be a plain email address")
        return v


class Notices(Strict):
    """What the daily run sends around a month's deadline day (calendar days, program time
    zone), and how long it waits for a monthly run before alerting the data engineers."""

    reminder_days_before: tuple[int, ...] = (3, 1)
    overdue_days_after: tuple[int, ...] = (1, 3, 7)
    copy_team_days_after: tuple[int, ...] = (7,)  # overdue notices that also copy the team
    monthly_run_grace_days: int = Field(2, ge=0, le=60)

    @field_validator("reminder_days_before", "overdue_days_after", "copy_team_days_after")
    @classmethod
    def _days(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if len(set(v)) != len(v) or any(not 1 <= d <= 60 for d in v):
            raise ValueError("must be distinct whole days between 1 and 60")
        return v

    @model_validator(mode="after")
    def _copies_are_overdue_days(self) -> Notices:
        extra = sorted(set(self.copy_team_days_after) - set(self.overdue_days_after))
        if extra:
            raise ValueError(f"copy_team_days_after {extra} must also be overdue_days_after")
        return self


class Staging(Strict):
    """How long a version's staged files outlive the run that staged them (kept for retrying a
    failed task; removed at the end of a later successful run)."""

    retention_days: int = Field(7, ge=0, le=365)


class ProgramSettings(Strict):
    program: ProgramPeriod
    deadline: Deadline = Deadline()
    limits: Limits = Limits()
    quarantine: Quarantine = Quarantine()
    delivery: Delivery = Delivery()
    notices: Notices = Notices()
    staging: Staging = Staging()


# ---------------------------------------------------------------- sheet schema

ColumnType = Literal[
    "code6",
    "code9",
    "code12",
    "code",
    "text",
    "id",
    "household_id",
    "int",
    "decimal",
    "bool",
    "date",
    "enum",
    "id_list",
    "period",
]


class ColumnSpec(Strict):
    name: str = ""
    zh: str
    type: ColumnType
    enum: str | None = None
    required: bool = False
    personal: bool = False


class SheetSpec(Strict):
    name: str = ""
    zh: str
    required: bool = True
    kind: Literal["snapshot", "month"] = "snapshot"
    key: list[str]
    columns: dict[str, ColumnSpec]

    @model_validator(mode="before")
    @classmethod
    def _name_columns(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("columns"), dict):
            cols = data["columns"]
            data = {**data, "columns": {n: _named(n, c) for n, c in cols.items()}}
        return data

    def column_list(self) -> list[ColumnSpec]:
        return list(self.columns.values())


def _named(name: str, col: Any) -> Any:
    return {**col, "name": name} if isinstance(col, dict) else col


class MetaSpec(Strict):
    zh: str
    keys: dict[str, ColumnSpec]

    @field_validator("keys", mode="before")
    @classmethod
    def _name_keys(cls, v: Any) -> Any:
        return {n: _named(n, c) for n, c in v.items()} if isinstance(v, dict) else v


class Schema(Strict):
    enums: dict[str, dict[str, str]]
    meta: MetaSpec
    sheets: dict[str, SheetSpec]
    register_sheets: dict[str, SheetSpec] = Field(alias="register")

    @model_validator(mode="before")
    @classmethod
    def _name_sheets(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            for group in ("sheets", "register"):
                if isinstance(data.get(group), dict):
                    data[group] = {
                        n: {**s, "name": n} if isinstance(s, dict) else s
                        for n, s in data[group].items()
                    }
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Schema:
        for group in (self.sheets, self.register_sheets):
            for sname, sheet in group.items():
                for k in sheet.key:
                    if k not in sheet.columns:
                        raise ValueError(f"{sname}: key column {k!r} is not a column")
                for cname, col in sheet.columns.items():
                    if col.type == "enum" and col.enum not in self.enums:
                        raise ValueError(f"{sname}.{cname}: unknown enum {col.enum!r}")
        return self

    def sheet(self, name: str) -> SheetSpec:
        """A submission sheet by name."""
        return self.sheets[name]

    def register_sheet(self, name: str) -> SheetSpec:
        """A poverty-office register file (villages, households) by name."""
        return self.register_sheets[name]

    def enum_values(self, name: str) -> dict[str, str]:
        return self.enums[name]

    def labels(
        self, sheet: str | None, column: str | None, register: bool = False
    ) -> tuple[str, str]:
        """Chinese sheet and column names for a finding or repair (a name outside the schema as
        the office wrote it). A register's ``households`` is the register file, not the monthly
        sheet of the same name."""
        if sheet == "meta":
            key = self.meta.keys.get(column or "")
            return self.meta.zh, key.zh if key else (column or "")
        group = (self.register_sheets, self.sheets) if register else (self.sheets,)
        spec = next((g[sheet] for g in group if sheet in g), None)
        if spec is None:
            return sheet or "", column or ""
        col = spec.columns.get(column or "")
        return spec.zh, col.zh if col else (column or "")


# ---------------------------------------------------------------- rule registry


class RuleSpec(Strict):
    code: str = ""
    severity: Literal["fatal", "error", "warning"]
    meaning: str
    message: str


# ---------------------------------------------------------------- recipients


class Recipients(Strict):
    to: list[str]
    cc: list[str] = Field(default_factory=list)

    @field_validator("to", "cc")
    @classmethod
    def _emails(cls, v: list[str]) -> list[str]:
        for addr in v:
            if not EMAIL_RE.match(addr):
                raise ValueError(f"{addr!r} is not an email address")
        return v


class RecipientsConfig(Strict):
    provincial_team: Recipients
    data_engineers: Recipients
    cities: dict[str, Recipients]


# ---------------------------------------------------------------- loading


def load_program(path: Path | None = None) -> ProgramSettings:
    path = path or config_dir() / "program.yaml"
    return validated(ProgramSettings, read_yaml(path), path)


def load_schema(path: Path | None = None) -> Schema:
    path = path or config_dir() / "sheets.yaml"
    return validated(Schema, read_yaml(path), path)


def load_rules(path: Path) -> dict[str, RuleSpec]:
    """One rule file: rule code -> severity, meaning and Chinese message template."""
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise ConfigError(path, "(root)", raw, "must map rule codes to rules")
    specs: dict[str, RuleSpec] = {}
    for code, body in raw.items():
        if not isinstance(body, dict):
            raise ConfigError(path, code, body, "must be a mapping")
        specs[code] = validated(RuleSpec, {**body, "code": code}, path)
    return specs


def load_rules_dir(directory: Path | None = None) -> dict[str, RuleSpec]:
    """The rule registry: ``rules.yaml`` (intake) and every other ``rules*.yaml`` beside it
    (data quality), merged; a rule code defined twice is an error."""
    specs: dict[str, RuleSpec] = {}
    for p in sorted((directory or config_dir()).glob("rules*.yaml")):
        for code, spec in load_rules(p).items():
            if code in specs:
                raise ConfigError(p, code, code, "rule defined twice")
            specs[code] = spec
    return specs


def load_recipients(
    path: Path | None = None, city_codes: set[str] | None = None
) -> RecipientsConfig:
    path = path or config_dir() / "recipients.yaml"
    cfg = validated(RecipientsConfig, read_yaml(path), path)
    known = city_codes if city_codes is not None else set(load_hierarchy().city_codes())
    for code in cfg.cities:
        if code not in known:
            raise ConfigError(path, f"cities.{code}", code, "not a city of the hierarchy")
    return cfg


_FILES: dict[str, tuple[str, Any]] = {
    "program": ("program.yaml", load_program),
    "schema": ("sheets.yaml", load_schema),
    "rules": ("rules.yaml", load_rules),
    "hierarchy": ("hierarchy.csv", load_hierarchy),
    "recipients": ("recipients.yaml", load_recipients),
    "pairing": ("pairing.csv", load_pairing),
}


@functools.cache
def _cached(kind: str, directory: str) -> Any:
    if kind == "rules":
        return load_rules_dir(Path(directory))
    name, loader = _FILES[kind]
    return loader(Path(directory) / name)


def program() -> ProgramSettings:
    return _cached("program", str(config_dir()))


def schema() -> Schema:
    return _cached("schema", str(config_dir()))


def rules() -> dict[str, RuleSpec]:
    return _cached("rules", str(config_dir()))


def hierarchy() -> Hierarchy:
    return _cached("hierarchy", str(config_dir()))


def recipients() -> RecipientsConfig:
    return _cached("recipients", str(config_dir()))


def pairing() -> list[Pair]:
    return _cached("pairing", str(config_dir()))


def validate_all(directory: Path | None = None) -> None:
    """Load every configuration file once; raises ConfigError on the first problem."""
    # Imported here: the submodule reads this package's loaders at import time.
    from techaid.config import recommendations

    d = directory or config_dir()
    load_program(d / "program.yaml")
    sheets = load_schema(d / "sheets.yaml")
    load_rules_dir(d)
    h = load_hierarchy(d / "hierarchy.csv")
    load_recipients(d / "recipients.yaml", set(h.city_codes()))
    load_pairing(d / "pairing.csv", h)
    recommendations.load_rules(d / recommendations.RECOMMENDATIONS_FILE, sheets)
    recommendations.load_keywords(d / recommendations.KEYWORDS_FILE, sheets)
