"""Versioned configuration files, validated on load.

Every rule users change lives in ``include/config/`` (or the folder named by ``TECHAID_CONFIG_DIR``):
program settings, the sheet schema, the rule registry, the dated hierarchy, pairing and recipients.
A bad file raises :class:`ConfigError` naming the file, the key and the offending value.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import os
import re
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from techaid.periods import PERIOD_RE

DEFAULT_CONFIG_DIR = Path(__file__).resolve().parents[1] / "config"
EMAIL_RE = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
CODE6_RE = re.compile(r"^\d{6}$")


class ConfigError(ValueError):
    """A configuration file is invalid: which file, which key, which value, what is wrong."""

    def __init__(self, file: Path | str, key: str, value: Any, problem: str):
        self.file, self.key, self.value, self.problem = str(file), key, value, problem
        super().__init__(f"{file}: {key} = {value!r}: {problem}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _period(v: str | None) -> str | None:
    if v is not None and not PERIOD_RE.match(str(v)):
        raise ValueError("must be a month YYYY-MM")
    return v


# ---------------------------------------------------------------- program settings


class ProgramPeriod(_Strict):
    start: str
    end: str
    timezone: str = "Asia/Shanghai"
    reporting_start: str | None = None

    _check_periods = field_validator("start", "end", "reporting_start")(_period)

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


class Deadline(_Strict):
    day: int = Field(5, ge=1, le=28)
    overrides: dict[str, int] = Field(default_factory=dict)

    @field_validator("overrides")
    @classmethod
    def _overrides(cls, v: dict[str, int]) -> dict[str, int]:
        for period, day in v.items():
            _period(period)
            if not 1 <= day <= 31:
                raise ValueError(f"{period}: day {day} must be between 1 and 31")
        return v


class Limits(_Strict):
    max_file_bytes: int = Field(200 * 1024 * 1024, gt=0)
    max_zip_members: int = Field(64, gt=0)
    max_zip_uncompressed_bytes: int = Field(2 * 1024**3, gt=0)
    max_zip_ratio: float = Field(200, gt=1)
    header_search_rows: int = Field(10, ge=1, le=100)


class Quarantine(_Strict):
    max_share: float = Field(0.20, gt=0, le=1)
    min_sheet_rows: int = Field(20, ge=1)


class ProgramSettings(_Strict):
    program: ProgramPeriod
    deadline: Deadline = Deadline()
    limits: Limits = Limits()
    quarantine: Quarantine = Quarantine()


# ---------------------------------------------------------------- sheet schema

ColumnType = Literal[
    "code6", "code9", "code12", "code", "text", "id", "household_id",
    "int", "decimal", "bool", "date", "enum", "id_list", "period",
]  # fmt: skip


class ColumnSpec(_Strict):
    name: str = ""
    zh: str
    type: ColumnType
    enum: str | None = None
    required: bool = False
    personal: bool = False


class SheetSpec(_Strict):
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


class MetaSpec(_Strict):
    zh: str
    keys: dict[str, ColumnSpec]

    @field_validator("keys", mode="before")
    @classmethod
    def _name_keys(cls, v: Any) -> Any:
        return {n: _named(n, c) for n, c in v.items()} if isinstance(v, dict) else v


class Schema(_Strict):
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


# ---------------------------------------------------------------- rule registry


class RuleSpec(_Strict):
    code: str = ""
    severity: Literal["fatal", "error", "warning"]
    meaning: str
    message: str


# ---------------------------------------------------------------- recipients


class Recipients(_Strict):
    to: list[str]
    cc: list[str] = Field(default_factory=list)

    @field_validator("to", "cc")
    @classmethod
    def _emails(cls, v: list[str]) -> list[str]:
        for addr in v:
            if not EMAIL_RE.match(addr):
                raise ValueError(f"{addr!r} is not an email address")
        return v


class RecipientsConfig(_Strict):
    provincial_team: Recipients
    data_engineers: Recipients
    cities: dict[str, Recipients]


# ---------------------------------------------------------------- loading


def config_dir() -> Path:
    return Path(os.environ.get("TECHAID_CONFIG_DIR") or DEFAULT_CONFIG_DIR)


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(path, "(file)", None, "file not found") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(path, "(file)", None, f"not valid YAML: {exc}") from exc


def _validated(model: type[BaseModel], data: Any, path: Path) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "(root)"
        raise ConfigError(path, key, err.get("input"), err["msg"]) from exc


def load_program(path: Path | None = None) -> ProgramSettings:
    path = path or config_dir() / "program.yaml"
    return _validated(ProgramSettings, _read_yaml(path), path)


def load_schema(path: Path | None = None) -> Schema:
    path = path or config_dir() / "sheets.yaml"
    return _validated(Schema, _read_yaml(path), path)


def load_rules(path: Path) -> dict[str, RuleSpec]:
    """One rule file: rule code -> severity, meaning and Chinese message template."""
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        raise ConfigError(path, "(root)", raw, "must map rule codes to rules")
    specs: dict[str, RuleSpec] = {}
    for code, body in raw.items():
        if not isinstance(body, dict):
            raise ConfigError(path, code, body, "must be a mapping")
        specs[code] = _validated(RuleSpec, {**body, "code": code}, path)
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
    cfg = _validated(RecipientsConfig, _read_yaml(path), path)
    known = city_codes if city_codes is not None else set(load_hierarchy().city_codes())
    for code in cfg.cities:
        if code not in known:
            raise ConfigError(path, f"cities.{code}", code, "not a city of the hierarchy")
    return cfg


# ---------------------------------------------------------------- dated hierarchy and pairing


class Unit(_Strict):
    level: Literal["province", "city", "county"]
    code: str
    name_zh: str
    name_en: str
    parent_code: str | None
    poverty_level: Literal["national", "provincial"] | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    predecessor_code: str | None
    note: str = ""

    def valid_in(self, start: dt.date, end: dt.date) -> bool:
        """Valid on any day between start and end (inclusive)."""
        return (self.valid_from is None or self.valid_from <= end) and (
            self.valid_to is None or self.valid_to >= start
        )

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_in(day, day)


def _csv_rows(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return list(csv.DictReader(fh))
    except FileNotFoundError as exc:
        raise ConfigError(path, "(file)", None, "file not found") from exc


def _opt_date(path: Path, key: str, text: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError(path, key, text, "must be a date YYYY-MM-DD or empty") from exc


def load_hierarchy(path: Path | None = None):  # -> Hierarchy (import cycle avoided)
    from techaid.hierarchy import Hierarchy

    path = path or config_dir() / "hierarchy.csv"
    units: list[Unit] = []
    for i, row in enumerate(_csv_rows(path), start=2):
        key = f"line {i} ({row.get('code', '')})"
        if not CODE6_RE.match(row.get("code") or ""):
            raise ConfigError(path, f"line {i}.code", row.get("code"), "must be 6 digits")
        data = {k: (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k}
        data["valid_from"] = _opt_date(path, f"{key}.valid_from", data.get("valid_from", ""))
        data["valid_to"] = _opt_date(path, f"{key}.valid_to", data.get("valid_to", ""))
        for opt in ("parent_code", "poverty_level", "predecessor_code"):
            data[opt] = data.get(opt) or None
        unit = _validated(Unit, data, path)
        if unit.valid_from and unit.valid_to and unit.valid_to < unit.valid_from:
            raise ConfigError(path, f"{key}.valid_to", row["valid_to"], "before valid_from")
        units.append(unit)
    return Hierarchy(units, source=path)


class Pair(_Strict):
    partner_code: str
    partner_name_zh: str
    partner_name_en: str
    poverty_county_code: str
    confidence: str = ""


def load_pairing(path: Path | None = None, hierarchy=None) -> list[Pair]:
    path = path or config_dir() / "pairing.csv"
    hierarchy = hierarchy or load_hierarchy()
    pairs = []
    for i, row in enumerate(_csv_rows(path), start=2):
        pair = _validated(Pair, {k: v.strip() for k, v in row.items() if k}, path)
        if pair.poverty_county_code not in hierarchy.counties_by_code:
            raise ConfigError(
                path, f"line {i}.poverty_county_code", pair.poverty_county_code,
                "not a county of the hierarchy",
            )  # fmt: skip
        pairs.append(pair)
    return pairs


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


def hierarchy():
    return _cached("hierarchy", str(config_dir()))


def recipients() -> RecipientsConfig:
    return _cached("recipients", str(config_dir()))


def pairing() -> list[Pair]:
    return _cached("pairing", str(config_dir()))


def validate_all(directory: Path | None = None) -> None:
    """Load every configuration file once; raises ConfigError on the first problem."""
    d = directory or config_dir()
    load_program(d / "program.yaml")
    load_schema(d / "sheets.yaml")
    load_rules_dir(d)
    h = load_hierarchy(d / "hierarchy.csv")
    load_recipients(d / "recipients.yaml", set(h.city_codes()))
    load_pairing(d / "pairing.csv", h)
